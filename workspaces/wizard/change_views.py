"""The views of a change to an existing workspace: "Edit" on the workspace page starts (or
resumes) an edit draft, and "Send my change anyway" after Harness showed a change made since.

The edit draft's steps, review, submit and result are the create wizard's own views
(`views.py`), which follow `draft.kind`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from workspaces.clients import harness_client_for
from workspaces.feedback import harness_error_message
from workspaces.forbidden import forbidden_forget
from workspaces.forms import SendAnywayForm
from workspaces.harness import errors
from workspaces.htmx import HtmxHttpRequest
from workspaces.models import WorkspaceDraft
from workspaces.wizard import change, drafts, pages, views
from workspaces.wizard.outcomes import require_same_account


@require_POST
def workspace_edit_try_again(
    request: HtmxHttpRequest, org: str, project: str, identifier: str
) -> HttpResponse:
    """The key was given the right to change workspaces since Harness refused it (a 403
    remembered for the session, which hides Edit): forget that refusal in this project, back to
    the workspace's page, which offers Edit again. Nothing is sent to Harness."""
    forbidden_forget(request, action="create", org=org, project=project)
    return redirect(reverse("workspace_detail", args=[org, project, identifier]))


@require_POST
def workspace_change_start(
    request: HtmxHttpRequest, org: str, project: str, identifier: str
) -> HttpResponse:
    """Start a change of the workspace (or reopen the one this user has open), at Basics."""
    back = reverse("workspace_detail", args=[org, project, identifier])
    try:
        draft = change.draft_start_change(
            owner=request.user,
            org=org,
            project=project,
            identifier=identifier,
            client=harness_client_for(request.user),
        )
    except (change.ChangeRefused, drafts.TooManyDrafts) as err:
        messages.error(request, err.message)
        return redirect(back)
    except errors.HarnessNotFound:
        messages.error(request, f"Harness has no workspace {identifier} in {org} / {project}.")
        return redirect(reverse("workspace_list", args=[org, project]))
    except errors.HarnessUnauthorized:
        raise  # the middleware sends the user to the key page
    except errors.HarnessError as err:
        messages.error(
            request,
            f"The workspace could not be read from Harness: {harness_error_message(err)} "
            "Nothing was started; try again.",
        )
        return redirect(back)
    if draft.status == WorkspaceDraft.Status.AWAITING_APPROVAL:
        messages.info(
            request,
            "Your change to this workspace is awaiting approval: it is shown below. Start "
            "another once it is decided.",
        )
        return redirect(reverse("draft_result", args=[draft.pk]))
    return redirect(pages.step_url(draft, draft.current_step))


@require_POST
def draft_send_anyway(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    """The workspace as Harness showed it becomes the base of the change, then it is submitted
    (checked again: a further change in Harness is shown again). The form carries the
    `updated` of the workspace its panel showed: a newer one stored since (found from another
    tab) is shown, not confirmed unseen."""
    draft = get_object_or_404(WorkspaceDraft, pk=draft_id, owner=request.user)
    # Checked before the confirmation is kept: no key leads to the key page (as Submit does), a
    # key for another account sends nothing.
    client = harness_client_for(request.user)
    require_same_account(draft_account=draft.account_id, key_account=client.account_id)
    if change.gone_change(draft=draft) is not None:  # nothing is sent; its page says why
        return redirect(reverse("draft_result", args=[draft.pk]))
    # The state of the workspace the panel showed: only that one is confirmed.
    form = SendAnywayForm(request.POST)
    shown = form.cleaned_data["updated"] if form.is_valid() else None
    try:
        rebased = change.draft_rebase(draft=draft, shown_updated=shown)
    except change.ChangedAgain as err:  # the review's panel shows the newer change
        messages.warning(request, err.message)
        return redirect(pages.step_url(draft, "review"))
    except change.ChangeRefused as err:  # the panel offers to start a new change
        messages.error(request, err.message)
        return redirect(pages.step_url(draft, "review"))
    if not rebased:
        messages.info(request, "There is nothing to confirm any more; review the change again.")
        return redirect(pages.step_url(draft, "review"))
    return views.draft_submit(request, draft_id)


@require_POST
def draft_change_again(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    """A change whose workspace's template link changed in Harness since it started cannot be
    sent (`change.link_changed_in_harness`): it is deleted and a new change of the workspace as
    Harness holds it now is started (`workspace_change_start`). Any other draft: its review."""
    draft = get_object_or_404(WorkspaceDraft, pk=draft_id, owner=request.user)
    client = harness_client_for(request.user)  # no key: the key page; nothing is deleted
    require_same_account(draft_account=draft.account_id, key_account=client.account_id)
    if not change.link_changed_in_harness(draft):
        messages.info(request, "There is nothing to start again; review the change.")
        return redirect(pages.step_url(draft, "review"))
    drafts.draft_delete(draft_id=draft.pk, owner=request.user)
    messages.info(
        request,
        f"Your earlier change to {draft.name or draft.identifier} was not sent and is deleted. "
        "This one starts from the workspace as Harness holds it now.",
    )
    return workspace_change_start(request, draft.org, draft.project, draft.identifier)
