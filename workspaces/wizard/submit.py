"""Submitting a draft exactly once, and deciding what happened when Harness did not answer.

`draft_submit` validates every step's form on the stored data, builds the body from their
cleaned data, lets the approval gate hold it when a rule says so, claims the draft with one
atomic `draft -> submitting` UPDATE and only then calls Harness (`draft_send`, also called by an
approval with the approver's client); a timeout or a 5xx is decided by a GET of the identifier.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction
from django.utils import timezone

from workspaces.approvals.gate import approval_gate
from workspaces.audit import audit_record
from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.wizard import steps, validation
from workspaces.wizard.body import build_body, refusal

logger = logging.getLogger("workspaces.drafts")
Status = WorkspaceDraft.Status


def reconcile_seconds() -> float:
    """How long a submit that timed out keeps checking whether Harness created it anyway."""
    return float(getattr(settings, "WIZARD_RECONCILE_SECONDS", 3.0))


def stale_submit_seconds() -> float:
    """A draft left "submitting" this long (a crashed worker) is checked again on its page."""
    return float(getattr(settings, "WIZARD_STALE_SUBMIT_SECONDS", 120))


@dataclass(frozen=True)
class Submitted:
    """The draft after a submit, and the problems that kept an invalid one from being sent."""

    draft: WorkspaceDraft
    problems: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def draft_submit(*, draft: WorkspaceDraft, client: HarnessClient) -> Submitted:
    """Create the workspace in Harness exactly once: IaCM `POST .../workspaces`.

    Every step is validated again first (an invalid draft is not sent and its steps are
    flagged). When an approval rule matches (`approval_gate`), nothing is sent: the draft waits
    as awaiting_approval with its body frozen. Otherwise one atomic UPDATE moves the draft from
    draft/failed to submitting: only the request that wins it calls Harness, every other one
    just returns the draft as it is.
    After a timeout or a 5xx, `GET .../workspaces/{identifier}` decides what happened before
    anything else; a retry after an unclear outcome checks first too. Harness 400s (field
    errors, policy denials) and 409s put the draft back to `failed` with the message attached
    to the step and field concerned. HarnessUnauthorized returns the draft to `draft` and
    propagates (the user must enter a new key).
    """
    bound = {step: validation.bind_step(step, draft.data) for step in steps.EDITABLE_STEPS}
    problems = {step: found for step, form in bound.items() if (found := form.problems())}
    if problems:
        draft.step_status = validation.step_statuses(problems, draft.data, draft.step_status)
        draft.save(update_fields=["step_status", "updated_at"])
        return Submitted(draft, problems)
    body = build_body(
        {step: form.cleaned_values() for step, form in bound.items()},
        locked=steps.locked_map(draft.data),
    )
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
        identifier=body["identifier"],
        name=body["name"],
        updated_at=now,
    )
    if not won:
        draft.refresh_from_db()
        return Submitted(draft)
    return draft_send(draft=draft, client=client, body=body)


def draft_send(
    *,
    draft: WorkspaceDraft,
    client: HarnessClient,
    body: dict[str, Any],
    release_to: str = Status.DRAFT,
    actor: AbstractBaseUser | None = None,
    approval: list[dict[str, Any]] | None = None,
) -> Submitted:
    """Send a claimed (`submitting`) draft's `body` with `client`, once, and store the outcome.

    The audit entry names `actor` (default the owner; an approver sends with their own key)
    and the `approval` chain that let it through.

    The caller has claimed the draft. A retry after an unclear outcome GETs the identifier
    before posting. HarnessUnauthorized puts the draft back to `release_to` (the author's own
    submit: `draft`; an approval: `awaiting_approval`) and propagates.
    """
    previous = draft.harness_response or {}
    outcome: dict[str, Any] | None = None
    status = Status.FAILED
    try:
        if previous.get("outcome") in {"unavailable", "unknown"}:
            # The last attempt may have created it: look before posting again.
            found = _find(client=client, draft=draft, identifier=body["identifier"])
            if found:
                status, outcome = Status.CREATED, _created("Created on an earlier attempt.")
        if outcome is None:
            status, outcome = _post(client=client, draft=draft, body=body, previous=previous)
    except errors.HarnessUnauthorized as err:
        WorkspaceDraft.objects.filter(pk=draft.pk).update(status=release_to)
        outcome = {"outcome": "unauthorized", "message": harness_error_message(err), **answer(err)}
        raise
    finally:
        if outcome is None:  # an unexpected error: never leave the draft stuck in submitting
            outcome = dict(UNEXPECTED)
        outcome = store_outcome(draft=draft, status=status, outcome=outcome)
        _audit(draft=draft, body=body, outcome=outcome, actor=actor, approval=approval)
    draft.refresh_from_db()
    logger.info("draft %s submitted: %s", draft.pk, outcome.get("outcome"))
    return Submitted(draft)


UNEXPECTED = {"outcome": "error", "message": "Something went wrong while submitting. Try again."}


def answer(err: errors.HarnessError) -> dict[str, Any]:
    """Harness's HTTP status and request id for a refused or unanswered write (the audit's)."""
    return {"http_status": err.status, "request_id": err.request_id or ""}


def _audit(
    *,
    draft: WorkspaceDraft,
    body: dict[str, Any],
    outcome: dict[str, Any],
    actor: AbstractBaseUser | None = None,
    approval: list[dict[str, Any]] | None = None,
) -> None:
    """The create's entry in the audit trail, once its outcome is settled."""
    audit_record(
        actor=actor or draft.owner,
        approval=approval,
        action=AuditEntry.Action.CREATE,
        draft=draft,
        org=draft.org,
        project=draft.project,
        identifier=body["identifier"],
        body=body,
        status=outcome.get("http_status"),
        answer=outcome,
    )


