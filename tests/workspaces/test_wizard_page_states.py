"""What a wizard page shows is what the draft stores: a version list's choice (also after its
Try again, or with Terragrunt unticked), and Basics' identifier check never saying "free" over
the identifier's stored error (taken, or refused by Harness)."""

import json
import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.workspaces.test_drafts import make_draft
from workspaces.clients import harness_client_for
from workspaces.wizard import submit
from workspaces.wizard.body import build_body

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
CREATE = "iacm.workspaces.create"
VERSIONS = "iacm.provisioners.versions"


def picker_url(draft, name):
    return reverse("draft_picker", args=[draft.pk, "provisioner", name])


def check_url(draft):
    return reverse("draft_identifier_check", args=[draft.pk])


def first_option(response, select_id):
    """The value and label of the first option of the select `select_id` (shown chosen when
    none is marked selected)."""
    found = re.search(
        rf'<select id="{select_id}" name="{select_id}"[^>]*>(.*?)</select>',
        response.content.decode(),
        re.S,
    )
    assert found, f"no select {select_id}"
    return re.search(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found[1]).groups()


# --- 3 (a): a version list's Try again --------------------------------------------------------


def test_a_version_list_shown_by_try_again_is_saved_as_chosen(
    signed_in_with_key, user_with_key, fake
):
    """README: "a version list shows the latest chosen until another is, and that is what is
    saved, even when the page is left by the step links"."""
    draft = make_draft(user_with_key, provisioner__version="")
    fake.inject(VERSIONS, status=503, times=5)
    page = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "provisioner"]))
    assertContains(page, 'id="version-retry"')
    fake.clear_faults()

    retry = signed_in_with_key.get(
        picker_url(draft, "version"), {"provisioner": "opentofu"}, headers=HTMX
    )
    shown, label = first_option(retry, "version")
    assert label.endswith("(latest)")  # shown chosen: nothing above it, none selected

    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))  # a step link
    draft.refresh_from_db()
    assert draft.data["provisioner"]["version"] == shown == "1.10.6"
    assertNotContains(review, "Choose a version.")


def test_a_terragrunt_version_list_shown_by_try_again_is_saved_as_chosen(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(
        user_with_key, provisioner__terragrunt=True, provisioner__terragrunt_version=""
    )
    fake.inject(VERSIONS, status=503, times=5, path="/supported/terragrunt")
    page = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "provisioner"]))
    assertContains(page, 'id="terragrunt_version-retry"')
    fake.clear_faults()

    retry = signed_in_with_key.get(
        picker_url(draft, "terragrunt-version"), {"terragrunt": "on"}, headers=HTMX
    )
    shown, label = first_option(retry, "terragrunt_version")
    assert label.endswith("(latest)")

    draft.refresh_from_db()
    assert draft.data["provisioner"]["terragrunt_version"] == shown == "0.80.4"


def test_a_version_list_of_another_tool_is_left_to_the_save_of_that_choice(
    signed_in_with_key, user_with_key, fake
):
    """The provisioner's radio loads the other tool's list while its autosave is on the way:
    that save stores the version (`versions.versions_to_choose`), never the list under the tool
    still stored."""
    draft = make_draft(user_with_key, provisioner__version="")

    other = signed_in_with_key.get(
        picker_url(draft, "version"), {"provisioner": "terraform"}, headers=HTMX
    )

    assert first_option(other, "version") == ("1.5.7", "1.5.7 (latest)")
    draft.refresh_from_db()
    assert (draft.data["provisioner"]["provisioner"], draft.data["provisioner"]["version"]) == (
        "opentofu",
        "",
    )


# --- 3 (b): Terragrunt unticked keeps its version and run-all ---------------------------------


