"""Journey 3 in the browser: create a workspace from scratch, from a template, as a clone; a
reload that loses nothing; a double click that creates one workspace; a policy denial fixed."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import RECORD, settled, sign_in
from tests.conftest import ACCOUNT, FULL_KEY
from tests.workspaces.test_drafts import described_workspace
from workspaces.clients import harness_client_for
from workspaces.models import WorkspaceDraft
from workspaces.services import credential_save

CREATE = "iacm.workspaces.create"


@pytest.fixture
def wizard_user(browser_user, fake):
    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY)
    return browser_user


def start(page, live_server):
    sign_in(page, live_server)
    page.goto(live_server.url + "/orgs/default/projects/infra/new-workspace/")
    page.get_by_role("button", name="Start a new request").click()
    expect(page.get_by_role("heading", name="Start from", exact=True)).to_be_visible()
    page.wait_for_load_state()


def next_step(page, heading):
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    page.wait_for_load_state()


def fill_basics(page, name, *, tags=()):
    page.get_by_label("Name", exact=True).fill(name)
    expected = name.replace("-", "_")
    expect(page.get_by_label("Identifier")).to_have_value(expected)
    expect(page.locator("#identifier-status")).to_contain_text(f"{expected} is free")
    for index, (key, value) in enumerate(tags):
        page.get_by_role("button", name="Add a tag").click()
        key_input = page.get_by_label(f"Tag {index + 1} key")
        expect(key_input).to_be_focused()
        key_input.fill(key)
        page.get_by_label(f"Tag {index + 1} value").fill(value)


def pick(page, option_text):
    page.locator("label.picker__option", has_text=option_text).first.click()


def wait_saved(page):
    """The last change is saved: "Saved" may be an earlier autosave's, so wait for the one in
    flight (a change starts it at once) too."""
    expect(page.locator("#save-status")).to_contain_text("Saved")
    settled(page)


def row_checked(page, field_id):
    """Waits for the check of a variable row that typing in its field `field_id` sends 400 ms
    after the last key (until then the row's messages are the old ones, and settled() has no
    request to wait for). htmx names the field in the HX-Trigger header."""
    return page.expect_response(
        lambda r: (
            r.request.headers.get("hx-trigger") == field_id
            and "action=check" in (r.request.post_data or "")
        )
    )


def find_in_list(page, live_server, name):
    page.goto(live_server.url + "/orgs/default/projects/infra/workspaces/")
    page.get_by_label("Search by name").fill(name)
    expect(page.locator("#workspace-table tbody tr")).to_have_count(1)
    expect(page.locator("#workspace-table")).to_contain_text(name)


def back_side(page, primary: str) -> str:
    """Which side of the step's main button its Back button is on."""
    actions = page.locator(".wizard-actions").last
    back = actions.get_by_text("Back", exact=True).bounding_box()
    forward = actions.get_by_role("button", name=primary).bounding_box()
    return "left" if back["x"] < forward["x"] else "right"


