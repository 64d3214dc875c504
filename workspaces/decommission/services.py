"""Deleting a workspace in Harness exactly once, and recording it.

A deletion is a `WorkspaceDraft` of kind `delete`: opened on the confirmation page with a
snapshot of the workspace (what will be lost), then claimed by one atomic `draft -> submitting`
UPDATE so that a double click, a second tab or a retry sends one `DELETE` at most. The write
itself (a GET that shows nobody changed the workspace since, the DELETE, and after a timeout or
a 5xx a GET that decides whether it landed) is `write.deletion_write`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from workspaces.approvals.gate import approval_gate
from workspaces.approvals.selectors import approval_chain, approval_that_sent
from workspaces.audit import audit_record
from workspaces.clients import harness_account_of
from workspaces.decommission.write import deleted, deletion_write, updated_ms
from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import Workspace
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.wizard.outcomes import (
    UNCLEAR,
    require_same_account,
    was_sent,
)
from workspaces.wizard.settle import forget_counts
from workspaces.wizard.submit import keep_unclear, settle_write, stale_submit_seconds

logger = logging.getLogger("workspaces.decommission")
Status = WorkspaceDraft.Status
DELETE = WorkspaceDraft.Kind.DELETE
# A deletion the person may still send (again), and one on its way.
OPEN = (Status.DRAFT, Status.FAILED)
UNDER_WAY = (Status.SUBMITTING, Status.AWAITING_APPROVAL)


def workspace_snapshot(workspace: Workspace) -> dict[str, Any]:
    """`workspace` as JSON (the client's field names, which are Harness's; secret variables
    hold their reference, never a value), as a draft stores it."""
    return json.loads(json.dumps(dataclasses.asdict(workspace), cls=DjangoJSONEncoder))


def deletion_start(*, owner: AbstractBaseUser, workspace: Workspace) -> WorkspaceDraft:
    """The person's deletion request for `workspace`: the open or under-way one, else a new one.

    An open one gets a fresh snapshot (the page shows what Harness has now). Opening the page in
    two tabs gives both the same request, so confirming in both sends one DELETE. The person's
    user row is locked for the check-then-create (PostgreSQL; SQLite serialises writes).
    Makes no Harness call.
    """
    where = {
        "owner": owner,
        "kind": DELETE,
        "org": workspace.org,
        "project": workspace.project,
        "identifier": workspace.identifier,
    }
    snapshot = {
        "workspace_snapshot": workspace_snapshot(workspace),
        "workspace_updated": updated_ms(workspace),
        "name": workspace.name[:128],
    }
    account_id = harness_account_of(owner)
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=owner.pk)
        draft = (
            # One of this account (the same names in another account are another workspace),
            # or started before requests carried their account.
            WorkspaceDraft.objects.filter(
                **where, account_id__in=[account_id, ""], status__in=OPEN + UNDER_WAY
            )
            .order_by("-created_at")
            .first()
        )
        if draft is None:
            return WorkspaceDraft.objects.create(
                **where, **snapshot, account_id=account_id, current_step="confirm"
            )
        if draft.status in OPEN:
            for field, value in snapshot.items():
                setattr(draft, field, value)
            draft.save(update_fields=[*snapshot, "updated_at"])
    return draft


def deletion_send(
    *,
    draft: WorkspaceDraft,
    client: HarnessClient,
    actor: AbstractBaseUser | None = None,
) -> WorkspaceDraft:
    """Delete the request's workspace in Harness once: IaCM `DELETE .../workspaces/{id}` (W5).

    After an unclear last attempt, `GET .../workspaces/{id}` comes first: gone (404), the
    request is settled as deleted on an earlier attempt; when that GET fails, nothing is sent
    and the outcome stays unclear. When an approval rule holds deletions of this
    workspace (`approval_gate`: its tags, its org/project), nothing is sent: the request waits
    for an approver, who sends it with their own key (`deletion_deliver`). Otherwise one atomic
    UPDATE moves the draft from draft or failed to submitting: only the caller that wins it
    calls Harness, any other gets the draft as it is. `client` is the owner's; `actor` (default
    the owner) is who the audit entry names.
    """
    require_same_account(draft_account=draft.account_id, key_account=client.account_id)
    # The last DELETE may have landed: look before a rule holds the request again (a rejection
    # would then say nothing was sent about a workspace Harness deleted).
    try:
        gone = _deleted_before(draft=draft, client=client)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError as err:
        message = (
            f"The portal could not check whether your last attempt deleted {draft.identifier}, "
            f"so nothing was sent: {harness_error_message(err)} Try again: the portal checks "
            "first."
        )
        return keep_unclear(draft=draft, err=err, message=message, was=(Status.FAILED,))
    if gone:
        earlier = deleted("Deleted on an earlier attempt.")
        settled = _settle([draft], was=Status.FAILED, status=Status.DELETED, outcome=earlier)
        if settled:
            return settled[0]
    snapshot = draft.workspace_snapshot or {}
    held = approval_gate(draft=draft, body=None, tags=snapshot.get("tags") or {})
    if held is not None:
        return held
    now = timezone.now()
    won = WorkspaceDraft.objects.filter(pk=draft.pk, kind=DELETE, status__in=OPEN).update(
        status=Status.SUBMITTING, submitted_at=now, updated_at=now
    )
    if not won:
        draft.refresh_from_db()
        return draft
    return deletion_deliver(draft=draft, client=client, actor=actor)


def _deleted_before(*, draft: WorkspaceDraft, client: HarnessClient) -> bool:
    """Whether the request's last DELETE, unclear, removed the workspace: IaCM
    `GET .../workspaces/{id}` answers 404. Raises HarnessError when Harness cannot tell."""
    if (
        draft.status != Status.FAILED
        or (draft.harness_response or {}).get("outcome") not in UNCLEAR
    ):
        return False
    try:
        client.get_workspace(org=draft.org, project=draft.project, identifier=draft.identifier)
    except errors.HarnessNotFound:
        return True
    return False


def deletion_deliver(
    *,
    draft: WorkspaceDraft,
    client: HarnessClient,
    actor: AbstractBaseUser | None = None,
    release_to: str = Status.DRAFT,
    approval: list[dict[str, Any]] | None = None,
    on_release: Callable[[], None] | None = None,
    on_settled: Callable[[dict[str, Any]], None] | None = None,
) -> WorkspaceDraft:
    """Send a claimed (`submitting`) deletion with `client`, once, and record the outcome.

    `client` is whoever sends it (the owner, or an approver: their key, their rights). IaCM
    `GET .../workspaces/{id}` first, then `DELETE .../workspaces/{id}` (`write.deletion_write`).
    Outcomes: deleted; back to draft, nothing sent, when the workspace is no longer inactive
    or was changed in Harness since the deletion was requested (its `updated` moved); failed
    with Harness's words (409/400 "destroy first" as HarnessConflict, 403, 404); or not sent
    (`sent: False`) when that GET failed, the portal paused calls to Harness (an open circuit,
    a Retry-After) or Harness answered the DELETE 429 (busy: it did nothing). After a timeout
    or 5xx, a GET decides (404: deleted). HarnessUnauthorized puts the draft back to
    `release_to` and propagates. Every settled outcome of a DELETE sent is recorded in the
    audit trail, naming `actor` (default the owner) and `approval`; `on_settled` gets the
    settled outcome (a 401's too) just before it is recorded.
    """
    previous = draft.harness_response or {}

    outcome = settle_write(
        draft=draft,
        write=lambda: deletion_write(client=client, draft=draft, previous=previous),
        sender=actor or draft.owner,
        release_to=release_to,
        on_release=on_release,
        on_settled=on_settled,
        record=lambda outcome: _audit(
            draft=draft, actor=actor or draft.owner, outcome=outcome, approval=approval
        ),
    )
    draft.refresh_from_db()
    logger.info("deletion %s sent: %s", draft.pk, outcome.get("outcome"))
    return draft


def _audit(
    *,
    draft: WorkspaceDraft,
    actor: AbstractBaseUser,
    outcome: dict[str, Any],
    approval: list[dict[str, Any]] | None = None,
) -> None:
    if not was_sent(outcome):
        return  # nothing was sent: no deletion to record
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        draft=draft,
        org=draft.org,
        project=draft.project,
        identifier=draft.identifier,
        status=outcome.get("http_status"),
        answer=outcome,
        approval=approval,
    )


def deletion_settle_stale(
    *,
    owner: AbstractBaseUser,
    account_id: str,
    org: str,
    project: str,
    identifier: str,
    exists: bool,
) -> list[WorkspaceDraft]:
    """Settle the person's deletions of this workspace left `submitting` by a worker that died
    (for `WIZARD_STALE_SUBMIT_SECONDS`), from whether Harness still has the workspace (the
    caller has just read it): gone means deleted. When it is gone, their deletions that failed
    with an unclear outcome (a timeout or 5xx the GET could not decide) landed after all:
    "Deleted on an earlier attempt.". The audit entry names who sent it: the approver and the
    approval chain for an approved deletion, else the owner. Returns the requests settled.
    Makes no Harness call."""
    cutoff = timezone.now() - timedelta(seconds=stale_submit_seconds())
    mine = WorkspaceDraft.objects.filter(
        owner=owner,
        account_id__in=[account_id, ""],  # `exists` was read in this account
        kind=DELETE,
        org=org,
        project=project,
        identifier=identifier,
    )
    stale = mine.filter(status=Status.SUBMITTING, submitted_at__lt=cutoff)
    status, outcome = (
        (Status.FAILED, {"outcome": "unknown", "message": "The deletion did not finish."})
        if exists
        else (Status.DELETED, deleted("Harness no longer has it."))
    )
    settled = _settle(stale, was=Status.SUBMITTING, status=status, outcome=outcome)
    if not exists:
        unclear = mine.filter(status=Status.FAILED, harness_response__outcome__in=sorted(UNCLEAR))
        earlier = deleted("Deleted on an earlier attempt.")
        settled += _settle(unclear, was=Status.FAILED, status=Status.DELETED, outcome=earlier)
    return settled


def _settle(drafts, *, was: str, status: str, outcome: dict[str, Any]) -> list[WorkspaceDraft]:
    """Record `outcome` on each of `drafts` still `was` (one atomic UPDATE each: a request a
    retry claimed meanwhile is left to it), with one audit entry each (and, deleted, the status
    counts cached for the sender's key dropped); returns those settled."""
    settled = []
    for draft in drafts:
        if not WorkspaceDraft.objects.filter(pk=draft.pk, status=was).update(
            status=status, harness_response=outcome, updated_at=timezone.now()
        ):
            continue
        # An approved deletion was sent by its approver: the entry names them and the chain.
        sender = approval_that_sent(draft=draft)
        actor = (sender and sender.decided_by) or draft.owner
        _audit(
            draft=draft,
            actor=actor,
            outcome=outcome,
            approval=approval_chain(sender) if sender else None,
        )
        if status == Status.DELETED:
            forget_counts(draft=draft, sender=actor)
        draft.refresh_from_db()
        settled.append(draft)
    return settled


def deletion_reconcile_stale(*, draft: WorkspaceDraft, client: HarnessClient) -> WorkspaceDraft:
    """A deletion left `submitting` by a worker that died, opened from My requests: IaCM
    `GET .../workspaces/{id}` decides (404: deleted), then `deletion_settle_stale` settles it
    as the deletion page does. A draft not stale yet, or a GET that fails, leaves it as it is.
    Raises HarnessUnauthorized."""
    if draft.status != Status.SUBMITTING or draft.submitted_at is None:
        return draft
    if (timezone.now() - draft.submitted_at).total_seconds() < stale_submit_seconds():
        return draft
    where = {"org": draft.org, "project": draft.project, "identifier": draft.identifier}
    try:
        client.get_workspace(**where)
        exists = True
    except errors.HarnessNotFound:
        exists = False
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError:
        return draft
    deletion_settle_stale(owner=draft.owner, account_id=client.account_id, exists=exists, **where)
    draft.refresh_from_db()
    return draft
