"""Browse: list parameters, URL validation, failure states, the workspace page and metrics."""

import datetime
import json
import threading
import time

import pytest
from django.core.cache import cache
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.conftest import ACCOUNT, FULL_KEY, ORG_KEY, READ_KEY, duplicate_ids
from workspaces.harness import HarnessClient
from workspaces.services import credential_save

pytestmark = pytest.mark.django_db
LIST = reverse("workspace_list", args=["default", "infra"])


def htmx(target: str) -> dict:
    return {"HX-Request": "true", "HX-Target": target}


def last_list_query(fake) -> dict:
    return fake.log(route="iacm.workspaces.list")[-1]["query"]


def create(fake, identifier: str, **fields) -> None:
    body = {
        "identifier": identifier,
        "name": identifier.replace("_", "-"),
        "provisioner": "opentofu",
        "provider_connector": "",
        "repository": "infra-live",
        "repository_connector": "account.github_acme",
        "repository_branch": "main",
        "terraform_variables": {},
        "environment_variables": {},
        **fields,
    }
    HarnessClient(fake.base_url, ACCOUNT, FULL_KEY).create_workspace(
        org="default", project="infra", body=body
    )


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


# --- list parameters reach Harness ----------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "vpc-dev"}, {"searchTerm": ["vpc-dev"]}),
        ({"sort": "updated,DESC"}, {"sort": ["updated,DESC"]}),
        ({"sort": "name,DESC"}, {"sort": ["name,DESC"]}),
        ({"status": ["failed", "drifted"]}, {"status": ["failed", "drifted"]}),
        ({"tags": ["env:prod", "team:data"]}, {"tags": ["env:prod", "team:data"]}),
        ({"page": "3", "limit": "100"}, {"page": ["3"], "limit": ["100"]}),
        ({"limit": "10"}, {"limit": ["10"]}),
    ],
)
def test_each_list_parameter_is_sent_to_harness(signed_in_with_key, fake, params, expected):
    response = signed_in_with_key.get(LIST, params, headers=htmx("workspace-table"))

    assert response.status_code == 200
    query = last_list_query(fake)
    for key, value in expected.items():
        assert query[key] == value


def test_search_filters_rows(signed_in_with_key, fake):
    response = signed_in_with_key.get(LIST, {"q": "vpc-dev"}, headers=htmx("workspace-table"))

    items = response.context["result"].page.items
    assert items
    assert all("vpc-dev" in ws["name"] for ws in items)


def test_status_filter_shows_only_that_status(signed_in_with_key, fake):
    response = signed_in_with_key.get(LIST, {"status": "failed"}, headers=htmx("workspace-table"))

    items = response.context["result"].page.items
    assert items
    assert {ws["status"] for ws in items} == {"failed"}
    assertContains(response, "badge--failed")


def test_sort_by_updated_descending(signed_in_with_key, fake):
    response = signed_in_with_key.get(
        LIST, {"sort": "updated,DESC"}, headers=htmx("workspace-table")
    )

    updated = [
        datetime.datetime.fromisoformat(row["updated_iso"])
        for row in response.context["result"].page.items
    ]
    assert len(updated) == 30
    assert updated == sorted(updated, reverse=True)
    assertContains(response, 'aria-sort="descending"')


def test_full_request_returns_the_page_and_htmx_the_partial(signed_in_with_key, fake):
    full = signed_in_with_key.get(LIST)
    partial = signed_in_with_key.get(LIST, headers=htmx("workspace-table"))
    browser = signed_in_with_key.get(LIST, {"status": "active"}, headers=htmx("workspace-browser"))

    assertContains(full, "<html")
    assertContains(full, 'id="status-overview"')
    assertContains(full, 'id="workspace-filters"')
    assert partial.content.decode().lstrip().startswith('<div id="workspace-table"')
    assert browser.content.decode().lstrip().startswith('<div id="workspace-browser"')
    assertContains(browser, 'value="active" checked')
    assertNotContains(partial, "<html")


def test_history_restore_gets_the_full_page(signed_in_with_key, fake):
    response = signed_in_with_key.get(
        LIST, headers={**htmx("workspace-table"), "HX-History-Restore-Request": "true"}
    )

    assertContains(response, "<html")


def test_links_keep_the_state_and_reset_the_page_on_filter(signed_in_with_key, fake):
    response = signed_in_with_key.get(
        LIST, {"q": "vpc", "status": "active", "page": "2"}, headers=htmx("workspace-table")
    )

    body = response.content.decode()
    assert "?q=vpc&amp;status=active&amp;sort=name%2CDESC" in body  # sort link drops the page
    assert "?q=vpc&amp;status=active&amp;page=3" in body  # next keeps filters


def test_a_row_added_for_an_identifier_is_not_counted_as_a_name_match(signed_in_with_key, fake):
    # "backup-dev" matches 10+ names (backup-dev-0001, ...) and is also an identifier whose
    # workspace's name does not match: its row comes first, on top of the page's ten.
    create(fake, "backup-dev", name="standalone")
    total = (
        signed_in_with_key.get(LIST, {"q": "backup-dev"}, headers=htmx("workspace-table"))
        .context["result"]
        .page.total_items
    )

    first = signed_in_with_key.get(
        LIST, {"q": "backup-dev", "limit": "10"}, headers=htmx("workspace-table")
    )
    second = signed_in_with_key.get(
        LIST, {"q": "backup-dev", "limit": "10", "page": "2"}, headers=htmx("workspace-table")
    )

    assert len(first.context["result"].page.items) == 11
    assertContains(first, f'<p class="summary muted">Showing 1–10 of {total:,}</p>')
    assertContains(first, "has the identifier <code>backup-dev</code>")
    assert duplicate_ids(first.content.decode()) == []  # its row's links are not repeated
    assertContains(second, f'<p class="summary muted">Showing 11–20 of {total:,}</p>')


