"""Approval services against the fake Harness over real HTTP: the gate, approve (once, with the
approver's key), reject (with its reason, by e-mail), and who may decide."""

import contextlib
import importlib
import smtplib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Group
from django.core.mail.backends import locmem
from django.db import connection

from tests.approvals.support import (
    APPROVER_IN_LOG,
    APPROVER_KEY,
    AUTHOR_IN_LOG,
    CREATE,
    GROUP,
    pending_id,
    prod_data,
    prod_draft,
    prod_rule,
)
from tests.concurrency import meanwhile
from tests.conftest import ACCOUNT, FULL_KEY, OTHER_KEY
from tests.workspaces.test_change import (
    GET,
    ORG,
    PROJECT,
    UPDATE,
    direct_put,
    edit,
    seeded_workspace,
    start,
)
from workspaces.approvals import selectors, services, views
from workspaces.approvals.models import Approval
from workspaces.clients import harness_client_for
from workspaces.harness import errors
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.services import credential_save
from workspaces.wizard import diff, submit
from workspaces.wizard.body import build_body


def held(author, identifier="prod_vpc", **options) -> WorkspaceDraft:
    draft = prod_draft(author, identifier, **options)
    return submit.draft_submit(draft=draft, client=harness_client_for(author)).draft


def test_a_request_a_rule_holds_waits_frozen_and_nothing_is_sent(
    author, approver, rule, fake, mailoutbox
):
    draft = held(author)

    assert draft.status == "awaiting_approval"
    assert draft.submitted_body == build_body(prod_data("prod_vpc"))
    assert draft.submitted_at is not None
    assert fake.log(route=CREATE) == []
    approval = draft.approvals.get()
    assert approval.decision == "pending"
    assert list(approval.rules.all()) == [rule]
    assert approval.rule_names == [rule.name]
    [mail] = mailoutbox
    assert mail.to == ["carol@example.com"]
    assert "Approval needed" in mail.subject
    assert f"/approvals/{draft.pk}/" in mail.body


def test_without_a_matching_rule_a_submit_is_sent_as_before(author, approver, rule, fake):
    draft = held(author, "dev_vpc", env="dev")

    assert draft.status == "created"
    assert not draft.approvals.exists()
    [post] = fake.log(route=CREATE)
    assert post["headers"]["x-api-key"] == AUTHOR_IN_LOG


def test_approval_sends_once_with_the_approvers_key(author, approver, rule, fake, mailoutbox):
    draft = held(author)
    mailoutbox.clear()

    approval_id = pending_id(draft)

    approved = services.approval_approve(
        draft=draft,
        approval_id=approval_id,
        approver=approver,
        client=harness_client_for(approver),
        reason="LGTM",
    )
    with pytest.raises(services.ApprovalNotPending, match="already decided"):
        services.approval_approve(
            draft=approved,
            approval_id=approval_id,
            approver=approver,
            client=harness_client_for(approver),
        )

    assert approved.status == "created"
    [post] = fake.log(route=CREATE)
    assert post["headers"]["x-api-key"] == APPROVER_IN_LOG
    assert post["body"] == draft.submitted_body
    approval = approved.approvals.get()
    assert (approval.decision, approval.decided_by, approval.reason) == (
        "approved",
        approver,
        "LGTM",
    )
    assert approval.decided_at is not None
    [mail] = mailoutbox
    assert mail.to == ["alice@example.com"]
    assert mail.subject.startswith("Approved and created")
    assert "Approved by carol" in mail.body
    assert APPROVER_KEY not in mail.body


def test_an_approved_create_whose_worker_died_is_recorded_as_the_approvers(
    author, approver, rule, fake, settings, monkeypatch
):
    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    draft = held(author)

    def dies_after_the_post(*, draft, client, **_):
        client.create_workspace(org=draft.org, project=draft.project, body=draft.submitted_body)
        raise SystemExit("worker killed")

    monkeypatch.setitem(services.SENDERS, WorkspaceDraft.Kind.CREATE, dies_after_the_post)
    with pytest.raises(SystemExit):
        services.approval_approve(
            draft=draft,
            approval_id=pending_id(draft),
            approver=approver,
            client=harness_client_for(approver),
            reason="LGTM",
        )
    draft.refresh_from_db()

    settled = submit.draft_reconcile_stale(draft=draft, client=harness_client_for(author))

    assert settled.status == "created"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE)
    assert entry.actor == approver
    assert [(step["by"], step["decision"], step["reason"]) for step in entry.approval] == [
        ("carol", "approved", "LGTM")
    ]


