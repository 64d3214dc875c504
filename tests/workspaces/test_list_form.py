"""The workspace list form: shared fields, and links built from one cleaned state."""

from urllib.parse import parse_qs

from django.http import QueryDict

from workspaces.forms import WorkspaceListForm
from workspaces.harness import Page


def form(query: str = "", tags: list[str] | None = None) -> WorkspaceListForm:
    return WorkspaceListForm(QueryDict(query), tag_choices=tags)


def test_unchanged_fields_are_shared_and_tags_are_per_instance():
    first, second = form(tags=["team:web"]), form(tags=["env:prod"])

    for name in ("q", "sort", "status", "page", "limit", "window"):
        assert first.fields[name] is second.fields[name] is WorkspaceListForm.base_fields[name]
    assert first.fields["tags"] is not second.fields["tags"]
    assert first.fields["tags"].choices == [("team:web", "team:web")]
    assert second.fields["tags"].choices == [("env:prod", "env:prod")]
    assert WorkspaceListForm.base_fields["tags"].choices == []


def test_shared_fields_still_validate_like_django_fields():
    filters = form("q=" + "x" * 129 + "&sort=bogus&status=active&status=nope&page=0&limit=7")

    assert filters.state == {**WorkspaceListForm.DEFAULTS, "status": ["active"]}
    assert len(filters.corrections) == 5


def test_links_apply_their_changes_to_the_state_and_never_to_each_other():
    filters = form("q=vpc&status=active&status=failed&page=3&limit=100&junk=1")

    assert parse_qs(filters.link()[1:]) == {
        "q": ["vpc"],
        "status": ["active", "failed"],
        "page": ["3"],
        "limit": ["100"],
    }
    assert parse_qs(filters.link(page=None, status="drifted")[1:]) == {
        "q": ["vpc"],
        "status": ["drifted"],
        "limit": ["100"],
    }
    # The base the links share was not changed by the one before.
    assert parse_qs(filters.link(window="7d")[1:]) == {
        "q": ["vpc"],
        "status": ["active", "failed"],
        "page": ["3"],
        "limit": ["100"],
        "window": ["7d"],
    }


def test_table_links_for_a_middle_page():
    filters = form("sort=updated,DESC&page=2")
    page = Page(items=(), page=2, limit=30, total_items=100, total_pages=4)

    links = filters.table_links(page, path="/w/")

    assert links["previous"] == "/w/?sort=updated%2CDESC&page=1"
    assert links["next"] == "/w/?sort=updated%2CDESC&page=3"
    assert links["last"] == "/w/?sort=updated%2CDESC&page=4"
    assert links["first"] == "/w/?sort=updated%2CDESC"
    assert links["sort_updated"] == "/w/?sort=updated%2CASC"
    assert (links["sort_updated_aria"], links["sort_updated_arrow"]) == ("descending", "▼")
    assert links["sort_name"] == "/w/?sort=name%2CASC"
    assert (links["sort_name_aria"], links["sort_name_arrow"]) == ("none", "")
    assert links["pager_fields"] == [("sort", "updated,DESC")]
