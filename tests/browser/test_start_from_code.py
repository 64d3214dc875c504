"""Journey: start a new workspace from code. Start from code takes a pasted block: one it cannot
use is refused on the field (the summary takes the focus), an exported one fills in the steps,
and the review shows the body it gives."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_wizard import start
from tests.conftest import ACCOUNT, FULL_KEY
from workspaces.clients import harness_client_for
from workspaces.export import harness_workspace_export
from workspaces.services import credential_save

TERRAGRUNT = "backup_dev_0083"  # seed `demo`: OpenTofu through Terragrunt, a secret reference


@pytest.fixture
def coder(browser_user, fake):
    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY)
    return browser_user


def test_start_from_an_exported_resource_and_review_its_body(page, live_server, coder, artifacts):
    client = harness_client_for(coder)
    workspace = client.get_workspace(org="default", project="infra", identifier=TERRAGRUNT)
    hcl = harness_workspace_export(workspace=workspace, account_id=ACCOUNT, client=client).hcl
    start(page, live_server)

    page.get_by_label("From code: a Terraform resource or a JSON body").check()
    code = page.get_by_label("Paste a harness_platform_workspace resource or a create body (JSON)")
    code.fill('resource "harness_platform_workspace" "w" {\n  name = var.name\n}\n')
    page.get_by_role("button", name="Fill in from the code").click()

    summary = page.locator("#code-paste .error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nothing in the code could be used")
    expect(page.locator(".code-lines")).to_contain_text("An expression or reference")
    page.get_by_text("Example", exact=True).click()
    assert_accessible(page, "Start from code, a paste refused")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#code-paste").screenshot(path=artifacts / f"code-refused-{width}.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    code = page.get_by_label("Paste a harness_platform_workspace resource or a create body (JSON)")
    code.fill(hcl)
    page.get_by_role("button", name="Fill in from the code").click()

    report = page.locator("#code-report")
    expect(report).to_contain_text("Filled in from the pasted Terraform resource")
    page.screenshot(path=artifacts / "start-from-code-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "start-from-code-390.png", full_page=True)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value(workspace.name)
    page.get_by_role("link", name="Review and submit").click()
    expect(page.get_by_role("heading", name="Review and submit", exact=True)).to_be_visible()
    page.wait_for_load_state()  # the whole body parsed before it is read
    body = json.loads(page.locator("#review-body, .json").first.inner_text())
    assert body["identifier"] == TERRAGRUNT
    assert body["terragrunt_provider"] is True
    assert body["terragrunt_version"] == workspace.terragrunt_version
    assert body["environment_variables"] == {
        key: {"key": key, "value": item.value, "value_type": item.value_type}
        for key, item in workspace.environment_variables.items()
    }
