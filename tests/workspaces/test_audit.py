"""The audit trail: what is recorded, that it only grows, and how people and operators see it."""

import csv
import io
import json

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.concurrency import meanwhile
from tests.conftest import FULL_KEY
from tests.workspaces.test_drafts import existing_identifier, make_draft
from workspaces.admin import WorkspaceDraftAdmin
from workspaces.audit import WORKSPACE_TRAIL_LIMIT, audit_record, user_trail, workspace_trail
from workspaces.clients import harness_client_for
from workspaces.models import AuditEntry, AuditTrailIsAppendOnly, WorkspaceDraft
from workspaces.wizard import submit

pytestmark = pytest.mark.django_db
CREATE = "iacm.workspaces.create"


def entry_for(user, **overrides) -> AuditEntry:
    values = {
        "actor": user,
        "action": AuditEntry.Action.DELETE,
        "org": "default",
        "project": "sandbox",
        "identifier": "redis_prod_0004",
        "status": 204,
        "answer": {"outcome": "deleted", "message": ""},
        **overrides,
    }
    return audit_record(**values)


# --- what a create submit records ------------------------------------------------------------


def test_a_created_workspace_is_recorded_with_the_body_sent(user_with_key, fake):
    draft = make_draft(user_with_key)

    submit.draft_submit(draft=draft, client=harness_client_for(user_with_key))

    (post,) = fake.log(route=CREATE)
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_username, entry.action) == (user_with_key, "alice", "create")
    assert (entry.account, entry.org, entry.project) == ("AcmeDemoAcct01", "default", "infra")
    assert (entry.identifier, entry.draft) == ("pay_vpc_dev", draft)
    assert entry.body == post["body"]
    assert (entry.harness_status, entry.outcome) == (200, "created")


def test_a_refused_create_is_recorded_with_harnesss_status_and_words(user_with_key, fake):
    taken = existing_identifier(harness_client_for(user_with_key))
    draft = make_draft(user_with_key, basics__identifier=taken)
    fake.inject(CREATE, status=409)

    submit.draft_submit(draft=draft, client=harness_client_for(user_with_key))

    entry = AuditEntry.objects.get()
    assert (entry.harness_status, entry.outcome) == (409, "conflict")
    assert entry.message.startswith(f"A workspace with the identifier {taken} already exists")
    assert "Harness said:" in entry.message


def test_a_create_that_harness_never_answered_is_recorded_without_a_status(
    user_with_key, fake, settings
):
    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = make_draft(user_with_key)
    fake.inject(CREATE, status=503)

    submit.draft_submit(draft=draft, client=harness_client_for(user_with_key))

    entry = AuditEntry.objects.get()
    assert (entry.harness_status, entry.outcome) == (503, "unavailable")


def test_a_401_on_the_look_before_posting_again_records_no_create(user_with_key, fake):
    from workspaces.harness import errors

    """The send of an approved create whose last POST got no clear answer looks first: a 401 on
    that look sends nothing."""
    draft = make_draft(user_with_key)
    body = {"identifier": "pay_vpc_dev", "name": "pay-vpc-dev"}
    unanswered = {"outcome": "unknown", "message": "Harness did not answer in time."}
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status="submitting", submitted_body=body, harness_response=unanswered
    )
    draft.refresh_from_db()
    fake.inject("iacm.workspaces.get", status=401)

    with pytest.raises(errors.HarnessUnauthorized):
        submit.draft_send(draft=draft, client=harness_client_for(user_with_key), body=body)

    assert fake.log(route=CREATE) == []
    assert not AuditEntry.objects.exists()


def test_a_draft_that_was_not_sent_records_nothing(user_with_key, fake):
    draft = make_draft(user_with_key, basics__identifier="9nope")

    submit.draft_submit(draft=draft, client=harness_client_for(user_with_key))

    assert not AuditEntry.objects.exists()


def test_the_trail_never_holds_a_key(user_with_key, fake):
    submit.draft_submit(draft=make_draft(user_with_key), client=harness_client_for(user_with_key))

    stored = repr(list(AuditEntry.objects.values()))

    assert FULL_KEY not in stored
    assert "pat." not in stored
    assert "account.tf_token" in stored  # the secret variable, as its reference


def _refused_create(user, fake, body) -> str:
    """What the trail and the draft keep of a create Harness refused with `body` (400)."""
    fake.inject(CREATE, status=400, body=json.dumps(body))
    draft = make_draft(user)

    submit.draft_submit(draft=draft, client=harness_client_for(user))

    draft.refresh_from_db()
    return repr(list(AuditEntry.objects.values())) + repr(draft.harness_response)


