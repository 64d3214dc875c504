"""A failed project of a cross-project list read again: its "Try again", or a page loaded once
Harness's Retry-After (or a few seconds) has passed (`reread_due`). The job's other answers stay.
A job's retries in a process run on a pool of `ACROSS_CONCURRENCY` threads that takes a job
slot of the key while it has work, as a job does (`slots`).
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache

from workspaces.across.directory import ProjectRef
from workspaces.across.fanout import (
    JobMeta,
    _is_truncated,
    _project_key,
    _publish,
    _truncate_meta,
    _truncated_key,
    job_extend,
    run_ttl,
    stale_after,
)
from workspaces.across.project_call import ProjectResult, failed_result, list_project
from workspaces.across.running import running_work
from workspaces.across.slots import job_slots
from workspaces.feedback import PortalBusy
from workspaces.forms import ListQuery
from workspaces.harness import HarnessClient

logger = logging.getLogger("workspaces.across")


class _JobRetries:
    """The retries of one job in this process: at most `ACROSS_CONCURRENCY` at once, on a pool
    of their own, which holds one of the key's job slots (`slots`) while it has work: "Try
    again" pressed for every project of a list is one more list loading, not one thread each."""

    def __init__(self, run: str, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=settings.ACROSS_CONCURRENCY, thread_name_prefix=f"across-retry-{run}"
        )
        self.outstanding = 0


_runners: dict[tuple[str, str], _JobRetries] = {}
_runners_lock = threading.Lock()


def _submit(
    *, base: str, run: str, fingerprint: str, abandon: Callable[[], None], work: Callable[[], None]
) -> None:
    """Queue `work()` on the job's retries, taking a job slot for them when none run here
    (PortalBusy when the key or the process has none left). `abandon` is called if the worker
    exits before it ran (`running`)."""
    with _runners_lock:
        runner = _runners.get((base, run))
        if runner is None:
            if (refused := job_slots.take(fingerprint)) is not None:
                raise refused
            runner = _runners[(base, run)] = _JobRetries(run, fingerprint)
        runner.outstanding += 1
    token = running_work.add(abandon)

    def run_it() -> None:
        try:
            if not running_work.stopping.is_set():  # abandoned while queued: put back already
                work()
        finally:
            running_work.done(token)
            _done(base, run, runner)

    try:
        runner.pool.submit(contextvars.copy_context().run, run_it)
    except BaseException:  # not queued (no thread left): nothing holds the slot for it
        running_work.done(token)
        _done(base, run, runner)
        raise


def _done(base: str, run: str, runner: _JobRetries) -> None:
    """One retry of the job ended: the last one closes its pool and frees its slot."""
    with _runners_lock:
        runner.outstanding -= 1
        if runner.outstanding:
            return
        del _runners[(base, run)]
    runner.pool.shutdown(wait=False)
    job_slots.give_back(runner.fingerprint)


def project_retry(
    *,
    client: HarnessClient,
    fingerprint: str,
    base: str,
    meta: JobMeta,
    ref: ProjectRef,
    query: ListQuery,
    due_only: bool = False,
    extend: bool = True,
) -> bool:
    """Read one failed project of the job again, in the background (`_submit`); False when it
    is not a retryable failure of this job, or a retry of it is already running, or
    (`due_only`: a page loaded, not its Try again) when its `retry_at` has not come. Raises
    PortalBusy when the key `fingerprint` has no job slot left for the job's retries. With
    `extend` (one project read again) the job is kept longer (`_keep_for_retry`); a caller
    reading several again (`reread_due`) does that once after them."""
    run = meta["run"]
    key = _project_key(base, run, ref.key)
    result: ProjectResult | None = cache.get(key)
    if result is None or result["state"] != "failed" or not result["retryable"]:
        return False
    if due_only and result.get("retry_at", 0.0) > time.time():
        return False
    retry_lock = f"{key}:retry"
    if not cache.add(retry_lock, 1, timeout=stale_after()):
        return False

    def put_back() -> None:
        _publish(base, run, ref.key, result)
        cache.delete(retry_lock)

    try:
        _publish(base, run, ref.key, {**result, "state": "pending"})
        if extend:
            _keep_for_retry(base, meta)
        _submit(
            base=base,
            run=run,
            fingerprint=fingerprint,
            abandon=put_back,
            work=functools.partial(_retry, client, base, run, ref, query, retry_lock),
        )
    except BaseException:
        put_back()  # "Try again" is offered again
        raise
    return True


def _keep_for_retry(base: str, meta: JobMeta) -> None:
    """A finished job is kept a while longer for its retries: its meta ACROSS_CACHE_SECONDS,
    its counter and every project's answer its run's lifetime (none expires under the meta:
    the list would be read again whole). A running one keeps its run's lifetime (cut to
    ACROSS_CACHE_SECONDS, its meta could expire before it completes). One call renews every
    answer, however many of the job's projects are read again."""
    seconds = settings.ACROSS_CACHE_SECONDS if meta["complete"] else run_ttl()
    job_extend(base, meta, meta["projects"], meta_seconds=seconds)


def _retry(
    client: HarnessClient, base: str, run: str, ref: ProjectRef, query: ListQuery, retry_lock: str
) -> None:
    """Read the project again and write its answer; if the worker exits meanwhile (`running`),
    its failed answer is put back instead (it would otherwise show as loading for good)."""
    try:
        result = list_project(client, ref, query)
    except Exception:  # a bug, not Harness: without this the project would stay "pending"
        logger.exception("listing %s across projects again failed", ref.key)
        result = failed_result("The portal failed to read this project.", retryable=True)
    if running_work.stopping.is_set():
        return  # abandoned: its failed answer was put back
    _publish(base, run, ref.key, result, sort=query.sort)
    cache.delete(retry_lock)
    if _is_truncated(result):
        _note_truncated(base, run)


def _note_truncated(base: str, run: str) -> None:
    """A retry's answer had more matches than were read: its first rows depend on the order,
    so another order must read the job again (`listing._job`). Marked for a coordinator still
    running, and written into the meta of a run that completed."""
    cache.set(_truncated_key(base, run), True, timeout=run_ttl())
    _truncate_meta(base, run)


def reread_due(
    *,
    client: HarnessClient,
    fingerprint: str,
    base: str,
    meta: JobMeta,
    refs: Iterable[ProjectRef],
    query: ListQuery,
) -> bool:
    """Read again those of `refs` (the job's projects that failed and may be read again) whose
    `retry_at` has come, when a page is loaded; whether one is. Only while the job is young:
    a retry keeps it `ACROSS_CACHE_SECONDS` more, and a project failing for good must not keep
    the other projects' rows for ever. With no job slot left, the rest stay failed, each with
    its Try again."""
    if not meta["complete"] or time.time() - meta["started"] > settings.ACROSS_CACHE_SECONDS:
        return False
    started = False
    for ref in refs:
        try:
            started |= project_retry(
                client=client,
                fingerprint=fingerprint,
                base=base,
                meta=meta,
                ref=ref,
                query=query,
                due_only=True,
                extend=False,
            )
        except PortalBusy:
            break
    if started:
        _keep_for_retry(base, meta)
    return started
