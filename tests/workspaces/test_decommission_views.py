"""Deleting a workspace: the views (workspace page, deletion page, confirmation), Clone and the
copy buttons, against the fake Harness over real HTTP."""

import dataclasses
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.approvals.support import APPROVER_KEY
from tests.concurrency import meanwhile
from tests.conftest import ACCOUNT, FULL_KEY, READ_KEY
from tests.workspaces.test_decommission import (
    ACTIVE,
    DELETE,
    INACTIVE,
    LINKED_INACTIVE,
    LINKED_PROJECT,
    ORG,
    PROJECT,
    Status,
    approve,
    changed_in_harness,
    delete_url,
    gone,
    opened,
    workspace,
)
from workspaces.approvals import services as approval_services
from workspaces.approvals.models import ApprovalRule
from workspaces.clients import harness_client_for
from workspaces.decommission import services
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.services import credential_save
from workspaces.wizard import drafts

pytestmark = pytest.mark.django_db


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
    page = signed_in_with_key.get(delete_url(LINKED_INACTIVE, LINKED_PROJECT))

    assertContains(page, "What goes with it")
    assertContains(page, "<code>k8s_namespace</code> (version v1)")
    assertContains(page, '<li class="tag"><span>env</span>: staging</li>', html=True)
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


def test_a_wrong_identifier_after_the_key_was_removed_is_no_server_error(
    signed_in_with_key, user_with_key, fake
):
    from workspaces.services import credential_delete

    draft = opened(signed_in_with_key, INACTIVE)
    credential_delete(user=user_with_key)
    signed_in_with_key.raise_request_exception = False

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": "not-it"}
    )

    assert response.status_code != 500
    assertRedirects(response, reverse("harness_key"), fetch_redirect_response=False)
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


def test_a_workspace_changed_in_harness_since_the_page_opened_is_not_deleted(
    signed_in_with_key, user_with_key, fake
):
    draft = opened(signed_in_with_key, INACTIVE)
    changed_in_harness(user_with_key, INACTIVE, description="Now with a note")

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}, follow=True
    )
    again = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}
    )

    assertRedirects(response, delete_url(INACTIVE))
    assertContains(response, "was changed in Harness since")
    assertContains(response, "Nothing was deleted")
    assertContains(response, "confirm_identifier")  # reviewed as it is now, it can be confirmed
    assert len(fake.log(route=DELETE)) == 1  # the second confirmation only
    assert gone(user_with_key, INACTIVE)
    assertRedirects(
        again, reverse("workspace_list", args=[ORG, PROJECT]), fetch_redirect_response=False
    )


def test_a_workspace_deleted_since_the_page_opened_is_said_gone_and_nothing_recorded(
    signed_in_with_key, user_with_key, fake
):
    draft = opened(signed_in_with_key, INACTIVE)
    harness_client_for(user_with_key).delete_workspace(
        org=ORG, project=PROJECT, identifier=INACTIVE
    )

    response = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}, follow=True
    )
    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))

    gone_now = f"Harness has no workspace {INACTIVE} any more"
    assertContains(response, gone_now, status_code=404)  # the deletion page: no such workspace
    assertContains(result, "Not deleted.")
    assertContains(result, gone_now)
    assert not AuditEntry.objects.exists()  # no DELETE was sent


def test_a_deletion_of_a_workspace_gone_meanwhile_offers_no_try_again_into_a_404(
    signed_in_with_key, user_with_key, fake
):
    """Trying again can only find it gone again: its pages offer "Delete this request" and the
    project's list instead."""
    draft = opened(signed_in_with_key, INACTIVE)
    harness_client_for(user_with_key).delete_workspace(
        org=ORG, project=PROJECT, identifier=INACTIVE
    )
    signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}
    )

    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))
    requests = signed_in_with_key.get(reverse("draft_list"))

    assertContains(result, f"Harness has no workspace {INACTIVE} any more")
    assert signed_in_with_key.get(delete_url(INACTIVE)).status_code == 404
    list_url = reverse("workspace_list", args=[ORG, PROJECT])
    for page in (result, requests):
        assertNotContains(page, f'href="{delete_url(INACTIVE)}"')
        assertContains(page, f'href="{list_url}">Workspaces in {PROJECT}</a>')
    forget = reverse("draft_delete", args=[draft.pk])
    assertContains(result, f'<form method="post" action="{forget}"')
    assertContains(result, "Delete this request")
    asked = signed_in_with_key.get(forget)  # My requests' Delete this request
    assertContains(asked, "No workspace in Harness is changed.")
    assertNotContains(asked, "stays as it is")  # it is gone
    # Its look found it gone: no DELETE was sent, so it is a request, not a deletion's record.
    assertContains(asked, "Delete the request to delete")
    assertNotContains(asked, "keeps what was sent to Harness")


