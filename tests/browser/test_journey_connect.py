"""Journey 1 and the first list: sign in, add a key, pick org and project, page through."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import FULL_KEY


def test_sign_in_connect_key_pick_project_and_page_through(
    page, live_server, fake, browser_user, artifacts
):
    sign_in(page, live_server)

    # First visit: the key page.
    expect(page.get_by_role("heading", name="Your Harness API key")).to_be_visible()
    page.get_by_label("Harness API key").fill("pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.wrong")
    page.get_by_role("button", name="Check and save key").click()
    expect(page.get_by_text("Harness did not accept this key (401)")).to_be_visible()
    expect(page.get_by_label("Harness API key")).to_be_focused()
    expect(page.get_by_label("Harness API key")).to_have_value("")

    # Harness could not check it (its 2 retries too): the key is to be pasted again, there.
    fake.inject("ng.accounts.get", status=503, times=3)
    page.get_by_label("Harness API key").fill(FULL_KEY)
    page.get_by_role("button", name="Check and save key").click()
    alert = page.locator("#harness-key-form [role=alert]")
    expect(alert).to_contain_text("paste the key again")
    expect(alert).to_be_focused()  # why, read out; the key field is next
    page.keyboard.press("Tab")
    expect(page.get_by_label("Harness API key")).to_be_focused()
    expect(page.get_by_label("Harness API key")).to_have_value("")
    page.get_by_label("Harness API key").fill(FULL_KEY)
    page.get_by_role("button", name="Check and save key").click()

    # Org, then project.
    expect(page.get_by_role("heading", name="Choose an organisation")).to_be_visible()
    expect(page.get_by_text("Harness key saved for account Acme Demo")).to_be_visible()
    page.wait_for_load_state()  # htmx listens to the search box once the page has loaded
    page.get_by_label("Search organisations").fill("def")
    expect(page.get_by_role("link", name=re.compile("Platform"))).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=def"))
    page.get_by_role("link", name=re.compile("Default")).click()
    expect(page.get_by_role("heading", name="Choose a project in default")).to_be_visible()
    page.get_by_role("link", name=re.compile("Infrastructure")).click()

    # The first list: 30 rows, then page 2.
    expect(page).to_have_url(re.compile(r"/orgs/default/projects/infra/workspaces/$"))
    page.wait_for_load_state()  # htmx wires the pager once the page has loaded
    rows = page.locator("#workspace-table tbody tr")
    expect(rows).to_have_count(30)
    summary = page.locator("#workspace-table .summary")
    expect(summary).to_have_text("Showing 1–30 of 1,800")
    first_row_page1 = rows.first.inner_text()
    page.screenshot(path=artifacts / "journey-list-page1.png", full_page=True)
    # With the keyboard: the link pressed is swapped out, the focus goes to its new copy.
    page.get_by_role("link", name="Next").focus()
    page.keyboard.press("Enter")
    expect(summary).to_have_text("Showing 31–60 of 1,800")
    # Screen readers hear it from the live region outside the table.
    expect(page.locator("#workspace-count")).to_have_text("Showing 31–60 of 1,800")
    expect(page.get_by_role("link", name="Next")).to_be_focused()
    expect(rows).to_have_count(30)
    assert rows.first.inner_text() != first_row_page1
    page.screenshot(path=artifacts / "journey-list-page2.png", full_page=True)

    # The header names the context; the choice is remembered for the next visit.
    expect(page.locator(".context")).to_contain_text("default")
    expect(page.locator(".context")).to_contain_text("infra")
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/orgs/default/projects/infra/workspaces/$"))


def test_key_page_on_a_phone(page, live_server, fake, browser_user, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})

    sign_in(page, live_server)

    expect(page.get_by_role("heading", name="Your Harness API key")).to_be_visible()
    page.wait_for_load_state()  # its styles applied before the width is measured
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts / "key-page-phone.png", full_page=True)


def test_sign_out(page, live_server, fake, browser_user):
    sign_in(page, live_server)

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(live_server.url + "/settings/harness-key/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_deleting_the_key_asks_first_and_can_be_kept(page, live_server, fake, browser_user):
    from tests.conftest import ACCOUNT
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    page.goto(live_server.url + "/settings/harness-key/")

    page.get_by_role("link", name="Delete key…").click()
    expect(page.get_by_role("heading", name=re.compile("Delete your Harness key"))).to_be_visible()
    page.get_by_role("link", name="Keep it").click()
    expect(page.locator(".key-mask")).to_contain_text("0001")

    page.get_by_role("link", name="Delete key…").click()
    page.get_by_role("button", name="Delete the key from the portal").click()
    expect(page.get_by_text("Your Harness key was deleted from the portal.")).to_be_visible()
