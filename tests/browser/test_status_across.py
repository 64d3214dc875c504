"""Status across projects: the totals and one row per project; a count opens that project's
list, filtered by the status."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settled, sign_in
from tests.browser.test_accessibility import assert_accessible
from tests.conftest import ACCOUNT, FULL_KEY


def test_status_across_projects_links_to_a_projects_filtered_list(
    page, live_server, fake, browser_user, artifacts
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)

    page.goto(live_server.url + "/workspaces/status/?window=7d")
    strip = page.locator("#status-across")
    expect(strip.locator(".status-across__totals .chip").first).to_be_visible()
    rows = strip.locator(".status-across__row")
    expect(rows).to_have_count(5)
    expect(strip.get_by_text("1 project has no status change in the last 7 days")).to_be_visible()
    page.screenshot(path=artifacts / "status-across.png", full_page=True)
    assert_accessible(page, "status across projects")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "status-across-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The window switches in place (with the keyboard: the focus stays on the window's new
    # copy); then a project's count opens its list with that filter.
    strip.get_by_role("link", name="All", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"window=all"))
    expect(strip.get_by_role("link", name="All", exact=True)).to_be_focused()
    expect(strip.get_by_role("heading", level=2)).to_have_text("Status in 6 projects")
    chip = strip.get_by_role(
        "link",
        name=re.compile(
            r"^Failed [\d,]+ in Platform \/ Networking: list the workspaces with this status$"
        ),
    )
    count = chip.locator(".chip__count").inner_text()
    chip.click()
    expect(page).to_have_url(re.compile(r"/orgs/platform/projects/networking/workspaces/\?"))
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.get_by_role("checkbox", name="Failed", exact=True)).to_be_checked()
    summary = page.locator("#workspace-table .summary")
    expect(summary).to_contain_text(f"of {count}")

    # Loaded into All workspaces, a window reloads that page in it: its note (and filters, and
    # Save view) follow the strip's window.
    page.goto(live_server.url + "/workspaces/?window=7d&status=failed")
    expect(strip.get_by_role("heading", level=2)).to_contain_text("last 7 days")
    note = page.get_by_text("the status counts above are for the last 7 days only")
    expect(note).to_be_visible()
    settled(page)
    strip.get_by_role("link", name="All", exact=True).click()
    expect(page).to_have_url(re.compile(r"/workspaces/\?.*window=all"))
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(strip.get_by_role("heading", level=2)).to_have_text("Status in 6 projects")
    settled(page)
    expect(note).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Failed", exact=True)).to_be_checked()

    # A window keeps the filters typed since the page loaded: each filter answer brings the
    # strip's window links for the new address.
    expect(page.locator("#across-live")).to_have_attribute("aria-busy", "false")
    settled(page)
    search = page.get_by_label("Search by name")
    search.fill("vpc")
    expect(page).to_have_url(re.compile(r"q=vpc"))
    settled(page)
    strip.get_by_role("link", name="7 days", exact=True).click()
    expect(page).to_have_url(re.compile(r"window=7d"))
    expect(page).to_have_url(re.compile(r"q=vpc"))
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(search).to_have_value("vpc")


def test_all_workspaces_a_window_chosen_with_the_keyboard_keeps_the_focus_on_its_link(
    page, live_server, fake, browser_user
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    page.goto(live_server.url + "/workspaces/")
    week = page.locator("#across-window-7d")
    expect(week).to_be_visible()
    settled(page)
    week.focus()

    page.keyboard.press("Enter")  # the page again in #main, then its strip loads

    expect(week).to_have_attribute("aria-current", "true")
    settled(page)
    expect(week).to_be_focused()


def test_try_again_on_a_failed_project_updates_its_row_and_the_totals(
    page, live_server, fake, browser_user
):
    from django.core.cache import cache

    from workspaces.services import credential_save
    from workspaces.status_metrics import _metrics_cache_key

    credential = credential_save(
        user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme"
    )
    sign_in(page, live_server)
    page.goto(live_server.url + "/workspaces/status/")
    strip = page.locator("#status-across")
    totals = strip.locator(".status-across__totals .muted").first
    expect(totals).to_contain_text("workspace")
    healthy = totals.inner_text()
    cache.delete(
        _metrics_cache_key(
            account=ACCOUNT,
            org="platform",
            project="data",
            window="all",
            fingerprint=credential.key_fingerprint,
        )
    )
    fake.inject("iacm.metrics", status=500, times=5)

    page.reload()
    failed = strip.locator(".status-across__row", has_text="Harness answered with an error")
    expect(failed).to_contain_text("Data")
    expect(totals).not_to_have_text(healthy)
    fake.reset()
    page.get_by_role("link", name="Try again for Platform / Data", exact=True).focus()
    page.keyboard.press("Enter")

    expect(strip.get_by_text("Harness answered with an error")).to_have_count(0)
    # The link pressed is gone with the error: the focus is on the strip, not back at the top.
    expect(strip).to_be_focused()
    expect(totals).to_have_text(healthy)
    expect(page).to_have_url(live_server.url + "/workspaces/status/")


def test_a_window_chosen_then_refresh_pressed_while_it_loads_keeps_the_window(
    page, live_server, fake, browser_user
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    page.goto(live_server.url + "/workspaces/status/")
    strip = page.locator("#status-across")
    expect(strip.get_by_role("heading", level=2)).to_have_text("Status in 6 projects")
    settled(page)

    held = []  # the window's and the Refresh's requests, both on their way
    page.route(re.compile(r"/workspaces/status/\?"), lambda route: held.append(route))
    strip.get_by_role("link", name="7 days", exact=True).click()
    strip.get_by_role("link", name="Refresh", exact=True).click()
    page.wait_for_timeout(300)
    assert [("window=7d" in r.request.url, "refresh=1" in r.request.url) for r in held] == [
        (True, False),
        (False, True),
    ]
    held[0].continue_()  # the 7 days strip answers first
    page.wait_for_timeout(500)
    held[1].continue_()  # then the Refresh (of the strip as it was)
    page.unroute(re.compile(r"/workspaces/status/\?"))
    settled(page)

    # The window chosen is shown, and in the address.
    expect(page).to_have_url(re.compile(r"window=7d"))
    expect(strip.get_by_role("heading", level=2)).to_contain_text("last 7 days")


def test_all_workspaces_a_search_typed_while_the_strip_loads_survives_its_window(
    page, live_server, fake, browser_user
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    fake.inject("iacm.metrics", delay_ms=1500, times=10)  # the strip is slow cold
    sign_in(page, live_server)
    page.goto(live_server.url + "/workspaces/")
    search = page.get_by_label("Search by name")

    page.wait_for_load_state()  # htmx listens to the search box once the page has loaded
    search.fill("vpc")
    expect(page).to_have_url(re.compile(r"q=vpc"))
    strip = page.locator("#status-across")
    expect(strip.locator(".status-across__totals")).to_be_visible(timeout=15_000)
    settled(page)
    # The strip answered for the address it was asked with (before the search): it was asked
    # again, so its links' hrefs (a new tab, a copied link) keep the search too.
    expect(page.locator("#across-window-7d")).to_have_attribute("href", re.compile(r"q=vpc"))
    strip.get_by_role("link", name="7 days", exact=True).click()

    expect(page).to_have_url(re.compile(r"window=7d"))
    expect(page).to_have_url(re.compile(r"q=vpc"))
    expect(strip.get_by_role("heading", level=2)).to_contain_text("last 7 days")
    expect(search).to_have_value("vpc")


@pytest.mark.console_errors("Response Status Error Code 504")
def test_all_workspaces_loads_that_failed_offer_to_try_again_instead_of_loading_for_ever(
    page, live_server, fake, browser_user, settings
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    settings.HARNESS_READ_TIMEOUT = 6.0
    fake.inject("iacm.workspaces.list", delay_ms=1500, times=1, path="/projects/data/")
    sign_in(page, live_server)
    # The ingress timed out on the strip's own request, and on the list's first long poll.
    strip_url, list_url = re.compile(r"/workspaces/status/"), re.compile(r"/workspaces/\?")
    page.route(strip_url, lambda route: route.fulfill(status=504, body="Gateway Timeout"))
    page.route(
        list_url,
        lambda route: (
            route.fulfill(status=504, body="Gateway Timeout")
            if route.request.headers.get("hx-target") == "across-live"
            else route.continue_()
        ),
    )
    page.goto(live_server.url + "/workspaces/")
    expect(page.locator("#global-alert")).to_contain_text("error 504")

    strip, live = page.locator("#status-across"), page.locator("#across-live")
    expect(strip).to_contain_text("The status of every project did not load.")
    expect(strip).not_to_contain_text("Loading the status of every project")
    # The list is no longer being loaded: it no longer says (nor announces) it is.
    expect(live).to_contain_text("The rest of the list did not load.")
    expect(live).to_have_attribute("aria-busy", "false")
    expect(live.locator(".spinner")).to_have_count(0)
    expect(live).not_to_contain_text("projects listed")
    page.unroute(strip_url)
    page.unroute(list_url)
    strip.get_by_role("link", name="Try again").click()
    expect(strip.locator(".status-across__totals")).to_be_visible()
    live.get_by_role("link", name="Try again").click()
    expect(page.locator("#across-results .summary")).to_contain_text("from 6 projects")
    expect(live).to_have_attribute("aria-busy", "false")
    expect(page.locator("#global-alert")).not_to_contain_text("error 504")


@pytest.mark.console_errors("Response Status Error Code 504")
def test_all_workspaces_strips_try_again_answered_after_a_search_keeps_the_search(
    page, live_server, fake, browser_user
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    strip_url, held = re.compile(r"/workspaces/status/"), []

    def ingress(route):  # times out on the strip's load, then holds its Try again
        if not held:
            held.append(None)
            route.fulfill(status=504, body="Gateway Timeout")
        elif len(held) == 1:
            held.append(route)
        else:
            route.continue_()

    page.route(strip_url, ingress)
    page.goto(live_server.url + "/workspaces/")
    strip = page.locator("#status-across")
    expect(strip).to_contain_text("The status of every project did not load.")
    settled(page)
    strip.get_by_role("link", name="Try again").click()
    while len(held) < 2:  # the Try again reached the ingress
        page.wait_for_timeout(50)
    page.get_by_label("Search by name").fill("vpc")
    expect(page).to_have_url(re.compile(r"q=vpc"))

    held[1].continue_()  # asked with the address before the search (HX-Current-URL)

    expect(strip.locator(".status-across__totals")).to_be_visible()
    expect(page.locator("#across-window-7d")).to_have_attribute("href", re.compile(r"q=vpc"))
