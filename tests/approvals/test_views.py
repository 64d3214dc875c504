"""Approval pages: the header count, the queue, the review with its decision form, the
author's own request (no buttons, a 403 page in words), and the requester's views."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.approvals.support import (
    APPROVER_IN_LOG,
    APPROVER_KEY,
    CREATE,
    pending_id,
    prod_draft,
    queue_ids,
)
from tests.conftest import ACCOUNT, FULL_KEY, OTHER_KEY
from tests.stacked import stacked_tables, unlabelled_cells
from workspaces.approvals import services
from workspaces.approvals.selectors import APPROVALS_PER_PAGE
from workspaces.clients import harness_client_for
from workspaces.harness import errors
from workspaces.models import Approval, AuditEntry, WorkspaceDraft
from workspaces.services import credential_save
from workspaces.wizard import submit


@pytest.fixture
def waiting(author, approver, rule, fake):
    draft = prod_draft(author)
    return submit.draft_submit(draft=draft, client=harness_client_for(author)).draft


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_submitting_a_held_request_shows_who_can_approve(author, approver, rule, fake):
    draft = prod_draft(author)
    client = client_for(author)

    response = client.post(f"/drafts/{draft.pk}/submit/", follow=True)

    assertRedirects(response, f"/drafts/{draft.pk}/result/")
    assertContains(response, "Awaiting approval.")
    assertContains(response, "members of <strong>infra-approvers</strong>")
    assertContains(response, "(not you: nobody approves their own request)")
    assertContains(response, "Withdraw to change it")
    assert fake.log(route=CREATE) == []


def test_a_request_whose_only_approver_is_its_author_is_said_to_have_nobody_to_approve_it(
    author, fake
):
    from tests.approvals.support import prod_rule

    prod_rule(users=[author])
    draft = prod_draft(author)
    review = client_for(author).get(f"/drafts/{draft.pk}/review/")
    held = submit.draft_submit(draft=draft, client=harness_client_for(author)).draft
    result = client_for(author).get(f"/drafts/{held.pk}/result/")
    as_approvers_see_it = client_for(author).get(f"/approvals/{held.pk}/")

    assert held.status == "awaiting_approval"
    assertNotContains(review, "Who can approve")
    assertContains(review, "no approver other than you, and nobody approves their own request")
    for page in (result, as_approvers_see_it):
        assertNotContains(page, "Who can approve")
        assertContains(page, "Nobody can approve it")


def test_the_review_says_before_submit_that_a_rule_will_hold_the_request(
    author, approver, rule, fake
):
    held = prod_draft(author)
    not_held = prod_draft(author, "dev_vpc", env="dev")
    client = client_for(author)

    review = client.get(f"/drafts/{held.pk}/review/")
    other = client.get(f"/drafts/{not_held.pk}/review/")

    # Before pressing the button, not only on the result page: the rule, and who approves.
    assertContains(review, "Production in infra")
    assertContains(review, "members of <strong>infra-approvers</strong>")
    assertContains(
        review, 'data-busy-label="Submitting for approval…">Submit for approval</button>'
    )
    assertNotContains(review, "Creating the workspace…")
    assertNotContains(review, "Create workspace")
    assertContains(other, 'data-busy-label="Creating the workspace…">Create workspace</button>')
    assertNotContains(other, "approval")
    assert fake.log(route=CREATE) == []


def test_a_change_a_rule_holds_says_so_on_its_review(author, approver, fake):
    from tests.approvals.support import GROUP, prod_rule
    from tests.workspaces.test_change import edit, seeded_workspace, start

    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    workspace = seeded_workspace(harness_client_for(author))
    draft = edit(start(author, workspace), repository={"branch": "develop"})

    review = client_for(author).get(f"/drafts/{draft.pk}/review/")

    assertContains(review, "Production in infra")
    assertContains(review, ">Submit for approval</button>")
    assertNotContains(review, "Send the change</button>")


def test_a_deletion_a_rule_holds_says_so_before_it_is_confirmed(author, approver, fake):
    from workspaces.approvals.models import ApprovalRule

    rule = ApprovalRule.objects.create(name="Every deletion", for_delete=True)
    rule.approver_users.set([approver])
    [inactive] = (
        harness_client_for(author)
        .list_workspaces(org="default", project="infra", statuses=["inactive"], limit=1)
        .items
    )

    page = client_for(author).get(
        f"/orgs/default/projects/infra/workspaces/{inactive.identifier}/delete/"
    )

    assertContains(page, "Every deletion")
    assertContains(page, "<strong>carol</strong>")
    assertContains(page, ">Submit the deletion for approval</button>")
    assertNotContains(page, "Deleting…")


def test_the_approvers_summary_words_values_as_the_review_and_workspace_page_do(
    author, approver, rule, fake
):
    draft = prod_draft(author)
    draft.data["variables"] = {"terraform": [], "environment": []}
    draft.save()
    held = submit.draft_submit(draft=draft, client=harness_client_for(author)).draft

    review = client_for(approver).get(f"/approvals/{held.pk}/")

    assertContains(review, "Approve and send")
    # Harness's enum ("opentofu") and a count of nothing ("0") are not what the other pages say.
    assertContains(review, "<dt>Provisioner</dt><dd>OpenTofu 1.10.6</dd>", html=True)
    assertContains(review, "<dt>Variables</dt><dd>None.</dd>", html=True)


def test_the_header_counts_what_awaits_me_and_only_approvers_see_it(
    waiting, author, approver, other_user
):
    approver_page = client_for(approver).get("/drafts/")
    author_page = client_for(author).get("/drafts/")
    stranger_page = client_for(other_user).get("/drafts/")

    assertContains(approver_page, 'id="approvals-link"')
    assertContains(
        approver_page, '<span class="count-badge">1<span class="visually-hidden"> waiting'
    )
    assertNotContains(author_page, 'id="approvals-link"')  # the rule does not name alice
    assertNotContains(stranger_page, 'id="approvals-link"')


def test_the_queue_lists_requests_awaiting_me_with_their_rule(waiting, approver, other_user):
    response = client_for(approver).get("/approvals/")
    empty = client_for(other_user).get("/approvals/")

    assertContains(response, f'href="/approvals/{waiting.pk}/"')
    assertContains(response, "New workspace: prod-vpc")
    assertContains(response, "Production in infra")
    assertContains(empty, "Nothing waits for your approval.")
    # On a phone its rows stack, each cell named: "Waiting since" and "Rule" were off the screen.
    queue = stacked_tables(response.content.decode())["approval-queue"]
    assert unlabelled_cells(queue) == []


def many_waiting(author, rule, count: int) -> list[WorkspaceDraft]:
    """`count` requests waiting for `rule`'s approvers, a minute apart, oldest first (made in
    bulk: one query per table, not a submit each)."""
    start = timezone.now() - timedelta(days=1)
    drafts = WorkspaceDraft.objects.bulk_create(
        WorkspaceDraft(
            owner=author,
            org="default",
            project="infra",
            identifier=f"queued_{i:03}",
            name=f"Queued {i:03}",
            status=WorkspaceDraft.Status.AWAITING_APPROVAL,
            submitted_at=start + timedelta(minutes=i),
        )
        for i in range(count)
    )
    approvals = Approval.objects.bulk_create(
        Approval(draft=draft, kind="create", account=ACCOUNT, rule_names=[rule.name])
        for draft in drafts
    )
    Approval.rules.through.objects.bulk_create(
        Approval.rules.through(approval_id=approval.pk, approvalrule_id=rule.pk)
        for approval in approvals
    )
    return drafts


def queue_rows(page) -> list[str]:
    """The request ids linked from the queue's rows, top to bottom."""
    return queue_ids(page.content.decode())