def test_from_scratch_with_reload_and_double_click(page, live_server, fake, wizard_user, artifacts):
    start(page, live_server)

    # 1. Start from scratch (the first step, before anything is typed).
    page.screenshot(path=artifacts / "wizard-1-start-from.png", full_page=True)
    next_step(page, "Basics")

    # 2. Basics: the identifier follows the name and is checked live.
    fill_basics(page, "cache-web-dev", tags=[("team", "web")])
    page.screenshot(path=artifacts / "wizard-2-basics.png", full_page=True)
    next_step(page, "Repository")

    # 3. Repository: search the git connectors on the server.
    search = page.get_by_label("Search git connectors")
    help_line = page.locator("fieldset.picker > .field__help").first.bounding_box()
    ring = search.evaluate(  # how far the focus ring reaches above the box (outline + offset)
        """box => { box.focus(); const s = getComputedStyle(box);
            return parseFloat(s.outlineWidth) + parseFloat(s.outlineOffset); }"""
    )
    gap = search.bounding_box()["y"] - (help_line["y"] + help_line["height"])
    assert gap >= ring, f"the focus ring ({ring} px) covers the help line above ({gap} px)"
    search.fill("gitlab")
    expect(page.locator("#git-connector-options")).not_to_contain_text("github_acme")
    pick(page, "account.gitlab_acme")
    page.get_by_label("Repository name").fill("infra-live")
    page.locator("label.check", has_text="Tag").click()
    page.locator("#id_tag").fill("v1.4.0")
    page.get_by_label("Folder path").fill("cache/dev")
    page.screenshot(path=artifacts / "wizard-3-repository.png", full_page=True)
    next_step(page, "Provisioner and connectors")

    # 4. Provisioner: Terraform offers only versions Harness allows.
    page.locator("label.choice-card", has_text="Terraform").click()
    expect(page.locator("#version")).to_contain_text("1.5.7 (latest)")
    expect(page.locator("#version option", has_text="1.6")).to_have_count(0)
    page.get_by_label("Search AWS connectors").fill("aws_prod")
    expect(page.locator("#aws-connector-options")).not_to_contain_text("aws_team")
    pick(page, "account.aws_prod")
    wait_saved(page)
    page.screenshot(path=artifacts / "wizard-4-provisioner.png", full_page=True)
    next_step(page, "Variables")

    # 5. Variables: rows added in place; a duplicate is flagged as you type; a secret reference.
    page.get_by_role("button", name="Add a Terraform variable").click()
    expect(page.get_by_label("Key 1").first).to_be_focused()
    page.locator("#terraform-0-key").fill("region")
    page.locator("#terraform-0-value").fill("eu-west-1")
    page.get_by_role("button", name="Add a Terraform variable").click()
    expect(page.locator("#terraform-1-key")).to_be_focused()  # swapped in and wired by htmx
    page.locator("#terraform-1-key").fill("region")
    expect(page.locator("#terraform-1-error")).to_contain_text("Duplicate key")
    page.locator("#terraform-1-key").fill("instance_count")
    expect(page.locator("#terraform-1-error")).to_be_empty()
    page.locator("#terraform-1-value").fill("2")
    page.get_by_role("button", name="Add an environment variable").click()
    expect(page.locator("#environment-0-key")).to_be_focused()
    page.locator("#environment-0-key").fill("TF_TOKEN")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.locator("#environment-0-value_type").select_option("secret")
    settled(page)
    expect(page.locator("#environment-0-value")).to_have_attribute("list", "secret-datalist")
    with row_checked(page, "environment-0-value"):
        page.locator("#environment-0-value").fill("account.tf_token")
    settled(page)
    expect(page.locator("#environment-0-error")).to_be_empty()
    with page.expect_response(lambda r: "autosave=1" in r.url):
        page.locator("#environment-0-value").blur()
    page.screenshot(path=artifacts / "wizard-5-variables.png", full_page=True)
    step_sides = back_side(page, "Save and continue")

    # A reload in the middle loses nothing.
    page.reload()
    expect(page.locator("#terraform-1-key")).to_have_value("instance_count")
    expect(page.locator("#environment-0-value")).to_have_value("account.tf_token")
    next_step(page, "Review and submit")

    # 6. Review: the exact body, secrets as references.
    body = page.locator("#request-body-json")
    expect(body).to_contain_text('"repository_commit": "v1.4.0"')
    expect(body).to_contain_text('"value": "account.tf_token"')
    expect(body).not_to_contain_text("repository_branch")
    page.screenshot(path=artifacts / "wizard-6-review.png", full_page=True)
    # Back stays where every step has it, not swapped with the button under the pointer.
    assert back_side(page, "Create workspace") == step_sides == "left"

    # A double click creates one workspace.
    page.get_by_role("button", name="Create workspace").dblclick()
    expect(page.get_by_text("Created.")).to_be_visible()
    page.screenshot(path=artifacts / "wizard-7-result.png", full_page=True)
    posts = fake.log(route=CREATE)
    print(f"\nPOSTs after a double click on submit: {len(posts)}")
    print("body the fake received:\n" + json.dumps(posts[0]["body"], indent=2))
    assert len(posts) == 1
    assert posts[0]["body"]["provisioner"] == "terraform"

    find_in_list(page, live_server, "cache-web-dev")


