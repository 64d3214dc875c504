"""Deleting a workspace: what guards a deletion after its page opened. A confirmed deletion that
went back to its author stays in My requests; a workspace no longer inactive is never sent a
DELETE (Harness's answer to one is unconfirmed, contract §4.1); the identifier is typed exactly,
spaces included."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.conftest import ACCOUNT
from tests.workspaces.test_decommission import (
    DELETE,
    INACTIVE,
    ORG,
    PROJECT,
    Status,
    approve,
    changed_in_harness,
    held_deletion,
    opened,
    workspace,
)
from workspaces.approvals import services as approval_services
from workspaces.clients import harness_client_for
from workspaces.decommission import services
from workspaces.models import AuditEntry

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


def test_a_held_deletion_shows_its_approvers_and_can_be_withdrawn_from_its_pages(
    client, user, other_user, fake
):
    """My requests leads to the request's own page, and the deletion page says where it stands:
    who may approve it, and "Withdraw to change it" (a plain POST: no JavaScript needed)."""
    held = held_deletion(user, other_user)
    client.force_login(user)
    withdraw = reverse("approval_withdraw", args=[held.pk])

    requests = client.get(reverse("draft_list"))
    result = client.get(reverse("draft_result", args=[held.pk]))
    page = client.get(reverse("workspace_delete", args=[ORG, PROJECT, INACTIVE]))
    withdrawn = client.post(withdraw, follow=True)

    assertContains(requests, f'href="{reverse("draft_result", args=[held.pk])}">See the request')
    assertNotContains(requests, ">See progress")
    for shown in (result, page):
        assertContains(shown, "Who can approve: <strong>bob</strong>")
        assertContains(shown, f'action="{withdraw}"')
        assertContains(shown, "Withdraw to change it")
    assertContains(page, "awaits approval")
    assertContains(withdrawn, "Withdrawn: the request is a draft again.")
    assertContains(withdrawn, "Submit the deletion for approval")  # the form again


def test_a_deletion_page_opened_and_left_is_still_not_listed(signed_in_with_key, fake):
    opened(signed_in_with_key, INACTIVE)

    requests = signed_in_with_key.get(reverse("draft_list"))

    assertNotContains(requests, "Deletion of")


# --- A workspace no longer inactive is not sent a DELETE --------------------------------------


def _runs_in_harness(fake, identifier, status):
    """The workspace's status moves in Harness (a run started), its `updated` as it was."""
    state = fake.server.app.state
    with state.lock:
        store = state.workspaces[(ACCOUNT, ORG, PROJECT)]
        store.put({**store.by_id[identifier].data, "status": status})


def test_a_workspace_that_became_active_since_the_page_is_not_sent_a_delete(
    signed_in_with_key, fake
):
    draft = opened(signed_in_with_key, INACTIVE)
    _runs_in_harness(fake, INACTIVE, "active")

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}, follow=True
    )

    assert fake.log(route=DELETE) == []
    assert not AuditEntry.objects.filter(action="delete").exists()
    assertContains(response, "cannot be deleted now")
    assertContains(response, "Harness deletes only inactive workspaces, and this one is active.")
    draft.refresh_from_db()
    assert (draft.status, draft.harness_response["sent"]) == (Status.DRAFT, False)


def _alert(message: str) -> str:
    """`message` as includes/messages.html shows an error: the alert the page focuses."""
    return f'<p class="notice notice--error" role="alert" tabindex="-1">{message}</p>'


@pytest.mark.parametrize("since", ["changed", "active"])
def test_a_confirmation_that_deleted_nothing_is_said_in_the_alert_the_page_focuses(
    signed_in_with_key, user_with_key, fake, since
):
    draft = opened(signed_in_with_key, INACTIVE)
    if since == "changed":
        changed_in_harness(user_with_key, INACTIVE)
    else:
        _runs_in_harness(fake, INACTIVE, "active")

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}, follow=True
    )

    draft.refresh_from_db()
    assert draft.harness_response["outcome"] == "changed_in_harness"
    assertContains(response, _alert(draft.harness_response["message"]), count=1, html=True)
    assert fake.log(route=DELETE) == []


