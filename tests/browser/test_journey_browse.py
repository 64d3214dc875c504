"""Journey 2: find workspaces — search, sort, filter from the chart, page, open one, go back."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settled, sign_in
from tests.conftest import ACCOUNT, FULL_KEY

LIST = "/orgs/default/projects/infra/workspaces/"
# The focused element shows its ring (3 px), and its parent does not clip it.
WHOLE_FOCUS_RING = """(() => { const a = document.activeElement;
    return a.matches(":focus-visible") && parseFloat(getComputedStyle(a).outlineWidth) === 3
        && getComputedStyle(a.parentElement).overflow === "visible"; })()"""


def _user_with_key(browser_user):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")


def test_search_sort_filter_page_open_and_come_back(
    page, live_server, fake, browser_user, artifacts, settings
):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    page.goto(live_server.url + LIST)
    rows = page.locator("#workspace-table tbody tr")
    summary = page.locator("#workspace-table .summary")

    # The status strip loads on its own, the rows are on the first screen, the full chart is
    # one click away, and a status filters the list when clicked.
    strip = page.locator("#status-overview .status-strip")
    expect(strip).to_be_visible()
    settled(page)
    assert rows.nth(2).bounding_box()["y"] + 20 < 900  # visible without scrolling
    page.get_by_text("Show as a chart").click()
    expect(page.locator("#status-overview svg")).to_be_visible()
    page.screenshot(path=artifacts / "browse-list.png", full_page=True)
    # A Refresh of the strip pressed while the chip's list is on its way (the chip is then
    # redrawn, its list's place is not): the list still comes.
    settings.HARNESS_READ_TIMEOUT = 6.0
    fake.inject("iacm.workspaces.list", delay_ms=2000, times=1)
    strip.get_by_role(
        "link", name=re.compile(r"^Failed [\d,]+: filter the list by this status$")
    ).click()
    page.locator("#status-refresh").click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.get_by_role("checkbox", name="Failed", exact=True)).to_be_checked()
    expect(rows.first.locator(".badge")).to_have_text("Failed")
    failed_total = summary.inner_text()
    settled(page)  # the chip swapped the filter form in: htmx listens to it once settled

    # Live search narrows the list without a page load, keeping the status filter.
    page.get_by_label("Search by name").fill("dev")
    expect(page).to_have_url(re.compile(r"q=dev"))
    expect(summary).not_to_have_text(failed_total)
    for name in rows.locator("td:first-child").all_inner_texts()[:5]:
        assert "dev" in name
    expect(page).to_have_url(re.compile(r"status=failed"))
    settled(page)  # the sort link pressed next came with the table

    # Sort by name, descending, from the column header (with the keyboard: the focus stays on
    # the header's new copy); the next search keeps that sort.
    page.get_by_role("link", name=re.compile("^Name")).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=name%2CDESC"))
    expect(page.get_by_role("link", name=re.compile("^Name"))).to_be_focused()
    names = rows.locator("td:first-child").all_inner_texts()
    assert names == sorted(names, reverse=True)
    page.get_by_label("Per page").select_option("10")
    expect(rows).to_have_count(10)
    expect(page).to_have_url(re.compile(r"sort=name%2CDESC"))
    settled(page)

    # Page through, then open a workspace.
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(summary).to_contain_text("Showing 11–20")
    list_url = page.url
    first = rows.first.locator("td:first-child a")
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.get_by_role("heading", name="Variables", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Open in Harness"))).to_have_attribute(
        "href", re.compile(r"/module/iacm/orgs/default/projects/infra/workspaces/")
    )
    page.screenshot(path=artifacts / "browse-workspace.png", full_page=True)

    # Back: the same list state, reproduced from the URL.
    page.go_back()
    expect(page).to_have_url(list_url)
    expect(summary).to_contain_text("Showing 11–20")
    expect(page.get_by_label("Search by name")).to_have_value("dev")
    expect(page.get_by_role("checkbox", name="Failed", exact=True)).to_be_checked()
    expect(rows.first.locator("td:first-child a")).to_have_text(name)

    # A pasted link reproduces it too.
    page.goto(list_url)
    expect(summary).to_contain_text("Showing 11–20")
    expect(rows.first.locator("td:first-child a")).to_have_text(name)


def test_slow_harness_shows_the_indicator_and_failure_offers_retry(
    page, live_server, fake, browser_user
):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    page.goto(live_server.url + LIST)
    expect(page.locator("#workspace-table tbody tr")).to_have_count(30)

    fake.inject("iacm.workspaces.list", status=503, times=3)
    page.get_by_role("checkbox", name="Active", exact=True).check()

    alert = page.locator("#workspace-table [role=alert]")
    expect(alert).to_contain_text("Harness answered with an error (HTTP 503)")
    settled(page)  # the Try again link came with the error
    fake.inject("iacm.workspaces.list", delay_ms=800, times=1)
    alert.get_by_role("link", name="Try again").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#workspace-table.htmx-request .results__busy")).to_be_visible()
    expect(page.locator("#workspace-table tbody tr").first.locator(".badge")).to_have_text("Active")
    # The link pressed is gone with the error: the focus is on the list, not back at the top.
    expect(page.locator("#workspace-table")).to_be_focused()


def test_the_list_state_stays_true_after_every_swap(
    page, live_server, fake, browser_user, artifacts
):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    page.goto(live_server.url + LIST + "?window=30d")
    pager = page.locator("#workspace-table .pager")

    # On the first page the four pager buttons are there, the first two disabled.
    expect(pager.get_by_role("link", name="First")).to_have_attribute("aria-disabled", "true")
    expect(pager.get_by_role("link", name="Last")).not_to_have_attribute("aria-disabled", "true")
    expect(page.get_by_role("link", name="New workspace").first).to_be_visible()

    # A time window chosen with the keyboard: its focus ring is whole (not cut by the box of
    # the group), and the focus stays on the window's new copy.
    expect(page.locator("#status-overview .status-strip")).to_be_visible()  # swapped in
    settled(page)  # with its window links
    page.get_by_role("link", name="New workspace").last.focus()
    page.keyboard.press("Tab")  # 24 h
    page.keyboard.press("Tab")
    expect(page.locator("#status-window").get_by_role("link", name="7 days")).to_be_focused()
    assert page.evaluate(WHOLE_FOCUS_RING)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"window=7d"))
    window = page.locator("#status-window").get_by_role("link", name="7 days")
    expect(window).to_have_attribute("aria-current", "true")
    expect(window).to_be_focused()
    settled(page)
    page.locator("#status-window").get_by_role("link", name="30 days").click()
    expect(page).to_have_url(re.compile(r"window=30d"))
    settled(page)

    # A status clicked in a 30-day window: the list says in words which numbers are which.
    strip = page.locator("#status-overview .status-strip")
    strip.get_by_role(
        "link", name=re.compile(r"^Failed [\d,]+: filter the list by this status$")
    ).click()
    expect(page.locator("#workspace-table")).to_contain_text(
        "the status counts above are for the last 30 days only"
    )
    settled(page)  # the chip swapped the filter form in

    # A filter change swaps the table alone; the form's own state follows it.
    page.get_by_role("checkbox", name="Failed", exact=True).uncheck()
    expect(page).not_to_have_url(re.compile(r"status=failed"))
    expect(page.get_by_role("link", name="Clear filters")).to_have_count(0)
    page.get_by_text("Tags", exact=True).click()
    page.locator(".filters__tag-list input").first.check()
    expect(page.locator("#tags-selected")).to_have_text("(1 selected)")
    expect(page.get_by_role("link", name="Clear filters")).to_be_visible()
    settled(page)  # the pager came with the table
    page.screenshot(path=artifacts / "browse-state.png", full_page=True)

    # The last page keeps the buttons in place too, Next and Last disabled; Last pressed with
    # the keyboard cannot keep the focus, so it goes to the list (not back to the top).
    pager.get_by_role("link", name="Last").focus()
    page.keyboard.press("Enter")
    expect(pager.get_by_role("link", name="Next")).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#workspace-table")).to_be_focused()
    expect(pager.get_by_role("link", name="First")).not_to_have_attribute("aria-disabled", "true")

    # An identifier pasted from a URL finds its workspace, first, though names use hyphens.
    page.goto(live_server.url + LIST)
    page.get_by_label("Search by name").fill("backup_dev_0083")
    expect(page.locator("#workspace-table tbody tr").first).to_contain_text("backup_dev_0083")
    expect(page.locator("#workspace-table")).to_contain_text("has the identifier")

    # A status clicked after a live search keeps the search: the strip was drawn before it.
    page.get_by_label("Search by name").fill("dev")
    expect(page).to_have_url(re.compile(r"q=dev"))
    settled(page)  # and the strip, which loads after the page
    strip.get_by_role(
        "link", name=re.compile(r"^Failed [\d,]+: filter the list by this status$")
    ).click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page).to_have_url(re.compile(r"q=dev"))
    expect(page.get_by_label("Search by name")).to_have_value("dev")
    settled(page)  # the chip swapped the filter form in
    page.get_by_label("Search by name").fill("prod")
    expect(page).to_have_url(re.compile(r"q=prod"))
    page.get_by_text("Show as a chart").click()
    chart = page.locator("#status-overview svg")
    chart.get_by_role(
        "link", name=re.compile(r"^Active [\d,]+: filter the list by this status$")
    ).click()
    expect(page).to_have_url(re.compile(r"status=active"))
    expect(page).to_have_url(re.compile(r"q=prod"))


def test_a_time_window_survives_paging_the_table(page, live_server, fake, browser_user):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    page.goto(live_server.url + LIST)
    expect(page.locator("#status-overview .status-strip")).to_be_visible()
    settled(page)  # with its window links

    page.locator("#status-window").get_by_role("link", name="7 days").click()
    expect(page).to_have_url(re.compile(r"window=7d"))
    expect(page.locator("#status-overview h2")).to_contain_text("last 7 days")
    settled(page)  # the table came again with the window (out of band)
    page.locator("#workspace-table .pager").get_by_role("link", name="Next").click()
    expect(page.locator("#workspace-table .summary")).to_contain_text("Showing 31–60")

    # The overview still shows the 7-day numbers, so the URL and the window links must agree.
    expect(page.locator("#status-overview h2")).to_contain_text("last 7 days")
    expect(page.locator("#status-window").get_by_role("link", name="7 days")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page).to_have_url(re.compile(r"window=7d"))
    # So do the table's own links (opened in a new tab, they are plain links).
    expect(page.get_by_role("link", name=re.compile("^Name"))).to_have_attribute(
        "href", re.compile(r"window=7d")
    )


def test_a_status_chosen_from_the_strip_survives_a_time_window_change(
    page, live_server, fake, browser_user
):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    page.goto(live_server.url + LIST)
    strip = page.locator("#status-overview .status-strip")
    expect(strip).to_be_visible()
    settled(page)  # the strip loads after the page
    strip.get_by_role(
        "link", name=re.compile(r"^Failed [\d,]+: filter the list by this status$")
    ).click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.locator("#workspace-table tbody tr").first.locator(".badge")).to_have_text("Failed")
    settled(page)  # the window links came with the chip's swap (out of band)

    page.locator("#status-window").get_by_role("link", name="30 days").click()
    expect(page).to_have_url(re.compile(r"window=30d"))

    # The table still lists failed workspaces only and the box is still ticked: the URL must
    # say so too (a reload or a shared link would otherwise show another list).
    expect(page.get_by_role("checkbox", name="Failed", exact=True)).to_be_checked()
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.locator("#workspace-table tbody tr").first.locator(".badge")).to_have_text("Failed")


def test_tags_harness_failed_to_return_can_be_loaded_again(page, live_server, fake, browser_user):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    fake.inject("iacm.tags", status=503, times=3)
    page.goto(live_server.url + LIST)
    page.get_by_role("checkbox", name="Failed", exact=True).check()
    expect(page).to_have_url(re.compile(r"status=failed"))
    settled(page)

    page.get_by_text("Tags", exact=True).click()
    tags = page.locator(".filters__tags")
    expect(tags).to_contain_text("Tags could not be loaded from Harness")
    tags.get_by_role("link", name="Try again").click()

    expect(page.locator(".filters__tag-list input").first).to_be_attached()
    expect(tags).not_to_contain_text("could not be loaded")
    # The filter chosen since the page loaded is kept.
    expect(page.get_by_role("checkbox", name="Failed", exact=True)).to_be_checked()
    expect(page.locator("#workspace-table tbody tr").first.locator(".badge")).to_have_text("Failed")


def test_a_slow_filter_answer_does_not_leave_the_form_and_table_disagreeing(
    page, live_server, fake, browser_user
):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    page.goto(live_server.url + LIST)
    rows = page.locator("#workspace-table tbody tr")
    expect(rows).to_have_count(30)
    settled(page)
    fake.inject("iacm.workspaces.list", delay_ms=1500, times=1)

    # The filter's answer is slow; Next is pressed while it is on its way.
    with page.expect_response(lambda response: "status=failed" in response.url):
        page.get_by_role("checkbox", name="Failed", exact=True).check()
        page.locator("#workspace-table .pager").get_by_role("link", name="Next").click()
    settled(page)  # whatever came after the slow answer is in too

    ticked = page.get_by_role("checkbox", name="Failed", exact=True).is_checked()
    in_url = "status=failed" in page.url
    only_failed = set(rows.locator(".badge").all_inner_texts()) == {"Failed"}
    assert (ticked, in_url, only_failed) in {(True, True, True), (False, False, False)}


def test_tags_try_again_keeps_the_open_panel_and_the_page(page, live_server, fake, browser_user):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    fake.inject("iacm.tags", status=503, times=3)
    page.goto(live_server.url + LIST + "?page=3")
    summary = page.locator("#workspace-table .summary")
    expect(summary).to_contain_text("Showing 61–90")
    settled(page)

    page.get_by_text("Tags", exact=True).click()
    page.locator(".filters__tags").get_by_role("link", name="Try again").click()

    first_tag = page.locator(".filters__tag-list input").first
    expect(first_tag).to_be_attached()
    expect(first_tag).to_be_visible()  # the panel stays open
    expect(first_tag).to_be_focused()
    expect(summary).to_contain_text("Showing 61–90")
    expect(page).to_have_url(re.compile(r"page=3"))

    # A tag it brought filters the list when ticked, as one drawn with the page does.
    settled(page)
    first_tag.check()
    expect(page).to_have_url(re.compile(r"tags="))
    expect(summary).not_to_contain_text("of 1,800")


def test_the_strips_window_links_keep_a_search_typed_since_the_strip_was_drawn(
    page, live_server, fake, browser_user
):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    fake.inject("iacm.metrics", delay_ms=1500, times=1)
    page.goto(live_server.url + LIST)
    search = page.get_by_label("Search by name")
    summary = page.locator("#workspace-table .summary")
    window = page.locator("#status-window")
    heading = page.locator("#status-overview h2")

    # Typed while the (slow) strip loads: the strip, drawn for the page's first address,
    # arrives after the search's answer.
    page.wait_for_load_state()  # htmx listens to the search box once the page has loaded
    search.fill("vpc")
    expect(page).to_have_url(re.compile(r"q=vpc"))
    expect(page.locator("#status-overview .status-strip")).to_be_visible()
    settled(page)
    # It describes the search all the same: its note, and the links a new tab opens.
    expect(page.locator("#status-scope")).to_contain_text("These counts are for the whole project")
    expect(page.locator("#window-7d")).to_have_attribute("href", re.compile(r"q=vpc"))
    filtered = summary.inner_text()
    window.get_by_role("link", name="7 days").click()
    expect(heading).to_contain_text("last 7 days")
    expect(page).to_have_url(re.compile(r"window=7d"))
    expect(page).to_have_url(re.compile(r"q=vpc"))
    expect(summary).to_have_text(filtered)
    settled(page)

    # Typed, then the strip's Refresh (which redraws its window links), then a window: the
    # window chosen, not the one the form's hidden field still says, with the search.
    search.fill("vpc-dev")
    expect(page).to_have_url(re.compile(r"q=vpc-dev"))
    settled(page)
    # A chip and a chart bar (drawn with "vpc") open in a new tab what a click lists.
    chip = page.locator("#status-overview").get_by_role("link", name=re.compile(r"^Failed [\d,]+"))
    for link in (chip, page.locator("#status-overview svg a").first):
        expect(link).to_have_attribute("href", re.compile(r"q=vpc-dev"))
    page.locator("#status-refresh").click()
    settled(page)
    window.get_by_role("link", name="30 days").click()
    expect(heading).to_contain_text("last 30 days")
    expect(page).to_have_url(re.compile(r"window=30d"))
    expect(page).not_to_have_url(re.compile(r"window=7d"))
    expect(page).to_have_url(re.compile(r"q=vpc-dev"))
    expect(search).to_have_value("vpc-dev")


@pytest.mark.console_errors("Response Status Error Code 504")
def test_a_strip_whose_load_failed_offers_to_try_again(page, live_server, fake, browser_user):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    # The ingress timed out on the strip's request (the fake cannot break the portal's link).
    page.route(
        "**/workspaces/**",
        lambda route: (
            route.fulfill(status=504, body="Gateway Timeout")
            if route.request.headers.get("hx-target") == "status-overview"
            else route.continue_()
        ),
    )
    page.goto(live_server.url + LIST)
    expect(page.locator("#global-alert")).to_contain_text("error 504")
    overview = page.locator("#status-overview")

    expect(overview).to_contain_text("The status counts did not load.")
    expect(overview).not_to_contain_text("Loading status counts")
    page.unroute("**/workspaces/**")
    overview.get_by_role("link", name="Try again").click()
    expect(overview.locator(".status-strip")).to_be_visible()
    expect(page.locator("#global-alert")).not_to_contain_text("error 504")


def test_a_key_pasted_into_the_search_is_emptied_said_and_kept_out_of_the_address(
    page, live_server, fake, browser_user
):
    _user_with_key(browser_user)
    sign_in(page, live_server)
    page.goto(live_server.url + LIST + "?status=failed")
    search = page.get_by_label("Search by name")
    page.wait_for_load_state()  # htmx listens to the search box once the page has loaded
    settled(page)

    search.fill(FULL_KEY)  # the key page's key, still in the clipboard

    notice = page.locator("#workspace-table .notice--warning")
    expect(notice).to_contain_text("That looks like a Harness API key, so it was not searched")
    expect(search).to_have_value("")
    expect(page).to_have_url(re.compile(r"status=failed"))  # what the form sends, but the key
    expect(page).not_to_have_url(re.compile(r"[?&]q=|pat\."))
    assert FULL_KEY.split(".")[-1] not in page.content()
    assert not any("searchTerm" in call["query"] for call in fake.log("iacm.workspaces.list"))
    settled(page)
    # The box still searches: the next search is made, the notice gone.
    search.fill("dev")
    expect(page).to_have_url(re.compile(r"q=dev"))
    expect(notice).to_have_count(0)