def test_a_rejection_reaches_the_requester_with_its_reason(
    author, approver, rule, fake, mailoutbox
):
    draft = held(author)
    mailoutbox.clear()

    approval_id = pending_id(draft)

    rejected = services.approval_reject(
        draft=draft,
        approval_id=approval_id,
        approver=approver,
        reason="Use the shared VPC instead.",
    )
    with pytest.raises(services.ApprovalNotPending, match="already decided"):
        services.approval_approve(
            draft=rejected,
            approval_id=approval_id,
            approver=approver,
            client=harness_client_for(approver),
        )

    rejected.refresh_from_db()
    assert rejected.status == "rejected"
    assert fake.log(route=CREATE) == []
    approval = rejected.approvals.get()
    assert (approval.decision, approval.decided_by) == ("rejected", approver)
    [mail] = mailoutbox
    assert mail.to == ["alice@example.com"]
    assert mail.subject.startswith("Rejected")
    assert "Reason: Use the shared VPC instead." in mail.body


def test_a_rejection_stays_in_the_audit_trail_when_its_request_is_deleted(
    author, approver, rule, fake
):
    from workspaces.wizard import drafts

    draft = held(author)
    services.approval_reject(
        draft=draft, approval_id=pending_id(draft), approver=approver, reason="Not in prod."
    )

    deleted = drafts.draft_delete(draft_id=draft.pk, owner=author)

    assert deleted
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REJECT)
    assert (entry.actor, entry.identifier, entry.message) == (approver, "prod_vpc", "Not in prod.")
    assert [(step["by"], step["decision"]) for step in entry.approval] == [("carol", "rejected")]


@pytest.mark.parametrize("decide", ["approval_approve", "approval_reject"])
def test_a_decision_whose_reason_holds_a_harness_key_is_refused(
    author, approver, rule, fake, mailoutbox, decide
):
    draft = held(author)
    mailoutbox.clear()
    decision = {
        "draft": draft,
        "approval_id": pending_id(draft),
        "approver": approver,
        "reason": f"key: {APPROVER_KEY}",
    }
    if decide == "approval_approve":
        decision["client"] = harness_client_for(approver)

    with pytest.raises(ValueError, match="Harness API key"):
        getattr(services, decide)(**decision)

    draft.refresh_from_db()
    assert draft.status == "awaiting_approval"
    assert list(draft.approvals.values_list("decision", "reason")) == [("pending", "")]
    assert mailoutbox == []
    assert fake.log(route=CREATE) == []


def test_the_author_cannot_approve_even_when_in_an_approving_group(author, approver, rule, fake):
    author.groups.add(*approver.groups.all())
    draft = held(author)

    with pytest.raises(services.ApprovalRefused, match="nobody approves their own request"):
        services.approval_approve(
            draft=draft,
            approval_id=pending_id(draft),
            approver=author,
            client=harness_client_for(author),
        )
    with pytest.raises(services.ApprovalRefused):
        services.approval_reject(
            draft=draft, approval_id=pending_id(draft), approver=author, reason="no"
        )

    draft.refresh_from_db()
    assert draft.status == "awaiting_approval"
    assert fake.log(route=CREATE) == []


def test_someone_the_rule_does_not_name_cannot_decide(author, other_user, rule, fake):
    draft = held(author)

    with pytest.raises(services.ApprovalRefused, match="not one of the approvers"):
        services.approval_reject(
            draft=draft, approval_id=pending_id(draft), approver=other_user, reason="no"
        )

    assert draft.approvals.get().decision == "pending"


def test_a_harness_refusal_goes_back_to_the_author(author, approver, rule, fake, mailoutbox):
    draft = held(author, cost_estimation=False)  # the fake's policy denies env=prod without it
    mailoutbox.clear()

    refused = services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )

    assert refused.status == "failed"
    assert refused.is_editable
    assert refused.harness_response["outcome"] == "policy_denied"
    assert refused.harness_response["deny_messages"] == [
        "Workspaces tagged env=prod must enable cost estimation"
    ]
    assert refused.approvals.get().decision == "approved"
    [mail] = mailoutbox
    assert mail.subject.startswith("Approved, but Harness refused")
    assert "must enable cost estimation" in mail.body
    assert "It is back with you" in mail.body


@contextlib.contextmanager
def _creates_paused(author, draft, fake, settings):
    """The portal pauses creates in the draft's project meanwhile: one 503 opens that route's
    circuit (a breaker of threshold 1), restored afterwards."""
    from workspaces.harness import configure_breakers

    configure_breakers(threshold=1, cooldown=60)
    try:
        fake.inject(CREATE, status=503, times=1)
        with pytest.raises(errors.HarnessUnavailable):
            harness_client_for(author).create_workspace(
                org=draft.org, project=draft.project, body=draft.submitted_body
            )
        yield
    finally:
        configure_breakers(
            threshold=settings.HARNESS_BREAKER_THRESHOLD, cooldown=settings.HARNESS_BREAKER_COOLDOWN
        )


def _approve_with_a_refused_key(draft, approver, fake):
    """The approver approves `draft`; Harness refuses their key (401) for the create."""
    fake.inject(CREATE, status=401)
    with pytest.raises(errors.HarnessUnauthorized):
        services.approval_approve(
            draft=draft,
            approval_id=pending_id(draft),
            approver=approver,
            client=harness_client_for(approver),
        )
    draft.refresh_from_db()