def test_from_a_linked_template_at_a_version_that_is_not_the_stable_one(
    page, live_server, fake, wizard_user, artifacts
):
    start(page, live_server)

    page.get_by_label("From a workspace template").check()
    pick(page, "k8s_namespace")  # only a template of the project can be linked
    expect(page.locator("#template-version")).to_have_value("v1")  # the stable one first
    page.locator("#template-version").select_option("v2")
    page.get_by_label("Use the template (linked)").check()
    wait_saved(page)
    page.screenshot(path=artifacts / "wizard-template-start.png", full_page=True)
    next_step(page, "Basics")
    fill_basics(page, "svc-orders-dev")
    next_step(page, "Repository")

    # Locked values are shown, read-only.
    expect(page.get_by_label("Repository name")).to_have_value("infra-live")
    expect(page.get_by_label("Repository name")).to_be_disabled()
    expect(page.locator("#git-connector-options")).to_contain_text("Locked")
    page.screenshot(path=artifacts / "wizard-template-repository.png", full_page=True)
    next_step(page, "Provisioner and connectors")
    expect(page.locator("#version-options")).to_contain_text("1.10.6")
    expect(page.locator("#version-options")).to_contain_text("Locked")
    # The locked provisioner locks the additional connectors (Vault), not the main one.
    expect(page.locator("#vault-connector-options")).to_contain_text("Locked")
    expect(page.get_by_text("The linked template locks the provisioner")).to_be_visible()
    page.locator("#gcp-connector-options label.picker__option", has_text="gcp_infra").click()
    wait_saved(page)
    next_step(page, "Variables")
    # A template's variables have no documented shape (contract §3.1): none is copied.
    expect(page.locator("#terraform-0-key")).to_have_count(0)
    next_step(page, "Review and submit")
    expect(page.locator("#request-body-json")).to_contain_text('"template_id": "k8s_namespace"')
    expect(page.locator("#request-body-json")).not_to_contain_text("provisioner_version")

    page.get_by_role("button", name="Create workspace").click()

    expect(page.get_by_text("Created.")).to_be_visible()
    (post,) = fake.log(route=CREATE)
    print("\nlinked template body:\n" + json.dumps(post["body"], indent=2))
    assert post["body"] == {
        "identifier": "svc_orders_dev",
        "name": "svc-orders-dev",
        "description": "",
        "tags": {},
        "provisioner": "opentofu",
        "provider_connector": "gcp_infra",
        "cost_estimation_enabled": True,  # not locked: v2 turns it on
        "terraform_variables": {},
        "environment_variables": {},
        "associated_template": {"template_id": "k8s_namespace", "version": "v2"},
    }
    find_in_list(page, live_server, "svc-orders-dev")


def test_another_template_is_saved_at_a_version_of_its_own(page, live_server, fake, wizard_user):
    start(page, live_server)
    page.get_by_label("From a workspace template").check()
    wait_saved(page)
    linked = page.get_by_label("Use the template (linked)")
    expect(linked).to_be_checked()  # the default, for a template of this project
    # An account template cannot be linked: Template use, untouched, turns to the copy.
    pick(page, "account.aws_service")
    wait_saved(page)
    expect(page.get_by_label("Copy the template")).to_be_checked()
    expect(linked).to_be_disabled()
    expect(linked).to_have_accessible_description(re.compile("can be copied, not linked"))
    expect(page.locator("#save-status")).to_contain_text("will be copied, not linked")
    expect(page.locator(".field--error")).to_have_count(0)
    for version in ("v1", "v2"):
        page.locator("#template-version").select_option(version)
        wait_saved(page)

    # Its version select is still in the page when the other template's radio autosaves.
    pick(page, "org.gcp_bucket")
    wait_saved(page)

    expect(page.locator("#save-status")).not_to_contain_text("could not find it any more")
    expect(page.locator("#template-version")).to_have_value("v1")  # gcp_bucket's stable
    expect(page.get_by_label("Copy the template")).to_be_checked()
    next_step(page, "Basics")  # no error on Template use: it was never touched
    assert (
        WorkspaceDraft.objects.get(owner=wizard_user).data["template"]["template_mode"] == "copied"
    )
    fill_basics(page, "bucket-dev")
    next_step(page, "Repository")
    expect(page.get_by_label("Repository name")).to_have_value("terraform-modules")


