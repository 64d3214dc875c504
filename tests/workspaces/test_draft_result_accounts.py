"""The result page of a request made under another Harness account than the key's: the same
org/project/identifier in this key's account are another workspace, so it links none of them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.workspaces.test_my_requests import another_accounts_request as theirs
from workspaces.models import WorkspaceDraft

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
KEY_SENTENCE = "Use a key for OtherAcct02 to open it"


def this_accounts_links() -> list[str]:
    """Every page of this account's workspace with those names, or of its project."""
    names = ["default", "sandbox", "redis_prod_0004"]
    return [
        reverse("workspace_detail", args=names),
        reverse("workspace_delete", args=names),
        reverse("workspace_change_start", args=names),
        reverse("workspace_list", args=names[:2]),
        reverse("draft_start", args=names[:2]),
    ]


def test_try_again_on_a_failed_deletion_of_another_account_opens_no_deletion_here(
    signed_in_with_key, user_with_key, fake
):
    draft = theirs(
        user_with_key,
        kind="delete",
        status="failed",
        harness_response={"outcome": "invalid", "message": "Harness refused it."},
    )

    page = signed_in_with_key.get(reverse("draft_result", args=[draft.pk])).content.decode()

    # That link opens a deletion confirmation of AcmeDemoAcct01's redis_prod_0004.
    assert (
        f'href="{reverse("workspace_delete", args=["default", "sandbox", "redis_prod_0004"])}"'
        not in page
    )
    assert "in account OtherAcct02" in page, "the result page never says which account"
    assert KEY_SENTENCE in page
    assert f'href="{reverse("harness_key")}"' in page


@pytest.mark.parametrize(
    "kind,status,response",
    [
        ("create", "created", {"outcome": "created"}),
        # Created by an earlier attempt: "Edit the workspace" posts to this account's.
        ("create", "created", {"outcome": "landed_earlier", "not_in_it": ["basics.description"]}),
        ("edit", "updated", {"outcome": "updated"}),
        ("delete", "deleted", {"outcome": "deleted"}),
    ],
)
def test_the_result_of_a_request_of_another_account_links_no_workspace_of_this_account(
    signed_in_with_key, user_with_key, fake, kind, status, response
):
    draft = theirs(user_with_key, kind=kind, status=status, harness_response=response)

    page = signed_in_with_key.get(reverse("draft_result", args=[draft.pk])).content.decode()

    for link in this_accounts_links():
        assert f'"{link}' not in page, link
    assert "in account OtherAcct02" in page
    assert KEY_SENTENCE in page


def test_the_polled_outcome_of_a_request_of_another_account_links_no_workspace_of_this_account(
    signed_in_with_key, user_with_key, fake
):
    draft = theirs(user_with_key, kind="create", status="created", harness_response={})

    polled = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]), headers=HTMX)

    outcome = polled.content.decode()
    assert outcome.lstrip().startswith('<div id="draft-outcome"'), "not the polled partial"
    for link in this_accounts_links():
        assert f'"{link}' not in outcome, link
    assert "in account OtherAcct02" in outcome
    assert KEY_SENTENCE in outcome


@pytest.mark.parametrize("account", ["AcmeDemoAcct01", ""])
def test_the_result_of_a_request_of_this_account_or_of_no_account_links_its_workspace(
    signed_in_with_key, user_with_key, fake, account
):
    draft = theirs(user_with_key, kind="delete", status="failed", harness_response={})
    WorkspaceDraft.objects.filter(pk=draft.pk).update(account_id=account)

    page = signed_in_with_key.get(reverse("draft_result", args=[draft.pk])).content.decode()

    assert reverse("workspace_delete", args=["default", "sandbox", "redis_prod_0004"]) in page
    assert "in account" not in page
    assert "Use a key for" not in page


@pytest.mark.parametrize("kind,step", [("create", "basics"), ("edit", "review")])
def test_the_steps_of_a_draft_of_another_account_link_no_workspace_of_this_account(
    signed_in_with_key, user_with_key, fake, kind, step
):
    # My requests' Continue opens them: their breadcrumb, title and header named this account's.
    draft = theirs(user_with_key, kind=kind, status="draft")

    page = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, step])).content.decode()

    for link in [*this_accounts_links(), reverse("project_list", args=["default"])]:
        assert f'"{link}' not in page, link
    assert "in account OtherAcct02" in page
    assert KEY_SENTENCE in page


def owner_reads_after_the_draft_lookup(queries) -> list[str]:
    """The SELECTs of a user or a key after the draft's own lookup (the session's come first)."""
    statements = [q["sql"] for q in queries.captured_queries]
    lookup = next(i for i, sql in enumerate(statements) if "workspaces_workspacedraft" in sql)
    return [
        sql
        for sql in statements[lookup + 1 :]
        if sql.startswith("SELECT") and ('"auth_user"' in sql or "harnesscredential" in sql)
    ]


@pytest.mark.parametrize(
    "step,posted",
    [("basics", {"name": ""}), ("provisioner", {"provisioner": "opentofu", "main": "nowhere"})],
)
def test_a_step_post_reads_the_owner_and_key_only_with_the_session(
    signed_in_with_key, user_with_key, fake, step, posted
):
    # The page still says which account the request is of, from the key the session loaded:
    # the saved draft (locked, re-read: `drafts.draft_save_step`) never loads them again.
    draft = theirs(user_with_key, kind="create", status="draft")
    url = reverse("draft_step", args=[draft.pk, step])

    with CaptureQueriesContext(connection) as queries:
        page = signed_in_with_key.post(url, {**posted, "action": "next"}).content.decode()

    assert "in account OtherAcct02" in page
    assert owner_reads_after_the_draft_lookup(queries) == []


def test_storing_the_versions_shown_reads_the_owner_and_key_only_with_the_session(
    signed_in_with_key, user_with_key, fake
):
    # A request of the key's account: one of another account loads no versions with this key
    # (`elsewhere`), so stores none. The page still works out, from the session's key, that it
    # is of this account (`pages.common_context`), after the save re-read the draft.
    draft = theirs(user_with_key, kind="create", status="draft")
    data = {**draft.data, "provisioner": {**draft.data["provisioner"], "version": ""}}
    WorkspaceDraft.objects.filter(pk=draft.pk).update(data=data, account_id="AcmeDemoAcct01")

    with CaptureQueriesContext(connection) as queries:
        page = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "provisioner"]))

    draft.refresh_from_db()
    assert draft.data["provisioner"]["version"], "no version stored (`draft_default_versions`)"
    assert "in account" not in page.content.decode()
    assert 'id="step-form"' in page.content.decode()
    assert owner_reads_after_the_draft_lookup(queries) == []