def test_a_double_submit_sends_one_delete(signed_in_with_key, fake):
    draft = opened(signed_in_with_key, INACTIVE)
    url = reverse("deletion_confirm", args=[draft.pk])

    first = signed_in_with_key.post(url, {"confirm_identifier": INACTIVE})
    second = signed_in_with_key.post(url, {"confirm_identifier": INACTIVE})

    assert first.status_code == second.status_code == 302
    assert len(fake.log(route=DELETE)) == 1
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # the second click is another request, its own thread
def test_check_again_after_a_second_click_says_the_workspace_was_deleted(user, fake, monkeypatch):
    """Two clicks, no JavaScript: the browser shows the second answer ("being sent") while the
    first deletes the workspace; its Check again leads to the request's outcome, not to "no
    such workspace"."""
    credential_save(user=user, account_id=ACCOUNT, api_key=FULL_KEY)
    browser = Client()
    browser.force_login(user)
    draft = opened(browser, INACTIVE)
    url = reverse("deletion_confirm", args=[draft.pk])
    second_click = meanwhile(
        monkeypatch,
        services,
        "deletion_deliver",  # the first click has claimed the request, its DELETE not yet sent
        lambda: browser.post(url, {"confirm_identifier": INACTIVE}, follow=True),
        wait=30,  # the first click goes on once the second one's page is shown
    )

    browser.post(url, {"confirm_identifier": INACTIVE})
    second_click["thread"].join(timeout=30)
    shown = second_click["result"]
    check_again = re.search(r'href="([^"]+)">Check again<', shown.content.decode())[1]
    checked = browser.get(check_again, follow=True)

    assertContains(shown, "being sent to Harness")
    assert len(fake.log(route=DELETE)) == 1
    assert gone(user, INACTIVE)
    assertContains(checked, "<strong>Deleted.</strong>")


def test_my_requests_follows_a_deletion_being_sent_on_its_request_page(signed_in_with_key, fake):
    """Not on the deletion page: once the DELETE lands, that page finds no workspace."""
    draft = opened(signed_in_with_key, INACTIVE)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status=Status.SUBMITTING, submitted_at=timezone.now()
    )

    requests = signed_in_with_key.get(reverse("draft_list"))

    assertContains(requests, f'href="{reverse("draft_result", args=[draft.pk])}">See progress<')


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


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (500, "<strong>Outcome unclear.</strong> Harness answered with an error (HTTP 500)"),
        (409, f"<strong>Not deleted.</strong> Harness refused to delete {INACTIVE}:"),
    ],
)
def test_try_again_says_how_the_last_attempt_ended(signed_in_with_key, fake, status, said):
    """As the request's page says it; right after the attempt its message says it, once."""
    draft = opened(signed_in_with_key, INACTIVE)
    fake.inject(DELETE, status=status)

    answered = signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}, follow=True
    )
    requests = signed_in_with_key.get(reverse("draft_list"))
    again = signed_in_with_key.get(delete_url(INACTIVE))

    draft.refresh_from_db()
    message = draft.harness_response["message"]
    assertContains(answered, message, count=1)
    assertContains(requests, f'href="{delete_url(INACTIVE)}">Try again')
    assertContains(again, said)
    assertContains(again, message, count=1)
    assertContains(again, "Delete this workspace")
    if status == 500:
        assertContains(again, "but it may still be deleted.")


def test_a_read_only_key_is_told_and_delete_is_no_longer_offered(client, user, fake):
    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    client.force_login(user)
    draft = opened(client, INACTIVE)

    client.post(reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE})
    page = client.get(reverse("workspace_detail", args=[ORG, PROJECT, INACTIVE]))

    assertContains(page, "Your Harness key cannot delete workspaces in default / sandbox")
    assertNotContains(page, f'href="{delete_url(INACTIVE)}"')