def test_a_page_offering_the_deletion_does_not_say_the_workspace_is_active(
    signed_in_with_key, fake
):
    """Refused because a run started; once the workspace is inactive again its page offers the
    deletion and no longer says "this one is active" (said once, when it was refused)."""
    draft = opened(signed_in_with_key, INACTIVE)
    _runs_in_harness(fake, INACTIVE, "active")
    signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}, follow=True
    )
    _runs_in_harness(fake, INACTIVE, "inactive")

    page = signed_in_with_key.get(reverse("workspace_delete", args=[ORG, PROJECT, INACTIVE]))

    assertContains(page, "Delete this workspace")
    assertNotContains(page, "this one is active")
    assertNotContains(page, "is no longer inactive")


def test_an_approved_deletion_sent_back_to_its_author_says_so_on_its_page(
    client, user, other_user, fake
):
    held = held_deletion(user, other_user)
    changed_in_harness(user, INACTIVE)
    approve(held, other_user)
    client.force_login(user)

    page = client.get(reverse("workspace_delete", args=[ORG, PROJECT, INACTIVE]))

    assertContains(page, "Approved by <strong>bob</strong>")
    assertContains(page, "but not sent: the workspace was changed in Harness meanwhile")
    assertContains(page, "Submit the deletion for approval")


def test_an_approved_deletion_of_a_workspace_now_destroying_is_not_sent(
    client, user, other_user, fake, mailoutbox
):
    held = held_deletion(user, other_user, email="alice@example.com")
    _runs_in_harness(fake, INACTIVE, "destroying")
    mailoutbox.clear()
    client.force_login(other_user)

    response = client.post(
        reverse("approval_detail", args=[held.pk]),
        {"decision": "approve", "approval": held.approvals.get().pk, "reason": ""},
        follow=True,
    )

    held.refresh_from_db()
    assert fake.log(route=DELETE) == []
    assert not AuditEntry.objects.filter(action="delete").exists()
    assert held.status == Status.DRAFT  # back to its author, as for a change in Harness
    assert "A destroy is running." in held.harness_response["message"]
    assertContains(response, "Approved, but the workspace was changed in Harness meanwhile")
    [mail] = mailoutbox
    assert "but not sent to Harness" in mail.body
    assert "A destroy is running." in mail.body


def test_a_refusal_harness_sends_after_the_look_is_said_in_its_words_and_recorded(
    user_with_key, fake
):
    """Active between the look and the DELETE: Harness's refusal (here a 409) is still said
    in its words, and the DELETE sent is in the audit trail."""
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE, "inactive")
    )
    fake.inject(DELETE, status=409)

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert (draft.status, draft.harness_response["outcome"]) == (Status.FAILED, "conflict")
    assert draft.harness_response["message"].startswith(f"Harness refused to delete {INACTIVE}: ")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.harness_status, entry.outcome) == ("delete", 409, "conflict")


# --- The identifier typed exactly ------------------------------------------------------------


@pytest.mark.parametrize("typed", [f" {INACTIVE} ", f"\u00a0{INACTIVE}\u3000"])
def test_the_identifier_must_be_typed_exactly(signed_in_with_key, fake, typed):
    draft = opened(signed_in_with_key, INACTIVE)

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": typed}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["confirm_identifier"] == [
        "This has spaces before or after the identifier. Type "
        f"{INACTIVE} exactly, without spaces, to delete this workspace; nothing was deleted."
    ]
    assert fake.log(route=DELETE) == []


def test_only_spaces_typed_is_asked_for_the_identifier(signed_in_with_key, fake):
    draft = opened(signed_in_with_key, INACTIVE)

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": " \u00a0 "}
    )

    assert response.context["form"].errors["confirm_identifier"] == [
        "Type the identifier to confirm the deletion."
    ]
    assert fake.log(route=DELETE) == []
