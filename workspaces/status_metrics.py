"""The status overview's numbers: workspace counts per status from Harness, cached.

Keyed by account, org, project, time window and the key's fingerprint (nobody sees numbers
fetched with someone else's rights); one refresher at a time (`cache.add` lock, shared by every
replica on the same cache); stale numbers served while it refreshes or while Harness is down;
Harness's refusal kept for a while rather than asked again on every load.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypedDict
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.dispatch import Signal
from django.http import QueryDict

from workspaces.feedback import harness_error_message, retry_after_seconds
from workspaces.forms import METRICS_WINDOWS, filterable_status
from workspaces.harness import HarnessClient, errors
from workspaces.selectors import status_label
from workspaces.status_writes import expire_metrics, last_write, mark_written

#: Sent on every lookup of cached status metrics with `result` "hit", "stale" or "miss" (the
#: portal's Prometheus counter listens; this app does not import the portal).
status_metrics_looked_up = Signal()


@dataclass(frozen=True)
class StatusMetrics:
    """Counts per status for a time window, with how old they are and whether they are stale."""

    counts: dict[str, int]
    fetched_at: float
    stale: bool = False
    error: str = ""
    #: For Harness's refusal kept in the cache (`_kept_refusal`): until when (epoch seconds) it is
    #: the answer, instead of one more call Harness would refuse as well.
    kept_until: float = 0.0
    #: A write of the key settled since (`forget_status_metrics`): never fresh, Harness is
    #: asked again at once, but still the last numbers to show (stale) when it fails.
    expired: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def age_seconds(self) -> int:
        return max(0, int(time.time() - self.fetched_at))

    @property
    def bars(self) -> list[ChartBar]:
        """One bar per status, largest count first (ties by name), as the chart draws them."""
        top = max(self.counts.values(), default=0) or 1
        ordered = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        return [
            ChartBar.for_count(status, count, top=top, index=index)
            for index, (status, count) in enumerate(ordered)
        ]

    @property
    def chart_height(self) -> int:
        return max(1, len(self.counts)) * CHART_ROW_HEIGHT

    @property
    def description(self) -> str:
        """The chart's text alternative: "Active: 1200, Failed: 3"."""
        return ", ".join(f"{bar.label}: {bar.count}" for bar in self.bars)


CHART_ROW_HEIGHT = 28
CHART_BAR_MAX = 190


@dataclass(frozen=True)
class ChartBar:
    """One status in the overview chart: its label, count and the bar's geometry (SVG units)."""

    status: str
    label: str
    count: int
    y: int
    width: int

    @classmethod
    def for_count(cls, status: str, count: int, *, top: int, index: int) -> ChartBar:
        # Bars are drawn to scale with the largest count; a non-zero count is always visible.
        width = max(2 if count else 0, round(CHART_BAR_MAX * count / top))
        return cls(status, status_label(status), count, index * CHART_ROW_HEIGHT, width)

    @property
    def count_x(self) -> int:
        return self.width + 124

    @property
    def filterable(self) -> bool:
        """Whether its bar links to the list filtered by its status (see `filterable_status`)."""
        return filterable_status(self.status)


class StatusChip(TypedDict):
    """One status of a strip, ready to print: its count and the list it links to.

    A dict, its link and count text made here rather than with `{% querystring %}` and
    `intcomma`: the cross-project strip prints a few hundred chips, and in a template each costs
    a QueryDict, a number format or a failed dict lookup (see `WorkspaceRow`).
    """

    status: str
    label: str
    count: int
    #: The count as printed: "1,800".
    count_text: str
    #: "" for a status the list cannot be filtered by (`filterable_status`): shown, not linked.
    href: str


