"""Downloads of a workspace as code (`workspaces.export`): a Terraform file, a shell script with
the API call, the JSON body. GET only; scoped like the pages they come from."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from workspaces import export, selectors
from workspaces.clients import draft_account_of, harness_client_for
from workspaces.htmx import HtmxHttpRequest
from workspaces.models import WorkspaceDraft


def _attachment(found: export.WorkspaceExport, form: str) -> HttpResponse:
    content_type, _title = export.FORMS[form]
    response = HttpResponse(found.text(form), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename(form)}"'
    return response


@require_GET
def workspace_export(
    request: HtmxHttpRequest, org: str, project: str, identifier: str, form: str
) -> HttpResponse:
    """An existing workspace as code, read with the user's key (IaCM `GET .../workspaces/{id}`,
    and a linked one's template version for its locks: `export.harness_workspace_export`);
    Harness errors reach the error middleware (a page with a retry)."""
    if form not in export.FORMS:
        raise Http404("No such export form.")
    client = harness_client_for(request.user)
    workspace = selectors.workspace_detail(
        client=client, org=org, project=project, identifier=identifier
    )
    if workspace is None:
        raise Http404("No such workspace.")
    found = export.harness_workspace_export(
        workspace=workspace, account_id=client.account_id, client=client
    )
    return _attachment(found, form)


@require_GET
def draft_export(request: HtmxHttpRequest, draft_id, form: str) -> HttpResponse:
    """A new workspace's request (its owner's only) as code: the body its review would send."""
    if form not in export.FORMS:
        raise Http404("No such export form.")
    draft = get_object_or_404(
        WorkspaceDraft, pk=draft_id, owner=request.user, kind=WorkspaceDraft.Kind.CREATE
    )
    # The request's account (its org and project are that account's), not the key's now.
    account_id = draft_account_of(draft, request.user)
    return _attachment(export.draft_export(draft=draft, account_id=account_id), form)
