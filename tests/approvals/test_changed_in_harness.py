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


def _send_anyway(client, draft):
    """ "Send my change anyway" from the panel that shows the change stored in Harness."""
    draft.refresh_from_db()
    shown = draft.harness_response["harness_workspace"]["updated"]
    return client.post(reverse("draft_send_anyway", args=[draft.pk]), {"updated": shown})


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
    # Sent anyway, it waits for approval again (the rule holds every change), and says so.
    assert ">Submit my change anyway for approval</button>" in panel
    assert "This request will wait for approval." in panel
    # The main button, which cannot send it, is not offered while the panel is shown.
    assertNotContains(submitted, ">Submit for approval</button>")
    assertNotContains(submitted, f'action="{reverse("draft_submit", args=[draft.pk])}"')
    assert fake.log(route=UPDATE) == []

    _send_anyway(client, draft)
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


def test_the_panel_says_send_anyway_will_wait_for_a_rule_on_the_tags_harness_holds_now(
    client, author, approver, fake
):
    """Tagged env=prod in Harness after the change started: "Send my change anyway" is held by
    the rule on env=prod (the gate reads the tags of the workspace it is rebased on), so the
    panel says so, as the review says it of any submit a rule holds."""
    prod_rule(groups=[GROUP], for_create=False, for_edit=True)
    client.force_login(author)
    workspace = seeded_workspace(harness_client_for(author))
    direct_put(workspace.identifier, tags={"env": "dev"}, cost_estimation_enabled=True)
    draft = edit(start(author, workspace), repository={"branch": "release"})
    direct_put(workspace.identifier, tags={"env": "prod"})
    client.post(reverse("draft_submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.harness_response["outcome"] == "changed_in_harness"

    review = client.get(reverse("draft_review", args=[draft.pk]))

    panel = review.content.decode().split('id="changed-in-harness"')[1].split("</section>")[0]
    assert "This request will wait for approval." in panel
    assert "Production in infra" in panel
    assert ">Submit my change anyway for approval</button>" in panel
    assert "Send my change anyway" not in panel
    assert review.content.decode().count('id="approval-hold"') == 1
    fake.clear_log()
    _send_anyway(client, draft)
    draft.refresh_from_db()
    assert draft.status == "awaiting_approval"
    assert fake.log(route=UPDATE) == []


def test_the_panel_says_nothing_of_approval_when_no_rule_holds_the_rebased_change(
    client, author, approver, fake
):
    """The workspace had env=prod when the change started; Harness now holds env=dev and the
    change sends env=dev: sent anyway, no rule on env=prod holds it, and the panel does not
    say it would."""
    client.force_login(author)
    workspace = seeded_workspace(harness_client_for(author))
    direct_put(workspace.identifier, tags={"env": "prod"}, cost_estimation_enabled=True)
    draft = edit(start(author, workspace), basics={"tags": [{"key": "env", "value": "dev"}]})
    direct_put(workspace.identifier, tags={"env": "dev"})
    client.post(reverse("draft_submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.harness_response["outcome"] == "changed_in_harness"
    prod_rule(groups=[GROUP], for_create=False, for_edit=True)

    review = client.get(reverse("draft_review", args=[draft.pk]))

    assertNotContains(review, "This request will wait for approval.")
    assertContains(review, ">Send my change anyway</button>")
    _send_anyway(client, draft)
    draft.refresh_from_db()
    assert draft.status == "updated", draft.harness_response
