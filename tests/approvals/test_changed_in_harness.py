"""A change a rule holds, when the workspace changed in Harness since it started: the review's
"Changed in Harness" panel is the only way on ("Send my change anyway", which rebases the change
and then submits it, held for approval if a rule says so), and it says beforehand what a rule
will do with it."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.approvals.support import GROUP, pending_id, prod_rule
from tests.workspaces.test_change import UPDATE, direct_put, edit, seeded_workspace, start
from workspaces.approvals import services
from workspaces.clients import harness_client_for

pytestmark = pytest.mark.django_db


def _approve(draft, approver):
    draft.refresh_from_db()
    services.approval_approve(
        draft=draft,
        approval_id=pending_id(draft),
        approver=approver,
        client=harness_client_for(approver),
    )
    draft.refresh_from_db()
    return draft


def test_submit_for_approval_under_the_changed_in_harness_panel_is_not_an_approval_that_cannot_send(
    client, author, approver, fake
):
    """An approved change that found the workspace changed in Harness came back to its review
    with the panel; after "Edit my change first", the review's main button held it for
    approval unconfirmed, so its approval found the same change in Harness and sent nothing,
    every time."""
    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    client.force_login(author)
    workspace = seeded_workspace(harness_client_for(author))
    draft = edit(start(author, workspace), repository={"branch": "develop"})
    client.post(reverse("draft_submit", args=[draft.pk]))
    direct_put(workspace.identifier, description="Edited in Harness")
    draft = _approve(draft, approver)
    assert draft.harness_response["outcome"] == "changed_in_harness"
    edit(draft, basics={"description": "Edited in Harness"})  # "Edit my change first"
    fake.clear_log()

    submitted = client.post(reverse("draft_submit", args=[draft.pk]), follow=True)

    review = reverse("draft_review", args=[draft.pk])
    assertRedirects(submitted, review)
    draft.refresh_from_db()
    assert (draft.status, draft.harness_response["outcome"]) == ("draft", "changed_in_harness")
    assert not draft.approvals.filter(decision="pending").exists()
    assert draft.data["basics"]["description"] == "Edited in Harness"  # nothing lost
    panel = submitted.content.decode().split('id="changed-in-harness"')[1].split("</section>")[0]
    assert "Nothing was sent, nor submitted for approval" in panel
    assert "Send my change anyway" in panel
    # The main button, which cannot send it, is not offered while the panel is shown.
    assertNotContains(submitted, ">Submit for approval</button>")
    assertNotContains(submitted, f'action="{reverse("draft_submit", args=[draft.pk])}"')
    assert fake.log(route=UPDATE) == []

    client.post(reverse("draft_send_anyway", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "awaiting_approval"
    draft = _approve(draft, approver)

    assert draft.status == "updated", draft.harness_response
    [put] = fake.log(route=UPDATE)
    assert put["body"]["repository_branch"] == "develop"
    assert put["body"]["description"] == "Edited in Harness"


def test_the_review_without_the_panel_still_offers_its_main_button(client, author, approver, fake):
    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    client.force_login(author)
    draft = edit(
        start(author, seeded_workspace(harness_client_for(author))),
        repository={"branch": "develop"},
    )

    review = client.get(reverse("draft_review", args=[draft.pk]))

    assertContains(review, ">Submit for approval</button>")
    assertNotContains(review, 'id="changed-in-harness"')
