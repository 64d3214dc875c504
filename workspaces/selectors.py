"""Reads the views need. Each returns what a template can show, including a designed failure."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from dataclasses import dataclass
from typing import Any, TypedDict
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.timesince import timesince

from workspaces.feedback import harness_error_message
from workspaces.forms import ListQuery
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import Org, Page, Project, Workspace, WorkspaceSummary
from workspaces.harness_threads import submit_harness_call


@dataclass(frozen=True)
class Loaded[T]:
    """A page from Harness, or the message to show in its place (with a retry when it helps)."""

    page: Page[T] | None
    error: str = ""
    retryable: bool = False
    not_found: bool = False
    #: Harness refused the key (403): out of its sight now, like one `not_found`.
    forbidden: bool = False
    #: The workspace whose identifier is the search term (shown first; the search matches names).
    exact: WorkspaceRow | None = None
    #: The rows' place in the list Harness returned, e.g. "Showing 31–60 of 1,800" (the row
    #: `exact` adds is not one of them); "" without rows.
    summary: str = ""


def _load(call, **kwargs: Any) -> Loaded:
    """Run one Harness read; failures become a message. 401 propagates (to the key page)."""
    try:
        return Loaded(page=call(**kwargs))
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessNotFound as err:
        return Loaded(page=None, error=harness_error_message(err), not_found=True)
    except errors.HarnessForbidden as err:
        return Loaded(page=None, error=harness_error_message(err), forbidden=True)
    except errors.HarnessError as err:
        return Loaded(page=None, error=harness_error_message(err), retryable=True)


@dataclass(frozen=True)
class Choice:
    """An org or project in a chooser; `url` is "" when the portal's routes cannot address its
    identifier (Harness allows a few that our URLs do not), so it is listed without a link."""

    identifier: str
    name: str
    description: str
    url: str


def _choices(loaded: Loaded[Org] | Loaded[Project], route: str, *args: str) -> Loaded[Choice]:
    if loaded.page is None:
        return loaded
    choices = []
    for item in loaded.page.items:
        try:
            url = reverse(route, args=[*args, item.identifier])
        except NoReverseMatch:
            url = ""
        choices.append(Choice(item.identifier, item.name, item.description, url))
    return Loaded(page=dataclasses.replace(loaded.page, items=tuple(choices)))


def org_page(*, client: HarnessClient, search: str, page: int) -> Loaded[Choice]:
    """Orgs the key can see (v1 `GET /v1/orgs`), 20 a page, each linked to its projects."""
    loaded = _load(client.list_orgs, search=search, page=page, limit=20)
    return _choices(loaded, "project_list")


def project_page(*, client: HarnessClient, org: str, search: str, page: int) -> Loaded[Choice]:
    """Projects of `org` (v1 `GET /v1/orgs/{org}/projects`), 20 a page, each linked to its
    workspaces."""
    loaded = _load(client.list_projects, org=org, search=search, page=page, limit=20)
    return _choices(loaded, "workspace_list", org)


def _how_many(page: Page[Any], noun: str) -> str:
    """How many items `page`'s list holds, in words: Harness's total ("25 organisations"), or,
    without one and a full page, what is known ("at least 20 organisations")."""
    total = page.known_total
    return f"{total} {noun}" if total is not None else f"at least {len(page.items)} {noun}"


def key_reach(*, client: HarnessClient) -> str:
    """What a key without account view rights can reach, in words ("the project default /
    sandbox", "2 organisations: a, b", "25 organisations, among them a, b, ..."), from v1
    `GET /v1/orgs` and, for one org, its projects (one page each: the count is Harness's total,
    `X-Total-Elements`); "" when it can list no organisation or project (403 or 404, or none).

    Raises the other HarnessErrors (401, 429, 5xx, timeouts): an outage is not a key that
    reaches nothing, and the key page says the key could not be checked."""
    try:
        orgs = client.list_orgs(search="", page=1, limit=20)
        if len(orgs.items) != 1 or orgs.known_total != 1:
            if not orgs.items:
                return ""
            names = ", ".join(org.identifier for org in orgs.items)
            listed = ": " if orgs.known_total == len(orgs.items) else ", among them "
            return _how_many(orgs, "organisations") + listed + names
        org = orgs.items[0].identifier
        projects = client.list_projects(org=org, search="", page=1, limit=20)
    except (errors.HarnessForbidden, errors.HarnessNotFound):
        return ""
    if len(projects.items) == 1 and projects.known_total == 1:
        return f"the project {org} / {projects.items[0].identifier}"
    return f"the organisation {org} ({_how_many(projects, 'projects')})"


def status_label(status: str) -> str:
    """`apply_needed` → `Apply needed`: Harness status values as people read them."""
    return str(status).replace("_", " ").capitalize()


PROVISIONER_LABELS = {
    "opentofu": "OpenTofu",
    "terraform": "Terraform",
    "terragrunt": "Terragrunt",
    "awscdk": "AWS CDK",
}


def provisioner_label(provisioner: str) -> str:
    """`opentofu` → `OpenTofu`: Harness's provisioner values by their names."""
    return PROVISIONER_LABELS.get(provisioner, provisioner)


class WorkspaceRow(TypedDict):
    """One row of the workspace table, every value ready to print.

    A dict, not a dataclass: the template engine tries a dict lookup first for `row.name`, and
    on an object that lookup fails with an exception before the attribute is read; on the 30
    rows x 10 values of a page that is 0.2 ms of the list partial's 6 ms CPU budget (issue 13).
    """

    url: str
    #: The id of the row's name link (its org and project links add "-org", "-project"):
    #: htmx puts the focus back on the new copy of a link when a poll or sort redraws the rows.
    link_id: str
    name: str
    identifier: str
    status: str
    status_label: str
    description: str
    short_description: str
    updated_iso: str
    updated_title: str
    updated_ago: str


# An identifier's characters an id keeps as they are; each other one becomes "_<hex>_" (an "_"
# too), so parts joined with "-" give each workspace its own id, and a CSS selector needs no
# escape. Harness's workspace identifiers may hold "$", "-" and more.
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9]")


