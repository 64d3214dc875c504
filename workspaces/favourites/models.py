"""Favourite workspaces ("My workspaces") and saved list views, stored per user.

Imported by `workspaces.models`, so the app registers these models and its migrations hold them.
Neither holds anything read from Harness beyond a workspace's name as last seen: statuses are read
live with the viewer's own key, and a saved view is only a list URL.
"""

from __future__ import annotations

import unicodedata
import uuid

from django.conf import settings
from django.db import models

#: How many workspaces one person may star (the My workspaces page reads each one's status).
FAVOURITE_LIMIT = 200
#: How many list views one person may save (the header menu lists them).
SAVED_VIEW_LIMIT = 100
SAVED_VIEW_NAME_MAX = 80
#: Unicode categories a name is kept without: control characters (a bell, an escape) and format
#: characters (zero-width spaces and joiners, direction overrides, byte order marks).
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf"})


def saved_view_name_readable(name: str) -> str:
    """`name` as it reads: NFKC (look-alike forms folded), without control and format
    characters, each run of white space (tabs, line breaks, wide spaces) one space, stripped."""
    written = unicodedata.normalize("NFKC", name)
    kept = "".join(
        c for c in written if c.isspace() or unicodedata.category(c) not in INVISIBLE_CATEGORIES
    )
    return " ".join(kept.split())


def saved_view_name_key(name: str) -> str:
    """What names that read the same share, whatever their case: the readable name case-folded
    the Unicode way ("Équipe"/"ÉQUIPE", "ΣΑΣ"/"σας", "Straße"/"STRASSE"), then NFKC again.
    Computed here, not by the database: SQLite's LOWER() folds ASCII letters only."""
    return unicodedata.normalize("NFKC", saved_view_name_readable(name).casefold())


class Favourite(models.Model):
    """A workspace a user starred. `name` is the workspace's name when the user last saw it,
    shown when Harness cannot be read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites"
    )
    account_id = models.CharField(max_length=128)
    org = models.CharField(max_length=128)
    project = models.CharField(max_length=128)
    identifier = models.CharField(max_length=128)
    name = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # By what reading Harness never changes (My workspaces pages by offset, and each page
        # read saves the names it learns: sorted by name, a renamed star moved between pages,
        # shown twice while another was skipped). The unique constraint's index serves it.
        ordering = ("org", "project", "identifier")
        constraints = [
            # Its index also serves a workspace page's query: is this one starred.
            models.UniqueConstraint(
                fields=("user", "account_id", "org", "project", "identifier"),
                name="favourite_once_per_workspace",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.org}/{self.project}/{self.identifier}"


class SavedViewQuerySet(models.QuerySet):
    def named(self, name: str) -> SavedViewQuerySet:
        """The views whose name reads as `name` does, whatever its case (by `name_key`; a view
        the previous release saved during a rolling update has none: by its name, as then)."""
        return self.filter(
            models.Q(name_key=saved_view_name_key(name)) | models.Q(name_key="", name__iexact=name)
        )

    def bulk_create(self, objs, *args, **kwargs):
        """Each view with its `name_key`, as `SavedView.save` gives it."""
        objs = list(objs)
        for view in objs:
            view.name_key = saved_view_name_key(view.name)
        return super().bulk_create(objs, *args, **kwargs)


class SavedView(models.Model):
    """A workspace list with its filters, under a name its owner chose.

    Only `path` (a list page's path) and `query` (that list's own parameters, without the page)
    are kept: opening `/views/<id>/` redirects there, so whoever opens it sees the list with
    their own key, never the owner's.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=SAVED_VIEW_NAME_MAX)
    # `saved_view_name_key(name)`, set on save (never empty: a name has something visible); a
    # TextField: case folding can lengthen a name. The database's default "" is for a rolling
    # update: the previous release's pods save views without it (the constraint skips "").
    name_key = models.TextField(editable=False, db_default="")
    path = models.CharField(max_length=512)
    query = models.CharField(max_length=2048, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        ordering = ("name",)
        constraints = [
            # Names that read the same are one, as the form compares them (by `name_key`): two
            # requests at the same moment both pass the form, and only one "Équipe"/"équipe"
            # gets in.
            models.UniqueConstraint(
                fields=("owner", "name_key"),
                condition=~models.Q(name_key=""),
                name="saved_view_name_once_per_owner_as_read",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"

    def save(self, *args, **kwargs) -> None:
        self.name_key = saved_view_name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)

    @property
    def url(self) -> str:
        """The list URL the view opens."""
        return f"{self.path}?{self.query}" if self.query else self.path