def test_a_policy_denial_that_echoes_the_key_keeps_no_key(user_with_key, fake):
    stored = _refused_create(user_with_key, fake, {
        "name": "PolicyViolationError", "id": "r1", "message": "denied",
        "temporary": False, "timeout": False, "fault": False,
        "policy_evaluation": {"status": "error", "details": [],
                              "deny_messages": [f"request made with {FULL_KEY}"]},
    })  # fmt: skip

    assert "request made with" in stored  # the denial is kept...
    assert FULL_KEY.rsplit(".", 1)[1] not in stored  # ...without the key


def test_a_refusal_that_echoes_the_key_without_its_prefix_keeps_no_key(user_with_key, fake):
    token = FULL_KEY.split(".", 2)[2]

    stored = _refused_create(user_with_key, fake, {
        "name": "bad_request", "id": "r1", "message": f"token {token} may not create",
        "temporary": False, "timeout": False, "fault": False,
    })  # fmt: skip

    assert "may not create" in stored
    assert FULL_KEY.rsplit(".", 1)[1] not in stored


def test_the_trail_redacts_a_key_in_the_words_it_is_given(user):
    entry = entry_for(user, answer={"outcome": "denied", "deny_messages": [f"by {FULL_KEY}"]})

    assert entry.message == "Denied: by [redacted]"


def test_the_trail_redacts_a_key_in_the_body_and_the_approval_chain(user):
    """A second line of defence for an append-only trail: the wizard refuses a key typed into a
    value, but one that got in anyway could never be taken back out."""
    body = {
        "identifier": "pay_vpc_dev",
        "terraform_variables": {
            "token": {"key": "token", "value": f"use {FULL_KEY}", "value_type": "string"},
            "region": {"key": "region", "value": "eu-west-1", "value_type": "string"},
        },
        "environment_variables": {"T": {"key": "T", "value": "account.tf_token"}},
        "tags": {"team": "payments"},
        "provider_connectors": [{"connector_ref": "account.aws_prod", "type": "aws"}],
    }
    step = {"by": "bob", "at": "2026-12-06T19:00:00+00:00", "decision": "approved"}

    entry_for(
        user,
        action=AuditEntry.Action.CREATE,
        body=body,
        approval=[step | {"reason": f"ok, I used {FULL_KEY}"}],
    )

    assert FULL_KEY.rsplit(".", 1)[1] not in repr(list(AuditEntry.objects.values()))
    entry = AuditEntry.objects.get()
    assert entry.body["terraform_variables"]["token"]["value"] == "use [redacted]"
    assert entry.body | {"terraform_variables": body["terraform_variables"]} == body
    assert entry.body["terraform_variables"]["region"] == body["terraform_variables"]["region"]
    assert entry.approval == [step | {"reason": "ok, I used [redacted]"}]


# --- append-only -----------------------------------------------------------------------------


def test_an_entry_cannot_be_changed_or_deleted(user):
    entry = entry_for(user)

    entry.outcome = "created"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(outcome="created")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.bulk_update([entry], ["outcome"])

    assert AuditEntry.objects.get().outcome == "deleted"


def test_the_entry_outlives_its_user_and_its_request(user_with_key, fake):
    draft = make_draft(user_with_key)
    submit.draft_submit(draft=draft, client=harness_client_for(user_with_key))

    draft.delete()
    user_with_key.delete()

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.draft, entry.actor_username) == (None, None, "alice")
    assert entry.identifier == "pay_vpc_dev"


def test_an_approval_chain_of_one_is_kept_as_a_list(user):
    step = {"by": "bob", "at": "2026-12-06T19:00:00+00:00", "decision": "approve", "reason": "ok"}

    entry = entry_for(user, action=AuditEntry.Action.APPROVE, approval=step)

    assert AuditEntry.objects.get(pk=entry.pk).approval == [step]


# --- who sees what ---------------------------------------------------------------------------


def test_the_workspace_page_shows_its_trail(signed_in_with_key, user_with_key, other_user, fake):
    entry_for(user_with_key, identifier="ecs_qa_0010", answer={"outcome": "conflict"}, status=409)
    entry_for(user_with_key, identifier="redis_prod_0004")  # another workspace
    url = reverse("workspace_detail", args=["default", "sandbox", "ecs_qa_0010"])

    page = signed_in_with_key.get(url)

    assert [e.identifier for e in page.context["trail"]] == ["ecs_qa_0010"]
    assertContains(page, "Changes made through the portal")
    assertContains(page, '<td data-label="Who">alice</td>', html=True)
    assertContains(page, "HTTP 409")