def test_a_terragrunt_workspace(page, live_server, fake, wizard_user, artifacts):
    start(page, live_server)
    next_step(page, "Basics")
    fill_basics(page, "edge-tg-dev")
    next_step(page, "Repository")
    pick(page, "account.github_acme")
    page.get_by_label("Repository name").fill("infra-live")
    next_step(page, "Provisioner and connectors")

    # Terragrunt runs on top of the Terraform/OpenTofu choice, with its own version list.
    expect(page.locator("label.choice-card", has_text="Terragrunt")).to_have_count(0)
    page.locator("label.choice-card", has_text="Terraform").click()
    expect(page.locator("#version")).to_contain_text("1.5.7 (latest)")
    page.locator("#version").select_option("1.5.6")
    page.get_by_label("Run through Terragrunt").check()
    expect(page.locator("#terragrunt_version")).to_contain_text("0.80.4 (latest)")
    settled(page)
    page.locator("#terragrunt_version").select_option("0.80.4")
    page.get_by_label("Run all modules").check()
    wait_saved(page)
    page.screenshot(path=artifacts / "wizard-terragrunt.png", full_page=True)
    next_step(page, "Variables")
    next_step(page, "Review and submit")
    expect(page.locator("main")).to_contain_text(
        "Terraform 1.5.6 through Terragrunt 0.80.4, run all"
    )

    page.get_by_role("button", name="Create workspace").click()

    expect(page.get_by_text("Created.")).to_be_visible()
    (post,) = fake.log(route=CREATE)
    print("\nTerragrunt body:\n" + json.dumps(post["body"], indent=2))
    assert post["body"] == {
        "identifier": "edge_tg_dev",
        "name": "edge-tg-dev",
        "description": "",
        "tags": {},
        "provisioner": "terraform",
        "provisioner_version": "1.5.6",
        "terragrunt_provider": True,
        "terragrunt_version": "0.80.4",
        "run_all": True,
        "provider_connector": "",
        "provider_connectors": [],
        "repository": "infra-live",
        "repository_connector": "account.github_acme",
        "repository_path": "",
        "repository_submodules": "false",
        "cost_estimation_enabled": False,
        "terraform_variables": {},
        "environment_variables": {},
        "repository_branch": "main",
    }


def test_as_a_clone(page, live_server, fake, wizard_user, artifacts):
    source = described_workspace(harness_client_for(wizard_user))
    start(page, live_server)

    page.get_by_label("As a copy of an existing workspace").check()
    page.get_by_label("Search workspaces by name").fill(source.name)
    option = page.locator(
        "#clone-workspace-options label.picker__option", has_text=source.identifier
    )
    expect(option).to_have_count(1)
    option.click()
    expect(page.get_by_text("Copied: its description and tags")).to_be_visible()
    wait_saved(page)
    next_step(page, "Basics")

    # The source's description is shown, editable, saying where it came from; not an error yet.
    description = page.get_by_label("Description")
    expect(description).to_have_value(source.description)
    expect(page.locator("#id_description_helptext")).to_have_text(
        f"Copied from the workspace {source.identifier}. Edit or clear it if it does not fit."
    )
    expect(page.get_by_text("Enter a name.")).to_have_count(0)
    page.screenshot(path=artifacts / "wizard-clone-basics.png", full_page=True)
    fill_basics(page, "clone-of-first")
    description.fill("Staging copy")
    next_step(page, "Repository")
    expect(page.get_by_label("Repository name")).not_to_have_value("")
    page.get_by_role("link", name=re.compile("Review and submit")).click()
    expect(page.locator("#request-body-json")).to_contain_text('"identifier": "clone_of_first"')
    page.screenshot(path=artifacts / "wizard-clone-review.png", full_page=True)

    page.get_by_role("button", name="Create workspace").click()

    expect(page.get_by_text("Created.")).to_be_visible()
    (post,) = fake.log(route=CREATE)
    print("\nclone body:\n" + json.dumps(post["body"], indent=2))
    assert post["body"]["description"] == "Staging copy"
    assert post["body"]["tags"] == source.tags
    find_in_list(page, live_server, "clone-of-first")


def test_policy_denial_fixed_and_resubmitted(page, live_server, fake, wizard_user, artifacts):
    start(page, live_server)
    next_step(page, "Basics")
    fill_basics(page, "billing-prod", tags=[("env", "prod")])
    next_step(page, "Repository")
    pick(page, "account.github_acme")
    page.get_by_label("Repository name").fill("infra-live")
    next_step(page, "Provisioner and connectors")
    next_step(page, "Variables")
    next_step(page, "Review and submit")
    expect(page.get_by_text("Workspaces tagged env=prod usually must enable cost")).to_be_visible()

    page.get_by_role("button", name="Create workspace").click()

    expect(page.locator("#harness-outcome")).to_contain_text(
        "Workspaces tagged env=prod must enable cost estimation"
    )
    page.screenshot(path=artifacts / "wizard-policy-denied.png", full_page=True)
    page.get_by_role("link", name="Edit Provisioner and connectors").click()
    page.get_by_label("Estimate costs").check()
    page.get_by_label("Monthly budget (USD)").fill("750")
    next_step(page, "Variables")
    page.get_by_role("link", name=re.compile("Review and submit")).click()
    page.get_by_role("button", name="Create workspace").click()
    expect(page.get_by_text("Created.")).to_be_visible()
    assert len(fake.log(route=CREATE)) == 2
    assert fake.log(route=CREATE)[-1]["body"]["budget"] == 750.0


