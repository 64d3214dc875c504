"""Sending a change: once per submit, never over a change made in Harness meanwhile, Harness's
refusals in words, and a lost PUT decided by a GET that compares the fields sent.

Real HTTP against the fake Harness; concurrent changes are made with a direct PUT, faults with
the fake's injection.
"""

import copy
import json
import time

import pytest
from django.utils import timezone

from tests.concurrency import submit_together
from tests.conftest import ACCOUNT, FULL_KEY, READ_KEY
from tests.harness_fake.support import store_variable
from tests.workspaces.test_change import (
    GET,
    ORG,
    PROJECT,
    UPDATE,
    direct_put,
    edit,
    seeded_workspace,
    start,
)
from workspaces.clients import harness_client_for
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.services import credential_save
from workspaces.wizard import change, diff, steps, submit, update
from workspaces.wizard.body import stored_steps

# --- sending -----------------------------------------------------------------------------------


def test_submit_puts_the_change_once_and_harness_holds_it(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    draft = edit(start(user_with_key, workspace), repository={"branch": "develop"})
    fake.clear_log()

    result = submit.draft_submit(draft=draft, client=client).draft

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    puts = fake.log(route=UPDATE)
    assert result.status == "updated"
    assert after.repository_branch == "develop"
    assert len(puts) == 1
    assert puts[0]["path"].endswith(f"/workspaces/{workspace.identifier}")
    assert "identifier" not in puts[0]["body"]
    assert puts[0]["body"] == result.submitted_body
    assert [entry["route"] for entry in fake.log()][:2] == [GET, UPDATE]


def test_a_change_keeps_the_terragrunt_provider_flag_of_the_connectors_it_keeps(
    user_with_key, fake
):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(
        workspace.identifier,
        provider_connector="account.aws_dev",
        provider_connectors=[
            {"connector_ref": "account.aws_dev", "type": "aws", "terragrunt_provider": True},
            {"connector_ref": "account.gcp_main", "type": "gcp"},
        ],
    )
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})
    changes = [c.label for c in diff.change_review(draft)["changes"]]

    result = submit.draft_submit(draft=draft, client=client).draft

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert result.status == "updated", result.harness_response
    assert {(c.type, c.terragrunt_provider) for c in after.provider_connectors} == {
        ("aws", True),
        ("gcp", False),
    }
    assert changes == ["Description"]
    unflagged = update.workspace_snapshot(after)
    unflagged["provider_connectors"] = [
        {k: v for k, v in c.items() if k != "terragrunt_provider"}
        for c in unflagged["provider_connectors"]
    ]
    assert update.holds(update.workspace_snapshot(after), result.submitted_body)
    assert not update.holds(unflagged, result.submitted_body)


def test_a_change_without_cost_estimation_keeps_the_budget_harness_holds(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, cost_estimation_enabled=False, budget=750.0)
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})
    changes = [c.label for c in diff.change_review(draft)["changes"]]

    result = submit.draft_submit(draft=draft, client=client).draft

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert result.status == "updated", result.harness_response
    assert after.budget == 750.0
    assert after.cost_estimation_enabled is False
    assert changes == ["Description"]


def test_a_budget_changed_then_left_without_cost_estimation_is_not_sent(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, cost_estimation_enabled=False, budget=750.0)
    draft = edit(start(user_with_key, workspace), provisioner={"budget": ""})

    body = update.update_body(stored_steps(draft.data), draft=draft)

    assert "budget" not in body
    assert [c.label for c in diff.change_review(draft)["changes"]] == ["Monthly budget"]


# An NG connectors listV2 answer that lists nothing (contract §6.1): a connector out of the key's
# sight (RBAC), which Harness still holds.
NO_CONNECTORS_SEEN = json.dumps(
    {
        "status": "SUCCESS",
        "data": {"content": [], "totalItems": 0, "totalPages": 0, "pageItemCount": 0},
        "metaData": None,
        "correlationId": "rbac",
    }
)


def test_a_change_keeps_a_main_connector_the_key_cannot_look_up(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)  # its main connector is not in provider_connectors
    main = workspace.provider_connector
    fake.inject("ng.connectors.list", status=200, body=NO_CONNECTORS_SEEN)
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})

    result = submit.draft_submit(draft=draft, client=client).draft

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert result.status == "updated", result.harness_response
    assert after.provider_connector == main
    assert draft.data["template"]["main_connector_kept"]["ref"] == main