def test_a_workspace_without_a_trail_says_so(signed_in_with_key, fake):
    page = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "sandbox", "ecs_qa_0010"])
    )

    assertContains(page, "No change to this workspace has been made through the portal.")


def test_a_long_trail_shows_the_latest_and_says_so(signed_in_with_key, user_with_key, fake):
    for _ in range(WORKSPACE_TRAIL_LIMIT + 1):
        entry_for(user_with_key, identifier="ecs_qa_0010")
    url = reverse("workspace_detail", args=["default", "sandbox", "ecs_qa_0010"])

    page = signed_in_with_key.get(url)

    assert len(page.context["trail"]) == WORKSPACE_TRAIL_LIMIT
    assertContains(page, f"The latest {WORKSPACE_TRAIL_LIMIT} changes")


def test_a_whole_trail_of_exactly_the_limit_does_not_say_there_are_more(
    signed_in_with_key, user_with_key, fake
):
    for _ in range(WORKSPACE_TRAIL_LIMIT):
        entry_for(user_with_key, identifier="ecs_qa_0010")

    page = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "sandbox", "ecs_qa_0010"])
    )

    assert len(page.context["trail"]) == WORKSPACE_TRAIL_LIMIT
    assertNotContains(page, "operators see every one")


def test_the_trail_of_a_workspace_is_per_account(user):
    entry_for(user, account="OtherAcct02")

    found = workspace_trail(
        account="AcmeDemoAcct01", org="default", project="sandbox", identifier="redis_prod_0004"
    )

    assert found == []


def test_an_entry_about_a_request_is_in_the_requests_account(user_with_key):
    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(account_id="OtherAcct02")
    draft.refresh_from_db()
    older = make_draft(user_with_key)  # started before requests kept their account

    entry = entry_for(user_with_key, draft=draft)

    assert entry.account == "OtherAcct02"
    assert entry_for(user_with_key, draft=older).account == "AcmeDemoAcct01"  # the actor's key