def test_errors_clear_as_soon_as_the_value_is_valid(page, live_server, fake, wizard_user):
    start(page, live_server)
    next_step(page, "Basics")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Enter a name.")).to_be_visible()
    page.wait_for_load_state()  # wizard.js fills the identifier in once the page has loaded
    identifier = page.get_by_label("Identifier")
    # One message for the identifier at a time: its live check, not also a field error.
    expect(page.locator("#id_identifier_error")).to_have_count(0)
    expect(page.locator("#identifier-status")).not_to_be_empty()

    page.get_by_label("Name", exact=True).fill("errors-clear")
    page.get_by_label("Name", exact=True).press("Tab")

    wait_saved(page)
    expect(page.get_by_text("Enter a name.")).to_have_count(0)
    expect(page.get_by_label("Name", exact=True)).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#identifier-status")).to_contain_text("errors_clear is free")
    expect(identifier).not_to_have_attribute("aria-invalid", "true")

    # A secret reference fixed as you type loses aria-invalid without leaving the field.
    page.goto(page.url.replace("/basics/", "/variables/"))
    page.get_by_role("button", name="Add an environment variable").click()
    expect(page.get_by_label("Key 1")).to_be_focused()  # swapped in and wired by htmx
    page.get_by_label("Key 1").fill("TF_TOKEN")
    page.get_by_label("Type 1").select_option("secret")
    settled(page)
    page.get_by_role("button", name="Save and continue").click()
    secret = page.get_by_label("Secret 1")
    expect(secret).to_have_attribute("aria-invalid", "true")
    page.wait_for_load_state()  # htmx checks the row as it is typed once the page has loaded

    secret.fill("account.tf_token")

    expect(secret).not_to_have_attribute("aria-invalid", "true")
    expect(secret).to_be_focused()
    # While the row's error speaks, the "not in Harness's list" warning stays silent.
    secret.fill("not a reference!")
    expect(page.locator("#environment-0-error")).not_to_be_empty()
    expect(page.locator("#environment-0-warning")).to_be_empty()


def test_a_secret_not_in_harnesss_list_is_flagged_as_you_type(
    page, live_server, fake, wizard_user, artifacts
):
    start(page, live_server)
    page.goto(page.url.replace("/template/", "/variables/"))
    page.get_by_role("button", name="Add an environment variable").click()
    expect(page.get_by_label("Key 1")).to_be_focused()  # swapped in and wired by htmx
    page.get_by_label("Key 1").fill("TF_TOKEN")
    page.get_by_label("Type 1").select_option("secret")
    settled(page)
    secret = page.get_by_label("Secret 1")

    with row_checked(page, "environment-0-value"):
        secret.fill("account.no_such_secret")
    settled(page)

    warning = page.locator("#environment-0-warning")
    expect(warning).to_contain_text("account.no_such_secret is not among the secrets")
    expect(page.locator("#environment-0-error")).to_be_empty()  # a warning, not an error
    page.screenshot(path=artifacts / "wizard-secret-not-listed.png", full_page=True)
    # Said once: the check of another field (each htmx settle) does not write it again.
    page.evaluate(RECORD, "#environment-0-warning")
    with row_checked(page, "environment-0-key"):
        page.get_by_label("Key 1").fill("TF_TOKEN_2")
    settled(page)
    assert page.evaluate("window.said") == []
    secret.fill("account.tf_token")
    expect(warning).to_be_empty()


