"""Deleting a workspace: services and views against the fake Harness over real HTTP.

Only inactive workspaces can be deleted (the fake answers 409 otherwise, as Harness's docs say);
one DELETE per confirmed request, however many clicks or tabs; every outcome in the audit trail.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.conftest import ACCOUNT, FULL_KEY, READ_KEY
from workspaces.clients import harness_client_for
from workspaces.decommission import services
from workspaces.harness import errors
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.services import credential_save

DELETE = "iacm.workspaces.delete"
ORG, PROJECT = "default", "sandbox"
# Seed `demo`, default/sandbox: inactive and linked to the template aws_service v2; inactive;
# active.
LINKED_INACTIVE = "ecs_qa_0010"
INACTIVE = "redis_prod_0004"
ACTIVE = "ecs_staging_0005"
Status = WorkspaceDraft.Status
pytestmark = pytest.mark.django_db


def workspace(user, identifier, status=None):
    found = harness_client_for(user).get_workspace(org=ORG, project=PROJECT, identifier=identifier)
    assert status is None or found.status == status, "the seed changed"
    return found


def delete_url(identifier):
    return reverse("workspace_delete", args=[ORG, PROJECT, identifier])


def opened(client, identifier) -> WorkspaceDraft:
    """Open the deletion page of `identifier`; the request it opened."""
    page = client.get(delete_url(identifier))
    assert page.status_code == 200
    return page.context["draft"]


def gone(user, identifier) -> bool:
    try:
        workspace(user, identifier)
    except errors.HarnessNotFound:
        return True
    return False


# --- services --------------------------------------------------------------------------------


def test_deleting_an_inactive_workspace_sends_one_delete_and_records_it(user_with_key, fake):
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE, "inactive")
    )

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert draft.status == Status.DELETED
    assert [call["path"] for call in fake.log(route=DELETE)] == [
        f"/iacm/api/orgs/{ORG}/projects/{PROJECT}/workspaces/{INACTIVE}"
    ]
    assert gone(user_with_key, INACTIVE)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_username, entry.action) == (user_with_key, "alice", "delete")
    assert (entry.account, entry.org, entry.project, entry.identifier) == (
        ACCOUNT,
        ORG,
        PROJECT,
        INACTIVE,
    )
    assert (entry.draft, entry.harness_status, entry.outcome) == (draft, 204, "deleted")
    assert entry.body is None


def test_the_request_keeps_a_snapshot_of_what_is_lost(user_with_key, fake):
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, LINKED_INACTIVE, "inactive")
    )

    assert draft.kind == "delete"
    assert draft.workspace_snapshot["associated_template"] == {
        "template_id": "aws_service",
        "version": "v2",
    }
    assert draft.workspace_snapshot["tags"]["env"] == "qa"
    assert draft.workspace_updated > 0


def test_an_active_workspace_is_refused_in_words(user_with_key, fake):
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, ACTIVE, "active")
    )

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert draft.status == Status.FAILED
    assert draft.harness_response["outcome"] == "conflict"
    assert draft.harness_response["message"].startswith(f"Harness refused to delete {ACTIVE}: ")
    assert "destroy its resources first" in draft.harness_response["message"]
    entry = AuditEntry.objects.get()
    assert (entry.harness_status, entry.outcome) == (409, "conflict")
    assert "destroy its resources first" in entry.message
    assert not gone(user_with_key, ACTIVE)


def test_a_sent_deletion_is_not_sent_again(user_with_key, fake):
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE)
    )
    client = harness_client_for(user_with_key)
    services.deletion_send(draft=draft, client=client)

    again = services.deletion_send(draft=draft, client=client)

    assert again.status == Status.DELETED
    assert len(fake.log(route=DELETE)) == 1
    assert AuditEntry.objects.count() == 1


def test_two_tabs_share_one_request(user_with_key, fake):
    found = workspace(user_with_key, INACTIVE)

    first = services.deletion_start(owner=user_with_key, workspace=found)
    second = services.deletion_start(owner=user_with_key, workspace=found)

    assert first.pk == second.pk


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_confirmations_send_one_delete(user, fake):
    credential_save(user=user, account_id=ACCOUNT, api_key=FULL_KEY)
    draft = services.deletion_start(owner=user, workspace=workspace(user, INACTIVE))
    fake.set_latency(50)  # keep the winner inside Harness while the others arrive
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def confirm():
        try:
            mine = WorkspaceDraft.objects.get(pk=draft.pk)
            client = harness_client_for(user)
            barrier.wait()
            outcomes.append(services.deletion_send(draft=mine, client=client).status)
        except BaseException as err:  # reported below
            failures.append(err)
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    fake.set_latency(0)

    assert failures == []
    assert len(outcomes) == 20
    assert len(fake.log(route=DELETE)) == 1
    assert set(outcomes) <= {"submitting", "deleted"}
    assert AuditEntry.objects.filter(action="delete").count() == 1


def test_a_5xx_is_decided_by_a_get_and_a_retry_deletes(user_with_key, fake):
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE)
    )
    fake.inject(DELETE, status=503)

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert draft.status == Status.FAILED
    assert draft.harness_response["outcome"] == "unavailable"
    assert "was not deleted" in draft.harness_response["message"]
    assert AuditEntry.objects.get().harness_status == 503

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert draft.status == Status.DELETED
    assert [e.outcome for e in AuditEntry.objects.order_by("id")] == ["unavailable", "deleted"]


def test_a_timeout_that_lands_late_is_reported_on_the_retry(user_with_key, fake, settings):
    settings.HARNESS_READ_TIMEOUT = 0.3
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE)
    )
    fake.inject(DELETE, delay_ms=600)  # Harness deletes it, but only after the portal gave up

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert draft.status == Status.FAILED
    assert draft.harness_response["outcome"] == "unknown"
    assert "did not answer in time" in draft.harness_response["message"]
    assert AuditEntry.objects.get().harness_status is None
    wait_until_gone(user_with_key, INACTIVE)

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert draft.status == Status.DELETED
    assert draft.harness_response["message"] == "Deleted on an earlier attempt."
    assert len(fake.log(route=DELETE)) == 2


def wait_until_gone(user, identifier) -> None:
    deadline = time.monotonic() + 3
    while not gone(user, identifier):
        assert time.monotonic() < deadline, "the delayed DELETE never landed"
        time.sleep(0.05)


def test_a_retry_after_an_unclear_outcome_reports_an_earlier_success(user_with_key, fake):
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE)
    )
    harness_client_for(user_with_key).delete_workspace(
        org=ORG, project=PROJECT, identifier=INACTIVE
    )  # what a timed-out first attempt did after all
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status=Status.FAILED, harness_response={"outcome": "unknown"}
    )
    draft.refresh_from_db()

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert draft.status == Status.DELETED
    assert draft.harness_response["message"] == "Deleted on an earlier attempt."


def test_a_read_only_key_is_refused_and_the_draft_says_so(user, fake):
    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    draft = services.deletion_start(owner=user, workspace=workspace(user, INACTIVE))

    draft = services.deletion_send(draft=draft, client=harness_client_for(user))

    assert draft.status == Status.FAILED
    assert draft.harness_response["forbidden"] is True
    assert AuditEntry.objects.get().harness_status == 403


def test_an_approver_sends_it_with_their_own_key_and_is_recorded(user, other_user, fake):
    # The author's key may only read: the DELETE lands only because the approver's key is used.
    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    credential_save(user=other_user, account_id=ACCOUNT, api_key=FULL_KEY)
    draft = services.deletion_start(owner=user, workspace=workspace(user, INACTIVE))
    WorkspaceDraft.objects.filter(pk=draft.pk).update(status=Status.AWAITING_APPROVAL)
    chain = [{"by": "bob", "at": "2026-12-06T19:00:00Z", "decision": "approve", "reason": "ok"}]

    not_yet = services.deletion_send(draft=draft, client=harness_client_for(user)).status
    sent = services.deletion_send(
        draft=draft,
        client=harness_client_for(other_user),
        actor=other_user,
        claim_from=(Status.AWAITING_APPROVAL,),
        approval=chain,
    )

    assert not_yet == Status.AWAITING_APPROVAL  # the owner's own path cannot send it
    assert sent.status == Status.DELETED
    assert len(fake.log(route=DELETE)) == 1
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.draft.owner, entry.approval) == (other_user, user, chain)


# --- views -----------------------------------------------------------------------------------


def test_the_workspace_page_offers_delete_for_an_inactive_workspace(signed_in_with_key, fake):
    page = signed_in_with_key.get(reverse("workspace_detail", args=[ORG, PROJECT, INACTIVE]))

    assertContains(page, f'href="{delete_url(INACTIVE)}"')
    assertNotContains(page, 'id="delete-blocked"')


def test_the_workspace_page_says_why_an_active_one_cannot_be_deleted(signed_in_with_key, fake):
    page = signed_in_with_key.get(reverse("workspace_detail", args=[ORG, PROJECT, ACTIVE]))

    assertNotContains(page, f'href="{delete_url(ACTIVE)}"')
    assertContains(page, "Harness deletes only inactive workspaces, and this one is active.")
    assertContains(page, "Destroy its resources first in Harness")
    assertContains(page, f"/module/iacm/orgs/{ORG}/projects/{PROJECT}/workspaces/{ACTIVE}/")


def test_the_delete_page_of_an_active_workspace_says_why_and_opens_no_request(
    signed_in_with_key, user_with_key, fake
):
    page = signed_in_with_key.get(delete_url(ACTIVE))

    assertContains(page, "cannot be deleted now")
    assertContains(page, "Destroy its resources first in Harness")
    assertNotContains(page, "confirm_identifier")
    assert not WorkspaceDraft.objects.filter(owner=user_with_key).exists()


def test_the_delete_page_shows_what_is_lost(signed_in_with_key, fake):
    page = signed_in_with_key.get(delete_url(LINKED_INACTIVE))

    assertContains(page, "What goes with it")
    assertContains(page, "<code>aws_service</code> (version v2)")
    assertContains(page, '<li class="tag"><span>env</span>: qa</li>', html=True)
    for variable in page.context["loss"].variables:
        assertContains(page, f"<code>{variable.key}</code>")
    assertContains(page, "Type the workspace identifier to confirm")


def test_a_wrong_identifier_is_a_field_error_and_nothing_is_sent(signed_in_with_key, fake):
    draft = opened(signed_in_with_key, INACTIVE)

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE.upper()}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["confirm_identifier"] == [
        f"This does not match. Type {INACTIVE} exactly (it is case-sensitive) to delete this "
        "workspace; nothing was deleted."
    ]
    assertContains(response, "field--error")
    assert fake.log(route=DELETE) == []


def test_typing_the_identifier_deletes_and_lands_on_the_list(
    signed_in_with_key, user_with_key, fake
):
    draft = opened(signed_in_with_key, INACTIVE)

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}
    )
    requests = signed_in_with_key.get(reverse("draft_list"))

    assertRedirects(
        response, reverse("workspace_list", args=[ORG, PROJECT]), fetch_redirect_response=False
    )
    assert gone(user_with_key, INACTIVE)
    assertContains(requests, f"Deletion of {draft.name}")
    assertContains(requests, '<span class="badge badge--request-deleted">Deleted</span>', html=True)


def test_a_double_submit_sends_one_delete(signed_in_with_key, fake):
    draft = opened(signed_in_with_key, INACTIVE)
    url = reverse("deletion_confirm", args=[draft.pk])

    first = signed_in_with_key.post(url, {"confirm_identifier": INACTIVE})
    second = signed_in_with_key.post(url, {"confirm_identifier": INACTIVE})

    assert first.status_code == second.status_code == 302
    assert len(fake.log(route=DELETE)) == 1
    assert AuditEntry.objects.count() == 1


def test_a_refusal_comes_back_in_words(signed_in_with_key, user_with_key, fake):
    draft = opened(signed_in_with_key, INACTIVE)
    fake.inject(DELETE, status=409)

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}, follow=True
    )

    assert response.redirect_chain[0][0] == delete_url(INACTIVE)
    assertContains(response, f"Harness refused to delete {INACTIVE}:")
    assertContains(response, "Delete this workspace")  # the form again: a retry
    assert not gone(user_with_key, INACTIVE)


def test_a_read_only_key_is_told_and_delete_is_no_longer_offered(client, user, fake):
    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    client.force_login(user)
    draft = opened(client, INACTIVE)

    client.post(reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE})
    page = client.get(reverse("workspace_detail", args=[ORG, PROJECT, INACTIVE]))

    assertContains(page, "Your Harness key cannot delete workspaces in default / sandbox")
    assertNotContains(page, f'href="{delete_url(INACTIVE)}"')


def test_another_users_request_is_a_404(signed_in_with_key, other_user, fake):
    credential_save(user=other_user, account_id=ACCOUNT, api_key=FULL_KEY)
    theirs = services.deletion_start(owner=other_user, workspace=workspace(other_user, INACTIVE))

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[theirs.pk]), {"confirm_identifier": INACTIVE}
    )

    assert response.status_code == 404
    assert fake.log(route=DELETE) == []


def test_an_unconfirmed_deletion_is_not_listed_in_my_requests(signed_in_with_key, fake):
    opened(signed_in_with_key, INACTIVE)

    requests = signed_in_with_key.get(reverse("draft_list"))

    assertNotContains(requests, "Deletion of")


def test_clone_starts_a_draft_copying_the_workspace(signed_in_with_key, user_with_key, fake):
    page = signed_in_with_key.get(reverse("workspace_detail", args=[ORG, PROJECT, INACTIVE]))
    response = signed_in_with_key.post(
        reverse("draft_start", args=[ORG, PROJECT]), {"clone": INACTIVE}
    )

    assertContains(page, f'<input type="hidden" name="clone" value="{INACTIVE}">', html=True)
    draft = WorkspaceDraft.objects.get(owner=user_with_key, kind="create")
    assertRedirects(
        response, reverse("draft_step", args=[draft.pk, "template"]), fetch_redirect_response=False
    )
    assert draft.data["template"]["source"] == "clone"
    assert draft.data["template"]["clone_identifier"] == INACTIVE
    assert draft.data["template"]["applied"] == f"clone:{INACTIVE}"
    assert draft.data["basics"]["tags"]  # prefilled from the workspace


def test_the_workspace_page_has_copy_buttons_and_selectable_text(signed_in_with_key, fake):
    page = signed_in_with_key.get(reverse("workspace_detail", args=[ORG, PROJECT, INACTIVE]))

    assertContains(page, f'<code id="ws-identifier">{INACTIVE}</code>', html=True)
    assertContains(
        page,
        f'<code id="ws-link" class="wrap">http://testserver'
        f"{reverse('workspace_detail', args=[ORG, PROJECT, INACTIVE])}</code>",
        html=True,
    )
    assertContains(page, 'data-copy-target="ws-identifier"')
    assertContains(page, 'data-copy-target="ws-link"')
    assertContains(page, 'aria-live="polite"', count=2)


@pytest.mark.parametrize(("still_there", "settled"), [(True, "failed"), (False, "deleted")])
def test_a_deletion_whose_worker_died_is_settled_when_its_page_is_opened(
    signed_in_with_key, user_with_key, fake, settings, still_there, settled
):
    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE)
    )
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status=Status.SUBMITTING, submitted_at=timezone.now() - timedelta(seconds=1)
    )
    if not still_there:
        harness_client_for(user_with_key).delete_workspace(
            org=ORG, project=PROJECT, identifier=INACTIVE
        )

    signed_in_with_key.get(delete_url(INACTIVE))

    draft.refresh_from_db()
    assert draft.status == settled
    assert AuditEntry.objects.get().outcome == ("unknown" if still_there else "deleted")