def test_every_waiting_request_is_reachable_through_the_pages_of_the_queue(author, approver, rule):
    drafts = many_waiting(author, rule, 205)
    client = client_for(approver)

    first = client.get("/approvals/")
    pages = [first] + [client.get(f"/approvals/?page={n}") for n in range(2, 6)]

    assertContains(first, '<span class="count-badge">205<span class="visually-hidden">')
    assertContains(first, "Page 1 of 5")
    assertContains(first, 'href="?page=2"')
    assert len(queue_rows(first)) == APPROVALS_PER_PAGE
    assert len(queue_rows(pages[-1])) == 205 - 4 * APPROVALS_PER_PAGE
    assertContains(pages[-1], "Page 5 of 5")
    # Oldest first, across the pages, and none left out.
    assert [row for page in pages for row in queue_rows(page)] == [str(d.pk) for d in drafts]


def test_an_approver_reviews_the_full_body_and_approves_with_their_key(waiting, approver, fake):
    client = client_for(approver)

    review = client.get(f"/approvals/{waiting.pk}/")
    approved = client.post(
        f"/approvals/{waiting.pk}/",
        {"approval": pending_id(waiting), "decision": "approve"},
        follow=True,
    )

    assertContains(review, "Approve and send")
    assertContains(review, "&quot;cost_estimation_enabled&quot;: true")
    assertContains(review, "account.tf_token")  # a secret variable: its reference only
    assertContains(approved, "Approved: Harness created it with your key.")
    assertContains(approved, "Approved by <strong>carol</strong>")
    assertNotContains(approved, "Approve and send")
    [post] = fake.log(route=CREATE)
    assert post["headers"]["x-api-key"] == APPROVER_IN_LOG


def approved_by(draft, approver, *, status: str) -> int:
    """`draft`'s pending approval as `approver`'s approve press leaves it once claimed (the
    request `status`: "submitting" while the press is on its way to Harness); its id."""
    approval_id, now = pending_id(draft), timezone.now()
    Approval.objects.filter(pk=approval_id).update(
        decision="approved", decided_by=approver, decided_at=now
    )
    WorkspaceDraft.objects.filter(pk=draft.pk).update(status=status, submitted_at=now)
    return approval_id


def test_approve_pressed_again_while_it_is_sent_says_it_is_being_sent(waiting, approver, fake):
    """A second press (a double click, another tab) finds the approver's first on its way to
    Harness: their own approval is said, not "Nothing was sent"."""
    approval_id = approved_by(waiting, approver, status="submitting")

    again = client_for(approver).post(
        f"/approvals/{waiting.pk}/", {"approval": approval_id, "decision": "approve"}, follow=True
    )

    assertContains(again, "You approved this request: it is being sent to Harness with your key")
    assertNotContains(again, "Nothing was sent")
    assertNotContains(again, "already decided")
    assert fake.log(route=CREATE) == []


