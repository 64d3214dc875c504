"""Deleting a workspace: the services, against the fake Harness over real HTTP (views: in
test_decommission_views.py).

Only inactive workspaces can be deleted (the fake answers 409 otherwise, as Harness's docs say);
one DELETE per confirmed request, however many clicks or tabs; every outcome in the audit trail.
"""

import threading
import time

import pytest
from django.urls import reverse

from tests.conftest import ACCOUNT, FULL_KEY, READ_KEY
from workspaces.approvals import services as approval_services
from workspaces.clients import harness_client_for
from workspaces.decommission import services
from workspaces.harness import errors
from workspaces.models import ApprovalRule, AuditEntry, WorkspaceDraft
from workspaces.services import credential_save

DELETE = "iacm.workspaces.delete"
ORG, PROJECT = "default", "sandbox"
# Seed `demo`, default/sandbox: inactive; active. default/infra: inactive and linked to the
# project's template k8s_namespace v1.
LINKED_PROJECT, LINKED_INACTIVE = "infra", "redis_staging_0005"
INACTIVE = "redis_prod_0004"
ACTIVE = "ecs_staging_0005"
Status = WorkspaceDraft.Status
pytestmark = pytest.mark.django_db


def workspace(user, identifier, status=None, project=PROJECT):
    found = harness_client_for(user).get_workspace(org=ORG, project=project, identifier=identifier)
    assert status is None or found.status == status, "the seed changed"
    return found


def delete_url(identifier, project=PROJECT):
    return reverse("workspace_delete", args=[ORG, project, identifier])


def opened(client, identifier) -> WorkspaceDraft:
    """Open the deletion page of `identifier`; the request it opened."""
    page = client.get(delete_url(identifier))
    assert page.status_code == 200
    return page.context["draft"]


def changed_in_harness(user, identifier, **changes) -> None:
    """Someone changes the workspace in Harness (its `updated` moves): a full PUT of what it
    holds, with `changes`."""
    from workspaces.wizard import update

    client = harness_client_for(user)
    now = update.workspace_snapshot(workspace(user, identifier))
    body = update.held_body(now) | {"description": "Changed in Harness", **changes}
    client.update_workspace(org=ORG, project=PROJECT, identifier=identifier, body=body)


def gone(user, identifier) -> bool:
    try:
        workspace(user, identifier)
    except errors.HarnessNotFound:
        return True
    return False


def unclear_deletion(user) -> WorkspaceDraft:
    """A deletion of INACTIVE by `user` whose first attempt's outcome is unclear (failed,
    "unknown": Harness did not answer)."""
    draft = services.deletion_start(owner=user, workspace=workspace(user, INACTIVE))
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status=Status.FAILED, harness_response={"outcome": "unknown"}
    )
    draft.refresh_from_db()
    return draft


def held_deletion(author, approver, *, author_key=FULL_KEY, email="") -> WorkspaceDraft:
    """A deletion of INACTIVE by `author` (their key `author_key`; their e-mail `email`, if
    given), sent and held by a rule that names `approver` (a key that may delete)."""
    if email:
        author.email = email
        author.save(update_fields=["email"])
    credential_save(user=author, account_id=ACCOUNT, api_key=author_key)
    credential_save(user=approver, account_id=ACCOUNT, api_key=FULL_KEY)
    rule = ApprovalRule.objects.create(name="Every deletion", for_delete=True)
    rule.approver_users.set([approver])
    draft = services.deletion_start(owner=author, workspace=workspace(author, INACTIVE))
    return services.deletion_send(draft=draft, client=harness_client_for(author))


def approve(held, approver, **reason) -> WorkspaceDraft:
    """`approver` approves the request `held` with their own key (`reason`: the reason, if any)."""
    return approval_services.approval_approve(
        draft=held,
        approval_id=held.approvals.get().pk,
        approver=approver,
        client=harness_client_for(approver),
        **reason,
    )


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
        owner=user_with_key,
        workspace=workspace(user_with_key, LINKED_INACTIVE, "inactive", LINKED_PROJECT),
    )

    assert draft.kind == "delete"
    assert draft.workspace_snapshot["associated_template"] == {
        "template_id": "k8s_namespace",
        "version": "v1",
    }
    assert draft.workspace_snapshot["tags"]["env"] == "staging"
    assert draft.workspace_updated > 0


