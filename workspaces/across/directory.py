"""Every project a key can list (v1 `GET /v1/orgs`, then `GET /v1/orgs/{org}/projects` per org),
cached per key."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import Org, Page, Project
from workspaces.harness_threads import submit_harness_call

#: How long a directory with an org that failed (other than a 403) is kept.
DIRECTORY_RETRY_SECONDS = 15
#: Items per v1 page when walking every org and project (v1 allows up to 1000, contract §8).
DIRECTORY_PAGE_SIZE = 100
#: A safety cap on the projects kept (the filter's choices, the cache entry). Not
#: `ACROSS_MAX_PROJECTS`: that one bounds the projects one list reads (`AcrossQuery.chosen`),
#: and every project listed must stay reachable by choosing its org or itself.
DIRECTORY_MAX_PROJECTS = 5000


@dataclass(frozen=True)
class ProjectRef:
    """One project the key can list, with its org's and its own display names."""

    org: str
    org_name: str
    project: str
    name: str

    @property
    def key(self) -> str:
        """`org/project`: how filters, cache entries and retries name a project."""
        return f"{self.org}/{self.project}"


@dataclass(frozen=True)
class Directory:
    """The projects found, the orgs whose projects could not be listed, and whether there
    were more projects than `DIRECTORY_MAX_PROJECTS` (the rest are left out, and said so)."""

    projects: tuple[ProjectRef, ...]
    #: (org, message) for each org whose project list failed; its projects are missing.
    failed_orgs: tuple[tuple[str, str], ...] = ()
    #: The org list itself failed: nothing could be listed.
    error: str = ""
    truncated: bool = False

    @property
    def orgs(self) -> list[tuple[str, str]]:
        """(identifier, name) of each org with at least one listed project, in list order."""
        seen: dict[str, str] = {}
        for ref in self.projects:
            seen.setdefault(ref.org, ref.org_name)
        return list(seen.items())


def _all_pages[T](call, **kwargs) -> list[T]:
    """Every item of a v1 list, page after page (the pages are read in series: each says how
    many there are)."""
    items: list[T] = []
    page = 1
    while True:
        result: Page[T] = call(page=page, limit=DIRECTORY_PAGE_SIZE, **kwargs)
        items.extend(result.items)
        if not result.has_next or not result.items:
            return items
        page += 1


def _first_of_each[T](items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """Each item once (the first of those with the same `key`), in order. v1 lists are
    offset-paged (contract §8) and read page after page: an org or project created between two
    page reads shifts the next page by one, and the last item of a page comes again on the next.
    A project listed twice would be read twice, make its job never look complete (one answer
    for two entries) and be counted twice in the status across projects."""
    seen: dict[str, T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _directory_cache_key(client: HarnessClient, fingerprint: str) -> str:
    return f"directory:v1:{client.account_id}:{fingerprint}"


def visible_projects(*, client: HarnessClient, fingerprint: str, retry: bool = False) -> Directory:
    """Every project the key can list, by org, cached for `ACROSS_DIRECTORY_SECONDS`.

    The orgs are listed first; then each org's projects, the orgs in parallel. An org whose
    projects cannot be listed (403 for this key, Harness failing) is reported in `failed_orgs`
    and the others are still used. A 403 stays for as long as the key's rights do, so it is
    cached like the rest; a directory with another failure is kept `DIRECTORY_RETRY_SECONDS`
    only (long enough that the list's polls do not list every org again, short enough that
    "Try again" soon asks Harness again). `retry` (that "Try again") reads a directory with a
    failed org again at once. Raises HarnessUnauthorized (to the key page).
    """
    key = _directory_cache_key(client, fingerprint)
    cached: Directory | None = cache.get(key)
    if cached is not None and not (retry and cached.failed_orgs):
        return cached
    try:
        orgs: list[Org] = _all_pages(client.list_orgs)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError as err:
        return Directory(projects=(), error=harness_error_message(err))
    futures = [
        (org, submit_harness_call(_all_pages, client.list_projects, org=org.identifier))
        for org in _first_of_each(orgs, key=lambda org: org.identifier)
    ]
    projects: list[ProjectRef] = []
    failed: list[tuple[str, str]] = []
    retry_soon = False
    unauthorized = None
    for org, future in futures:
        try:
            found: list[Project] = future.result()
        except errors.HarnessUnauthorized as err:
            unauthorized = err
        except errors.HarnessError as err:
            failed.append((org.identifier, harness_error_message(err)))
            retry_soon = retry_soon or not isinstance(err, errors.HarnessForbidden)
        else:
            projects += [ProjectRef(org.identifier, org.name, p.identifier, p.name) for p in found]
    if unauthorized is not None:
        raise unauthorized
    projects = _first_of_each(projects, key=lambda ref: ref.key)
    limit = DIRECTORY_MAX_PROJECTS
    directory = Directory(
        projects=tuple(projects[:limit]), failed_orgs=tuple(failed), truncated=len(projects) > limit
    )
    seconds = DIRECTORY_RETRY_SECONDS if retry_soon else settings.ACROSS_DIRECTORY_SECONDS
    cache.set(key, directory, timeout=min(seconds, settings.ACROSS_DIRECTORY_SECONDS))
    return directory
