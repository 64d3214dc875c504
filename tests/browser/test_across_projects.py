"""All workspaces: a search across projects, and a failing project that recovers on Try again."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settled, sign_in
from tests.conftest import ACCOUNT, FULL_KEY


def test_search_across_projects_and_retry_the_one_that_failed(
    page, live_server, fake, browser_user, artifacts, settings
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    page.get_by_role("link", name="All workspaces", exact=True).click()
    results = page.locator("#across-results")
    live = page.locator("#across-live")
    expect(live).to_have_attribute("aria-busy", "false")
    page.wait_for_load_state()  # htmx listens to the filters once the page has loaded

    # Two orgs, then a search: the rows come from three projects of those two orgs.
    page.get_by_text("Organisations and projects").click()
    page.get_by_role("checkbox", name=re.compile(r"^Default \(all\)")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Platform \(all\)")).check()
    page.get_by_label("Search by name").fill("vpc-prod")
    expect(page).to_have_url(re.compile(r"q=vpc-prod"))
    expect(live).to_have_attribute("aria-busy", "false")
    project_cells = results.locator("tbody td:nth-child(3)")
    expect(results.locator(".summary")).to_have_text(re.compile(r"of 29 from 5 projects"))
    # The count reaches a screen reader, as on a project's list: from a live region that stays
    # outside the swapped results, filled once the list is complete.
    said = page.get_by_role("status").filter(has_text="Showing")
    expect(said).to_have_count(1)
    expect(said).to_have_text(re.compile(r"^Showing 1–29 of 29 from 5 projects$"))
    assert not said.evaluate("e => e.closest('#across-results')")
    assert set(project_cells.all_inner_texts()) == {"infra", "networking", "data"}
    org_cells = results.locator("tbody td:nth-child(2)")
    assert set(org_cells.all_inner_texts()) == {"default", "platform"}

    # One project fails (the client's two retries too): it says so; the others still list.
    fake.inject("iacm.workspaces.list", status=503, times=3, path="/projects/networking/")
    page.get_by_label("Search by name").fill("vpc-pro")  # a new search: a new fan-out
    expect(page).to_have_url(re.compile(r"q=vpc-pro&|q=vpc-pro$"))
    failure = results.locator(".notice--project")
    expect(failure).to_contain_text("platform / networking could not be listed: Harness answered")
    expect(live).to_have_attribute("aria-busy", "false")
    expect(project_cells.filter(has_text="data").first).to_be_visible()
    assert "networking" not in project_cells.all_inner_texts()
    page.screenshot(path=artifacts / "across-failed.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "across-failed-phone.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Each project's button says which project it reads again (to a screen reader).
    settled(page)  # it came with the last poll's rows
    page.get_by_role("button", name="Try again for platform / networking", exact=True).focus()
    page.keyboard.press("Enter")
    expect(failure).to_have_count(0)
    expect(live).to_be_focused()  # the button went with the failure: not back at the top
    expect(project_cells.filter(has_text="networking")).to_have_count(1)
    expect(results.locator(".summary")).to_have_text(re.compile(r"of 29 from 5 projects"))

    # The filters change while the poll for the last project of the earlier list is on its way:
    # its answer is dropped (it would fill a detached copy, then look for the count there), and
    # the new list stays.
    settings.HARNESS_READ_TIMEOUT = 6.0
    fake.inject("iacm.workspaces.list", delay_ms=3000, times=1, path="/projects/data/")
    search = page.get_by_label("Search by name")
    search.fill("vpc")
    expect(page).to_have_url(re.compile(r"q=vpc&|q=vpc$"))
    expect(live).to_have_attribute("aria-busy", "true")  # the poll waits for platform/data
    search.fill("vpc-pro")  # cached: swapped in before that poll answers
    expect(page).to_have_url(re.compile(r"q=vpc-pro&|q=vpc-pro$"))
    page.wait_for_timeout(3000)  # the poll has answered, complete (the count in it)
    expect(results.locator(".summary")).to_have_text(re.compile(r"of 29 from 5 projects"))


def test_a_search_refused_as_busy_replaces_the_rows_and_stops_their_updates(
    page, live_server, fake, browser_user, settings
):
    from workspaces.services import credential_save

    settings.ACROSS_MAX_JOBS_PER_KEY = 1  # one list of the key's loading at a time
    settings.ACROSS_CONCURRENCY = 1
    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    fake.inject("iacm.workspaces.list", delay_ms=800, times=6)
    page.goto(live_server.url + "/workspaces/")  # its list loads slowly, polling for rows
    results = page.locator("#across-results")
    expect(results.locator(".progress")).to_contain_text("projects listed")
    page.wait_for_load_state()

    page.get_by_label("Search by name").fill("vpc-prod")  # a second list: refused

    expect(results.get_by_role("alert")).to_contain_text(
        "You already have 1 cross-project list loading"
    )
    fake.clear_faults()
    expect(page).not_to_have_url(re.compile(r"q=vpc-prod"))  # the list asked for is not shown
    page.wait_for_timeout(1500)  # the first list completes: its poll has nowhere to land
    expect(results.locator("tbody tr")).to_have_count(0)
    expect(results.locator(".progress")).to_have_count(0)
    expect(results.get_by_role("link", name="Try again")).to_have_attribute(
        "href", "/workspaces/?q=vpc-prod"
    )
    results.get_by_role("link", name="Try again").click()  # the slot is free again
    expect(page).to_have_url(re.compile(r"q=vpc-prod"))
    expect(results.locator(".summary")).to_have_text(re.compile(r"from 6 projects"))


def test_a_sort_clicked_while_a_poll_is_on_its_way_is_not_lost(
    page, live_server, fake, browser_user, settings
):
    results, live = _polling_for_a_slow_project(page, live_server, fake, browser_user, settings)
    name_header = results.locator("th").first
    before = name_header.get_attribute("aria-sort")

    # The sort's request is still on its way when the poll answers and redraws the rows (and the
    # link that was pressed): the sort still lands.
    page.route(re.compile(r"sort="), lambda route: (time.sleep(1.5), route.continue_()))
    results.get_by_role("link", name=re.compile(r"^Name")).click()

    expect(page).to_have_url(re.compile(r"sort="), timeout=8000)
    expect(name_header).not_to_have_attribute("aria-sort", before or "")
    expect(live).to_have_attribute("aria-busy", "false")
    expect(results.locator(".summary")).to_have_text(re.compile(r"from \d+ projects"))


def _listeners(page, selector: str, event_type: str) -> int:
    """How many listeners of `event_type` the element has (Chrome DevTools Protocol)."""
    cdp = page.context.new_cdp_session(page)
    found = cdp.send("Runtime.evaluate", {"expression": f"document.querySelector({selector!r})"})
    listeners = cdp.send("DOMDebugger.getEventListeners", {"objectId": found["result"]["objectId"]})
    cdp.detach()
    return sum(1 for listener in listeners["listeners"] if listener["type"] == event_type)


@pytest.mark.console_errors("htmx:sendAbort", "htmx:afterRequest")
def test_searches_replaced_on_their_way_leave_no_listeners_on_the_filter_form(
    page, live_server, fake, browser_user
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    page.goto(live_server.url + "/workspaces/")
    expect(page.locator("#across-live")).to_have_attribute("aria-busy", "false")
    page.wait_for_load_state()  # htmx listens to the filters once the page has loaded
    held = []  # searches kept on their way until the next one replaces (aborts) them
    page.route(re.compile(r"/workspaces/\?.*q="), lambda route: held.append(route))

    search = page.get_by_label("Search by name")
    for typed in ("v", "vp", "vpc", "vpc-"):
        search.fill(typed)
        page.wait_for_timeout(500)  # past the 350 ms delay: each is sent, then replaced
    held[-1].continue_()  # the last search answers
    page.unroute(re.compile(r"/workspaces/\?.*q="))
    expect(page).to_have_url(re.compile(r"q=vpc-"))
    expect(page.locator("#across-live")).to_have_attribute("aria-busy", "false")
    settled(page)

    # Every request has ended: none of portal.js's per-request listeners remains.
    assert _listeners(page, "#workspace-filters", "htmx:afterRequest") == 0
    assert _listeners(page, "#workspace-filters", "htmx:beforeOnLoad") == 0


@pytest.mark.console_errors("Response Status Error Code 502", "htmx:responseError")
def test_a_sort_that_fails_while_the_poll_is_on_its_way_does_not_stop_the_list(
    page, live_server, fake, browser_user, settings
):
    results, live = _polling_for_a_slow_project(page, live_server, fake, browser_user, settings)

    held = []  # the sort, on its way while the poll answers
    page.route(re.compile(r"sort="), lambda route: held.append(route))
    results.get_by_role("link", name=re.compile(r"^Name")).click()
    page.wait_for_timeout(1500)  # the poll has answered meanwhile (platform/data took 0.8 s)
    # The sort fails (a proxy's 502 during a deploy, a dropped connection): htmx swaps nothing.
    held[0].fulfill(status=502, body="Bad gateway")
    page.unroute(re.compile(r"sort="))

    # The list still completes: the poll is sent again and brings the last project.
    expect(live).to_have_attribute("aria-busy", "false", timeout=8000)
    expect(results.locator(".summary")).to_have_text(re.compile(r"from \d+ projects"))


def test_a_poll_keeps_the_focus_on_the_row_link_it_redraws(
    page, live_server, fake, browser_user, settings
):
    fake.inject("iacm.workspaces.list", delay_ms=2500, times=1, path="/projects/networking/")
    results, live = _polling_for_a_slow_project(page, live_server, fake, browser_user, settings)
    page.wait_for_load_state()
    results.locator("tbody tr").nth(3).locator("a").first.focus()
    name = page.evaluate("document.activeElement.textContent")  # at once: a poll may redraw

    expect(live).to_have_attribute("aria-busy", "false", timeout=10_000)  # the polls landed

    # A keyboard user tabbing the rows stays on the link, not sent back to the region's top.
    expect(page.locator(":focus")).to_have_text(name)
    expect(page.locator(":focus")).to_have_js_property("tagName", "A")


def _polling_for_a_slow_project(page, live_server, fake, browser_user, settings):
    """All workspaces with its rows shown and its long poll waiting (platform/data takes
    0.8 s): the results and the region the poll redraws."""
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    settings.HARNESS_READ_TIMEOUT = 6.0
    fake.inject("iacm.workspaces.list", delay_ms=800, times=1, path="/projects/data/")
    page.goto(live_server.url + "/workspaces/")
    results = page.locator("#across-results")
    live = page.locator("#across-live")
    expect(results.locator("tbody tr").first).to_be_visible()
    expect(live).to_have_attribute("aria-busy", "true")
    return results, live


def test_a_sort_clicked_while_a_projects_try_again_is_on_its_way_is_not_lost(
    page, live_server, fake, browser_user
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    fake.inject("iacm.workspaces.list", status=503, times=3, path="/projects/networking/")
    page.goto(live_server.url + "/workspaces/")
    results = page.locator("#across-results")
    expect(results.locator(".notice--project")).to_contain_text("platform / networking")
    expect(page.locator("#across-live")).to_have_attribute("aria-busy", "false")
    settled(page)
    name_header = results.locator("th").first
    before = name_header.get_attribute("aria-sort")

    held_posts, held_sorts = [], []
    page.route(
        re.compile(r"/workspaces/(\?|$)"),
        lambda route: (
            held_posts.append(route) if route.request.method == "POST" else route.fallback()
        ),
    )
    page.route(re.compile(r"sort="), lambda route: held_sorts.append(route))
    # The project's Try again is pressed, then the Name sort while it is on its way.
    results.get_by_role("button", name="Try again for platform / networking").click()
    results.get_by_role("link", name=re.compile(r"^Name")).click()
    page.wait_for_timeout(300)
    assert len(held_posts) == 1 and len(held_sorts) == 1
    held_posts[0].continue_()  # the Try again answers first: it redraws the rows and the link
    expect(results.locator(".notice--project")).to_have_count(0)
    page.unroute(re.compile(r"sort="))
    held_sorts[0].continue_()  # then the sort's answer: dropped, and sent again from the new link

    expect(page).to_have_url(re.compile(r"sort="), timeout=8000)
    expect(name_header).not_to_have_attribute("aria-sort", before or "")
