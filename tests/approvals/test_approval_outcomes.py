"""Approvals that did not go through: Harness busy (429), the approver's key not allowed (403),
and the queue's place and age of a request whose approval was undone.

A 429 is Harness refusing to do anything yet: nothing was written and nothing can land, so the
request waits again for the approver (its author has nothing to fix). A 403 is about the
approver's key, not the author's request: it waits for an approver whose key may send it.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from tests.approvals.support import CREATE, GROUP, pending_id, prod_draft, prod_rule, queue_ids
from tests.conftest import ACCOUNT, FULL_KEY, READ_KEY
from tests.workspaces import test_decommission as deletion
from tests.workspaces.test_change import GET, UPDATE, edit, seeded_workspace, start
from workspaces.approvals import services
from workspaces.clients import harness_client_for
from workspaces.decommission.services import deletion_send
from workspaces.harness import errors
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.services import credential_save
from workspaces.wizard import submit


def held(author, identifier="prod_vpc", **options) -> WorkspaceDraft:
    draft = prod_draft(author, identifier, **options)
    return submit.draft_submit(draft=draft, client=harness_client_for(author)).draft


def held_change(author) -> WorkspaceDraft:
    """A change to a seeded workspace of default/infra, held by a rule on every change."""
    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    client = harness_client_for(author)
    draft = edit(start(author, seeded_workspace(client)), repository={"branch": "develop"})
    return submit.draft_submit(draft=draft, client=client).draft


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def approve(draft, approver) -> WorkspaceDraft:
    return services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )


def assert_waits_untold(draft, mailoutbox) -> None:
    """`draft` waits again, its approval (its latest) pending and undecided, its author not
    mailed, and no decision on it in the audit trail (an earlier approval's may be there)."""
    draft.refresh_from_db()
    assert draft.status == "awaiting_approval", (draft.status, draft.harness_response)
    approval = draft.approvals.latest("pk")
    assert (approval.decision, approval.decided_by, approval.decided_at) == ("pending", None, None)
    assert mailoutbox == []
    decisions = AuditEntry.objects.filter(action__in=["approve", "reject"])
    assert not decisions.filter(created_at__gte=approval.requested_at).exists()


# --- Harness busy (429) ----------------------------------------------------------------------


def test_harness_busy_on_the_check_before_an_approved_change_keeps_it_waiting(
    author, approver, fake, mailoutbox
):
    change = held_change(author)
    mailoutbox.clear()
    fake.inject(GET, status=429)

    after = approve(change, approver)

    assert fake.log(route=UPDATE) == []
    assert after.status == "awaiting_approval", (after.status, after.harness_response)
    assert_waits_untold(after, mailoutbox)


def test_harness_busy_on_an_approved_changes_put_keeps_it_waiting(
    author, approver, fake, mailoutbox
):
    change = held_change(author)
    mailoutbox.clear()
    fake.inject(UPDATE, status=429)

    after = approve(change, approver)

    assert len(fake.log(route=UPDATE)) == 1
    assert after.status == "awaiting_approval", (after.status, after.harness_response)
    assert after.harness_response["sent"] is False
    assert_waits_untold(after, mailoutbox)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EDIT).exists()  # no write


@pytest.mark.parametrize("route", ["iacm.workspaces.get", deletion.DELETE])
def test_harness_busy_during_an_approved_deletion_keeps_it_waiting(
    user, other_user, fake, mailoutbox, route
):
    """On the check before the DELETE, or on the DELETE itself: nothing was deleted."""
    request = deletion.held_deletion(user, other_user, email="alice@example.com")
    mailoutbox.clear()
    fake.inject(route, status=429)

    after = deletion.approve(request, other_user)

    assert after.status == "awaiting_approval", (after.status, after.harness_response)
    assert_waits_untold(after, mailoutbox)
    assert not deletion.gone(user, deletion.INACTIVE)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()


@pytest.mark.parametrize("route", ["iacm.workspaces.get", deletion.DELETE])
def test_harness_busy_on_an_approved_deletion_after_an_unanswered_delete_keeps_it_waiting(
    user, other_user, fake, settings, mailoutbox, route
):
    settings.WIZARD_RECONCILE_SECONDS = 0
    request = deletion.held_deletion(user, other_user, email="alice@example.com")
    fake.inject(deletion.DELETE, drop=True)
    back = deletion.approve(request, other_user)
    again = deletion_send(draft=back, client=harness_client_for(user))
    assert (again.status, again.harness_response["outcome"]) == ("awaiting_approval", "unknown")
    mailoutbox.clear()
    fake.inject(route, status=429)

    approve(again, other_user)  # its second approval

    assert_waits_untold(again, mailoutbox)
    assert again.harness_response["outcome"] == "unknown"  # the next approval looks first


