"""One project's part of the cross-project list: its IaCM `GET .../workspaces` call and the
answer the fan-out (`fanout`) stores for it, rows as data (never HTML)."""

from __future__ import annotations

import time
from typing import TypedDict

from django.conf import settings

from workspaces.across.directory import DIRECTORY_RETRY_SECONDS, ProjectRef
from workspaces.across.running import running_work
from workspaces.feedback import harness_error_message
from workspaces.forms import ListQuery
from workspaces.harness import CallsHeld, HarnessClient, errors
from workspaces.harness.types import WorkspaceSummary

#: Rows read per project: one list page (IaCM allows up to 100); beyond it the page says so.
PROJECT_LIMIT = 100
#: A failure without Retry-After is read again by a page loaded this long after it (sooner by
#: its Try again), as the directory's failed orgs are.
REREAD_AFTER_SECONDS = DIRECTORY_RETRY_SECONDS


class RowData(TypedDict):
    """One workspace as the list call returned it, ready to sort; `updated` in epoch seconds."""

    identifier: str
    name: str
    #: The name as the merged list sorts it (Harness sorts names without case).
    name_key: str
    status: str
    description: str
    updated: float | None


class ProjectResult(TypedDict):
    """One project's answer: rows and the total that matched, or why there are none."""

    state: str  # "pending" (being read again), "listed" or "failed"
    rows: list[RowData]
    total: int | None  # None: Harness sent no total and the page was full (more may match)
    error: str
    retryable: bool
    denied: bool
    unauthorized: bool
    #: A retryable failure: when (epoch seconds) a page load reads it again by itself, Harness's
    #: Retry-After or `REREAD_AFTER_SECONDS` after it failed (`listing.across_page`).
    retry_at: float


def failed_result(
    message: str, *, retryable: bool, denied: bool = False, retry_after: float | None = None
) -> ProjectResult:
    return ProjectResult(
        state="failed",
        rows=[],
        total=0,
        error=message,
        retryable=retryable,
        denied=denied,
        unauthorized=False,
        retry_at=time.time() + (retry_after or REREAD_AFTER_SECONDS),
    )


def held_wait_seconds() -> float:
    """How long a project's call waits out Harness's Retry-After, its calls held (`CallsHeld`:
    nothing was sent), before it is recorded as failed: one read timeout, as long as a call may
    take anyway."""
    return settings.HARNESS_READ_TIMEOUT


def list_project(client: HarnessClient, ref: ProjectRef, query: ListQuery) -> ProjectResult:
    """One project's first `PROJECT_LIMIT` matches (IaCM `GET .../workspaces`, page 1).

    Never raises a HarnessError: a 403 is "no access" (not retryable), a 401 is recorded for
    the page to send the user to the key page, anything else is a retryable failure. A call the
    portal held because Harness asked the account to wait (Retry-After, on another call) is
    made once the wait has passed, when that is within `held_wait_seconds()`: one 429 does not
    fail every project listed after it. The worker exiting ends the wait (`running`).
    """
    deadline = time.monotonic() + held_wait_seconds()
    while True:
        try:
            page = client.list_workspaces(
                org=ref.org,
                project=ref.project,
                page=1,
                limit=PROJECT_LIMIT,
                search=query.q,
                sort=query.sort,
                statuses=query.status,
                tags=query.tags,
            )
        except CallsHeld as err:
            wait = err.retry_after or 0.0
            if time.monotonic() + wait > deadline or running_work.stopping.wait(wait):
                return failed_result(
                    harness_error_message(err), retryable=True, retry_after=err.retry_after
                )
            continue
        except errors.HarnessUnauthorized as err:
            failed = failed_result(harness_error_message(err), retryable=False)
            return {**failed, "unauthorized": True}
        except errors.HarnessForbidden:
            return failed_result(
                "Your key has no access to this project.", retryable=False, denied=True
            )
        except errors.HarnessError as err:
            return failed_result(
                harness_error_message(err), retryable=True, retry_after=err.retry_after
            )
        break
    return ProjectResult(
        state="listed",
        rows=[row_data(ws) for ws in page.items],
        total=page.known_total,
        error="",
        retryable=False,
        denied=False,
        unauthorized=False,
        retry_at=0.0,
    )


def row_data(workspace: WorkspaceSummary) -> RowData:
    return RowData(
        identifier=workspace.identifier,
        name=workspace.name,
        name_key=workspace.name.lower(),
        status=workspace.status,
        description=workspace.description,
        updated=workspace.updated.timestamp() if workspace.updated else None,
    )
