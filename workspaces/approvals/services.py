"""Writes for approvals: approve (send with the approver's key), reject, withdraw.

A decision names the approval the approver reviewed (its id, from the page they saw) and starts
with one transaction that moves the draft out of `awaiting_approval` and that approval out of
`pending`, both or neither: however many approvers click, in however many tabs or replicas, one
decision wins and Harness is called at most once, and a version the approver never saw (the
author withdrew, changed and resubmitted it) is never decided by their click. Keyword-only,
named `approval_<verb>`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from portal.logs import holds_harness_key
from workspaces.approvals import notify, selectors
from workspaces.approvals.models import Approval
from workspaces.approvals.refusals import (
    ApprovalNotPending,
    ApprovalRefused,
    ApproverKeyRefused,
    RequestGone,
)
from workspaces.approvals.selectors import approval_chain
from workspaces.audit import audit_record
from workspaces.clients import harness_account_of
from workspaces.decommission.services import deletion_deliver
from workspaces.harness import HarnessClient
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.wizard import submit
from workspaces.wizard.outcomes import UnauthorizedAfterWrite, nothing_landed

Status = WorkspaceDraft.Status
Decision = Approval.Decision
Kind = WorkspaceDraft.Kind


def _send_write(**kwargs) -> WorkspaceDraft:
    """A create (POST) or a change (PUT, after the check that nobody changed it meanwhile)."""
    return submit.draft_send(body=kwargs["draft"].submitted_body, **kwargs).draft


# How an approved request of each kind is sent: the same path as the author's own submit, with
# the approver's client; each takes (draft=, client=, actor=, release_to=, approval=,
# on_release=, on_settled=) and returns the draft once its outcome is stored (and recorded in the
# audit trail).
SENDERS: dict[str, Callable[..., WorkspaceDraft]] = {
    Kind.CREATE: _send_write,
    Kind.EDIT: _send_write,
    Kind.DELETE: deletion_deliver,
}


GONE = "The requester deleted this request, so nothing was sent."
GONE_WHILE_SENT = (
    "The request was deleted while it was being sent, so the portal has no record of what "
    "Harness did with it: look in Harness to see whether it was done."
)
ALREADY_DECIDED = "This request was already decided; here is where it stands. Nothing was sent."
WITHDRAWN = (
    "The requester withdrew the version you reviewed, so nothing was sent. If they submitted "
    "it again, review what it sends now before you decide."
)


def _check_decider(
    *, draft: WorkspaceDraft, approval_id: int, user: AbstractBaseUser, decision: str
) -> Approval:
    """The approval `approval_id` of `draft` (the one the decider reviewed), if `user` may
    decide it (an approver, not its author, with a key for the request's Harness account) and
    it still waits for a `decision`. Raises ApprovalRefused, ApprovalNotPending (RequestGone:
    deleted)."""
    if draft.owner_id == user.pk:
        raise ApprovalRefused(
            "You asked for this change, so someone else must approve it: nobody approves "
            "their own request."
        )
    approval = draft.approvals.filter(pk=approval_id).first()
    if approval is None:
        if not WorkspaceDraft.objects.filter(pk=draft.pk).exists():
            raise RequestGone(GONE)
        raise _not_pending(None)
    if not selectors.user_may_decide(user=user, approval=approval):
        raise ApprovalRefused("You are not one of the approvers of this request.")
    if approval.decision != Decision.PENDING:
        raise _not_pending(approval, user=user, decision=decision)
    if approval.account != harness_account_of(user):
        raise ApprovalRefused(
            f"{other_account_message(approval=approval, user=user)} Nothing was sent."
        )
    return approval


def _not_pending(
    approval: Approval | None, *, user: AbstractBaseUser | None = None, decision: str = ""
) -> ApprovalNotPending:
    """What a `decision` by `user` on `approval` (the one they reviewed; None: no such approval
    of the request any more) is told once it no longer waits: withdrawn, or already decided
    (`yours`: by `user`, the same decision: a second press, another tab)."""
    if approval is None or approval.decision == Decision.WITHDRAWN:
        return ApprovalNotPending(WITHDRAWN)
    yours = user is not None and (approval.decided_by_id, approval.decision) == (user.pk, decision)
    return ApprovalNotPending(ALREADY_DECIDED, yours=yours)


def approval_not_pending(*, draft: WorkspaceDraft, approval_id: int) -> str:
    """Why the approval `approval_id` of `draft` (the version the decider reviewed) can no
    longer be decided, as a decision on it would be told (`WITHDRAWN`, `ALREADY_DECIDED`);
    "" while it waits. For a decision form sent back with an error: the page then shows the
    request as it stands (another version, or decided), not the form for that version."""
    approval = draft.approvals.filter(pk=approval_id).first()
    if approval is not None and approval.decision == Decision.PENDING:
        return ""
    return _not_pending(approval).message


def other_account_message(*, approval: Approval, user: AbstractBaseUser) -> str:
    """Why `user` cannot decide `approval`: their key is not for the request's account."""
    mine = harness_account_of(user)
    return (
        f"This request is for the Harness account {approval.account or '(unknown)'}, and "
        + (f"your Harness key is for {mine}" if mine else "you have no Harness key")
        + ": only an approver with a key for that account can decide it."
    )


def _claim(
    *,
    draft: WorkspaceDraft,
    approval: Approval,
    status: str,
    decision: str,
    decided_by: AbstractBaseUser,
    reason: str,
) -> None:
    """One transaction: the draft leaves `awaiting_approval` for `status` and `approval` (still
    pending) takes `decision`, or neither happens. The draft's row is written first, as
    `approval_withdraw` and the gate do, so concurrent writers lock in one order.
    Raises ApprovalNotPending when either was decided or withdrawn meanwhile, RequestGone when
    its author deleted the request meanwhile. ValueError for a `reason` holding a Harness key
    (`DecisionForm` refuses it: never stored, mailed or shown)."""
    if holds_harness_key(reason):
        raise ValueError("A decision's reason must not hold a Harness API key.")
    now = timezone.now()
    moved = {"status": status, "updated_at": now}
    if status == Status.SUBMITTING:
        moved["submitted_at"] = now
    with transaction.atomic():
        won = WorkspaceDraft.objects.filter(pk=draft.pk, status=Status.AWAITING_APPROVAL).update(
            **moved
        )
        if won and not Approval.objects.filter(pk=approval.pk, decision=Decision.PENDING).update(
            decision=decision, decided_by=decided_by, decided_at=now, reason=reason
        ):
            transaction.set_rollback(True)  # this approval was withdrawn: the draft stays as is
            won = 0
    try:
        draft.refresh_from_db()
    except WorkspaceDraft.DoesNotExist:  # its author deleted it since `_check_decider`
        raise RequestGone(GONE) from None
    if not won:
        approval.refresh_from_db()
        raise _not_pending(approval, user=decided_by, decision=decision)
    approval.refresh_from_db()


def approval_approve(
    *,
    draft: WorkspaceDraft,
    approval_id: int,
    approver: AbstractBaseUser,
    client: HarnessClient,
    reason: str = "",
) -> WorkspaceDraft:
    """Approve the waiting request's approval `approval_id` (the one the approver reviewed) and
    send its frozen body to Harness with `client` (the approver's key).

    One transaction moves the draft `awaiting_approval -> submitting` and that approval
    `pending -> approved`, or neither: only one decision sends it. Then the same send and
    reconcile path as the author's submit (`submit.draft_send`; for a create IaCM
    `POST .../workspaces`, a GET by identifier after a timeout). A Harness refusal puts the
    draft to `failed` with Harness's message: it goes back to its author, and so does a write
    whose outcome is unclear (no answer, a 5xx: it may still land; the author's next submit
    looks first). When the write was certainly not sent, or Harness did nothing with it
    (`outcomes.nothing_landed`: the portal paused calls, Harness answered 429, the check before a
    change or a deletion failed) the request waits again, its approval pending, for the
    approver to try again (the next try looks before it writes). Raises ApprovalRefused
    (the author, or not an approver), ApprovalNotPending (decided, or withdrawn meanwhile:
    nothing is sent; RequestGone when its author deleted it, or when it was deleted while it
    was sent); HarnessUnauthorized (the approver's key) puts the request back to waiting and
    propagates; so does a 403 for the approver's key (`key_refused`), raised as
    ApproverKeyRefused, the request holding what it held before the attempt (an earlier
    unclear outcome: the next try looks first). The decision enters the audit trail once it
    stands (the write settled, not undone by a 401, a 403 or by Harness being down), just
    before the write's own entry. A 401 on the look after a write Harness did not answer
    clearly (`outcomes.UnauthorizedAfterWrite`) undoes nothing: the write may have landed, so
    the approval stands, the author is mailed the unclear outcome, and it propagates (the
    approver goes to the key page).
    """
    approval = _check_decider(
        draft=draft, approval_id=approval_id, user=approver, decision=Decision.APPROVED
    )
    _claim(
        draft=draft,
        approval=approval,
        status=Status.SUBMITTING,
        decision=Decision.APPROVED,
        decided_by=approver,
        reason=reason,
    )
    try:
        return _send_approved(draft=draft, approval=approval, approver=approver, client=client)
    except (WorkspaceDraft.DoesNotExist, Approval.DoesNotExist):
        # Deleted on its way to Harness (a claimed request is not deleted by its author or the
        # admin, `drafts_delete`; removing its author's account takes it): no request to show.
        raise RequestGone(GONE_WHILE_SENT) from None


def _send_approved(
    *, draft: WorkspaceDraft, approval: Approval, approver: AbstractBaseUser, client: HarnessClient
) -> WorkspaceDraft:
    """`approval_approve` once the request is claimed: send it, settle what came of it."""
    before = draft.harness_response  # what the request holds again if this attempt is undone

    def stands(outcome: dict[str, Any]) -> None:
        undone = outcome.get("outcome") == "unauthorized" or key_refused(outcome)
        if not (undone or nothing_landed(outcome)):
            _record_decision(draft=draft, approval=approval, action=AuditEntry.Action.APPROVE)

    try:
        sent = SENDERS[draft.kind](
            draft=draft,
            client=client,
            actor=approver,
            release_to=Status.AWAITING_APPROVAL,
            approval=approval_chain(approval),
            # The approver's key refused (401): the request waits again and its approval is
            # pending again, both in one transaction, so nobody reads it as decided meanwhile.
            on_release=lambda: _reopen(approval),
            on_settled=stands,
        )
    except UnauthorizedAfterWrite:
        # Refused on the look after an unanswered write: the write was sent and may have
        # landed, so the approval stands and its author is told, as after any unclear write.
        approval.refresh_from_db()
        notify.notify_decided(approval=approval)
        raise
    outcome = sent.harness_response or {}
    if nothing_landed(outcome):
        return _wait_again(draft=sent, approval=approval)
    if key_refused(outcome):
        _wait_again(draft=sent, approval=approval, harness_response=before)
        raise ApproverKeyRefused(_key_refused_message(draft=sent, outcome=outcome))
    approval.refresh_from_db()
    notify.notify_decided(approval=approval)
    return sent


def key_refused(outcome: dict[str, Any]) -> bool:
    """Whether Harness answered the approver's key 403, on the write or on the read the portal
    makes before it (the check before a change or a deletion, the look after an unclear
    create): nothing was written, and an approver whose key may send it can."""
    return outcome.get("http_status") == 403


def _key_refused_message(*, draft: WorkspaceDraft, outcome: dict[str, Any]) -> str:
    if outcome.get("outcome") != "refused":  # the read before the write
        what = "read " + (draft.identifier if draft.kind != Kind.CREATE else "workspaces")
    elif draft.kind == Kind.CREATE:
        what = "create workspaces"
    else:
        what = f"{'delete' if draft.kind == Kind.DELETE else 'change'} {draft.identifier}"
    return (
        f"Harness did not allow your Harness key to {what} in {draft.org} / {draft.project} "
        "(HTTP 403), so nothing was sent. The request still waits for approval and its author "
        "was not told anything: an approver whose key has that access can approve it, or ask a "
        "Harness admin to give your key access, then approve it again."
    )


def _wait_again(
    *, draft: WorkspaceDraft, approval: Approval, harness_response: dict | None = None
) -> WorkspaceDraft:
    """An approved request not sent (`outcomes.nothing_landed`, `key_refused`) waits again, its
    approval pending again, in one transaction. Its outcome stays (so the next approval looks
    before it writes when it was unclear), or becomes `harness_response` when given (what it
    held before the attempt). No e-mail: nothing was decided."""
    fields = {} if harness_response is None else {"harness_response": harness_response}
    with transaction.atomic():
        if WorkspaceDraft.objects.filter(pk=draft.pk, status=Status.FAILED).update(
            status=Status.AWAITING_APPROVAL, **fields
        ):
            _reopen(approval)
    draft.refresh_from_db()
    return draft


def _reopen(approval: Approval) -> None:
    """Undo an approval that did not go through, in the transaction that puts its request back
    to waiting: the approval pending and undecided again, and the request's `submitted_at`
    (which the claim set to the approval's click) back to when it started waiting for it, as
    the author's page ("Submitted") and the queue knew it."""
    Approval.objects.filter(pk=approval.pk, decision=Decision.APPROVED).update(
        decision=Decision.PENDING, decided_by=None, decided_at=None, reason=""
    )
    WorkspaceDraft.objects.filter(pk=approval.draft_id).update(submitted_at=approval.requested_at)


def approval_reject(
    *, draft: WorkspaceDraft, approval_id: int, approver: AbstractBaseUser, reason: str
) -> WorkspaceDraft:
    """Reject the waiting request's approval `approval_id` with `reason`; the requester is told
    by e-mail. No Harness call.

    One transaction moves the draft `awaiting_approval -> rejected` and that approval
    `pending -> rejected`, or neither. Raises ApprovalRefused (the author, or not an approver),
    ApprovalNotPending (decided, or withdrawn meanwhile; RequestGone when deleted).
    """
    approval = _check_decider(
        draft=draft, approval_id=approval_id, user=approver, decision=Decision.REJECTED
    )
    _claim(
        draft=draft,
        approval=approval,
        status=Status.REJECTED,
        decision=Decision.REJECTED,
        decided_by=approver,
        reason=reason,
    )
    _record_decision(draft=draft, approval=approval, action=AuditEntry.Action.REJECT)
    notify.notify_decided(approval=approval)
    return draft


def _record_decision(*, draft: WorkspaceDraft, approval: Approval, action: str) -> None:
    """The decision's own entry in the audit trail (the write an approval sends has its own).

    Once per approver and approval, however the decision reaches here twice. An approval undone
    (Harness refused the approver's key, or was down and nothing was sent) is never recorded:
    `approval_approve` calls this only once the write settled. A worker that dies during the
    send leaves no approve entry; the write's entry, settled later, still names the approval."""
    if AuditEntry.objects.filter(
        draft=draft,
        action=action,
        actor=approval.decided_by,
        created_at__gte=approval.requested_at,
    ).exists():
        return
    audit_record(
        actor=approval.decided_by,
        action=action,
        draft=draft,
        org=draft.org,
        project=draft.project,
        identifier=draft.identifier,
        body=draft.submitted_body,
        answer={"outcome": approval.decision, "message": approval.reason},
        approval=approval_chain(approval),
    )


def approval_withdraw(*, draft: WorkspaceDraft, owner: AbstractBaseUser) -> bool:
    """The author takes a waiting request back to edit it (`awaiting_approval -> draft`).

    Returns whether it was withdrawn (False once an approver has decided it).
    """
    now = timezone.now()
    with transaction.atomic():
        won = WorkspaceDraft.objects.filter(
            pk=draft.pk, owner=owner, status=Status.AWAITING_APPROVAL
        ).update(status=Status.DRAFT, updated_at=now)
        if won:
            draft.approvals.filter(decision=Decision.PENDING).update(
                decision=Decision.WITHDRAWN, decided_by=owner, decided_at=now
            )
    draft.refresh_from_db()
    return bool(won)
