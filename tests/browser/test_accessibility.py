"""axe-core (WCAG 2.1 A/AA) on every page, and again after htmx swaps."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import settled, sign_in
from tests.conftest import ACCOUNT, FULL_KEY

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
LIST = "/orgs/default/projects/infra/workspaces/"
axe = Axe()


def assert_accessible(page, where: str) -> None:
    # The page as a person sees it: loaded (its styles and scripts), htmx done with its swaps (a
    # region shows its busy state while its request is in flight), no CSS transition half-way.
    page.wait_for_load_state()
    settled(page)
    page.wait_for_function("!document.getAnimations().some(a => a instanceof CSSTransition)")
    results = axe.run(page, options=WCAG)
    violations = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})"
        for v in results.response["violations"]
    ]
    assert not violations, f"{where}: {violations}"


@pytest.fixture
def signed_in_page(page, live_server, fake, browser_user):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    return page


def test_sign_in_page(page, live_server, fake):
    page.goto(live_server.url + "/accounts/login/")

    assert_accessible(page, "sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".field--error")).to_have_count(2)  # the page that came back
    assert_accessible(page, "sign-in with errors")


def test_a_failed_sign_in_takes_the_focus_to_what_went_wrong(page, live_server, browser_user):
    """An alert in the page as it loads is not reliably read out: the focus goes to it, not to
    the Username field Django's form autofocuses."""
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong")

    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    error = page.get_by_role("alert").filter(has_text="Please enter a correct username")
    assert error.evaluate("e => e.contains(document.activeElement)"), (
        "focus is on " + page.evaluate("document.activeElement.id")
    )
    expect(page.get_by_label("Username")).to_have_value("alice")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Username")).to_be_focused()


def test_key_page_empty_and_with_an_error(page, live_server, fake, browser_user):
    sign_in(page, live_server)

    assert_accessible(page, "key page")
    page.get_by_role("button", name="Check and save key").click()
    expect(page.locator(".field--error")).to_have_count(1)
    assert_accessible(page, "key page with errors")


def test_key_page_with_a_key(signed_in_page, live_server):
    signed_in_page.goto(live_server.url + "/settings/harness-key/")

    assert_accessible(signed_in_page, "key page with a key")


def test_pickers(signed_in_page, live_server):
    page = signed_in_page
    page.goto(live_server.url + "/orgs/")
    assert_accessible(page, "org picker")
    page.get_by_label("Search organisations").fill("zzz")
    expect(page.locator("#org-results").get_by_text("No organisation matches")).to_be_visible()
    assert_accessible(page, "org picker, no match")
    page.goto(live_server.url + "/orgs/default/projects/")
    assert_accessible(page, "project picker")


def test_workspace_list_and_its_swaps(signed_in_page, live_server, fake):
    page = signed_in_page
    page.goto(live_server.url + LIST)
    expect(page.locator("#status-overview .status-strip")).to_be_visible()
    assert_accessible(page, "workspace list")
    page.get_by_text("Show as a chart").click()
    expect(page.locator("#status-overview svg")).to_be_visible()
    assert_accessible(page, "workspace list with the status chart open")

    page.get_by_label("Search by name").fill("dev")
    expect(page).to_have_url(re.compile("q=dev"))
    assert_accessible(page, "list after search swap")
    page.locator("#status-overview .status-strip a[href*='status=failed']").click()
    expect(page).to_have_url(re.compile("status=failed"))
    assert_accessible(page, "list after chart filter swap")
    page.get_by_label("Search by name").fill("no-such-workspace")
    expect(page.locator("#workspace-table").get_by_text("No workspace matches")).to_be_visible()
    assert_accessible(page, "list, empty state")
    fake.inject("iacm.workspaces.list", status=503, times=5)
    page.get_by_label("Search by name").fill("dev")
    expect(page.locator("#workspace-table [role=alert]")).to_be_visible()
    assert_accessible(page, "list, error state")


def test_workspace_page_and_not_found(signed_in_page, live_server):
    page = signed_in_page
    page.goto(live_server.url + LIST)
    page.locator("#workspace-table tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Variables", exact=True)).to_be_visible()
    assert_accessible(page, "workspace page")

    page.goto(live_server.url + LIST + "no_such_ws/")
    assert_accessible(page, "workspace not found")
    page.goto(live_server.url + "/no/such/page/")
    assert_accessible(page, "404 page")


def test_on_a_phone_the_header_list_and_workspace_page_fit(signed_in_page, live_server, artifacts):
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + LIST)
    settled(page)  # the status strip, loaded after the page, is part of its width
    header = page.locator(".site-header")

    # The header stays short (the account links in at most two rows), the user's name whole.
    expect(page.locator(".user-menu__name")).to_have_text("alice")
    name = page.locator(".user-menu__name")
    assert name.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert header.bounding_box()["height"] < 100
    expect(page.get_by_role("link", name="New workspace")).to_be_visible()  # the page's own
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, "workspace list at 390 px")

    # The workspace page keeps each variable's value, its cells stacked.
    page.locator("#workspace-table tbody tr td a").first.click()
    values = page.locator("table.table--stack td[data-label=Value]")
    expect(values.first).to_be_visible()
    page.wait_for_load_state()  # its styles applied before the width is measured
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts / "phone-workspace.png", full_page=True)
    assert_accessible(page, "workspace page at 390 px")


def test_the_result_count_is_announced_from_a_live_region_that_stays(
    signed_in_page, live_server, fake
):
    """A live region is announced when its content changes; one inserted with its content
    (the whole results region swapped outerHTML) is not reliably announced at all."""
    page = signed_in_page
    page.goto(live_server.url + LIST)
    live = page.get_by_role("status").and_(page.locator("[data-live-for=workspace-table]"))
    region = live.element_handle()
    assert not region.evaluate("e => e.closest('#workspace-browser')")  # outside every swap

    page.get_by_label("Search by name").fill("dev")
    expect(page).to_have_url(re.compile(r"q=dev"))
    expect(live).to_have_text(re.compile(r"^Showing 1–30 of (?!1,800)[\d,]+$"))
    said = live.inner_text()
    settled(page)  # the pager came with the table

    # While a request is in flight the list and its count are busy (announced once complete).
    fake.inject("iacm.workspaces.list", delay_ms=800, times=1)
    page.locator("#workspace-table .pager").get_by_role("link", name="Next").click()
    expect(live).to_have_attribute("aria-busy", "true")
    expect(page.locator("#workspace-table")).to_have_attribute("aria-busy", "true")
    expect(live).to_have_text(re.compile(r"^Showing 31–"))
    expect(live).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#workspace-table")).not_to_have_attribute("aria-busy", "true")

    # The region that said the first count is the one that now says the new one.
    assert region.evaluate("e => e.isConnected"), "the live region was replaced, not updated"
    assert region.evaluate("e => e.textContent") != said


def test_a_picker_search_count_is_announced_from_a_live_region_that_stays(
    signed_in_page, live_server
):
    page = signed_in_page
    page.goto(live_server.url + "/orgs/")
    live = page.locator("[data-live-for=org-results]")
    region = live.element_handle()

    page.get_by_label("Search organisations").fill("plat")
    expect(live).to_have_text(re.compile(r"^1 organisation\b"))
    page.get_by_label("Search organisations").fill("zzz")
    expect(live).to_have_text("No organisation matches “zzz”.")

    assert region.evaluate("e => e.isConnected")