LIVE_COUNT = (
    '<p id="workspace-count" class="visually-hidden" role="status"'
    ' data-live-for="workspace-table"></p>'
)


@pytest.mark.parametrize(
    ("params", "target", "headers", "said"),
    [
        ({"q": "vpc"}, "workspace-table", {}, "Showing 1–"),
        ({"status": "failed"}, "workspace-browser", {}, "Showing 1–30 of "),
        (
            {"q": "no-such-workspace-zz"},
            "workspace-table",
            {},
            "No workspace matches these filters.",
        ),
        ({"page": "999"}, "workspace-table", {}, "There is no page 999."),
    ],
)
def test_each_swap_of_the_list_fills_the_live_count_out_of_band(
    signed_in_with_key, fake, params, target, headers, said
):
    # The summary inside the swapped table is inserted with its text, which screen readers do
    # not reliably announce: the count also goes into a live region outside it that stays.
    response = signed_in_with_key.get(LIST, params, headers={**htmx(target), **headers})

    content = response.content.decode()
    assert content.count('id="workspace-count"') == 1
    live = content[content.index('<p id="workspace-count" hx-swap-oob="innerHTML">') :]
    assert said in live[: live.index("</p>")]


def test_the_live_count_stays_outside_the_swapped_regions(signed_in_with_key, fake):
    page = signed_in_with_key.get(LIST).content.decode()

    assert page.count('id="workspace-count"') == 1
    assert page.index('<div id="workspace-browser"') < page.index(LIVE_COUNT)
    browser = page[page.index('<div id="workspace-browser"') : page.index(LIVE_COUNT)]
    assert browser.count("<div") == browser.count("</div>")  # the browser is closed before it
    # The visible summary is not a second live region (it would be announced twice, or not).
    assert '<p class="summary muted">Showing 1–30 of 1,800</p>' in page


def test_summary_counts_with_thousands_separator(signed_in_with_key, fake):
    response = signed_in_with_key.get(LIST, {"page": "2"}, headers=htmx("workspace-table"))

    assertContains(response, "Showing 31–60 of 1,800")
    assertContains(response, 'max="60"')


# --- invalid URLs are corrected, never sent as they are ------------------------------------


@pytest.mark.parametrize(
    ("params", "sent", "notice"),
    [
        ({"page": "-3"}, {"page": ["1"]}, "page number"),
        ({"page": "abc"}, {"page": ["1"]}, "page number"),
        ({"limit": "5000"}, {"limit": ["30"]}, "page size"),
        ({"sort": "foo"}, {"sort": ["name,ASC"]}, "sort order"),
        ({"sort": "name,ASC;drop"}, {"sort": ["name,ASC"]}, "sort order"),
        ({"status": ["active", "bogus;drop"]}, {"status": ["active"]}, "unknown status"),
        ({"window": "1y"}, {}, "time window"),
        ({"q": "x" * 500}, {}, "search"),
    ],
)
def test_invalid_values_are_corrected_with_a_message(
    signed_in_with_key, fake, params, sent, notice
):
    response = signed_in_with_key.get(LIST, params)

    assert response.status_code == 200
    assertContains(response, notice)
    query = last_list_query(fake)
    for key, value in sent.items():
        assert query[key] == value
    assert "bogus" not in str(query)
    assert "x" * 500 not in str(query)


def test_a_filter_change_updates_the_time_window_links_too(signed_in_with_key, fake):
    table = {"HX-Request": "true", "HX-Target": "workspace-table"}

    # A search typed after the page (and its status overview) loaded: the table swaps alone.
    response = signed_in_with_key.get(LIST, {"q": "vpc-dev", "window": "7d"}, headers=table)

    content = response.content.decode()
    nav = content[content.index('<nav id="status-window"') :]
    nav = nav[: nav.index("</nav>")]
    assert 'hx-swap-oob="true"' in nav
    assert 'href="?q=vpc-dev&amp;window=30d"' in nav  # the search stays when the window changes
    assert 'aria-current="true">7 days' in nav


def test_a_time_window_change_refreshes_the_tables_links_too(signed_in_with_key, fake):
    # A window link pressed (htmx names it in HX-Trigger): the overview swaps, and the table,
    # whose sort, pager and page-jump links carry the window, is redrawn out of band.
    window_link = {**htmx("status-overview"), "HX-Trigger": "window-7d"}

    response = signed_in_with_key.get(
        LIST, {"status": "failed", "page": "2", "window": "7d"}, headers=window_link
    )

    content = response.content.decode()
    assert content.lstrip().startswith('<section id="status-overview"')
    table = content[content.index('<div id="workspace-table"') :]
    assert table.startswith('<div id="workspace-table" class="results" hx-swap-oob="true"')
    assert 'href="?status=failed&amp;page=3&amp;window=7d"' in table  # Next
    assert 'href="?status=failed&amp;window=7d&amp;sort=name%2CDESC"' in table  # sort by name
    assert '<input type="hidden" name="window" value="7d">' in table  # the page jump
    # The page, for the next window link or Refresh pressed (they send the form's state).
    assert '<input type="hidden" id="workspace-page" name="page" value="2">' in table
    assert "the status counts above are for the last 7 days only" in table
    assert table.count('id="status-window"') == 0  # the overview brings its own
    assert 'id="workspace-count"' not in content  # the same count: nothing to announce
    assert fake.counters()["iacm.workspaces.list"] == 1


