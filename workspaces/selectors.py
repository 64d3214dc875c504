"""Reads the views need. Each returns what a template can show, including a designed failure."""

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from portal.metrics import record_status_metrics_lookup
from workspaces.feedback import harness_error_message
from workspaces.forms import METRICS_WINDOWS, WorkspaceListForm
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import Org, Page, Project, Workspace, WorkspaceSummary


@dataclass(frozen=True)
class Loaded[T]:
    """A page from Harness, or the message to show in its place (with a retry when it helps)."""

    page: Page[T] | None
    error: str = ""
    retryable: bool = False


def _load(call, **kwargs: Any) -> Loaded:
    """Run one Harness read; failures become a message. 401 propagates (to the key page)."""
    try:
        return Loaded(page=call(**kwargs))
    except errors.HarnessUnauthorized:
        raise
    except (errors.HarnessForbidden, errors.HarnessNotFound) as err:
        return Loaded(page=None, error=harness_error_message(err))
    except errors.HarnessError as err:
        return Loaded(page=None, error=harness_error_message(err), retryable=True)


def org_page(*, client: HarnessClient, search: str, page: int) -> Loaded[Org]:
    """Orgs the key can see (v1 `GET /v1/orgs`), 20 a page."""
    return _load(client.list_orgs, search=search, page=page, limit=20)


def project_page(*, client: HarnessClient, org: str, search: str, page: int) -> Loaded[Project]:
    """Projects of `org` (v1 `GET /v1/orgs/{org}/projects`), 20 a page."""
    return _load(client.list_projects, org=org, search=search, page=page, limit=20)


def workspace_page(
    *, client: HarnessClient, org: str, project: str, filters: WorkspaceListForm
) -> Loaded[WorkspaceSummary]:
    """One page of the project's workspaces (IaCM `GET .../workspaces`)."""
    return _load(client.list_workspaces, org=org, project=project, **filters.harness_params())


# --- status metrics, cached ------------------------------------------------------------------


@dataclass(frozen=True)
class StatusMetrics:
    """Counts per status for a time window, with how old they are and whether they are stale."""

    counts: dict[str, int]
    fetched_at: float
    stale: bool = False
    error: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def age_seconds(self) -> int:
        return max(0, int(time.time() - self.fetched_at))

    @property
    def rows(self) -> list[tuple[str, int, int]]:
        """(status, count, percent of the largest count) in a stable order, largest first."""
        top = max(self.counts.values(), default=0) or 1
        ordered = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        return [(status, count, round(100 * count / top)) for status, count in ordered]


def _metrics_cache_key(*, account: str, org: str, project: str, window: str, fingerprint: str):
    return f"metrics:v1:{account}:{org}:{project}:{window}:{fingerprint}"


def status_metrics(
    *,
    client: HarnessClient,
    fingerprint: str,
    org: str,
    project: str,
    window: str,
    force: bool = False,
) -> StatusMetrics:
    """Workspace counts per status (IaCM `GET .../workspace-metrics`), through the Django cache.

    Fresh for `METRICS_CACHE_SECONDS`; after that the stale numbers are served while exactly one
    request refreshes them (a `cache.add` lock, shared by every replica using the same cache).
    A request that finds nothing cached and the lock taken waits for the refresher instead of
    calling Harness itself. When Harness fails, stale numbers are served with a notice.
    Raises HarnessUnauthorized (to the key page); other Harness errors become `error`.
    """
    key = _metrics_cache_key(
        account=client.account_id, org=org, project=project, window=window, fingerprint=fingerprint
    )
    cached: StatusMetrics | None = cache.get(key)
    record_status_metrics_lookup(cached, force=force)  # Prometheus: cache hit/stale/miss
    if cached and not force and time.time() - cached.fetched_at < settings.METRICS_CACHE_SECONDS:
        return cached
    lock = f"{key}:lock"
    if not cache.add(lock, "1", timeout=settings.METRICS_LOCK_SECONDS):
        if cached:
            return cached  # someone is refreshing; the last numbers are good enough meanwhile
        waited = _wait_for_refresh(key)
        if waited:
            return waited
    else:
        # Another request may have refreshed (and let go of the lock) since the read above.
        latest: StatusMetrics | None = cache.get(key)
        if latest is not None and (cached is None or latest.fetched_at > cached.fetched_at):
            cache.delete(lock)
            return latest
    try:
        seconds = METRICS_WINDOWS[window]
        now = int(time.time())
        counts = client.workspace_metrics(
            org=org, project=project, start_time=now - seconds if seconds else None, end_time=None
        )
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError as err:
        message = harness_error_message(err)
        if cached:
            return StatusMetrics(cached.counts, cached.fetched_at, stale=True, error=message)
        return StatusMetrics({}, time.time(), stale=True, error=message)
    else:
        # Stored before the lock is released: a request waiting for these numbers must find
        # them, not an empty cache and a free lock (it would then call Harness as well).
        fresh = StatusMetrics(counts=dict(counts), fetched_at=time.time())
        cache.set(key, fresh, timeout=settings.METRICS_STALE_SECONDS)
        return fresh
    finally:
        cache.delete(lock)


def _wait_for_refresh(key: str) -> StatusMetrics | None:
    """Poll briefly for the numbers another request is fetching (cold cache under load)."""
    deadline = time.monotonic() + settings.METRICS_LOCK_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.02)
        found = cache.get(key)
        if found is not None:
            return found
        if cache.get(f"{key}:lock") is None:
            # Released since the look above: the numbers are there now, or the refresher gave
            # up (Harness failed) and None means "try ourselves".
            return cache.get(key)
    return None


def project_tags(*, client: HarnessClient, fingerprint: str, org: str, project: str) -> list[str]:
    """The project's workspace tags (IaCM `GET .../tags`) for the tag filter, cached briefly.

    A failure leaves the filter without suggestions rather than failing the page.
    """
    key = f"tags:v1:{client.account_id}:{org}:{project}:{fingerprint}"
    tags = cache.get(key)
    if tags is None:
        try:
            tags = sorted(set(client.list_tags(org=org, project=project)))
        except errors.HarnessUnauthorized:
            raise
        except errors.HarnessError:
            return []
        cache.set(key, tags, timeout=settings.METRICS_CACHE_SECONDS)
    return tags


def workspace_detail(
    *, client: HarnessClient, org: str, project: str, identifier: str
) -> Workspace | None:
    """One workspace (IaCM `GET .../workspaces/{identifier}`); None when Harness has no such one.

    Other Harness errors propagate to the error middleware (a page with a retry).
    """
    try:
        return client.get_workspace(org=org, project=project, identifier=identifier)
    except errors.HarnessNotFound:
        return None
