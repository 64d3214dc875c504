"""A deletion's write: IaCM `DELETE .../workspaces/{id}` (contract W5, 204 No Content) once,
after a GET (W3) that shows the workspace is still inactive and nobody changed it since the
deletion was requested, and, when Harness did not answer clearly (a timeout, a 5xx), a GET that
decides whether it landed. What Harness does with a DELETE of a workspace that is not inactive
is unconfirmed (contract §4.1; the fake answers 409), so the portal never sends one.

Harness has no version token for a workspace (contract §2: no ETag, no `If-Match`), so the
request keeps the workspace's `updated` (unix ms, `WorkspaceDraft.workspace_updated`) from when
it was requested, as a change does: if it moved, nothing is deleted and the request goes back to
its author, whose confirmation page shows the workspace as it is now. A change made between
that GET and the DELETE cannot be detected.
"""

from __future__ import annotations

from typing import Any

from workspaces.decommission.selectors import deletion_blocker
from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import Workspace
from workspaces.models import WorkspaceDraft
from workspaces.wizard.outcomes import (
    CHANGED_IN_HARNESS,
    HELD_OR_BUSY,
    UNCLEAR,
    after_the_write,
    answer,
    before_the_write,
    kept_unclear,
    not_sent,
    refused_outcome,
    unanswered,
)

Status = WorkspaceDraft.Status


def updated_ms(workspace: Workspace) -> int | None:
    """The workspace's `updated` as the request stores it (unix ms), None when Harness gave
    none."""
    return int(workspace.updated.timestamp() * 1000) if workspace.updated else None


def deleted(message: str = "", **more: Any) -> dict[str, Any]:
    """The outcome of a deletion that landed."""
    return {"outcome": "deleted", "message": message, **more}


def deletion_write(
    *, client: HarnessClient, draft: WorkspaceDraft, previous: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Delete a claimed deletion's workspace: IaCM `GET .../workspaces/{id}`, then, when it is
    still inactive and its `updated` is the one the request was made for,
    `DELETE .../workspaces/{id}`.

    Returns (status, outcome): `deleted` (also when an unclear `previous` attempt deleted it);
    back to `draft` with CHANGED_IN_HARNESS when the workspace is no longer inactive (the
    message is `deletion_blocker`'s) or was changed since (nothing sent either way);
    `failed` with Harness's words (409/400 "destroy first" as HarnessConflict, 403, 404), not
    sent (`sent: False`) when the GET failed or found no workspace (404), the portal paused
    calls (an open circuit, a Retry-After) or Harness answered the DELETE 429 (busy: it did
    nothing), or an unclear outcome after a timeout or 5xx.
    HarnessUnauthorized propagates (`UnauthorizedBeforeWrite` from the GET: nothing was sent).
    """
    where = {"org": draft.org, "project": draft.project, "identifier": draft.identifier}
    try:
        with before_the_write():
            current = client.get_workspace(**where)
    except errors.HarnessNotFound as err:  # nothing to delete: no DELETE is sent
        return _not_found(draft=draft, previous=previous, err=err, sent=False)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError as err:
        return Status.FAILED, {
            # After an unclear attempt, the next one must still look before deleting.
            "outcome": kept_unclear(previous, "unchecked"),
            "message": f"The portal could not check that nobody changed {draft.identifier} in "
            "Harness since the deletion was requested, so nothing was deleted: "
            f"{harness_error_message(err)} Try again.",
            "sent": False,
            **answer(err),
        }
    blocker = deletion_blocker(workspace=current)
    if blocker:
        # Not inactive any more (a run started since): Harness's answer to deleting such a
        # workspace is unconfirmed (contract §4.1), so nothing is sent and it goes back to its
        # author as a changed workspace does.
        return Status.DRAFT, {
            "outcome": CHANGED_IN_HARNESS,
            "message": f"{draft.name or draft.identifier} is no longer inactive in Harness, so "
            f"nothing was deleted. {blocker}",
            "sent": False,
        }
    if draft.workspace_updated and updated_ms(current) != draft.workspace_updated:
        return Status.DRAFT, {
            "outcome": CHANGED_IN_HARNESS,
            "message": f"{draft.name or draft.identifier} was changed in Harness since the "
            "deletion was requested. Nothing was deleted: check what it holds now, then "
            "confirm the deletion again.",
        }
    try:
        client.delete_workspace(**where)
    except errors.HarnessConflict as err:
        return Status.FAILED, {
            "outcome": "conflict",
            "message": f"Harness refused to delete {draft.identifier}: {err.message}",
            **answer(err),
        }
    except errors.HarnessNotFound as err:  # deleted between the GET and the DELETE
        return _not_found(draft=draft, previous=previous, err=err, sent=True)
    except HELD_OR_BUSY as err:  # nothing can land
        return Status.FAILED, not_sent(previous, err, harness_error_message(err))
    except (errors.HarnessForbidden, errors.HarnessRefused) as err:
        return Status.FAILED, refused_outcome(err)
    except errors.HarnessUnavailable as err:
        return _reconcile(client=client, where=where, err=err)
    return Status.DELETED, deleted(http_status=204)  # W5: 204 No Content


def _not_found(
    *, draft: WorkspaceDraft, previous: dict[str, Any], err: errors.HarnessNotFound, sent: bool
) -> tuple[str, dict[str, Any]]:
    """Harness has no such workspace (404): deleted by an earlier, unclear attempt (recorded as
    that DELETE), else gone meanwhile; `sent`: whether this attempt's DELETE got the 404 (else
    its look did, and no DELETE is recorded)."""
    if previous.get("outcome") in UNCLEAR:
        return Status.DELETED, deleted("Deleted on an earlier attempt.", **answer(err))
    return Status.FAILED, {
        "sent": sent,
        "outcome": "not_found",
        "message": (
            f"Harness has no workspace {draft.identifier} any more: someone deleted or "
            "renamed it meanwhile. Nothing was deleted by this request."
        ),
        **answer(err),
    }


def _reconcile(
    *, client: HarnessClient, where: dict[str, str], err: errors.HarnessUnavailable
) -> tuple[str, dict[str, Any]]:
    """After a timeout or 5xx: is the workspace gone? One GET decides (404: it is). Still
    there proves nothing (a gateway's 502 or 504 may come while Harness works on): the outcome
    stays unclear, and a retry's 404 means the earlier attempt deleted it."""
    try:
        with after_the_write(err):  # a 401 here: the DELETE may have landed
            client.get_workspace(**where)
    except errors.HarnessNotFound:
        return Status.DELETED, deleted(
            "Harness was slow to answer, but it was deleted.", **answer(err)
        )
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError:
        return Status.FAILED, {
            "outcome": "unknown",
            "message": (
                "Harness did not answer, and the portal could not check whether the workspace "
                "was deleted. Try again: if it was, the portal says so."
            ),
            **answer(err),
        }
    return Status.FAILED, unanswered(
        err,
        then=" and the workspace is still there, but it may still be deleted. Try again: if the "
        "first attempt lands meanwhile, the portal says so.",
    )
