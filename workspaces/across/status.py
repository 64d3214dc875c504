"""The status strip of every project at once: each project's cached status metrics, fetched in
parallel where they are missing or old, summed and ordered for the page."""

from __future__ import annotations

import concurrent.futures
import contextvars
import functools
import random
from dataclasses import dataclass, field
from operator import attrgetter
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from workspaces.across.directory import Directory, ProjectRef, visible_projects
from workspaces.harness import HarnessClient
from workspaces.status_metrics import (
    StatusChip,
    StatusMetrics,
    status_chips,
    status_metrics,
    status_metrics_awaited,
    status_metrics_cached,
)

#: The statuses that put a project at the top of the list.
ATTENTION_STATUSES = ("failed", "drifted")
#: Where the totals' chips lead: the cross-project list (URL name), filtered by status.
ALL_WORKSPACES_URL = "all_workspaces"


@dataclass(frozen=True)
class ProjectStatus:
    """One project's row: where it is and its numbers (stale, with an error, when Harness
    failed)."""

    ref: ProjectRef
    metrics: StatusMetrics
    #: The project's workspace list (in the strip's time window).
    url: str = ""
    #: Its counts, each linking to the project's list filtered by that status (and window).
    chips: list[StatusChip] = field(default_factory=list)

    @property
    def title(self) -> str:
        """ "Platform / Networking": the org's and the project's names, as people read them."""
        return f"{self.ref.org_name} / {self.ref.name}"

    @property
    def attention(self) -> int:
        """Failed and drifted workspaces: how urgently the project wants a look."""
        return sum(self.metrics.counts.get(status, 0) for status in ATTENTION_STATUSES)

    @property
    def order(self) -> tuple:
        """Failed or drifted first (most first), then projects whose numbers could not be read,
        then the rest; by org and project name within each."""
        group = 0 if self.attention else 1 if self.metrics.error else 2
        return (group, -self.attention, self.ref.org_name.lower(), self.ref.name.lower())


@dataclass(frozen=True)
class StatusAcross:
    """Every listed project's status counts, the totals, and what could not be listed."""

    directory: Directory
    window: str
    #: Projects with workspaces counted (or whose numbers failed), in `ProjectStatus.order`.
    rows: tuple[ProjectStatus, ...] = ()
    #: Projects with nothing to count in the window, collapsed into one line on the page.
    empty: tuple[ProjectStatus, ...] = ()
    #: Listed projects past `ACROSS_MAX_PROJECTS`: not counted (the strip says so).
    left_out: int = 0

    @property
    def counted(self) -> int:
        """The projects whose numbers the strip shows (or tried to)."""
        return len(self.rows) + len(self.empty)

    @functools.cached_property
    def totals(self) -> StatusMetrics:
        """Counts per status summed over every row (saved numbers included), as old as the
        oldest of those numbers (a row without numbers, its error just now or a refusal kept,
        has no age to give)."""
        counts: dict[str, int] = {}
        for row in self.rows:
            for status, count in row.metrics.counts.items():
                counts[status] = counts.get(status, 0) + count
        oldest = min(
            (row.metrics.fetched_at for row in self.rows if row.metrics.counts), default=0.0
        )
        return StatusMetrics(counts=counts, fetched_at=oldest)

    @property
    def shared_error(self) -> str:
        """The error every row failed with, when it is the same one ("" otherwise): said once
        when no project's numbers could be read."""
        errors = {row.metrics.error for row in self.rows}
        return errors.pop() if len(errors) == 1 else ""

    @functools.cached_property
    def totals_chips(self) -> list[StatusChip]:
        """The totals, each linking to every workspace with that status in every project (in
        the strip's window, which that list's strip and note keep)."""
        params = {"window": self.window} if self.window != "all" else {}
        return status_chips(metrics=self.totals, base=reverse(ALL_WORKSPACES_URL), params=params)

    @property
    def failed_rows(self) -> int:
        return sum(1 for row in self.rows if row.metrics.error)


