"""Favourite workspaces ("My workspaces") and saved list views, stored per user.

Imported by `workspaces.models`, so the app registers these models and its migrations hold them.
Neither holds anything read from Harness beyond a workspace's name as last seen: statuses are read
live with the viewer's own key, and a saved view is only a list URL.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

#: How many workspaces one person may star (the My workspaces page reads each one's status).
FAVOURITE_LIMIT = 200
#: How many list views one person may save (the header menu lists them).
SAVED_VIEW_LIMIT = 100
SAVED_VIEW_NAME_MAX = 80


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
        ordering = ("org", "project", "name", "identifier")
        constraints = [
            # Its index also serves a workspace page's query: is this one starred.
            models.UniqueConstraint(
                fields=("user", "account_id", "org", "project", "identifier"),
                name="favourite_once_per_workspace",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.org}/{self.project}/{self.identifier}"


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
    path = models.CharField(max_length=512)
    query = models.CharField(max_length=2048, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            # Without regard to case, as the form compares names (`name__iexact`): two requests
            # at the same moment both pass the form, and only one "Prod"/"prod" gets in.
            models.UniqueConstraint(
                "owner", Lower("name"), name="saved_view_name_once_per_owner_any_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"

    @property
    def url(self) -> str:
        """The list URL the view opens."""
        return f"{self.path}?{self.query}" if self.query else self.path
