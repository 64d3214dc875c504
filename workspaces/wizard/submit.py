"""Submitting a draft exactly once, and deciding what happened when Harness did not answer.

`draft_submit` validates every step's form on the stored data, builds the body from their
cleaned data, lets the approval gate hold it when a rule says so, claims the draft with one
atomic `draft -> submitting` UPDATE and only then calls Harness (`draft_send`, also called by an
approval with the approver's client); a timeout or a 5xx is decided by a GET of the identifier.
A create is posted by `create.create_write`; a change to an existing workspace
(`draft.kind == "edit"`) is written by `change_send.change_write`. Every settled outcome is
recorded in the audit trail (`settle`); a request left submitting by a worker that died is
settled here too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from workspaces.approvals.gate import approval_gate
from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.models import WorkspaceDraft
from workspaces.wizard import change, change_send, create, steps, update, validation
from workspaces.wizard.body import build_body
from workspaces.wizard.outcomes import (
    UNCLEAR,
    UNEXPECTED,
    UnauthorizedAfterWrite,
    UnauthorizedBeforeWrite,
    after_write_refused,
    answer,
    kept_unclear,
    other_account,
    require_same_account,
)
from workspaces.wizard.settle import (
    LANDED,
    earlier_write_landed,
    forget_counts,
    settle,
    store_outcome,
    write_audit,
)

logger = logging.getLogger("workspaces.drafts")
Status = WorkspaceDraft.Status
Kind = WorkspaceDraft.Kind


def stale_submit_seconds() -> float:
    """A draft left "submitting" this long (a crashed worker) is checked again on its page."""
    return float(getattr(settings, "WIZARD_STALE_SUBMIT_SECONDS", 120))


@dataclass(frozen=True)
class Submitted:
    """The draft after a submit, and the problems that kept an invalid one from being sent."""

    draft: WorkspaceDraft
    problems: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def draft_submit(*, draft: WorkspaceDraft, client: HarnessClient) -> Submitted:
    """The owner's submit: write the draft to Harness exactly once with their key, a create
    (IaCM `POST .../workspaces`) or, for a change, `PUT .../workspaces/{identifier}`
    (`change_send.change_write`, which first checks that nobody changed the workspace since).

    A change that found the workspace changed in Harness is not sent nor held until its
    owner sends it anyway (`change.unconfirmed_change`); one that found it gone, never
    (`change.gone_change`). Every step is validated again first
    (an invalid draft is not sent and its steps are flagged). After an unclear last write (for
    a create, while any earlier POST may still land: `create.attempts`), a GET tells whether
    it landed (then nothing is sent: the draft is settled as created or updated, or, a change
    edited since, goes back to its review on the workspace as it landed,
    `settle.earlier_write_landed`; if the GET fails, nothing is sent and the outcome stays
    unclear). A create is then sent only under the identifier those
    POSTs sent (Basics holds it; otherwise nothing is sent: `_identifier_moved`). When an
    approval rule matches (`approval_gate`), nothing is sent: the draft waits as
    awaiting_approval with its body frozen. Otherwise one atomic UPDATE moves the draft from
    draft/failed to submitting: only the request that wins it calls Harness (`draft_send`),
    every other one just returns the draft as it is.
    """
    require_same_account(draft_account=draft.account_id, key_account=client.account_id)
    # A change of a workspace since deleted is never sent (its page offers Delete); one that
    # found it changed goes back to its review: the panel's "Send my change anyway".
    unconfirmed = change.gone_change(draft=draft) or change.unconfirmed_change(draft=draft)
    if unconfirmed is not None:
        return Submitted(unconfirmed)
    bound = {
        step: validation.bind_step(step, draft.data, snapshot=draft.workspace_snapshot)
        for step in steps.EDITABLE_STEPS
    }
    problems = {step: found for step, form in bound.items() if (found := form.problems())}
    if problems:
        draft.step_status = validation.step_statuses(problems, draft.data, draft.step_status)
        draft.save(update_fields=["step_status", "updated_at"])
        return Submitted(draft, problems)
    cleaned = {step: form.cleaned_values() for step, form in bound.items()}
    if draft.kind == Kind.EDIT:
        body = update.update_body(cleaned, draft=draft)
    else:
        body = build_body(cleaned, locked=steps.locked_map(draft.data))
    # The last write (a POST, or a change's PUT) may have landed: look before a rule holds the
    # request again (a rejection would then say nothing was sent about a write Harness holds) or
    # anything is sent. A create's send need not look again, but an earlier POST may still land
    # before this one, whose 409 is then checked against it (`create.create_write`). A change's
    # write reads the workspace first anyway.
    unclear = _unclear(draft)
    if unclear:
        try:
            landed = _last_write_landed(draft=draft, client=client)
        except errors.HarnessUnauthorized:
            raise
        except errors.HarnessError as err:
            then = (
                "Ask a Harness admin for access (submitting again does not help until then)."
                if isinstance(err, errors.HarnessForbidden)
                else "Submit again: the portal checks first."
            )
            message = (
                "The portal could not check whether your earlier attempt landed in Harness, so "
                f"nothing was sent: {harness_error_message(err)} {then}"
            )
            return Submitted(keep_unclear(draft=draft, err=err, message=message))
        if landed is not None:  # settled, unless edited since (then back to its review)
            snapshot, sent = landed
            return Submitted(
                earlier_write_landed(draft=draft, landed=snapshot, body=body, sent=sent)
            )
        moved = _identifier_moved(draft=draft, body=body)
        if moved is not None:
            return Submitted(moved)
    looked = draft.kind == Kind.CREATE and unclear
    held = approval_gate(draft=draft, body=body, tags=body.get("tags") or {})
    if held is not None:  # a rule holds it: nothing is sent until an approver approves
        return Submitted(held)
    now = timezone.now()
    won = WorkspaceDraft.objects.filter(
        pk=draft.pk, owner=draft.owner, status__in=[Status.DRAFT, Status.FAILED]
    ).update(
        status=Status.SUBMITTING,
        submitted_at=now,
        submitted_body=body,
        identifier=body.get("identifier", draft.identifier),
        name=body["name"],
        updated_at=now,
    )
    if not won:
        draft.refresh_from_db()
        return Submitted(draft)
    return draft_send(draft=draft, client=client, body=body, looked=looked)


def draft_send(
    *,
    draft: WorkspaceDraft,
    client: HarnessClient,
    body: dict[str, Any],
    release_to: str = Status.DRAFT,
    actor: AbstractBaseUser | None = None,
    approval: list[dict[str, Any]] | None = None,
    on_release: Callable[[], None] | None = None,
    on_settled: Callable[[dict[str, Any]], None] | None = None,
    looked: bool = False,
) -> Submitted:
    """Send a claimed (`submitting`) draft's `body` with `client`, once, and store the outcome.

    After a timeout or a 5xx, a GET of the identifier decides what happened before anything
    else; a retry after an unclear outcome checks first too (for a create, unless the caller
    has just looked: `looked`), and a create's 409 after one is checked for the earlier
    attempt's workspace. Harness 400s (field errors, policy denials) and a 409 whose look finds
    another's workspace put the draft back to `failed` with the message attached to the step and
    field concerned.
    HarnessUnauthorized puts the draft back to `release_to` (the author's own submit: `draft`;
    an approval: `awaiting_approval`) and propagates. The audit entry names
    `actor` (default the owner; an approver sends with their own key) and the `approval` chain;
    `on_settled` gets the settled outcome (a 401's too) just before it is recorded.
    """
    previous = draft.harness_response or {}
    # The body the audit entry records: for a create found made by an earlier attempt, that
    # attempt's (what Harness holds), not this one's (`create.Written`).
    recorded = {"body": body}

    def write() -> tuple[str, dict[str, Any]]:
        if draft.kind == Kind.EDIT:  # its write reads the workspace first anyway
            return change_send.change_write(
                client=client, draft=draft, body=body, previous=previous
            )
        status, outcome, recorded["body"] = create.create_write(
            client=client, draft=draft, body=body, previous=previous, looked=looked
        )
        return status, outcome

    outcome = settle_write(
        draft=draft,
        write=write,
        sender=actor or draft.owner,
        release_to=release_to,
        on_release=on_release,
        on_settled=on_settled,
        record=lambda outcome: write_audit(
            draft=draft, body=recorded["body"], outcome=outcome, actor=actor, approval=approval
        ),
    )
    draft.refresh_from_db()
    logger.info("draft %s submitted: %s", draft.pk, outcome.get("outcome"))
    return Submitted(draft)


def settle_write(
    *,
    draft: WorkspaceDraft,
    write: Callable[[], tuple[str, dict[str, Any]]],
    sender: AbstractBaseUser,
    release_to: str,
    record: Callable[[dict[str, Any]], None],
    on_release: Callable[[], None] | None = None,
    on_settled: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run `write` (the Harness call of a claimed draft, any kind, with `sender`'s key) and
    settle the draft with its (status, outcome); `record` puts the settled outcome in the audit
    trail, just after `on_settled` gets it (an approval's own entry comes first). A write that
    landed marks the status counts cached for `sender`'s key out of date (`forget_counts`).

    HarnessUnauthorized puts the draft back to `release_to` (in the same transaction as
    `on_release`, e.g. an approval reopened) and propagates (its outcome, not stored, goes to
    `on_settled` and `record`: not sent when the look before the write got it,
    `outcomes.UnauthorizedBeforeWrite`, else sent). A 401 on the look after a write Harness
    did not answer clearly (`outcomes.UnauthorizedAfterWrite`) does not release the draft: the
    write may have landed, so it is settled `failed` with an unclear outcome, then propagates.
    Any other error still moves it out of `submitting` (never stuck there) with a fixed message.
    """
    outcome: dict[str, Any] | None = None
    status = Status.FAILED
    try:
        status, outcome = write()
    except UnauthorizedAfterWrite as err:  # the write was sent and may have landed: unclear
        outcome = after_write_refused(err)
        raise
    except errors.HarnessUnauthorized as err:
        with transaction.atomic():
            WorkspaceDraft.objects.filter(pk=draft.pk).update(status=release_to)
            if on_release is not None:
                on_release()
        outcome = {
            "outcome": "unauthorized",
            "message": harness_error_message(err),
            # Refused on the look before the write: nothing was sent, nothing to record.
            "sent": not isinstance(err, UnauthorizedBeforeWrite),
            **answer(err),
        }
        raise
    finally:
        if outcome is None:  # an unexpected error: never leave the draft stuck in submitting
            outcome = dict(UNEXPECTED)
        outcome = store_outcome(draft=draft, status=status, outcome=outcome)
        if on_settled is not None:
            on_settled(outcome)
        record(outcome)
    if status in LANDED:
        forget_counts(draft=draft, sender=sender)
    return outcome


def _done(status: str) -> dict[str, Any]:
    """The outcome of a write that landed, when nothing more can be said about it."""
    return change_send.updated() if status == Status.UPDATED else create.created()


def draft_reconcile_stale(*, draft: WorkspaceDraft, client: HarnessClient) -> WorkspaceDraft:
    """A draft stuck in `submitting` (its worker died): decide by a GET of the identifier (for a
    change: whether the workspace holds the fields sent; a deletion is settled by
    `decommission.services.deletion_reconcile_stale`: gone means deleted)."""
    if draft.status != Status.SUBMITTING or draft.submitted_at is None:
        return draft
    if other_account(draft_account=draft.account_id, key_account=client.account_id):
        return draft  # read with a key for another account, its workspace would look gone
    if draft.kind == Kind.DELETE:
        # Imported here: the decommission package builds on this module.
        from workspaces.decommission.services import deletion_reconcile_stale

        return deletion_reconcile_stale(draft=draft, client=client)
    age = (timezone.now() - draft.submitted_at).total_seconds()
    if age < stale_submit_seconds():
        return draft
    try:
        found = _last_write_landed(draft=draft, client=client, sending=True)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError:
        return draft
    if found is not None:
        status = Status.UPDATED if draft.kind == Kind.EDIT else Status.CREATED
        return settle(
            draft=draft,
            was=(Status.SUBMITTING,),
            status=status,
            outcome=_done(status),
            sent=found[1],
        )
    unknown = {"outcome": "unknown", "message": "The submit did not finish. Submit again."}
    return settle(draft=draft, was=(Status.SUBMITTING,), status=Status.FAILED, outcome=unknown)


def _unclear(draft: WorkspaceDraft) -> bool:
    """Whether the draft's last write got no clear answer (it may have landed), or, for a
    create, an earlier POST may still land (`create.attempts`)."""
    if draft.kind == Kind.CREATE and create.attempts(draft):
        return True
    return bool(draft.submitted_body) and draft.harness_response.get("outcome") in UNCLEAR


def _last_write_landed(
    *, draft: WorkspaceDraft, client: HarnessClient, sending: bool = False
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The workspace (a `workspace_snapshot`) and the body of the write it holds, when Harness
    holds the draft's last write (`submitted_body`), else None: for a change, the fields it sent
    (`change_send.landed_workspace`); for a create, this workspace at the identifier its POSTs
    that may have landed sent (`create.attempts`; `sending`: the last one's too, as a draft left
    submitting sent it), as one of them makes it. Raises HarnessError when Harness cannot tell."""
    if draft.kind == Kind.EDIT:
        sent = draft.submitted_body
        landed = change_send.landed_workspace(client=client, draft=draft, body=sent)
        return None if landed is None else (landed, sent)
    body = draft.submitted_body or {}
    bodies = create.attempts(draft, *([body] if sending and body else []))
    # The identifier those POSTs sent (held in Basics since; an older draft's may have changed).
    identifier = bodies[0].get("identifier", draft.identifier) if bodies else draft.identifier
    workspace = create.find(client=client, draft=draft, identifier=identifier)
    sent = create.made_by(workspace, bodies) if bodies else None
    if sent is None and (bodies or workspace is None):
        return None
    return update.workspace_snapshot(workspace), sent or body


def _identifier_moved(*, draft: WorkspaceDraft, body: dict[str, Any]) -> WorkspaceDraft | None:
    """When a create's `body` names another identifier than its earlier POSTs that may still
    land (Basics holds theirs; a draft saved before it did may not): nothing is sent, as it could
    end with two workspaces, and the draft, outcome unchanged, says so on Basics. Else None."""
    if draft.kind != Kind.CREATE:
        return None
    held = [sent["identifier"] for sent in create.attempts(draft) if sent.get("identifier")]
    if not held or body.get("identifier") == held[0]:
        return None
    message = (
        f"Your earlier attempt sent the identifier {held[0]}, and Harness may still create that "
        "workspace, so nothing was sent: another identifier could end with two workspaces. "
        f"Set the identifier back to {held[0]} in Basics and submit again (the portal looks "
        "first); it can change once the portal knows what happened to that attempt."
    )
    WorkspaceDraft.objects.filter(pk=draft.pk, status__in=[Status.DRAFT, Status.FAILED]).update(
        harness_response={
            **draft.harness_response,
            "message": message,
            "step": "basics",
            "field": "identifier",
        },
        updated_at=timezone.now(),
    )
    draft.refresh_from_db()
    return draft


def keep_unclear(
    *,
    draft: WorkspaceDraft,
    err: errors.HarnessError,
    message: str,
    was: tuple[str, ...] = (Status.DRAFT, Status.FAILED),
) -> WorkspaceDraft:
    """The look for an unclear last write (a create, change or deletion; a create's earlier
    POSTs, whatever its last one got) failed: nothing is sent, the outcome stays unclear
    ("unknown" after a create's refused retry: the next attempt looks again) and `message`
    says so. No audit entry: nothing was written."""
    WorkspaceDraft.objects.filter(pk=draft.pk, status__in=was).update(
        harness_response={
            "outcome": kept_unclear(draft.harness_response, "unknown"),
            "message": message,
            **answer(err),
        },
        updated_at=timezone.now(),
    )
    draft.refresh_from_db()
    return draft
