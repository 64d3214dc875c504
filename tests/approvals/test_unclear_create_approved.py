"""An approved create whose earlier POST got no clear answer: the approver's send checks the
workspace it finds against that earlier attempt, not only the request as edited since."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from tests.approvals.support import CREATE, pending_id, prod_draft
from tests.approvals.test_approval_outcomes import approve, client_for, held
from workspaces.approvals import services
from workspaces.clients import harness_client_for
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.wizard import drafts, submit
from workspaces.wizard.outcomes import may_still_land

pytestmark = pytest.mark.django_db


def _approve(draft: WorkspaceDraft, approver) -> WorkspaceDraft:
    return services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )


def _renamed_after_a_lost_post_and_landed(author, approver, fake, settings):
    """The approved POST is lost, the author renames the request and submits it again (held
    again, the renamed body frozen), then the lost POST lands: the request, and that POST's
    body."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(author)
    draft = submit.draft_submit(draft=prod_draft(author), client=client).draft
    fake.inject(CREATE, drop=True)
    lost = _approve(draft, approver)
    assert (lost.status, lost.harness_response["outcome"]) == ("failed", "unknown")
    first_body = lost.submitted_body
    renamed = {**lost.data["basics"], "name": "prod-vpc-renamed"}
    edited = drafts.draft_save_step(draft=lost, step="basics", values=renamed, client=client)
    again = submit.draft_submit(draft=edited.draft, client=client).draft
    assert again.status == "awaiting_approval"
    client.create_workspace(org="default", project="infra", body=first_body)  # the first lands
    return again, first_body


def test_an_approved_retry_finds_the_earlier_attempts_workspace_after_a_rename(
    author, approver, rule, fake, settings
):
    again, _first_body = _renamed_after_a_lost_post_and_landed(author, approver, fake, settings)

    approved = _approve(again, approver)

    assert approved.status == "created", approved.harness_response["message"]
    assert "not in it: Name." in approved.harness_response["message"]
    assert len(fake.log(route=CREATE)) == 2  # the lost POST and the one that landed: no third
    assert approved.unsettled_bodies == []


def test_an_approved_retry_that_finds_the_earlier_workspace_records_the_body_that_made_it(
    author, approver, rule, fake, settings
):
    """The audit entry of the create says what Harness holds (the earlier POST's body, with the
    name it had then), not the renamed body the approver's attempt never sent."""
    again, first_body = _renamed_after_a_lost_post_and_landed(author, approver, fake, settings)

    approved = _approve(again, approver)

    assert approved.status == "created"
    assert len(fake.log(route=CREATE)) == 2
    created = AuditEntry.objects.filter(action="create").order_by("created_at", "id").last()
    assert created.outcome == "created"
    assert created.body["name"] == first_body["name"], created.body["name"]


@pytest.mark.parametrize("withdrawn", [False, True])
def test_deleting_a_request_whose_approved_post_may_still_land_says_so(
    author, approver, rule, fake, settings, withdrawn
):
    """Sent again for approval (or withdrawn since) after the approved POST got no answer: My
    requests and the delete page said nothing of that POST, which may still create the
    workspace, once the request was no longer "failed"."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    fake.inject(CREATE, drop=True)
    back = approve(held(author), approver)
    again = submit.draft_submit(draft=back, client=harness_client_for(author)).draft
    assert again.status == "awaiting_approval"
    if withdrawn:
        assert services.approval_withdraw(draft=again, owner=author)
        again.refresh_from_db()
        assert again.status == "draft"
    assert may_still_land(again)

    listed = client_for(author).get(reverse("draft_list"))
    page = client_for(author).get(reverse("draft_delete", args=[again.pk]))

    assertContains(page, "Outcome unclear")
    assertContains(listed, "Outcome unclear")