def test_the_review_of_an_approval_being_sent_updates_itself(waiting, approver, fake):
    """While the approval is on its way to Harness the review polls itself (as the author's
    result page does), with a link to check again for a browser without scripts."""
    approved_by(waiting, approver, status="submitting")
    client = client_for(approver)
    url = f"/approvals/{waiting.pk}/"

    page = client.get(url)
    polled = client.get(url, headers={"HX-Request": "true"})
    WorkspaceDraft.objects.filter(pk=waiting.pk).update(
        status="created", harness_response={"outcome": "created"}
    )
    answered = client.get(url, headers={"HX-Request": "true"})
    settled = client.get(url)

    assertContains(page, f'hx-get="{url}" hx-trigger="every 1s"')
    assertContains(page, "Harness is creating <code>prod_vpc</code>… this page updates by itself.")
    assertContains(page, f'<a href="{url}">Check again</a>')
    assert polled.status_code == 204  # nothing swapped, nothing read out again
    assert answered.status_code == 200
    html = answered.content.decode()
    assert html.lstrip().startswith('<div id="approval-outcome">'), html[:200]
    assert "<html" not in html and "hx-get" not in html
    assertContains(answered, '<span class="badge badge--request-created">Created</span>')
    assertContains(answered, "Open the workspace")
    assertNotContains(settled, "hx-trigger")
    assertNotContains(settled, "Check again")


def test_the_review_of_an_approval_whose_send_died_settles_it(
    waiting, author, approver, fake, settings
):
    """The worker sending the approval died after the POST landed: past the stale time, the
    review's poll looks in Harness with the viewer's key, as the author's result page does."""
    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    approved_by(waiting, approver, status="submitting")
    waiting.refresh_from_db()
    harness_client_for(author).create_workspace(
        org="default", project="infra", body=waiting.submitted_body
    )

    answered = client_for(approver).get(f"/approvals/{waiting.pk}/", headers={"HX-Request": "true"})

    assertContains(answered, '<span class="badge badge--request-created">Created</span>')
    waiting.refresh_from_db()
    assert waiting.status == "created"


def test_approve_pressed_again_once_it_was_sent_says_what_came_of_it(
    waiting, approver, django_user_model, fake
):
    from django.contrib.auth.models import Group

    from tests.approvals.support import GROUP

    dave = django_user_model.objects.create_user(username="dave", password="s3cret-pass")
    dave.groups.add(Group.objects.get(name=GROUP))
    credential_save(user=dave, account_id=ACCOUNT, api_key=APPROVER_KEY)
    approval_id = pending_id(waiting)
    services.approval_approve(
        draft=waiting,
        approval_id=approval_id,
        approver=approver,
        client=harness_client_for(approver),
    )
    posted = {"approval": approval_id, "decision": "approve"}

    again = client_for(approver).post(f"/approvals/{waiting.pk}/", posted, follow=True)
    rejected_after = client_for(approver).post(
        f"/approvals/{waiting.pk}/", {**posted, "decision": "reject", "reason": "No."}, follow=True
    )
    someone_else = client_for(dave).post(f"/approvals/{waiting.pk}/", posted, follow=True)

    assertContains(again, "Approved: Harness created it with your key.")
    assertNotContains(again, "Nothing was sent")
    # Not their decision, or not this one: that press sent nothing.
    for page in (rejected_after, someone_else):
        assertContains(page, "This request was already decided; here is where it stands.")
    assert len(fake.log(route=CREATE)) == 1


def test_a_created_request_of_another_account_links_no_workspace_in_the_viewers_account(
    waiting, approver, django_user_model
):
    """Dave, in the approving group, holds a key for another account: the same names there
    are another workspace, so the review links none and says which key opens it."""
    from django.contrib.auth.models import Group

    from tests.approvals.support import GROUP

    dave = django_user_model.objects.create_user(username="dave", password="s3cret-pass")
    dave.groups.add(Group.objects.get(name=GROUP))
    credential_save(user=dave, account_id="OtherAcct02", api_key=OTHER_KEY)
    services.approval_approve(
        draft=waiting,
        approval_id=pending_id(waiting),
        approver=approver,
        client=harness_client_for(approver),
    )

    page = client_for(dave).get(f"/approvals/{waiting.pk}/")
    carols = client_for(approver).get(f"/approvals/{waiting.pk}/")

    assertNotContains(page, "/orgs/default/projects/infra/workspaces/prod_vpc/")
    assertNotContains(page, "Open the workspace")
    assertContains(page, f"Use a key for {ACCOUNT} to open it")
    assertContains(carols, 'href="/orgs/default/projects/infra/workspaces/prod_vpc/"')


def test_each_decision_button_says_it_is_working_once_pressed(waiting, approver):
    """portal.js shows the pressed button's busy label and lets no second press through."""
    review = client_for(approver).get(f"/approvals/{waiting.pk}/")

    assertContains(review, 'value="approve" class="button button--primary" data-busy-label="')
    assertContains(review, 'value="reject" class="button button--danger" data-busy-label="')


