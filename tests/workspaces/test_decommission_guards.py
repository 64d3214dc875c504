"""Deleting a workspace: what guards a deletion after its page opened. A confirmed deletion that
went back to its author stays in My requests."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.workspaces.test_decommission import (
    INACTIVE,
    ORG,
    PROJECT,
    Status,
    approve,
    changed_in_harness,
    held_deletion,
    opened,
)
from workspaces.approvals import services as approval_services

pytestmark = pytest.mark.django_db


# --- My requests: a confirmed deletion sent back to its author --------------------------------


def test_an_approved_deletion_sent_back_to_its_author_stays_in_my_requests(
    client, user, other_user, fake
):
    held = held_deletion(user, other_user)
    changed_in_harness(user, INACTIVE)
    back = approve(held, other_user)
    assert back.status == Status.DRAFT
    client.force_login(user)

    requests = client.get(reverse("draft_list"))

    assertContains(requests, f"Deletion of {back.name}")
    assertContains(requests, "was changed in Harness since")
    confirm_page = reverse("workspace_delete", args=[ORG, PROJECT, INACTIVE])
    assertContains(requests, f'href="{confirm_page}">Confirm again')


def test_a_withdrawn_deletion_stays_in_my_requests_to_confirm_again(client, user, other_user, fake):
    held = held_deletion(user, other_user)
    assert approval_services.approval_withdraw(draft=held, owner=user)
    client.force_login(user)

    requests = client.get(reverse("draft_list"))

    assertContains(requests, f"Deletion of {held.name}")
    assertContains(requests, "Not sent: confirm the deletion again.")
    assertContains(requests, "Confirm again")


def test_a_deletion_page_opened_and_left_is_still_not_listed(signed_in_with_key, fake):
    opened(signed_in_with_key, INACTIVE)

    requests = signed_in_with_key.get(reverse("draft_list"))

    assertNotContains(requests, "Deletion of")