def status_chips(*, metrics: StatusMetrics, base: str, params: Mapping) -> list[StatusChip]:
    """The chips of `metrics`, largest count first: each links to `base` with `params` and
    `status=<that status>` in place of any status there (no `page`: a filter change starts on
    page 1). Links and counts are prepared here rather than with `{% querystring %}` and
    `intcomma` per chip: the strip of 40 projects (about 300 chips) rendered in about 95 ms that
    way on the 2-core development machine, about 18 ms this way."""
    query = params.copy() if isinstance(params, QueryDict) else QueryDict(mutable=True)
    if not isinstance(params, QueryDict):
        query.update(params)
    query.pop("page", None)
    query.pop("status", None)
    kept = query.urlencode()
    prefix = f"{base}?{kept}&" if kept else f"{base}?"
    return [
        StatusChip(
            status=bar.status,
            label=bar.label,
            count=bar.count,
            count_text=f"{bar.count:,}",
            href=f"{prefix}{urlencode({'status': bar.status})}" if bar.filterable else "",
        )
        for bar in metrics.bars
    ]


#: How long a failed refresh's error is kept for the requests that were waiting on it.
FAILED_SECONDS = 5


def _metrics_cache_key(*, account: str, org: str, project: str, window: str, fingerprint: str):
    if window != "all":
        # Its start_time was sent in this unit: numbers read in the other (before an operator
        # set the one Harness reads, README) are not this window's.
        window = f"{window}.{settings.HARNESS_METRICS_TIME_UNIT}"
    return f"metrics:v1:{account}:{org}:{project}:{window}:{fingerprint}"


def forget_status_metrics(*, account: str, fingerprint: str, org: str, project: str) -> None:
    """Mark the cached numbers of org/project in every window out of date for the key
    `fingerprint` (`status_writes`): a write of that key settled (a workspace created, changed
    or deleted), so its next strip, the project's or the cross-project one, reads Harness again
    instead of serving counts without it for up to `METRICS_CACHE_SECONDS`, and so does a
    refresh already on its way. Other keys' numbers age as they would."""
    where = {"account": account, "org": org, "project": project, "fingerprint": fingerprint}
    # The marker first: a refresh that stores its numbers after this read sees it, and one that
    # stored them before has them marked here.
    mark_written(**where)
    expire_metrics(_metrics_cache_key(**where, window=window) for window in METRICS_WINDOWS)


def _fresh(metrics: StatusMetrics | None) -> bool:
    """Whether `metrics` may be served without asking Harness: numbers younger than
    `METRICS_CACHE_SECONDS`, or a refusal before its `kept_until`; never after a write
    (`expired`)."""
    if metrics is None or metrics.expired:
        return False
    if metrics.error:
        return time.time() < metrics.kept_until
    return time.time() - metrics.fetched_at < settings.METRICS_CACHE_SECONDS


def _failed_refresh(message: str, saved: StatusMetrics | None) -> StatusMetrics:
    """A refresh that failed: the numbers it could not replace (or none), stale, with its error."""
    saved = saved or StatusMetrics({}, time.time())
    return StatusMetrics(saved.counts, saved.fetched_at, stale=True, error=message)


def _kept_refusal(
    err: errors.HarnessError, message: str, cached: StatusMetrics | None
) -> tuple[StatusMetrics, float] | None:
    """What to cache when Harness refused the numbers, and for how long: a 403 or 404 (the key's
    rights, the project's existence) for `METRICS_CACHE_SECONDS`, as the project directory keeps
    a 403, in place of the saved numbers (the key may no longer see them, or they are of a
    project gone); a 429 until its Retry-After (`FAILED_SECONDS` without one), with the saved
    numbers. None for any other error: the next request asks again."""
    now = time.time()
    if isinstance(err, errors.HarnessForbidden | errors.HarnessNotFound):
        seconds, cached = settings.METRICS_CACHE_SECONDS, None
    elif isinstance(err, errors.HarnessRateLimited):
        seconds = retry_after_seconds(err) or FAILED_SECONDS
    else:
        return None
    if cached and cached.counts:
        refusal = StatusMetrics(
            cached.counts, cached.fetched_at, stale=True, error=message, kept_until=now + seconds
        )
        # As long as the saved numbers would have been kept, and at least as long as the refusal.
        return refusal, max(seconds, settings.METRICS_STALE_SECONDS - (now - cached.fetched_at))
    return StatusMetrics({}, now, stale=True, error=message, kept_until=now + seconds), seconds