def resubmitted_changed(draft, author):
    """The author withdraws `draft`, changes it (still env=prod, same rule) and submits again."""
    services.approval_withdraw(draft=draft, owner=author)
    draft.refresh_from_db()
    draft.data["basics"]["description"] = "Changed after the approver reviewed it"
    draft.data["repository"]["path"] = "elsewhere"
    draft.save()
    return submit.draft_submit(draft=draft, client=harness_client_for(author)).draft


def decision_fields(page) -> dict[str, str]:
    """The hidden fields of the review's decision form, as the approver's browser posts them."""
    form = re.search(r'<form[^>]*id="decision-form".*?</form>', page.content.decode(), re.S)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[0]))


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decision_applies_only_to_the_version_the_approver_reviewed(
    waiting, author, approver, fake, decision
):
    client = client_for(approver)
    fields = decision_fields(client.get(f"/approvals/{waiting.pk}/"))
    again = resubmitted_changed(waiting, author)

    response = client.post(
        f"/approvals/{waiting.pk}/", {**fields, "decision": decision, "reason": "ok"}, follow=True
    )

    assertContains(response, "The requester withdrew the version you reviewed")
    assertContains(response, "Approve and send")  # the new version is offered for review
    assert fake.log(route=CREATE) == []
    again.refresh_from_db()
    assert again.status == "awaiting_approval"
    assert list(again.approvals.values_list("decision", flat=True)) == ["pending", "withdrawn"]


@pytest.mark.parametrize(
    "posted",
    [
        {"decision": "reject", "reason": ""},
        {"decision": "approve", "reason": f"ok, use {FULL_KEY}"},
    ],
)
def test_a_decision_form_with_an_error_does_not_swap_in_a_version_the_approver_never_reviewed(
    waiting, author, approver, fake, posted
):
    client = client_for(approver)
    reviewed = decision_fields(client.get(f"/approvals/{waiting.pk}/"))
    again = resubmitted_changed(waiting, author)

    page = client.post(f"/approvals/{waiting.pk}/", {**reviewed, **posted})

    # Said before the new version's form, which carries the new version: its body is shown.
    assert page.status_code == 200
    assertContains(page, "The requester withdrew the version you reviewed")
    assert decision_fields(page)["approval"] == str(pending_id(again)) != reviewed["approval"]
    assertNotContains(page, "field__errors")  # no error about a version no longer decided
    assertNotContains(page, FULL_KEY)
    assert fake.log(route=CREATE) == []
    assert list(again.approvals.values_list("decision", flat=True)) == ["pending", "withdrawn"]


def test_a_decision_form_with_an_error_keeps_the_version_reviewed(waiting, approver, fake):
    client = client_for(approver)
    reviewed = decision_fields(client.get(f"/approvals/{waiting.pk}/"))

    page = client.post(f"/approvals/{waiting.pk}/", {**reviewed, "decision": "reject"})

    assertContains(page, "Say why you reject this request")
    assertNotContains(page, "withdrew the version you reviewed")
    assert decision_fields(page)["approval"] == reviewed["approval"]


def test_a_decision_without_the_version_reviewed_is_refused_on_the_page(waiting, approver, fake):
    response = client_for(approver).post(f"/approvals/{waiting.pk}/", {"decision": "approve"})

    assertContains(response, "This page is out of date: reload it")
    assert fake.log(route=CREATE) == []
    assert waiting.approvals.get().decision == "pending"


def test_an_approver_of_another_harness_account_is_shown_why_and_refused(waiting, approver, fake):
    credential_save(user=approver, account_id="OtherAcct02", api_key=OTHER_KEY)
    client = client_for(approver)

    queue = client.get("/approvals/")
    review = client.get(f"/approvals/{waiting.pk}/")
    refused = client.post(
        f"/approvals/{waiting.pk}/", {"approval": pending_id(waiting), "decision": "approve"}
    )

    assertContains(queue, "Nothing waits for your approval.")
    assertContains(review, "This request is for the Harness account AcmeDemoAcct01")
    assertNotContains(review, "Approve and send")
    assertContains(refused, "your Harness key is for OtherAcct02", status_code=403)
    assert fake.log(route=CREATE) == []
    assert waiting.approvals.get().decision == "pending"


def test_harness_down_during_an_approval_is_said_and_the_request_waits(
    waiting, approver, fake, settings
):
    """The portal paused calls to the create route (an open circuit): nothing was sent, so the
    request waits again (a 5xx may still land: it goes back to its author instead)."""
    from workspaces.harness import configure_breakers

    client = client_for(approver)
    configure_breakers(threshold=1, cooldown=60)
    try:
        fake.inject(CREATE, status=503)
        with pytest.raises(errors.HarnessUnavailable):  # one failure opens the route's circuit
            harness_client_for(approver).create_workspace(  # circuit in the draft's project
                org=waiting.org, project=waiting.project, body=waiting.submitted_body
            )

        response = client.post(
            f"/approvals/{waiting.pk}/",
            {"approval": pending_id(waiting), "decision": "approve"},
            follow=True,
        )
    finally:
        configure_breakers(
            threshold=settings.HARNESS_BREAKER_THRESHOLD, cooldown=settings.HARNESS_BREAKER_COOLDOWN
        )

    assertContains(response, "The portal is pausing calls to Harness")
    assertContains(response, "still waits for approval")
    assertNotContains(response, "Harness refused it")
    assertContains(response, "Approve and send")  # the approver can try again
    waiting.refresh_from_db()
    assert waiting.status == "awaiting_approval"


