"""One project's part of the cross-project list: its IaCM `GET .../workspaces` call and the
answer the fan-out (`fanout`) stores for it, rows as data (never HTML)."""

from __future__ import annotations

from typing import TypedDict

from workspaces.across.directory import ProjectRef
from workspaces.feedback import harness_error_message
from workspaces.forms import ListQuery
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import WorkspaceSummary

#: Rows read per project: one list page (IaCM allows up to 100); beyond it the page says so.
PROJECT_LIMIT = 100


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


def failed_result(message: str, *, retryable: bool, denied: bool = False) -> ProjectResult:
    return ProjectResult(
        state="failed",
        rows=[],
        total=0,
        error=message,
        retryable=retryable,
        denied=denied,
        unauthorized=False,
    )


def list_project(client: HarnessClient, ref: ProjectRef, query: ListQuery) -> ProjectResult:
    """One project's first `PROJECT_LIMIT` matches (IaCM `GET .../workspaces`, page 1).

    Never raises a HarnessError: a 403 is "no access" (not retryable), a 401 is recorded for
    the page to send the user to the key page, anything else is a retryable failure.
    """
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
    except errors.HarnessUnauthorized as err:
        return {**failed_result(harness_error_message(err), retryable=False), "unauthorized": True}
    except errors.HarnessForbidden:
        return failed_result(
            "Your key has no access to this project.", retryable=False, denied=True
        )
    except errors.HarnessError as err:
        return failed_result(harness_error_message(err), retryable=True)
    return ProjectResult(
        state="listed",
        rows=[row_data(ws) for ws in page.items],
        total=page.known_total,
        error="",
        retryable=False,
        denied=False,
        unauthorized=False,
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
