"""Approvals: the queue "Awaiting my approval", a request's review with the decision form, and
the author's withdraw. Thin: permission decisions here, writes in `services`, reads in
`selectors`. A request is visible to its author and its approvers only (anyone else: 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from workspaces.approvals import selectors, services
from workspaces.approvals.forms import DecisionForm
from workspaces.approvals.models import Approval
from workspaces.clients import harness_account_of, harness_client_for
from workspaces.feedback import wait_in_words
from workspaces.htmx import HtmxHttpRequest
from workspaces.models import WorkspaceDraft
from workspaces.wizard import submit
from workspaces.wizard.outcomes import may_still_land, other_account, outcome_said
from workspaces.wizard.pages import reopen_url

Status = WorkspaceDraft.Status
OUTCOMES = {
    Status.CREATED: "Approved: Harness created it with your key.",
    Status.UPDATED: "Approved: Harness made the change with your key.",
    Status.DELETED: "Approved: Harness deleted it with your key.",
    Status.DRAFT: "Approved, but the workspace was changed in Harness meanwhile: nothing was "
    "sent, and the request went back to its author to review again.",
    Status.FAILED: "Approved, but Harness refused it; it went back to its author with "
    "Harness's message.",
    Status.REJECTED: "Rejected: the author has been told why.",
}
# Approved, but nothing was created, changed or deleted: not said as a success.
NOT_DONE = frozenset({Status.DRAFT, Status.FAILED})
# Said to an approver who presses again while their approval is on its way to Harness.
SENDING = (
    "You approved this request: it is being sent to Harness with your key, and this page "
    "shows what Harness answers."
)
# Said to an approver of an approved write that may still land (`outcomes.may_still_land`):
# Harness's own message speaks to the author, who submits again.
BACK_UNCLEAR = (
    "It may still land in Harness, so it went back to its author, whose next submit looks in "
    "Harness first: nothing is sent twice."
)


def _visible_draft(request: HtmxHttpRequest, draft_id) -> WorkspaceDraft:
    draft = get_object_or_404(WorkspaceDraft.objects.select_related("owner"), pk=draft_id)
    if not selectors.user_may_view(user=request.user, draft=draft):
        raise Http404("No such request.")
    return draft


def _refused(request: HtmxHttpRequest, draft: WorkspaceDraft, message: str) -> HttpResponse:
    context = {"draft": draft, "message": message}
    return TemplateResponse(request, "approvals/approval_refused.html", context, status=403)


@require_GET
def approval_queue(request: HtmxHttpRequest) -> HttpResponse:
    page = selectors.approval_queue_page(user=request.user, page=request.GET.get("page"))
    context = {
        "page": page,
        "drafts": page.object_list,
        "has_key": bool(harness_account_of(request.user)),
    }
    return TemplateResponse(request, "approvals/approval_queue.html", context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def approval_detail(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    draft = _visible_draft(request, draft_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if draft.owner_id == request.user.pk:
            return _refused(
                request,
                draft,
                "This is your own request. Someone else must approve or reject it: nobody "
                "decides their own request.",
            )
        if form.is_valid():
            return _decide(request, draft, form)
        # An error on a version no longer waiting (withdrawn and resubmitted, or decided) is not
        # shown to be corrected: the page says so and shows the request as it stands now.
        reviewed = form.cleaned_data.get("approval")
        gone = reviewed is not None and services.approval_not_pending(
            draft=draft, approval_id=reviewed
        )
        if gone:
            messages.info(request, gone)
            form = DecisionForm()
        return _review_page(request, draft, form)
    if draft.status == Status.SUBMITTING:
        draft = _reconcile_stale(request, draft)
    if request.htmx and not request.htmx.history_restore_request:  # the poll while it is sent
        if draft.status == Status.SUBMITTING:
            return HttpResponse(status=204)  # no swap, nothing read out again
        return _review_page(request, draft, form, partial="#approval-outcome")
    return _review_page(request, draft, form)


def _review_page(
    request: HtmxHttpRequest, draft: WorkspaceDraft, form: DecisionForm, partial: str = ""
) -> TemplateResponse:
    """The review of `draft` with the decision form `form` (offered to an approver while it
    waits), or only its `partial`."""
    review = selectors.approval_review(draft=draft)
    approver = (
        draft.status == Status.AWAITING_APPROVAL
        and review.approval is not None
        and selectors.user_may_decide(user=request.user, approval=review.approval)
    )
    other_key = approver and review.approval.account != harness_account_of(request.user)
    account = draft.account_id or (review.approval.account if review.approval else "")
    context = {
        "review": review,
        "draft": draft,
        "form": form,
        "may_decide": approver and not other_key,
        "other_account": services.other_account_message(approval=review.approval, user=request.user)
        if other_key
        else "",
        "is_owner": draft.owner_id == request.user.pk,
        "response": draft.harness_response or {},
        # A write that may still land is "Outcome unclear", never "Failed" (as the result page).
        **(outcome_said(draft) if draft.status == Status.FAILED else {"unclear": False}),
        "back_unclear": BACK_UNCLEAR,
        # The request's Harness account (recorded on its approval too, for a request older than
        # accounts on requests); another than the viewer's key's: its workspace is not linked.
        "account": account,
        "elsewhere": other_account(
            draft_account=account, key_account=harness_account_of(request.user)
        ),
    }
    return TemplateResponse(request, "approvals/approval_detail.html" + partial, context)


def _reconcile_stale(request: HtmxHttpRequest, draft: WorkspaceDraft) -> WorkspaceDraft:
    """A request left `submitting` by a worker that died is looked for in Harness with the
    viewer's key, as its author's result page does (`submit.draft_reconcile_stale`: not before
    the stale time, nor with a key for another account); a viewer without a key waits."""
    if not harness_account_of(request.user):
        return draft
    return submit.draft_reconcile_stale(draft=draft, client=harness_client_for(request.user))


def _decide(request: HtmxHttpRequest, draft: WorkspaceDraft, form: DecisionForm) -> HttpResponse:
    decision = {
        "draft": draft,
        "approval_id": form.cleaned_data["approval"],
        "approver": request.user,
        "reason": form.cleaned_data["reason"],
    }
    try:
        if form.cleaned_data["decision"] == "approve":
            # The approver's own key: Harness checks their rights, and records them.
            draft = services.approval_approve(**decision, client=harness_client_for(request.user))
        else:
            draft = services.approval_reject(**decision)
    except services.ApprovalRefused as err:
        return _refused(request, draft, err.message)
    except services.ApproverKeyRefused as err:  # Harness's 403 for their key: it still waits
        messages.error(request, err.message)
    except services.RequestGone as err:  # nothing left to show: back to the queue
        messages.info(request, err.message)
        return redirect(reverse("approval_queue"))
    except services.ApprovalNotPending as err:
        said = _pressed_again(draft) if err.yours else None
        messages.add_message(request, *(said or (messages.INFO, err.message)))
    else:
        if draft.status == Status.AWAITING_APPROVAL:  # Harness was down: nothing was decided
            messages.warning(request, _harness_down(draft.harness_response))
        elif said := _decided(draft):
            messages.add_message(request, *said)
    return redirect(reverse("approval_detail", args=[draft.pk]))


def _decided(draft: WorkspaceDraft) -> tuple[int, str] | None:
    """What the approver is told of a decision that settled (its message level and words); None
    for a request in another state."""
    if draft.status == Status.FAILED and may_still_land(draft):
        return messages.WARNING, f"Approved, but the outcome is unclear. {BACK_UNCLEAR}"
    if draft.status in OUTCOMES:
        level = messages.WARNING if draft.status in NOT_DONE else messages.SUCCESS
        return level, OUTCOMES[draft.status]
    return None


def _pressed_again(draft: WorkspaceDraft) -> tuple[int, str] | None:
    """What an approver pressing again (a double click, another tab) is told once their own
    same decision was taken: where it stands, as their first press is told, not "Nothing was
    sent"; None once the request moved on (a later submit of its author's)."""
    if draft.status != Status.REJECTED and not selectors.approval_that_sent(draft=draft):
        return None
    if draft.status == Status.SUBMITTING:
        return messages.INFO, SENDING
    return _decided(draft)