def store_outcome(*, draft: WorkspaceDraft, status: str, outcome: dict[str, Any]) -> dict:
    """Move the draft (any kind) out of `submitting` with `outcome`; the outcome actually stored.

    When the outcome cannot be written (a database error, e.g. the JSON check constraint on a
    value Harness sent back), the status is still written, with a fixed message: a draft never
    stays stuck in `submitting` because of what it would have recorded.
    """
    claimed = WorkspaceDraft.objects.filter(pk=draft.pk, status=Status.SUBMITTING)
    try:
        with transaction.atomic():
            claimed.update(status=status, harness_response=outcome, updated_at=timezone.now())
    except DatabaseError:
        logger.exception("draft %s: the submit outcome could not be stored", draft.pk)
        outcome = dict(UNEXPECTED)
        if status != Status.FAILED:
            outcome = {"outcome": str(status), "message": "", "warnings": []}
        claimed.update(status=status, harness_response=outcome, updated_at=timezone.now())
    return outcome


def _created(message: str = "", warnings: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"outcome": "created", "message": message, "warnings": list(warnings)}


def _post(
    *, client: HarnessClient, draft: WorkspaceDraft, body: dict[str, Any], previous: dict
) -> tuple[str, dict[str, Any]]:
    try:
        result = client.create_workspace(org=draft.org, project=draft.project, body=body)
    except errors.HarnessValidationError as err:
        deny = list(err.deny_messages)
        if deny:
            return Status.FAILED, {
                "outcome": "policy_denied",
                "message": "Harness policies denied this workspace.",
                "deny_messages": deny,
                "step": "review",
                **answer(err),
            }
        return Status.FAILED, {
            "outcome": "invalid",
            **refusal(err.field, err.message),
            "harness_field": err.field or "",
            "harness_message": err.message,
            **answer(err),
        }
    except errors.HarnessConflict as err:
        if previous.get("outcome") in {"unavailable", "unknown"}:
            found = _find(client=client, draft=draft, identifier=body["identifier"])
            if found and _looks_like(found, body):
                return Status.CREATED, {**_created("Created on an earlier attempt."), **answer(err)}
        return Status.FAILED, {
            "outcome": "conflict",
            "message": (
                f"A workspace with the identifier {body['identifier']} already exists in this "
                "project. Choose another identifier."
            ),
            "harness_message": err.message,
            "step": "basics",
            "field": "identifier",
            **answer(err),
        }
    except errors.HarnessUnavailable as err:
        return _reconcile(client=client, draft=draft, body=body, err=err)
    except (errors.HarnessForbidden, errors.HarnessNotFound, errors.HarnessRateLimited) as err:
        return Status.FAILED, {
            "outcome": "refused",
            "message": harness_error_message(err),
            "forbidden": isinstance(err, errors.HarnessForbidden),
            **answer(err),
        }
    return Status.CREATED, {**_created(warnings=result.warnings), "http_status": 200}  # W2