def test_an_approved_write_harness_answers_with_an_unmapped_4xx_is_told_to_both(
    waiting, approver, fake, mailoutbox
):
    """A 413 (as a 405 or 410) has no error class of its own: it is still Harness's refusal."""
    from workspaces.models import AuditEntry

    mailoutbox.clear()
    fake.inject(CREATE, status=413)

    response = client_for(approver).post(
        f"/approvals/{waiting.pk}/", {"approval": pending_id(waiting), "decision": "approve"}
    )

    assert response.status_code == 302
    assert [mail.to for mail in mailoutbox] == [["alice@example.com"]]
    assert AuditEntry.objects.get(action="create").harness_status == 413
    waiting.refresh_from_db()
    assert (waiting.status, waiting.harness_response["outcome"]) == ("failed", "refused")
    assert "HTTP 413" in waiting.harness_response["message"]


def test_the_approvers_review_of_an_approval_harness_did_not_answer_says_outcome_unclear(
    waiting, author, approver, fake, settings
):
    """A 502: the POST may still land, so it went back to its author, whose next submit looks
    in Harness first. The approver is told so in their own words: not "Failed", and not the
    author's "Submit again"."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    fake.inject(CREATE, status=502)

    review = client_for(approver).post(
        f"/approvals/{waiting.pk}/",
        {"approval": pending_id(waiting), "decision": "approve"},
        follow=True,
    )
    again = client_for(approver).get(f"/approvals/{waiting.pk}/")
    mine = client_for(author).get(f"/drafts/{waiting.pk}/result/")

    assertContains(mine, "Outcome unclear")
    for page in (review, again):
        assertNotContains(page, '<span class="badge badge--request-failed">Failed</span>')
        assertContains(page, '<span class="badge badge--request-unclear">Outcome unclear</span>')
        assertContains(page, "HTTP 502")
        assertNotContains(page, "Submit again")
        assertNotContains(page, "Harness refused it")
    assertContains(review, "Approved, but the outcome is unclear. It may still land in Harness")
    assertContains(review, "went back to its author, whose next submit looks in Harness first")


def test_the_trail_names_the_approver_and_holds_the_body_harness_got(author, approver, rule, fake):
    """Only a whole key is taken out of the body and the chain: a username (an SSO e-mail) and
    words that merely start like a key or a bearer token are kept as sent and as decided."""
    approver.username = "pat.smith@example.com"
    approver.save(update_fields=["username"])
    draft = prod_draft(author)
    draft.data["basics"]["description"] = "Owned by pat.smith; bearer auth to the API"
    draft.save()
    waiting = submit.draft_submit(draft=draft, client=harness_client_for(author)).draft

    client_for(approver).post(
        f"/approvals/{waiting.pk}/", {"approval": pending_id(waiting), "decision": "approve"}
    )

    [post] = fake.log(route=CREATE)
    entry = AuditEntry.objects.get(action="create")
    assert post["body"]["description"] == "Owned by pat.smith; bearer auth to the API"
    assert (entry.approval[0]["by"], entry.body["description"]) == (
        "pat.smith@example.com",
        post["body"]["description"],
    )


def test_the_review_of_an_approved_change_that_was_not_sent_does_not_say_it_was(
    author, approver, fake
):
    from tests.approvals.support import GROUP, prod_rule
    from tests.workspaces.test_change import direct_put, edit, seeded_workspace, start

    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    workspace = seeded_workspace(harness_client_for(author))
    draft = edit(start(author, workspace), repository={"branch": "develop"})
    held = submit.draft_submit(draft=draft, client=harness_client_for(author)).draft
    direct_put(workspace.identifier, description="Edited in Harness")
    client = client_for(approver)

    approved = client.post(
        f"/approvals/{held.pk}/", {"approval": pending_id(held), "decision": "approve"}, follow=True
    )
    review = client.get(f"/approvals/{held.pk}/")

    warning = '<p class="notice notice--warning" role="status">Approved, but the workspace'
    assertContains(approved, warning)
    assertContains(review, "badge--request-draft")
    assertNotContains(review, "sent with their Harness key")
    assertContains(review, "but not sent: the workspace was changed in Harness")


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_request_its_author_deletes_while_the_approver_decides_is_said_to_be_gone(
    waiting, author, approver, fake, monkeypatch, decision
):
    from workspaces.approvals import selectors
    from workspaces.models import WorkspaceDraft
    from workspaces.wizard import drafts

    may_decide = selectors.user_may_decide

    def author_deletes_it_meanwhile(**kwargs):
        allowed = may_decide(**kwargs)
        assert drafts.draft_delete(draft_id=waiting.pk, owner=author)
        return allowed

    approval_id = pending_id(waiting)
    monkeypatch.setattr(selectors, "user_may_decide", author_deletes_it_meanwhile)

    response = client_for(approver).post(
        f"/approvals/{waiting.pk}/",
        {"approval": approval_id, "decision": decision, "reason": "no"},
        follow=True,
    )

    assertRedirects(response, "/approvals/")
    assertContains(response, "The requester deleted this request, so nothing was sent.")
    assert fake.log(route=CREATE) == []
    assert not WorkspaceDraft.objects.filter(pk=waiting.pk).exists()


def test_a_request_deleted_while_its_approval_is_sent_is_said_to_be_gone(
    waiting, author, approver, fake, monkeypatch, django_user_model
):
    # Claimed, then deleted on its way to Harness (an operator removes its author's account).
    send = services.SENDERS["create"]

    def author_removed_meanwhile(**kwargs):
        django_user_model.objects.filter(pk=author.pk).delete()
        return send(**kwargs)

    monkeypatch.setitem(services.SENDERS, "create", author_removed_meanwhile)

    response = client_for(approver).post(
        f"/approvals/{waiting.pk}/",
        {"approval": pending_id(waiting), "decision": "approve", "reason": ""},
        follow=True,
    )

    assertRedirects(response, "/approvals/")
    assertContains(response, "The request was deleted while it was being sent")
    assert len(fake.log(route=CREATE)) == 1


def test_a_rejection_needs_a_reason_on_its_field(waiting, approver, fake):
    response = client_for(approver).post(
        f"/approvals/{waiting.pk}/",
        {"approval": pending_id(waiting), "decision": "reject", "reason": "  "},
    )

    assert response.status_code == 200
    assertContains(response, "Say why you reject this request")
    assertContains(response, 'class="field field--error"')
    # The field is described by its help text and its error, both on the page.
    assertContains(response, 'aria-describedby="id_reason_helptext id_reason_error"')
    assertContains(response, 'aria-invalid="true"')
    assertContains(response, '<ul class="field__errors" id="id_reason_error">')
    assertContains(response, '<p class="field__help" id="id_reason_helptext">The requester reads')
    waiting.refresh_from_db()
    assert waiting.status == "awaiting_approval"


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_harness_key_typed_in_the_reason_is_refused_on_its_field(
    waiting, approver, fake, mailoutbox, decision
):
    mailoutbox.clear()
    typed = f"Use this key instead: {FULL_KEY} thanks"

    response = client_for(approver).post(
        f"/approvals/{waiting.pk}/",
        {"approval": pending_id(waiting), "decision": decision, "reason": typed},
    )

    assert response.status_code == 200
    assertContains(response, "This holds a Harness API key, which the portal never keeps")
    assertContains(response, '<ul class="field__errors" id="id_reason_error">')
    assertNotContains(response, FULL_KEY)  # not shown again either
    assertNotContains(response, FULL_KEY.rsplit(".", 1)[1])
    waiting.refresh_from_db()
    assert waiting.status == "awaiting_approval"
    assert list(waiting.approvals.values_list("decision", "reason")) == [("pending", "")]
    assert mailoutbox == []
    assert fake.log(route=CREATE) == []
    assert not AuditEntry.objects.exists()


def test_the_requester_sees_the_rejection_and_its_reason(waiting, author, approver):
    client_for(approver).post(
        f"/approvals/{waiting.pk}/",
        {"approval": pending_id(waiting), "decision": "reject", "reason": "Not in prod, please."},
    )
    mine = client_for(author)

    listed = mine.get("/drafts/")
    result = mine.get(f"/drafts/{waiting.pk}/result/")

    assertContains(listed, "Rejected")
    assertContains(listed, "By carol: Not in prod, please.")
    assertContains(result, "<strong>Rejected</strong> by carol")
    assertContains(result, "Not in prod, please.")


def test_the_author_is_offered_no_decision_and_is_refused_in_words(waiting, author, fake):
    client = client_for(author)

    review = client.get(f"/approvals/{waiting.pk}/")
    refused = client.post(
        f"/approvals/{waiting.pk}/", {"approval": pending_id(waiting), "decision": "approve"}
    )

    assertContains(review, "you cannot approve or reject it yourself")
    assertNotContains(review, "Approve and send")
    assert refused.status_code == 403
    assertContains(refused, "nobody decides their own request", status_code=403)
    assert fake.log(route=CREATE) == []


def test_someone_else_cannot_see_the_request(waiting, other_user):
    client = client_for(other_user)

    assert client.get(f"/approvals/{waiting.pk}/").status_code == 404
    assert (
        client.post(
            f"/approvals/{waiting.pk}/", {"approval": pending_id(waiting), "decision": "approve"}
        ).status_code
        == 404
    )


def test_the_author_withdraws_and_edits_again(waiting, author):
    response = client_for(author).post(f"/approvals/{waiting.pk}/withdraw/", follow=True)

    assertRedirects(response, f"/drafts/{waiting.pk}/review/")
    assertContains(response, "Withdrawn: the request is a draft again.")


def test_operators_cannot_delete_a_pending_approval_in_the_admin(waiting, admin_client):
    pending = waiting.approvals.get()
    changelist = "/admin/workspaces/approval/"

    page = admin_client.get(f"{changelist}{pending.pk}/change/")
    one = admin_client.post(f"{changelist}{pending.pk}/delete/", {"post": "yes"})
    selected = admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [pending.pk], "post": "yes"},
    )
    its_request = admin_client.post(
        f"/admin/workspaces/workspacedraft/{waiting.pk}/delete/", {"post": "yes"}
    )

    # It is what the request waits for: without it, no approver's queue lists the request.
    # The request goes with it only as its author withdraws or deletes it.
    assertNotContains(page, f"{changelist}{pending.pk}/delete/")
    assert one.status_code == selected.status_code == its_request.status_code == 403
    assert waiting.approvals.get().decision == "pending"


def test_a_request_left_waiting_without_its_approval_can_still_be_withdrawn(waiting, author):
    waiting.approvals.all().delete()  # removed before the admin refused it

    page = client_for(author).get(f"/drafts/{waiting.pk}/result/")
    withdrawn = client_for(author).post(f"/approvals/{waiting.pk}/withdraw/", follow=True)

    assertContains(page, "nobody can approve it")
    assertContains(page, "Withdraw to change it")
    assertContains(withdrawn, "Withdrawn: the request is a draft again.")


@pytest.fixture
def waiting_deletion(author, approver, fake):
    from workspaces.approvals.models import ApprovalRule
    from workspaces.decommission import services as decommission

    rule = ApprovalRule.objects.create(name="Every deletion", for_delete=True)
    rule.approver_users.set([approver])
    client = harness_client_for(author)
    [inactive] = client.list_workspaces(
        org="default", project="infra", statuses=["inactive"], limit=1
    ).items
    workspace = client.get_workspace(org="default", project="infra", identifier=inactive.identifier)
    draft = decommission.deletion_start(owner=author, workspace=workspace)
    return decommission.deletion_send(draft=draft, client=client)


def test_an_approved_deletion_says_it_was_deleted(waiting_deletion, approver, fake):
    client = client_for(approver)

    review = client.get(f"/approvals/{waiting_deletion.pk}/")
    approved = client.post(
        f"/approvals/{waiting_deletion.pk}/",
        {"approval": pending_id(waiting_deletion), "decision": "approve"},
        follow=True,
    )

    assertContains(
        review,
        f"DELETE /iacm/api/orgs/default/projects/infra/workspaces/{waiting_deletion.identifier}",
    )
    assertContains(review, "What goes with it")
    assertContains(approved, "Approved: Harness deleted it with your key.")
    assert len(fake.log(route="iacm.workspaces.delete")) == 1


def headings(html: str) -> list[str]:
    """The page's headings in order, as a screen reader lists them: "h2 The request"."""
    found = re.findall(r"<h([1-6])\b[^>]*>(.*?)</h\1>", html, re.S)
    return [f"h{level} {re.sub(r'<[^>]+>', '', text).strip()}" for level, text in found]


