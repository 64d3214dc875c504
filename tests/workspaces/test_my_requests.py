"""My requests: requests of another Harness account, deleting a request whose outcome is
unclear, and the audit trail's limit."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.workspaces.test_audit import entry_for
from tests.workspaces.test_decommission import INACTIVE, approve, held_deletion
from tests.workspaces.test_drafts import make_draft
from workspaces.models import AuditEntry, WorkspaceDraft

pytestmark = pytest.mark.django_db


def another_accounts_request(owner, **fields) -> WorkspaceDraft:
    """A request of `owner`'s sent in the account OtherAcct02 (their key is for AcmeDemoAcct01):
    redis_prod_0004 in default / sandbox, with `fields`."""
    draft = make_draft(owner)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        account_id="OtherAcct02",
        org="default",
        project="sandbox",
        identifier="redis_prod_0004",
        name="theirs",
        submitted_at="2026-01-01T00:00:00Z",
        **fields,
    )
    return draft


def test_my_requests_does_not_send_a_request_of_another_account_to_this_accounts_workspace(
    signed_in_with_key, user_with_key, fake
):
    draft = another_accounts_request(user_with_key, kind="delete", status="failed")
    try_again = reverse("workspace_delete", args=["default", "sandbox", "redis_prod_0004"])

    listed = signed_in_with_key.get(reverse("draft_list")).content.decode()

    # That link leads to a new deletion of AcmeDemoAcct01's redis_prod_0004.
    assert f'href="{try_again}"' not in listed
    assert "in account OtherAcct02" in listed, "My requests never says which account"
    # The request itself stays listed, and can be deleted.
    assert f'href="{reverse("draft_delete", args=[draft.pk])}"' in listed


@pytest.mark.parametrize("kind,status", [("create", "created"), ("edit", "updated")])
def test_my_requests_does_not_open_this_accounts_workspace_for_a_request_of_another_account(
    signed_in_with_key, user_with_key, fake, kind, status
):
    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        kind=kind, status=status, account_id="OtherAcct02", project="sandbox"
    )
    detail = reverse("workspace_detail", args=["default", "sandbox", draft.identifier])

    listed = signed_in_with_key.get(reverse("draft_list")).content.decode()

    assert f'href="{detail}"' not in listed
    assert "in account OtherAcct02" in listed
    assert f'href="{reverse("draft_delete", args=[draft.pk])}"' in listed


@pytest.mark.parametrize(
    "kind,status,link",
    [
        ("create", "awaiting_approval", "draft_result"),
        ("delete", "rejected", "draft_result"),
        ("delete", "failed", "draft_result"),
        ("create", "submitting", "draft_result"),
        ("create", "draft", "draft_step"),
    ],
)
def test_my_requests_still_opens_a_request_of_another_account_by_its_own_pages(
    signed_in_with_key, user_with_key, fake, kind, status, link
):
    draft = another_accounts_request(user_with_key, kind=kind, status=status)
    draft.refresh_from_db()
    args = [draft.pk] if link == "draft_result" else [draft.pk, draft.current_step]

    listed = signed_in_with_key.get(reverse("draft_list")).content.decode()

    # Its own pages are by its id: they open it, not this account's workspace of those names.
    assert f'href="{reverse(link, args=args)}"' in listed


def test_my_requests_links_a_request_of_this_account_or_of_no_account_to_its_workspace(
    signed_in_with_key, user_with_key, fake
):
    ours = make_draft(user_with_key)
    older = make_draft(user_with_key, identifier="older_one")
    WorkspaceDraft.objects.filter(pk=ours.pk).update(status="created", account_id="AcmeDemoAcct01")
    WorkspaceDraft.objects.filter(pk=older.pk).update(status="created", account_id="")

    listed = signed_in_with_key.get(reverse("draft_list")).content.decode()

    for draft in (ours, older):
        detail = reverse("workspace_detail", args=["default", "infra", draft.identifier])
        assert f'href="{detail}"' in listed
    assert "in account" not in listed


@pytest.mark.parametrize("kind", ["create", "delete"])
def test_deleting_a_request_whose_outcome_is_unclear_does_not_say_harness_is_untouched(
    signed_in_with_key, user_with_key, kind
):
    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        kind=kind,
        status="failed",
        identifier="iam_prod_0001",
        org="default",
        project="sandbox",
        harness_response={"outcome": "unknown", "message": "Harness did not answer."},
    )

    listed = signed_in_with_key.get(reverse("draft_list")).content.decode()
    page = signed_in_with_key.get(reverse("draft_delete", args=[draft.pk])).content.decode()

    assert "Outcome unclear" in listed
    assert "stays as it is" not in page
    assert "No workspace in Harness is changed" not in page
    assert "unclear" in page.lower(), "the confirmation never says the write may have landed"
    assert reverse("workspace_list", args=["default", "sandbox"]) in page


def test_deleting_a_create_whose_earlier_post_may_still_land_says_so(
    signed_in_with_key, user_with_key
):
    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status="failed",
        harness_response={"outcome": "invalid", "message": "Harness refused it."},
        unsettled_bodies=[{"identifier": draft.identifier}],
    )

    page = signed_in_with_key.get(reverse("draft_delete", args=[draft.pk])).content.decode()

    assert "No workspace in Harness is changed" not in page
    assert "unclear" in page.lower()


def test_deleting_an_unclear_request_of_another_account_links_no_list_of_this_account(
    signed_in_with_key, user_with_key
):
    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        kind="delete",
        status="failed",
        account_id="OtherAcct02",
        harness_response={"outcome": "unavailable", "message": "Harness answered 503."},
    )

    page = signed_in_with_key.get(reverse("draft_delete", args=[draft.pk])).content.decode()

    assert "Outcome unclear" in page
    assert "in the account OtherAcct02" in page
    assert reverse("workspace_list", args=["default", "infra"]) not in page


@pytest.mark.parametrize("kind", ["create", "delete"])
def test_deleting_a_request_that_failed_clearly_still_says_harness_is_untouched(
    signed_in_with_key, user_with_key, kind
):
    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        kind=kind,
        status="failed",
        harness_response={"outcome": "invalid", "message": "Harness refused it."},
    )

    page = signed_in_with_key.get(reverse("draft_delete", args=[draft.pk])).content.decode()

    assert "No workspace in Harness is changed" in page
    assert "unclear" not in page.lower()


def test_my_requests_says_when_its_trail_shows_only_the_latest(signed_in_with_key, user_with_key):
    for i in range(51):
        entry_for(user_with_key, identifier=f"ws_{i:03}")

    page = signed_in_with_key.get(reverse("draft_list"))
    content = page.content.decode()

    assert len(page.context["trail"]) == 50
    assert "<code>ws_000</code>" not in content
    assert "The latest 50" in content
    assert "every write the portal sent for you" not in content


def test_my_requests_says_nothing_of_a_limit_when_its_trail_is_whole(
    signed_in_with_key, user_with_key
):
    for i in range(50):
        entry_for(user_with_key, identifier=f"ws_{i:03}")

    page = signed_in_with_key.get(reverse("draft_list"))
    content = page.content.decode()

    assert len(page.context["trail"]) == 50
    assert "<code>ws_000</code>" in content
    assert "The latest 50" not in content


def test_my_requests_keeps_the_trail_of_an_approved_deletion_once_its_record_is_deleted(
    user, other_user, fake
):
    """The approver sent the DELETE (their entry), the author then deleted the request's record:
    the entry lost its request, and My requests said nothing was ever sent for its author."""
    request = held_deletion(user, other_user)
    assert approve(request, other_user, reason="ok").status == "deleted"
    author = Client()
    author.force_login(user)
    before = author.get(reverse("draft_list"))
    assertContains(before, f"<code>{INACTIVE}</code>", html=True)
    page = author.get(reverse("draft_delete", args=[request.pk]))
    assertContains(page, "the audit trail keeps what was sent to Harness")

    author.post(reverse("draft_delete", args=[request.pk]), {"confirm": "1"})

    assert AuditEntry.objects.filter(action="delete").exists()
    after = author.get(reverse("draft_list"))
    assertContains(after, f"<code>{INACTIVE}</code>", html=True)


def test_deleting_a_deletion_still_waiting_for_approval_does_not_call_it_a_record(
    user, other_user, fake
):
    """It said "Delete the record of the deletion" and that the audit trail keeps what was sent,
    though nothing was, and never that deleting it cancels the deletion approvers still see."""
    request = held_deletion(user, other_user)
    assert request.status == "awaiting_approval"
    author = Client()
    author.force_login(user)

    page = author.get(reverse("draft_delete", args=[request.pk]))
    done = author.post(reverse("draft_delete", args=[request.pk]), {"confirm": "1"}, follow=True)

    assertNotContains(page, "record of the deletion")
    assertNotContains(page, "keeps what was sent to Harness")
    assertContains(page, "Nothing has been sent to Harness")
    assertContains(page, "approvers will no longer see it")
    assertNotContains(done, "Deleted the record of the deletion")
    assertContains(done, "approvers no longer see it")


def _links(html):
    """(the name a screen reader reads, the address) of each link in the table of requests."""
    table = html[html.index('id="my-requests"') : html.index("</table>")]
    found = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', table, re.S)
    return [
        (" ".join(unescape(re.sub(r"<[^>]+>", "", inner)).split()), href) for href, inner in found
    ]


def test_each_request_link_in_my_requests_names_its_request(signed_in_with_key, user_with_key):
    """Read out of the table (a screen reader's list of links), "Continue", "Open workspace" or
    "Delete this request (name)" led to several requests."""
    make_draft(user_with_key, basics__name="vpc-a", basics__identifier="vpc_a")
    make_draft(user_with_key, basics__name="vpc-b", basics__identifier="vpc_b")
    created, change = make_draft(user_with_key), make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=created.pk).update(status="created")
    WorkspaceDraft.objects.filter(pk=change.pk).update(kind="edit", status="updated")

    links = _links(signed_in_with_key.get(reverse("draft_list")).content.decode())

    targets = {}
    for name, href in links:
        targets.setdefault(name, set()).add(href)
    ambiguous = {name: hrefs for name, hrefs in targets.items() if len(hrefs) > 1}
    assert not ambiguous, sorted(ambiguous)
    assert (
        "Continue for the new workspace vpc-a (vpc_a)",
        reverse("draft_step", args=[WorkspaceDraft.objects.get(identifier="vpc_a").pk, "basics"]),
    ) in links, links


def test_deleting_a_deletion_waiting_again_after_an_unclear_attempt_says_approvers_lose_it(
    user, other_user, fake
):
    """Sent for approval again after a DELETE that got no answer, its record was deleted with
    "Deleted the record of the deletion", never saying it left the approvers' queue too."""
    request = held_deletion(user, other_user)
    WorkspaceDraft.objects.filter(pk=request.pk).update(
        harness_response={"outcome": "unknown", "message": "Harness did not answer."}
    )
    author = Client()
    author.force_login(user)

    page = author.get(reverse("draft_delete", args=[request.pk]))
    done = author.post(reverse("draft_delete", args=[request.pk]), {"confirm": "1"}, follow=True)

    assertContains(page, "record of the deletion")
    assertContains(page, "approvers will no longer see it")
    assertContains(done, "Deleted the record of the deletion of")
    assertContains(done, "approvers no longer see it")
    assert not WorkspaceDraft.objects.filter(pk=request.pk).exists()
