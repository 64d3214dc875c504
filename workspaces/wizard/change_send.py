"""Sending a change to an existing workspace: IaCM `PUT .../workspaces/{identifier}` once,
never over a change its author did not see, and what happened when Harness did not answer.

Harness has no version token for a workspace (contract §2: no ETag, no `If-Match`, `PUT` is a
full replacement), so before the PUT `change_write` reads the workspace again: if its `updated`
moved, nothing is sent and the draft shows what changed in Harness beside the user's change,
until the user sends it anyway (`change.draft_rebase`). A change made between that read and the
PUT cannot be detected. After a timeout or a 5xx, a GET decides whether the workspace holds
what the PUT sent (`landed_workspace`). Starting a change is `change.draft_start_change`;
`submit.draft_send` runs the write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.models import WorkspaceDraft
from workspaces.wizard import steps
from workspaces.wizard.outcomes import (
    CHANGED_IN_HARNESS,
    GONE,
    HELD_OR_BUSY,
    UNCLEAR,
    after_the_write,
    answer,
    before_the_write,
    kept_unclear,
    not_sent,
    reconcile_seconds,
    refused_outcome,
    unanswered,
    validation_outcome,
    wait_for,
)
from workspaces.wizard.rebase import link_moved, link_moved_message
from workspaces.wizard.update import carry_as_held, held_body, holds, workspace_snapshot

Status = WorkspaceDraft.Status


def updated(message: str = "", warnings: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"outcome": "updated", "message": message, "warnings": list(warnings)}


def _gone(draft: WorkspaceDraft) -> dict[str, Any]:
    return {
        "outcome": GONE,
        "message": f"The workspace {draft.identifier} no longer exists in Harness: nothing "
        "was changed. Delete this request.",
    }


def change_landed(*, client: HarnessClient, draft: WorkspaceDraft, body: Mapping) -> bool:
    """Whether the workspace is what the PUT `body` makes of it (`landed_workspace`)."""
    return landed_workspace(client=client, draft=draft, body=body) is not None


def landed_workspace(
    *, client: HarnessClient, draft: WorkspaceDraft, body: Mapping
) -> dict[str, Any] | None:
    """The workspace (a `workspace_snapshot`) when it is what the PUT `body` makes of it
    (`holds_body`), else None: IaCM `GET .../workspaces/{id}`.

    Raises HarnessForbidden, HarnessUnauthorized, HarnessUnavailable (HarnessNotFound: None).
    """
    try:
        workspace = client.get_workspace(
            org=draft.org, project=draft.project, identifier=draft.identifier
        )
    except errors.HarnessNotFound:
        return None
    snapshot = workspace_snapshot(workspace)
    return snapshot if holds_body(snapshot, body, draft=draft) else None


def holds_body(snapshot: Mapping[str, Any], body: Mapping, *, draft: WorkspaceDraft) -> bool:
    """Whether the workspace `snapshot` is what the edit draft's PUT `body` makes of it
    (`update.holds`, the carried fields compared as Harness holds them)."""
    return holds(snapshot, carry_as_held(dict(body), snapshot), locked=steps.locked_map(draft.data))


def change_write(
    *, client: HarnessClient, draft: WorkspaceDraft, body: dict[str, Any], previous: dict
) -> tuple[str, dict[str, Any]]:
    """Send an edit draft claimed by `submit.draft_send`: IaCM `PUT .../workspaces/{id}`, after
    a GET of the workspace that shows nobody changed it since the edit started (its `updated`).

    Returns (status, outcome): `updated`; back to `draft` with `CHANGED_IN_HARNESS` and the
    workspace as Harness holds it now (nothing sent); `failed` with Harness's refusal on its
    step and field, or an unclear outcome after a timeout or 5xx (decided by a GET that compares
    the workspace with what the PUT makes of it, `change_landed`), or not sent (`sent: False`)
    when the GET before it failed or found no workspace, the portal paused calls to the PUT (an
    open circuit, a Retry-After), or Harness answered the PUT 429 (busy: it did nothing). After
    an unclear attempt the first GET also tells whether it landed.
    HarnessUnauthorized propagates (`UnauthorizedBeforeWrite` from that GET: nothing was sent).
    """
    try:
        with before_the_write():
            where = {"org": draft.org, "project": draft.project, "identifier": draft.identifier}
            fresh = workspace_snapshot(client.get_workspace(**where))
    except errors.HarnessNotFound:  # nothing to change: no PUT is sent
        return Status.FAILED, {**_gone(draft), "sent": False}
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError as err:
        why = (
            "your Harness key may not read this workspace (HTTP 403). Ask a Harness admin for "
            "access to it (submitting again does not help until then)."
            if isinstance(err, errors.HarnessForbidden)
            else f"{harness_error_message(err)} Submit again."
        )
        return Status.FAILED, {
            # After an unclear attempt, the next submit must still look before writing.
            "outcome": kept_unclear(previous, "unchecked"),
            "message": f"The portal could not check that nobody changed {draft.identifier} in "
            f"Harness since you started, so nothing was sent: {why}",
            "sent": False,
            **answer(err),
        }
    # The carried fields as Harness holds them (the PUT below is sent only when nobody changed
    # the workspace): a body from a snapshot an earlier release stored sends them in their old
    # type. In place, so the audit entry records the body sent.
    carry_as_held(body, fresh)
    if previous.get("outcome") in UNCLEAR and holds_body(fresh, body, draft=draft):
        return Status.UPDATED, updated("Changed on an earlier attempt.")
    # A link changed through the association API (contract §3.3) is looked for too, whether or
    # not it moved `updated`: the PUT would leave out the fields of the old link's locks. A write
    # that changed none of the fields a PUT sends (only `updated` moved) is nothing the PUT would
    # overwrite: it is sent, as a change rebased on that workspace would be.
    start = draft.workspace_snapshot or {}
    relinked = link_moved(start, fresh)
    rewritten = fresh["updated"] != draft.workspace_updated
    if relinked or (rewritten and held_body(start) != held_body(fresh)):
        name = draft.name or draft.identifier
        message = (
            link_moved_message(name)
            if relinked
            else f"{name} was changed in Harness since you started this change. Nothing was "
            "sent: compare, then send your change anyway or edit it first."
        )
        return Status.DRAFT, {
            "outcome": CHANGED_IN_HARNESS,
            "message": message,
            "harness_workspace": fresh,
        }
    try:
        result = client.update_workspace(
            org=draft.org, project=draft.project, identifier=draft.identifier, body=body
        )
    except errors.HarnessValidationError as err:
        denied = "Harness policies denied this change."
        slots = steps.step_values(draft.data, "provisioner")
        return Status.FAILED, validation_outcome(err, denied=denied, body=body, slots=slots)
    except errors.HarnessNotFound:
        return Status.FAILED, _gone(draft)
    except errors.HarnessConflict as err:
        return Status.FAILED, {
            "outcome": "conflict",
            "message": f"Harness refused the change: {err.message}",
            "step": "review",
            **answer(err),
        }
    except HELD_OR_BUSY as err:  # nothing can land
        return Status.FAILED, not_sent(previous, err, harness_error_message(err))
    except errors.HarnessUnavailable as err:
        return _reconcile(client=client, draft=draft, body=body, err=err)
    except (errors.HarnessForbidden, errors.HarnessRefused) as err:
        return Status.FAILED, refused_outcome(err)
    return Status.UPDATED, {**updated(warnings=result.warnings), "http_status": 200}  # W4


def _reconcile(
    *,
    client: HarnessClient,
    draft: WorkspaceDraft,
    body: dict[str, Any],
    err: errors.HarnessUnavailable,
) -> tuple[str, dict[str, Any]]:
    """After a timeout or 5xx: does the workspace hold the fields sent? A timeout is checked
    for a few seconds (Harness may still be working), a 5xx once. Neither proves the change
    did not land (a gateway's 502 or 504 may come while Harness works on): the outcome stays
    unclear, and the next submit compares first."""
    try:
        with after_the_write(err):  # a 401 here: the PUT may have landed
            landed = wait_for(
                lambda: change_landed(client=client, draft=draft, body=body),
                seconds=reconcile_seconds() if err.status is None else 0,
            )
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError:
        landed = None
    if landed:
        landed_late = updated("Harness was slow to answer, but the change landed.")
        return Status.UPDATED, {**landed_late, **answer(err)}
    if landed is None:
        return Status.FAILED, {
            "outcome": "unknown",
            "message": "Harness did not answer, and the portal could not check whether the "
            "change landed. Submit again: the portal checks first, so it is never sent twice.",
            **answer(err),
        }
    return Status.FAILED, unanswered(
        err,
        then=" and the workspace does not hold your change yet, but it may still land. Submit "
        "again when you are ready: the portal checks first.",
    )