def test_the_approvers_key_refused_by_harness_keeps_the_request_waiting(
    author, approver, rule, fake
):
    draft = held(author)
    _approve_with_a_refused_key(draft, approver, fake)

    assert draft.status == "awaiting_approval"
    approval = draft.approvals.get()
    assert (approval.decision, approval.decided_by) == ("pending", None)


def _erin(django_user_model):
    """A second approver, in the approving group, with a key for the account."""
    erin = django_user_model.objects.create_user(username="erin", email="erin@example.com")
    erin.groups.add(Group.objects.get(name=GROUP))
    credential_save(user=erin, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme")
    return erin


def test_an_approval_undone_by_harness_is_not_left_in_the_trail_as_approved(
    author, approver, rule, fake, django_user_model
):
    erin = _erin(django_user_model)
    draft = held(author)
    _approve_with_a_refused_key(draft, approver, fake)

    services.approval_reject(draft=draft, approval_id=pending_id(draft), approver=erin, reason="no")

    decisions = AuditEntry.objects.filter(action__in=["approve", "reject"])
    assert sorted((e.action, e.actor_username) for e in decisions) == [("reject", "erin")]


def test_an_approval_not_sent_while_harness_is_down_is_not_left_in_the_trail_as_approved(
    author, approver, rule, fake, settings, django_user_model
):

    erin = _erin(django_user_model)
    draft = held(author)
    with _creates_paused(author, draft, fake, settings):
        waiting = services.approval_approve(
            draft=draft,
            approval_id=pending_id(draft),
            approver=approver,
            client=harness_client_for(approver),
        )
    assert waiting.status == "awaiting_approval"

    services.approval_reject(
        draft=waiting, approval_id=pending_id(waiting), approver=erin, reason="no"
    )

    decisions = AuditEntry.objects.filter(action__in=["approve", "reject"])
    assert sorted((e.action, e.actor_username) for e in decisions) == [("reject", "erin")]


def test_an_approval_withdrawn_and_resubmitted_while_the_approver_decides_is_not_decided(
    author, approver, rule, fake, monkeypatch
):
    # The approver's check has read the waiting version; before their decision is stored, the
    # author withdraws it, changes it and submits it again (another request, meanwhile).
    draft = held(author)
    approval_id = pending_id(draft)
    may_decide = selectors.user_may_decide

    def author_resubmits_meanwhile(**kwargs):
        allowed = may_decide(**kwargs)
        services.approval_withdraw(draft=draft, owner=author)
        draft.refresh_from_db()
        draft.data["basics"]["description"] = "Changed after the approver reviewed it"
        draft.save()
        submit.draft_submit(draft=draft, client=harness_client_for(author))
        return allowed

    monkeypatch.setattr(selectors, "user_may_decide", author_resubmits_meanwhile)

    with pytest.raises(services.ApprovalNotPending, match="withdrew the version you reviewed"):
        services.approval_approve(
            draft=draft,
            approval_id=approval_id,
            approver=approver,
            client=harness_client_for(approver),
        )

    draft.refresh_from_db()
    assert draft.status == "awaiting_approval"
    assert list(draft.approvals.order_by("requested_at").values_list("decision", flat=True)) == [
        "withdrawn",
        "pending",
    ]
    assert fake.log(route=CREATE) == []
    assert not AuditEntry.objects.exists()


def test_deciding_a_request_its_author_deleted_says_it_is_gone(author, approver, rule, fake):
    from workspaces.wizard import drafts

    draft = held(author)
    approval_id = pending_id(draft)
    assert drafts.draft_delete(draft_id=draft.pk, owner=author)

    with pytest.raises(services.RequestGone, match="The requester deleted this request"):
        services.approval_approve(  # the approver's page still held the request
            draft=draft,
            approval_id=approval_id,
            approver=approver,
            client=harness_client_for(approver),
        )

    assert fake.log(route=CREATE) == []


@pytest.mark.django_db(transaction=True)  # row locks: rerun on PostgreSQL (tests/conftest.py)
def test_an_approval_claimed_while_its_author_deletes_the_request_finds_it_gone(
    author, approver, rule, fake, monkeypatch
):
    # The author's delete has read the request (waiting: deletable); before the delete is
    # written, an approver's approval claims it to send it.
    from django.db.models.deletion import Collector

    from workspaces.wizard import drafts

    draft = held(author)
    approval_id = pending_id(draft)

    def approver_claims():
        mine = WorkspaceDraft.objects.get(pk=draft.pk)
        approval = services._check_decider(
            draft=mine, approval_id=approval_id, user=approver, decision="approved"
        )
        services._claim(
            draft=mine,
            approval=approval,
            status="submitting",
            decision="approved",
            decided_by=approver,
            reason="",
        )

    claim = meanwhile(monkeypatch, Collector, "delete", approver_claims)

    deleted = drafts.draft_delete(draft_id=draft.pk, owner=author)
    claim["thread"].join(timeout=30)

    # The delete holds the request: the claim waits for it, then finds nothing left to send
    # (never a request deleted on its way to Harness).
    assert deleted
    assert not WorkspaceDraft.objects.filter(pk=draft.pk).exists()
    assert isinstance(claim.get("error"), services.RequestGone), claim
    assert fake.log(route=CREATE) == []


@pytest.fixture
def other_account_approver(django_user_model, fake):
    """Dave: in the approving group, with a key for another Harness account."""
    dave = django_user_model.objects.create_user(username="dave", email="dave@example.com")
    dave.groups.add(Group.objects.get_or_create(name=GROUP)[0])
    credential_save(user=dave, account_id="OtherAcct02", api_key=OTHER_KEY, account_name="Other")
    return dave


def test_a_request_waits_only_for_approvers_of_its_harness_account(
    author, approver, other_account_approver, rule, fake, mailoutbox
):
    draft = held(author)

    approval = draft.approvals.get()
    assert approval.account == ACCOUNT
    assert list(selectors.approvals_waiting(user=approver)) == [draft]
    assert list(selectors.approvals_waiting(user=other_account_approver)) == []
    assert selectors.approvals_waiting_count(user=other_account_approver) == 0
    [mail] = mailoutbox
    assert mail.to == ["carol@example.com"]


def test_an_approver_without_a_harness_key_is_not_mailed_a_request_they_cannot_decide(
    author, approver, rule, fake, mailoutbox, django_user_model
):
    frank = django_user_model.objects.create_user(username="frank", email="frank@example.com")
    frank.groups.add(Group.objects.get(name=GROUP))

    draft = held(author)

    assert selectors.approvals_waiting_count(user=frank) == 0  # no key: nothing in their queue
    assert selectors.approval_recipients(approval=draft.approvals.get()) == ["carol@example.com"]
    assert [mail.to for mail in mailoutbox] == [["carol@example.com"]]


def test_each_approver_gets_their_own_waiting_e_mail(
    author, approver, rule, fake, mailoutbox, django_user_model
):
    """One message each, sent over one connection: nobody sees the other approvers' addresses,
    and a large group never makes one message with hundreds of recipients."""
    _erin(django_user_model)

    held(author)

    assert sorted((mail.to, mail.cc, mail.bcc) for mail in mailoutbox) == [
        (["carol@example.com"], [], []),
        (["erin@example.com"], [], []),
    ]
    assert all("Approval needed" in mail.subject for mail in mailoutbox)


class RefusingCarol(locmem.EmailBackend):
    """A mail server that refuses carol's address (and takes every other)."""

    def send_messages(self, messages):
        if any("carol@example.com" in message.to for message in messages):
            raise smtplib.SMTPRecipientsRefused({"carol@example.com": (550, b"no such user")})
        return super().send_messages(messages)


def test_an_address_the_mail_server_refuses_does_not_keep_the_others_from_their_e_mail(
    author, approver, rule, fake, mailoutbox, django_user_model, settings, caplog
):
    _erin(django_user_model)
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingCarol"}}

    draft = held(author)

    assert draft.status == "awaiting_approval"
    assert [mail.to for mail in mailoutbox] == [["erin@example.com"]]
    assert "approval e-mail waiting refused for one recipient" in caplog.text
    assert "carol@example.com" not in caplog.text


def test_an_approver_of_another_harness_account_cannot_decide(
    author, other_account_approver, rule, fake
):
    draft = held(author)
    dave = other_account_approver

    with pytest.raises(services.ApprovalRefused, match=f"for the Harness account {ACCOUNT}"):
        services.approval_approve(
            draft=draft,
            approval_id=pending_id(draft),
            approver=dave,
            client=harness_client_for(dave),
        )
    with pytest.raises(services.ApprovalRefused, match="your Harness key is for OtherAcct02"):
        services.approval_reject(
            draft=draft, approval_id=pending_id(draft), approver=dave, reason="no"
        )

    draft.refresh_from_db()
    assert draft.status == "awaiting_approval"
    assert draft.approvals.get().decision == "pending"
    assert fake.log(route=CREATE) == []
    assert not AuditEntry.objects.exists()


def test_approvals_stored_before_the_account_was_recorded_get_their_authors(
    author, other_user, approver, rule, fake
):
    from django.apps import apps

    migration = importlib.import_module("workspaces.migrations.0008_approval_account")
    mine, keyless = held(author), prod_draft(other_user, "keyless_vpc")
    Approval.objects.create(draft=keyless, kind="create")
    Approval.objects.update(account="")

    migration.account_of_the_author(apps, None)

    assert mine.approvals.get().account == ACCOUNT
    assert keyless.approvals.get().account == ""  # no queue shows it; its author can resubmit


def test_a_5xx_during_an_approval_goes_back_to_its_author_whose_submit_looks_first(
    author, approver, rule, fake, mailoutbox, settings
):
    """A 5xx is no proof the POST did nothing (a gateway's 502 or 504 may come while Harness
    works on): the request is not put back in the queue, where a rejection would hide a
    workspace that lands late; it goes back to its author, whose next submit looks first."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = held(author)
    mailoutbox.clear()
    fake.inject(CREATE, status=502)

    back = services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )
    back_status, back_outcome = back.status, back.harness_response["outcome"]
    back_decision = back.approvals.get().decision
    harness_client_for(author).create_workspace(
        org="default", project="infra", body=back.submitted_body
    )  # the POST behind the gateway's 502 lands after the portal's GET
    again = submit.draft_submit(draft=back, client=harness_client_for(author)).draft

    assert (back_status, back_outcome, back_decision) == ("failed", "unavailable", "approved")
    [mail] = mailoutbox
    assert mail.subject.startswith("Approved, outcome unclear"), mail.subject
    assert again.status == "created"  # not held again for a rejection to hide
    assert again.approvals.get().decision == "approved"
    assert len(fake.log(route=CREATE)) == 2  # the approver's POST and the late one: none again


def test_an_approval_harness_never_answered_goes_back_to_its_author(
    author, approver, rule, fake, settings, mailoutbox
):
    """No answer: the POST may still land, so the request does not wait again (a rejection
    would hide a workspace that exists); its author's next submit looks first. The author's
    e-mail says the outcome is unclear, not that Harness refused."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = held(author)
    mailoutbox.clear()
    fake.inject(CREATE, drop=True)

    unanswered = services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )

    assert unanswered.status == "failed"
    assert unanswered.harness_response["outcome"] == "unknown"
    assert unanswered.approvals.get().decision == "approved"
    [mail] = mailoutbox
    assert mail.subject.startswith("Approved, outcome unclear"), mail.subject
    assert "it may still have created it" in mail.body
    assert "Harness did not create it" not in mail.body