def test_the_approvers_review_of_a_deletion_keeps_its_headings_in_order(waiting_deletion, approver):
    """What goes with the workspace (includes/deletion_loss.html) sits under "The deletion of
    …" (h3): at h2 it closed that section, and "What will be sent to Harness" came under it."""
    review = client_for(approver).get(f"/approvals/{waiting_deletion.pk}/").content.decode()

    shown = headings(review)
    start = shown.index("h2 The request")
    assert shown[start : start + 7] == [
        "h2 The request",
        f"h3 The deletion of {waiting_deletion.identifier}",
        "h4 What goes with it",
        "h5 Variables",
        "h5 Tags",
        "h5 Template",
        "h3 What will be sent to Harness",
    ]


def rejected(draft, approver):
    client_for(approver).post(
        f"/approvals/{draft.pk}/",
        {"approval": pending_id(draft), "decision": "reject", "reason": "Not now."},
    )
    draft.refresh_from_db()
    assert draft.status == "rejected"
    return draft


def test_a_rejected_create_offers_a_new_workspace_request(waiting, author, approver):
    draft = rejected(waiting, approver)

    result = client_for(author).get(f"/drafts/{draft.pk}/result/")

    assertContains(
        result,
        '<a class="button button--link" href="/orgs/default/projects/infra/new-workspace/">'
        "Start a new request</a>",
        html=True,
    )