def test_an_approver_is_told_how_long_harness_asked_to_wait(
    author, approver, fake, settings, harness_proxy, mailoutbox
):
    """Harness answered the check before an approved change 429 with `Retry-After: 120`: the
    approver reads that it still waits and when to approve again, not that Harness refused it
    or that it went back to its author."""
    change = held_change(author)
    mailoutbox.clear()
    settings.HARNESS_BASE_URL = harness_proxy.base_url
    harness_proxy.refuse(f"/workspaces/{change.identifier}", retry_after=120)

    response = client_for(approver).post(
        f"/approvals/{change.pk}/",
        {"approval": pending_id(change), "decision": "approve"},
        follow=True,
    )

    assertContains(response, "Harness is limiting requests right now (HTTP 429)")
    assertContains(response, "still waits for approval")
    assertContains(response, "Approve it again in about 2 minutes")
    assertNotContains(response, "Harness refused it")
    assertNotContains(response, "pausing calls")
    assertContains(response, "Approve and send")  # the approver can try again
    assert fake.log(route=UPDATE) == []
    assert_waits_untold(change, mailoutbox)


def test_harness_busy_on_an_approved_create_keeps_it_waiting(
    author, approver, rule, fake, mailoutbox
):
    draft = held(author)
    mailoutbox.clear()
    fake.inject(CREATE, status=429)

    after = approve(draft, approver)

    assert after.status == "awaiting_approval", (after.status, after.harness_response)
    assert_waits_untold(after, mailoutbox)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.CREATE).exists()  # no write
    # Once Harness takes calls again, approving again creates it.
    assert approve(after, approver).status == "created"


def test_harness_busy_on_an_approved_create_after_an_unanswered_post_keeps_it_unclear(
    author, approver, rule, fake, settings
):
    """The first approved POST got no answer and may still land; the author's resubmit is held
    again. A 429 on the next approved POST does not make it look settled: the next attempt
    must still look in Harness before it posts."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = held(author)
    fake.inject(CREATE, drop=True)
    back = approve(draft, approver)
    again = submit.draft_submit(draft=back, client=harness_client_for(author)).draft
    assert (again.status, again.harness_response["outcome"]) == ("awaiting_approval", "unknown")
    fake.inject(CREATE, status=429)

    after = approve(again, approver)

    assert after.harness_response["outcome"] == "unknown", after.harness_response
    assert after.harness_response["http_status"] == 429
    assert after.status == "awaiting_approval"  # Harness did nothing: not back to its author


def test_a_429_on_an_approved_create_after_an_unanswered_post_keeps_it_waiting(
    author, approver, rule, fake, settings, mailoutbox
):
    """README: Harness answered the create 429, so the request keeps waiting, its approval
    pending, its author not told, however unclear an earlier attempt was."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = held(author)
    fake.inject(CREATE, drop=True)
    back = approve(draft, approver)
    again = submit.draft_submit(draft=back, client=harness_client_for(author)).draft
    assert again.status == "awaiting_approval"
    mailoutbox.clear()
    fake.inject(CREATE, status=429)

    approve(again, approver)

    assert_waits_untold(again, mailoutbox)


