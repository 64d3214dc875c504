"""Journey: retire a workspace. Refused while it is active; an inactive one is deleted after its
identifier is typed, and the attempts are in the audit trail on its page and in My requests.
Clone and the copy buttons are on the same page."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import assert_accessible
from tests.conftest import ACCOUNT, FULL_KEY

PROJECT = "/orgs/default/projects/sandbox/workspaces/"
INACTIVE, ACTIVE = "redis_prod_0004", "ecs_staging_0005"  # seed `demo`
DELETE = "iacm.workspaces.delete"


def test_delete_an_inactive_workspace_refused_for_an_active_one(
    page, live_server, fake, browser_user, artifacts
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    # An active workspace: no Delete, and the page says why, with the way to Harness.
    page.goto(live_server.url + PROJECT + ACTIVE + "/")
    zone = page.locator(".danger-zone")
    expect(zone).to_contain_text("Destroy its resources first in Harness")
    expect(zone.get_by_role("link", name=re.compile("Delete"))).to_have_count(0)
    expect(zone.get_by_role("link", name=re.compile("in Harness"))).to_have_attribute(
        "href", re.compile(f"/workspaces/{ACTIVE}/resources$")
    )
    page.goto(live_server.url + PROJECT + ACTIVE + "/delete/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("cannot be deleted now")
    expect(page.get_by_label("Type the workspace identifier to confirm")).to_have_count(0)
    page.screenshot(path=artifacts / "decommission-refused.png", full_page=True)

    # An inactive one: copy its identifier, then Delete.
    page.goto(live_server.url + PROJECT + INACTIVE + "/")
    copy = page.locator('[data-copy-target="ws-identifier"]')
    expect(copy).to_have_text("Copy identifier")
    copy.click()
    expect(copy).to_have_text("Copied")
    expect(page.locator("#ws-identifier-copied")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == INACTIVE
    expect(page.get_by_text("No change to this workspace has been made")).to_be_visible()
    page.screenshot(path=artifacts / "decommission-workspace.png", full_page=True)
    page.get_by_role("link", name="Delete…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Delete .+\?$"))
    expect(page.get_by_role("heading", name="What goes with it")).to_be_visible()
    assert_accessible(page, "delete page")
    page.screenshot(path=artifacts / "decommission-confirm.png", full_page=True)

    # A wrong identifier is an error on its field; nothing is sent.
    field = page.get_by_label("Type the workspace identifier to confirm")
    field.fill(INACTIVE.upper())
    page.get_by_role("button", name="Delete this workspace").click()
    expect(page.locator(".field__errors")).to_contain_text("This does not match.")
    expect(field).to_be_focused()
    assert_accessible(page, "delete page with an error")
    assert fake.log(route=DELETE) == []

    # Harness fails once: the message, the form again, and a row in the workspace's trail.
    fake.inject(DELETE, status=503)
    page.get_by_label("Type the workspace identifier to confirm").fill(INACTIVE)
    page.get_by_role("button", name="Delete this workspace").click()
    expect(page.locator(".messages")).to_contain_text("HTTP 503")
    page.get_by_role("link", name=re.compile(f"← {INACTIVE}")).click()
    trail = page.locator(".audit-trail tbody tr")
    expect(trail).to_have_count(1)
    expect(trail.first).to_contain_text("alice")
    expect(trail.first).to_contain_text("Delete")
    expect(trail.first).to_contain_text("HTTP 503")
    page.screenshot(path=artifacts / "decommission-trail.png", full_page=True)
    assert_accessible(page, "workspace page with a trail")

    # Again: deleted, back on the list with a message; My requests keeps the record and trail.
    page.get_by_role("link", name="Delete…").click()
    page.get_by_label("Type the workspace identifier to confirm").fill(INACTIVE)
    page.get_by_role("button", name="Delete this workspace").click()
    expect(page).to_have_url(live_server.url + PROJECT)
    expect(page.locator(".messages")).to_contain_text(f"({INACTIVE}) from Harness")
    assert len(fake.log(route=DELETE)) == 2
    page.get_by_role("link", name="My requests").click()
    expect(page.locator("#my-requests")).to_contain_text("Deletion of")
    expect(page.locator("#my-requests .badge").first).to_have_text("Deleted")
    outcomes = page.locator(".audit-trail tbody tr .audit-outcome")
    expect(outcomes).to_have_text(["Deleted", "Unavailable"], use_inner_text=True)
    assert_accessible(page, "my requests with a trail")
    page.screenshot(path=artifacts / "decommission-my-requests.png", full_page=True)

    # Clone: a new request starting as a copy of the active workspace.
    page.goto(live_server.url + PROJECT + ACTIVE + "/")
    page.get_by_role("button", name="Clone").click()
    expect(page.get_by_label("As a copy of an existing workspace")).to_be_checked()
    expect(page.locator(".source-section--clone")).to_contain_text(ACTIVE)
