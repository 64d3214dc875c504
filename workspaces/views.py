"""Thin function views: parse the request, call a selector or service, build the response."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from workspaces import export, selectors, services, status_metrics
from workspaces.audit import WORKSPACE_TRAIL_LIMIT, workspace_trail
from workspaces.clients import harness_client, harness_client_for
from workspaces.decommission.selectors import deletion_blocker
from workspaces.decommission.views import delete_forbidden
from workspaces.favourites.selectors import favourite_of
from workspaces.favourites.services import favourite_seen
from workspaces.feedback import harness_error_message
from workspaces.forbidden import forbidden_remembered
from workspaces.forms import (
    METRICS_WINDOW_LABELS,
    PAGE_SIZES,
    HarnessKeyForm,
    PickerSearchForm,
    WorkspaceListForm,
)
from workspaces.harness import errors
from workspaces.htmx import HtmxHttpRequest, partial_for, swaps_partial
from workspaces.models import HarnessCredential
from workspaces.ratelimit import rate_limit_exceeded
from workspaces.search import refuses_keys_in_search
from workspaces.wizard.change import change_in_progress, change_refusal


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    credential = HarnessCredential.objects.filter(user=request.user).first()
    if credential is None:
        return redirect("harness_key")
    if credential.current_org and credential.current_project:
        return redirect("workspace_list", credential.current_org, credential.current_project)
    return redirect("org_list")


@sensitive_post_parameters("api_key")
@require_http_methods(["GET", "POST"])
def harness_key(request: HtmxHttpRequest) -> HttpResponse:
    credential = HarnessCredential.objects.filter(user=request.user).first()
    form = HarnessKeyForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and rate_limit_exceeded(user_id=request.user.pk, action="key_check")
    ):
        # Every check sends the pasted key to Harness: a script must not try keys without end.
        form.add_error(None, "Too many key checks; wait a minute, then paste the key again.")
        form.fields["api_key"].widget.attrs["autofocus"] = True
    if request.method == "POST" and form.is_valid():
        account_id = form.cleaned_data["account_id"]
        api_key = form.cleaned_data["api_key"]
        client = harness_client(account_id=account_id, api_key=api_key)
        try:
            try:
                account_name, saved = client.check_account().name, ""
            except errors.HarnessForbidden:
                # Valid, but without account view rights (a key bound to one project or org):
                # it is accepted once it can list what it may work in. Any other failure of
                # that listing is the check's own (below), not a key that reaches nothing.
                account_name, saved = "", selectors.key_reach(client=client)
                if not saved:
                    form.add_error(
                        "api_key",
                        f"This key is valid but can see neither account {account_id} nor any "
                        "of its organisations (403). Ask a Harness admin for a role in the "
                        "project you work in.",
                    )
        except errors.HarnessUnauthorized:
            form.add_error(
                "api_key",
                "Harness did not accept this key (401). Check that you copied all of it and "
                "that it has not expired or been revoked.",
            )
        except errors.HarnessNotFound:
            form.add_error("account_id", f"Harness has no account {account_id} for this key.")
        except errors.HarnessError as err:
            form.add_error(
                None,
                f"The key could not be checked: {harness_error_message(err)} "
                "Nothing was saved; paste the key again and submit to retry.",
            )
            # The key is not shown again (render_value=False): the focus goes where it is pasted
            # (with JavaScript, portal.js focuses the alert that says why, just above it).
            form.fields["api_key"].widget.attrs["autofocus"] = True
        if form.is_valid():  # no Harness error was added
            services.credential_save(
                user=request.user, account_id=account_id, api_key=api_key, account_name=account_name
            )
            if saved:
                messages.success(
                    request,
                    f"Harness key saved. It may not read account {account_id}'s settings, "
                    f"so the portal shows only what it can reach: {saved}.",
                )
            else:
                messages.success(
                    request, f"Harness key saved for account {account_name or account_id}."
                )
            return redirect("org_list")
    form.ask_for_the_key_again()
    return TemplateResponse(
        request, "workspaces/harness_key.html", {"form": form, "credential": credential}
    )


@require_http_methods(["GET", "POST"])
def harness_key_delete(request: HtmxHttpRequest) -> HttpResponse:
    """Asks first (GET, or a POST without `confirm`); a POST with `confirm=1` deletes."""
    if request.method == "POST" and request.POST.get("confirm") == "1":
        if services.credential_delete(user=request.user):
            messages.success(request, "Your Harness key was deleted from the portal.")
        return redirect("harness_key")
    credential = HarnessCredential.objects.filter(user=request.user).first()
    if credential is None:
        return redirect("harness_key")
    return TemplateResponse(
        request, "workspaces/harness_key_delete.html", {"credential": credential}
    )


@require_GET
@vary_on_headers("HX-Request")
@refuses_keys_in_search(box="org-search")
def org_list(request: HtmxHttpRequest) -> HttpResponse:
    search = PickerSearchForm(request.GET)
    q, refused = search.value("q", ""), search.refused_search()
    result = None
    if not refused:
        result = selectors.org_page(
            client=harness_client_for(request.user), search=q, page=search.value("page", 1)
        )
    return TemplateResponse(
        request,
        partial_for(request, "workspaces/org_list.html", "org-results"),
        {"q": q, "result": result, "oob": swaps_partial(request), "search_notice": refused},
    )


@require_GET
@vary_on_headers("HX-Request")
@refuses_keys_in_search(box="project-search")
def project_list(request: HtmxHttpRequest, org: str) -> HttpResponse:
    search = PickerSearchForm(request.GET)
    q, refused = search.value("q", ""), search.refused_search()
    result = None
    if not refused:
        result = selectors.project_page(
            client=harness_client_for(request.user), org=org, search=q, page=search.value("page", 1)
        )
    return TemplateResponse(
        request,
        partial_for(request, "workspaces/project_list.html", "project-results"),
        {
            "q": q,
            "result": result,
            "org": org,
            "oob": swaps_partial(request),
            "search_notice": refused,
        },
    )


# The list page's swappable regions; an htmx request names the one it wants in HX-Target.
LIST_REGIONS = ("workspace-table", "workspace-browser", "status-overview", "filter-tags")
#: The time-window links' ids: htmx names the one pressed in HX-Trigger.
WINDOW_LINK_IDS = frozenset(f"window-{value}" for value, _ in METRICS_WINDOW_LABELS)


@require_GET
@vary_on_headers("HX-Request", "HX-Target", "HX-Trigger")
@refuses_keys_in_search(box="ws-search")
def workspace_list(request: HtmxHttpRequest, org: str, project: str) -> HttpResponse:
    client = harness_client_for(request.user)
    credential = request.user.harness_credential
    fingerprint = credential.key_fingerprint
    template = "workspaces/workspace_list.html"
    region = request.htmx.target if request.htmx else None
    if request.htmx.history_restore_request or region not in LIST_REGIONS:
        region = None
    context = {"org": org, "project": project, "page_sizes": PAGE_SIZES}
    # A time window chosen from its links swaps the overview; the table's sort, pager and
    # page-jump links carry the window too, so the table is redrawn with it (out of band). The
    # overview's own load and its Refresh leave the table alone.
    window_change = region == "status-overview" and request.htmx.trigger in WINDOW_LINK_IDS
    if region == "status-overview":
        filters = WorkspaceListForm(request.GET)
        context["metrics"] = status_metrics.status_metrics(
            client=client,
            fingerprint=fingerprint,
            org=org,
            project=project,
            window=filters.query.window,
            force=request.GET.get("refresh") == "1",
        )
        context["chips"] = status_metrics.status_chips(
            metrics=context["metrics"], base="", params=filters.query.params
        )
    else:
        tags: list[str] | None = []
        if region != "workspace-table":
            # Only the filter form shows the project's tags (they validate nothing): a filter
            # change re-renders the table alone and needs neither the cache read nor, once it
            # expired, a Harness call in series with the list call.
            tags = selectors.project_tags(
                client=client, fingerprint=fingerprint, org=org, project=project
            )
        filters = WorkspaceListForm(request.GET, tag_choices=tags or [])
        context["tags_failed"] = tags is None
    if region == "filter-tags":
        # The tag picker's Try again: only the tags are read again; the list, its page and
        # the address stay. The picker comes back open, its first tag focused.
        context.update(filters=filters, query=filters.query, tags_open=True)
        return TemplateResponse(
            request, "includes/workspace_filter_fields.html#filter-tags", context
        )
    if region != "status-overview" or window_change:
        result = context["result"] = selectors.workspace_page(
            client=client, org=org, project=project, query=filters.query
        )
        remembered = (credential.current_org, credential.current_project) == (org, project)
        if (result.not_found or result.forbidden) and remembered:
            # Deleted since, or refused to this key now: the home page stops leading here.
            services.credential_forget_project(user=request.user, org=org, project=project)
        if result.not_found and region is None:
            # No such org or project (or not for this key): a way out, and never remembered.
            return TemplateResponse(
                request, "workspaces/project_not_found.html", context, status=404
            )
        if result.page and not remembered:
            # Usually unchanged (every filter change lands here): no UPDATE round trip then.
            services.credential_remember_project(user=request.user, org=org, project=project)
    swapped = region in ("workspace-table", "workspace-browser")
    context.update(
        filters=filters,
        query=filters.query,
        windows=METRICS_WINDOW_LABELS,
        # A table swapped alone also updates the filter form's copy of the state (out of band),
        # and with a chip or chart bar's filters (#workspace-browser) the time-window links;
        # either fills the live region that tells screen readers the new count.
        oob=region == "workspace-table",
        window_oob=swapped,
        count_oob=swapped,
        table_oob=window_change,
    )
    return TemplateResponse(request, f"{template}#{region}" if region else template, context)


@require_GET
def workspace_detail(
    request: HtmxHttpRequest, org: str, project: str, identifier: str
) -> HttpResponse:
    client = harness_client_for(request.user)
    workspace = selectors.workspace_detail(
        client=client, org=org, project=project, identifier=identifier
    )
    context = {"workspace": workspace, "org": org, "project": project, "identifier": identifier}
    if workspace is None:
        return TemplateResponse(request, "workspaces/workspace_not_found.html", context, status=404)
    # (key, value) pairs: in a template, `workspace.tags.items` is the tag named "items" if
    # there is one (Django tries a dict key before an attribute).
    context["tags"] = sorted(workspace.tags.items())
    context["default_pipelines"] = sorted(workspace.default_pipelines.items())
    context["variable_groups"] = [
        ("Terraform variables", list(workspace.terraform_variables.values())),
        ("Environment variables", list(workspace.environment_variables.values())),
    ]
    context["write_forbidden"] = forbidden_remembered(
        request, action="create", org=org, project=project
    )
    context["edit_refusal"] = change_refusal(workspace)  # no Edit that can only bounce back
    context["open_change"] = change_in_progress(
        owner=request.user, org=org, project=project, identifier=identifier
    )
    context["harness_url"] = selectors.workspace_harness_url(
        account_id=client.account_id, org=org, project=project, identifier=identifier
    )
    # Why the person cannot delete it now ("" when they can try), and whether a 403 is why.
    context["delete_forbidden"] = delete_forbidden(request, workspace)
    context["delete_blocker"] = deletion_blocker(
        workspace=workspace, forbidden=context["delete_forbidden"]
    )
    favourite = favourite_of(
        user=request.user,
        account_id=client.account_id,
        org=org,
        project=project,
        identifier=identifier,
    )
    if favourite is not None:
        favourite_seen(favourite=favourite, name=workspace.name)
    context["starred"] = {identifier} if favourite else set()
    context["page_url"] = request.build_absolute_uri(request.path)
    # One more than shown: the page then says it shows only the latest (the admin has them all).
    trail = workspace_trail(
        account=client.account_id,
        org=org,
        project=project,
        identifier=identifier,
        limit=WORKSPACE_TRAIL_LIMIT + 1,
    )
    context["trail"] = trail[:WORKSPACE_TRAIL_LIMIT]
    context["trail_cut"] = len(trail) > WORKSPACE_TRAIL_LIMIT
    context["trail_limit"] = WORKSPACE_TRAIL_LIMIT
    context["export"] = export.harness_workspace_export(
        workspace=workspace, account_id=client.account_id, client=client
    )
    return TemplateResponse(request, "workspaces/workspace_detail.html", context)
