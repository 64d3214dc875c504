"""Answers a new cross-project job takes from the key's earlier ones instead of asking Harness
again: a project listed (or refused with 403) for the same search, statuses and tags, recently.

A job is keyed by its whole project set (`fanout.job_base`), so a list over another set (an
org's "Try again" that brought its projects in, an org or project chosen or cleared) or a run
started again (its meta expired: a person read the errors before pressing a project's "Try
again") would otherwise read every project again. Each project's last reusable answer is
pointed to, per key, generation and query (`family`): `note_answer` when it is written,
`reusable_answers` when a job starts, which copies the answers still young enough into the new
run (`fanout.job_start`) and reads only the others. A failure that may be read again is never
reused: that is what the new job, or the "Try again", is for.

A copied answer keeps the age it was read at: a page loaded reuses only answers younger than
`ACROSS_CACHE_SECONDS` (after that, a reload reads everything again, the cache's purpose), and
the new job is fresh only until its oldest copy turns that old (`Reused.fresh_until`: a page
loaded after then starts it again, `listing._job`, though its meta is kept longer); a "Try
again" reuses any still kept (`fanout.run_ttl()`: the rows that were on screen).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, TypedDict

from django.conf import settings
from django.core.cache import cache

from workspaces.across.project_call import ProjectResult


class _Pointer(TypedDict):
    key: str  # the run's answer entry (`fanout._project_key`)
    read_at: float
    sort: str  # the order it was fetched in
    truncated: bool  # more matched than were read: its rows depend on `sort`


class Reused(NamedTuple):
    """What a new job copies (`reusable_answers`)."""

    answers: dict[str, ProjectResult]  # by `org/project`
    oldest: float | None  # when the oldest of them was read (None: none)

    @property
    def fresh_until(self) -> float | None:
        """When the oldest copy turns `ACROSS_CACHE_SECONDS` old (None: nothing copied)."""
        return None if self.oldest is None else self.oldest + settings.ACROSS_CACHE_SECONDS


def still_fresh(meta: Mapping[str, Any]) -> bool:
    """Whether no answer a job copied is older than `ACROSS_CACHE_SECONDS` yet (its meta's
    `fresh_until`; a job that copied none is fresh while kept, as a job that just ended is)."""
    fresh_until = meta.get("fresh_until")
    return fresh_until is None or time.time() < fresh_until


def digest(shape: list) -> str:
    """A short digest of `shape`: a part of a job's `base` (`fanout.job_base`)."""
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]


def family(base: str) -> str:
    """What jobs of one key, generation and query share: their `base` but the project set and
    order (`fanout.job_base` puts those last)."""
    return base.rpartition(":")[0]


def _pointer_key(base: str, project: str) -> str:
    return f"{family(base)}:answer:{project}"


def reusable(result: ProjectResult) -> bool:
    """Listed, or refused for good (403: the key's rights); never one to read again, nor a 401."""
    if result["unauthorized"] or result["state"] == "pending":
        return False
    return result["state"] == "listed" or (result["denied"] and not result["retryable"])


def note_answer(
    *,
    base: str,
    project: str,
    answer_key: str,
    result: ProjectResult,
    sort: str,
    truncated: bool,
    keep: float,
) -> None:
    """`result` (written at `answer_key` for `keep` seconds) is now `project`'s answer to reuse."""
    if reusable(result):
        pointer = _Pointer(key=answer_key, read_at=time.time(), sort=sort, truncated=truncated)
        cache.set(_pointer_key(base, project), pointer, timeout=keep)


def reusable_answers(
    *, base: str, projects: Iterable[str], sort: str, max_age: float, exclude: str = ""
) -> Reused:
    """The answers of `projects` (but `exclude`: the project a "Try again" reads again) read at
    most `max_age` seconds ago for the job `base`'s query, by `org/project`; one with more
    matches than were read only when fetched in `sort` (its first rows depend on the order).
    With when the oldest of them was read."""
    keys = {_pointer_key(base, project): project for project in projects if project != exclude}
    if not keys or max_age <= 0:
        return Reused({}, None)
    now = time.time()
    wanted = {
        pointer["key"]: (keys[key], pointer["read_at"])
        for key, pointer in cache.get_many(list(keys)).items()
        if now - pointer["read_at"] <= max_age
        and (not pointer["truncated"] or pointer["sort"] == sort)
    }
    found = cache.get_many(list(wanted)) if wanted else {}
    kept = {key: result for key, result in found.items() if reusable(result)}
    return Reused(
        {wanted[key][0]: result for key, result in kept.items()},
        min((wanted[key][1] for key in kept), default=None),
    )
