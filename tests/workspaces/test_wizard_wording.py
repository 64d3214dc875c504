"""Wizard wording people read (issue 16, point 18): money, and statuses as words in pickers."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.workspaces.test_drafts import make_draft
from tests.workspaces.test_wizard_views import picker_url

pytestmark = pytest.mark.django_db


def test_the_review_shows_the_budget_as_money(signed_in_with_key, user_with_key, fake):
    draft = make_draft(
        user_with_key, provisioner__cost_estimation_enabled=True, provisioner__budget="3800"
    )

    response = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "review"]))

    assertContains(response, "budget $3,800.00 a month")
    assertNotContains(response, "budget 3800")


def test_the_clone_picker_shows_statuses_as_words(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)

    response = signed_in_with_key.get(
        picker_url(draft, "template", "clone-workspace"),
        {"clone-workspace-q": "backup"},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    details = [part.split("<", 1)[0] for part in body.split('class="picker__detail">')[1:]]
    words = {"Active", "Inactive", "Apply needed", "Failed", "Drifted", "Provisioning"}
    assert any(
        detail in words | {"Destroying", "Unknown", "Rollback applied"} for detail in details
    )
    assert not any("_" in detail for detail in details)


@pytest.mark.parametrize("slot", ["aws", "gcp", "azure"])
def test_a_provider_connectors_option_does_not_repeat_its_type(
    signed_in_with_key, user_with_key, fake, slot
):
    draft = make_draft(user_with_key)

    response = signed_in_with_key.get(
        picker_url(draft, "provisioner", f"{slot}-connector"), headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert 'class="picker__option' in body
    # The card is "AWS connector": a line "Aws" (Harness's enum spelling) under each option
    # repeats it. A connector's URL, when it has one, is what the line is for.
    details = [part.split("<", 1)[0] for part in body.split('class="picker__detail">')[1:]]
    assert not [detail for detail in details if detail.lower() == slot], details
