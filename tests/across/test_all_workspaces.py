"""`/workspaces/`: one list call per project, merged, streamed by long polls, cached per key
and query; a failing project shows its own error and "Try again" reads only it again."""

import html
import re
import threading
import time
from collections import Counter

from django.core.cache import cache
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from bench.across import _ROW as BENCH_ROW
from tests.across.support import (
    LIST,
    LIVE,
    PROJECTS_SEEN,
    REGION,
    URL,
    follow,
    join_jobs,
    list_a_project_twice,
    listed_projects,
    next_poll,
)
from tests.conftest import ACCOUNT, FULL_KEY, duplicate_ids
from workspaces.across.directory import Directory, visible_projects
from workspaces.across.fanout import _project_key, job_base
from workspaces.across.forms import AcrossQuery
from workspaces.across.listing import LONG_POLL_SECONDS, across_page
from workspaces.across.reuse import _pointer_key
from workspaces.clients import harness_client
from workspaces.harness import HarnessClient

ROW = re.compile(
    r'<tr>\s*<td data-label="Name"><a id="ws-[\w-]+"'
    r' href="/orgs/(\w+)/projects/(\w+)/workspaces/\w+/">([^<]+)</a>'
)


def _rows(response) -> list[tuple[str, str, str]]:
    """(org, project, name) of each table row."""
    return ROW.findall(response.content.decode())


def test_full_page_lists_every_project_with_org_and_project_columns(signed_in_with_key, fake):
    first = signed_in_with_key.get(URL, {"q": "vpc", "limit": 100})

    assert first.status_code == 200
    assertContains(first, "<h1>All workspaces")
    done = follow(signed_in_with_key, first)
    assert next_poll(done.content.decode()) is None
    assertContains(done, '<th scope="col">Org</th>')
    assertContains(done, '<p class="summary muted">Showing 1–')  # announced out of band
    assertContains(done, 'href="/orgs/payments/projects/core/workspaces/">core</a>')
    assert {(org, project) for org, project, _ in _rows(done)} >= {
        ("default", "infra"),
        ("platform", "networking"),
        ("payments", "core"),
    }
    assert sorted(listed_projects(fake)) == sorted(PROJECTS_SEEN)
    # `make bench` times the first rows shown by finding them as this table draws them.
    assert len(BENCH_ROW.findall(done.content)) == len(_rows(done))


def test_the_table_shared_with_a_projects_list_gives_its_ids_once(signed_in_with_key, fake):
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"limit": 10}))

    content = signed_in_with_key.get(URL, {"limit": 10, "page": 2}).content.decode()

    assert 'id="ws-next"' in content and 'id="ws-sort-name"' in content
    # The page shown, for the status strip's window links (they send the filter form's state).
    assert '<input type="hidden" id="workspace-page" name="page" value="2">' in content
    assert duplicate_ids(content) == []


def test_a_filter_change_and_the_tables_links_never_answer_out_of_order(signed_in_with_key, fake):
    # As on a project's list (tests/browser/test_journey_browse.py): a filter change aborts a
    # list request on its way; a sort or page link waits for one. The long polls stay apart.
    first = signed_in_with_key.get(URL, {"limit": 10})
    done = follow(signed_in_with_key, first).content.decode()

    form = re.search(r'<form id="workspace-filters"[^>]*>', first.content.decode())[0]
    live = re.search(r'<div id="across-live"[^>]*>', first.content.decode())[0]
    assert 'hx-sync="#workspace-browser:replace"' in form
    assert "hx-sync" not in live
    assert '<div class="table-wrap" hx-sync="#workspace-browser:queue last">' in done
    assert '<nav class="pager" aria-label="Pages" hx-sync="#workspace-browser:queue last">' in done


def test_the_first_response_shows_progress_and_asks_for_more(signed_in_with_key, fake):
    fake.inject(LIST, delay_ms=400, path="/projects/core/")

    first = signed_in_with_key.get(URL)

    assert re.search(r"[0-5] of 6 projects listed", first.content.decode())
    assertNotContains(first, "/orgs/payments/projects/core/workspaces/")
    assertContains(first, 'hx-trigger="load"')
    assertContains(first, "Refresh</a>")  # without JavaScript, a reload shows the rest
    assert next_poll(first.content.decode()).startswith("?after=")
    started = time.monotonic()
    done = follow(signed_in_with_key, first)
    # Woken when core answered, not after a long poll's full 2 s (LONG_POLL_SECONDS) wait.
    assert time.monotonic() - started < LONG_POLL_SECONDS
    assertNotContains(done, "<html")
    assertContains(done, "/orgs/payments/projects/core/workspaces/")