def test_a_401_on_the_look_after_an_unanswered_approval_keeps_it_approved_and_unclear(
    author, approver, rule, fake, settings, mailoutbox
):
    """The approver's key was revoked while Harness worked on the POST: it may have landed, so
    the approval stands and the request goes back to its author as after any unanswered POST;
    the approver still goes to the key page."""
    settings.HARNESS_READ_TIMEOUT = 0.3
    draft = held(author)
    mailoutbox.clear()
    fake.inject(CREATE, delay_ms=600)
    fake.inject("iacm.workspaces.get", status=401)

    with pytest.raises(errors.HarnessUnauthorized):
        services.approval_approve(
            draft=draft,
            approval_id=pending_id(draft),
            approver=approver,
            client=harness_client_for(approver),
        )

    draft.refresh_from_db()
    assert (draft.status, draft.harness_response["outcome"]) == ("failed", "unknown")
    assert draft.approvals.get().decision == "approved"
    [mail] = mailoutbox
    assert mail.subject.startswith("Approved, outcome unclear"), mail.subject
    deadline = time.monotonic() + 3
    while not fake.log(route=CREATE) and time.monotonic() < deadline:
        time.sleep(0.05)  # the slow POST lands in this test, not in the next one's fake


def test_after_an_unanswered_approval_the_authors_submit_looks_in_harness_first(
    author, approver, rule, fake, settings
):
    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = held(author)
    fake.inject(CREATE, drop=True)
    back = services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )
    # ... and the POST landed after all.
    harness_client_for(author).create_workspace(
        org="default", project="infra", body=back.submitted_body
    )

    again = submit.draft_submit(draft=back, client=harness_client_for(author)).draft

    assert again.status == "created"  # not back in the queue, where a rejection would hide it
    assert again.approvals.get().decision == "approved"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE, outcome="created")
    assert entry.actor == approver


