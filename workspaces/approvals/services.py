"""Writes for approvals: approve (send with the approver's key), reject, withdraw.

Every decision starts with one atomic UPDATE conditioned on `awaiting_approval`, so however many
approvers click, in however many tabs or replicas, one decision wins and Harness is called at
most once. Keyword-only, named `approval_<verb>`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from workspaces.approvals import notify, selectors
from workspaces.approvals.models import Approval
from workspaces.audit import audit_record
from workspaces.decommission.services import deletion_deliver
from workspaces.harness import HarnessClient
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.wizard import submit

Status = WorkspaceDraft.Status
Decision = Approval.Decision
Kind = WorkspaceDraft.Kind


def _send_write(**kwargs) -> WorkspaceDraft:
    """A create (POST) or a change (PUT, after the check that nobody changed it meanwhile)."""
    return submit.draft_send(body=kwargs["draft"].submitted_body, **kwargs).draft


# How an approved request of each kind is sent: the same path as the author's own submit, with
# the approver's client; each takes (draft=, client=, actor=, release_to=, approval=,
# on_release=) and returns the draft once its outcome is stored (and recorded in the audit trail).
SENDERS: dict[str, Callable[..., WorkspaceDraft]] = {
    Kind.CREATE: _send_write,
    Kind.EDIT: _send_write,
    Kind.DELETE: deletion_deliver,
}


def approval_chain(approval: Approval) -> list[dict[str, str]]:
    """The decision as the audit trail records it: who, when, what, why, under which rules."""
    return [
        {
            "by": approval.decided_by.get_username() if approval.decided_by else "",
            "at": approval.decided_at.isoformat() if approval.decided_at else "",
            "decision": approval.decision,
            "reason": approval.reason,
            "rules": ", ".join(approval.rule_names or []),
        }
    ]


class ApprovalRefused(Exception):
    """This person may not take this decision (their own request, or not an approver)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _check_decider(*, draft: WorkspaceDraft, user: AbstractBaseUser) -> Approval | None:
    """The pending approval `user` may decide; None when the request no longer waits."""
    if draft.owner_id == user.pk:
        raise ApprovalRefused(
            "You asked for this change, so someone else must approve it: nobody approves "
            "their own request."
        )
    approval = draft.approvals.filter(decision=Decision.PENDING).first()
    if approval is None or draft.status != Status.AWAITING_APPROVAL:
        return None
    if not selectors.user_may_decide(user=user, approval=approval):
        raise ApprovalRefused("You are not one of the approvers of this request.")
    return approval


def approval_approve(
    *, draft: WorkspaceDraft, approver: AbstractBaseUser, client: HarnessClient, reason: str = ""
) -> WorkspaceDraft:
    """Approve a waiting request and send it to Harness with `client` (the approver's key).

    One atomic `awaiting_approval -> submitting` UPDATE decides which request sends it; every
    other one returns the draft as it is (already decided). Then the same send and reconcile
    path as the author's submit (`submit.draft_send`; for a create IaCM `POST .../workspaces`,
    a GET by identifier after a timeout). A Harness refusal puts the draft to `failed` with
    Harness's message: it goes back to its author. Raises ApprovalRefused (the author, or not an
    approver); HarnessUnauthorized (the approver's key) puts the request back
    to waiting and propagates.
    """
    approval = _check_decider(draft=draft, user=approver)
    if approval is None:
        draft.refresh_from_db()
        return draft
    send = SENDERS[draft.kind]
    now = timezone.now()
    with transaction.atomic():
        won = WorkspaceDraft.objects.filter(pk=draft.pk, status=Status.AWAITING_APPROVAL).update(
            status=Status.SUBMITTING, submitted_at=now, updated_at=now
        )
        if won:
            Approval.objects.filter(pk=approval.pk).update(
                decision=Decision.APPROVED, decided_by=approver, decided_at=now, reason=reason
            )
    draft.refresh_from_db()
    if not won:
        return draft
    approval.refresh_from_db()
    _record_decision(draft=draft, approval=approval, action=AuditEntry.Action.APPROVE)
    sent = send(
        draft=draft,
        client=client,
        actor=approver,
        release_to=Status.AWAITING_APPROVAL,
        approval=approval_chain(approval),
        # The approver's key refused (401): the request waits again and its approval is pending
        # again, both in one transaction, so nobody reads it as decided meanwhile.
        on_release=lambda: Approval.objects.filter(pk=approval.pk).update(
            decision=Decision.PENDING, decided_by=None, decided_at=None, reason=""
        ),
    )
    approval.refresh_from_db()
    notify.notify_decided(approval=approval)
    return sent


def approval_reject(
    *, draft: WorkspaceDraft, approver: AbstractBaseUser, reason: str
) -> WorkspaceDraft:
    """Reject a waiting request with `reason`; the requester is told by e-mail. No Harness call.

    One atomic `awaiting_approval -> rejected` UPDATE: a request already decided is returned as
    it is. Raises ApprovalRefused (the author, or not an approver).
    """
    approval = _check_decider(draft=draft, user=approver)
    if approval is None:
        draft.refresh_from_db()
        return draft
    now = timezone.now()
    with transaction.atomic():
        won = WorkspaceDraft.objects.filter(pk=draft.pk, status=Status.AWAITING_APPROVAL).update(
            status=Status.REJECTED, updated_at=now
        )
        if won:
            Approval.objects.filter(pk=approval.pk).update(
                decision=Decision.REJECTED, decided_by=approver, decided_at=now, reason=reason
            )
    draft.refresh_from_db()
    if won:
        approval.refresh_from_db()
        _record_decision(draft=draft, approval=approval, action=AuditEntry.Action.REJECT)
        notify.notify_decided(approval=approval)
    return draft


def _record_decision(*, draft: WorkspaceDraft, approval: Approval, action: str) -> None:
    """The decision's own entry in the audit trail (the write an approval sends has its own)."""
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