def test_a_main_connector_deleted_in_harness_is_sent_and_harness_says_so(user_with_key, fake):
    """Deleted, it is still sent (never dropped without a word): the fake, as Harness may,
    refuses a reference to a connector that does not exist, on the Provisioner step."""
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    main = workspace.provider_connector
    state = fake.server.app.state
    with state.lock:
        state.connectors = [c for c in state.connectors if c.identifier != main.split(".")[-1]]
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})
    fake.clear_log()

    result = submit.draft_submit(draft=draft, client=client).draft

    (put,) = fake.log(route=UPDATE)
    assert put["body"]["provider_connector"] == main
    assert (result.status, result.harness_response["step"]) == ("failed", "provisioner")
    assert main in result.harness_response["message"]


def test_a_change_keeps_a_main_connector_whose_type_a_listed_connector_has(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(
        workspace.identifier,
        provider_connector="account.aws_prod",
        provider_connectors=[{"connector_ref": "account.aws_dev", "type": "aws"}],
    )
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})
    changes = [c.label for c in diff.change_review(draft)["changes"]]

    result = submit.draft_submit(draft=draft, client=client).draft

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert result.status == "updated", result.harness_response
    assert changes == ["Description"]
    assert after.provider_connector == "account.aws_prod"


def test_a_main_connector_not_placed_gives_way_once_the_connectors_are_changed(user_with_key, fake):
    workspace = seeded_workspace(harness_client_for(user_with_key))
    direct_put(
        workspace.identifier,
        provider_connector="account.aws_prod",
        provider_connectors=[{"connector_ref": "account.aws_dev", "type": "aws"}],
    )
    draft = edit(start(user_with_key, workspace), provisioner={"gcp": "account.gcp_main"})

    body = update.update_body(stored_steps(draft.data), draft=draft)
    changes = [c.label for c in diff.change_review(draft)["changes"]]

    assert body["provider_connector"] == "account.aws_dev"
    assert changes == ["Main cloud connector", "GCP connector"]


def test_a_workspace_on_a_harness_code_repository_is_changed_without_a_git_connector(
    user_with_key, fake
):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, repository_connector="")
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})

    sent = submit.draft_submit(draft=draft, client=client)

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert sent.problems == {}
    assert sent.draft.status == "updated", sent.draft.harness_response
    assert (after.repository, after.repository_connector) == (workspace.repository, "")
    assert after.description == "Only this changes"