def test_a_poll_that_fails_has_a_hidden_try_again_of_the_same_poll(signed_in_with_key, fake):
    fake.inject(LIST, delay_ms=400, path="/projects/core/")

    first = signed_in_with_key.get(URL).content.decode()

    live = first[first.index('<div id="across-live"') :]
    poll = re.search(r'hx-get="([^"]+)"', live[: live.index(">")])[1]
    # Shown by portal.js when the poll's own request fails (a proxy's 502, a dropped
    # connection), in place of the lines saying the list is loading ([data-loading]).
    failed = r'<div class="notice notice--error" data-load-failed hidden>.*?</div>'
    notice = re.search(failed, live, re.S)[0]
    assert "The rest of the list did not load." in notice
    retry = re.search(r'<a id="across-live-retry"[^>]*>Try again</a>', notice)[0]
    assert f'href="{poll}" hx-get="{poll}"' in retry
    assert 'hx-target="#across-live" hx-swap="outerHTML"' in retry
    assert re.search(r'<p id="across-progress" [^>]*data-loading', live)
    assert duplicate_ids(first) == []
    done = follow(signed_in_with_key, signed_in_with_key.get(URL)).content.decode()
    assert "data-load-failed" not in done  # a complete list loads nothing more


def test_the_partial_renders_the_results_region_only(signed_in_with_key, fake):
    response = signed_in_with_key.get(URL, {"q": "vpc"}, headers=REGION)

    assert response.content.decode().lstrip().startswith('<div id="across-results"')
    assertNotContains(response, "<html")
    assertContains(response, 'id="clear-filters" hx-swap-oob="true"')  # the form's copy
    assertContains(follow(signed_in_with_key, response), "/orgs/default/projects/infra/")


def test_a_long_poll_waits_until_another_project_answers(signed_in_with_key, fake):
    fake.inject(LIST, delay_ms=400, path="/projects/sandbox/")
    fake.inject(LIST, delay_ms=1200, path="/projects/core/")
    first = signed_in_with_key.get(URL)
    while "4 of 6 projects listed" not in first.content.decode():
        first = signed_in_with_key.get(URL + next_poll(first.content.decode()), headers=LIVE)

    started = time.monotonic()
    second = signed_in_with_key.get(URL + next_poll(first.content.decode()), headers=LIVE)

    assert time.monotonic() - started < LONG_POLL_SECONDS  # woken by sandbox's answer
    assertContains(second, "5 of 6 projects listed")
    assert second.content.decode().lstrip().startswith('<div id="across-live"')  # the poll's part
    follow(signed_in_with_key, second)


def test_a_failing_project_shows_its_error_and_try_again_reads_only_it(signed_in_with_key, fake):
    fake.inject(LIST, status=503, times=3, path="/projects/core/")  # the client retries twice
    done = follow(signed_in_with_key, signed_in_with_key.get(URL))
    assertContains(done, "payments / core</a>\n          could not be listed: Harness answered")
    assertContains(done, 'name="retry" value="payments/core"')
    assertContains(done, "/orgs/platform/projects/networking/workspaces/")
    fake.clear_log()

    retried = signed_in_with_key.post(URL, {"retry": "payments/core"}, headers=LIVE)
    done = follow(signed_in_with_key, retried)

    assert listed_projects(fake) == ["payments/core"]
    assertNotContains(done, "could not be listed")
    assertContains(done, "/orgs/payments/projects/core/workspaces/")


def test_the_summary_says_a_project_failed_on_the_whole_page_as_in_its_updates(
    signed_in_with_key, fake
):
    fake.inject(LIST, status=503, times=3, path="/projects/core/")
    update = follow(signed_in_with_key, signed_in_with_key.get(URL))

    page = signed_in_with_key.get(URL)  # the complete list, loaded whole

    said = [
        re.search(r'<p class="summary muted">([^<]*)</p>', response.content.decode())[1]
        for response in (update, page)
    ]
    assert said[0] == said[1], said
    assert said[0].endswith("from 6 projects; 1 could not be listed"), said[0]
    assertContains(update, f'<p id="across-count" hx-swap-oob="innerHTML">{said[0]}</p>')


def test_while_a_project_is_read_again_it_shows_as_to_come_not_as_failed(signed_in_with_key, fake):
    fake.inject(LIST, status=503, times=3, path="/projects/core/")
    follow(signed_in_with_key, signed_in_with_key.get(URL))
    fake.inject(LIST, delay_ms=400, times=1, path="/projects/core/")

    retried = signed_in_with_key.post(URL, {"retry": "payments/core"}, headers=LIVE)

    assertNotContains(retried, "could not be listed")
    assertNotContains(retried, 'value="payments/core"')  # no second Try again meanwhile
    assertContains(retried, "5 of 6 projects listed")
    assertContains(follow(signed_in_with_key, retried), "/orgs/payments/projects/core/workspaces/")