def test_a_rejected_deletion_offers_to_request_it_again_and_is_listed_as_itself(
    waiting_deletion, author, approver
):
    draft = rejected(waiting_deletion, approver)
    mine = client_for(author)
    deletion = f"/orgs/default/projects/infra/workspaces/{draft.identifier}/delete/"

    result = mine.get(f"/drafts/{draft.pk}/result/")
    listed = mine.get("/drafts/")

    assertContains(
        result,
        f'<a class="button button--link" href="{deletion}">Request the deletion again</a>',
        html=True,
    )
    assertNotContains(result, "Start a new request")
    # My requests opens the rejected request (its reason), not a fresh deletion page.
    assertContains(listed, f'href="/drafts/{draft.pk}/result/"')
    assertNotContains(listed, f'href="{deletion}"')


def test_a_rejected_deletion_of_another_account_offers_no_deletion_in_this_account(
    waiting_deletion, author, approver
):
    draft = rejected(waiting_deletion, approver)
    # The author's key is now for another account than the one the request was made in.
    WorkspaceDraft.objects.filter(pk=draft.pk).update(account_id="OtherAcct02")
    deletion = f"/orgs/default/projects/infra/workspaces/{draft.identifier}/delete/"

    result = client_for(author).get(f"/drafts/{draft.pk}/result/")

    # That link opens a deletion of this account's workspace with the same names.
    assertNotContains(result, f'href="{deletion}"')
    assertNotContains(result, "Request the deletion again")
    assertContains(result, "Use a key for OtherAcct02 to open it")
    assertContains(result, f'href="/approvals/{draft.pk}/"')