@pytest.mark.parametrize(
    ("route", "status", "times"),
    [(GET, 429, 1), (GET, 503, 5), (UPDATE, 429, 1)],  # reads are retried: 5 503s
)
def test_harness_busy_on_an_approved_change_after_an_unanswered_put_keeps_it_waiting(
    author, approver, fake, settings, mailoutbox, route, status, times
):
    """On the check before the PUT (429, 5xx) or on the PUT (429): nothing was sent this time,
    and the earlier PUT's unclear outcome stays for the next approval to look first."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    change = held_change(author)
    fake.inject(UPDATE, drop=True)
    back = approve(change, approver)
    again = submit.draft_submit(draft=back, client=harness_client_for(author)).draft
    assert again.status == "awaiting_approval", again.harness_response
    mailoutbox.clear()
    fake.inject(route, status=status, times=times)

    approve(again, approver)

    assert_waits_untold(again, mailoutbox)
    assert again.harness_response["outcome"] == "unknown"  # the next approval looks first


# --- the approver's key not allowed (403) ----------------------------------------------------


def erin(django_user_model):
    """A second approver, in the approving group, whose key may write."""
    user = django_user_model.objects.create_user(username="erin", email="erin@example.com")
    user.groups.add(Group.objects.get(name=GROUP))
    credential_save(user=user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    return user


def refused_approval(draft, approver) -> str:
    """`approver` approves `draft` and Harness does not allow their key: the message they read."""
    with pytest.raises(services.ApproverKeyRefused) as refused:
        approve(draft, approver)
    return refused.value.message


def test_an_approvers_403_keeps_the_request_waiting_for_an_approver_whose_key_may_send_it(
    author, approver, rule, fake, mailoutbox, django_user_model
):
    draft = held(author)
    before = draft.harness_response
    mailoutbox.clear()
    fake.inject(CREATE, status=403)

    message = refused_approval(draft, approver)

    assert "your Harness key to create workspaces in default / infra (HTTP 403)" in message
    assert "nothing was sent" in message
    assert "an approver whose key has that access can approve it" in message
    assert_waits_untold(draft, mailoutbox)  # the author is not told their key lacks access
    assert draft.harness_response == before
    assert "Your Harness key is not allowed" not in str(draft.harness_response)
    # The POST Harness refused is in the trail as the approver's; their decision is not.
    refused_post = AuditEntry.objects.get(action=AuditEntry.Action.CREATE)
    assert (refused_post.actor, refused_post.harness_status) == (approver, 403)

    sent = approve(draft, erin(django_user_model))

    assert sent.status == "created"
    assert [mail.to for mail in mailoutbox] == [["alice@example.com"]]
    assert mailoutbox[0].subject.startswith("Approved and created")


def test_an_approvers_403_on_the_check_of_a_change_is_not_blamed_on_the_authors_key(
    author, approver, fake, mailoutbox
):
    change = held_change(author)
    mailoutbox.clear()
    fake.inject(GET, status=403)

    message = refused_approval(change, approver)

    assert f"your Harness key to read {change.identifier} in default / infra (HTTP 403)" in message
    assert fake.log(route=UPDATE) == []
    assert_waits_untold(change, mailoutbox)
    assert "may not read this workspace" not in str(change.harness_response)


def test_an_approved_deletion_a_read_only_approvers_key_may_not_make_keeps_waiting(
    user, other_user, fake, mailoutbox
):
    """Harness answers the DELETE of a read-only key 403 (no fault injected)."""
    request = deletion.held_deletion(user, other_user, email="alice@example.com")
    credential_save(user=other_user, account_id=ACCOUNT, api_key=READ_KEY)
    other_user.refresh_from_db()  # drops the key cached on the user
    mailoutbox.clear()

    message = refused_approval(request, other_user)

    assert f"your Harness key to delete {deletion.INACTIVE} in default / sandbox" in message
    assert_waits_untold(request, mailoutbox)
    assert not deletion.gone(user, deletion.INACTIVE)


def test_an_approvers_403_keeps_an_earlier_unanswered_post_unclear(
    author, approver, rule, fake, settings
):
    """The refused attempt changes nothing the request held: the first POST may still land, so
    the next approval must still look in Harness before it posts."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = held(author)
    fake.inject(CREATE, drop=True)
    again = submit.draft_submit(draft=approve(draft, approver), client=harness_client_for(author))
    fake.inject(CREATE, status=403)

    refused_approval(again.draft, approver)

    again.draft.refresh_from_db()
    assert again.draft.status == "awaiting_approval"
    assert again.draft.harness_response["outcome"] == "unknown"


def test_an_approver_whose_key_may_not_create_is_told_on_the_review(
    author, approver, rule, fake, mailoutbox
):
    draft = held(author)
    credential_save(user=approver, account_id=ACCOUNT, api_key=READ_KEY)
    mailoutbox.clear()

    response = client_for(approver).post(
        f"/approvals/{draft.pk}/",
        {"approval": pending_id(draft), "decision": "approve"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/approvals/{draft.pk}/", 302)]
    assertContains(response, 'role="alert"')
    assertContains(response, "Harness did not allow your Harness key to create workspaces in")
    assertNotContains(response, "went back to its author")
    assertContains(response, "Approve and send")  # still theirs to decide, or another's
    assert len(fake.log(route=CREATE)) == 1
    assert_waits_untold(draft, mailoutbox)


# --- the queue's place and age of a request whose approval was undone ------------------------

UNDONE = {
    401: errors.HarnessUnauthorized,  # the approver's key refused: they go to the key page
    403: services.ApproverKeyRefused,  # their key may not create there
    429: None,  # Harness busy: it waits again, nothing raised
}


@pytest.mark.parametrize("status", sorted(UNDONE))
def test_a_request_undone_by_the_approvers_attempt_keeps_its_place_and_age_in_the_queue(
    author, approver, rule, fake, status
):
    older = held(author, "prod_older")
    newer = held(author, "prod_newer")
    day_ago = timezone.now() - timedelta(days=1)
    type(older).objects.filter(pk=older.pk).update(submitted_at=day_ago)
    older.approvals.update(requested_at=day_ago)
    older.refresh_from_db()
    fake.inject(CREATE, status=status)

    if UNDONE[status] is None:
        approve(older, approver)
    else:
        with pytest.raises(UNDONE[status]):
            approve(older, approver)

    older.refresh_from_db()
    assert older.status == "awaiting_approval"
    page = client_for(approver).get("/approvals/").content.decode()
    assert queue_ids(page) == [str(older.pk), str(newer.pk)]
    assert f'<time datetime="{day_ago.isoformat()}"' in page  # "Waiting since": a day ago
    assert "1\xa0day ago" in page
    # The author's "Submitted" is not the time of the approval that did not go through.
    assert older.submitted_at == day_ago