def test_try_again_without_javascript_redirects_back_to_the_list(signed_in_with_key, fake):
    fake.inject(LIST, status=503, times=3, path="/projects/core/")
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "vpc"}))

    response = signed_in_with_key.post(URL + "?q=vpc", {"retry": "payments/core"})

    assertRedirects(response, URL + "?q=vpc", fetch_redirect_response=False)
    join_jobs()
    assert listed_projects(fake).count("payments/core") == 4  # 3 refused, 1 read again


def test_a_project_without_access_is_said_and_not_retried(signed_in_with_key, fake):
    fake.inject(LIST, status=403, path="/projects/data/")

    done = follow(signed_in_with_key, signed_in_with_key.get(URL))

    assertContains(done, "is not listed: your key has no access to it.")
    assertNotContains(done, 'value="platform/data"')


def test_a_refused_key_goes_to_the_key_page(signed_in_with_key, fake):
    visible_projects(client=harness_client(account_id=ACCOUNT, api_key=FULL_KEY), fingerprint="x")
    fake.inject(LIST, status=401, times=6)

    poll = follow(signed_in_with_key, signed_in_with_key.get(URL))

    # The page showed at once; its long poll learns of the 401 and sends the browser on.
    assert poll.headers["HX-Redirect"] == reverse("harness_key")
    # The refusal is not kept (the key may be saved again meanwhile): reloaded without
    # JavaScript, the page asks Harness again, and its Refresh, which waits as the long poll
    # does, learns of the 401 with a plain redirect.
    join_jobs()
    fake.clear_faults()
    fake.clear_log()
    fake.inject(LIST, status=401, times=6, delay_ms=300)
    reloaded = signed_in_with_key.get(URL)
    refresh = re.search(r'href="([^"]*)">Refresh</a>', reloaded.content.decode())[1]
    refreshed = signed_in_with_key.get(URL + html.unescape(refresh))
    assertRedirects(refreshed, reverse("harness_key"), fetch_redirect_response=False)
    assert listed_projects(fake)


def test_a_key_harness_accepts_again_is_not_sent_back_by_a_remembered_refusal(
    signed_in_with_key, fake
):
    fake.inject(LIST, status=401, times=6)  # Harness refused the key for a moment
    refused = follow(signed_in_with_key, signed_in_with_key.get(URL))
    assert refused.headers["HX-Redirect"] == reverse("harness_key")

    # On the key page the person saves the same key again; Harness accepts it now.
    join_jobs()
    fake.clear_faults()
    saved = signed_in_with_key.post(
        reverse("harness_key"), {"api_key": FULL_KEY, "account_id": ACCOUNT}
    )
    assert saved.status_code == 302 and saved["Location"] == reverse("org_list")

    # All workspaces is read with the accepted key, not answered by the cached 401.
    again = follow(signed_in_with_key, signed_in_with_key.get(URL))
    assert again.status_code == 200, again.get("Location")
    assert "HX-Redirect" not in again.headers
    assert _rows(again)


def test_a_poll_after_the_refused_job_ended_still_goes_to_the_key_page(signed_in_with_key, fake):
    fake.inject(LIST, status=401, times=6)  # Harness refused the key for a moment
    page = signed_in_with_key.get(URL)  # shown at once; its first poll comes later
    join_jobs()  # the job ended (refused) before that poll

    polled = signed_in_with_key.get(URL + next_poll(page.content.decode()), headers=LIVE)

    assert polled.headers["HX-Redirect"] == reverse("harness_key")


def test_a_refusal_the_finished_job_holds_does_not_send_a_saved_key_back(signed_in_with_key, fake):
    # Harness refuses the key for a moment, on one project's call; the page (no JavaScript,
    # or a tab closed) is shown at once and nobody polls before the job finishes.
    fake.inject(LIST, status=401, path="/projects/sandbox/", delay_ms=300)
    first = signed_in_with_key.get(URL)
    assert first.status_code == 200
    join_jobs()

    # The person saves the same key again; Harness accepts it now.
    fake.clear_faults()
    saved = signed_in_with_key.post(
        reverse("harness_key"), {"api_key": FULL_KEY, "account_id": ACCOUNT}
    )
    assert saved.status_code == 302

    # The finished job did not keep the 401: the list asks Harness again.
    fake.clear_log()
    again = signed_in_with_key.get(URL)
    assert again.status_code == 200, (again.get("Location"), len(fake.log(route=LIST)))
    again = follow(signed_in_with_key, again)
    assert "HX-Redirect" not in again.headers
    assert listed_projects(fake)