def test_an_approval_while_the_portal_pauses_creates_keeps_the_request_waiting(
    author, approver, rule, fake, settings
):
    draft = held(author)
    with _creates_paused(author, draft, fake, settings):
        posts = len(fake.log(route=CREATE))

        waiting = services.approval_approve(
            draft=draft,
            approval_id=pending_id(draft),
            approver=approver,
            client=harness_client_for(approver),
        )

    assert len(fake.log(route=CREATE)) == posts  # nothing was sent
    assert waiting.status == "awaiting_approval"
    assert waiting.approvals.get().decision == "pending"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.CREATE).exists()  # no write


def test_approving_again_is_one_decision_in_the_trail_and_one_e_mail(
    author, approver, rule, fake, settings, mailoutbox
):
    """A double click, and a retry after the portal paused calls (the request waited again):
    one approve entry in the audit trail, one e-mail to the author."""
    draft = held(author)
    approval_id = pending_id(draft)
    mailoutbox.clear()
    with _creates_paused(author, draft, fake, settings):
        waiting = services.approval_approve(
            draft=draft,
            approval_id=approval_id,
            approver=approver,
            client=harness_client_for(approver),
        )
    assert waiting.status == "awaiting_approval"

    approved = services.approval_approve(
        draft=waiting,
        approval_id=approval_id,
        approver=approver,
        client=harness_client_for(approver),
    )
    with pytest.raises(services.ApprovalNotPending):  # the double click
        services.approval_approve(
            draft=approved,
            approval_id=approval_id,
            approver=approver,
            client=harness_client_for(approver),
        )

    assert approved.status == "created"
    decisions = AuditEntry.objects.filter(action=AuditEntry.Action.APPROVE)
    assert [(e.actor, e.outcome) for e in decisions] == [(approver, "approved")]
    [mail] = mailoutbox
    assert mail.subject.startswith("Approved and created")