def test_an_active_workspace_is_not_sent_a_delete_and_the_request_says_why(user_with_key, fake):
    """What Harness does with a DELETE of an active workspace is unconfirmed (contract §4.1):
    the look before it finds the workspace active, so nothing is sent."""
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, ACTIVE, "active")
    )

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert (draft.status, draft.harness_response["outcome"]) == (Status.DRAFT, "changed_in_harness")
    assert draft.harness_response["message"].startswith(
        f"{draft.name} is no longer inactive in Harness, so nothing was deleted. Harness deletes "
        "only inactive workspaces, and this one is active. Destroy its resources first"
    )
    assert fake.log(route=DELETE) == []
    assert not AuditEntry.objects.exists()
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
    assert "HTTP 503" in draft.harness_response["message"]
    assert "not deleted" not in draft.harness_response["message"]  # a 5xx may still land
    assert AuditEntry.objects.get().harness_status == 503

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert draft.status == Status.DELETED
    assert [e.outcome for e in AuditEntry.objects.order_by("id")] == ["unavailable", "deleted"]


def test_a_deletion_a_gateway_failed_may_still_land_and_the_retry_settles_it(user_with_key, fake):
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE)
    )
    fake.inject(DELETE, status=502)

    services.deletion_send(draft=draft, client=harness_client_for(user_with_key))
    first = WorkspaceDraft.objects.get(pk=draft.pk)
    harness_client_for(user_with_key).delete_workspace(
        org=ORG, project=PROJECT, identifier=INACTIVE
    )  # the DELETE behind the gateway's 502 landed after the portal's GET
    again = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert (first.status, first.harness_response["outcome"]) == (Status.FAILED, "unavailable")
    assert "may still" in first.harness_response["message"]
    assert again.status == Status.DELETED
    assert again.harness_response["message"] == "Deleted on an earlier attempt."


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
    assert len(fake.log(route=DELETE)) == 1  # the retry looked first: nothing sent again


def wait_until_gone(user, identifier) -> None:
    deadline = time.monotonic() + 3
    while not gone(user, identifier):
        assert time.monotonic() < deadline, "the delayed DELETE never landed"
        time.sleep(0.05)


def test_a_retry_after_an_unclear_outcome_reports_an_earlier_success(user_with_key, fake):
    draft = unclear_deletion(user_with_key)
    harness_client_for(user_with_key).delete_workspace(
        org=ORG, project=PROJECT, identifier=INACTIVE
    )  # what a timed-out first attempt did after all

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert draft.status == Status.DELETED
    assert draft.harness_response["message"] == "Deleted on an earlier attempt."


def test_a_retry_whose_look_fails_sends_nothing_and_stays_unclear(user_with_key, fake):
    draft = unclear_deletion(user_with_key)
    fake.inject("iacm.workspaces.get", status=503, times=5)  # reads are retried

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert (draft.status, draft.harness_response["outcome"]) == (Status.FAILED, "unknown")
    assert "nothing was sent" in draft.harness_response["message"]
    assert fake.log(route=DELETE) == []
    assert not AuditEntry.objects.exists()


def test_a_proxy_404_page_is_not_taken_as_proof_an_unclear_deletion_landed(user_with_key, fake):
    draft = unclear_deletion(user_with_key)
    fake.inject("iacm.workspaces.get", status=404, body="html")  # a proxy's page, not IaCM's

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert not gone(user_with_key, INACTIVE)
    assert (draft.status, draft.harness_response["outcome"]) == (Status.FAILED, "unknown")
    assert fake.log(route=DELETE) == []


def test_a_read_only_key_is_refused_and_the_draft_says_so(user, fake):
    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    draft = services.deletion_start(owner=user, workspace=workspace(user, INACTIVE))

    draft = services.deletion_send(draft=draft, client=harness_client_for(user))

    assert draft.status == Status.FAILED
    assert draft.harness_response["forbidden"] is True
    assert AuditEntry.objects.get().harness_status == 403


def test_a_delete_answered_with_an_unmapped_4xx_is_a_refusal_in_words(user_with_key, fake):
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE)
    )
    fake.inject(DELETE, status=405)

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert (draft.status, draft.harness_response["outcome"]) == (Status.FAILED, "refused")
    assert "HTTP 405" in draft.harness_response["message"]
    assert AuditEntry.objects.get().harness_status == 405
    assert not gone(user_with_key, INACTIVE)