def test_a_key_given_the_right_to_delete_can_delete_after_a_403_once_it_tries_again(
    client, user, fake
):
    """The 403 is remembered for the session; "Try again" (a POST: no JavaScript needed), on
    the deletion page and the workspace page, forgets it for this project."""
    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    client.force_login(user)
    draft = opened(client, INACTIVE)
    confirm = reverse("deletion_confirm", args=[draft.pk])
    client.post(confirm, {"confirm_identifier": INACTIVE})
    state = fake.server.app.state
    with state.lock:  # a Harness admin grants the key the right to delete
        state.keys[READ_KEY] = dataclasses.replace(state.keys[READ_KEY], access="full")
    try_again = reverse("deletion_try_again", args=[ORG, PROJECT, INACTIVE])

    blocked = client.get(delete_url(INACTIVE))
    workspace_page = client.get(reverse("workspace_detail", args=[ORG, PROJECT, INACTIVE]))
    page = client.post(try_again, follow=True)
    deleted = client.post(confirm, {"confirm_identifier": INACTIVE})

    for offered in (blocked, workspace_page):
        assertContains(offered, "Your Harness key cannot delete workspaces")
        assertContains(offered, f'<form method="post" action="{try_again}"')
    assertRedirects(page, delete_url(INACTIVE))
    assertNotContains(page, "Your Harness key cannot delete workspaces")
    assertContains(page, "Delete this workspace")
    assertRedirects(
        deleted, reverse("workspace_list", args=[ORG, PROJECT]), fetch_redirect_response=False
    )
    assert gone(user, INACTIVE)


def test_try_again_after_a_403_is_a_post(signed_in_with_key, fake):
    try_again = reverse("deletion_try_again", args=[ORG, PROJECT, INACTIVE])

    assert signed_in_with_key.get(try_again).status_code == 405


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


@pytest.mark.parametrize("page", ["draft_step", "draft_review", "draft_submit"])
def test_a_deletion_is_never_opened_as_a_wizard_draft(signed_in_with_key, fake, page):
    opened(signed_in_with_key, INACTIVE)
    deletion = WorkspaceDraft.objects.get(kind=WorkspaceDraft.Kind.DELETE)
    args = [deletion.pk, "basics"] if page == "draft_step" else [deletion.pk]

    response = (
        signed_in_with_key.post(reverse(page, args=args))
        if page == "draft_submit"
        else signed_in_with_key.get(reverse(page, args=args))
    )

    assert response.status_code == 404
    assert fake.log(route="iacm.workspaces.create") == []


@pytest.mark.django_db
def test_unconfirmed_deletions_do_not_count_against_the_open_requests_limit(
    signed_in_with_key, user_with_key, fake, settings
):
    settings.WIZARD_MAX_OPEN_DRAFTS = 1
    opened(signed_in_with_key, INACTIVE)

    drafts.drafts_check_limit(owner=user_with_key)  # does not raise: nothing is listed yet


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
    assertContains(page, 'aria-live="polite"', count=5)  # identifier, link, the 3 exports


def _deletion_whose_worker_died(owner, *, deleted: bool) -> WorkspaceDraft:
    """A deletion of INACTIVE left `submitting` a second ago; `deleted`: its DELETE landed."""
    draft = services.deletion_start(owner=owner, workspace=workspace(owner, INACTIVE))
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status=Status.SUBMITTING, submitted_at=timezone.now() - timedelta(seconds=1)
    )
    if deleted:
        harness_client_for(owner).delete_workspace(org=ORG, project=PROJECT, identifier=INACTIVE)
    return draft


@pytest.mark.parametrize(("still_there", "settled"), [(True, "failed"), (False, "deleted")])
def test_a_deletion_whose_worker_died_is_settled_when_its_page_is_opened(
    signed_in_with_key, user_with_key, fake, settings, still_there, settled
):
    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    draft = _deletion_whose_worker_died(user_with_key, deleted=not still_there)

    signed_in_with_key.get(delete_url(INACTIVE))

    draft.refresh_from_db()
    assert draft.status == settled
    assert AuditEntry.objects.get().outcome == ("unknown" if still_there else "deleted")


@pytest.mark.parametrize(("still_there", "settled"), [(True, "failed"), (False, "deleted")])
def test_a_deletion_whose_worker_died_is_settled_as_a_deletion_from_my_requests(
    signed_in_with_key, user_with_key, fake, settings, still_there, settled
):
    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    draft = _deletion_whose_worker_died(user_with_key, deleted=not still_there)

    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))

    draft.refresh_from_db()
    assert draft.status == settled
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.outcome) == ("delete", "unknown" if still_there else "deleted")
    assertContains(result, "Harness no longer has it." if not still_there else "did not finish")