# Cached: the same identifiers come back on every redraw of a list, and escaping them anew cost
# 87 us of CPU per 30-row page here against 18 us cached (the list partial's budget is 6 ms).
@functools.lru_cache(maxsize=4096)
def _id_part(text: str) -> str:
    return _ID_UNSAFE.sub(lambda match: f"_{ord(match[0]):x}_", text)


def workspace_link_id(workspace: WorkspaceSummary) -> str:
    """`ws-<org>-<project>-<identifier>`, each part escaped: unique in a page, stable across
    its redraws."""
    parts = (workspace.org, workspace.project, workspace.identifier)
    return "ws-" + "-".join(_id_part(part) for part in parts)


def workspace_row(
    workspace: WorkspaceSummary,
    *,
    list_url: str,
    now: datetime.datetime,
    tz: datetime.tzinfo,
) -> WorkspaceRow:
    """The table row for `workspace`; its page is the list's URL + identifier + "/"."""
    description = workspace.description
    iso = title = ago = ""
    if workspace.updated:
        local = workspace.updated.astimezone(tz)
        iso = local.isoformat()
        title = f"{iso[:10]} {iso[11:19]} {local.tzname() or ''}".rstrip()
        ago = "just now" if (now - local).total_seconds() < 60 else f"{timesince(local, now)} ago"
    return WorkspaceRow(
        url=f"{list_url}{quote(workspace.identifier, safe='')}/",
        link_id=workspace_link_id(workspace),
        name=workspace.name,
        identifier=workspace.identifier,
        status=workspace.status,
        status_label=status_label(workspace.status),
        description=description,
        short_description=description if len(description) <= 80 else description[:79] + "…",
        updated_iso=iso,
        updated_title=title,
        updated_ago=ago,
    )


# What a search term must look like to be tried as a workspace identifier too.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")


def looks_like_identifier(search: str) -> bool:
    """Whether a project's list tries `search` as a workspace identifier too (see below)."""
    return bool(_IDENTIFIER.fullmatch(search))