def test_a_deletion_under_a_rule_waits_and_an_approver_sends_it_with_their_own_key(
    user, other_user, fake
):
    # The author's key may only read: the DELETE lands only because the approver's key is used.
    held = held_deletion(user, other_user, author_key=READ_KEY)

    held_status, waiting = held.status, fake.log(route=DELETE)
    sent = approve(held, other_user, reason="ok")

    assert held_status == Status.AWAITING_APPROVAL
    assert waiting == []  # nothing is sent while it waits
    assert sent.status == Status.DELETED
    assert len(fake.log(route=DELETE)) == 1
    decision, delete = AuditEntry.objects.order_by("id")
    assert (decision.action, decision.actor) == ("approve", other_user)
    assert (delete.action, delete.actor, delete.draft.owner) == ("delete", other_user, user)
    assert [(step["by"], step["decision"], step["reason"]) for step in delete.approval] == [
        (other_user.username, "approved", "ok")
    ]


def test_an_approval_undone_by_a_401_on_the_look_records_no_deletion(user, other_user, fake):
    """The approver's key was revoked meanwhile: Harness refuses the GET before the DELETE, so
    nothing is sent, the request waits again and the trail records neither the approval nor a
    deletion."""
    held = held_deletion(user, other_user, author_key=READ_KEY)
    fake.inject("iacm.workspaces.get", status=401)

    with pytest.raises(errors.HarnessUnauthorized):
        approve(held, other_user, reason="ok")

    held.refresh_from_db()
    assert held.status == Status.AWAITING_APPROVAL
    assert held.approvals.get().decision == "pending"
    assert fake.log(route=DELETE) == []
    assert list(AuditEntry.objects.values_list("action", "outcome", "harness_status")) == []


def test_a_deletion_whose_look_finds_the_workspace_gone_records_no_delete(user_with_key, fake):
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE)
    )
    harness_client_for(user_with_key).delete_workspace(
        org=ORG, project=PROJECT, identifier=INACTIVE
    )
    sent_before = len(fake.log(route=DELETE))

    draft = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    assert (draft.status, draft.harness_response["outcome"]) == (Status.FAILED, "not_found")
    assert "no workspace redis_prod_0004 any more" in draft.harness_response["message"]
    assert len(fake.log(route=DELETE)) == sent_before
    assert not AuditEntry.objects.exists()


def test_an_approved_deletion_harness_never_answered_is_mailed_as_unclear(
    user, other_user, fake, settings, mailoutbox
):
    """The DELETE timed out and the workspace was still there: it may land later. The author's
    e-mail says the outcome is unclear, not that Harness refused."""
    settings.HARNESS_READ_TIMEOUT = 0.3
    held = held_deletion(user, other_user, email="alice@example.com")
    fake.inject(DELETE, delay_ms=600)  # Harness deletes it after the portal gave up
    mailoutbox.clear()

    done = approve(held, other_user)

    assert (done.status, done.harness_response["outcome"]) == (Status.FAILED, "unknown")
    [mail] = mailoutbox
    assert mail.subject.startswith("Approved, outcome unclear"), mail.subject
    assert "Harness did not answer; it may still have deleted it." in mail.body
    assert "refused" not in mail.subject.lower()
    assert "Harness did not delete it" not in mail.body
    wait_until_gone(user, INACTIVE)


def test_a_401_on_the_look_after_an_unanswered_approved_deletion_keeps_it_unclear(
    user, other_user, fake, settings, mailoutbox
):
    """The approver's key was revoked while Harness worked on the DELETE: it may have landed,
    so the approval stands (not reopened for a rejection to hide it), the request goes back to
    its author with an unclear outcome, and the approver still goes to the key page."""
    settings.HARNESS_READ_TIMEOUT = 0.3
    held = held_deletion(user, other_user, email="alice@example.com")
    fake.inject("iacm.workspaces.get")  # the look before the DELETE passes (first-added first)
    fake.inject("iacm.workspaces.get", status=401)  # the look after it
    fake.inject(DELETE, delay_ms=600)  # Harness deletes it after the portal gave up
    mailoutbox.clear()

    with pytest.raises(errors.HarnessUnauthorized):
        approve(held, other_user)

    held.refresh_from_db()
    assert (held.status, held.harness_response["outcome"]) == (Status.FAILED, "unknown")
    assert held.approvals.get().decision == "approved"
    [mail] = mailoutbox
    assert mail.subject.startswith("Approved, outcome unclear"), mail.subject
    assert set(AuditEntry.objects.values_list("action", "outcome", "harness_status")) == {
        ("approve", "approved", None),
        ("delete", "unknown", None),
    }
    wait_until_gone(user, INACTIVE)