def test_after_a_401_the_calls_not_yet_made_are_not_made(signed_in_with_key, fake, settings):
    settings.ACROSS_CONCURRENCY = 1
    fake.inject(LIST, status=401, path="/projects/empty/")  # the first project read
    fake.inject(LIST, delay_ms=300, times=len(PROJECTS_SEEN))

    poll = follow(signed_in_with_key, signed_in_with_key.get(URL))
    join_jobs()

    assert poll.headers["HX-Redirect"] == reverse("harness_key")
    # The key is refused: at most the call already on its way when the 401 came is made.
    assert listed_projects(fake)[0] == "default/empty" and len(listed_projects(fake)) <= 2


def test_the_page_shows_at_once_and_its_first_poll_waits_for_rows(signed_in_with_key, fake):
    fake.inject(LIST, delay_ms=250, path="/projects/empty/")  # answers first, with no rows
    for project in PROJECTS_SEEN[1:]:
        fake.inject(LIST, delay_ms=600, path=f"/projects/{project.split('/')[1]}/")

    page = signed_in_with_key.get(URL)

    assertContains(page, "0 of 6 projects listed")  # not held until a project answered
    poll = signed_in_with_key.get(URL + next_poll(page.content.decode()), headers=LIVE)
    # Not returned when the empty project answered: nothing to show until rows exist.
    assert _rows(poll)


def test_without_javascript_refresh_waits_for_rows_as_the_long_poll_does(signed_in_with_key, fake):
    fake.inject(LIST, delay_ms=250, path="/projects/empty/")
    for project in PROJECTS_SEEN[1:]:
        fake.inject(LIST, delay_ms=600, path=f"/projects/{project.split('/')[1]}/")
    page = signed_in_with_key.get(URL)
    refresh = re.search(r'href="([^"]*)">Refresh</a>', page.content.decode())[1]

    reloaded = signed_in_with_key.get(URL + html.unescape(refresh))

    assertContains(reloaded, "<h1>All workspaces")  # the whole page, not a region
    assert _rows(reloaded)


def test_rows_are_merged_in_the_chosen_order_across_projects(signed_in_with_key, fake):
    by_name = follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "vpc", "limit": 100}))
    names = [name for _, _, name in _rows(by_name)]
    by_update = follow(
        signed_in_with_key, signed_in_with_key.get(URL, {"q": "vpc", "sort": "updated,DESC"})
    )

    assert names == sorted(names, key=str.lower)
    assert len({project for _, project, _ in _rows(by_name)}) >= 3
    stamps = re.findall(r'<time datetime="([^"]+)"', by_update.content.decode())
    assert stamps == sorted(stamps, reverse=True) and len(stamps) == 30


def test_org_and_project_filters_narrow_the_projects_called(signed_in_with_key, fake):
    first = signed_in_with_key.get(URL, {"org": "platform", "project": ["payments/core", "nope/x"]})
    done = follow(signed_in_with_key, first)

    assert sorted(listed_projects(fake)) == [
        "payments/core",
        "platform/data",
        "platform/networking",
    ]
    assertContains(first, "Your key cannot see 1 of the chosen projects")
    assert {org for org, _, _ in _rows(done)} == {"platform", "payments"}


def test_a_view_naming_only_projects_the_key_cannot_see_lists_nothing(signed_in_with_key, fake):
    """A saved view opened with another key: its projects narrow the list, never widen it."""
    response = signed_in_with_key.get(URL, {"org": "secret_org", "project": "hidden/one"})

    assertContains(response, "None of the chosen projects can be read.")
    assertContains(response, "Your key cannot see 1 of the chosen organisation:")
    assert listed_projects(fake) == []


def test_a_cached_result_makes_no_harness_call_and_a_page_change_neither(signed_in_with_key, fake):
    follow(signed_in_with_key, signed_in_with_key.get(URL))
    fake.clear_log()

    again = signed_in_with_key.get(URL)
    page_two = signed_in_with_key.get(URL, {"page": 2}, headers=REGION)

    assert fake.log() == []
    assert next_poll(again.content.decode()) is None
    assertContains(page_two, "Showing 31–60 of")


def test_another_order_reads_again_only_when_a_project_had_more_matches(signed_in_with_key, fake):
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"project": "platform/data"}))
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"project": "default/infra"}))
    fake.clear_log()

    follow(
        signed_in_with_key,
        signed_in_with_key.get(URL, {"project": "platform/data", "sort": "name,DESC"}),
    )
    infra = follow(
        signed_in_with_key,
        signed_in_with_key.get(URL, {"project": "default/infra", "sort": "name,DESC"}),
    )

    assert listed_projects(fake) == ["default/infra"]  # 1,800 matches: its first 100 differ
    assertContains(infra, "1,800 match, the first 100 are shown")


