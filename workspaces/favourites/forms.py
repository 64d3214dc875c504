"""Forms: a star's toggle, My workspaces' row to read again, and "Save view"."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.models import AbstractBaseUser

from workspaces.favourites.models import (
    SAVED_VIEW_LIMIT,
    SAVED_VIEW_NAME_MAX,
    SavedView,
    saved_view_name_readable,
)
from workspaces.favourites.selectors import list_target
from workspaces.forms import IDENTIFIER_PATTERN

# A workspace identifier as the portal's URLs accept it.
IDENTIFIER = re.compile(IDENTIFIER_PATTERN)


class FavouriteForm(forms.Form):
    """What a star posts: the pressed button's name, `add` or `remove`, and its value, the
    workspace's identifier (optionally followed, after a space, by its name); `name`; and where
    the star sits: the workspace page ("page", the default) or a row of My workspaces ("mine").

    Stars are on the workspace page, not on the list's rows: a star per row cost a filter change
    23 % more CPU (valgrind, 28.6 M -> 35.1 M instructions), the figure issue 13 watches."""

    add = forms.CharField(required=False, max_length=260, strip=False)
    remove = forms.CharField(required=False, max_length=260, strip=False)
    name = forms.CharField(required=False, max_length=128)
    layout = forms.ChoiceField(required=False, choices=[("page", "page"), ("mine", "mine")])

    def clean(self) -> dict:
        cleaned = super().clean()
        add, remove = cleaned.get("add"), cleaned.get("remove")
        if bool(add) == bool(remove):
            raise forms.ValidationError("A star adds or removes one workspace.")
        identifier, _, name = (add or remove).partition(" ")
        if not IDENTIFIER.fullmatch(identifier) or len(name) > 128:
            raise forms.ValidationError("This is not a workspace.")
        cleaned["identifier"], cleaned["starred"] = identifier, bool(add)
        cleaned["name"] = cleaned.get("name") or name
        cleaned["layout"] = cleaned.get("layout") or "page"
        return cleaned


class FavouriteRowForm(forms.Form):
    """`?favourite=<id>` on My workspaces: the favourite whose row is read again (its
    "Try again"); absent for the whole page. An id the database could not hold is invalid."""

    favourite = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class SavedViewForm(forms.Form):
    """A name for the list's current filters.

    The list is the posted `path` and `query` or, for an htmx request, the address the browser
    shows (`current_url`), which follows every filter change (the posted ones are then ignored:
    they are the list as the page loaded); only a workspace list's own parameters are kept
    (`selectors.list_target`).

    `query` has no length of its own: an error on a hidden field is shown nowhere, and one too
    long to keep is said in `clean` ("These filters are too long to save"), once reduced to the
    list's parameters. What is read is bounded by the request's (DATA_UPLOAD_MAX_MEMORY_SIZE,
    and DATA_UPLOAD_MAX_NUMBER_FIELDS for the parameters `list_target` parses).
    """

    name = forms.CharField(
        label="Name this view",
        max_length=SAVED_VIEW_NAME_MAX,
        strip=True,
    )
    path = forms.CharField(max_length=512, widget=forms.HiddenInput)
    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, owner: AbstractBaseUser, current_url: str | None = None):
        super().__init__(data)
        self.owner = owner
        self.current_url = current_url

    def clean_name(self) -> str:
        """The name as the menu shows it (`saved_view_name_readable`: NFKC, without control
        and format characters, each run of white space one space). One with nothing visible
        left is refused. Whether it is taken is decided in `clean`, with the list."""
        name = saved_view_name_readable(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(
                "This name has nothing visible in it: give the view a name people can read."
            )
        if len(name) > SAVED_VIEW_NAME_MAX:  # NFKC can lengthen a name (U+FDFA: 18 letters)
            raise forms.ValidationError(
                f"Ensure this value has at most {SAVED_VIEW_NAME_MAX} characters once written "
                f"out (it has {len(name)})."
            )
        return name

    def _check_name(self, name: str, target: tuple[str, str] | None) -> None:
        """Two names that read the same are one, whatever their case (`name_key`): one the owner
        already has for another list is an error; for this very list (path and query), the save
        is already done (a double-submitted form, a second tab), and `services.saved_view_create`
        returns that view. A new name past `SAVED_VIEW_LIMIT` is an error."""
        views = SavedView.objects.filter(owner=self.owner)
        same_name = views.named(name).only("path", "query").first()
        if same_name is not None:
            if target is None or (same_name.path, same_name.query) != target:
                self.add_error(
                    "name",
                    f"You already have a view named “{name}”: choose another name, or delete "
                    "that view first.",
                )
        elif views.count() >= SAVED_VIEW_LIMIT:
            self.add_error(
                "name",
                f"You have {SAVED_VIEW_LIMIT} saved views, the most one person can keep: delete "
                "one you no longer use first.",
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        target = list_target(self.current_url) if self.current_url else None
        if target is None:
            posted = cleaned.get("path", "")
            if cleaned.get("query"):
                posted += "?" + cleaned["query"]
            target = list_target(posted)
        if cleaned.get("name"):
            self._check_name(cleaned["name"], target)
        if target is None:
            raise forms.ValidationError("Only a workspace list and its filters can be saved.")
        if len(target[1]) > SavedView._meta.get_field("query").max_length:
            raise forms.ValidationError("These filters are too long to save: remove a few tags.")
        cleaned["path"], cleaned["query"] = target
        return cleaned