def test_the_status_overview_loading_alone_makes_no_list_call(signed_in_with_key, fake):
    # The overview's own load (hx-trigger="load") and its Refresh are not window changes.
    for trigger in ("status-overview", "status-refresh"):
        headers = {**htmx("status-overview"), "HX-Trigger": trigger}

        response = signed_in_with_key.get(LIST, {"window": "7d"}, headers=headers)

        assertNotContains(response, 'id="workspace-table"')
    assert "iacm.workspaces.list" not in fake.counters()


def test_a_status_chosen_from_the_overview_updates_the_time_window_links_too(
    signed_in_with_key, fake
):
    # A chip or chart bar swaps the filters and the table (#workspace-browser), not the overview
    # that holds the window links: they are redrawn out of band, with the status.
    response = signed_in_with_key.get(
        LIST, {"status": "failed", "window": "7d"}, headers=htmx("workspace-browser")
    )

    content = response.content.decode()
    nav = content[content.index('<nav id="status-window"') :]
    nav = nav[: nav.index("</nav>")]
    assert 'hx-swap-oob="true"' in nav
    assert 'href="?status=failed&amp;window=30d"' in nav
    assert 'aria-current="true">7 days' in nav
    assert content.count('id="tags-selected"') == 1  # the form itself is in the swap


def test_a_status_chip_harness_reports_filters_the_list_by_that_status(signed_in_with_key, fake):
    # Harness's status filter is "array of string" (contract §2.0); its counts may name a status
    # the portal's list of nine does not know yet.
    fake.inject(
        "iacm.metrics", status=200, body=json.dumps({"status_counts": {"queued": 3, "active": 5}})
    )
    strip = signed_in_with_key.get(LIST, headers=htmx("status-overview")).content.decode()
    assert 'href="?status=queued"' in strip  # the chip is offered

    response = signed_in_with_key.get(LIST, {"status": "queued"}, headers=htmx("workspace-browser"))

    assert last_list_query(fake).get("status") == ["queued"]
    assertNotContains(response, "Ignored 1 unknown status filter")
    # The form shows it ticked, so the next filter change keeps it.
    assertContains(response, 'name="status" value="queued" checked')


def test_a_chip_announces_the_count_of_the_list_it_opens(signed_in_with_key, fake):
    strip = metrics(signed_in_with_key, q="vpc")
    chip = next(c for c in strip.context["chips"] if c["status"] == "failed")

    listed = signed_in_with_key.get(LIST + chip["href"], headers=htmx("workspace-table"))

    shown = listed.context["result"].page.total_items
    says = f'aria-label="Show {chip["count_text"]} failed workspaces"'
    assert shown == chip["count"] or says not in strip.content.decode(), (chip["count"], shown)
    # Its name starts with what it shows (WCAG 2.5.3) and says what it does; the note it points
    # to says that the count is the project's while the list keeps the search.
    named = f'aria-label="Failed {chip["count_text"]}: filter the list by this status"'
    assertContains(strip, named)
    assertContains(strip, 'aria-describedby="status-scope"')
    assertContains(strip, "These counts are for the whole project; a click on one keeps your")


def test_a_search_typed_after_the_strip_loaded_updates_its_note(signed_in_with_key, fake):
    # The strip is drawn once; a chip then sends the form as it is now (hx-include).
    searched = signed_in_with_key.get(LIST, {"q": "vpc"}, headers=htmx("workspace-table"))
    cleared = signed_in_with_key.get(LIST, headers=htmx("workspace-table"))

    note = '<p id="status-scope" class="small muted" hx-swap-oob="true">'
    assertContains(searched, note + "These counts are for the whole project; a click on one keeps")
    assertContains(cleared, note + "</p>")
    unfiltered = metrics(signed_in_with_key)
    assertContains(unfiltered, '<p id="status-scope" class="small muted"></p>')


def test_a_status_that_cannot_be_a_filter_is_counted_without_a_link(signed_in_with_key, fake):
    counts = {"needs review": 2, "active": 5}
    fake.inject("iacm.metrics", status=200, body=json.dumps({"status_counts": counts}))

    response = signed_in_with_key.get(LIST, headers=htmx("status-overview"))

    strip = response.content.decode()
    assert 'href="?status=active"' in strip
    assert "status=needs" not in strip  # neither a chip's link nor a chart bar's
    assertContains(response, '<span class="chip__label">Needs review</span>')
    assertContains(response, "the list cannot be filtered by it")