def _metrics_in_parallel(
    *,
    client: HarnessClient,
    fingerprint: str,
    window: str,
    refs: list[ProjectRef],
    force: bool,
    refresh: str = "",
) -> dict[str, StatusMetrics]:
    """`status_metrics` for each project, at most `ACROSS_CONCURRENCY` at once (all of them
    read again with `force`, or only the `refresh` one).

    First every project whose lock is free is fetched (or its stale numbers taken) without
    waiting; the ones another request is fetching are then waited for together, in this
    thread, and only those whose refresher gave up are asked again (waiting, as the project
    page does). The request's own pool, not the shared Harness threads: a wait on the shared
    pool from inside it can deadlock. The projects are taken in a random order so that
    concurrent viewers on a cold cache fetch different projects.
    """
    if not refs:
        return {}
    by_key = {ref.key: ref for ref in random.sample(refs, len(refs))}
    workers = min(settings.ACROSS_CONCURRENCY, len(refs))
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="across") as pool:

        def fetch(keys, *, wait: bool) -> dict[str, StatusMetrics | None]:
            futures = {
                key: pool.submit(
                    contextvars.copy_context().run,
                    status_metrics,
                    client=client,
                    fingerprint=fingerprint,
                    org=by_key[key].org,
                    project=by_key[key].project,
                    window=window,
                    force=force or key == refresh,
                    wait=wait,
                )
                for key in keys
            }
            # HarnessUnauthorized (the key was revoked) propagates to the key page.
            return {key: future.result() for key, future in futures.items()}

        first = fetch(by_key, wait=False)
        found = {key: metrics for key, metrics in first.items() if metrics is not None}
        elsewhere = [by_key[key] for key in by_key if key not in found]
        if elsewhere:
            awaited = status_metrics_awaited(
                account=client.account_id,
                fingerprint=fingerprint,
                window=window,
                projects=[(ref.org, ref.project) for ref in elsewhere],
            )
            found |= {f"{org}/{project}": metrics for (org, project), metrics in awaited.items()}
            found |= fetch([ref.key for ref in elsewhere if ref.key not in found], wait=True)
    return found


def status_across(
    *,
    client: HarnessClient,
    fingerprint: str,
    window: str,
    force: bool = False,
    refresh: str = "",
    retry_orgs: bool = False,
) -> StatusAcross:
    """Status counts of every project the key can list (`visible_projects`); `force` reads
    them all again (and the projects of an org that could not be listed), `refresh`
    ("org/project", a row's "Try again") that one only, `retry_orgs` (an org's "Try again")
    the projects of the orgs that could not be listed, whose numbers are then read as any
    project's (the others' from the cache).

    Each project's numbers come from `status_metrics` (IaCM `GET .../workspace-metrics`,
    cached per key with its single-flight lock): the fresh ones in one cache read, the others
    fetched in parallel. A project whose call fails keeps its saved numbers with its error.
    Raises HarnessUnauthorized (to the key page).
    """
    directory = visible_projects(client=client, fingerprint=fingerprint, retry=force or retry_orgs)
    refs = directory.projects[: settings.ACROSS_MAX_PROJECTS]
    found: dict[str, StatusMetrics] = {}
    if not force:
        cached = status_metrics_cached(
            account=client.account_id,
            fingerprint=fingerprint,
            window=window,
            projects=[(ref.org, ref.project) for ref in refs if ref.key != refresh],
        )
        found = {f"{org}/{project}": metrics for (org, project), metrics in cached.items()}
    found |= _metrics_in_parallel(
        client=client,
        fingerprint=fingerprint,
        window=window,
        refs=[ref for ref in refs if ref.key not in found],
        force=force,
        refresh=refresh,
    )
    rows = [_project_status(ref, found[ref.key], window) for ref in refs]
    shown = [row for row in rows if row.metrics.total or row.metrics.error]
    return StatusAcross(
        directory=directory,
        window=window,
        rows=tuple(sorted(shown, key=attrgetter("order"))),
        empty=tuple(row for row in rows if not (row.metrics.total or row.metrics.error)),
        left_out=len(directory.projects) - len(refs),
    )


def _project_status(ref: ProjectRef, metrics: StatusMetrics, window: str) -> ProjectStatus:
    """The row with its links: the project's list, and its counts filtered by status, both
    in the strip's window."""
    base = reverse("workspace_list", args=[ref.org, ref.project])
    params = {"window": window} if window != "all" else {}
    url = f"{base}?{urlencode(params)}" if params else base
    return ProjectStatus(ref, metrics, url, status_chips(metrics=metrics, base=base, params=params))
