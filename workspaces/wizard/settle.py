"""A write settled: the draft's outcome stored, its audit entry, and an earlier write that
landed although Harness did not answer it clearly (a create or a change).

`store_outcome` moves a claimed draft out of `submitting`; `settle` moves a draft settled after
the fact (an unclear write found landed, a worker that died) and records the write it sent;
`forget_counts` drops the status counts and the cross-project lists a landed write changed;
`earlier_write_landed` decides what a draft whose last write landed becomes when it was edited
since that write (`submit.draft_submit`). Both keep a create's earlier POSTs that may still land
(`unsettled_bodies`, `create.attempts`) and the identifier Basics holds meanwhile in step with
the outcome (`_create_fields`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from workspaces.across.generation import forget_across_lists
from workspaces.audit import audit_record
from workspaces.models import AuditEntry, HarnessCredential, WorkspaceDraft
from workspaces.status_metrics import forget_status_metrics
from workspaces.wizard.change_send import holds_body, updated
from workspaces.wizard.create import attempts, created_earlier
from workspaces.wizard.outcomes import LANDED_EARLIER, UNCLEAR, UNEXPECTED, was_sent

logger = logging.getLogger("workspaces.drafts")
EARLIER = {"edit": "Changed on an earlier attempt.", "create": "Created on an earlier attempt."}
Status = WorkspaceDraft.Status
Kind = WorkspaceDraft.Kind
#: A write that landed (as a status, and as its outcome's name): the project's counts changed.
LANDED = frozenset({Status.CREATED, Status.UPDATED, Status.DELETED})


def forget_counts(*, draft: WorkspaceDraft, sender: AbstractBaseUser) -> None:
    """A write to the draft's project sent with `sender`'s key landed (a workspace created,
    changed or deleted): the status counts cached for that key are marked out of date
    (`forget_status_metrics`), so the strips that person opens next count it, and so are its
    lists across projects (`forget_across_lists`), so All workspaces shows the write. The same
    for the draft's owner's key when an approver sent it: the requester looks next."""
    credentials = HarnessCredential.objects.filter(user__in={sender.pk, draft.owner_id})
    for credential in credentials:  # none for someone whose key was removed: nothing cached
        forget_status_metrics(
            account=credential.account_id,
            fingerprint=credential.key_fingerprint,
            org=draft.org,
            project=draft.project,
        )
        forget_across_lists(account=credential.account_id, fingerprint=credential.key_fingerprint)


def write_audit(
    *,
    draft: WorkspaceDraft,
    body: dict[str, Any],
    outcome: dict[str, Any],
    actor: AbstractBaseUser | None = None,
    approval: list[dict[str, Any]] | None = None,
) -> None:
    """The write's entry in the audit trail (create or edit), once its outcome is settled; none
    for a write stopped before it was sent (nothing was written)."""
    if not was_sent(outcome):
        return
    audit_record(
        actor=actor or draft.owner,
        action=AuditEntry.Action.EDIT if draft.kind == Kind.EDIT else AuditEntry.Action.CREATE,
        draft=draft,
        org=draft.org,
        project=draft.project,
        identifier=body.get("identifier", draft.identifier),
        body=body,
        status=outcome.get("http_status"),
        answer=outcome,
        approval=approval,
    )


def store_outcome(*, draft: WorkspaceDraft, status: str, outcome: dict[str, Any]) -> dict:
    """Move the draft (any kind) out of `submitting` with `outcome`; the outcome actually stored.

    When the outcome cannot be written (a database error, e.g. the JSON check constraint on a
    value Harness sent back), the status is still written, with a fixed message: a draft never
    stays stuck in `submitting` because of what it would have recorded. A create's 409 (the
    identifier `taken`) is recorded on Basics with it, as the live check records one, so Basics
    keeps saying so until the identifier changes; a create's earlier POSTs that may still land
    are kept with it (`_create_fields`).
    """
    claimed = WorkspaceDraft.objects.filter(pk=draft.pk, status=Status.SUBMITTING)
    try:
        with transaction.atomic():
            claimed.update(
                status=status,
                harness_response=outcome,
                **_locked_create_fields(claimed, draft=draft, status=status, outcome=outcome),
                updated_at=timezone.now(),
            )
    except DatabaseError:
        logger.exception("draft %s: the submit outcome could not be stored", draft.pk)
        outcome = (
            {"outcome": str(status), "message": "", "warnings": []}
            if status in LANDED
            else dict(UNEXPECTED)
        )
        claimed.update(status=status, harness_response=outcome, updated_at=timezone.now())
    return outcome


def _locked_create_fields(claimed, *, draft: WorkspaceDraft, status: str, outcome: dict) -> dict:
    """In a transaction: a create's row (in `claimed`) locked, and its fields once `outcome` is
    known (`_create_fields`); nothing for another kind, or when no row is claimed."""
    row = claimed.select_for_update().first() if draft.kind == Kind.CREATE else None
    return {} if row is None else _create_fields(row, status=status, outcome=outcome)


def _create_fields(row: WorkspaceDraft, *, status: str, outcome: dict[str, Any]) -> dict:
    """A create's fields once `outcome` (of its last POST, `submitted_body`) is known: the
    earlier POSTs that may still land (`unsettled_bodies`) and, in Basics, the identifier they
    sent, held until they are settled (`identifier_held`), and a 409's `taken` identifier.

    Settled (none left) once created, or on a 409 from someone else's workspace (no earlier
    POST can land under a taken identifier); a POST that may have landed (an unclear outcome,
    sent) joins them; any other answer leaves them as they are."""
    if status in LANDED or outcome.get("outcome") == "conflict":
        bodies = []
    elif outcome.get("outcome") in UNCLEAR and outcome.get("sent", True) and row.submitted_body:
        bodies = attempts(row, row.submitted_body)
    else:
        bodies = list(row.unsettled_bodies or [])
    basics = {**(row.data.get("basics") or {}), "identifier_held": ""}
    if bodies:
        basics["identifier_held"] = bodies[0].get("identifier", row.identifier)
    if outcome.get("taken"):
        basics |= {"identifier_checked": outcome["taken"], "identifier_taken": outcome["taken"]}
    return {"unsettled_bodies": bodies, "data": {**row.data, "basics": basics}}


def settle(
    *,
    draft: WorkspaceDraft,
    was: tuple[str, ...],
    status: str,
    outcome: dict[str, Any],
    recorded: dict[str, Any] | None = None,
    unclear: bool = False,
    sent: dict[str, Any] | None = None,
    **fields: Any,
) -> WorkspaceDraft:
    """Move the draft from `was` (and, `unclear`, an UNCLEAR outcome or a create's POSTs that
    may still land) to `status` with `outcome` (and `fields`), and record its last write in the
    audit trail with `recorded` (default `outcome`): its worker died, or its answer was unclear,
    before it could; `sent`, the body of the write that landed when not the last one
    (`submitted_body`). An approved write was sent by its approver: the entry names them and
    the chain."""
    claimed = WorkspaceDraft.objects.filter(pk=draft.pk, status__in=was)
    if unclear:  # two submits at once: only the first settles and records it
        claimed = claimed.filter(Q(harness_response__outcome__in=UNCLEAR) | ~Q(unsettled_bodies=[]))
    with transaction.atomic():
        create_fields = _locked_create_fields(claimed, draft=draft, status=status, outcome=outcome)
        fields = {**create_fields, **fields}
        settled = claimed.update(status=status, harness_response=outcome, **fields)
    if settled and draft.submitted_body:
        # Imported here: the approvals package builds on the submit modules.
        from workspaces.approvals.selectors import approval_chain, approval_that_sent

        sender = approval_that_sent(draft=draft)
        write_audit(
            draft=draft,
            body=sent or draft.submitted_body,
            outcome=recorded or outcome,
            actor=sender and sender.decided_by,
            approval=approval_chain(sender) if sender else None,
        )
        if (recorded or outcome).get("outcome") in LANDED:
            forget_counts(draft=draft, sender=(sender and sender.decided_by) or draft.owner)
    draft.refresh_from_db()
    return draft


def earlier_write_landed(
    *,
    draft: WorkspaceDraft,
    landed: dict[str, Any],
    body: dict[str, Any],
    sent: dict[str, Any] | None = None,
) -> WorkspaceDraft:
    """The draft's earlier write (`sent`, default its last, `submitted_body`; its answer
    unclear) landed: Harness holds `landed` (a `workspace_snapshot`). `body` is what the draft
    would send now.

    A change edited since that write (Harness does not hold `body`) is not settled as changed,
    which would drop the edits: the landed write is recorded, the workspace as it landed becomes
    the change's base (`workspace_snapshot`, `workspace_updated`), and the draft goes back to its
    review (LANDED_EARLIER), which shows what is not sent yet. A create is settled as created
    (the workspace exists as that write made it), saying which edits made since are not in it.
    """
    unsettled = {"was": (Status.DRAFT, Status.FAILED), "unclear": True}
    if draft.kind == Kind.EDIT:
        if holds_body(landed, body, draft=draft):
            return settle(
                draft=draft, **unsettled, status=Status.UPDATED, outcome=updated(EARLIER["edit"])
            )
        back = {
            "outcome": LANDED_EARLIER,
            "message": "Your earlier attempt reached Harness after all: the workspace holds the "
            "change you sent then. What you changed since is not sent yet: it is below. Send "
            "it, or leave the request as it is.",
        }
        return settle(
            draft=draft,
            **unsettled,
            status=Status.DRAFT,
            outcome=back,
            recorded=updated(EARLIER["edit"]),
            workspace_snapshot=landed,
            workspace_updated=landed.get("updated") or 0,
            updated_at=timezone.now(),
        )
    sent = sent or draft.submitted_body or {}
    return settle(
        draft=draft,
        **unsettled,
        status=Status.CREATED,
        outcome=created_earlier(sent=sent, body=body, message=EARLIER["create"]),
        sent=sent,
        identifier=sent.get("identifier") or draft.identifier,  # the workspace that exists
    )