def _held_again_after_an_unanswered_post(author, approver, fake) -> WorkspaceDraft:
    """A create whose approved POST got no answer, resubmitted by its author and held again:
    its stored outcome still says the first POST may land."""
    draft = held(author)
    fake.inject(CREATE, drop=True, times=1)
    back = services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )
    again = submit.draft_submit(draft=back, client=harness_client_for(author)).draft
    assert (again.status, again.harness_response["outcome"]) == ("awaiting_approval", "unknown")
    return again


@pytest.mark.parametrize("paused", [GET, CREATE])
def test_an_approval_not_sent_keeps_an_earlier_unanswered_post_unclear(
    author, approver, rule, fake, settings, paused
):
    """Paused calls (an open circuit) to the look-first GET or to the POST: nothing is sent this
    time, but the first POST may still land, so the next attempt must look first."""
    from workspaces.harness import configure_breakers

    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = _held_again_after_an_unanswered_post(author, approver, fake)
    posts = len(fake.log(route=CREATE))
    configure_breakers(threshold=1, cooldown=60)
    try:
        fake.inject(paused, status=503, times=5)  # reads are retried
        with pytest.raises(errors.HarnessUnavailable):  # opens that route's circuit in the project
            if paused == GET:
                harness_client_for(author).get_workspace(org=ORG, project=PROJECT, identifier="x")
            else:
                harness_client_for(author).create_workspace(
                    org=ORG, project=PROJECT, body=draft.submitted_body
                )

        sent = services.approval_approve(
            draft=draft,
            approval_id=pending_id(draft),
            approver=approver,
            client=harness_client_for(approver),
        )
    finally:
        configure_breakers(
            threshold=settings.HARNESS_BREAKER_THRESHOLD, cooldown=settings.HARNESS_BREAKER_COOLDOWN
        )

    assert sent.harness_response["outcome"] == "unknown"  # not forgotten: the next look comes
    # Nothing was sent this time: it waits again for the approver, not back to its author.
    assert (sent.status, sent.approvals.latest("pk").decision) == ("awaiting_approval", "pending")
    assert "pausing calls" in views._harness_down(sent.harness_response)
    assert len(fake.log(route=CREATE)) == posts + (paused == CREATE)  # the probe's 503 only
    # The unanswered POST is in the audit trail; the attempt not sent is not a write.
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE).count() == 1


def test_harness_down_during_an_approved_change_keeps_it_waiting(author, approver, fake):
    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    client = harness_client_for(author)
    draft = edit(start(author, seeded_workspace(client)), repository={"branch": "develop"})
    held_change = submit.draft_submit(draft=draft, client=client).draft
    fake.inject(GET, status=503, times=5)  # the check before the PUT (reads are retried)

    waiting = services.approval_approve(
        draft=held_change,
        approval_id=pending_id(held_change),
        approver=approver,
        client=harness_client_for(approver),
    )

    assert waiting.status == "awaiting_approval"
    assert waiting.approvals.get().decision == "pending"
    assert fake.log(route=UPDATE) == []