def test_a_tag_the_picker_offers_does_not_turn_into_an_unfiltered_list(signed_in_with_key, fake):
    # Harness reads `tags` as a comma-separated list (contract §2.0), so this tag cannot be a
    # filter: the picker must not offer it, or ticking it would list every workspace.
    create(fake, "shared_dns", tags={"owners": "netops,platform"})
    page = signed_in_with_key.get(LIST).content.decode()
    offered = 'name="tags" value="owners:netops,platform"' in page

    response = signed_in_with_key.get(
        LIST, {"tags": "owners:netops,platform"}, headers=htmx("workspace-table")
    )

    total = response.context["result"].page.total_items
    assert not offered or total == 1, f"offered in the picker, then {total:,} workspaces listed"
    assert 'value="env:dev"' in page  # the other tags are offered
    # Shown, with the reason, but not as a box to tick.
    note = page[page.index('<p class="filters__unusable') :]
    assert "a comma separates tags" in note[: note.index("</ul>")]
    assert "<li><code>owners:netops,platform</code></li>" in note


def test_page_past_the_end_says_so(signed_in_with_key, fake):
    response = signed_in_with_key.get(LIST, {"page": "999"})

    assertContains(response, "There is no page 999")


def test_a_filtered_page_past_the_end_says_so_not_that_nothing_matches(signed_in_with_key, fake):
    response = signed_in_with_key.get(LIST, {"status": "active", "page": "999"})

    assertContains(response, "There is no page 999")
    assertContains(response, 'href="?status=active"')  # the first page, the filter kept
    assertNotContains(response, "No workspace matches these filters")


def test_a_list_without_harness_totals_does_not_invent_them(signed_in_with_key, fake):
    # A raw body: no x-total-* headers.
    fake.inject("iacm.workspaces.list", status=200, body="[]")
    past = signed_in_with_key.get(LIST, {"page": "5"}, headers=htmx("workspace-table"))
    row = {"org": "default", "project": "infra", "status": "active", "created": 1, "updated": 1}
    full = [{**row, "identifier": f"ws_{i}", "name": f"ws-{i}"} for i in range(30)]
    fake.inject("iacm.workspaces.list", status=200, body=json.dumps(full))

    second = signed_in_with_key.get(LIST, {"page": "2"}, headers=htmx("workspace-table"))

    assertContains(past, "There is no page 5.")
    assertNotContains(past, "this list has 5 pages")
    assertContains(second, '<p class="summary muted">Showing 31–60</p>')  # a full page: maybe more
    assertNotContains(second, "Showing 31–60 of 60")
    assertContains(second, 'id="ws-next"')
    assertContains(second, 'href="?page=3"')  # Next
    assertContains(second, '<a id="ws-last" class="button" role="link" aria-disabled="true">')
    assertNotContains(second, "of 3")


def test_no_match_offers_to_clear_filters(signed_in_with_key, fake):
    response = signed_in_with_key.get(LIST, {"q": "no-such-workspace-zz"})

    assertContains(response, "No workspace matches these filters")
    assertContains(response, "Clear filters")


def test_clear_filters_keeps_the_sort_the_page_size_and_the_time_window(signed_in_with_key, fake):
    kept = {"sort": "updated,DESC", "limit": "10", "window": "7d"}

    page = signed_in_with_key.get(LIST, {"q": "no-such-workspace-zz", "status": "failed", **kept})
    table = signed_in_with_key.get(
        LIST, {"q": "no-such-workspace-zz", **kept}, headers=htmx("workspace-table")
    )

    cleared = 'href="?sort=updated%2CDESC&amp;limit=10&amp;window=7d">Clear filters</a>'
    assert page.content.decode().count(cleared) == 2  # the form's link and the empty list's
    assert table.content.decode().count(cleared) == 2  # the same two, one out of band


# --- failures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (503, "Harness answered with an error (HTTP 503)"),
        (500, "Harness answered with an error (HTTP 500)"),
        (429, "Harness is limiting requests right now"),
        (403, "not allowed to do this"),
    ],
)
def test_list_failure_replaces_the_table_with_a_message(signed_in_with_key, fake, status, message):
    fake.inject("iacm.workspaces.list", status=status, times=5)

    response = signed_in_with_key.get(
        LIST, {"q": "vpc", "status": "failed"}, headers=htmx("workspace-table")
    )

    assert response.status_code == 200
    assertContains(response, message)
    if status != 403:
        assertContains(response, "Try again")
        assertContains(response, "?q=vpc&amp;status=failed")  # the retry keeps the filters


def test_list_timeout_is_a_retryable_message(signed_in_with_key, fake, settings):
    settings.HARNESS_READ_TIMEOUT = 0.5  # not the suite's 2 s: the outcome is the same, sooner
    fake.inject("iacm.workspaces.list", delay_ms=1500, times=3)

    response = signed_in_with_key.get(LIST, headers=htmx("workspace-table"))

    assertContains(response, "Harness is not responding right now")
    assertContains(response, "Try again")
    assert fake.counters()["iacm.workspaces.list"] == 1  # a read timeout is not retried


def test_list_malformed_body_is_a_message_not_a_500(signed_in_with_key, fake):
    fake.inject("iacm.workspaces.list", body="malformed", times=3)

    response = signed_in_with_key.get(LIST)

    assert response.status_code == 200
    assertContains(response, "Try again")