def test_two_concurrent_requests_make_one_call_per_project(fake, db):
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
    directory = visible_projects(client=client, fingerprint="fp")
    fake.set_latency(50)
    fake.clear_log()
    results = []

    def read():
        results.append(
            across_page(client=client, fingerprint="fp", directory=directory, query=AcrossQuery())
        )

    try:
        threads = [threading.Thread(target=read) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        join_jobs()
    finally:
        fake.set_latency(0)

    assert sorted(listed_projects(fake)) == sorted(PROJECTS_SEEN)
    assert len(results) == 2


def test_the_status_strip_loads_in_the_lists_window(signed_in_with_key, fake):
    response = signed_in_with_key.get(URL, {"window": "7d"})

    assertContains(response, 'hx-get="/workspaces/status/?window=7d"')
    # A filter change keeps it (the list's links and a saved view carry it too).
    content = response.content.decode()
    form = content[content.index('<form id="workspace-filters"') :]
    assert '<input type="hidden" name="window" value="7d">' in form[: form.index("</form>")]
    follow(signed_in_with_key, response)


def test_a_status_in_a_window_says_the_counts_are_for_the_window_only(signed_in_with_key, fake):
    # The strip's "Failed 3" in the last 7 days leads here; the list shows every failed one.
    windowed = signed_in_with_key.get(URL, {"window": "7d", "status": "failed"}, headers=REGION)
    all_time = signed_in_with_key.get(URL, {"status": "failed"}, headers=REGION)

    note = "the status counts above are for the last 7 days only"
    assertContains(windowed, note)
    assertNotContains(all_time, "the status counts above are for the last")
    follow(signed_in_with_key, windowed)
    follow(signed_in_with_key, all_time)


LIVE_COUNT = (
    '<p id="across-count" class="visually-hidden" role="status" data-live-for="across-results">'
)
COUNT_OOB = '<p id="across-count" hx-swap-oob="innerHTML">'


def _said(response) -> str | None:
    """What a response puts in the live count (out of band), None when it leaves it alone."""
    content = response.content.decode()
    if COUNT_OOB not in content:
        return None
    assert content.count('id="across-count"') == 1
    said = content[content.index(COUNT_OOB) + len(COUNT_OOB) :]
    return said[: said.index("</p>")]


def test_the_live_count_stays_outside_the_swapped_results(signed_in_with_key, fake):
    # A live region inserted with its text (the results swapped outerHTML, each poll's part)
    # is not reliably announced: one that stays is filled out of band, as on a project's list.
    page = signed_in_with_key.get(URL)

    content = page.content.decode()
    assert content.count('id="across-count"') == 1
    browser = content[content.index('<div id="workspace-browser"') : content.index(LIVE_COUNT)]
    assert browser.count("<div") == browser.count("</div>")  # closed before it
    # Nothing inside the swapped regions is a live region of its own (announced twice, or not).
    assert 'role="status"' not in browser
    follow(signed_in_with_key, page)


def test_the_live_count_is_filled_once_the_list_is_complete_not_on_each_poll(
    signed_in_with_key, fake
):
    fake.inject(LIST, delay_ms=400, path="/projects/core/")

    response = signed_in_with_key.get(URL, {"q": "vpc"}, headers=REGION)
    said = []
    while (poll := next_poll(response.content.decode())) is not None:
        said.append(_said(response))
        response = signed_in_with_key.get(URL + poll, headers=LIVE)

    assert said and set(said) == {None}  # "5 of 6 projects listed…" is not announced
    assert re.fullmatch(r"Showing 1–\d+ of \d+ from 6 projects", _said(response))


def test_each_swap_of_a_complete_list_says_its_empty_state_in_the_live_count(
    signed_in_with_key, fake
):
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "vpc"}))
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "no-such-workspace"}))

    past_the_end = signed_in_with_key.get(URL, {"q": "vpc", "page": "99"}, headers=REGION)
    no_match = signed_in_with_key.get(URL, {"q": "no-such-workspace"}, headers=REGION)
    full_page = signed_in_with_key.get(URL, {"q": "vpc"})  # the page itself is read out

    assert _said(past_the_end) == "There is no page 99."
    assert _said(no_match) == "No workspace matches these filters in 6 projects."
    assert _said(full_page) is None