def status_metrics_cached(
    *, account: str, fingerprint: str, window: str, projects: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], StatusMetrics]:
    """The fresh cached numbers of several (org, project), in one cache read: what
    `status_metrics` would return for them without a lock or a Harness call (a refusal kept
    included). Projects whose numbers are missing or old are left out (ask `status_metrics`
    for those)."""
    keys = {
        _metrics_cache_key(
            account=account, org=org, project=project, window=window, fingerprint=fingerprint
        ): (org, project)
        for org, project in projects
    }
    found: dict[str, StatusMetrics] = cache.get_many(list(keys))
    fresh = {keys[key]: metrics for key, metrics in found.items() if _fresh(metrics)}
    for _ in fresh:
        status_metrics_looked_up.send(sender=StatusMetrics, result="hit")
    return fresh


def status_metrics(
    *,
    client: HarnessClient,
    fingerprint: str,
    org: str,
    project: str,
    window: str,
    force: bool = False,
    wait: bool = True,
) -> StatusMetrics | None:
    """Workspace counts per status (IaCM `GET .../workspace-metrics`), through the Django cache.

    Fresh for `METRICS_CACHE_SECONDS`; after that the stale numbers are served while exactly one
    request refreshes them (a `cache.add` lock, shared by every replica using the same cache).
    A request that finds nothing cached and the lock taken waits for the refresher instead of
    calling Harness itself (or, with `wait=False`, returns None at once: the caller collects
    those with `status_metrics_awaited`); when the refresher failed, its waiters show its
    error, and when it gave up without one, one of them takes the lock and reads again. When
    Harness fails, stale numbers are served with a notice. A refusal (403, 404, 429) is cached
    as the answer (`_kept_refusal`), so that no request asks again before it could change;
    `force` asks all the same. While the cache is down every request asks Harness itself: the
    lock's `cache.add` then succeeds without a lock (`portal.cache`), so nobody waits for a
    refresher that cannot publish. Raises HarnessUnauthorized (to the key page); other Harness
    errors become `error`.
    """
    key = _metrics_cache_key(
        account=client.account_id, org=org, project=project, window=window, fingerprint=fingerprint
    )
    cached: StatusMetrics | None = cache.get(key)
    result = "miss" if cached is None else "hit" if _fresh(cached) and not force else "stale"
    status_metrics_looked_up.send(sender=StatusMetrics, result=result)
    if result == "hit":
        return cached
    # The lock holds its holder's token: only the holder lets go of it.
    lock, token = f"{key}:lock", secrets.token_hex(8)
    deadline = time.monotonic() + settings.METRICS_LOCK_SECONDS
    while not cache.add(lock, token, timeout=settings.METRICS_LOCK_SECONDS):
        if cached and not cached.expired:
            return cached  # someone is refreshing; the last numbers are good enough meanwhile
        if not wait:
            return None
        waited = _wait_for_refresh(key, deadline)
        if waited:
            return waited  # its numbers, or its error when it failed a moment ago
        if time.monotonic() >= deadline:
            break  # the refresher outlived its lock's time: read Harness without the lock
        # Its refresher gave up without saying why: one waiter takes the lock and reads again,
        # the others wait for it.
    else:
        # Another request may have refreshed (and let go of the lock) since the read above, or
        # kept Harness's refusal.
        latest: StatusMetrics | None = cache.get(key)
        if (latest is not None and not latest.expired) and (
            cached is None
            or latest.fetched_at > cached.fetched_at
            or latest.kept_until > cached.kept_until
        ):
            cache.delete(lock)
            return latest
    where = dict(account=client.account_id, org=org, project=project, fingerprint=fingerprint)
    written = last_write(**where)  # changed by a write settling meanwhile
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
        if kept := _kept_refusal(err, message, cached):
            # Asked again, Harness would refuse again: every request (and the waiters on this
            # one) gets this answer from the cache until then; `force` asks all the same.
            refusal, seconds = kept
            if seconds > 0:
                cache.set(key, refusal, timeout=seconds)
            else:
                cache.delete(key)  # nothing kept, not even numbers the key may no longer see
            return refusal
        # For the requests waiting on this refresh (set before the lock goes, read after).
        cache.set(f"{key}:failed", message, timeout=FAILED_SECONDS)
        return _failed_refresh(message, cached)
    else:
        # Stored before the lock is released: a request waiting for these numbers must find
        # them, not an empty cache and a free lock (it would then call Harness as well). Out of
        # date at once when a write settled while Harness was read: they may not count it (the
        # requests waiting then read again).
        expired = last_write(**where) != written
        fresh = StatusMetrics(counts=dict(counts), fetched_at=time.time(), expired=expired)
        cache.set(key, fresh, timeout=settings.METRICS_STALE_SECONDS)
        return fresh
    finally:
        # A write that settled after that check did not find what was stored here to expire.
        if last_write(**where) != written:
            expire_metrics([key])
        if cache.get(lock) == token:
            cache.delete(lock)


