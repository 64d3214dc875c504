"""The cross-project list's fan-out: one IaCM `GET .../workspaces` call per project, run once per
key and query, its state in the cache so that every replica can show (and wait for) it.

A *job* is keyed by account, key fingerprint, the key's `generation` (a write through the portal
starts a new one) and the query the calls depend on (never the page: paging the merged rows
makes no call). Its entries, all under the job's `base` key:

- `base`: `JobMeta` (the run id, the projects, the sort fetched with, complete or not);
- `base:lock`: the run id while its coordinator lives (`cache.add`: one fan-out per job, however
  many tabs and polls ask); released when its worker exits (`running`), or expiring when the
  replica running it was killed, and a later request then starts the job again;
- `base:<run>:version`: a counter, incremented after every project's answer (long polls wait
  for it to pass the `after` they last saw); it starts at the number of answers copied;
- `base:<run>:<org/project>`: that project's `ProjectResult` (rows as data, never HTML);
- `base:<run>:truncated`: set by a "Try again" whose answer has more matches than were read.

Outside `base`, `reuse.family(base):answer:<org/project>` points to that project's last reusable
answer for the key's query, whichever job wrote it (`reuse.note_answer`: the last one wins).

A new job copies the answers still fresh from the key's other jobs of the same query (`reuse`:
another project set, a run that expired) and reads only the others; it is fresh only until the
oldest copy turns `ACROSS_CACHE_SECONDS` old (`JobMeta.fresh_until`).

Each key has one writer: `job_start` writes the meta, the counter and the copied answers; the
coordinator writes each other project once and the meta when it ends; a "Try again"
(`retries`) rewrites its one project. No read-modify-write of a shared blob, but for
the meta's `truncated`, which a "Try again" sets on a job that completed (`_truncate_meta`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import functools
import logging
import secrets
import threading
import time
from collections.abc import Iterable
from typing import TypedDict

from django.conf import settings
from django.core.cache import cache

from workspaces.across import reuse
from workspaces.across.directory import ProjectRef
from workspaces.across.generation import across_key_prefix
from workspaces.across.project_call import ProjectResult, failed_result, list_project
from workspaces.across.running import running_work
from workspaces.across.slots import job_slots
from workspaces.feedback import PortalBusy
from workspaces.forms import ListQuery
from workspaces.harness import HarnessClient, errors

logger = logging.getLogger("workspaces.across")

#: How often a waiting request looks at the cache for progress made by another replica.
POLL_SECONDS = 0.02
CACHE_DOWN = (
    "The list across projects cannot be loaded right now: the portal's cache is not answering. "
    "Try again in a moment; each project's own workspace list still works."
)

# Wakes the waiting requests of this process as soon as one of its coordinators made progress
# (other replicas' progress is seen by polling the cache).
_progress = threading.Condition()


class JobMeta(TypedDict):
    run: str
    projects: list[str]
    sort: str
    started: float
    complete: bool
    #: Some project matched more than `PROJECT_LIMIT` (known once complete).
    truncated: bool
    refused: bool  # Harness refused the key (401): ended early, kept for this run's polls
    #: When its oldest copied answer (`reuse`) turns ACROSS_CACHE_SECONDS old: a page loaded
    #: then starts it again, though its meta is kept longer (`reuse.still_fresh`). None: none.
    fresh_until: float | None


def stale_after() -> float:
    """A job whose lock was not renewed for this long is presumed dead (its replica stopped):
    three client timeouts. A live coordinator renews it every quarter of that, answers or not."""
    return 3 * (settings.HARNESS_CONNECT_TIMEOUT + settings.HARNESS_READ_TIMEOUT)


def run_ttl() -> float:
    return settings.ACROSS_CACHE_SECONDS + stale_after()


def job_base(
    *,
    account: str,
    fingerprint: str,
    query: ListQuery,
    projects: Iterable[str],
    sort: str = "",
    generation: str = "",
) -> str:
    """The job's cache key: what the calls depend on (search, statuses, tags, the projects),
    not the page; `sort` only when the rows must be fetched again for another order; the key's
    `generation` (`generation`: a write through the portal starts a new one)."""
    # The query's digest, then the project set's and order's: jobs of one query share all but
    # the last part (`reuse.family`).
    query_digest = reuse.digest([query.q, sorted(query.status), sorted(query.tags)])
    job_digest = reuse.digest([sorted(projects), sort])
    return f"{across_key_prefix(account, fingerprint)}:{generation}:{query_digest}:{job_digest}"


def _version_key(base: str, run: str) -> str:
    return f"{base}:{run}:version"


def _project_key(base: str, run: str, project: str) -> str:
    return f"{base}:{run}:{project}"


def _truncated_key(base: str, run: str) -> str:
    return f"{base}:{run}:truncated"


def _is_truncated(result: ProjectResult) -> bool:
    """More matched than were read (or maybe more: no total for a full page)."""
    return result["state"] == "listed" and result["total"] != len(result["rows"])


def job_start(
    *,
    client: HarnessClient,
    base: str,
    fingerprint: str,
    refs: tuple[ProjectRef, ...],
    query: ListQuery,
    meta: JobMeta | None,
    reuse_age: float = 0.0,
    reread: str = "",
) -> JobMeta:
    """The job's meta, starting the fan-out when no live or recent one exists (`meta`: the
    job's meta as the caller just read it, or None). Single-flight: only the request that adds
    the lock starts it; the others read its meta. A new job copies the answers of the key's
    other jobs of this query read at most `reuse_age` seconds ago (but `reread`'s: a project's
    "Try again") and reads only the other projects; when there are none, it is complete at
    once and takes no job slot. Raises PortalBusy when this process runs
    `ACROSS_MAX_JOBS` jobs, or `ACROSS_MAX_JOBS_PER_KEY` of the key `fingerprint`'s (`slots`),
    and when the cache cannot store the job: its progress is read from the cache, so while Redis
    is down (its lock is then not taken, `portal.cache`) every poll would start it again and
    none would see it finish.
    """
    lock = f"{base}:lock"
    if meta is not None and (meta["complete"] or cache.get(lock) is not None):
        return meta
    run = secrets.token_hex(8)
    if not cache.add(lock, run, timeout=stale_after()):
        return meta or _meta_once_written(base)
    current: JobMeta | None = cache.get(base)
    if current is not None and current["complete"] and reuse.still_fresh(current):
        # It completed between the two reads above (the meta says so before the lock goes):
        # not dead, done. Nothing to start (unless a copy in it is too old: `reuse.still_fresh`).
        cache.delete(lock)
        return current
    reused = reuse.reusable_answers(
        base=base,
        projects=[ref.key for ref in refs],
        sort=query.sort,
        max_age=reuse_age,
        exclude=reread,
    )
    todo = tuple(ref for ref in refs if ref.key not in reused.answers)
    if todo and (refused := job_slots.take(fingerprint)) is not None:
        cache.delete(lock)
        raise refused
    meta = JobMeta(
        run=run,
        projects=[ref.key for ref in refs],
        sort=query.sort,
        started=time.time(),
        complete=not todo,
        truncated=any(_is_truncated(result) for result in reused.answers.values()),
        refused=False,
        fresh_until=reused.fresh_until,
    )
    # The copies count as answers: the counter starts past them (a first page shows them).
    entries = {_project_key(base, run, key): result for key, result in reused.answers.items()}
    entries |= {_version_key(base, run): len(reused.answers), base: meta}
    context = contextvars.copy_context()  # the request id, for the calls' log lines
    try:  # the slot goes back if the job does not start (a cache error, no thread left)
        if cache.set_many(entries, timeout=run_ttl()):
            raise PortalBusy(CACHE_DOWN)  # not stored (`portal.cache`: Redis is down)
        if not todo:  # every answer reused: complete, kept as a job that just ended is
            cache.touch(base, settings.ACROSS_CACHE_SECONDS)
            cache.delete(lock)
            return meta
        coordinate = functools.partial(_coordinate, reused=tuple(reused.answers))
        threading.Thread(
            target=context.run,
            args=(job_slots.run, fingerprint, coordinate, client, base, meta, todo, query),
            name=f"across-{run}",
            daemon=True,
        ).start()
    except BaseException:
        if todo:
            job_slots.give_back(fingerprint)
        with contextlib.suppress(Exception):  # free the job for the next request, if it can
            cache.delete(lock)
        raise
    return meta


def _meta_once_written(base: str) -> JobMeta:
    """The meta of a job another request is starting this instant (it holds the lock)."""
    deadline = time.monotonic() + 1.0
    while (meta := cache.get(base)) is None and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS / 4)
    if meta is None:
        raise errors.HarnessUnavailable("The cross-project list could not be started.")
    return meta


def _coordinate(
    client: HarnessClient,
    base: str,
    meta: JobMeta,
    refs: tuple[ProjectRef, ...],
    query: ListQuery,
    reused: tuple[str, ...] = (),
) -> None:
    """Run the calls of `refs` (the job's projects but those `reused`), at most
    `ACROSS_CONCURRENCY` at once on this job's own pool, and write each answer as it comes;
    the meta says complete at the end. After a 401 the calls not yet made are dropped (they
    would be refused too), the lock is no longer renewed, and the job ends `refused`: its polls
    still find the 401, a new page asks Harness again (`listing._job`), as the key may have
    been saved again meanwhile. When the worker exits meanwhile, the job is abandoned
    (`running`): its lock released, no more calls, not complete.
    """
    run, lock = meta["run"], f"{base}:lock"
    truncated, refused = meta["truncated"], False
    with (
        concurrent.futures.ThreadPoolExecutor(
            max_workers=settings.ACROSS_CONCURRENCY, thread_name_prefix="across-call"
        ) as pool,
        running_work.running(lambda: _abandon(lock, run, pool)),
    ):
        futures = {
            pool.submit(contextvars.copy_context().run, list_project, client, ref, query): ref
            for ref in refs
        }
        pending, renewed = set(futures), time.monotonic()
        while pending:
            # The lock is renewed on a clock (every quarter of its lifetime), not after every
            # answer: its two round trips would delay the next answer's publishing, and a
            # stretch with no answer (a slow Harness, retries) must not let it expire.
            done, pending = concurrent.futures.wait(
                pending, timeout=stale_after() / 4, return_when=concurrent.futures.FIRST_COMPLETED
            )
            if running_work.stopping.is_set():
                return  # abandoned: the lock is released, the job is not complete
            for future in done:
                ref = futures[future]
                try:
                    result = future.result()
                except Exception:  # a bug, not Harness: nobody else would hear of it here
                    logger.exception("listing %s across projects failed", ref.key)
                    result = failed_result(
                        "The portal failed to read this project.", retryable=True
                    )
                truncated = truncated or _is_truncated(result)
                if result["unauthorized"]:  # the key is refused: the calls to come would be
                    refused = True  # too, so they are dropped (those on their way still land)
                    pending = {other for other in pending if not other.cancel()}
                try:
                    _publish(base, run, ref.key, result, sort=meta["sort"])
                except Exception:  # the cache failed (a Redis timeout): the job goes on
                    logger.exception("writing %s's answer across projects failed", ref.key)
            stopping = running_work.stopping.is_set()  # never taken again once released
            if not (refused or stopping) and time.monotonic() - renewed >= stale_after() / 4:
                renewed = time.monotonic()
                answered = [*reused, *(futures[f].key for f in futures if f.done())]
                try:
                    # Extended while ours; taken again only when free: never written over the
                    # lock of a restart (a request that found this job presumed dead).
                    if not (cache.get(lock) == run and cache.touch(lock, stale_after())):
                        cache.add(lock, run, timeout=stale_after())
                    job_extend(base, meta, answered)
                except Exception:  # the cache failed: renewed at the next turn
                    logger.exception("renewing the job %s across projects failed", run)
    if (cache.get(base) or {}).get("run") == run:  # not replaced by a restart meanwhile
        # A refused run's answers stay for its own polls only, which show the 401.
        ended = {**meta, "complete": True, "truncated": truncated, "refused": refused}
        cache.set(base, ended, timeout=run_ttl() if refused else settings.ACROSS_CACHE_SECONDS)
        # The stored answers are this run's and its retries': a retry that read a project with
        # more matches while the job ran marked it; read after the meta is written, so that a
        # retry that found the meta not yet complete is not missed.
        if not truncated and cache.get(_truncated_key(base, run)):
            _truncate_meta(base, run)
    _publish_progress(base, run)  # a long poll that saw every project answer returns now
    if cache.get(lock) == run:
        cache.delete(lock)


def _abandon(lock: str, run: str, pool: concurrent.futures.Executor) -> None:
    """The exiting worker's end of a job (`running`): no more calls, the lock released."""
    pool.shutdown(wait=False, cancel_futures=True)
    if cache.get(lock) == run:
        cache.delete(lock)


def job_forget(*, base: str, run: str) -> None:
    """Drop the job `run`'s lock and meta (not a later run's): the next request starts it again.
    For a 401: once the key is saved again, the list asks Harness rather than the cache."""
    if cache.get(f"{base}:lock") == run:
        cache.delete(f"{base}:lock")
    if (cache.get(base) or {}).get("run") == run:
        cache.delete(base)


def job_extend(
    base: str, meta: JobMeta, answered: Iterable[str], meta_seconds: float | None = None
) -> None:
    """Keep a long job's entries (meta, counter, answers so far) for `run_ttl()` more: written
    once with that lifetime, they would expire under a job that runs longer (many projects, a
    slow Harness), its polls would find no job and its end would have no meta to complete.
    Also a finished job's, for its "Try again" (`retries`), its meta for `meta_seconds`."""
    run = meta["run"]
    if (cache.get(base) or {}).get("run") == run:  # not replaced by a restart meanwhile
        cache.touch(base, meta_seconds or run_ttl())
    for key in (_version_key(base, run), *(_project_key(base, run, p) for p in answered)):
        cache.touch(key, run_ttl())


def _publish(
    base: str, run: str, project: str, result: ProjectResult, *, sort: str | None = None
) -> None:
    """Write `project`'s answer; one read from Harness (fetched in `sort`) is also offered to
    the key's next jobs of this query (`reuse`)."""
    key = _project_key(base, run, project)
    cache.set(key, result, timeout=run_ttl())
    if sort is not None:
        reuse.note_answer(
            base=base,
            project=project,
            answer_key=key,
            result=result,
            sort=sort,
            truncated=_is_truncated(result),
            keep=run_ttl(),
        )
    _publish_progress(base, run)


def _publish_progress(base: str, run: str) -> None:
    with contextlib.suppress(ValueError):  # the counter expired: the job will start again
        cache.incr(_version_key(base, run))
    with _progress:
        _progress.notify_all()


def job_version(*, base: str, meta: JobMeta) -> int:
    """The job's progress counter: the same version means the same answers."""
    return cache.get(_version_key(base, meta["run"]), 0)


def job_read(*, base: str, meta: JobMeta) -> tuple[int, dict[str, ProjectResult]]:
    """The job's version and the answers so far, by `org/project` (one cache round trip)."""
    run = meta["run"]
    keys = {_project_key(base, run, project): project for project in meta["projects"]}
    found = cache.get_many([_version_key(base, run), *keys])
    version = found.pop(_version_key(base, run), 0)
    return version, {keys[key]: result for key, result in found.items()}


def job_wait(*, base: str, meta: JobMeta, after: int, seconds: float) -> tuple[JobMeta, int]:
    """Wait until the job's version passes `after` (a project answered, or the job completed)
    or `seconds` pass; returns the meta and version as they then are. Woken at once by this
    process's coordinators; polls the cache for progress made on other replicas."""
    deadline = time.monotonic() + seconds
    version_key = _version_key(base, meta["run"])
    while True:
        found = cache.get_many([base, version_key])
        meta, version = found.get(base) or meta, found.get(version_key, 0)
        remaining = deadline - time.monotonic()
        if version > after or remaining <= 0:
            return meta, version
        with _progress:
            _progress.wait(min(POLL_SECONDS, remaining))


def _truncate_meta(base: str, run: str) -> None:
    meta: JobMeta | None = cache.get(base)
    if (
        meta
        and meta["run"] == run
        and meta["complete"]
        and not (meta["truncated"] or meta["refused"])
    ):
        cache.set(base, {**meta, "truncated": True}, timeout=settings.ACROSS_CACHE_SECONDS)
