"""The cross-project list's org and project filters, read from the query string (no Harness)."""

from django.http import QueryDict

from workspaces.across.directory import Directory, ProjectRef
from workspaces.across.forms import MAX_SCOPE_FILTERS, AcrossListForm

DIRECTORY = Directory(
    projects=(
        ProjectRef("default", "Default", "infra", "Infrastructure"),
        ProjectRef("platform", "Platform", "data", "Data"),
    )
)


def form(query: str) -> AcrossListForm:
    return AcrossListForm(QueryDict(query), directory=DIRECTORY)


def test_a_malformed_filter_is_ignored_and_said_while_a_valid_one_still_narrows():
    filters = form("project=not%20a%20key&project=platform/data&org=../etc")

    assert filters.query.project == ("platform/data",)
    assert filters.query.org == ()
    assert filters.query.chosen(DIRECTORY) == (DIRECTORY.projects[1],)
    assert "Ignored 1 unknown project filter." in filters.corrections
    assert "Ignored 1 unknown organisation filter." in filters.corrections


def test_an_org_is_not_a_project_nor_a_project_an_org():
    filters = form("org=default/infra&project=default")

    assert (filters.query.org, filters.query.project) == ((), ())
    assert "Ignored 1 unknown organisation filter." in filters.corrections
    assert "Ignored 1 unknown project filter." in filters.corrections


def test_a_project_the_key_cannot_see_is_kept_so_the_list_narrows_to_nothing():
    filters = form("project=hidden/one")

    assert filters.query.project == ("hidden/one",)
    assert filters.query.chosen(DIRECTORY) == ()
    assert filters.corrections == [
        "Your key cannot see 1 of the chosen project: only what it can see is listed."
    ]


def test_more_project_filters_than_the_limit_are_cut_and_said():
    many = "&".join(f"project=org/p{i}" for i in range(MAX_SCOPE_FILTERS + 5))

    filters = form(many)

    assert len(filters.query.project) == MAX_SCOPE_FILTERS
    assert f"Only the first {MAX_SCOPE_FILTERS} project filters are used." in filters.corrections


def test_a_choice_in_an_org_whose_projects_failed_is_said_not_listed_not_unseen():
    failed = Directory(projects=DIRECTORY.projects, failed_orgs=(("payments", "HTTP 503"),))

    filters = AcrossListForm(
        QueryDict("org=payments&project=payments/core&project=hidden/one"), directory=failed
    )

    assert filters.query.chosen(failed) == ()
    assert filters.corrections == [
        "The projects of the chosen organisation payments could not be listed right now: "
        "use Try again above.",
        "Your key cannot see 1 of the chosen projects: only what it can see is listed.",
        "The chosen project payments/core could not be listed right now: use Try again above.",
    ]