def test_my_requests_shows_my_entries_and_those_about_my_requests(
    signed_in_with_key, user_with_key, other_user, fake
):
    mine = entry_for(user_with_key, identifier="mine_0001")
    draft = make_draft(user_with_key)
    about_mine = entry_for(
        other_user, action=AuditEntry.Action.APPROVE, draft=draft, identifier="approved_0002"
    )
    entry_for(other_user, identifier="not_mine_0003")

    page = signed_in_with_key.get(reverse("draft_list"))

    assert set(user_trail(user=user_with_key)) == {mine, about_mine}
    assertContains(page, "What you sent to Harness")
    assertContains(page, "<code>mine_0001</code>", html=True)
    assertContains(page, "<code>approved_0002</code>", html=True)
    assertNotContains(page, "not_mine_0003")


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def operator(client, django_user_model):
    user = django_user_model.objects.create_user(username="ops", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    client.force_login(user)
    return client


def test_operators_browse_filter_and_search_read_only(operator, user):
    entry_for(user, identifier="redis_prod_0004")
    entry_for(user, identifier="ecs_qa_0010", action=AuditEntry.Action.CREATE)
    changelist = reverse("admin:workspaces_auditentry_changelist")

    filtered = operator.get(changelist, {"action__exact": "create"})
    searched = operator.get(changelist, {"q": "redis"})
    added = operator.get(reverse("admin:workspaces_auditentry_add"))
    one = operator.get(
        reverse("admin:workspaces_auditentry_change", args=[AuditEntry.objects.first().pk])
    )

    assert list(filtered.context["cl"].result_list.values_list("identifier", flat=True)) == [
        "ecs_qa_0010"
    ]
    assert [e.identifier for e in searched.context["cl"].result_list] == ["redis_prod_0004"]
    assert added.status_code == 403
    assert one.status_code == 200
    assertNotContains(one, 'name="_save"')
    assertNotContains(filtered, "Delete selected")


def test_the_csv_export_has_every_selected_entry(operator, user):
    body = {"identifier": "pay_vpc_dev", "environment_variables": {"T": {"value": "account.x"}}}
    first = entry_for(user, action=AuditEntry.Action.CREATE, body=body, status=200)
    second = entry_for(user, answer={"outcome": "conflict", "message": "=HYPERLINK(evil)"})
    entry_for(user, identifier="not_selected")

    response = operator.post(
        reverse("admin:workspaces_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": [first.pk, second.pk]},
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["id"] for row in rows] == [str(first.pk), str(second.pk)]
    assert rows[0]["actor_username"] == "alice"
    assert rows[0]["action"] == "create"
    assert rows[0]["harness_status"] == "200"
    assert rows[0]["body"] == (
        '{"environment_variables": {"T": {"value": "account.x"}}, "identifier": "pay_vpc_dev"}'
    )
    assert rows[1]["message"] == "'=HYPERLINK(evil)"  # a formula stays text in a spreadsheet


def test_people_without_the_view_permission_cannot_export(client, django_user_model, user):
    entry = entry_for(user)
    staff = django_user_model.objects.create_user(username="staff", password="x", is_staff=True)
    client.force_login(staff)

    response = client.post(
        reverse("admin:workspaces_auditentry_changelist"),
        {"action": "export_csv", "_selected_action": [entry.pk]},
    )

    assert response.status_code == 403


# --- the requests' admin ---------------------------------------------------------------------


def test_the_draft_admin_shows_a_request_read_only(admin_client, user):
    draft = make_draft(user)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(account_id="AcmeDemoAcct01")

    page = admin_client.get(reverse("admin:workspaces_workspacedraft_change", args=[draft.pk]))

    assert page.status_code == 200
    assertContains(page, "AcmeDemoAcct01")
    assertContains(page, "pay_vpc_dev")
    assertNotContains(page, 'name="_save"')
    assertNotContains(page, 'name="account_id"')


def test_the_draft_admin_cannot_change_a_requests_account(admin_client, user):
    draft = make_draft(user)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(account_id="AcmeDemoAcct01")

    admin_client.post(
        reverse("admin:workspaces_workspacedraft_change", args=[draft.pk]),
        {"account_id": "SomeOtherAcct"},
    )

    draft.refresh_from_db()
    assert draft.account_id == "AcmeDemoAcct01"


def test_the_draft_admin_cannot_delete_a_request_being_sent(admin_client, user):
    """Its write may land meanwhile: its audit entry points at the request."""
    sending, idle = make_draft(user), make_draft(user)
    WorkspaceDraft.objects.filter(pk=sending.pk).update(status="submitting")
    changelist = reverse("admin:workspaces_workspacedraft_changelist")

    one = admin_client.post(
        reverse("admin:workspaces_workspacedraft_delete", args=[sending.pk]), {"post": "yes"}
    )
    selected = admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [sending.pk, idle.pk], "post": "yes"},
    )
    its_user = admin_client.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"})
    the_other = admin_client.post(
        reverse("admin:workspaces_workspacedraft_delete", args=[idle.pk]), {"post": "yes"}
    )

    assert one.status_code == selected.status_code == its_user.status_code == 403
    assert the_other.status_code == 302
    assert list(WorkspaceDraft.objects.values_list("pk", flat=True)) == [sending.pk]


@pytest.mark.django_db(transaction=True)  # row locks: rerun on PostgreSQL (tests/conftest.py)
@pytest.mark.parametrize("how", ["its page", "delete selected"])
def test_the_draft_admin_never_deletes_a_request_claimed_while_it_deletes_it(
    admin_client, user, monkeypatch, how
):
    from django.db.models.deletion import Collector

    draft = make_draft(user)

    def its_author_submits():  # `submit.draft_submit`'s claim, after the admin's check
        return WorkspaceDraft.objects.filter(pk=draft.pk, status="draft").update(
            status="submitting"
        )

    claim = meanwhile(monkeypatch, Collector, "delete", its_author_submits)
    if how == "its page":
        url, data = reverse("admin:workspaces_workspacedraft_delete", args=[draft.pk]), {}
    else:
        url = reverse("admin:workspaces_workspacedraft_changelist")
        data = {"action": "delete_selected", "_selected_action": [draft.pk]}

    admin_client.post(url, {**data, "post": "yes"})
    claim["thread"].join(timeout=30)

    # The delete holds the row: the claim waits, then finds no request to send.
    assert claim == {"thread": claim["thread"], "result": 0}
    assert not WorkspaceDraft.objects.exists()


