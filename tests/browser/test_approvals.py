"""Approvals in two browsers: a create tagged env=prod under a rule waits, a second person
approves it with their own key and it lands once; a rejection reaches the requester with its
reason; the author cannot approve their own request. axe-core on each approval page."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.approvals.support import APPROVER_IN_LOG, APPROVER_KEY, CREATE, GROUP, prod_draft
from tests.approvals.support import prod_rule as make_rule
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import assert_accessible
from tests.conftest import ACCOUNT, FULL_KEY
from tests.workspaces.test_change import edit, seeded_workspace, start
from workspaces.clients import harness_client_for
from workspaces.models import AuditEntry
from workspaces.services import credential_save
from workspaces.wizard import submit

PHONE = {"width": 375, "height": 800}


@pytest.fixture
def people(browser_user, django_user_model, fake):
    """Alice asks; Carol, in the approving group, approves with her own key."""
    credential_save(user=browser_user, account_id=ACCOUNT, api_key=FULL_KEY)
    carol = django_user_model.objects.create_user(username="carol", password="s3cret-pass")
    carol.groups.add(Group.objects.get_or_create(name=GROUP)[0])
    credential_save(user=carol, account_id=ACCOUNT, api_key=APPROVER_KEY)
    make_rule(groups=[GROUP])
    return browser_user, carol


def submit_from_review(page, live_server, draft):
    page.goto(f"{live_server.url}/drafts/{draft.pk}/review/")
    # The review says so before the button is pressed, and the button says what it does.
    expect(page.locator("#approval-hold")).to_contain_text("An approval rule (Production in infra)")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#approval-state")).to_contain_text("Awaiting approval.")


def test_a_prod_create_waits_is_approved_in_another_browser_and_lands_once(
    page, second_page, live_server, fake, people, artifacts
):
    alice, _ = people
    draft = prod_draft(alice, "prod_vpc")
    sign_in(page, live_server)

    # Alice submits: the rule holds it, nothing is sent, the page says who can approve.
    submit_from_review(page, live_server, draft)
    expect(page.locator("#approval-state")).to_contain_text("members of infra-approvers")
    page.screenshot(path=artifacts / "approvals-1-waiting.png", full_page=True)
    assert_accessible(page, "request awaiting approval (author)")
    assert fake.log(route=CREATE) == []

    # Alice cannot approve her own request: no button is offered.
    page.goto(f"{live_server.url}/approvals/{draft.pk}/")
    expect(page.get_by_text("you cannot approve or reject it yourself")).to_be_visible()
    expect(page.get_by_role("button", name="Approve and send")).to_have_count(0)

    # Carol, in her own browser, sees it in her queue and approves it with her key.
    approver = second_page
    sign_in(approver, live_server, username="carol")
    link = approver.get_by_role("link", name="Awaiting my approval")
    expect(link).to_contain_text("1")
    link.click()
    expect(approver.get_by_role("heading", name="Awaiting my approval")).to_be_visible()
    approver.screenshot(path=artifacts / "approvals-2-queue.png", full_page=True)
    assert_accessible(approver, "approval queue")
    approver.get_by_role("link", name="New workspace: prod-vpc").click()
    expect(approver.locator("#request-body-json")).to_contain_text('"env": "prod"')
    approver.screenshot(path=artifacts / "approvals-3-review.png", full_page=True)
    assert_accessible(approver, "approval review")
    approver.get_by_role("button", name="Approve and send").click()
    expect(approver.get_by_text("Approved: Harness created it with your key.")).to_be_visible()
    approver.screenshot(path=artifacts / "approvals-4-approved.png", full_page=True)

    # It landed exactly once, sent with Carol's key; Alice sees it created, and by whom.
    [post] = fake.log(route=CREATE)
    assert post["headers"]["x-api-key"] == APPROVER_IN_LOG
    assert post["body"]["tags"]["env"] == "prod"
    page.goto(f"{live_server.url}/drafts/{draft.pk}/result/")
    expect(page.get_by_text("Created.")).to_be_visible()
    expect(page.locator("#approval-state")).to_contain_text("Approved by carol")
    trail = AuditEntry.objects.filter(draft=draft).order_by("id")
    assert [(e.action, e.actor_username, e.outcome) for e in trail] == [
        ("approve", "carol", "approved"),
        ("create", "carol", "created"),
    ]
    assert trail.last().approval[0]["by"] == "carol"


def test_a_rejection_reaches_the_requester_with_its_reason(
    page, second_page, live_server, fake, people, artifacts
):
    alice, _ = people
    draft = prod_draft(alice, "prod_db")
    sign_in(page, live_server)
    submit_from_review(page, live_server, draft)

    approver = second_page
    sign_in(approver, live_server, username="carol")
    approver.goto(f"{live_server.url}/approvals/{draft.pk}/")
    approver.get_by_role("button", name="Reject").click()
    expect(approver.locator(".field__errors")).to_contain_text("Say why you reject")
    reason = approver.get_by_role("textbox", name="Reason")
    expect(reason).to_be_focused()
    expect(reason).to_have_accessible_description(re.compile("Say why you reject"))
    assert_accessible(approver, "decision form with an error")
    approver.get_by_label("Reason").fill("Use the shared database cluster.")
    approver.get_by_role("button", name="Reject").click()
    expect(approver.get_by_text("Rejected: the author has been told why.")).to_be_visible()

    page.goto(f"{live_server.url}/drafts/")
    expect(page.locator("#my-requests")).to_contain_text("Rejected")
    expect(page.locator("#my-requests")).to_contain_text("Use the shared database cluster.")
    page.get_by_role("link", name="See the request").click()
    expect(page.locator("#approval-state")).to_contain_text("Use the shared database cluster.")
    page.screenshot(path=artifacts / "approvals-5-rejected.png", full_page=True)
    assert_accessible(page, "rejected request (author)")
    assert fake.log(route=CREATE) == []
    [entry] = AuditEntry.objects.filter(draft=draft)
    assert (entry.action, entry.actor_username, entry.message) == (
        "reject",
        "carol",
        "Use the shared database cluster.",
    )


def test_approve_pressed_twice_sends_one_decision_and_says_what_came_of_it(
    page, live_server, fake, people
):
    """A double press while Harness works on the first: the second is not sent (the pressed
    button says it is working), so the approver never reads "Nothing was sent", and the page
    shows the outcome."""
    alice, _ = people
    draft = submit.draft_submit(
        draft=prod_draft(alice, "prod_vpc"), client=harness_client_for(alice)
    ).draft
    fake.inject(CREATE, delay_ms=1500)
    sign_in(page, live_server, username="carol")
    url = f"{live_server.url}/approvals/{draft.pk}/"
    page.goto(url)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    busy = page.evaluate(
        """() => new Promise(done => { const b = document.querySelector('button[value=approve]');
             b.click(); const busy = b.getAttribute('aria-busy');
             setTimeout(() => { b.click(); done(busy); }, 400); })"""
    )

    expect(page.locator(".messages")).to_contain_text("Approved: Harness created it")
    expect(page.locator(".messages")).not_to_contain_text("Nothing was sent")
    expect(page.locator(".approval-facts")).to_contain_text("Created")
    assert busy == "true"
    assert posts == [url]
    assert len(fake.log(route=CREATE)) == 1


def cut_off(page) -> list[str]:
    """Table cells past the screen's edge, or boxes whose content is wider than they are (the
    columns left behind a sideways scroll, which a keyboard cannot reach)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap, td, tbody th')]
            .filter(box => box.scrollWidth > box.clientWidth + 1
                || box.getBoundingClientRect().right > window.innerWidth)
            .map(box => (box.dataset.label || box.className || box.tagName)
                + ': ' + box.textContent.trim().slice(0, 40))"""
    )


def test_on_a_phone_a_change_and_the_queue_show_every_column_to_author_and_approver(
    page, second_page, live_server, people, artifacts
):
    """A change is Setting | Change | Now | After (includes/change_table.html), the queue
    Request | Where | Requested by | Waiting since | Rule: at 375 px their rows stack, each value
    named, where "After" (what is sent), "Waiting since" and "Rule" were cut off. A long unbroken
    word wraps in its cell: a variable's key in a row's header, an e-mail as a username in a cell
    of bare text (each ran off the screen)."""
    alice, _ = people
    make_rule(name="Edits", groups=[GROUP], for_create=False, for_edit=True, tag_key="")
    workspace = seeded_workspace(harness_client_for(alice))
    draft = start(alice, workspace)
    long_key = "private_subnet_cidr_blocks_per_availability_zone"
    added = {"key": long_key, "value": "10.0.1.0/24,10.0.2.0/24", "value_type": "string"}
    draft = edit(
        draft,
        basics={"description": "Core networking for the EU"},
        variables={"terraform": [*draft.data["variables"]["terraform"], added]},
    )
    sign_in(page, live_server)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/drafts/{draft.pk}/review/")
    expect(page.locator(".diff-table")).to_contain_text("Core networking for the EU")
    expect(page.locator(".diff-table tbody th", has_text=long_key)).to_be_visible()
    page.screenshot(path=artifacts / "approvals-phone-change-author.png", full_page=True)
    assert cut_off(page) == []
    assert_accessible(page, "the author's review of a change at 375 px")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#approval-state")).to_contain_text("Awaiting approval.")
    alice.username = "alexandra.konstantinopoulou@platform-engineering.example.com"  # an e-mail
    alice.save(update_fields=["username"])

    approver = second_page
    sign_in(approver, live_server, username="carol")
    approver.set_viewport_size(PHONE)
    approver.goto(f"{live_server.url}/approvals/")
    expect(approver.locator("#approval-queue tbody td").last).to_contain_text("Edits")  # its rule
    expect(approver.locator("#approval-queue")).to_contain_text(alice.username)
    approver.screenshot(path=artifacts / "approvals-phone-queue.png", full_page=True)
    assert cut_off(approver) == []
    assert_accessible(approver, "the approval queue at 375 px")
    approver.locator("#approval-queue tbody a").click()
    expect(approver.locator(".diff-table tbody td").last).to_be_visible()
    approver.screenshot(path=artifacts / "approvals-phone-change-approver.png", full_page=True)
    assert cut_off(approver) == []
    assert_accessible(approver, "the approver's review of a change at 375 px")