def test_tags_failure_leaves_the_list_working_and_says_so(signed_in_with_key, fake):
    fake.inject("iacm.tags", status=500, times=5)

    response = signed_in_with_key.get(LIST, {"status": "failed"})

    assertContains(response, "Showing 1–")
    # Not "no tags" (the seed's workspaces all carry tags): the failure, and a way to retry
    # that reloads the tag picker alone, leaving the list, its page and the address as they are.
    assertNotContains(response, "have no tags")
    assertContains(response, "Tags could not be loaded from Harness")
    # (With htmx the filter form's state then, which a filter change may have changed since.)
    assertContains(
        response,
        f'<a id="tags-retry" href="?status=failed" hx-get="{LIST}"'
        ' hx-include="#workspace-filters" hx-target="#filter-tags" hx-swap="outerHTML"'
        ' hx-sync="this" hx-push-url="false" hx-indicator="#filter-tags">Try again</a>',
    )
    fake.reset()

    retried = signed_in_with_key.get(
        LIST, {"status": "failed", "page": "3"}, headers=htmx("filter-tags")
    )

    assert retried.content.decode().lstrip().startswith('<details id="filter-tags"')
    assertContains(retried, '<details id="filter-tags" class="filters__tags" open>')
    assertNotContains(retried, "Tags could not be loaded")
    assertContains(retried, 'name="tags" value="env:dev"')
    assert retried.content.decode().count(" autofocus>") == 1  # the first tag
    assert fake.counters()["iacm.tags"] == 1  # the failure was not cached
    assert "iacm.workspaces.list" not in fake.counters()  # the list is not read again


def test_a_project_without_tags_says_so(signed_in_with_key, fake):
    fake.inject("iacm.tags", status=200, body="[]")

    response = signed_in_with_key.get(LIST)

    assertContains(response, "This project's workspaces have no tags.")
    assertNotContains(response, "Tags could not be loaded")


# --- workspace page -------------------------------------------------------------------------


def _a_workspace_with_secrets(fake) -> str:
    seed = fake.seed()
    return seed["examples"]["workspace_with_secret"]


def test_workspace_page_shows_every_group(signed_in_with_key, fake):
    identifier = signed_in_with_key.get(LIST).context["result"].page.items[0]["identifier"]

    response = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "infra", identifier])
    )

    assert response.status_code == 200
    for heading in (
        "Overview",
        "Repository",
        "Provisioner and connectors",
        "Variables",
        "Template",
        "Tags",
        "Timestamps",
    ):
        assertContains(response, f">{heading}</h2>")
    assertContains(response, f"/ng/account/{ACCOUNT}/module/iacm/orgs/default/projects/infra")
    assert fake.counters()["iacm.workspaces.get"] == 1
    workspace = response.context["workspace"]
    submodules = {"false": "No", "true": "Yes", "recursive": "Yes, recursively"}
    shown = submodules[workspace.repository_submodules]
    assertContains(response, f"<dt>Submodules</dt><dd>{shown}</dd>")
    if workspace.cost_estimation_enabled and workspace.budget is not None:
        assertContains(response, f"budget ${workspace.budget:,.2f} a month")


def test_workspace_page_shows_secret_variables_as_references(signed_in_with_key, fake):
    workspace = None
    for page in (1, 2, 3):
        items = signed_in_with_key.get(LIST, {"page": page, "limit": 100}).context["result"]
        for ws in items.page.items:
            detail = signed_in_with_key.get(
                reverse("workspace_detail", args=["default", "infra", ws["identifier"]])
            )
            w = detail.context["workspace"]
            if any(
                v.is_secret
                for v in [*w.terraform_variables.values(), *w.environment_variables.values()]
            ):
                workspace = detail
                break
        if workspace:
            break
    assert workspace is not None, "the seed has a workspace with a secret variable"

    assertContains(workspace, "Secret reference")
    assertContains(workspace, "secret-ref")
    assertContains(workspace, '<svg class="icon" aria-hidden="true"')  # the lock, not an emoji
    assertNotContains(workspace, "🔒")


def test_a_workspace_tagged_items_shows_its_tags(signed_in_with_key, fake):
    """A tag or pipeline operation named like a dict method (`items`) is still a key: the
    template loops over (key, value) pairs, not `dict.items`, which Django looks up as a key
    first."""
    create(
        fake, "tagged_items", tags={"items": "42", "team": "data"},
        default_pipelines={"items": {"workspace_pipeline": "odd_op"}},
    )  # fmt: skip

    response = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "infra", "tagged_items"])
    )

    assert response.status_code == 200
    assertContains(response, '<li class="tag"><span>items</span>: 42</li>')
    assertContains(response, '<li class="tag"><span>team</span>: data</li>')
    assertContains(response, "<dt>Default items pipeline</dt><dd><code>odd_op</code></dd>")
    assertContains(response, "&quot;items&quot; = &quot;odd_op&quot;")  # in the Terraform export


def test_the_workspace_page_shows_every_field_harness_returns(signed_in_with_key, fake):
    create(
        fake, "cdk_ws", provisioner="awscdk", provisioner_version="2.200.1",
        provisioner_configuration={
            "language": "python", "language_version": "3.12",
            "package_manager": "pip", "package_manager_version": "25.3",
        },
        ccm_cost_enabled=True,
        terraform_variable_files=[{
            "repository": "vars", "repository_connector": "org.vars_git",
            "repository_branch": "release-7", "repository_path": "prod.tfvars",
        }],
    )  # fmt: skip

    response = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "infra", "cdk_ws"])
    )

    page = response.content.decode().split('id="export"')[0]  # not the export's code
    for shown in ("release-7", "org.vars_git", "python", "3.12", "pip", "25.3"):
        assert shown in page, shown
    assert "<dt>Language</dt><dd>python 3.12</dd>" in page
    assert "<dt>Package manager</dt><dd>pip 25.3</dd>" in page
    assert "<dt>Cloud cost management</dt><dd>On</dd>" in page
    assert "branch <code>release-7</code>" in page


