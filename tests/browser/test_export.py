"""Journey: take a workspace as code. Its page's Export section opens from the keyboard, Copy puts
the Terraform resource on the clipboard, Download saves `<identifier>.tf`; both parse as HCL."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import assert_accessible
from tests.conftest import ACCOUNT, FULL_KEY
from tests.workspaces.test_export import parse

TERRAGRUNT = "backup_dev_0083"  # seed `demo`: OpenTofu through Terragrunt, a secret reference


def test_copy_and_download_a_workspace_as_terraform(
    page, live_server, fake, browser_user, artifacts
):
    from workspaces.services import credential_save

    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    sign_in(page, live_server)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/orgs/default/projects/infra/workspaces/{TERRAGRUNT}/")

    summary = page.get_by_text("Show this workspace as code")
    summary.focus()
    page.keyboard.press("Enter")
    copy = page.locator('[data-copy-target="export-tf"]')
    expect(copy).to_have_accessible_name("Copy")
    expect(copy).to_be_visible()
    copy.click()

    expect(copy).to_have_text("Copied")
    expect(page.locator("#export-tf-copied")).to_have_text("Copied to the clipboard.")
    _name, copied, _comments = parse(page.evaluate("navigator.clipboard.readText()"))
    assert copied["identifier"] == TERRAGRUNT
    assert copied["terragrunt_provider"] is True
    assert {"key": "TF_TOKEN", "value": "account.tf_token", "value_type": "secret"} in copied[
        "environment_variable"
    ]
    expect(page.locator("#export-sh")).to_contain_text("x-api-key: $HARNESS_API_KEY")
    expect(page.locator("#export-sh")).not_to_contain_text(FULL_KEY.rsplit(".", 1)[-1])
    assert_accessible(page, "workspace page with Export open")
    page.locator("#export").screenshot(path=artifacts / "export-workspace.png")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(rf"Download {TERRAGRUNT}\.tf")).click()

    assert download.value.suggested_filename == f"{TERRAGRUNT}.tf"
    _name, saved, _comments = parse(download.value.path().read_text())
    assert saved == copied
