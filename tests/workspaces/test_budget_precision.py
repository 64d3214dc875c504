"""A budget as Harness holds it: a float32 (harness-go-sdk `Budget float32`; the API reference,
`budget number(float)`), sent back with the fewest digits that read as the same float32, as
Go writes one (1234567.89 is held as 1234567.875, sent as 1234567.9). The portal refuses a
typed budget Harness would not hold as typed, and compares budgets as float32s.
"""

import pytest
from django.urls import reverse

from tests.workspaces.test_change import (
    ORG,
    PROJECT,
    UPDATE,
    direct_put,
    edit,
    seeded_workspace,
    start,
)
from tests.workspaces.test_drafts import valid_data
from workspaces.clients import harness_client_for
from workspaces.models import WorkspaceDraft
from workspaces.wizard import budgets, diff, submit, update, validation
from workspaces.wizard.body import stored_steps

pytestmark = pytest.mark.django_db


def budget_problems(budget: str) -> list[str]:
    data = valid_data(provisioner__cost_estimation_enabled=True, provisioner__budget=budget)
    return validation.bind_step("provisioner", data).problems().get("budget", [])


@pytest.mark.parametrize(
    "budget", ["1234567.9", "131071.99", "10000000", "9999999", "0.01", "99.99", "1250.50"]
)
def test_a_budget_harness_holds_as_typed_is_taken(budget):
    assert budget_problems(budget) == []


@pytest.mark.parametrize(
    ("budget", "held"),
    [("1234567.89", "1234567.9"), ("1234567.75", "1234567.8"), ("9999999.99", "10000000")],
)
def test_a_budget_harness_would_hold_otherwise_is_refused_naming_what_it_would_hold(budget, held):
    assert budget_problems(budget) == [
        f"Harness keeps about 7 significant digits of a budget: it would hold {budget} as "
        f"{held}. Enter {held}, or a whole number of dollars."
    ]


def test_such_a_budget_is_never_sent(signed_in_with_key, user_with_key, fake):
    workspace = seeded_workspace(harness_client_for(user_with_key))
    draft = edit(
        start(user_with_key, workspace),
        provisioner={"cost_estimation_enabled": True, "budget": "1234567.89"},
    )

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assert response.url == reverse("draft_step", args=[draft.pk, "provisioner"])
    assert not fake.log(route=UPDATE)


def test_a_budget_in_its_float32_form_is_the_same_budget(user_with_key, fake):
    # Harness may write the float32 in full (1234567.875) or shortest (1234567.9): one budget.
    workspace = seeded_workspace(harness_client_for(user_with_key))
    draft = start(user_with_key, workspace)
    snapshot = draft.workspace_snapshot | {"cost_estimation_enabled": True, "budget": 1234567.875}
    body = update.held_body(snapshot) | {"budget": 1234567.9}

    assert update.holds(snapshot, body)
    assert not update.holds(snapshot, body | {"budget": 1234568.0})
    assert diff.body_diff(update.held_body(snapshot), body) == []
    assert budgets.shows_budget("1234567.9", 1234567.875)
    assert not budgets.shows_budget("1234568", 1234567.875)


def test_an_unanswered_put_of_a_budget_harness_holds_as_a_float32_is_seen_landed(
    user_with_key, fake, settings
):
    # The change started from a budget written in full (1234567.875): Harness holds the PUT's
    # budget as that float32 and sends it back as 1234567.9, which is the budget sent.
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, cost_estimation_enabled=True, budget=1234567.89)
    draft = start(user_with_key, workspace)
    draft.workspace_snapshot["budget"] = 1234567.875
    draft = edit(
        draft,
        basics={"description": "Only this changes"},
        provisioner={"budget": budgets.budget_text(1234567.875)},
    )
    assert update.update_body(stored_steps(draft.data), draft=draft)["budget"] == 1234567.875
    fake.inject(UPDATE, body="malformed")  # Harness makes the change; its answer is cut

    landed = submit.draft_submit(draft=draft, client=client).draft

    assert landed.status == "updated", landed.harness_response
    held = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert (held.budget, held.description) == (1234567.9, "Only this changes")


def test_a_typed_budget_comes_back_as_typed(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    draft = edit(
        start(user_with_key, workspace),
        provisioner={"cost_estimation_enabled": True, "budget": "1234567.9"},
    )

    sent = submit.draft_submit(draft=draft, client=client).draft
    again = start(user_with_key, workspace)

    assert sent.status == WorkspaceDraft.Status.UPDATED
    assert again.data["provisioner"]["budget"] == "1234567.9"
    assert diff.change_review(again)["changes"] == []