def test_empty_states(signed_in_with_key, fake):
    fake.inject("v1.orgs.list", status=200, body="[]")
    nothing_to_read = signed_in_with_key.get(URL)
    cache.clear()  # the (empty) directory is cached per key
    no_match = follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "no-such-workspace"}))
    fake.inject(LIST, status=503, times=3 * len(PROJECTS_SEEN))
    all_failed = follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "vpc"}))

    assertContains(nothing_to_read, "Your key cannot see any project.")
    assertContains(no_match, "No workspace matches these filters in 6 projects.")
    assertContains(all_failed, "None of the 6 projects could be listed.")
    assert all_failed.content.decode().count('name="retry"') == 6


def test_an_identifier_searched_for_says_the_search_matches_names(signed_in_with_key, fake):
    # default/infra's backup-dev-0083 has the identifier backup_dev_0083 (README "Across
    # projects": the search matches names; a project's list also finds an identifier).
    pasted = follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "backup_dev_0083"}))
    words = follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "no such workspace"}))

    assertContains(pasted, "No workspace matches these filters in 6 projects.")
    assertContains(pasted, "The search here matches workspace names only.")
    assertContains(pasted, "To find a workspace by its identifier, search its project's list.")
    assert fake.log(route="iacm.workspaces.get") == []  # one list call per project, no lookup
    assertContains(words, "No workspace matches these filters")
    assertNotContains(words, "matches workspace names only")


def test_a_job_whose_coordinator_died_is_started_again(signed_in_with_key, user_with_key, fake):
    follow(signed_in_with_key, signed_in_with_key.get(URL))
    base = job_base(
        account=ACCOUNT,
        fingerprint=user_with_key.harness_credential.key_fingerprint,
        query=AcrossQuery(),
        projects=PROJECTS_SEEN,
    )
    meta = cache.get(base)
    fake.clear_log()

    cache.set(base, {**meta, "complete": False})  # still running, but nobody holds the lock
    # It died before platform/data answered: neither its answer nor its offer to reuse exist.
    cache.delete_many(
        [_project_key(base, meta["run"], "platform/data"), _pointer_key(base, "platform/data")]
    )
    done = follow(signed_in_with_key, signed_in_with_key.get(URL))

    # Started again: the answers it had written are reused, the one missing is read.
    assert listed_projects(fake) == ["platform/data"]
    assertContains(done, "from 6 projects")


def test_a_slow_project_does_not_get_a_running_job_taken_for_dead(
    signed_in_with_key, fake, monkeypatch
):
    from workspaces.across import fanout

    monkeypatch.setattr(fanout, "stale_after", lambda: 0.4)  # renewed every 0.1 s
    fake.inject(LIST, delay_ms=1200, path="/projects/core/")
    signed_in_with_key.get(URL)
    time.sleep(0.8)  # the other projects answered long ago; core is still out

    another_tab = signed_in_with_key.get(URL)

    follow(signed_in_with_key, another_tab)
    join_jobs()
    assert sorted(listed_projects(fake)) == sorted(PROJECTS_SEEN)  # not started again


def test_an_order_changed_while_the_list_loads_shows_that_orders_first_rows(
    signed_in_with_key, fake
):
    # default/infra has 1,800 workspaces: only its first 100 in the job's order are read.
    fake.inject(LIST, delay_ms=300, times=1, path="/projects/networking/")
    signed_in_with_key.get(URL)  # starts the job in the default order, name ascending

    descending = signed_in_with_key.get(URL, {"sort": "name,DESC"}, headers=REGION)
    done = follow(signed_in_with_key, descending)

    infra_sorts = [
        entry["query"]["sort"]
        for entry in fake.log(route=LIST)
        if "/projects/infra/" in entry["path"]
    ]
    assert infra_sorts == [["name,ASC"], ["name,DESC"]]  # read again in the new order
    join_jobs()
    cache.clear()
    cold = follow(signed_in_with_key, signed_in_with_key.get(URL, {"sort": "name,DESC"}))
    assert _rows(done)[:30] == _rows(cold)[:30]


def test_a_project_listed_twice_while_harness_pages_shifted_does_not_restart_the_list_forever(
    signed_in_with_key, fake, monkeypatch
):
    list_a_project_twice(monkeypatch)

    response = signed_in_with_key.get(URL, {"q": "vpc-prod"})
    for _ in range(15):
        poll = next_poll(response.content.decode())
        if poll is None:
            break
        response = signed_in_with_key.get(URL + poll, headers=LIVE)

    assert next_poll(response.content.decode()) is None, "the list never completes"
    calls = Counter(listed_projects(fake))
    assert max(calls.values()) == 1, calls  # each project read once, not again on every poll


