"""What a wizard page shows is what the draft stores: a version list's choice (also after its
Try again, or with Terragrunt unticked), and Basics' identifier check never saying "free" over
the identifier's stored error (taken, or refused by Harness)."""

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.workspaces.test_drafts import make_draft

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
    that save stores the version (`drafts._default_versions`), never the list under the tool
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