def test_an_approved_deletion_of_a_workspace_gone_meanwhile_is_mailed_as_not_sent(
    user, other_user, fake, mailoutbox
):
    """The look before the DELETE finds the workspace gone: nothing was sent, and the author's
    e-mail says so in its subject too, not that Harness refused."""
    held = held_deletion(user, other_user, email="alice@example.com")
    harness_client_for(user).delete_workspace(org=ORG, project=PROJECT, identifier=INACTIVE)
    mailoutbox.clear()

    done = approve(held, other_user)

    assert done.harness_response["outcome"] == "not_found"
    [mail] = mailoutbox
    assert mail.subject.startswith("Approved, but not sent"), mail.subject
    assert "refused" not in mail.subject.lower()
    assert "but not sent to Harness." in mail.body


def test_an_approved_deletion_whose_delete_finds_it_gone_is_mailed_as_already_gone(
    user, other_user, fake, mailoutbox
):
    """Deleted between the look and the DELETE: the DELETE got the 404. The subject says it was
    already gone, not that Harness refused."""
    held = held_deletion(user, other_user, email="alice@example.com")
    fake.inject(DELETE, status=404)
    mailoutbox.clear()

    done = approve(held, other_user)

    assert (done.harness_response["outcome"], done.harness_response["sent"]) == ("not_found", True)
    [mail] = mailoutbox
    assert mail.subject.startswith("Approved, but it was already gone"), mail.subject


def test_an_unclear_approved_deletion_resubmitted_is_deleted_on_an_earlier_attempt(
    user, other_user, fake, settings
):
    """The approver's DELETE timed out and landed later: the author's retry looks in Harness
    before a rule holds it again (a rejection would then hide a deletion Harness made)."""
    settings.HARNESS_READ_TIMEOUT = 0.3
    held = held_deletion(user, other_user)
    fake.inject(DELETE, delay_ms=600)  # Harness deletes it after the portal gave up
    back = approve(held, other_user)
    assert (back.status, back.harness_response["outcome"]) == (Status.FAILED, "unknown")
    wait_until_gone(user, INACTIVE)

    again = services.deletion_send(draft=back, client=harness_client_for(user))

    assert again.status == Status.DELETED, (again.status, again.harness_response)
    assert again.harness_response["message"] == "Deleted on an earlier attempt."
    assert again.approvals.get().decision == "approved"  # not queued again
    assert len(fake.log(route=DELETE)) == 1
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE, outcome="deleted")
    assert entry.actor == other_user


def test_an_approved_deletion_while_the_portal_pauses_deletes_keeps_the_request_waiting(
    user, other_user, fake, settings
):
    """An open circuit on the DELETE route: nothing was sent and nothing can land, so the
    request waits again as a create does, with no audit entry of a deletion."""
    from workspaces.harness import configure_breakers

    held = held_deletion(user, other_user)
    configure_breakers(threshold=1, cooldown=60)
    try:
        fake.inject(DELETE, status=503, times=1)
        with pytest.raises(errors.HarnessUnavailable):  # one failure opens the DELETE route's
            harness_client_for(user).delete_workspace(org=ORG, project=PROJECT, identifier=INACTIVE)
        deletes = len(fake.log(route=DELETE))

        waiting = approve(held, other_user)
    finally:
        configure_breakers(
            threshold=settings.HARNESS_BREAKER_THRESHOLD, cooldown=settings.HARNESS_BREAKER_COOLDOWN
        )

    assert len(fake.log(route=DELETE)) == deletes  # nothing was sent
    assert waiting.status == Status.AWAITING_APPROVAL, waiting.harness_response
    assert waiting.approvals.get().decision == "pending"
    assert not gone(user, INACTIVE)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()