def test_a_job_over_a_project_named_twice_completes_and_counts_it_once(fake, db):
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
    infra = next(
        ref
        for ref in visible_projects(client=client, fingerprint="fp").projects
        if ref.key == "default/infra"
    )
    twice = Directory(projects=(infra, infra))
    query = AcrossQuery(q="vpc-prod")

    across_page(client=client, fingerprint="fp", directory=twice, query=query)
    join_jobs()
    fake.clear_log()
    again = across_page(client=client, fingerprint="fp", directory=twice, query=query)

    assert again.complete and (again.projects, again.done) == (1, 1)
    assert fake.log() == []  # its one answer is the whole job: not taken as partly expired


def test_try_again_for_an_org_whose_projects_could_not_be_listed_asks_harness_again(
    signed_in_with_key, fake
):
    fake.inject("v1.projects.list", status=503, times=3, path="/orgs/payments/")
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "vpc"}))
    full = signed_in_with_key.get(URL, {"q": "vpc"})  # the notice is outside the region
    # Harness answers again; the person presses that notice's "Try again" (a plain link).
    try_again = re.search(
        r"The projects of payments could not be listed[^<]*<a href=\"([^\"]+)\">Try again</a>",
        full.content.decode(),
    )
    assert try_again, full.content.decode()
    fake.clear_log()

    again = signed_in_with_key.get(html.unescape(try_again[1]))

    assert fake.log(route="v1.projects.list"), "Try again made no Harness call"
    assertNotContains(again, "The projects of payments could not be listed")
    assertContains(again, 'name="q" value="vpc"', html=False)  # the list's own query is kept
    # The marker is not carried on: the polls and links read the directory from the cache.
    assertNotContains(again, "directory=refresh")
    fake.clear_log()
    follow(signed_in_with_key, again)
    assert fake.log(route="v1.projects.list") == []


def test_projects_past_the_limit_are_reached_by_narrowing_to_their_org(
    signed_in_with_key, fake, settings
):
    settings.ACROSS_MAX_PROJECTS = 3
    first = signed_in_with_key.get(URL)
    assertContains(first, "Your key can see 6 projects; only the first 3 are searched.")
    assertContains(first, "Choose organisations or projects to narrow it.")
    follow(signed_in_with_key, first)
    assert sorted(listed_projects(fake)) == sorted(PROJECTS_SEEN[:3])
    fake.clear_log()

    page = signed_in_with_key.get(URL, {"org": "platform"})
    narrowed = follow(signed_in_with_key, page)

    for response in (page, narrowed):
        assertNotContains(response, "Your key cannot see")
        assertNotContains(response, "only the first 3 are searched")
    assert sorted(listed_projects(fake)) == ["platform/data", "platform/networking"]
    assertContains(narrowed, "from 2 projects")
    # The project checkboxes offer every project, past the limit too.
    assertContains(page, 'name="project" value="platform/networking"')


def test_when_no_orgs_projects_could_be_listed_the_page_does_not_say_the_key_sees_none(
    signed_in_with_key, fake
):
    fake.inject("v1.projects.list", status=503, times=30)  # every org, the client's retries too

    page = signed_in_with_key.get(URL)
    swapped = signed_in_with_key.get(URL, {"q": "vpc"}, headers=REGION)

    assertContains(page, "The projects of default could not be listed")
    for response in (page, swapped):
        assertNotContains(response, "Your key cannot see any project.")
        assertContains(response, "No project could be listed right now")
    assert _said(swapped).startswith("No project could be listed right now")


def test_an_org_chosen_whose_projects_could_not_be_listed_is_not_said_unseen(
    signed_in_with_key, fake
):
    fake.inject("v1.projects.list", status=503, times=3, path="/orgs/payments/")

    response = signed_in_with_key.get(URL, {"org": "payments", "project": "payments/core"})

    assertContains(response, "The projects of payments could not be listed")
    assertNotContains(response, "Your key cannot see")
    assertContains(
        response,
        "The projects of the chosen organisation payments could not be listed right now: "
        "use Try again above.",
    )
    assertContains(
        response,
        "The chosen project payments/core could not be listed right now: use Try again above.",
    )


def test_another_order_after_try_again_read_a_project_with_more_matches_reads_it_again(
    signed_in_with_key, fake
):
    # default/infra (1,800 workspaces) fails, then "Try again" reads its first 100 by name.
    fake.inject(LIST, status=503, times=3, path="/projects/infra/")
    follow(signed_in_with_key, signed_in_with_key.get(URL))
    retried = follow(
        signed_in_with_key, signed_in_with_key.post(URL, {"retry": "default/infra"}, headers=LIVE)
    )
    assertContains(retried, "1,800 match, the first 100 are shown")

    descending = follow(
        signed_in_with_key, signed_in_with_key.get(URL, {"sort": "name,DESC"}, headers=REGION)
    )

    join_jobs()
    cache.clear()
    cold = follow(signed_in_with_key, signed_in_with_key.get(URL, {"sort": "name,DESC"}))
    assert _rows(descending)[:30] == _rows(cold)[:30]