def test_a_change_made_in_harness_meanwhile_is_shown_not_overwritten(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    draft = edit(start(user_with_key, workspace), repository={"branch": "develop"})
    direct_put(workspace.identifier, description="Changed in Harness")
    fake.clear_log()

    result = submit.draft_submit(draft=draft, client=client).draft

    assert result.status == "draft"
    assert result.harness_response["outcome"] == change.CHANGED_IN_HARNESS
    assert fake.log(route=UPDATE) == []
    shown = {c.label: c for c in diff.change_review(result)["harness_changes"]}
    assert shown["Description"].now == "Changed in Harness"
    assert shown["Description"].replaced

    shown_updated = result.harness_response["harness_workspace"]["updated"]
    assert change.draft_rebase(draft=result, shown_updated=shown_updated)
    sent = submit.draft_submit(draft=WorkspaceDraft.objects.get(pk=draft.pk), client=client)

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert sent.draft.status == "updated"
    assert len(fake.log(route=UPDATE)) == 1
    assert after.repository_branch == "develop"
    assert not change.draft_rebase(draft=sent.draft, shown_updated=shown_updated)


AWS_A, AWS_B = "account.aws_team_01", "account.aws_team_02"


def _changed_meanwhile(user, **in_harness):
    """A change of the branch, submitted after `in_harness` was put in Harness meanwhile (the
    main connector being AWS_A at the start): what the review shows, by label."""
    client = harness_client_for(user)
    workspace = seeded_workspace(client)
    direct_put(
        workspace.identifier,
        provider_connector=AWS_A,
        provider_connectors=[{"connector_ref": AWS_A, "type": "aws"}],
    )
    draft = edit(start(user, workspace), repository={"branch": "develop"})
    direct_put(workspace.identifier, **in_harness)
    shown = submit.draft_submit(draft=draft, client=client).draft
    assert shown.harness_response["outcome"] == change.CHANGED_IN_HARNESS
    return client, shown, {c.label: c for c in diff.change_review(shown)["harness_changes"]}


def _send_anyway(client, fake, draft) -> dict:
    """The PUT body "Send my change anyway" sends."""
    shown_updated = draft.harness_response["harness_workspace"]["updated"]
    assert change.draft_rebase(draft=draft, shown_updated=shown_updated)
    fake.clear_log()
    sent = submit.draft_submit(draft=WorkspaceDraft.objects.get(pk=draft.pk), client=client)
    assert sent.draft.status == "updated", sent.draft.harness_response
    [put] = fake.log(route=UPDATE)
    return put["body"]


def test_send_anyway_sends_the_main_connector_the_table_said_it_would(user_with_key, fake):
    client, shown, table = _changed_meanwhile(
        user_with_key,
        provider_connector=AWS_B,
        provider_connectors=[{"connector_ref": AWS_B, "type": "aws"}],
    )
    promised = table["Main cloud connector"]

    body = _send_anyway(client, fake, shown)

    assert (promised.now, promised.yours, promised.replaced) == (AWS_B, AWS_A, True)
    assert body["provider_connector"] == promised.yours
    assert body["provider_connectors"] == [{"connector_ref": AWS_A, "type": "aws"}]


def test_send_anyway_follows_the_main_connector_harness_chose_meanwhile_if_left_as_it_was(
    user_with_key, fake
):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    both = [
        {"connector_ref": "account.aws_prod", "type": "aws"},
        {"connector_ref": "account.gcp_main", "type": "gcp"},
    ]
    direct_put(
        workspace.identifier, provider_connector="account.gcp_main", provider_connectors=both
    )
    draft = edit(start(user_with_key, workspace), repository={"branch": "develop"})
    assert draft.data["provisioner"]["main"] == "gcp"
    # The main one changed in Harness between the connectors the change leaves as they were, its
    # choice of the main one included: sent anyway, the change follows Harness there.
    direct_put(workspace.identifier, provider_connector="account.aws_prod")
    shown = submit.draft_submit(draft=draft, client=client).draft
    assert shown.harness_response["outcome"] == change.CHANGED_IN_HARNESS
    table = {c.label: c for c in diff.change_review(shown)["harness_changes"]}
    promised = table["Main cloud connector"]

    body = _send_anyway(client, fake, shown)

    assert (promised.now, promised.yours, promised.replaced) == (
        "account.aws_prod",
        "account.aws_prod",
        False,
    )
    assert body["provider_connector"] == "account.aws_prod"


def test_send_anyway_table_says_what_the_put_does_with_a_setting_the_steps_do_not_edit(
    user_with_key, fake
):
    client, shown, table = _changed_meanwhile(user_with_key, variable_sets=["vs_shared"])
    row = table["Variable sets"]

    body = _send_anyway(client, fake, shown)

    assert body["variable_sets"] == ["vs_shared"]
    assert (row.yours, row.replaced) == ('["vs_shared"]', False)


def test_send_anyway_keeps_the_budget_harness_holds_now_as_the_table_says(user_with_key, fake):
    # Cost estimation off: the budget field is hidden, and the user left it as it was.
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, cost_estimation_enabled=False, budget=500.0)
    draft = edit(start(user_with_key, workspace), repository={"branch": "develop"})
    direct_put(workspace.identifier, budget=800.0)
    shown = submit.draft_submit(draft=draft, client=client).draft
    row = {c.label: c for c in diff.change_review(shown)["harness_changes"]}["Monthly budget"]

    body = _send_anyway(client, fake, shown)

    assert (row.started, row.now, row.yours, row.replaced) == (
        "$500.00",
        "$800.00",
        "$800.00",
        False,
    )
    assert body["budget"] == 800.0
    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert after.budget == 800.0


def test_a_policy_denial_comes_back_on_the_review(user_with_key, fake):
    client = harness_client_for(user_with_key)
    draft = start(user_with_key, seeded_workspace(client))
    edit(
        draft,
        basics={"tags": [{"key": "env", "value": "prod"}]},
        provisioner={"cost_estimation_enabled": False},
    )

    result = submit.draft_submit(draft=draft, client=client).draft

    assert result.status == "failed"
    assert result.harness_response["outcome"] == "policy_denied"
    assert result.harness_response["message"] == "Harness policies denied this change."


