"""A cross-project job's answers merged into one sorted list, once per version (`_RECENT`: a
version's answers never change, so a warm request or a long poll with nothing new reads one
counter, not every project's rows)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from workspaces.across import fanout
from workspaces.across.project_call import ProjectResult, RowData


@dataclass(frozen=True)
class Merged:
    """A job's answers at one version, merged and sorted (the same for every page)."""

    entries: list[tuple[str, RowData]]
    #: (org/project, message, retryable, denied) of each project that failed.
    failed: list[tuple[str, str, bool, bool]]
    #: (org/project, total, shown) of each project with more matches than were read.
    truncated: list[tuple[str, int | None, int]]
    answered: int
    pending: int
    unauthorized: str


class RecentMerges:
    """Merged answers by (job, run, version, sort), most recent last, per process. A version's
    answers never change, so a warm request or a long poll with nothing new reads one counter
    instead of every project's rows. Bounded by what the entries hold: their rows and notes, and
    one for each entry itself (answers without rows count too)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._items: OrderedDict[tuple[str, str, int, str], Merged] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[str, str, int, str]) -> Merged | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, int, str], merged: Merged) -> None:
        with self._lock:
            replaced = self._items.pop(key, None)
            self._items[key] = merged
            self._held += _weight(merged) - (_weight(replaced) if replaced else 0)
            while self._held > self.limit and len(self._items) > 1:
                self._held -= _weight(self._items.popitem(last=False)[1])


def _weight(merged: Merged) -> int:
    return 1 + len(merged.entries) + len(merged.failed) + len(merged.truncated)


_RECENT = RecentMerges(limit=50_000)


def merged_answers(
    *, base: str, meta: fanout.JobMeta, sort: str, version: int | None
) -> tuple[int, Merged]:
    if version is None:
        version = fanout.job_version(base=base, meta=meta)
    found = _RECENT.get((base, meta["run"], version, sort))
    if found is not None:
        return version, found
    version, results = fanout.job_read(base=base, meta=meta)
    merged = merge(meta=meta, results=results, sort=sort)
    _RECENT.put((base, meta["run"], version, sort), merged)
    return version, merged


def merge(*, meta: fanout.JobMeta, results: dict[str, ProjectResult], sort: str) -> Merged:
    failed, truncated, entries = [], [], []
    pending, unauthorized = len(meta["projects"]) - len(results), ""
    for key in meta["projects"]:
        result = results.get(key)
        if result is None:
            continue
        if result["unauthorized"]:
            unauthorized = result["error"]
        if result["state"] == "pending":
            pending += 1  # being read again: counted as to come, not shown as failed
        elif result["error"]:
            failed.append((key, result["error"], result["retryable"], result["denied"]))
        elif result["total"] != len(result["rows"]):  # more, or None: maybe more
            truncated.append((key, result["total"], len(result["rows"])))
        entries += [(key, row) for row in result["rows"]]
    column, _, direction = sort.partition(",")
    if column == "name":
        entries.sort(key=lambda e: (e[1]["name_key"], e[1]["identifier"], e[0]))
    else:
        entries.sort(key=lambda e: (e[1]["updated"] or 0.0, e[1]["identifier"], e[0]))
    if direction == "DESC":
        entries.reverse()
    return Merged(entries, failed, truncated, len(results), pending, unauthorized)