def test_unknown_workspace_is_a_friendly_404(signed_in_with_key, fake):
    response = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "infra", "no_such_ws"])
    )

    assert response.status_code == 404
    assertContains(response, "Workspace not found", status_code=404)
    assertContains(
        response,
        f'href="{reverse("workspace_list", args=["default", "infra"])}">'
        "Go to the workspace list of default / infra</a>",
        status_code=404,
    )


def test_workspace_page_harness_down_is_a_designed_503(signed_in_with_key, fake):
    fake.inject("iacm.workspaces.get", status=503, times=5)

    response = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "infra", "anything"])
    )

    assert response.status_code == 503
    assertContains(response, "<h1>Harness returned an error</h1>", status_code=503)
    assertContains(response, "Try again", status_code=503)
    # Named after where it goes: "My workspaces" is the starred list, not the last project's.
    assertContains(
        response, f'href="{reverse("home")}">Go to the workspace list</a>', status_code=503
    )


@pytest.mark.parametrize(
    ("fault", "heading", "says"),
    [
        ({"status": 500}, "Harness returned an error", "Harness answered with an error (HTTP 500)"),
        ({"status": 429}, "Harness is busy", "Harness is limiting requests"),
        ({"delay_ms": 900}, "Harness is not responding", "Harness is not responding right now"),
    ],
    ids=["500", "429", "timeout"],
)
def test_the_harness_error_pages_heading_agrees_with_its_message(
    signed_in_with_key, fake, settings, fault, heading, says
):
    settings.HARNESS_READ_TIMEOUT = 0.5
    fake.inject("iacm.workspaces.get", times=5, **fault)

    response = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "infra", "backup_dev_0083"])
    )

    # Harness did answer a 500 or a 429: a heading saying it did not contradicts the text under it.
    assertContains(response, f"<h1>{heading}</h1>", status_code=503)
    assertContains(response, says, status_code=503)


# --- status metrics -------------------------------------------------------------------------


def metrics(client, **params):
    return client.get(LIST, params, headers=htmx("status-overview"))


def test_metrics_partial_draws_the_chart(signed_in_with_key, fake):
    response = metrics(signed_in_with_key)

    assert response.content.decode().lstrip().startswith('<section id="status-overview"')
    assertContains(response, "<svg")
    assertContains(response, "Active")
    assertContains(response, "?status=active")
    assertContains(response, "numbers from just now")
    assert fake.counters()["iacm.metrics"] == 1
    assert "iacm.workspaces.list" not in fake.counters()


def test_full_page_does_not_wait_for_metrics(signed_in_with_key, fake):
    response = signed_in_with_key.get(LIST)

    assertContains(response, 'hx-trigger="load"')
    assertContains(response, "Loading status counts")
    assert "iacm.metrics" not in fake.counters()
    # Without JavaScript, the counts are one link away (the strip of every project).
    strip = reverse("status_across")
    assertContains(response, f'<noscript><p><a href="{strip}">See the status counts')
    windowed = signed_in_with_key.get(LIST, {"window": "7d"})
    assertContains(windowed, f'<a href="{strip}?window=7d">See the status counts')


def test_the_strip_loads_with_the_lists_state_as_it_is_then(signed_in_with_key, fake):
    # Not the address the page was drawn for: a search typed since, a status unticked. Its path
    # alone, so that a status the form no longer has is not sent with it.
    response = signed_in_with_key.get(LIST, {"status": "failed", "page": "2"})

    content = response.content.decode()
    strip = content[content.index('<section id="status-overview"') :]
    strip = strip[: strip.index(">")]
    assert f'hx-get="{LIST}" hx-include="#workspace-filters, #workspace-page"' in strip
    assert 'hx-trigger="load"' in strip


def test_the_strip_offers_to_try_again_in_the_words_of_the_other_loads(signed_in_with_key, fake):
    response = signed_in_with_key.get(LIST, {"q": "vpc"})

    content = response.content.decode()
    # Shown by portal.js when the strip's own load fails (a proxy's 502, a dropped connection),
    # worded as All workspaces' strip and list say it.
    start = content.index('<div class="notice notice--error" data-load-failed hidden>')
    notice = content[start : content.index("</div>", start)]
    assert "<p>The status counts did not load. " in notice
    assert 'href="?q=vpc"' in notice
    assert f'hx-get="{LIST}" hx-include="#workspace-filters, #workspace-page"' in notice
    assert 'hx-target="#status-overview" hx-swap="outerHTML"' in notice


@pytest.mark.postgres  # the metrics cache and its cache.add lock
def test_second_metrics_load_makes_no_harness_call(signed_in_with_key, fake):
    metrics(signed_in_with_key)
    metrics(signed_in_with_key)

    assert fake.counters()["iacm.metrics"] == 1


@pytest.mark.parametrize(("unit", "per_second"), [("ms", 1000), ("s", 1)])
def test_window_is_sent_as_start_time_in_the_configured_unit(
    signed_in_with_key, fake, settings, unit, per_second
):
    settings.HARNESS_METRICS_TIME_UNIT = unit
    before = int(time.time())

    response = metrics(signed_in_with_key, window="24h")

    query = fake.log(route="iacm.metrics")[-1]["query"]
    assert "end_time" not in query
    sent = int(query["start_time"][0])
    assert (before - 86_400) * per_second <= sent <= (int(time.time()) - 86_400) * per_second
    window_total = response.context["metrics"].total
    assert 0 < window_total < 1800  # the fake read the unit it was sent: not all-time numbers


