"""The cross-project list's page: the job's answers merged, sorted and paged, and what is
missing from them said (projects still loading, failed, or with more matches than were read)."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from workspaces.across import fanout, retries, reuse
from workspaces.across.directory import Directory, ProjectRef
from workspaces.across.forms import AcrossQuery
from workspaces.across.generation import key_generation
from workspaces.across.merging import Merged, merged_answers
from workspaces.across.project_call import RowData
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import Page, WorkspaceSummary
from workspaces.selectors import WorkspaceRow, project_tags_key, workspace_row

#: How long a long poll (`after=`) waits for another project to answer before it re-renders.
LONG_POLL_SECONDS = 2.0
#: Once a project answered, how long a long poll waits for the others answering with it.
GATHER_SECONDS = 0.02


class AcrossRow(WorkspaceRow):
    """A workspace table row with its org and project, each linked to its own list."""

    org: str
    org_url: str
    project: str
    project_url: str


@dataclass(frozen=True)
class ProjectNote:
    """A project whose workspaces are not all shown: failed (`error`), or more matches than
    were read (`total` > `shown`; None when Harness sent no total for a full page)."""

    ref: ProjectRef
    url: str
    error: str = ""
    retryable: bool = False
    denied: bool = False
    total: int | None = 0
    shown: int = 0


@dataclass(frozen=True)
class AcrossResult:
    """One page of the merged rows, and how far the fan-out is."""

    page: Page[AcrossRow]
    projects: int
    done: int
    #: Every project answered (none is being read again): the page stops asking for more.
    complete: bool
    #: The job's progress counter: the next long poll waits for it to pass this.
    version: int
    failed: tuple[ProjectNote, ...] = ()
    truncated: tuple[ProjectNote, ...] = ()
    #: Projects the query names past `ACROSS_MAX_PROJECTS`: not read (the page says so).
    left_out: int = 0

    @property
    def all_failed(self) -> bool:
        return self.complete and len(self.failed) == self.projects

    @property
    def in_scope(self) -> int:
        """The projects the query names: those read and those left out."""
        return self.projects + self.left_out


def _job(
    *,
    client: HarnessClient,
    fingerprint: str,
    refs: tuple[ProjectRef, ...],
    query: AcrossQuery,
    poll: bool,
    retry: str = "",
) -> tuple[str, fanout.JobMeta]:
    """The job for `query` over `refs`, started if needed: sorting reuses the fetched rows,
    unless a project had more matches than were read (its first rows depend on the order).
    A job Harness refused the key for is the answer to its polls only: any other request
    (`poll` False) forgets it and starts again, as the key may have been saved again.
    A job started copies the key's answers to this query still fresh (`reuse`); for a
    project's "Try again" (`retry`, read again whatever it answered) any still kept: the job it
    was pressed in may have expired while the person read its errors, not the rows on screen.
    A complete job whose copies have turned older than `ACROSS_CACHE_SECONDS` since
    (`reuse.still_fresh`) is started again for a page loaded, reading only those; a poll or a
    "Try again" keeps it."""
    shape = {
        "account": client.account_id,
        "fingerprint": fingerprint,
        "query": query,
        "generation": key_generation(account=client.account_id, fingerprint=fingerprint),
    }
    base = fanout.job_base(**shape, projects=[ref.key for ref in refs])
    known: fanout.JobMeta | None = cache.get(base)
    if known and known.get("refused") and not poll:
        fanout.job_forget(base=base, run=known["run"])
        known = None
    loaded = not (poll or retry)  # a page loaded (or a filter change)
    known = _kept(known, loaded=loaded)
    if known and known["complete"]:
        if not known["truncated"] or known["sort"] == query.sort:
            return base, known  # warm: nothing to start
        base = fanout.job_base(**shape, projects=[ref.key for ref in refs], sort=query.sort)
        known = _kept(cache.get(base), loaded=loaded)
    started = fanout.job_start(
        client=client,
        base=base,
        fingerprint=fingerprint,
        refs=refs,
        query=query,
        meta=known,
        reuse_age=fanout.run_ttl() if retry else settings.ACROSS_CACHE_SECONDS,
        reread=retry,
    )
    return base, started


def _kept(meta: fanout.JobMeta | None, *, loaded: bool) -> fanout.JobMeta | None:
    """`meta`, but None for a page `loaded` when the job is complete and an answer it copied
    has turned older than ACROSS_CACHE_SECONDS since (`reuse.still_fresh`): `job_start` then
    starts it again, reading only those."""
    if loaded and meta and meta["complete"] and not reuse.still_fresh(meta):
        return None
    return meta


def across_page(
    *,
    client: HarnessClient,
    fingerprint: str,
    directory: Directory,
    query: AcrossQuery,
    after: int | None = None,
    retry: str = "",
    wait: bool = True,
    reread_failed: bool = False,
) -> AcrossResult:
    """A page of every chosen project's workspaces (one IaCM `GET .../workspaces` per project,
    made once per key and query by a background job shared through the cache).

    With `wait`, waits for the job to progress: past `after` for a long poll (at most
    `LONG_POLL_SECONDS`); when nothing of the job is shown yet (`after` None or 0), until a
    project answers with rows (at most the client's read timeout). Without (a page: shown at
    once, its first long poll brings the rows), not at all. `retry` (an `org/project` of the
    job that failed) is read again first. With `reread_failed` (a page loaded), the projects of
    a complete job that failed and may be read again are, once their `retry_at` has come (the
    rest of the job is kept: one 429 or 503 does not read every project again). Raises
    HarnessUnauthorized when Harness refused the key (to the key page), and forgets the job:
    once the key is saved again, the next request asks Harness rather than finding the refusal.
    """
    scope = query.scope(directory)
    refs = query.chosen(directory)
    left_out = len(scope) - len(refs)
    if not refs:
        return AcrossResult(page=_page([], query), projects=0, done=0, complete=True, version=0)
    by_key = {ref.key: ref for ref in refs}
    base, meta = _job(
        client=client,
        fingerprint=fingerprint,
        refs=refs,
        query=query,
        poll=after is not None,
        retry=retry if retry in by_key else "",
    )
    if retry in by_key:
        fetched = dataclasses.replace(query, sort=meta["sort"])
        retries.project_retry(
            client=client,
            fingerprint=fingerprint,
            base=base,
            meta=meta,
            ref=by_key[retry],
            query=fetched,
        )
    if wait and not after and not retry:  # nothing of this job is on screen yet
        meta, version, merged = _first_rows(base=base, meta=meta, sort=query.sort)
    else:
        version = None
        if wait and after:
            meta, version = fanout.job_wait(
                base=base, meta=meta, after=after, seconds=LONG_POLL_SECONDS
            )
            if version > after and not meta["complete"]:
                # Projects answer in waves of ACROSS_CONCURRENCY: let the rest of this wave
                # land, so one poll (one render of the table) carries it, not one per project.
                time.sleep(GATHER_SECONDS)
                meta, version = fanout.job_wait(base=base, meta=meta, after=after, seconds=0)
        version, merged = merged_answers(base=base, meta=meta, sort=query.sort, version=version)
        failed = [by_key[key] for key, _, retryable, _ in merged.failed if retryable]
        if reread_failed and failed and not retry:
            fetched = dataclasses.replace(query, sort=meta["sort"])
            if retries.reread_due(
                client=client,
                fingerprint=fingerprint,
                base=base,
                meta=meta,
                refs=failed,
                query=fetched,
            ):
                version, merged = merged_answers(
                    base=base, meta=meta, sort=query.sort, version=None
                )
    if merged.unauthorized:  # to the key page; the job is not kept with the refusal in it
        fanout.job_forget(base=base, run=meta["run"])
        raise errors.HarnessUnauthorized(merged.unauthorized, status=401)
    # Part of a finished job expired before the rest: read everything again (unless another
    # request already started that again: its job is left alone).
    expired = meta["complete"] and merged.answered < len(meta["projects"])
    if expired and (cache.get(base) or {}).get("run") == meta["run"]:
        cache.delete(base)
    # The order changed while the job ran, and a project had more matches than were read: its
    # first rows in this order are others. The job for this order (`_job`) takes over.
    reordered = meta["complete"] and meta["truncated"] and meta["sort"] != query.sort
    if expired or reordered:
        return across_page(
            client=client, fingerprint=fingerprint, directory=directory, query=query, wait=wait
        )
    result = _result(meta=meta, version=version, merged=merged, by_key=by_key, query=query)
    return dataclasses.replace(result, left_out=left_out)


def _first_rows(
    *, base: str, meta: fanout.JobMeta, sort: str
) -> tuple[fanout.JobMeta, int, Merged]:
    """Wait (at most the client's read timeout) until a project answered with rows, or every
    project answered, or Harness refused the key: a first page with nothing to show but
    "0 of 40" helps nobody."""
    deadline = time.monotonic() + settings.HARNESS_READ_TIMEOUT
    version = None
    while True:
        remaining = deadline - time.monotonic()
        if not meta["complete"]:
            meta, version = fanout.job_wait(
                base=base, meta=meta, after=version or 0, seconds=max(remaining, 0)
            )
        version, merged = merged_answers(base=base, meta=meta, sort=sort, version=version)
        if meta["complete"] or remaining <= 0 or merged.entries or merged.unauthorized:
            return meta, version, merged


def _result(
    *,
    meta: fanout.JobMeta,
    version: int,
    merged: Merged,
    by_key: dict[str, ProjectRef],
    query: AcrossQuery,
) -> AcrossResult:
    # Each list URL reversed once per request (a page repeats few projects many times).
    links = functools.cache(lambda route, *args: reverse(route, args=args))

    def url(key: str) -> str:
        return links("workspace_list", by_key[key].org, by_key[key].project)

    start = (query.page - 1) * query.limit
    rows = _rows(merged.entries[start : start + query.limit], by_key=by_key, links=links)
    projects = len(meta["projects"])
    return AcrossResult(
        page=dataclasses.replace(_page(merged.entries, query), items=tuple(rows)),
        projects=projects,
        done=projects - merged.pending,
        complete=meta["complete"] and merged.pending == 0,
        version=version,
        failed=tuple(
            ProjectNote(by_key[key], url(key), error, retryable, denied)
            for key, error, retryable, denied in merged.failed
        ),
        truncated=tuple(
            ProjectNote(by_key[key], url(key), total=total, shown=shown)
            for key, total, shown in merged.truncated
        ),
    )


def _page(entries: list, query: AcrossQuery) -> Page:
    return Page.build([], page=query.page, limit=query.limit, total_items=len(entries))


def _rows(
    shown: list[tuple[str, RowData]],
    *,
    by_key: dict[str, ProjectRef],
    links: Callable[..., str],
) -> list[AcrossRow]:
    """Table rows for one page only (the others are never formatted)."""
    now, tz = timezone.now(), timezone.get_current_timezone()
    rows = []
    for key, data in shown:
        ref = by_key[key]
        updated = data["updated"]
        summary = WorkspaceSummary(
            identifier=data["identifier"],
            name=data["name"],
            status=data["status"],
            org=ref.org,
            project=ref.project,
            description=data["description"],
            updated=datetime.datetime.fromtimestamp(updated, datetime.UTC) if updated else None,
        )
        project_url = links("workspace_list", ref.org, ref.project)
        row = workspace_row(summary, list_url=project_url, now=now, tz=tz)
        rows.append(
            AcrossRow(
                **row,
                org=ref.org,
                org_url=links("project_list", ref.org),
                project=ref.project,
                project_url=project_url,
            )
        )
    return rows


def across_tag_choices(
    *, client: HarnessClient, fingerprint: str, directory: Directory
) -> list[str]:
    """The tags of the projects whose tag list is cached (from their own list pages): the tag
    filter's suggestions, with no Harness call (reading every project's tags would be one
    more fan-out)."""
    keys = [
        project_tags_key(
            account=client.account_id, fingerprint=fingerprint, org=ref.org, project=ref.project
        )
        for ref in directory.projects
    ]
    return sorted({tag for tags in cache.get_many(keys).values() for tag in tags})