def test_a_rejected_change_offers_a_new_change_of_its_workspace(author, approver, fake):
    from tests.approvals.support import GROUP, prod_rule
    from tests.workspaces.test_change import edit, seeded_workspace, start

    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    workspace = seeded_workspace(harness_client_for(author))
    draft = edit(start(author, workspace), repository={"branch": "develop"})
    held = submit.draft_submit(draft=draft, client=harness_client_for(author)).draft
    draft = rejected(held, approver)

    result = client_for(author).get(f"/drafts/{draft.pk}/result/")

    change = f"/orgs/default/projects/infra/workspaces/{workspace.identifier}/change/"
    assertContains(result, f'<form method="post" action="{change}"')
    assertContains(result, "Start a new change</button>")
    assertNotContains(result, "Start a new request")


def test_a_withdrawn_deletion_goes_back_to_its_confirmation_page(waiting_deletion, author):
    response = client_for(author).post(f"/approvals/{waiting_deletion.pk}/withdraw/")

    assertRedirects(
        response,
        f"/orgs/default/projects/infra/workspaces/{waiting_deletion.identifier}/delete/",
        fetch_redirect_response=False,
    )


def test_withdrawing_a_deletion_twice_says_so_and_is_not_a_404(waiting_deletion, author):
    """A double click or a second tab: the second withdraw finds a draft again. It says it is
    withdrawn already (no approver decided anything) and lands where the first one did."""
    client = client_for(author)
    url = f"/approvals/{waiting_deletion.pk}/withdraw/"
    client.post(url)

    second = client.post(url, follow=True)

    page = f"/orgs/default/projects/infra/workspaces/{waiting_deletion.identifier}/delete/"
    assertRedirects(second, page)
    assertContains(second, "Already withdrawn")
    assertNotContains(second, "An approver has already decided")


def test_a_deletion_that_is_a_draft_again_opens_its_confirmation_page(waiting_deletion, author):
    """The request's page (linked from e-mails) of a withdrawn deletion: its confirmation page,
    not the wizard's review step (a deletion has none: 404)."""
    client = client_for(author)
    client.post(f"/approvals/{waiting_deletion.pk}/withdraw/")

    response = client.get(f"/drafts/{waiting_deletion.pk}/result/", follow=True)

    page = f"/orgs/default/projects/infra/workspaces/{waiting_deletion.identifier}/delete/"
    assertRedirects(response, page)


def test_withdrawing_a_request_an_approver_rejected_says_they_decided(waiting, author, approver):
    client_for(approver).post(
        f"/approvals/{waiting.pk}/",
        {"approval": pending_id(waiting), "decision": "reject", "reason": "no"},
    )

    response = client_for(author).post(f"/approvals/{waiting.pk}/withdraw/", follow=True)

    assertRedirects(response, f"/drafts/{waiting.pk}/result/")
    assertContains(response, "An approver has already decided this request.")


@pytest.mark.postgres  # SSO users and their groups: get_or_create, then a session
def test_an_sso_group_from_the_groups_header_makes_an_approver(
    waiting, settings, fake, django_user_model
):
    settings.PORTAL_AUTH = "sso"
    settings.AUTHENTICATION_BACKENDS = ["portal.sso.SSOHeaderBackend"]
    settings.SSO_GROUPS_HEADER = "X-Forwarded-Groups"
    settings.SSO_TRUSTED_PROXIES = ["10.0.0.0/8"]
    headers = {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_EMAIL": "dana@example.com"}
    # Dana has signed in before and connected a key for the request's account.
    dana = django_user_model.objects.create_user(username="dana@example.com")
    credential_save(user=dana, account_id=ACCOUNT, api_key=APPROVER_KEY)
    client = Client()

    as_member = client.get(
        "/approvals/", **headers, HTTP_X_FORWARDED_GROUPS="devs, infra-approvers"
    )
    client.logout()
    without = client.get("/approvals/", **headers, HTTP_X_FORWARDED_GROUPS="devs")

    assertContains(as_member, f'href="/approvals/{waiting.pk}/"')
    assertContains(as_member, '<span class="count-badge">1')
    assertContains(without, "Nothing waits for your approval.")
    assertNotContains(without, 'id="approvals-link"')


def test_an_approver_without_a_harness_key_is_sent_to_connect_one_first(waiting, approver, fake):
    approver.harness_credential.delete()

    response = client_for(approver).post(
        f"/approvals/{waiting.pk}/", {"approval": pending_id(waiting), "decision": "approve"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/settings/harness-key/"
    waiting.refresh_from_db()
    assert waiting.status == "awaiting_approval"
    assert waiting.approvals.get().decision == "pending"
    assert fake.log(route=CREATE) == []
