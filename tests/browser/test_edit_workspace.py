"""Journey: change a workspace. Edit the variables and branch of a seeded workspace, see the
diff, send it (the fake holds the PUT body); then a change made in Harness between the start of
the next edit and its submit is shown and not overwritten until the user says so."""

import json

from playwright.sync_api import expect

from tests.browser.conftest import settled, sign_in
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_wizard import next_step, wizard_user  # noqa: F401
from tests.workspaces.test_change import ORG, PROJECT, UPDATE, direct_put, seeded_workspace
from workspaces.clients import harness_client_for
from workspaces.models import AuditEntry


def open_edit(page, live_server, identifier, screenshot=None):
    page.goto(f"{live_server.url}/orgs/{ORG}/projects/{PROJECT}/workspaces/{identifier}/")
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_role("heading", name="Basics", exact=True)).to_be_visible()
    page.wait_for_load_state()


def fill_and_save(page, selector, value):
    page.locator(selector).fill(value)
    with page.expect_response(lambda r: "autosave=1" in r.url):
        page.locator(selector).blur()
    settled(page)


def test_edit_variables_and_branch_then_a_change_made_in_harness(
    page,
    live_server,
    fake,
    wizard_user,  # noqa: F811
    artifacts,
):
    client = harness_client_for(wizard_user)
    workspace = seeded_workspace(client)
    old_branch = workspace.repository_branch
    sign_in(page, live_server)

    # 1. Edit: the steps are prefilled from Harness; the identifier cannot change.
    open_edit(page, live_server, workspace.identifier, artifacts / "edit-0-workspace.png")
    expect(page.get_by_role("heading", name=f"Change to {workspace.identifier}")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(workspace.name)
    expect(page.get_by_label("Identifier")).to_be_disabled()
    expect(page.get_by_role("link", name="Start from")).to_have_count(0)
    page.screenshot(path=artifacts / "edit-1-basics.png", full_page=True)
    next_step(page, "Repository")

    # 2. The branch.
    expect(page.locator("#id_branch")).to_have_value(old_branch)
    fill_and_save(page, "#id_branch", "release-7")
    next_step(page, "Provisioner and connectors")

    # A budget refused after cost estimation was turned off (its field hidden) is shown with its
    # error, where it can be put right.
    estimate, budget = page.get_by_label("Estimate costs"), page.locator("#id_budget")
    was_estimating, was_budget = estimate.is_checked(), budget.input_value()
    estimate.check()
    budget.fill("12.345")
    estimate.uncheck()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Use at most two decimals (cents).")).to_be_visible()
    expect(budget).to_be_visible()
    budget.fill(was_budget)
    estimate.set_checked(was_estimating)
    next_step(page, "Variables")

    # 3. The variables: one changed, one added.
    expect(page.locator("#terraform-0-key")).to_have_value("region")
    page.locator("#terraform-0-value").fill("us-east-2")
    page.get_by_role("button", name="Add a Terraform variable").click()
    new_row = len(workspace.terraform_variables)
    expect(page.locator(f"#terraform-{new_row}-key")).to_be_focused()
    page.locator(f"#terraform-{new_row}-key").fill("replicas")
    fill_and_save(page, f"#terraform-{new_row}-value", "3")
    page.screenshot(path=artifacts / "edit-2-variables.png", full_page=True)
    next_step(page, "Review and submit")

    # 4. The review: each change old -> new, and the exact PUT.
    diff = page.locator("#your-change")
    expect(diff.get_by_role("row", name="Branch")).to_contain_text(old_branch)
    expect(diff.get_by_role("row", name="Branch")).to_contain_text("release-7")
    expect(diff.get_by_role("row", name="Terraform variable region")).to_contain_text("us-east-2")
    expect(diff.get_by_role("row", name="Terraform variable replicas")).to_contain_text("Added")
    body = page.locator("#request-body-json")
    expect(body).to_contain_text('"repository_branch": "release-7"')
    expect(body).not_to_contain_text('"identifier"')
    expect(
        page.get_by_text(f"workspaces/{workspace.identifier}", exact=False).first
    ).to_be_visible()
    assert_accessible(page, "change review")
    page.screenshot(path=artifacts / "edit-3-review.png", full_page=True)

    # 5. Sent once, however many clicks; the fake holds the new values.
    page.get_by_role("button", name="Send the change").dblclick()
    expect(page.get_by_text("Changed.")).to_be_visible()
    page.screenshot(path=artifacts / "edit-4-result.png", full_page=True)
    (put,) = fake.log(route=UPDATE)
    print("\nPUT body the fake received:\n" + json.dumps(put["body"], indent=2))
    assert put["path"].endswith(f"/orgs/{ORG}/projects/{PROJECT}/workspaces/{workspace.identifier}")
    assert put["body"]["repository_branch"] == "release-7"
    assert put["body"]["terraform_variables"]["region"]["value"] == "us-east-2"
    assert put["body"]["terraform_variables"]["replicas"]["value"] == "3"
    assert "identifier" not in put["body"]
    held = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert held.repository_branch == "release-7"
    assert held.terraform_variables["replicas"].value == "3"

    # 6. A second change; meanwhile someone changes the workspace in Harness.
    open_edit(page, live_server, workspace.identifier)
    next_step(page, "Repository")
    fill_and_save(page, "#id_branch", "release-8")
    for heading in ("Provisioner and connectors", "Variables", "Review and submit"):
        next_step(page, heading)
    direct_put(workspace.identifier, description="Changed in Harness by someone else")
    fake.clear_log()

    page.get_by_role("button", name="Send the change").click()

    panel = page.locator("#changed-in-harness")
    expect(panel).to_contain_text("Changed in Harness since you started")
    expect(panel.get_by_role("row", name="Description")).to_contain_text(
        "Changed in Harness by someone else"
    )
    expect(page.locator("#change-check-note")).to_contain_text("cannot be detected")
    assert fake.log(route=UPDATE) == []
    held = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert held.description == "Changed in Harness by someone else"
    assert held.repository_branch == "release-7"
    assert_accessible(page, "changed in harness")
    page.screenshot(path=artifacts / "edit-5-changed-in-harness.png", full_page=True)

    # 7. Sent anyway, once the user has seen it.
    page.get_by_role("button", name="Send my change anyway").click()
    expect(page.get_by_text("Changed.")).to_be_visible()
    (put,) = fake.log(route=UPDATE)
    assert put["body"]["repository_branch"] == "release-8"
    held = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert held.repository_branch == "release-8"

    # The audit trail holds the two PUTs (the check that stopped the second one sent nothing).
    trail = AuditEntry.objects.filter(identifier=workspace.identifier).order_by("id")
    assert [(e.action, e.outcome, e.harness_status) for e in trail] == [
        ("edit", "updated", 200),
        ("edit", "updated", 200),
    ]
    assert trail.last().body["repository_branch"] == "release-8"

    # 8. My requests lists both changes.
    page.goto(live_server.url + "/drafts/")
    expect(page.locator("#my-requests")).to_contain_text(f"Change to {workspace.name}")
    page.screenshot(path=artifacts / "edit-6-my-requests.png", full_page=True)


def test_why_edit_did_not_open_then_a_change_made_meanwhile_take_the_focus(
    page,
    live_server,
    fake,
    wizard_user,  # noqa: F811
):
    workspace = seeded_workspace(harness_client_for(wizard_user))
    # Its main connector is listed under no type: Edit looks it up, and the lookup fails.
    direct_put(workspace.identifier, provider_connector="account.aws_dev", provider_connectors=[])
    fake.inject("ng.connectors.list", status=500, times=20)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/orgs/{ORG}/projects/{PROJECT}/workspaces/{workspace.identifier}/")
    page.get_by_role("button", name="Edit").click()
    page.wait_for_load_state()

    # Back on the workspace page, the reason (an alert in the page as it loads) has the focus.
    expect(page.locator(".messages")).to_contain_text("could not look up the connectors")
    assert page.evaluate("() => !!document.activeElement.closest('.messages [role=alert]')"), (
        f"focus is on {page.evaluate('document.activeElement.outerHTML.slice(0, 80)')}"
    )
    assert_accessible(page, "edit refused")

    fake.clear_faults()
    open_edit(page, live_server, workspace.identifier)
    fill_and_save(page, "#id_description", "Mine")
    page.get_by_role("link", name="Review and submit").click()
    expect(page.get_by_role("heading", name="Review and submit", exact=True)).to_be_visible()
    direct_put(workspace.identifier, description="Theirs")

    page.get_by_role("button", name="Send the change").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#changed-in-harness")).to_be_visible()
    page.wait_for_load_state()

    # The panel (role=alert) was in the page as it loaded: the focus goes to it, not the top.
    assert page.locator("#changed-in-harness").evaluate(
        "panel => panel.contains(document.activeElement)"
    ), f"focus is on {page.evaluate('document.activeElement.tagName')}"


def test_multi_line_values_pass_through_the_steps_unchanged(
    page,
    live_server,
    fake,
    wizard_user,  # noqa: F811
):
    workspace = seeded_workspace(harness_client_for(wizard_user))
    hcl_map = "{\n  a = 1\n  b = 2\n}"
    direct_put(
        workspace.identifier,
        description="Line one\nLine two",
        terraform_variables={"labels": {"key": "labels", "value": hcl_map, "value_type": "string"}},
    )
    fake.clear_log()
    sign_in(page, live_server)
    open_edit(page, live_server, workspace.identifier)

    page.get_by_label("Name", exact=True).fill(workspace.name + "-2")  # the one change made
    for heading in ("Repository", "Provisioner and connectors", "Variables"):
        next_step(page, heading)
    # The value is shown whole, in a field that keeps its lines, labelled as the others are.
    expect(page.get_by_label("Value 1")).to_have_value(hcl_map)
    assert_accessible(page, "a variable of several lines")
    next_step(page, "Review and submit")
    expect(page.locator("#your-change").get_by_role("row")).to_have_count(2)  # header and Name
    page.get_by_role("button", name="Send the change").click()
    expect(page.get_by_text("Changed.")).to_be_visible()

    (put,) = fake.log(route=UPDATE)
    assert put["body"]["terraform_variables"]["labels"]["value"] == hcl_map
    assert put["body"]["description"] == "Line one\nLine two"
