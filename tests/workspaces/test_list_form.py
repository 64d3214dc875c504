"""The workspace list form cleans the query string into a `ListQuery`; links come from it."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from tests.conftest import FULL_KEY
from workspaces.forms import (
    KEY_IN_SEARCH,
    ListQuery,
    PickerSearchForm,
    SortHeader,
    WorkspaceListForm,
)


def clean(query: str = "", tags: list[str] | None = None) -> WorkspaceListForm:
    return WorkspaceListForm(QueryDict(query), tag_choices=tags)


def test_a_valid_query_becomes_a_list_query():
    filters = clean("q=vpc&sort=updated,DESC&status=active&status=failed&tags=env:prod&page=3")

    assert filters.query == ListQuery(
        q="vpc", sort="updated,DESC", status=("active", "failed"), tags=("env:prod",), page=3
    )
    assert filters.corrections == []


def test_invalid_values_give_way_to_defaults_and_say_so():
    filters = clean("q=" + "x" * 129 + "&sort=bogus&status=active&status=no%20pe&page=0&limit=7")

    assert filters.query == ListQuery(status=("active",))
    assert filters.corrections == [
        "The search in the address was not valid, so the default is used.",
        "The sort order in the address was not valid, so the default is used.",
        "Ignored 1 unknown status filter.",
        "The page number in the address was not valid, so the default is used.",
        "The page size in the address was not valid, so the default is used.",
    ]


@pytest.mark.parametrize("search", [FULL_KEY, f"key {FULL_KEY} here", FULL_KEY + "x" * 200])
def test_a_search_holding_a_harness_key_is_not_searched_and_says_why(search):
    # What a view without `refuses_keys_in_search` would still not search: the key is never
    # sent to Harness, and the box (rendered from the clean query) is empty.
    filters = clean(urlencode({"q": search, "status": "failed"}))

    assert filters.query == ListQuery(status=("failed",))
    assert filters.corrections == [KEY_IN_SEARCH]
    assert PickerSearchForm(QueryDict(urlencode({"q": search}))).value("q", "") == ""


def test_statuses_are_checked_by_shape_not_against_a_list():
    # Harness's `status` filter is an array of free strings (contract §2.0), and its counts may
    # name statuses the portal does not know (queued); a value of another shape is refused.
    filters = clean("status=queued&status=Apply_Needed&status=bad%2Cstatus&status=a%0A")

    assert filters.query.status == ("queued", "Apply_Needed")
    assert filters.corrections == ["Ignored 2 unknown status filters."]
    assert filters.status_options[-2:] == ["queued", "Apply_Needed"]


def test_statuses_and_tags_are_each_used_once_and_capped():
    # A crafted address: each status it repeats would be sent to Harness and drawn as a box.
    statuses = ["failed"] * 900 + [f"s{i}" for i in range(25)]
    filters = clean(urlencode({"status": statuses, "tags": ["a", "a", "b"]}, doseq=True))

    assert filters.query.status == ("failed", *(f"s{i}" for i in range(19)))
    assert filters.query.tags == ("a", "b")
    assert filters.corrections == ["Only the first 20 status filters are used."]
    assert len(filters.status_options) == 9 + 19


def test_tags_are_checked_by_shape_and_capped():
    tags = "&".join(f"tags=t{i}" for i in range(25))
    filters = clean(tags + "&tags=bad%2Ctag")

    assert filters.query.tags == tuple(f"t{i}" for i in range(20))
    assert "Only the first 20 tag filters are used." in filters.corrections
    assert "Ignored 1 unknown tag filter." in filters.corrections


def test_tags_harness_cannot_filter_by_are_not_offered():
    filters = clean("tags=env%3Aprod%0A", tags=["env:prod", "owners:netops,platform", "a\x01"])

    assert filters.tag_choices == ["env:prod"]
    assert filters.unusable_tags == ["owners:netops,platform"]
    assert filters.query.tags == ()  # a line break is not part of a tag Harness is sent
    assert filters.corrections == ["Ignored 1 unknown tag filter."]


def test_each_form_has_its_own_fields():
    first, second = clean(tags=["team:web"]), clean(tags=["env:prod"])

    assert first.fields["tags"].choices == [("team:web", "team:web")]
    assert second.fields["tags"].choices == [("env:prod", "env:prod")]
    assert WorkspaceListForm.base_fields["tags"].choices == []


def test_params_leave_defaults_out_and_keep_every_value():
    query = clean("q=vpc&status=active&status=failed&page=3&limit=100&junk=1").query

    assert query.params.urlencode() == "q=vpc&status=active&status=failed&page=3&limit=100"
    assert not query.params._mutable
    assert ListQuery().params.urlencode() == ""


def test_sort_headers_flip_the_current_column_and_start_others_in_natural_order():
    assert ListQuery(sort="updated,DESC").sort_headers == {
        "name": SortHeader("none", "", "name,ASC"),
        "updated": SortHeader("descending", "▼", "updated,ASC"),
    }
    assert ListQuery(sort="name,ASC").sort_headers == {
        "name": SortHeader("ascending", "▲", "name,DESC"),
        "updated": SortHeader("none", "", "updated,DESC"),
    }


def test_is_filtered():
    assert not ListQuery(page=4, sort="name,DESC").is_filtered
    assert ListQuery(q="x").is_filtered
    assert ListQuery(status=("failed",)).is_filtered
    assert ListQuery(tags=("a",)).is_filtered