@pytest.mark.postgres  # the metrics cache and its cache.add lock
def test_windows_are_cached_separately(signed_in_with_key, fake):
    metrics(signed_in_with_key, window="24h")
    metrics(signed_in_with_key, window="7d")
    metrics(signed_in_with_key, window="24h")

    assert fake.counters()["iacm.metrics"] == 2


@pytest.mark.postgres  # the metrics cache and its cache.add lock
def test_a_new_time_unit_is_not_answered_from_the_old_units_cache(
    signed_in_with_key, fake, settings
):
    settings.HARNESS_METRICS_TIME_UNIT = "ms"
    metrics(signed_in_with_key, window="24h")
    metrics(signed_in_with_key)
    settings.HARNESS_METRICS_TIME_UNIT = "s"

    metrics(signed_in_with_key, window="24h")
    metrics(signed_in_with_key)  # all time sends no time: its numbers hold in either unit

    assert fake.counters()["iacm.metrics"] == 3


@pytest.mark.postgres  # the metrics cache and its cache.add lock
def test_refresh_forces_a_new_fetch(signed_in_with_key, fake):
    metrics(signed_in_with_key)
    metrics(signed_in_with_key, refresh="1")

    assert fake.counters()["iacm.metrics"] == 2


@pytest.mark.postgres  # the metrics cache and its cache.add lock
def test_stale_numbers_are_refreshed_once(signed_in_with_key, fake, settings):
    metrics(signed_in_with_key)
    settings.METRICS_CACHE_SECONDS = 0

    metrics(signed_in_with_key)

    assert fake.counters()["iacm.metrics"] == 2


@pytest.mark.postgres  # the metrics cache and its cache.add lock
def test_another_users_key_gets_its_own_entry(
    signed_in_with_key, client, other_user, fake, django_user_model
):
    from django.test import Client

    credential_save(user=other_user, account_id=ACCOUNT, api_key=READ_KEY)
    other = Client()
    other.force_login(other_user)

    metrics(signed_in_with_key)
    metrics(other)
    metrics(other)

    assert fake.counters()["iacm.metrics"] == 2


@pytest.mark.postgres  # the metrics cache and its cache.add lock
def test_harness_outage_serves_stale_numbers_with_a_notice(signed_in_with_key, fake, settings):
    first = metrics(signed_in_with_key)
    settings.METRICS_CACHE_SECONDS = 0
    fake.inject("iacm.metrics", status=503, times=10)

    response = metrics(signed_in_with_key)

    assertContains(response, "Showing saved numbers")
    assertContains(response, "(stale)")
    assertContains(response, "<svg")
    assert first.context["metrics"].counts == response.context["metrics"].counts


@pytest.mark.postgres  # the metrics cache
@pytest.mark.parametrize("refusal", [403, 404])
def test_a_key_refused_the_project_no_longer_sees_its_counts(
    signed_in_with_key, fake, settings, refusal
):
    metrics(signed_in_with_key)
    settings.METRICS_CACHE_SECONDS = 0
    fake.inject("iacm.metrics", status=refusal, times=5)

    response = metrics(signed_in_with_key)

    assert response.context["metrics"].counts == {}
    assertNotContains(response, "Showing saved numbers")
    assertNotContains(response, "<svg")


def test_outage_without_cached_numbers_shows_an_error_and_refresh(signed_in_with_key, fake):
    fake.inject("iacm.metrics", status=503, times=10)

    response = metrics(signed_in_with_key)

    assert response.status_code == 200
    assertContains(response, "Harness answered with an error (HTTP 503)")
    assertContains(response, "Refresh")
    assertNotContains(response, "<svg")


