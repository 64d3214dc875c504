"""The cross-project list's filters: the project list's, plus orgs and projects to read."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from workspaces.across.directory import Directory, ProjectRef
from workspaces.forms import ListQuery, WorkspaceListForm


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

    def chosen(self, directory: Directory) -> tuple[ProjectRef, ...]:
        """The projects of `directory` this query reads, in directory order."""
        if not (self.org or self.project):
            return directory.projects
        return tuple(
            ref for ref in directory.projects if ref.org in self.org or ref.key in self.project
        )


class AcrossListForm(WorkspaceListForm):
    """`WorkspaceListForm` with org and project choices from the key's directory; a value the
    directory does not hold is dropped (and said), never sent to Harness."""

    query_class = AcrossQuery
    FILTER_NOUNS = {**WorkspaceListForm.FILTER_NOUNS, "org": "organisation", "project": "project"}

    org = forms.MultipleChoiceField(required=False, label="Organisations")
    project = forms.MultipleChoiceField(required=False, label="Projects")
    #: Not part of the query: what the results region already shows (see `across_page`).
    after = forms.IntegerField(required=False, min_value=0, max_value=1_000_000)

    def __init__(self, data=None, *, directory: Directory, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["org"].choices = directory.orgs
        self.fields["project"].choices = [
            (ref.key, f"{ref.org_name} / {ref.name}") for ref in directory.projects
        ]

    @property
    def poll_after(self) -> int | None:
        """The progress a long poll has seen (`after=`), None for any other request."""
        self.is_valid()
        return self.cleaned_data.get("after")