def test_the_draft_admin_keeps_a_request_claimed_after_its_check_and_says_so(
    admin_client, user, monkeypatch
):
    draft = make_draft(user)
    listed = WorkspaceDraftAdmin.get_deleted_objects

    def claimed_after_the_check(self, objs, request):
        found = listed(self, objs, request)
        WorkspaceDraft.objects.filter(pk=draft.pk).update(status="submitting")
        return found

    monkeypatch.setattr(WorkspaceDraftAdmin, "get_deleted_objects", claimed_after_the_check)

    response = admin_client.post(
        reverse("admin:workspaces_workspacedraft_delete", args=[draft.pk]), {"post": "yes"}
    )

    # Refused (the admin's transaction, which here held the claim too, rolled back): kept.
    assert response.status_code == 403
    assert WorkspaceDraft.objects.filter(pk=draft.pk).exists()


def test_delete_selected_does_not_report_or_log_a_request_it_kept(admin_client, user, monkeypatch):
    """Django's "Delete selected" logged and reported every selected request as deleted, next
    to the warning that one was kept."""
    kept, gone = make_draft(user), make_draft(user)
    listed = WorkspaceDraftAdmin.get_deleted_objects

    def claimed_after_the_check(self, objs, request):
        found = listed(self, objs, request)
        WorkspaceDraft.objects.filter(pk=kept.pk).update(status="submitting")
        return found

    monkeypatch.setattr(WorkspaceDraftAdmin, "get_deleted_objects", claimed_after_the_check)

    response = admin_client.post(
        reverse("admin:workspaces_workspacedraft_changelist"),
        {"action": "delete_selected", "_selected_action": [kept.pk, gone.pk], "post": "yes"},
        follow=True,
    )

    said = [str(m) for m in response.context["messages"]]
    assert not any(s.startswith("Successfully deleted 2") for s in said), said
    assert "Successfully deleted 1 workspace draft." in said
    assert any(s.startswith("1 of the 2 requests started being sent") for s in said), said
    deletions = LogEntry.objects.filter(action_flag=DELETION)
    assert sorted(deletions.values_list("object_id", flat=True)) == [str(gone.pk)]
    assert list(WorkspaceDraft.objects.values_list("pk", flat=True)) == [kept.pk]


def _recorded_for_a_request_deleted_meanwhile(user) -> AuditEntry | None:
    """The worker's entry of a write that landed, its request deleted while it was sent."""
    draft = make_draft(user)
    WorkspaceDraft.objects.filter(pk=draft.pk).delete()

    return entry_for(user, draft=draft)


@pytest.mark.django_db(transaction=True)
def test_a_write_is_recorded_though_its_request_was_deleted_meanwhile(user):
    entry = _recorded_for_a_request_deleted_meanwhile(user)

    assert entry is not None
    stored = AuditEntry.objects.get()
    assert (stored.draft_id, stored.identifier, stored.outcome) == (
        None,
        "redis_prod_0004",
        "deleted",
    )


@pytest.mark.django_db(transaction=True)
def test_a_request_deleted_just_after_the_look_is_left_out_on_a_second_insert(
    user, monkeypatch, caplog
):
    from workspaces import audit

    monkeypatch.setattr(audit, "_request_locked", lambda draft_id: True)  # deleted just after

    entry = _recorded_for_a_request_deleted_meanwhile(user)

    assert entry is not None
    assert list(AuditEntry.objects.values_list("draft_id", "outcome")) == [(None, "deleted")]
    assert "deleted meanwhile" in caplog.text


@pytest.mark.postgres  # deferred foreign keys, savepoints, row locks
def test_recording_for_a_request_deleted_meanwhile_keeps_the_transaction_around_it(user):
    from django.db import connection, transaction

    with transaction.atomic():
        entry = _recorded_for_a_request_deleted_meanwhile(user)
        connection.check_constraints()  # what the surrounding transaction's commit checks

    assert entry is not None
    assert AuditEntry.objects.get().draft_id is None


@pytest.mark.django_db(transaction=True)
def test_an_approvers_write_is_recorded_though_its_requester_was_deleted_meanwhile(
    user, other_user
):
    """The request's author (its requester) deleted while an approver's write was sent (their
    requests go with them): the entry is stored without either."""
    draft = make_draft(user)
    user.delete()

    entry = entry_for(other_user, draft=draft)

    assert entry is not None
    stored = AuditEntry.objects.get()
    assert (stored.draft_id, stored.requester_id, stored.actor) == (None, None, other_user)


def test_an_approvers_write_names_the_requests_author_as_its_requester(user, other_user):
    entry = entry_for(other_user, draft=make_draft(user))

    assert (entry.actor, entry.requester) == (other_user, user)