def _wait_for_refresh(key: str, deadline: float) -> StatusMetrics | None:
    """Poll briefly for the numbers another request is fetching (cold cache under load), or its
    error when Harness failed it; None when its refresher gave up without saying why or
    `deadline` (monotonic) passed."""
    return _await_refreshes({key: key}, backoff=False, deadline=deadline).get(key)


def status_metrics_awaited(
    *, account: str, fingerprint: str, window: str, projects: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], StatusMetrics]:
    """The numbers other requests are fetching for several (org, project), waited for together:
    one cache read per poll for all of them, instead of a waiting thread each. A project whose
    refresher failed gets its error (`FAILED_SECONDS`), as `status_metrics` gives its waiters,
    rather than one more call behind it. A project whose refresher let go of its lock without
    numbers or error, or still missing after `METRICS_LOCK_SECONDS`, is left out: ask
    `status_metrics` for it."""
    pending = {
        _metrics_cache_key(
            account=account, org=org, project=project, window=window, fingerprint=fingerprint
        ): (org, project)
        for org, project in projects
    }
    # Longer and longer pauses (to 0.1 s): under load a wait can last, and a poll of many keys
    # costs CPU the refreshers need.
    return _await_refreshes(pending, backoff=True)


def _await_refreshes[T](
    pending: dict[str, T], *, backoff: bool, deadline: float | None = None
) -> dict[T, StatusMetrics]:
    """Poll the cache for the numbers under `pending`'s keys (each a cache key and what to
    return it as) until each is there or its refresher let go of its lock without numbers (its
    error, when it left one, `{key}:failed`, is returned as stale metrics, with the numbers
    a write marked `expired` if any),
    until `deadline` (monotonic; by default `METRICS_LOCK_SECONDS` from now); a 20 ms pause
    between polls, growing to 0.1 s with `backoff`."""
    pending, found = dict(pending), {}
    if deadline is None:
        deadline = time.monotonic() + settings.METRICS_LOCK_SECONDS
    pause = 0.02
    while pending and time.monotonic() < deadline:
        time.sleep(pause)
        if backoff:
            pause = min(pause * 1.5, 0.1)
        # Numbers (or a failed refresh's error) are stored before their lock is released: read
        # in this order, a missing lock with neither means the refresher gave up.
        read = cache.get_many(
            [*pending, *(f"{key}:{suffix}" for key in pending for suffix in ("lock", "failed"))]
        )
        for key in list(pending):
            # Numbers a write marked out of date (`expired`) are what is being refreshed.
            if (metrics := read.get(key)) and not metrics.expired:
                found[pending.pop(key)] = metrics
            elif f"{key}:lock" not in read:
                if failure := read.get(f"{key}:failed"):
                    # Its refresher failed a moment ago: its error, not one more call behind it
                    # (with the numbers it could not replace, stale).
                    found[pending[key]] = _failed_refresh(failure, metrics)
                del pending[key]
    return found