def _reconcile(
    *,
    client: HarnessClient,
    draft: WorkspaceDraft,
    body: dict[str, Any],
    err: errors.HarnessUnavailable,
) -> tuple[str, dict[str, Any]]:
    """After a timeout or 5xx: did Harness create it? GET the identifier before anything else.

    A timeout (no answer at all) may mean Harness is still working, so it is checked for a few
    seconds; a 5xx is an answer and is checked once.
    """
    deadline = time.monotonic() + (reconcile_seconds() if err.status is None else 0)
    while True:
        try:
            found = _find(client=client, draft=draft, identifier=body["identifier"])
        except errors.HarnessUnauthorized:
            raise
        except errors.HarnessError:
            return Status.FAILED, {
                "outcome": "unknown",
                "message": (
                    "Harness did not answer, and the portal could not check whether the "
                    "workspace was created. Submit again: the portal checks first, so it is "
                    "never created twice."
                ),
                **answer(err),
            }
        if found:
            created = _created("Harness was slow to answer, but it was created.")
            return Status.CREATED, {**created, **answer(err)}
        if time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    return Status.FAILED, {
        "outcome": "unknown" if err.status is None else "unavailable",
        "message": (
            "Harness did not answer in time and the workspace does not exist yet. "
            "Submit again when you are ready: the portal checks first, so it is never "
            "created twice."
            if err.status is None
            else "Harness had a problem and the workspace was not created. Submit again."
        ),
        **answer(err),
    }


def _find(*, client: HarnessClient, draft: WorkspaceDraft, identifier: str):
    """The workspace if it exists (IaCM `GET .../workspaces/{identifier}`), else None."""
    try:
        return client.get_workspace(org=draft.org, project=draft.project, identifier=identifier)
    except errors.HarnessNotFound:
        return None


def _looks_like(workspace, body: dict[str, Any]) -> bool:
    return (
        workspace.name == body["name"]
        and workspace.repository == body["repository"]
        and workspace.provisioner == body["provisioner"]
    )


def draft_reconcile_stale(*, draft: WorkspaceDraft, client: HarnessClient) -> WorkspaceDraft:
    """A draft stuck in `submitting` (its worker died): decide by a GET of the identifier."""
    if draft.status != Status.SUBMITTING or draft.submitted_at is None:
        return draft
    age = (timezone.now() - draft.submitted_at).total_seconds()
    if age < stale_submit_seconds():
        return draft
    try:
        found = _find(client=client, draft=draft, identifier=draft.identifier)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError:
        return draft
    status, outcome = (
        (Status.CREATED, _created())
        if found
        else (
            Status.FAILED,
            {"outcome": "unknown", "message": "The submit did not finish. Submit again."},
        )
    )
    settled = WorkspaceDraft.objects.filter(pk=draft.pk, status=Status.SUBMITTING).update(
        status=status, harness_response=outcome
    )
    if settled and draft.submitted_body:  # its worker died before it could record this
        _audit(draft=draft, body=draft.submitted_body, outcome=outcome)
    draft.refresh_from_db()
    return draft
