"""An approved create whose earlier POST got no clear answer: the approver's send checks the
workspace it finds against that earlier attempt, not only the request as edited since."""

import pytest

from tests.approvals.support import CREATE, pending_id, prod_draft
from workspaces.approvals import services
from workspaces.clients import harness_client_for
from workspaces.wizard import drafts, submit

pytestmark = pytest.mark.django_db


def test_an_approved_retry_finds_the_earlier_attempts_workspace_after_a_rename(
    author, approver, rule, fake, settings
):
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(author)
    draft = submit.draft_submit(draft=prod_draft(author), client=client).draft
    fake.inject(CREATE, drop=True)
    lost = services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )
    assert (lost.status, lost.harness_response["outcome"]) == ("failed", "unknown")
    first_body = lost.submitted_body
    renamed = {**lost.data["basics"], "name": "prod-vpc-renamed"}
    edited = drafts.draft_save_step(draft=lost, step="basics", values=renamed, client=client)
    again = submit.draft_submit(draft=edited.draft, client=client).draft
    assert again.status == "awaiting_approval"  # held again, the renamed body frozen
    client.create_workspace(org="default", project="infra", body=first_body)  # the first lands

    approved = services.approval_approve(
        draft=again,
        approval_id=pending_id(again),
        approver=approver,
        client=harness_client_for(approver),
    )

    assert approved.status == "created", approved.harness_response["message"]
    assert "not in it: Name." in approved.harness_response["message"]
    assert len(fake.log(route=CREATE)) == 2  # the lost POST and the one that landed: no third
    assert approved.unsettled_bodies == []
