"""Writes: starring and unstarring workspaces, saving and deleting list views."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from workspaces.favourites.models import FAVOURITE_LIMIT, Favourite, SavedView


class FavouriteLimitReached(Exception):
    """The user already has `FAVOURITE_LIMIT` favourites in the account."""


def favourite_add(
    *, user: AbstractBaseUser, account_id: str, org: str, project: str, identifier: str, name: str
) -> Favourite:
    """Star a workspace; starring it again only refreshes its name (a double click adds one).

    Raises FavouriteLimitReached when the user already has `FAVOURITE_LIMIT` others in
    `account_id`: stars kept for another account (shown only with a key of it, and removable
    only there) do not count.
    """
    where = {"user": user, "account_id": account_id, "org": org, "project": project}
    existing = Favourite.objects.filter(**where, identifier=identifier).first()
    if existing is not None:
        if name and existing.name != name:
            existing.name = name
            existing.save(update_fields=["name"])
        return existing
    if Favourite.objects.filter(user=user, account_id=account_id).count() >= FAVOURITE_LIMIT:
        raise FavouriteLimitReached
    try:
        with transaction.atomic():
            return Favourite.objects.create(**where, identifier=identifier, name=name)
    except IntegrityError:  # the same star from a second request at the same moment
        return Favourite.objects.get(**where, identifier=identifier)


def favourite_remove(
    *, user: AbstractBaseUser, account_id: str, org: str, project: str, identifier: str
) -> int | None:
    """Unstar a workspace. Returns the favourite's id (its row on My workspaces is named by it);
    None when it was not starred."""
    star = Favourite.objects.filter(
        user=user, account_id=account_id, org=org, project=project, identifier=identifier
    )
    removed = star.values_list("pk", flat=True).first()
    if removed is not None:
        star.delete()
    return removed


def favourite_seen(*, favourite: Favourite, name: str) -> None:
    """Keep the name as last seen (shown on My workspaces when Harness cannot be read). An
    UPDATE only when it changed."""
    if name and favourite.name != name:
        Favourite.objects.filter(pk=favourite.pk).update(name=name)


def saved_view_create(*, owner: AbstractBaseUser, name: str, path: str, query: str) -> SavedView:
    """Save a list view; saving the same list under the same name (one that reads the same,
    whatever its case: `name_key`) again returns the view already saved (a double-submitted
    form saves one).

    `path` and `query` must come from `selectors.list_target` (a list page and its own
    parameters); the name's uniqueness is checked by the form and, for two requests at once,
    by the database: IntegrityError when the name was just taken for another list."""
    same = SavedView.objects.filter(owner=owner, path=path, query=query).named(name)
    existing = same.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return SavedView.objects.create(owner=owner, name=name, path=path, query=query)
    except IntegrityError:  # the same save from a second request at the same moment
        existing = same.first()
        if existing is None:
            raise
        return existing


def saved_view_delete(*, owner: AbstractBaseUser, view_id) -> bool:
    """Delete one of `owner`'s views; False when they have no such view (someone else's view is
    never deleted)."""
    deleted, _ = SavedView.objects.filter(owner=owner, pk=view_id).delete()
    return bool(deleted)