def test_entries_recorded_before_requesters_are_given_theirs_by_the_migration(user, other_user):
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("workspaces.migrations.0015_audit_entry_requester")
    state = MigrationExecutor(connection).loader.project_state(
        ("workspaces", "0015_audit_entry_requester")
    )
    approved = entry_for(other_user, draft=make_draft(user))  # an approver's write
    own = entry_for(user, draft=make_draft(user))
    orphan = entry_for(user, draft=make_draft(user))
    WorkspaceDraft.objects.filter(pk=orphan.draft_id).delete()  # its author deleted it
    # As recorded before requesters (the historical model has no append-only manager).
    state.apps.get_model("workspaces", "AuditEntry").objects.update(requester=None)

    migration.fill_requesters(state.apps, None)

    requesters = dict(AuditEntry.objects.values_list("pk", "requester_id"))
    assert requesters == {approved.pk: user.pk, own.pk: user.pk, orphan.pk: None}


def test_operators_can_tell_and_find_the_account_of_an_entry(admin_client, user):
    entry_for(user, account="AcmeDemoAcct01")
    entry_for(user, account="OtherAcct02")
    changelist = reverse("admin:workspaces_auditentry_changelist")

    listed = admin_client.get(changelist)
    searched = admin_client.get(changelist, {"q": "OtherAcct02"})

    found = [e.account for e in searched.context["cl"].result_list]
    assert found == ["OtherAcct02"], found
    assertContains(listed, "OtherAcct02")


def test_operators_can_tell_and_find_the_account_of_a_request(admin_client, user):
    make_draft(user)
    theirs = make_draft(user)
    WorkspaceDraft.objects.filter(pk=theirs.pk).update(account_id="OtherAcct02")
    changelist = reverse("admin:workspaces_workspacedraft_changelist")

    listed = admin_client.get(changelist)
    searched = admin_client.get(changelist, {"q": "OtherAcct02"})

    assert [d.pk for d in searched.context["cl"].result_list] == [theirs.pk]
    assertContains(listed, "OtherAcct02")


def test_the_audit_changelist_does_not_scan_the_whole_trail_for_its_filters(admin_client, user):
    """Each filter listing the values found (outcome, HTTP status, org) and the date hierarchy
    read the whole trail (SELECT DISTINCT) on every load of the list: over a second a page with
    200,000 entries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entry_for(user)
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(reverse("admin:workspaces_auditentry_changelist"))

    whole = [
        q["sql"][:90]
        for q in queries.captured_queries
        if "DISTINCT" in q["sql"] and '"workspaces_auditentry"' in q["sql"]
    ]
    assert whole == []
    assert page.status_code == 200


@pytest.mark.parametrize(
    "chosen,found",
    [
        ({"outcome": "landed"}, ["deleted"]),
        ({"outcome": "unclear"}, ["unknown"]),
        ({"outcome": "not_landed"}, ["conflict"]),
        ({"harness_status": "4xx"}, ["conflict"]),
        ({"harness_status": "none"}, ["unknown"]),
        ({"action": "approve"}, ["approved"]),
    ],
)
def test_the_audit_changelists_fixed_filters_select_their_entries(
    admin_client, user, chosen, found
):
    entry_for(user)  # deleted, 204
    entry_for(user, answer={"outcome": "conflict"}, status=409)
    entry_for(user, answer={"outcome": "unknown"}, status=None)
    entry_for(user, action="approve", answer={"outcome": "approved"}, status=None)

    page = admin_client.get(reverse("admin:workspaces_auditentry_changelist"), chosen)

    assert [e.outcome for e in page.context["cl"].result_list] == found


def test_a_users_trail_is_the_latest_of_theirs_and_of_their_requests_newest_first(user, other_user):
    """Read as two indexed queries, merged: the same entries as one query with an OR."""
    draft = make_draft(user)
    made = [
        entry_for(user, identifier="own_1", draft=draft),  # theirs, about their request: once
        entry_for(other_user, identifier="approved_1", draft=draft),
        entry_for(user, identifier="own_2"),
        entry_for(other_user, identifier="not_theirs"),
        entry_for(other_user, identifier="approved_2", draft=draft),
    ]
    newest_first = [e.pk for e in reversed(made) if e.identifier != "not_theirs"]

    assert [e.pk for e in user_trail(user=user, limit=10)] == newest_first
    assert [e.pk for e in user_trail(user=user, limit=3)] == newest_first[:3]
