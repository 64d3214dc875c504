"""The wizard's pages say what is stored: a version list's choice is the one saved, Basics'
identifier check keeps Harness's refusal, and a row flagged as you type is marked invalid."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settled, sign_in
from tests.browser.test_wizard import row_checked, wait_saved, wizard_user  # noqa: F401
from tests.browser.test_wizard_accessibility import signed_in_draft  # noqa: F401
from tests.workspaces.test_drafts import make_draft
from workspaces.clients import harness_client_for
from workspaces.wizard import submit
from workspaces.wizard.body import build_body

CREATE = "iacm.workspaces.create"


def test_harness_refusal_of_the_identifier_stays_shown_on_basics(
    page,
    live_server,
    fake,
    signed_in_draft,  # noqa: F811
):
    draft = signed_in_draft
    draft.data["basics"]["identifier"] = "pay-vpc-dev"  # the portal's rule takes a "-"
    draft.save()
    message = (
        'body.identifier must match the regexp "^[a-zA-Z_][0-9a-zA-Z_$]{0,127}$" '
        'but got value "pay-vpc-dev"'
    )
    goa = {
        "name": "invalid_pattern",
        "id": "x1",
        "message": message,
        "temporary": False,
        "timeout": False,
        "fault": False,
    }
    fake.inject(CREATE, status=400, body=json.dumps(goa))
    submit.draft_submit(draft=draft, client=harness_client_for(draft.owner))
    draft.refresh_from_db()
    assert draft.harness_response["field"] == "identifier"

    page.goto(f"{live_server.url}/drafts/{draft.pk}/basics/")
    settled(page)  # a check on load would have answered by now
    expect(page.locator("#harness-outcome")).to_contain_text("What it refused is marked below")
    expect(page.locator("#identifier-status")).to_contain_text("Harness refused")
    expect(page.get_by_label("Identifier")).to_have_attribute("aria-invalid", "true")


def test_basics_never_says_free_for_an_identifier_it_refuses_as_taken(
    page,
    live_server,
    fake,
    signed_in_draft,  # noqa: F811
):
    draft = signed_in_draft
    # Someone else's workspace holds the identifier: the create's 409, and the look after it
    # finds it (README: "a 409 whose look finds a workspace leads back to the identifier").
    theirs = build_body(draft.data) | {"name": "someone-else", "repository": "another-repo"}
    harness_client_for(draft.owner).create_workspace(
        org=draft.org, project=draft.project, body=theirs
    )
    submit.draft_submit(draft=draft, client=harness_client_for(draft.owner))
    draft.refresh_from_db()
    assert draft.harness_response["outcome"] == "conflict"

    page.goto(f"{live_server.url}/drafts/{draft.pk}/basics/")
    settled(page)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    settled(page)
    expect(page.get_by_role("heading", name="Basics", exact=True)).to_be_visible()  # held here
    expect(page.locator("#identifier-status")).not_to_contain_text("is free")
    expect(page.locator("#identifier-status")).to_contain_text("already exists")
    expect(page.get_by_label("Identifier")).to_have_attribute("aria-invalid", "true")


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


def test_a_row_flagged_as_you_type_is_marked_invalid(
    page,
    live_server,
    fake,
    signed_in_draft,  # noqa: F811
):
    draft = signed_in_draft  # its Terraform variables: region = eu-west-1
    page.goto(f"{live_server.url}/drafts/{draft.pk}/variables/")
    settled(page)
    page.get_by_role("button", name="Add a Terraform variable").click()
    expect(page.locator("#terraform-1-key")).to_be_focused()
    with row_checked(page, "terraform-1-key"):
        page.locator("#terraform-1-key").fill("region")
    settled(page)

    key = page.locator("#terraform-1-key")
    expect(key).to_have_accessible_description("Duplicate key: region is already row 1.")
    expect(key).to_have_attribute("aria-invalid", "true")
    # Only the field the message is about (an empty string value is a value).
    expect(page.locator("#terraform-1-value")).not_to_have_attribute("aria-invalid", "true")

    # Made valid again, it is no longer marked.
    with row_checked(page, "terraform-1-key"):
        page.locator("#terraform-1-key").fill("zone")
    settled(page)
    expect(key).not_to_have_attribute("aria-invalid", "true")


@pytest.fixture
def nojs(chromium):
    """A page in a browser with JavaScript off: the wizard works without it."""
    context = chromium.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript_a_picker_search_finds_the_workspace_to_copy(
    nojs,
    live_server,
    wizard_user,  # noqa: F811
):
    draft = make_draft(wizard_user)
    sign_in(nojs, live_server)
    nojs.goto(f"{live_server.url}/drafts/{draft.pk}/template/")
    nojs.get_by_label("As a copy of an existing workspace").check()
    search = nojs.get_by_label("Search workspaces by name")

    search.fill("vpc-prod")
    search.press("Enter")  # the search, not the step's Save and continue

    expect(nojs.locator("#clone-workspace-options")).to_contain_text("vpc-prod")
    expect(nojs.get_by_label("Search workspaces by name")).to_have_value("vpc-prod")
    expect(nojs.get_by_label("As a copy of an existing workspace")).to_be_checked()  # saved


def test_without_javascript_a_pickers_try_again_keeps_what_was_typed(
    nojs,
    live_server,
    fake,
    wizard_user,  # noqa: F811
):
    draft = make_draft(wizard_user)
    sign_in(nojs, live_server)
    fake.inject("ng.connectors.list", status=503, times=20)
    nojs.goto(f"{live_server.url}/drafts/{draft.pk}/repository/")
    status = nojs.locator("#save-status")
    expect(status).not_to_contain_text("saved as you go", use_inner_text=True)  # not without it
    expect(status).to_contain_text("saved when you use a button below", use_inner_text=True)
    nojs.get_by_label("Repository name").fill("payments-infra")
    fake.clear_faults()

    nojs.locator("#git-connector-options").get_by_role("button", name="Try again").click()

    expect(nojs.get_by_label("Repository name")).to_have_value("payments-infra")
    expect(nojs.locator("#git-connector-options")).to_contain_text("account.gitlab_acme")
