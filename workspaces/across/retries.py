"""A failed project of a cross-project list read again: its "Try again", or a page loaded once
Harness's Retry-After (or a few seconds) has passed (`reread_due`). The job's other answers stay.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache

from workspaces.across.directory import ProjectRef
from workspaces.across.fanout import (
    JobMeta,
    _is_truncated,
    _project_key,
    _publish,
    _run_ttl,
    _truncate_meta,
    _truncated_key,
    stale_after,
)
from workspaces.across.project_call import ProjectResult, failed_result, list_project
from workspaces.across.running import running_work
from workspaces.forms import ListQuery
from workspaces.harness import HarnessClient

logger = logging.getLogger("workspaces.across")


def project_retry(
    *,
    client: HarnessClient,
    base: str,
    meta: JobMeta,
    ref: ProjectRef,
    query: ListQuery,
    due_only: bool = False,
) -> bool:
    """Read one failed project of the job again, in the background; False when it is not a
    retryable failure of this job, or a retry of it is already running, or (`due_only`: a page
    loaded, not its Try again) when its `retry_at` has not come."""
    key = _project_key(base, meta["run"], ref.key)
    result: ProjectResult | None = cache.get(key)
    if result is None or result["state"] != "failed" or not result["retryable"]:
        return False
    if due_only and result.get("retry_at", 0.0) > time.time():
        return False
    if not cache.add(f"{key}:retry", 1, timeout=stale_after()):
        return False
    _publish(base, meta["run"], ref.key, {**result, "state": "pending"})
    # A finished job's answers are kept a while longer for the retry; a running one keeps its
    # run's lifetime (cut to ACROSS_CACHE_SECONDS, its meta could expire before it completes).
    cache.touch(base, settings.ACROSS_CACHE_SECONDS if meta["complete"] else _run_ttl())
    threading.Thread(
        target=contextvars.copy_context().run,
        args=(_retry, client, base, meta["run"], ref, query, result),
        name=f"across-retry-{meta['run']}",
        daemon=True,
    ).start()
    return True


def _retry(
    client: HarnessClient,
    base: str,
    run: str,
    ref: ProjectRef,
    query: ListQuery,
    failed: ProjectResult,
) -> None:
    """Read the project again and write its answer; if the worker exits meanwhile (`running`),
    its `failed` answer is put back instead (it would otherwise show as loading for good)."""
    retry_lock = f"{_project_key(base, run, ref.key)}:retry"

    def put_back() -> None:
        _publish(base, run, ref.key, failed)
        cache.delete(retry_lock)

    with running_work.running(put_back):
        try:
            result = list_project(client, ref, query)
        except Exception:  # a bug, not Harness: without this the project would stay "pending"
            logger.exception("listing %s across projects again failed", ref.key)
            result = failed_result("The portal failed to read this project.", retryable=True)
        if running_work.stopping.is_set():
            return  # abandoned: its failed answer was put back
        _publish(base, run, ref.key, result)
        cache.delete(retry_lock)
        if _is_truncated(result):
            _note_truncated(base, run)


def _note_truncated(base: str, run: str) -> None:
    """A retry's answer had more matches than were read: its first rows depend on the order,
    so another order must read the job again (`listing._job`). Marked for a coordinator still
    running, and written into the meta of a run that completed."""
    cache.set(_truncated_key(base, run), True, timeout=_run_ttl())
    _truncate_meta(base, run)


def reread_due(
    *,
    client: HarnessClient,
    base: str,
    meta: JobMeta,
    refs: Iterable[ProjectRef],
    query: ListQuery,
) -> bool:
    """Read again those of `refs` (the job's projects that failed and may be read again) whose
    `retry_at` has come, when a page is loaded; whether one is. Only while the job is young:
    a retry keeps it `ACROSS_CACHE_SECONDS` more, and a project failing for good must not keep
    the other projects' rows for ever."""
    if not meta["complete"] or time.time() - meta["started"] > settings.ACROSS_CACHE_SECONDS:
        return False
    started = False
    for ref in refs:
        started |= project_retry(
            client=client, base=base, meta=meta, ref=ref, query=query, due_only=True
        )
    return started