def test_an_approved_deletion_of_a_workspace_changed_in_harness_meanwhile_is_not_sent(
    user, other_user, fake, mailoutbox
):
    """The approver reviewed the workspace as it was when the deletion was requested: if its
    `updated` moved since, nothing is deleted and the request goes back to its author."""
    held = held_deletion(user, other_user, email="alice@example.com")
    changed_in_harness(user, INACTIVE)
    mailoutbox.clear()

    back = approve(held, other_user)

    assert (back.status, back.harness_response["outcome"]) == (Status.DRAFT, "changed_in_harness")
    assert "changed in Harness since" in back.harness_response["message"]
    assert "Nothing was deleted" in back.harness_response["message"]
    assert fake.log(route=DELETE) == []
    assert not gone(user, INACTIVE)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()
    [mail] = mailoutbox
    assert mail.subject.startswith("Approved, but changed in Harness meanwhile"), mail.subject
    assert "but not sent to Harness" in mail.body


def _switch_to_another_account(user) -> None:
    from tests.conftest import OTHER_KEY
    from workspaces.services import credential_save

    credential_save(user=user, account_id="OtherAcct02", api_key=OTHER_KEY)
    user.refresh_from_db()  # as the next request loads it: with the new key


def test_an_approved_deletion_settled_later_is_recorded_in_the_requests_account(
    user, other_user, fake, settings
):
    """The approver's key is for another account by the time the deletion their approval sent
    is settled: the entry is in the request's account, not in the one of the actor's key."""
    from django.utils import timezone

    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    held = held_deletion(user, other_user)
    now = timezone.now()  # approved and sent; the worker died before it settled the request
    held.approvals.update(decision="approved", decided_by=other_user, decided_at=now)
    WorkspaceDraft.objects.filter(pk=held.pk).update(status="submitting", submitted_at=now)
    harness_client_for(other_user).delete_workspace(org=ORG, project=PROJECT, identifier=INACTIVE)
    _switch_to_another_account(other_user)
    held.refresh_from_db()

    services.deletion_reconcile_stale(draft=held, client=harness_client_for(user))

    entry = AuditEntry.objects.get(action="delete")
    assert (entry.actor, entry.outcome) == (other_user, "deleted")
    assert entry.account == ACCOUNT


def test_a_deletion_started_in_another_harness_account_is_not_sent(user_with_key, fake):
    from workspaces.feedback import OtherAccount

    inactive = workspace(user_with_key, INACTIVE)
    draft = services.deletion_start(owner=user_with_key, workspace=inactive)
    _switch_to_another_account(user_with_key)

    with pytest.raises(OtherAccount):
        services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    draft.refresh_from_db()
    assert (draft.account_id, draft.status) == (ACCOUNT, "draft")
    assert fake.log(route=DELETE) == []


def test_a_stale_deletion_is_not_settled_with_another_accounts_key(user_with_key, fake, settings):
    from workspaces.wizard import submit

    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    inactive = workspace(user_with_key, INACTIVE)
    draft = services.deletion_start(owner=user_with_key, workspace=inactive)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status="submitting", submitted_at=draft.created_at
    )
    draft.refresh_from_db()
    _switch_to_another_account(user_with_key)

    # In the other account the workspace does not exist: it must not be taken for deleted.
    settled = submit.draft_reconcile_stale(draft=draft, client=harness_client_for(user_with_key))
    services.deletion_settle_stale(
        owner=user_with_key,
        account_id="OtherAcct02",
        org=draft.org,
        project=draft.project,
        identifier=draft.identifier,
        exists=False,
    )

    draft.refresh_from_db()
    assert settled.status == draft.status == "submitting"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()


def test_a_request_of_another_account_is_not_reopened_for_the_same_names(user_with_key, fake):
    from workspaces.wizard.change import change_in_progress

    inactive = workspace(user_with_key, INACTIVE)
    first = services.deletion_start(owner=user_with_key, workspace=inactive)
    WorkspaceDraft.objects.create(
        owner=user_with_key,
        kind="edit",
        account_id=ACCOUNT,
        org=inactive.org,
        project=inactive.project,
        identifier=INACTIVE,
    )
    _switch_to_another_account(user_with_key)

    again = services.deletion_start(owner=user_with_key, workspace=inactive)

    assert again.pk != first.pk and again.account_id == "OtherAcct02"
    assert (
        change_in_progress(
            owner=user_with_key, org=inactive.org, project=inactive.project, identifier=INACTIVE
        )
        is None
    )
