"""The deletion's thin views: the page (GET) and the typed confirmation (POST).

GET `.../workspaces/<identifier>/delete/` reads the workspace: when it cannot be deleted the page
says why (after a 403, with "Try again": a POST to `.../delete/try-again/`); otherwise it opens
(or reopens) the person's deletion request and shows what will be lost. The confirmation posts
to `/drafts/<id>/deletion/`; one DELETE is sent, whoever clicks.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from workspaces import selectors
from workspaces.approvals.selectors import approval_hold, approval_state
from workspaces.clients import harness_client_for
from workspaces.decommission import services
from workspaces.decommission.forms import DeletionConfirmForm
from workspaces.decommission.selectors import deletion_blocker, deletion_loss
from workspaces.forbidden import forbidden_forget, forbidden_remember, forbidden_remembered
from workspaces.htmx import HtmxHttpRequest
from workspaces.models import WorkspaceDraft
from workspaces.wizard.outcomes import CHANGED_IN_HARNESS, outcome_said

Status = WorkspaceDraft.Status
TEMPLATE = "workspaces/workspace_delete.html"


def delete_forbidden(request: HtmxHttpRequest, workspace) -> bool:
    """Whether Harness refused this key a deletion in the workspace's project this session."""
    return forbidden_remembered(
        request, action="delete", org=workspace.org, project=workspace.project
    )


def _confirm_page(
    request: HtmxHttpRequest, draft: WorkspaceDraft, form: DeletionConfirmForm, *, account_id: str
) -> HttpResponse:
    context = {
        "org": draft.org,
        "project": draft.project,
        "identifier": draft.identifier,
        "draft": draft,
        "loss": deletion_loss(draft=draft),
        "form": form,
        "hold": approval_hold(draft=draft, tags=(draft.workspace_snapshot or {}).get("tags") or {}),
        "review": approval_state(draft=draft),  # a held request: who may approve, Withdraw
        **outcome_said(draft),  # a failed request's last attempt: "Outcome unclear." or not
        "harness_url": selectors.workspace_harness_url(
            account_id=account_id,
            org=draft.org,
            project=draft.project,
            identifier=draft.identifier,
        ),
    }
    return TemplateResponse(request, TEMPLATE, context)


@require_GET
def workspace_delete(
    request: HtmxHttpRequest, org: str, project: str, identifier: str
) -> HttpResponse:
    client = harness_client_for(request.user)
    workspace = selectors.workspace_detail(
        client=client, org=org, project=project, identifier=identifier
    )
    settled = services.deletion_settle_stale(
        owner=request.user,
        account_id=client.account_id,
        org=org,
        project=project,
        identifier=identifier,
        exists=workspace is not None,
    )
    context = {"org": org, "project": project, "identifier": identifier}
    if workspace is None and settled:
        # A retry of a deletion that landed after all: its outcome, not "no such workspace".
        return redirect(reverse("draft_result", args=[settled[-1].pk]))
    if workspace is None:
        return TemplateResponse(request, "workspaces/workspace_not_found.html", context, status=404)
    forbidden = delete_forbidden(request, workspace)
    blocker = deletion_blocker(workspace=workspace, forbidden=forbidden)
    if blocker:
        context.update(
            workspace=workspace,
            blocker=blocker,
            forbidden=forbidden,  # "Try again" once granted the right
            harness_url=selectors.workspace_harness_url(
                account_id=client.account_id, org=org, project=project, identifier=identifier
            ),
        )
        return TemplateResponse(request, TEMPLATE, context)
    draft = services.deletion_start(owner=request.user, workspace=workspace)
    form = DeletionConfirmForm(identifier=identifier)
    return _confirm_page(request, draft, form, account_id=client.account_id)


@require_POST
def deletion_try_again(
    request: HtmxHttpRequest, org: str, project: str, identifier: str
) -> HttpResponse:
    """The key was given the right to delete since Harness refused it (a 403 remembered for the
    session): forget that refusal in this project, back to the deletion page. Nothing is sent
    to Harness; the next confirmation asks it (and a new 403 is remembered again)."""
    forbidden_forget(request, action="delete", org=org, project=project)
    return redirect(reverse("workspace_delete", args=[org, project, identifier]))


@require_POST
def deletion_confirm(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    draft = get_object_or_404(
        WorkspaceDraft, pk=draft_id, owner=request.user, kind=WorkspaceDraft.Kind.DELETE
    )
    # First: without a key (removed in another tab), the key page (`HarnessErrorMiddleware`),
    # whatever was typed.
    client = harness_client_for(request.user)
    page = reverse("workspace_delete", args=[draft.org, draft.project, draft.identifier])
    list_url = reverse("workspace_list", args=[draft.org, draft.project])
    if draft.status == Status.DELETED:
        messages.info(request, f"{draft.identifier} was already deleted.")
        return redirect(list_url)
    if draft.status not in services.OPEN:
        return redirect(page)  # being sent, or awaiting approval: the page says so
    form = DeletionConfirmForm(request.POST, identifier=draft.identifier)
    if not form.is_valid():
        return _confirm_page(request, draft, form, account_id=client.account_id)
    draft = services.deletion_send(draft=draft, client=client)
    if draft.status == Status.DELETED:
        messages.success(
            request,
            f"Deleted the workspace {draft.name} ({draft.identifier}) from Harness. "
            "My requests keeps the record.",
        )
        return redirect(list_url)
    response = draft.harness_response or {}
    if draft.status == Status.FAILED and response.get("forbidden"):
        forbidden_remember(request, action="delete", org=draft.org, project=draft.project)
    if draft.status == Status.FAILED or response.get("outcome") == CHANGED_IN_HARNESS:
        # Said once, as the alert the next page focuses: a notice in a page as it loads is not
        # reliably read out, and the page shows the workspace as it is now.
        messages.error(request, response.get("message") or "The workspace was not deleted.")
    return redirect(page)