def test_an_approved_change_that_landed_late_is_not_held_again_for_a_rejection_to_hide(
    author, approver, fake, settings
):
    """As for a create: the author's resubmit after an unanswered approved PUT looks in Harness
    before a rule holds it again (a rejection would then say nothing was sent)."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    client = harness_client_for(author)
    workspace = seeded_workspace(client)
    draft = edit(start(author, workspace), repository={"branch": "landed-late"})
    held_change = submit.draft_submit(draft=draft, client=client).draft
    # Harness is slow: the approver's PUT times out (HARNESS_READ_TIMEOUT is 2 s in tests) and
    # lands a little later.
    fake.inject(UPDATE, delay_ms=2600)
    back = services.approval_approve(
        draft=held_change,
        approval_id=pending_id(held_change),
        approver=approver,
        client=harness_client_for(approver),
    )
    assert (back.status, back.harness_response["outcome"]) == ("failed", "unknown")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # Harness finishes the PUT it was slow to answer
        after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
        if after.repository_branch == "landed-late":
            break
        time.sleep(0.2)
    assert after.repository_branch == "landed-late"  # Harness holds the change

    again = submit.draft_submit(draft=back, client=client).draft

    assert again.status == "updated", (again.status, again.harness_response)
    assert again.approvals.get().decision == "approved"  # not queued again
    assert len(fake.log(route=UPDATE)) == 1
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EDIT, outcome="updated")
    assert entry.actor == approver


def test_an_approved_change_while_the_portal_pauses_puts_keeps_the_request_waiting(
    author, approver, fake, settings
):
    """As for a create (..._while_the_portal_pauses_creates_...): when the portal paused the PUT
    route (an open circuit), nothing was sent and nothing can land."""
    from workspaces.harness import configure_breakers

    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    client = harness_client_for(author)
    workspace = seeded_workspace(client)
    draft = edit(start(author, workspace), repository={"branch": "develop"})
    held_change = submit.draft_submit(draft=draft, client=client).draft
    configure_breakers(threshold=1, cooldown=60)
    try:
        fake.inject(UPDATE, status=503, times=1)
        with pytest.raises(errors.HarnessUnavailable):  # one failure opens the PUT route's
            client.update_workspace(
                org=ORG,
                project=PROJECT,
                identifier=workspace.identifier,
                body=held_change.submitted_body,
            )
        puts = len(fake.log(route=UPDATE))

        waiting = services.approval_approve(
            draft=held_change,
            approval_id=pending_id(held_change),
            approver=approver,
            client=harness_client_for(approver),
        )
    finally:
        configure_breakers(
            threshold=settings.HARNESS_BREAKER_THRESHOLD, cooldown=settings.HARNESS_BREAKER_COOLDOWN
        )

    assert len(fake.log(route=UPDATE)) == puts  # nothing was sent
    assert waiting.status == "awaiting_approval", (waiting.status, waiting.harness_response)
    assert waiting.approvals.get().decision == "pending"
    assert "did not answer" not in waiting.harness_response["message"]
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EDIT).exists()  # no write


def test_the_author_withdraws_a_waiting_request_to_change_it(author, approver, rule, fake):
    draft = held(author)

    withdrawn = services.approval_withdraw(draft=draft, owner=author)

    draft.refresh_from_db()
    assert withdrawn is True
    assert draft.status == "draft"
    assert draft.approvals.get().decision == "withdrawn"
    assert services.approval_withdraw(draft=draft, owner=author) is False


def test_a_change_under_a_rule_waits_and_is_put_once_with_the_approvers_key(
    author, approver, fake, mailoutbox
):
    rule = prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    client = harness_client_for(author)
    workspace = seeded_workspace(client)
    draft = edit(start(author, workspace), repository={"branch": "develop"})

    held = submit.draft_submit(draft=draft, client=client).draft
    held_status, puts_while_waiting = held.status, fake.log(route=UPDATE)
    review = selectors.approval_review(draft=held)
    approved = services.approval_approve(
        draft=held,
        approval_id=pending_id(held),
        approver=approver,
        client=harness_client_for(approver),
        reason="ok",
    )

    assert (held_status, puts_while_waiting) == ("awaiting_approval", [])
    assert held.approvals.get().rules.get() == rule
    assert [c.label for c in review.change["changes"]] == ["Branch"]
    assert approved.status == "updated"
    [put] = fake.log(route=UPDATE)
    assert put["headers"]["x-api-key"] == APPROVER_IN_LOG
    assert put["body"]["repository_branch"] == "develop"
    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert after.repository_branch == "develop"
    decision, change_entry = AuditEntry.objects.order_by("id")
    assert (decision.action, decision.actor) == ("approve", approver)
    assert (change_entry.action, change_entry.actor, change_entry.harness_status) == (
        "edit",
        approver,
        200,
    )
    decided = mailoutbox[-1]
    assert decided.subject.startswith("Approved and changed")
    assert "Harness made the change." in decided.body


def test_an_approver_sees_a_linked_change_as_its_author_did_without_removals_of_locked_fields(
    author, approver, fake
):
    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    client = harness_client_for(author)
    workspace = seeded_workspace(client, linked=True)
    draft = edit(start(author, workspace), basics={"description": "Linked, changed"})
    authors = [(c.label, c.kind, c.after) for c in diff.change_review(draft)["changes"]]

    held = submit.draft_submit(draft=draft, client=client).draft

    change = selectors.approval_review(draft=held).change
    approvers = [(c.label, c.kind, c.after) for c in change["changes"]]
    assert held.status == "awaiting_approval"
    assert "repository" not in held.submitted_body  # the frozen PUT leaves the locked fields out
    # ... and Harness keeps them (the template's): nothing of the repository, provisioner or
    # connectors is removed by this change.
    assert [kind for _, kind, _ in approvers if kind == "removed"] == []
    assert ("Description", "Linked, changed") in [(label, after) for label, _, after in approvers]
    assert approvers == authors


def test_an_approved_change_to_a_workspace_changed_in_harness_meanwhile_says_nothing_was_sent(
    author, approver, fake, mailoutbox
):
    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    client = harness_client_for(author)
    workspace = seeded_workspace(client)
    draft = edit(start(author, workspace), repository={"branch": "develop"})
    held = submit.draft_submit(draft=draft, client=client).draft
    direct_put(workspace.identifier, description="Edited in Harness")
    fake.clear_log()

    back = services.approval_approve(
        draft=held,
        approval_id=pending_id(held),
        approver=approver,
        client=harness_client_for(approver),
    )

    assert (back.status, back.harness_response["outcome"]) == ("draft", "changed_in_harness")
    assert fake.log(route=UPDATE) == []
    decided = mailoutbox[-1]
    assert decided.subject.startswith("Approved, but changed in Harness meanwhile")
    assert "Nothing was sent" in decided.body
    assert "sent to Harness with their key" not in decided.body


def test_a_change_frozen_before_the_upgrade_is_approved_in_the_type_harness_holds(
    author, approver, fake
):
    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    client = harness_client_for(author)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, provisioner_configuration="language=python")
    held = submit.draft_submit(
        draft=edit(start(author, workspace), repository={"branch": "develop"}), client=client
    ).draft
    # Frozen by the previous release: a string provisioner_configuration as {"value": ...}.
    frozen = held.submitted_body | {"provisioner_configuration": {"value": "language=python"}}
    WorkspaceDraft.objects.filter(pk=held.pk).update(submitted_body=frozen)
    held.refresh_from_db()
    fake.clear_log()

    approved = services.approval_approve(
        draft=held,
        approval_id=pending_id(held),
        approver=approver,
        client=harness_client_for(approver),
    )

    assert approved.status == "updated", approved.harness_response
    [put] = fake.log(route=UPDATE)
    assert put["body"]["provisioner_configuration"] == "language=python"
    assert put["body"]["repository_branch"] == "develop"


def test_a_change_that_removes_the_tag_a_rule_holds_still_waits(author, approver, fake):
    client = harness_client_for(author)
    draft = start(author, seeded_workspace(client))
    rows = draft.data["basics"]["tags"]
    [env] = [row["value"] for row in rows if row["key"] == "env"]
    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="env", tag_value=env)
    draft = edit(draft, basics={"tags": [row for row in rows if row["key"] != "env"]})

    held = submit.draft_submit(draft=draft, client=client).draft

    assert "env" not in held.submitted_body["tags"]
    assert held.status == "awaiting_approval"
    assert fake.log(route=UPDATE) == []


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_make_exactly_one_post(
    user, fake, django_user_model, monkeypatch
):
    credential_save(user=user, account_id=ACCOUNT, api_key=FULL_KEY)
    carol = django_user_model.objects.create_user(username="carol", password="x")
    credential_save(user=carol, account_id=ACCOUNT, api_key=APPROVER_KEY)
    prod_rule(users=[carol], groups=[GROUP])
    draft = held(user)
    approval_id = pending_id(draft)
    fake.set_latency(50)  # keep the winner inside Harness while the others arrive
    barrier = threading.Barrier(20)
    may_decide = selectors.user_may_decide

    def checked_together(**kwargs):
        # Every thread has seen the request waiting and passed the approver check before any
        # claims it: only the atomic claim can stop the other nineteen.
        allowed = may_decide(**kwargs)
        barrier.wait()
        return allowed

    monkeypatch.setattr(selectors, "user_may_decide", checked_together)

    def approve_once(_):
        try:
            mine = WorkspaceDraft.objects.get(pk=draft.pk)
            client = harness_client_for(carol)
            return services.approval_approve(
                draft=mine, approval_id=approval_id, approver=carol, client=client
            ).status
        except services.ApprovalNotPending as err:
            return err.message
        finally:
            connection.close()

    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            outcomes = list(pool.map(approve_once, range(20)))  # a thread's error is raised here
    finally:
        fake.set_latency(0)

    assert len(outcomes) == 20
    [post] = fake.log(route=CREATE)
    assert post["headers"]["x-api-key"] == APPROVER_IN_LOG
    draft.refresh_from_db()
    assert draft.status == "created"
    assert sorted(outcomes) == [services.ALREADY_DECIDED] * 19 + ["created"]
    assert draft.approvals.get().decision == "approved"


def test_a_refused_approval_resubmitted_without_a_rule_is_the_authors_send(
    author, approver, rule, fake
):
    draft = held(author, cost_estimation=False)
    refused = services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )
    assert selectors.approval_state(draft=refused).sent_by_approver
    rule.active = False
    rule.save()
    refused.data["provisioner"]["cost_estimation_enabled"] = True
    refused.save()

    created = submit.draft_submit(draft=refused, client=harness_client_for(author)).draft

    assert created.status == "created"
    assert not selectors.approval_state(draft=created).sent_by_approver
    assert [p["headers"]["x-api-key"] for p in fake.log(route=CREATE)] == [
        APPROVER_IN_LOG,
        AUTHOR_IN_LOG,
    ]


def test_an_approved_write_makes_the_authors_lists_and_counts_read_harness_again(
    author, approver, rule, fake
):
    """The approver's key sends the write, but the author is the one who opens All workspaces
    and the project's strip next: theirs are read again too, not only the approver's."""
    from workspaces.across.generation import key_generation
    from workspaces.status_writes import last_write

    draft = held(author)
    mine = author.harness_credential
    before = key_generation(account=mine.account_id, fingerprint=mine.key_fingerprint)
    where = {
        "account": mine.account_id,
        "fingerprint": mine.key_fingerprint,
        "org": draft.org,
        "project": draft.project,
    }
    writes_before = last_write(**where)

    services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )

    assert key_generation(account=mine.account_id, fingerprint=mine.key_fingerprint) != before
    assert last_write(**where) != writes_before
