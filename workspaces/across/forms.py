"""The cross-project list's filters: the project list's, plus orgs and projects to read."""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass

from django import forms
from django.conf import settings

from workspaces.across.directory import Directory, ProjectRef
from workspaces.forms import IDENTIFIER_PATTERN, ListQuery, WorkspaceListForm

#: The shape of each filter's values: an org identifier, an `org/project` key.
_FILTER_SHAPES = {
    "org": re.compile(IDENTIFIER_PATTERN),
    "project": re.compile(rf"{IDENTIFIER_PATTERN}/{IDENTIFIER_PATTERN}"),
}
MAX_SCOPE_FILTERS = 200
#: Why a chosen org or project is not offered (`AcrossListForm.orgs_not_offered`,
#: `projects_not_offered`).
UNLISTED = "could not be listed right now"
UNSEEN = "not visible to your key"


@dataclass(frozen=True)
class AcrossQuery(ListQuery):
    """The list's state plus `org` (org identifiers) and `project` (`org/project` keys).

    A project is read when its org or itself is chosen; with neither chosen, every project is.
    """

    org: tuple[str, ...] = ()
    project: tuple[str, ...] = ()

    @property
    def is_filtered(self) -> bool:
        return bool(super().is_filtered or self.org or self.project)

    def scope(self, directory: Directory) -> tuple[ProjectRef, ...]:
        """Every project of `directory` this query names, in directory order, each once
        (Harness's offset paging can list one twice, and the job counts its answers per
        project)."""
        named = (
            ref
            for ref in directory.projects
            if not (self.org or self.project) or ref.org in self.org or ref.key in self.project
        )
        return tuple(dict.fromkeys(named))

    def chosen(self, directory: Directory) -> tuple[ProjectRef, ...]:
        """The projects this query reads: the first `ACROSS_MAX_PROJECTS` of its `scope` (the
        page says when there are more, and that choosing orgs or projects narrows it)."""
        return self.scope(directory)[: settings.ACROSS_MAX_PROJECTS]


class AcrossListForm(WorkspaceListForm):
    """`WorkspaceListForm` with org and project choices from the key's directory.

    An org or project the directory does not hold (a saved view opened with a key that cannot
    see it) is said, and kept in the query: it matches no project, so the list narrows to what
    is left, or to nothing, never widens to every project. No Harness call is made for it. One
    of an org whose projects could not be listed (`Directory.failed_orgs`) is said to be that,
    not unseen: the page's Try again lists them again.
    """

    query_class = AcrossQuery
    FILTER_NOUNS = {**WorkspaceListForm.FILTER_NOUNS, "org": "organisation", "project": "project"}

    org = forms.MultipleChoiceField(required=False, label="Organisations")
    project = forms.MultipleChoiceField(required=False, label="Projects")
    #: Not part of the query: what the results region already shows (see `across_page`).
    after = forms.IntegerField(required=False, min_value=0, max_value=1_000_000)

    def __init__(self, data=None, *, directory: Directory, **kwargs):
        super().__init__(data, **kwargs)
        #: Orgs whose projects could not be listed: what is chosen in them is not "unseen".
        self.failed_orgs = frozenset(org for org, _ in directory.failed_orgs)
        self.fields["org"].choices = directory.orgs
        self.fields["project"].choices = [
            (ref.key, f"{ref.org_name} / {ref.name}") for ref in directory.projects
        ]
        # Checked by shape, as tags are: a malformed value is ignored and said (`_salvage`);
        # when every value of a filter was malformed, the list is not narrowed by it (as with
        # statuses and tags).
        for name, shape in _FILTER_SHAPES.items():
            self.fields[name].valid_value = lambda value, shape=shape: bool(shape.fullmatch(value))

    @functools.cached_property
    def query(self) -> AcrossQuery:
        """`WorkspaceListForm.query`, with what the key cannot see of the chosen orgs and
        projects said (they stay in the query: they match no project)."""
        query = super().query
        for name in ("org", "project"):
            chosen = getattr(query, name)
            noun = self.FILTER_NOUNS[name]
            if len(chosen) > MAX_SCOPE_FILTERS:
                chosen = chosen[:MAX_SCOPE_FILTERS]
                query = dataclasses.replace(query, **{name: chosen})
                self.corrections.append(
                    f"Only the first {MAX_SCOPE_FILTERS} {noun} filters are used."
                )
            not_offered = self._classify_not_offered(name, chosen)
            unlisted = [value for value, why in not_offered if why == UNLISTED]
            if unseen := len(not_offered) - len(unlisted):
                self.corrections.append(
                    f"Your key cannot see {unseen} of the chosen {noun}"
                    f"{'s' if len(chosen) != 1 else ''}: only what it can see is listed."
                )
            if unlisted:
                what = (
                    f"The projects of the chosen {noun}" if name == "org" else f"The chosen {noun}"
                )
                self.corrections.append(
                    f"{what}{'s' if len(unlisted) != 1 else ''} {', '.join(unlisted)} could not "
                    "be listed right now: use Try again above."
                )
        return query

    def _classify_not_offered(self, name: str, chosen: tuple[str, ...]) -> list[tuple[str, str]]:
        """(value, why) of each of `chosen` the check boxes of `name` do not offer: UNLISTED in
        an org whose projects could not be listed, else UNSEEN."""
        offered = {value for value, _ in self.fields[name].choices}
        return [
            (value, UNLISTED if value.partition("/")[0] in self.failed_orgs else UNSEEN)
            for value in chosen
            if value not in offered
        ]

    @functools.cached_property
    def orgs_not_offered(self) -> list[tuple[str, str]]:
        """(value, why) of each chosen org the check boxes do not offer: listed first, ticked,
        so that the next filter change keeps them (the list stays narrowed, never widens) and
        they can be unticked."""
        return self._classify_not_offered("org", self.query.org)

    @functools.cached_property
    def projects_not_offered(self) -> list[tuple[str, str]]:
        """(value, why) of each chosen project the check boxes do not offer, as
        `orgs_not_offered`."""
        return self._classify_not_offered("project", self.query.project)

    @property
    def poll_after(self) -> int | None:
        """The progress a long poll has seen (`after=`), None for any other request."""
        self.is_valid()
        return self.cleaned_data.get("after")


class OrgRetryForm(forms.Form):
    """`directory=refresh`: the "Try again" of an organisation whose projects could not be
    listed, which lists them again at once (`visible_projects(retry=True)`). Not part of the
    query: never in the list's own links nor in a saved view."""

    directory = forms.ChoiceField(required=False, choices=[("refresh", "refresh")])

    @property
    def wanted(self) -> bool:
        return self.is_valid() and self.cleaned_data["directory"] == "refresh"