def test_a_first_load_that_fails_is_an_alert_without_an_age_of_numbers(signed_in_with_key, fake):
    fake.inject("iacm.metrics", status=503, times=10)

    response = metrics(signed_in_with_key)

    content = response.content.decode()
    alert = content[content.index('<div class="notice notice--error"') :]
    assert alert[: alert.index(">")].endswith('role="alert"')  # screen readers are told
    assertNotContains(response, "numbers from")  # there are none, of no age
    assertNotContains(response, "(stale)")
    assertContains(response, 'id="status-refresh"')


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_cold_requests_make_one_harness_call(fake, user_with_key):
    from django.test import Client

    fake.inject("iacm.metrics", delay_ms=300, times=1)  # a slow first call widens the race
    results: list[int] = []
    barrier = threading.Barrier(20, timeout=30)

    def load():
        client = Client()
        client.force_login(user_with_key)
        barrier.wait()
        response = metrics(client)
        results.append(response.status_code if b"<svg" in response.content else -1)

    threads = [threading.Thread(target=load) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert results == [200] * 20
    assert fake.counters()["iacm.metrics"] == 1


# --- Harness call counts per screen (reported in the issue note) --------------------------


def test_harness_calls_per_screen(signed_in_with_key, fake):
    signed_in_with_key.get(LIST)
    metrics(signed_in_with_key)
    first_load = dict(fake.counters())
    fake.reset()

    signed_in_with_key.get(LIST, {"status": "failed"}, headers=htmx("workspace-table"))
    filter_change = dict(fake.counters())
    fake.reset()

    signed_in_with_key.get(LIST)
    metrics(signed_in_with_key)
    reload = dict(fake.counters())

    assert first_load == {"iacm.workspaces.list": 1, "iacm.tags": 1, "iacm.metrics": 1}
    assert filter_change == {"iacm.workspaces.list": 1}
    assert reload == {"iacm.workspaces.list": 1}


@pytest.mark.parametrize(("org", "project"), [("default", "nope"), ("nope", "infra")])
def test_an_unknown_project_is_a_404_with_a_way_out_and_never_remembered(
    signed_in_with_key, user_with_key, fake, org, project
):
    from workspaces.models import HarnessCredential

    signed_in_with_key.get(LIST)  # remembers default / infra

    response = signed_in_with_key.get(reverse("workspace_list", args=[org, project]))

    assert response.status_code == 404
    assertContains(response, "Project not found", status_code=404)
    assertContains(response, f'href="/orgs/{org}/projects/"', status_code=404)
    assertContains(response, 'href="/orgs/"', status_code=404)
    assertNotContains(response, "stale", status_code=404)
    credential = HarnessCredential.objects.get(user=user_with_key)
    assert (credential.current_org, credential.current_project) == ("default", "infra")
    assert signed_in_with_key.get("/")["Location"] == LIST


def test_a_remembered_project_that_is_gone_is_forgotten(signed_in_with_key, user_with_key, fake):
    from workspaces.models import HarnessCredential

    # The project opened last, deleted in Harness since (or out of the key's sight now).
    HarnessCredential.objects.filter(user=user_with_key).update(
        current_org="default", current_project="gone"
    )
    gone = signed_in_with_key.get("/", follow=True)

    again = signed_in_with_key.get("/")

    assert gone.status_code == 404
    assert again["Location"] == reverse("org_list")


def test_home_stops_leading_to_a_project_the_key_can_no_longer_see(
    signed_in_with_key, user_with_key, fake
):
    signed_in_with_key.get(LIST)  # remembered
    # A key bound to another org, saved in its place: Harness refuses it this project (403).
    credential_save(user=user_with_key, account_id=ACCOUNT, api_key=ORG_KEY)
    refused = signed_in_with_key.get(signed_in_with_key.get(reverse("home"))["Location"])

    again = signed_in_with_key.get(reverse("home"))

    assertContains(refused, "Your Harness key is not allowed to do this")
    assert again["Location"] == reverse("org_list")


def test_a_search_for_an_identifier_shows_that_workspace_first(signed_in_with_key, fake):
    response = signed_in_with_key.get(
        LIST, {"q": "backup_dev_0083"}, headers=htmx("workspace-table")
    )

    rows = response.context["result"].page.items
    assert rows[0]["identifier"] == "backup_dev_0083"
    assert [row["identifier"] for row in rows].count("backup_dev_0083") == 1
    assertContains(response, "has the identifier <code>backup_dev_0083</code>")
    assertContains(response, "No name matches; one identifier does")
    assert fake.log(route="iacm.workspaces.get")[-1]["path"].endswith("/backup_dev_0083")
    assert fake.log(route="iacm.workspaces.list")[-1]["query"]["searchTerm"] == ["backup_dev_0083"]


def test_an_identifier_whose_name_matches_too_is_listed_once_across_the_pages(
    signed_in_with_key, fake
):
    # First on page 1 (its identifier is the search), and by name on the last page.
    create(fake, "backup-dev", name="backup-dev-zzzz")
    first = signed_in_with_key.get(
        LIST, {"q": "backup-dev", "limit": "10"}, headers=htmx("workspace-table")
    )
    pages = first.context["result"].page.total_pages

    listed = [row["identifier"] for row in first.context["result"].page.items]
    for number in range(2, pages + 1):
        response = signed_in_with_key.get(
            LIST,
            {"q": "backup-dev", "limit": "10", "page": number},
            headers=htmx("workspace-table"),
        )
        listed += [row["identifier"] for row in response.context["result"].page.items]

    assert pages > 1
    assert listed[0] == "backup-dev"
    assert listed.count("backup-dev") == 1


def test_an_identifier_outside_the_status_filter_is_not_added(signed_in_with_key, fake):
    status = (
        signed_in_with_key.get(LIST, {"q": "backup_dev_0083"}).context["result"].exact["status"]
    )
    other = "failed" if status != "failed" else "active"

    response = signed_in_with_key.get(
        LIST, {"q": "backup_dev_0083", "status": other}, headers=htmx("workspace-table")
    )

    assert response.context["result"].exact is None
    assertContains(response, "No workspace matches these filters")


def test_a_search_that_cannot_be_an_identifier_makes_one_call(signed_in_with_key, fake):
    signed_in_with_key.get(LIST, {"q": "payments api"}, headers=htmx("workspace-table"))

    assert "iacm.workspaces.get" not in fake.counters()


def test_an_identifier_only_match_is_not_page_1_of_0(signed_in_with_key, fake):
    create(fake, "zz_only", name="standalone")

    response = signed_in_with_key.get(LIST, {"q": "zz_only"}, headers=htmx("workspace-table"))

    assertContains(response, "has the identifier <code>zz_only</code>")
    assertContains(
        response, '<caption class="visually-hidden">Workspaces in default / infra</caption>'
    )
    assertNotContains(response, "page 1 of 0")