def test_a_rate_limit_holds_the_next_calls_and_a_reload_after_it_reads_the_failed_again(
    signed_in_with_key, fake, settings, harness_proxy
):
    settings.ACROSS_CONCURRENCY = 1  # core, then data and networking, one after the other
    settings.HARNESS_BASE_URL = harness_proxy.base_url
    harness_proxy.refuse("/projects/core/workspaces", retry_after=1)

    first = follow(signed_in_with_key, signed_in_with_key.get(URL))

    # Core's own call was refused (429); the calls after it waited out Retry-After, not failed.
    assertContains(first, "payments / core</a>\n          could not be listed: Harness is limiting")
    assert first.content.decode().count("could not be listed:") == 1
    assert {"platform/data", "platform/networking"} <= set(listed_projects(fake))
    assertContains(first, "/orgs/platform/projects/networking/workspaces/")
    time.sleep(1.2)  # Harness's Retry-After has passed
    fake.clear_log()

    again = follow(signed_in_with_key, signed_in_with_key.get(URL))

    assert listed_projects(fake) == ["payments/core"]  # the failed one only, not every project
    assertNotContains(again, "could not be listed")
    assertContains(again, "/orgs/payments/projects/core/workspaces/")


def test_try_again_for_every_project_reads_at_most_across_concurrency_at_once(
    signed_in_with_key, fake, settings, monkeypatch
):
    settings.ACROSS_CONCURRENCY = 2
    fake.inject(LIST, status=503, times=3 * len(PROJECTS_SEEN))  # the client retries twice
    follow(signed_in_with_key, signed_in_with_key.get(URL))
    fake.clear_faults()
    fake.inject(LIST, delay_ms=600, times=len(PROJECTS_SEEN))
    running, most, lock = [0], [0], threading.Lock()
    real = HarnessClient.list_workspaces

    def counted(self, **kwargs):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return real(self, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(HarnessClient, "list_workspaces", counted)

    for project in PROJECTS_SEEN:
        signed_in_with_key.post(URL, {"retry": project}, headers=LIVE)
    join_jobs()

    assert most[0] <= 2
    assert sorted(listed_projects(fake)[-len(PROJECTS_SEEN) :]) == sorted(PROJECTS_SEEN)
    assertNotContains(follow(signed_in_with_key, signed_in_with_key.get(URL)), "could not be")


def _assert_busy_region(response, said: str) -> None:
    """The results region, whole, saying the list is refused as busy, with no rows nor poll."""
    content = response.content.decode()
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#across-results"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert response.headers["HX-Push-Url"] == "false"
    assert content.lstrip().startswith('<div id="across-results"')
    assert said in content
    assert "<tr>" not in content and next_poll(content) is None
    assert 'hx-trigger="load"' not in content


def test_a_search_refused_as_busy_replaces_the_results_with_the_refusal(
    signed_in_with_key, fake, settings
):
    settings.ACROSS_MAX_JOBS_PER_KEY = 1
    settings.ACROSS_CONCURRENCY = 1
    fake.inject(LIST, delay_ms=1200, times=6)
    signed_in_with_key.get(URL, {"q": "vpc"})  # its list is loading, in the key's one slot

    refused = signed_in_with_key.get(URL, {"q": "dns"}, headers=REGION)

    fake.clear_faults()  # the first list finishes soon
    _assert_busy_region(refused, "You already have 1 cross-project list loading")
    try_again = re.search(
        r'<a class="button" href="([^"]+)" hx-get="([^"]+)"', refused.content.decode()
    )
    assert try_again and html.unescape(try_again[1]) == URL + "?q=dns" == html.unescape(
        try_again[2]
    )
    assertContains(refused, 'id="clear-filters" hx-swap-oob="true"')  # the form's copy


def test_a_try_again_refused_as_busy_replaces_the_results_with_the_refusal(
    signed_in_with_key, fake, settings
):
    fake.inject(LIST, status=503, times=3, path="/projects/core/")
    follow(signed_in_with_key, signed_in_with_key.get(URL))
    settings.ACROSS_MAX_JOBS_PER_KEY = 1
    fake.inject(LIST, delay_ms=1200, times=1)
    signed_in_with_key.get(URL, {"q": "vpc"})  # another list of the key's is loading

    refused = signed_in_with_key.post(URL, {"retry": "payments/core"}, headers=LIVE)

    fake.clear_faults()
    _assert_busy_region(refused, "You already have 1 cross-project list loading")