def test_a_refused_field_lands_on_its_step_and_row(user_with_key, fake):
    client = harness_client_for(user_with_key)
    draft = start(user_with_key, seeded_workspace(client))
    edit(
        draft,
        variables={
            "terraform": [],
            "environment": [{"key": "DB", "value": "account.nope", "value_type": "secret"}],
        },
    )

    result = submit.draft_submit(draft=draft, client=client).draft

    assert result.status == "failed"
    assert result.harness_response["step"] == "variables"
    assert result.harness_response["row"] == "DB"


def test_a_dropped_put_is_decided_by_a_get_that_compares_the_fields(user_with_key, fake, settings):
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    draft = edit(start(user_with_key, workspace), repository={"branch": "hotfix"})
    # The PUT is applied but its answer is cut: Harness did change it.
    fake.inject(UPDATE, body="malformed")

    landed = submit.draft_submit(draft=draft, client=client).draft

    assert landed.status == "updated"
    assert "landed" in landed.harness_response["message"]


def test_a_lost_put_is_sent_again_only_after_a_get(user_with_key, fake, settings):
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    draft = edit(start(user_with_key, workspace), repository={"branch": "hotfix"})
    fake.inject(UPDATE, drop=True)

    lost = submit.draft_submit(draft=draft, client=client).draft
    status, outcome = lost.status, lost.harness_response["outcome"]
    fake.clear_log()
    again = submit.draft_submit(draft=lost, client=client).draft

    assert (status, outcome) == ("failed", "unknown")
    assert again.status == "updated"
    # The look before an approval rule may hold it, the check before the PUT, the PUT.
    assert [entry["route"] for entry in fake.log()][:3] == [GET, GET, UPDATE]


def test_a_put_a_gateway_failed_may_still_land_and_the_retry_settles_it(user_with_key, fake):
    """A 502 is no proof the PUT did nothing: the outcome does not say the workspace was not
    changed, and when the change lands after the portal's GET, the retry says so."""
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    draft = edit(start(user_with_key, workspace), repository={"branch": "hotfix"})
    fake.inject(UPDATE, status=502)

    submit.draft_submit(draft=draft, client=client)
    first = WorkspaceDraft.objects.get(pk=draft.pk)
    client.update_workspace(
        org=ORG, project=PROJECT, identifier=workspace.identifier, body=first.submitted_body
    )
    again = submit.draft_submit(draft=draft, client=client).draft

    assert (first.status, first.harness_response["outcome"]) == ("failed", "unavailable")
    assert "not changed" not in first.harness_response["message"]
    assert "may still" in first.harness_response["message"]
    assert again.status == "updated"
    assert again.harness_response["message"] == "Changed on an earlier attempt."
    assert len(fake.log(route=UPDATE)) == 2  # the portal's one PUT, and the one that landed


def _landed_unanswered_then_edited(user, client, workspace) -> WorkspaceDraft:
    """A change to the branch whose PUT landed without an answer, then a description edited
    before the next submit."""
    from workspaces.wizard import drafts

    draft = edit(start(user, workspace), repository={"branch": "develop"})
    body = update.update_body(stored_steps(draft.data), draft=draft)
    client.update_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier, body=body)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status="failed", submitted_body=body, harness_response={"outcome": "unknown"}
    )
    draft.refresh_from_db()
    drafts.draft_save_step(
        draft=draft,
        step="basics",
        values={**draft.data["basics"], "description": "Corrected before resubmitting"},
        client=client,
    )
    draft.refresh_from_db()
    return draft