def test_an_approved_deletion_whose_worker_died_is_recorded_as_the_approvers(
    signed_in_with_key, user_with_key, other_user, fake, settings, monkeypatch
):
    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    credential_save(user=other_user, account_id=ACCOUNT, api_key=APPROVER_KEY)
    rule = ApprovalRule.objects.create(name="Every deletion", for_delete=True)
    rule.approver_users.set([other_user])
    draft = services.deletion_start(
        owner=user_with_key, workspace=workspace(user_with_key, INACTIVE)
    )
    held = services.deletion_send(draft=draft, client=harness_client_for(user_with_key))

    def dies_after_the_delete(*, draft, client, **_):
        client.delete_workspace(org=draft.org, project=draft.project, identifier=draft.identifier)
        raise SystemExit("worker killed")

    monkeypatch.setitem(
        approval_services.SENDERS, WorkspaceDraft.Kind.DELETE, dies_after_the_delete
    )
    with pytest.raises(SystemExit):
        approve(held, other_user, reason="ok")
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        submitted_at=timezone.now() - timedelta(seconds=1)
    )

    signed_in_with_key.get(delete_url(INACTIVE))

    draft.refresh_from_db()
    assert draft.status == Status.DELETED
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE)
    assert entry.actor == other_user
    assert [(step["by"], step["decision"], step["reason"]) for step in entry.approval] == [
        (other_user.username, "approved", "ok")
    ]


def test_try_again_after_an_unclear_deletion_that_landed_settles_it(
    signed_in_with_key, user_with_key, fake
):
    """README: a retry after an unclear outcome says "Deleted on an earlier attempt" when the
    first one landed. My requests' retry ("Try again") opens the deletion page, which finds the
    workspace gone: it settles the request and shows its outcome, not a 404."""
    draft = opened(signed_in_with_key, INACTIVE)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status=Status.FAILED, harness_response={"outcome": "unknown", "message": "no answer"}
    )
    # what the timed-out DELETE did after all
    harness_client_for(user_with_key).delete_workspace(
        org=ORG, project=PROJECT, identifier=INACTIVE
    )
    assertContains(signed_in_with_key.get(reverse("draft_list")), f'href="{delete_url(INACTIVE)}"')

    retry = signed_in_with_key.get(delete_url(INACTIVE), follow=True)

    draft.refresh_from_db()
    assert draft.status == Status.DELETED
    assert draft.harness_response["message"] == "Deleted on an earlier attempt."
    assertRedirects(retry, reverse("draft_result", args=[draft.pk]))
    assertContains(retry, "Deleted on an earlier attempt.")
    assertNotContains(retry, "Not created")
    assert AuditEntry.objects.filter(draft=draft).count() == 1
    # Settled once: opening the page again is the plain "no such workspace".
    assert signed_in_with_key.get(delete_url(INACTIVE)).status_code == 404
    assert AuditEntry.objects.filter(draft=draft).count() == 1


def test_a_refused_deletion_of_a_workspace_now_gone_is_not_claimed_deleted(
    signed_in_with_key, user_with_key, fake
):
    draft = opened(signed_in_with_key, INACTIVE)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status=Status.FAILED, harness_response={"outcome": "conflict", "message": "locked"}
    )
    harness_client_for(user_with_key).delete_workspace(
        org=ORG, project=PROJECT, identifier=INACTIVE
    )

    assert signed_in_with_key.get(delete_url(INACTIVE)).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Status.FAILED


def test_my_requests_delete_this_request_works_for_a_deletion_request(
    signed_in_with_key, user_with_key, fake
):
    """My requests offers "Delete this request" on every row not being sent, deletions too:
    it deletes the request's record (the audit trail stays), not a 404."""
    draft = opened(signed_in_with_key, INACTIVE)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status=Status.FAILED, harness_response={"outcome": "conflict", "message": "locked"}
    )
    link = reverse("draft_delete", args=[draft.pk])
    assertContains(signed_in_with_key.get(reverse("draft_list")), f'href="{link}"')

    page = signed_in_with_key.get(link)
    done = signed_in_with_key.post(link, {"confirm": "1"}, follow=True)

    assertContains(page, "Delete the record of the deletion of")
    assertContains(page, f"<code>{INACTIVE}</code> stays as it is", html=False)
    assert not WorkspaceDraft.objects.filter(pk=draft.pk).exists()
    assertContains(done, "Deleted the record of the deletion of")
    assert workspace(user_with_key, INACTIVE) is not None  # nothing changed in Harness