@pytest.mark.parametrize("where", ["page", "picker"])
def test_terragrunt_unticked_keeps_its_version_and_run_all_in_the_form(
    signed_in_with_key, user_with_key, fake, where
):
    """An autosave posts the form as it is: the Terragrunt version and run-all it holds when
    Terragrunt is ticked again are the stored ones, not cleared while it was unticked."""
    draft = make_draft(
        user_with_key,
        provisioner__terragrunt=False,
        provisioner__terragrunt_version="0.55.21",
        provisioner__run_all=True,
    )
    if where == "page":
        response = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "provisioner"]))
    else:  # the checkbox unticked: its picker's answer
        response = signed_in_with_key.get(picker_url(draft, "terragrunt-version"), headers=HTMX)

    assertContains(response, '<input type="hidden" name="terragrunt_version" value="0.55.21">')
    assertContains(response, '<input type="hidden" name="run_all" value="on">')
    assertNotContains(response, 'id="terragrunt_version"')  # no list shown or loaded
    assert not [c for c in fake.log(route=VERSIONS) if c["path"].endswith("/terragrunt")]


def test_terragrunt_unticked_without_run_all_posts_none(signed_in_with_key, user_with_key, fake):
    draft = make_draft(
        user_with_key,
        provisioner__terragrunt=False,
        provisioner__terragrunt_version="0.55.21",
        provisioner__run_all=False,
    )

    response = signed_in_with_key.get(picker_url(draft, "terragrunt-version"), headers=HTMX)

    assertContains(response, 'name="terragrunt_version"')
    assertNotContains(response, 'name="run_all"')


# --- 4: Basics' identifier check and the stored error ------------------------------------------


def refused_identifier(user_with_key, fake):
    draft = make_draft(user_with_key, basics__identifier="pay-vpc-dev")
    goa = {
        "name": "invalid_pattern",
        "id": "x1",
        "message": 'body.identifier must match the regexp "^[a-zA-Z_][0-9a-zA-Z_$]{0,127}$" '
        'but got value "pay-vpc-dev"',
        "temporary": False,
        "timeout": False,
        "fault": False,
    }
    fake.inject(CREATE, status=400, body=json.dumps(goa))
    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft
    assert draft.harness_response["field"] == "identifier"
    return draft


def taken_identifier(user_with_key, fake):
    draft = make_draft(user_with_key)
    # Someone else's workspace holds the identifier: the create's 409, and the look after it.
    theirs = build_body(draft.data) | {"name": "someone-else", "repository": "another-repo"}
    harness_client_for(user_with_key).create_workspace(org="default", project="infra", body=theirs)
    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft
    assert draft.harness_response["outcome"] == "conflict"
    return draft


def identifier_input(response):
    return re.search(r'<input[^>]*name="identifier"[^>]*>', response.content.decode())[0]


@pytest.mark.parametrize(
    ("refused", "said", "state"),
    [
        (refused_identifier, "Harness refused", "invalid"),
        (taken_identifier, "already exists in this project", "taken"),
    ],
)
def test_the_identifier_check_says_the_stored_identifiers_error_not_free(
    signed_in_with_key, user_with_key, fake, refused, said, state
):
    draft = refused(user_with_key, fake)
    identifier = draft.data["basics"]["identifier"]
    fake.clear_faults()
    asked = len(fake.log(route="iacm.workspaces.get"))

    check = signed_in_with_key.get(check_url(draft), {"identifier": identifier}, headers=HTMX)

    assertContains(check, said)
    assertNotContains(check, "is free")
    assertContains(check, f'id-check--{state}"')
    assertContains(check, 'data-invalid="true"')
    assert len(fake.log(route="iacm.workspaces.get")) == asked  # Harness not asked again

    # Another identifier is checked with Harness as ever.
    other = signed_in_with_key.get(check_url(draft), {"identifier": "pay_vpc_free"}, headers=HTMX)
    assertContains(other, "pay_vpc_free is free")


@pytest.mark.parametrize("refused", [refused_identifier, taken_identifier])
def test_basics_with_an_identifier_error_does_not_check_it_on_load(
    signed_in_with_key, user_with_key, fake, refused
):
    draft = refused(user_with_key, fake)

    page = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "basics"]))

    tag = identifier_input(page)
    assert 'hx-trigger="input changed delay:400ms"' in tag
    assert 'aria-invalid="true"' in tag


def test_basics_without_an_identifier_error_checks_it_on_load(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)

    page = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "basics"]))

    assert 'hx-trigger="input changed delay:400ms, load"' in identifier_input(page)