def test_a_tfvars_paste_is_previewed_then_added(page, live_server, fake, wizard_user):
    start(page, live_server)
    next_step(page, "Basics")
    page.goto(page.url.replace("/basics/", "/variables/"))
    page.locator("#variable-paste summary").click()
    page.get_by_label("Paste a .tfvars or .env block (optional)").fill(
        'region = "eu-west-1" # where it runs\npath = "C:\\\\new"\n'
    )

    page.get_by_role("button", name="Preview").click()

    # The preview keeps the paste, so its Add button adds what it shows.
    expect(page.locator(".paste__preview")).to_contain_text("2 of 2 lines can be added")
    expect(page.get_by_label("Paste a .tfvars or .env block (optional)")).to_have_value(
        'region = "eu-west-1" # where it runs\npath = "C:\\\\new"\n'
    )
    settled(page)  # the Add button came with the preview
    page.get_by_role("button", name="Add 2 variables").click()
    expect(page.locator("#terraform-0-key")).to_have_value("region")
    expect(page.locator("#terraform-0-value")).to_have_value("eu-west-1")
    expect(page.locator("#terraform-1-key")).to_have_value("path")
    expect(page.locator("#terraform-1-value")).to_have_value("C:\\new")


def test_save_and_continue_with_a_paste_in_the_box_stays_and_says_so(
    page, live_server, fake, wizard_user
):
    start(page, live_server)
    next_step(page, "Basics")
    page.goto(page.url.replace("/basics/", "/variables/"))
    page.locator("#variable-paste summary").click()
    box = page.get_by_label("Paste a .tfvars or .env block (optional)")
    box.fill('instance_type = "t3.micro"\n')

    page.get_by_role("button", name="Save and continue").click()

    expect(page.locator("#paste-note")).to_be_focused()
    expect(page.locator("#paste-note")).to_contain_text("Add the pasted lines or clear the box")
    expect(box).to_have_value('instance_type = "t3.micro"\n')
    settled(page)
    page.get_by_role("button", name="Add 1 variable").click()
    expect(page.locator("#terraform-0-key")).to_have_value("instance_type")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/review/$"))


class HeldAutosaves:
    """Autosaves held on their way to the server until the test lets them go: a slow network,
    without a sleep. Once let go, the later ones go straight through."""

    def __init__(self, page):
        self.routes = []
        self.holding = True
        page.route(lambda url: "autosave=1" in url, self._route)

    def _route(self, route):
        if self.holding:
            self.routes.append(route)
        else:
            route.continue_()

    def release(self, **fulfill):
        """Send the held autosaves on to the server, or answer them with `fulfill` instead."""
        assert self.routes, "no autosave was held"
        self.holding = False
        for route in self.routes:
            if fulfill:
                route.fulfill(**fulfill)
            else:
                route.continue_()


def test_a_step_link_clicked_while_saving_waits_for_the_last_change(
    page, live_server, fake, wizard_user
):
    start(page, live_server)
    next_step(page, "Basics")
    held = HeldAutosaves(page)
    status = page.locator("#save-status")
    with page.expect_request(lambda r: "autosave=1" in r.url):
        page.get_by_label("Name", exact=True).fill("kept-on-leaving")
        page.get_by_label("Description").fill("typed just before leaving")  # Name's change saves
    expect(status).to_have_text("Saving…")

    # Leaving the field for the link changes it: its save waits behind the one on its way.
    page.get_by_role("link", name=re.compile("Repository")).click()

    expect(status).to_have_text("Saving…")
    expect(page.get_by_role("heading", name="Basics", exact=True)).to_be_visible()
    held.release()
    expect(page.get_by_role("heading", name="Repository", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("Basics")).click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("kept-on-leaving")
    expect(page.get_by_label("Description")).to_have_value("typed just before leaving")


@pytest.mark.console_errors("Response Status Error Code 500 from /drafts/")
def test_a_step_link_clicked_while_a_save_fails_stays_with_the_failure(
    page, live_server, fake, wizard_user
):
    start(page, live_server)
    next_step(page, "Basics")
    held = HeldAutosaves(page)
    with page.expect_request(lambda r: "autosave=1" in r.url):
        page.get_by_label("Name", exact=True).fill("not-saved")
        page.get_by_label("Description").press("Tab")  # Name's change saves
    page.get_by_role("link", name=re.compile("Repository")).click()

    held.release(status=500, body="Server Error")

    status = page.locator("#save-status")
    expect(status).to_have_text(
        "Your last change was not saved. Change it again, or use Save and continue."
    )
    expect(page.get_by_role("heading", name="Basics", exact=True)).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("not-saved")
