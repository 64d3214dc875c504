"""Reads: which workspaces a user starred, their live status, and saved views."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.urls import Resolver404, resolve, reverse

from portal.logs import holds_harness_key
from workspaces.across.forms import AcrossQuery
from workspaces.favourites.models import Favourite, SavedView
from workspaces.feedback import harness_error_message
from workspaces.forms import ListQuery, query_defaults
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import Workspace
from workspaces.harness_threads import submit_harness_call

#: The list pages a view may be saved from (URL name -> the query that list reads; the
#: cross-project list's also filters by org and project). A saved view keeps every parameter of
#: that query but the page number (it opens on the first page).
SAVEABLE_LISTS: dict[str, type[ListQuery]] = {
    "workspace_list": ListQuery,
    "all_workspaces": AcrossQuery,
}
#: Favourites on one page of My workspaces: each is a Harness read before the page is sent.
FAVOURITES_PER_PAGE = 25
#: How many favourites' statuses one My workspaces page reads at the same time.
STATUS_READS_IN_PARALLEL = 8
#: How many saved views the header menu lists (the rest are on the saved views page).
MENU_VIEWS = 15


def list_target(url: str) -> tuple[str, str] | None:
    """(path, query) of `url` when it is one of the workspace lists, its query reduced to that
    list's own parameters (page and default values left out, and any value holding a Harness
    key: one pasted into the search box is never saved, nor linked from the menu); None for
    anything else (another page, another site)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    query_class = SAVEABLE_LISTS.get(match.url_name or "")
    if query_class is None:
        return None
    defaults = query_defaults(query_class)
    given = QueryDict(parts.query)
    kept = [
        (name, value)
        for name in defaults
        if name != "page"
        for value in given.getlist(name)
        if value and value != str(defaults[name])  # the list's own defaults: noise
        if not holds_harness_key(value)
    ]
    return parts.path, urlencode(kept)


def favourite_of(
    *, user: AbstractBaseUser, account_id: str, org: str, project: str, identifier: str
) -> Favourite | None:
    return Favourite.objects.filter(
        user=user, account_id=account_id, org=org, project=project, identifier=identifier
    ).first()


@dataclass(frozen=True)
class FavouriteRow:
    """A favourite on My workspaces, with the workspace as Harness returned it just now, or the
    message to show on its row instead."""

    favourite: Favourite
    url: str
    workspace: Workspace | None = None
    error: str = ""
    #: Harness has no such workspace (any more), or the key cannot see it or read its project
    #: (404 or 403): retrying will not help, removing the star does.
    missing: bool = False

    @property
    def name(self) -> str:
        if self.workspace is not None:
            return self.workspace.name
        return self.favourite.name or self.favourite.identifier


def favourite_row(*, client: HarnessClient, favourite: Favourite) -> FavouriteRow:
    """One favourite with its live status (IaCM `GET .../workspaces/{identifier}`).

    A failure is the row's own message (HarnessNotFound and HarnessForbidden mark the row
    `missing`: reading it again would fail the same way); HarnessUnauthorized propagates (to
    the key page).
    """
    url = reverse("workspace_detail", args=[favourite.org, favourite.project, favourite.identifier])
    try:
        workspace = client.get_workspace(
            org=favourite.org, project=favourite.project, identifier=favourite.identifier
        )
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessNotFound:
        return FavouriteRow(
            favourite,
            url,
            error=f"Harness has no workspace {favourite.identifier} in {favourite.org} / "
            f"{favourite.project} any more, or your key cannot see it.",
            missing=True,
        )
    except errors.HarnessForbidden:
        # The key's scope no longer covers the project (an org-scoped key, a role taken away):
        # Harness refuses every read alike, so a "Try again" could never work.
        return FavouriteRow(
            favourite,
            url,
            error=f"Your Harness key cannot read {favourite.org} / {favourite.project} any "
            "more. Remove the star, or ask a Harness admin for access to the project.",
            missing=True,
        )
    except errors.HarnessError as err:
        return FavouriteRow(favourite, url, error=harness_error_message(err))
    return FavouriteRow(favourite, url, workspace=workspace)


def _rows(client: HarnessClient, favourites: list[Favourite]) -> list[FavouriteRow]:
    return [favourite_row(client=client, favourite=favourite) for favourite in favourites]


@dataclass(frozen=True)
class FavouritePage:
    """One page of My workspaces: `page` pages the favourites, `rows` are its favourites read."""

    page: Page
    rows: list[FavouriteRow]


def favourite_page(
    *, client: HarnessClient, user: AbstractBaseUser, page: str | int | None
) -> FavouritePage:
    """One page of `user`'s favourites in the key's account (`FAVOURITES_PER_PAGE`, in the
    model's order: org, project, identifier), each with its live status: only this page's are read,
    `STATUS_READS_IN_PARALLEL` at a time (one page never takes the whole thread pool).
    Paginator.get_page: a page number that is not one, or past the end, gives the first or the
    last page. HarnessUnauthorized propagates."""
    favourites = Favourite.objects.filter(user=user, account_id=client.account_id)
    shown = Paginator(favourites, FAVOURITES_PER_PAGE).get_page(page)
    on_page = list(shown.object_list)
    lanes = min(STATUS_READS_IN_PARALLEL, len(on_page))
    futures = [submit_harness_call(_rows, client, on_page[i::lanes]) for i in range(lanes)]
    by_id = {row.favourite.pk: row for future in futures for row in future.result()}
    return FavouritePage(shown, [by_id[favourite.pk] for favourite in on_page])


def favourites_elsewhere(*, user: AbstractBaseUser, account_id: str) -> int:
    """How many of `user`'s favourites are in other Harness accounts than the key's (kept,
    not shown: this key cannot read them)."""
    return Favourite.objects.filter(user=user).exclude(account_id=account_id).count()


def saved_views_menu(*, user: AbstractBaseUser) -> dict:
    """The header menu's saved views: the first `MENU_VIEWS` by name, and whether there are
    more. One query."""
    views = list(SavedView.objects.filter(owner=user).only("id", "name")[: MENU_VIEWS + 1])
    return {"views": views[:MENU_VIEWS], "more": len(views) > MENU_VIEWS}


def saved_views_of(*, user: AbstractBaseUser) -> list[SavedView]:
    return list(SavedView.objects.filter(owner=user))