def workspace_page(
    *, client: HarnessClient, org: str, project: str, query: ListQuery
) -> Loaded[WorkspaceRow]:
    """One page of the project's workspaces (IaCM `GET .../workspaces`), as table rows.

    Harness's `searchTerm` matches names only; people paste identifiers (`payments_api`) from
    URLs. On the first page of a search that looks like one, the workspace with that identifier
    (IaCM `GET .../workspaces/{identifier}`) is read at the same time and shown first when it
    passes the status and tag filters. So that it is listed once, its row is left out of the
    name matches on every page: on page 1 when it was found, on later pages whenever it is
    among them (a name match passed the filters, so page 1 showed it first; no second call is
    made to check). Only when that read failed on page 1 (a Harness error there, the list
    itself answering) is it missing from the pages. The summary's numbers stay Harness's.
    """
    lookup = query.q if looks_like_identifier(query.q) else ""
    exact = None
    if lookup and query.page == 1:
        exact = submit_harness_call(_by_identifier, client, org, project, query)
    loaded = _load(
        client.list_workspaces,
        org=org,
        project=project,
        page=query.page,
        limit=query.limit,
        search=query.q,
        sort=query.sort,
        statuses=query.status,
        tags=query.tags,
    )
    found = exact.result() if exact is not None else None
    if loaded.page is None:
        return loaded
    list_url = reverse("workspace_list", args=[org, project])
    now, tz = timezone.now(), timezone.get_current_timezone()
    shown = [found] if found else []
    listed_first = found.identifier if found else (lookup if query.page > 1 else "")
    shown += [ws for ws in loaded.page.items if not listed_first or ws.identifier != listed_first]
    rows = tuple(workspace_row(ws, list_url=list_url, now=now, tz=tz) for ws in shown)
    return Loaded(
        page=dataclasses.replace(loaded.page, items=rows),
        exact=rows[0] if found else None,
        summary=_summary(loaded.page) if rows else "",
    )


def _summary(page: Page) -> str:
    """ "Showing 31–60 of 1,800" for Harness's page (before an identifier's row is added), or
    "Showing 31–60" when Harness sent no total; the numbers formatted here, not with `intcomma`
    in the list partial (see `WorkspaceRow`)."""
    if not page.items:
        return "No name matches; one identifier does"
    if page.total_items is None:
        return f"Showing {page.first_item:,}–{page.last_item:,}"
    return f"Showing {page.first_item:,}–{page.last_item:,} of {page.total_items:,}"


def _by_identifier(
    client: HarnessClient, org: str, project: str, query: ListQuery
) -> Workspace | None:
    """The workspace identified by the search term if it passes the filters; None otherwise
    (also when Harness fails: the list itself reports failures)."""
    try:
        workspace = client.get_workspace(org=org, project=project, identifier=query.q)
    except errors.HarnessError:
        return None
    if query.status and workspace.status not in query.status:
        return None
    tags = {f"{key}:{value}" for key, value in workspace.tags.items()} | set(workspace.tags)
    if any(tag not in tags for tag in query.tags):
        return None
    return workspace


def project_tags_key(*, account: str, fingerprint: str, org: str, project: str) -> str:
    """Where `project_tags` caches a project's tags (the cross-project list reads them too)."""
    return f"tags:v1:{account}:{org}:{project}:{fingerprint}"


def project_tags(
    *, client: HarnessClient, fingerprint: str, org: str, project: str
) -> list[str] | None:
    """The project's workspace tags (IaCM `GET .../tags`) for the tag filter, cached briefly.

    None when Harness failed (not cached): the filter says so rather than failing the page, and
    does not claim the project has no tags. Raises HarnessUnauthorized (to the key page).
    """
    key = project_tags_key(
        account=client.account_id, fingerprint=fingerprint, org=org, project=project
    )
    tags = cache.get(key)
    if tags is None:
        try:
            tags = sorted(set(client.list_tags(org=org, project=project)))
        except errors.HarnessUnauthorized:
            raise
        except errors.HarnessError:
            return None
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


def workspace_harness_url(*, account_id: str, org: str, project: str, identifier: str) -> str:
    """The workspace's page in Harness's own UI (`HARNESS_UI_URL`), on its resources tab."""
    return (
        f"{settings.HARNESS_UI_URL.rstrip('/')}/ng/account/{quote(account_id)}/module/iacm"
        f"/orgs/{quote(org)}/projects/{quote(project)}/workspaces/{quote(identifier)}/resources"
    )