def test_an_edit_made_after_an_unclear_put_that_landed_is_sent_or_kept(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    draft = _landed_unanswered_then_edited(user_with_key, client, workspace)

    result = submit.draft_submit(draft=draft, client=client).draft

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    sent = after.description == "Corrected before resubmitting"
    assert sent or result.status != "updated", result.harness_response


def test_after_an_unclear_put_that_landed_the_edits_since_come_back_to_review(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    draft = _landed_unanswered_then_edited(user_with_key, client, workspace)
    landed = draft.submitted_body
    fake.clear_log()

    back = copy.deepcopy(submit.draft_submit(draft=draft, client=client).draft)
    left = [c.label for c in diff.change_review(back)["changes"]]
    sent = submit.draft_submit(draft=draft, client=client).draft

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert (back.status, back.harness_response["outcome"]) == ("draft", "landed_earlier")
    assert "not sent yet" in back.harness_response["message"]
    assert back.workspace_snapshot["repository_branch"] == "develop"
    assert left == ["Description"]
    assert sent.status == "updated", sent.harness_response
    assert (after.repository_branch, after.description) == (
        "develop",
        "Corrected before resubmitting",
    )
    assert len(fake.log(route=UPDATE)) == 1  # the edits since; the landed PUT is not sent again
    entries = AuditEntry.objects.filter(action="edit").order_by("id")
    assert [(e.outcome, e.body == landed) for e in entries] == [
        ("updated", True),
        ("updated", False),
    ]


def listed_workspace(user, client, **changes):
    """A seeded workspace whose main cloud connector is also in its provider_connectors (as the
    portal itself writes them), with `changes` made in Harness: a change that only clears a
    field differs from it in that field alone."""
    workspace = seeded_workspace(client)
    probe = start(user, workspace)
    chosen = probe.data["provisioner"]
    connectors = [
        {"connector_ref": chosen[slot], "type": slot}
        for slot in steps.PROVIDER_TYPES
        if chosen.get(slot)
    ]
    probe.delete()
    direct_put(workspace.identifier, provider_connectors=connectors, **changes)
    return workspace


def test_a_lost_put_that_only_clears_the_budget_is_not_reported_landed(
    user_with_key, fake, settings
):
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(user_with_key)
    workspace = listed_workspace(user_with_key, client, cost_estimation_enabled=True, budget=750.0)
    # Cost estimation stays on and the budget is cleared: the PUT clears it by leaving it out.
    draft = edit(start(user_with_key, workspace), provisioner={"budget": ""})
    fake.inject(UPDATE, drop=True)  # the PUT never reaches Harness: nothing changes

    result = submit.draft_submit(draft=draft, client=client).draft

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert after.budget == 750.0
    assert (result.status, result.harness_response["outcome"]) == ("failed", "unknown")


def test_a_lost_put_that_only_turns_terragrunt_off_is_not_reported_landed(
    user_with_key, fake, settings
):
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(user_with_key)
    workspace = listed_workspace(
        user_with_key, client, terragrunt_provider=True, terragrunt_version="0.80.4"
    )
    draft = edit(start(user_with_key, workspace), provisioner={"terragrunt": False})
    fake.inject(UPDATE, drop=True)  # the PUT never reaches Harness: nothing changes

    lost = submit.draft_submit(draft=draft, client=client).draft
    status, outcome = lost.status, lost.harness_response["outcome"]
    fake.clear_log()
    again = submit.draft_submit(draft=lost, client=client).draft

    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert (status, outcome) == ("failed", "unknown")
    # Submitted again, it is sent (not "Changed on an earlier attempt") and Harness holds it.
    assert again.status == "updated", again.harness_response
    assert [entry["route"] for entry in fake.log()][:3] == [GET, GET, UPDATE]
    assert after.terragrunt_provider is False


def test_a_change_to_a_linked_workspace_that_landed_unanswered_is_seen_landed(
    user_with_key, fake, settings
):
    """The fields the template locks are left out of the PUT and kept by Harness: they do not
    count against the change having landed."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client, linked=True)
    draft = edit(start(user_with_key, workspace), basics={"description": "Linked, changed"})
    fake.inject(UPDATE, body="malformed")  # Harness makes the change; its answer is cut

    landed = submit.draft_submit(draft=draft, client=client).draft

    assert landed.status == "updated", landed.harness_response
    assert "landed" in landed.harness_response["message"]


def test_a_change_left_submitting_is_decided_by_what_harness_holds(user_with_key, fake, settings):
    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    draft = edit(start(user_with_key, workspace), repository={"branch": "landed"})
    body = update.update_body(stored_steps(draft.data), draft=draft)
    client.update_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier, body=body)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status="submitting", submitted_body=body, submitted_at=draft.created_at
    )
    draft.refresh_from_db()

    decided = submit.draft_reconcile_stale(draft=draft, client=client)

    assert decided.status == "updated"


def test_a_lost_put_is_still_checked_after_a_failed_check(user_with_key, fake, settings):
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(user_with_key)
    draft = edit(start(user_with_key, seeded_workspace(client)), repository={"branch": "hotfix"})
    fake.inject(UPDATE, drop=True)
    submit.draft_submit(draft=draft, client=client)
    fake.inject(GET, status=503, times=5)

    unchecked = submit.draft_submit(draft=draft, client=client).draft

    assert unchecked.status == "failed"
    assert unchecked.harness_response["outcome"] == "unknown"
    assert "nothing was sent" in unchecked.harness_response["message"]


def _landed_unanswered_before_the_upgrade(user, client, **status) -> WorkspaceDraft:
    """A change whose snapshot the previous release stored (a string sparse_checkout as a list),
    whose write landed with the string Harness holds, with no answer; `status` on the draft."""
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, sparse_checkout="modules/a\nmodules/b")
    draft = edit(start(user, workspace), repository={"branch": "hotfix"})
    draft.workspace_snapshot["sparse_checkout"] = ["modules/a", "modules/b"]
    draft.save(update_fields=["workspace_snapshot"])
    body = update.update_body(stored_steps(draft.data), draft=draft)
    sent = body | {"sparse_checkout": "modules/a\nmodules/b"}
    client.update_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier, body=sent)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(submitted_body=body, **status)
    draft.refresh_from_db()
    return draft


def test_an_unanswered_change_started_before_the_upgrade_is_seen_landed(user_with_key, fake):
    client = harness_client_for(user_with_key)
    unknown = {"outcome": "unknown", "message": "Submit again."}
    draft = _landed_unanswered_before_the_upgrade(
        user_with_key, client, status="failed", harness_response=unknown
    )
    fake.clear_log()

    again = submit.draft_submit(draft=draft, client=client).draft

    assert again.status == "updated", again.harness_response
    assert again.harness_response["message"] == "Changed on an earlier attempt."
    assert fake.log(route=UPDATE) == []


def test_a_change_started_before_the_upgrade_left_submitting_is_seen_landed(
    user_with_key, fake, settings
):
    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    client = harness_client_for(user_with_key)
    draft = _landed_unanswered_before_the_upgrade(
        user_with_key, client, status="submitting", submitted_at=timezone.now()
    )

    decided = submit.draft_reconcile_stale(draft=draft, client=client)

    assert decided.status == "updated"


def test_a_workspace_holding_a_key_with_a_dash_can_still_be_changed(user_with_key, fake):
    """Harness takes "-" in a key (contract §2.4, IaCMVariable.key), and the portal itself sent
    such keys before; a change of such a workspace, even of its description only, is sent."""
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    store_variable(fake, workspace.identifier, "instance-type")  # by Terraform, the API, ...
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})
    assert "instance-type" in [row["key"] for row in draft.data["variables"]["terraform"]]
    fake.clear_log()

    submitted = submit.draft_submit(draft=draft, client=client)

    assert not submitted.problems, submitted.problems
    assert submitted.draft.status == "updated", submitted.draft.harness_response
    [put] = fake.log(route=UPDATE)
    assert put["body"]["terraform_variables"]["instance-type"]["value"] == "t3.small"


def test_a_read_only_key_is_refused_and_said_so(user, fake):
    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    client = harness_client_for(user)
    draft = edit(start(user, seeded_workspace(client)), repository={"branch": "develop"})

    result = submit.draft_submit(draft=draft, client=client).draft

    assert result.status == "failed"
    assert result.harness_response["forbidden"] is True


def test_a_403_on_the_read_before_the_put_says_the_key_lacks_permission(user_with_key, fake):
    client = harness_client_for(user_with_key)
    draft = edit(start(user_with_key, seeded_workspace(client)), repository={"branch": "x"})
    fake.clear_log()
    fake.inject(GET, status=403)

    result = submit.draft_submit(draft=draft, client=client).draft

    message = result.harness_response["message"]
    assert (result.status, result.harness_response["outcome"]) == ("failed", "unchecked")
    assert "may not read" in message
    assert "submit again" not in message.lower()
    assert fake.log(route=UPDATE) == []


def test_a_403_on_the_look_after_an_unclear_put_says_the_key_lacks_permission(user_with_key, fake):
    client = harness_client_for(user_with_key)
    draft = edit(start(user_with_key, seeded_workspace(client)), repository={"branch": "x"})
    body = update.update_body(stored_steps(draft.data), draft=draft)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status="failed", submitted_body=body, harness_response={"outcome": "unknown"}
    )
    draft.refresh_from_db()
    fake.inject(GET, status=403)

    result = submit.draft_submit(draft=draft, client=client).draft

    message = result.harness_response["message"]
    assert (result.status, result.harness_response["outcome"]) == ("failed", "unknown")
    assert "not allowed" in message
    assert "submit again" not in message.lower()


def test_a_deleted_workspace_is_said_in_words_and_no_change_is_recorded(user_with_key, fake):
    client = harness_client_for(user_with_key)
    draft = edit(start(user_with_key, seeded_workspace(client)), repository={"branch": "x"})
    fake.inject(GET, status=404)

    result = submit.draft_submit(draft=draft, client=client).draft

    assert result.status == "failed"
    assert "no longer exists" in result.harness_response["message"]
    assert fake.log(route=UPDATE) == []
    assert not AuditEntry.objects.exists()  # the GET found it gone: no PUT was sent


def test_a_401_on_the_read_before_the_put_records_no_change(user_with_key, fake):
    from workspaces.harness import errors

    client = harness_client_for(user_with_key)
    draft = edit(start(user_with_key, seeded_workspace(client)), repository={"branch": "x"})
    fake.clear_log()
    fake.inject(GET, status=401)

    with pytest.raises(errors.HarnessUnauthorized):
        submit.draft_submit(draft=draft, client=client)

    draft.refresh_from_db()
    assert draft.status == "draft"
    assert fake.log(route=UPDATE) == []
    assert not AuditEntry.objects.exists()


def test_a_401_on_the_look_after_an_unanswered_put_keeps_the_outcome_unclear(
    user_with_key, fake, settings
):
    """The key was revoked while Harness worked on the PUT: the change may have landed, so the
    request stays failed with an unclear outcome (its retry looks first), not back to a draft."""
    from workspaces.harness import errors

    settings.HARNESS_READ_TIMEOUT = 0.3
    client = harness_client_for(user_with_key)
    draft = edit(start(user_with_key, seeded_workspace(client)), repository={"branch": "x"})
    fake.inject(GET)  # the read before the PUT passes (faults apply first-added first)
    fake.inject(GET, status=401)  # the look after it
    fake.inject(UPDATE, delay_ms=600)  # Harness answers after the portal gave up

    with pytest.raises(errors.HarnessUnauthorized):
        submit.draft_submit(draft=draft, client=client)

    draft.refresh_from_db()
    assert (draft.status, draft.harness_response["outcome"]) == ("failed", "unknown")
    assert "refused your key" in draft.harness_response["message"]
    entry = AuditEntry.objects.get()
    assert (entry.outcome, entry.harness_status) == ("unknown", None)
    deadline = time.monotonic() + 3
    while not fake.log(route=UPDATE) and time.monotonic() < deadline:
        time.sleep(0.05)  # the slow PUT lands in this test, not in the next one's fake


def test_a_put_answered_with_an_unmapped_4xx_is_a_refusal_in_words(user_with_key, fake):
    client = harness_client_for(user_with_key)
    draft = edit(start(user_with_key, seeded_workspace(client)), repository={"branch": "x"})
    fake.inject(UPDATE, status=413)

    result = submit.draft_submit(draft=draft, client=client).draft

    assert (result.status, result.harness_response["outcome"]) == ("failed", "refused")
    assert "HTTP 413" in result.harness_response["message"]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submits_of_a_change_make_exactly_one_put(user, fake):
    credential_save(user=user, account_id=ACCOUNT, api_key=FULL_KEY)
    draft = edit(
        start(user, seeded_workspace(harness_client_for(user))), repository={"branch": "b"}
    )

    outcomes, failures = submit_together(20, draft, user, fake)

    assert failures == []
    assert len(outcomes) == 20
    assert len(fake.log(route=UPDATE)) == 1
    draft.refresh_from_db()
    assert draft.status == "updated"
    assert set(outcomes) <= {"submitting", "updated"}


@pytest.mark.django_db(transaction=True)  # row locks: rerun on PostgreSQL (tests/conftest.py)
def test_two_edit_clicks_at_once_open_one_change(user, fake):
    from tests.concurrency import run_together

    credential_save(user=user, account_id=ACCOUNT, api_key=FULL_KEY)
    workspace = seeded_workspace(harness_client_for(user))
    fake.set_latency(50)
    try:
        opened, failures = run_together(2, lambda: str(start(user, workspace).pk))
    finally:
        fake.set_latency(0)

    assert failures == []
    assert len(set(opened)) == 1
    assert WorkspaceDraft.objects.filter(kind="edit", identifier=workspace.identifier).count() == 1