def _harness_down(response: dict) -> str:
    """What the approver is told when Harness was down or busy and nothing was sent, and when
    to approve again (the wait Harness asked for, if it did)."""
    status, wait = response.get("http_status"), response.get("retry_after")
    if status == 429:
        said = "Harness is limiting requests right now (HTTP 429)"
    elif status:
        said = f"Harness answered with an error (HTTP {status})"
    elif wait:  # no call was made: the wait Harness asked for has not passed
        said = "Harness asked the portal to wait before calling it again"
    elif response.get("paused"):  # whatever outcome it keeps (an earlier unclear one)
        said = "The portal is pausing calls to Harness after repeated failures"
    else:
        said = "Harness did not answer"
    when = f"in {wait_in_words(wait)}" if wait else "in a moment"
    return (
        f"{said}, so nothing was sent: the request still waits for approval and its author was "
        f"not told anything. Approve it again {when}: the portal checks Harness first, so it is "
        "never sent twice."
    )


@require_POST
def approval_withdraw(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    """The author takes a waiting request back to change it; it can be submitted again."""
    draft = get_object_or_404(WorkspaceDraft, pk=draft_id, owner=request.user)
    if services.approval_withdraw(draft=draft, owner=request.user):
        messages.success(request, "Withdrawn: the request is a draft again. Submit it when ready.")
        return redirect(reopen_url(draft))
    # Not waiting any more: withdrawn already (a double click, a second tab), or decided.
    last = draft.approvals.order_by("-pk").first()
    decision = last.decision if last else None
    if draft.status == Status.DRAFT and decision == Approval.Decision.WITHDRAWN:
        messages.info(request, "Already withdrawn: the request is a draft again.")
        return redirect(reopen_url(draft))
    if decision in (Approval.Decision.APPROVED, Approval.Decision.REJECTED):
        messages.info(request, "An approver has already decided this request.")
    else:
        messages.info(request, "This request no longer waits for approval.")
    return redirect(reverse("draft_result", args=[draft.pk]))
