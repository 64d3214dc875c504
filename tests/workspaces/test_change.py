"""Changing a workspace: the edit draft from Harness, the update body and its diff (sending it:
`test_change_send.py`).

Real HTTP against the fake Harness; concurrent changes are made with a direct PUT, faults with
the fake's injection.
"""

import copy

import pytest
from django.urls import reverse

from tests.conftest import ACCOUNT, FULL_KEY
from tests.samples import complete_draft
from workspaces.clients import harness_client, harness_client_for
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.services import credential_save
from workspaces.wizard import (
    budgets,
    change,
    diff,
    drafts,
    prefill,
    rows,
    steps,
    submit,
    update,
    validation,
)
from workspaces.wizard.body import build_body, stored_steps

ORG, PROJECT = "default", "infra"
GET, UPDATE = "iacm.workspaces.get", "iacm.workspaces.update"


def seeded_workspace(client, *, linked: bool = False):
    """A seeded workspace of default/infra the steps hold as it is: OpenTofu or Terraform
    (not through Terragrunt) on a branch, a pinned version, linked to a template or not."""
    for item in client.list_workspaces(org=ORG, project=PROJECT, limit=200).items:
        workspace = client.get_workspace(org=ORG, project=PROJECT, identifier=item.identifier)
        versions = steps.allowed_versions(workspace.provisioner, [workspace.provisioner_version])
        if (
            workspace.provisioner in steps.PROVISIONERS
            and versions
            and not workspace.terragrunt_provider
            and workspace.repository_branch
            and (workspace.associated_template is not None) == linked
            and (workspace.budget is None or workspace.cost_estimation_enabled)
        ):
            return workspace
    raise AssertionError("the fake seeds no such workspace")


def start(user, workspace) -> WorkspaceDraft:
    return change.draft_start_change(
        owner=user,
        org=ORG,
        project=PROJECT,
        identifier=workspace.identifier,
        client=harness_client_for(user),
    )


def edit(draft: WorkspaceDraft, **steps_values) -> WorkspaceDraft:
    """The draft with `step={field: value}` written into its data, as saved steps would."""
    for step, values in steps_values.items():
        draft.data[step] = {**draft.data[step], **values}
    draft.save()
    return draft


def direct_put(workspace_identifier: str, **changes) -> None:
    """Someone else changes the workspace in Harness (the demo key, not the portal)."""
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
    now = update.workspace_snapshot(
        client.get_workspace(org=ORG, project=PROJECT, identifier=workspace_identifier)
    )
    body = update.held_body(now) | changes
    client.update_workspace(org=ORG, project=PROJECT, identifier=workspace_identifier, body=body)


# --- starting ----------------------------------------------------------------------------------


def test_start_fills_the_steps_from_harness_and_keeps_what_it_read(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)

    draft = start(user_with_key, workspace)

    assert draft.kind == "edit"
    assert draft.current_step == "basics"
    assert draft.data["basics"]["name"] == workspace.name
    assert draft.data["basics"]["identifier"] == workspace.identifier
    assert draft.data["repository"]["branch"] == workspace.repository_branch
    assert steps.fixed_map(draft.data) == {"basics.identifier": workspace.identifier}
    assert draft.workspace_snapshot["name"] == workspace.name
    assert draft.workspace_updated == round(workspace.updated.timestamp() * 1000)
    assert validation.draft_problems(draft.data) == {}
    assert update.update_body(stored_steps(draft.data), draft=draft)["name"] == workspace.name


def test_start_reuses_the_open_change_of_the_same_owner(user_with_key, other_user, fake):
    workspace = seeded_workspace(harness_client_for(user_with_key))
    credential_save(user=other_user, account_id=ACCOUNT, api_key=FULL_KEY)

    first = start(user_with_key, workspace)
    again = start(user_with_key, workspace)
    theirs = start(other_user, workspace)

    assert again.pk == first.pk
    assert theirs.pk != first.pk
    assert WorkspaceDraft.objects.filter(kind="edit").count() == 2


def test_the_identifier_cannot_be_changed(user_with_key, fake):
    draft = start(user_with_key, seeded_workspace(harness_client_for(user_with_key)))

    saved = drafts.draft_save_step(
        draft=draft,
        step="basics",
        values={**draft.data["basics"], "identifier": "another_one"},
        client=harness_client_for(user_with_key),
    )

    assert saved.draft.data["basics"]["identifier"] == draft.identifier
    assert saved.problems == {}
    assert validation.bind_step("basics", saved.draft.data).fields["identifier"].disabled


def test_a_workspace_the_steps_cannot_hold_is_refused_with_the_reason(user_with_key, fake):
    client = harness_client_for(user_with_key)
    cdk = next(
        item
        for item in client.list_workspaces(org=ORG, project=PROJECT, limit=200).items
        if client.get_workspace(org=ORG, project=PROJECT, identifier=item.identifier).provisioner
        == "awscdk"
    )

    with pytest.raises(change.ChangeRefused, match="awscdk"):
        start(user_with_key, cdk)
    assert not WorkspaceDraft.objects.exists()


def test_a_linked_workspace_keeps_its_template_locks(user_with_key, fake):
    workspace = seeded_workspace(harness_client_for(user_with_key), linked=True)

    draft = start(user_with_key, workspace)
    body = update.update_body(stored_steps(draft.data), draft=draft)

    template = draft.data["template"]
    assert template["source"] == "template"
    assert template["template_ref"] == workspace.associated_template.template_id
    assert template["locked"], "the seeded templates lock something"
    assert "associated_template" not in body
    assert "identifier" not in body


def test_opening_a_change_on_a_linked_workspace_changes_nothing(user_with_key, fake):
    workspace = seeded_workspace(harness_client_for(user_with_key), linked=True)

    draft = start(user_with_key, workspace)

    changes = [(c.label, c.before, c.after) for c in diff.change_review(draft)["changes"]]
    assert changes == []


def test_a_linked_workspace_keeps_the_additional_provider_connectors_harness_holds(
    user_with_key, fake
):
    """A locked provisioner locks the additional provider connectors without naming them in the
    template's YAML: the change holds, and leaves out, what Harness holds; the main connector is
    the change's (the Terraform provider's locked-fields test sets it)."""
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client, linked=True)
    store = fake.server.app.state.workspaces[(ACCOUNT, ORG, PROJECT)]
    held = copy.deepcopy(store.by_id[workspace.identifier].data)
    listed = [
        {"connector_ref": ref, "type": kind, "created": 1, "updated": 1}
        for ref, kind in (("aws_infra", "aws"), ("account.vault_main", "vault"))
    ]
    store.put(held | {"provider_connector": "account.gcp_main", "provider_connectors": listed})

    draft = start(
        user_with_key,
        client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier),
    )
    body = update.update_body(stored_steps(draft.data), draft=draft)

    locked = draft.data["template"]["locked"]
    assert (locked["provisioner.aws"], locked["provisioner.vault"]) == (
        "aws_infra",
        "account.vault_main",
    )
    assert "provisioner.gcp" not in locked
    assert draft.data["provisioner"]["gcp"] == "account.gcp_main"
    assert validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot) == {}
    assert diff.change_review(draft)["changes"] == []
    assert "provider_connectors" not in body
    assert body["provider_connector"] == "account.gcp_main"


def test_a_linked_workspace_is_changed_without_touching_what_its_template_locks(
    user_with_key, fake
):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client, linked=True)
    draft = edit(start(user_with_key, workspace), basics={"description": "Linked, changed"})
    predicted = [(c.label, c.after) for c in diff.change_review(draft)["changes"]]

    result = submit.draft_submit(draft=draft, client=client).draft

    (put,) = fake.log(route=UPDATE)
    after = client.get_workspace(org=ORG, project=PROJECT, identifier=workspace.identifier)
    assert result.status == "updated", result.harness_response
    assert predicted == [("Description", "Linked, changed")]
    assert after.description == "Linked, changed"
    assert (after.provisioner_version, after.repository_path) == (
        workspace.provisioner_version,
        workspace.repository_path,
    )
    assert after.associated_template == workspace.associated_template
    # The seeded templates lock the repository and the default pipelines.
    assert "repository" not in put["body"]
    assert "default_pipelines" not in put["body"]


def test_a_linked_workspace_shows_what_harness_holds_for_locked_fields(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client, linked=True)
    state = fake.server.app.state
    with state.lock:
        store = state.workspaces[next(k for k in state.workspaces if PROJECT in k)]
        store.put({**store.by_id[workspace.identifier].data, "repository_path": "envs/dev"})

    draft = start(user_with_key, workspace)

    assert diff.change_review(draft)["changes"] == []
    assert draft.data["repository"]["path"] == "envs/dev"  # the step shows it, locked
    assert steps.step_locks(draft.data, "repository")["path"] == "envs/dev"
    assert validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot) == {}


def test_a_locked_version_harness_holds_as_latest_is_no_change_in_the_diff(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client, linked=True)
    store = fake.server.app.state.workspaces[(ACCOUNT, ORG, PROJECT)]
    store.put({**store.by_id[workspace.identifier].data, "provisioner_version": "latest"})

    draft = start(user_with_key, workspace)

    assert "provisioner.version" in draft.data["template"]["locked"]
    assert validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot) == {}
    assert diff.change_review(draft)["changes"] == []


def test_a_key_that_may_not_look_up_connectors_is_told_so_not_to_try_again(user_with_key, fake):
    workspace = seeded_workspace(harness_client_for(user_with_key))
    fake.inject("ng.connectors.list", status=403)

    with pytest.raises(change.ChangeRefused) as refused:
        start(user_with_key, workspace)

    assert "permission to view connectors" in refused.value.message
    assert "again" not in refused.value.message.lower()
    assert not WorkspaceDraft.objects.exists()


def test_an_unreadable_template_refuses_the_start(user_with_key, fake):
    workspace = seeded_workspace(harness_client_for(user_with_key), linked=True)
    fake.inject("v1.templates.version", status=500, times=10)

    with pytest.raises(change.ChangeRefused, match="could not be read"):
        start(user_with_key, workspace)


# --- the update body and the diff --------------------------------------------------------------


def test_update_body_is_the_create_body_without_identifier_plus_what_the_steps_do_not_edit(
    user_with_key, fake
):
    draft = start(user_with_key, seeded_workspace(harness_client_for(user_with_key)))
    draft.workspace_snapshot |= {"prune_sensitive_data": True, "variable_sets": ["shared"]}

    body = update.update_body(stored_steps(draft.data), draft=draft)

    assert "identifier" not in body
    assert body["prune_sensitive_data"] is True
    assert body["variable_sets"] == ["shared"]
    assert body["terraform_variables"] == draft.workspace_snapshot["terraform_variables"]


def test_the_diff_shows_each_change_and_added_and_removed_rows(user_with_key, fake):
    draft = start(user_with_key, seeded_workspace(harness_client_for(user_with_key)))
    old_branch = draft.data["repository"]["branch"]
    edit(
        draft,
        repository={"branch": "release"},
        variables={
            "terraform": [{"key": "size", "value": "m5", "value_type": "string"}],
            "environment": [{"key": "DB", "value": "account.tf_token", "value_type": "secret"}],
        },
    )

    review = diff.change_review(draft)

    changes = {c.label: c for c in review["changes"]}
    assert (changes["Branch"].before, changes["Branch"].after) == (old_branch, "release")
    assert changes["Branch"].kind == "changed"
    assert changes["Terraform variable size"].kind == "added"
    assert changes["Terraform variable region"].kind == "removed"
    assert changes["Environment variable DB"].after == "secret reference account.tf_token"
    assert "Name" not in changes
    assert review["body"]["repository_branch"] == "release"
    assert review["harness_changes"] == []


def test_nothing_changed_is_an_empty_diff(user_with_key, fake):
    client = harness_client_for(user_with_key)
    # A workspace the portal created: Harness holds exactly what the steps send.
    client.create_workspace(org=ORG, project=PROJECT, body=build_body(complete_draft("as_sent")))
    workspace = client.get_workspace(org=ORG, project=PROJECT, identifier="as_sent")

    draft = start(user_with_key, workspace)

    assert diff.change_review(draft)["changes"] == []


def test_a_connector_harness_holds_only_as_the_main_one_is_no_change_in_the_diff(
    user_with_key, fake
):
    workspace = seeded_workspace(harness_client_for(user_with_key))
    assert not [c for c in workspace.provider_connectors if c.type == "aws"]

    review = diff.change_review(start(user_with_key, workspace))

    # Nothing was changed, so the diff is empty; the PUT body lists every chosen connector in
    # `provider_connectors`, as a create does, beside the main one.
    assert review["changes"] == []
    assert {"connector_ref": workspace.provider_connector, "type": "aws"} in review["body"][
        "provider_connectors"
    ]
    assert review["body"]["provider_connector"] == workspace.provider_connector


def test_the_main_connector_beside_a_vault_connector_is_no_change_in_the_diff(
    signed_in_with_key, user_with_key, fake
):
    """The main cloud connector Harness holds only as `provider_connector` is no change when the
    workspace lists other connectors (a Vault one) either, not only when it lists none."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    direct_put(
        workspace.identifier,
        provider_connectors=[{"connector_ref": "account.vault_main", "type": "vault"}],
    )
    draft = start(user_with_key, workspace)

    changes = [(c.label, c.kind) for c in diff.change_review(draft)["changes"]]
    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))

    assert changes == []
    assert "Nothing is changed yet" in review.content.decode()


def test_an_untouched_budget_is_sent_as_harness_holds_it(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, cost_estimation_enabled=True, budget=1234567.89)

    draft = start(user_with_key, workspace)
    body = update.update_body(stored_steps(draft.data), draft=draft)

    # Harness holds a float32 and sends it back as Go writes one (`budgets.as_held`).
    assert draft.data["provisioner"]["budget"] == "1234567.9"
    assert body["budget"] == 1234567.9
    assert diff.change_review(draft)["changes"] == []


@pytest.mark.parametrize("budget", [99.999, 20_000_000.0], ids=["3 decimals", "over 10M"])
@pytest.mark.parametrize("estimating", [False, True], ids=["estimation off", "estimation on"])
def test_a_budget_harness_holds_does_not_block_a_change_that_leaves_it(
    user_with_key, fake, budget, estimating
):
    # The portal's rule (two decimals, at most 10,000,000) is for a budget typed, not held.
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, cost_estimation_enabled=estimating, budget=budget)
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})

    problems = validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot)
    body = update.update_body(stored_steps(draft.data), draft=draft)

    assert problems == {}
    assert body["budget"] == budget
    assert [c.label for c in diff.change_review(draft)["changes"]] == ["Description"]
    # Another such budget, typed, is still refused.
    typed = edit(draft, provisioner={"budget": budgets.budget_text(budget + 1)})
    refused = validation.draft_problems(typed.data, snapshot=typed.workspace_snapshot)
    assert list(refused["provisioner"]) == ["budget"]


def test_a_workspace_that_follows_the_latest_version_keeps_following_it(user_with_key, fake):
    # Contract §2.1: `provisioner_version` is a string whose default is "latest".
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, provisioner_version="latest")
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})

    # Saving the step (its version picker loaded) keeps it, no pinned version is put in.
    saved = drafts.draft_save_step(
        draft=draft,
        step="provisioner",
        values=dict(draft.data["provisioner"]),
        client=client,
    )
    body = update.update_body(stored_steps(saved.draft.data), draft=saved.draft)

    assert draft.data["provisioner"]["version"] == "latest"
    assert validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot) == {}
    assert saved.problems == {}
    assert body["provisioner_version"] == "latest"
    assert [c.label for c in diff.change_review(saved.draft)["changes"]] == ["Description"]
    # Only a change of a workspace that follows it: a version typed as "latest" is refused.
    assert "version" in validation.bind_step("provisioner", saved.draft.data).problems()


@pytest.mark.parametrize(
    "held",
    [{"name": "Payments (EU)"}, {"name": "Zürich VPC"}, {"repository_path": "/envs/dev"}],
    ids=["brackets", "non-ascii", "leading slash"],
)
def test_a_name_or_path_harness_holds_does_not_block_a_change_that_leaves_it(
    user_with_key, fake, held
):
    # Contract §2.1: a name is any string of 1..128 characters, a path any string.
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, **held)
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})

    problems = validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot)
    body = update.update_body(stored_steps(draft.data), draft=draft)

    assert problems == {}
    assert body.items() >= held.items()
    assert [c.label for c in diff.change_review(draft)["changes"]] == ["Description"]
    # Typed anew, such a value is still refused.
    field = "name" if "name" in held else "path"
    step = "basics" if "name" in held else "repository"
    typed = edit(draft, **{step: {field: next(iter(held.values())) + "2"}})
    refused = validation.draft_problems(typed.data, snapshot=typed.workspace_snapshot)
    assert list(refused[step]) == [field]


def test_a_repository_name_harness_holds_does_not_block_a_change_that_leaves_it(
    user_with_key, fake
):
    """A repository name Harness holds may have spaces (contract §2.1: any string; a Git
    connector may reach an Azure DevOps repository named so); the portal's rule (no spaces)
    refused the one Harness holds on every change of the workspace."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    direct_put(workspace.identifier, repository="Platform Infra")
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})

    problems = validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot)
    body = update.update_body(stored_steps(draft.data), draft=draft)

    assert problems == {}
    assert body["repository"] == "Platform Infra"
    # Typed anew, such a name is still refused.
    typed = edit(draft, repository={"repository": "Platform Infra 2"})
    refused = validation.draft_problems(typed.data, snapshot=typed.workspace_snapshot)
    assert list(refused["repository"]) == ["repository"]


def test_the_main_connector_stays_while_it_is_among_the_connectors(user_with_key, fake):
    workspace = seeded_workspace(harness_client_for(user_with_key))
    direct_put(
        workspace.identifier,
        provider_connector="account.gcp_main",
        provider_connectors=[
            {"connector_ref": "account.aws_prod", "type": "aws"},
            {"connector_ref": "account.gcp_main", "type": "gcp"},
        ],
    )
    draft = start(user_with_key, workspace)

    kept = update.update_body(stored_steps(draft.data), draft=draft)
    untouched = diff.change_review(draft)["changes"]
    edit(draft, provisioner={"gcp": ""})
    dropped = update.update_body(stored_steps(draft.data), draft=draft)

    assert kept["provider_connector"] == "account.gcp_main"
    assert untouched == []
    assert dropped["provider_connector"] == "account.aws_prod"
    assert [c.label for c in diff.change_review(draft)["changes"]] == [
        "Main cloud connector",
        "GCP connector",
    ]


def test_a_change_can_make_another_listed_connector_the_main_one(user_with_key, fake):
    workspace = seeded_workspace(harness_client_for(user_with_key))
    direct_put(
        workspace.identifier,
        provider_connector="account.gcp_main",
        provider_connectors=[
            {"connector_ref": "account.aws_prod", "type": "aws"},
            {"connector_ref": "account.gcp_main", "type": "gcp"},
        ],
    )
    draft = start(user_with_key, workspace)
    assert draft.data["provisioner"]["main"] == "gcp"  # the Provisioner step shows it chosen

    edit(draft, provisioner={"main": "aws"})
    body = update.update_body(stored_steps(draft.data), draft=draft)

    # The connectors are as placed at the start, but the main one is the change's choice.
    assert body["provider_connector"] == "account.aws_prod"
    assert [c.label for c in diff.change_review(draft)["changes"]] == ["Main cloud connector"]


def test_a_change_started_before_the_main_choice_keeps_the_main_one_harness_holds(
    user_with_key, fake
):
    workspace = seeded_workspace(harness_client_for(user_with_key))
    direct_put(
        workspace.identifier,
        provider_connector="account.gcp_main",
        provider_connectors=[
            {"connector_ref": "account.aws_prod", "type": "aws"},
            {"connector_ref": "account.gcp_main", "type": "gcp"},
        ],
    )
    draft = start(user_with_key, workspace)
    # As a change started before the Provisioner step had the choice was saved.
    del draft.data["provisioner"]["main"], draft.data["template"]["held_connectors"]["main"]
    edit(draft, repository={"branch": "develop"})

    body = update.update_body(stored_steps(draft.data), draft=draft)

    assert body["provider_connector"] == "account.gcp_main"
    assert [c.label for c in diff.change_review(draft)["changes"]] == ["Branch"]


def test_tags_harness_holds_do_not_block_a_change(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    long_value = "v" * 300
    direct_put(
        workspace.identifier, tags={"Cost Center": "1234", "owner@team": "x", "notes": long_value}
    )
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})

    def problems_with(tags):
        edit(draft, basics={"tags": tags})
        return validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot)

    as_held = validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot)
    value_changed = problems_with([{"key": "owner@team", "value": "y"}])
    new_key = problems_with([{"key": "Team Lead", "value": "z"}])
    longer = problems_with([{"key": "notes", "value": long_value + "w"}])

    assert as_held == {}
    assert value_changed == {}  # the key is the workspace's; its value is a new one, checked
    assert list(new_key["basics"]) == ["tags.0.key"]
    assert list(longer["basics"]) == ["tags.0.value"]


def test_tags_beyond_those_harness_holds_still_count_against_the_limit(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    held = [{"key": f"team{i:02d}", "value": ""} for i in range(steps.MAX_TAGS + 5)]
    direct_put(workspace.identifier, tags={row["key"]: row["value"] for row in held})
    draft = start(user_with_key, workspace)
    basics = validation.bind_step("basics", draft.data, snapshot=draft.workspace_snapshot)
    limits = {name: rows.max_num for name, rows in basics.formsets.items()}

    added = [{"key": f"new{i:02d}", "value": "x"} for i in range(steps.MAX_TAGS + 1)]
    with_add = {"tags": list(held)}
    rows.apply_row_action("basics", with_add, "add-tag", limits=limits)
    full = {"tags": held + added[:-1]}
    rows.apply_row_action("basics", full, "add-tag", limits=limits)
    edit(draft, basics={"tags": held + added[:-1]})
    most = validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot)
    edit(draft, basics={"tags": held + added})
    one_more = validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot)

    assert len(with_add["tags"]) == len(held) + 1  # "Add a tag" adds beyond what Harness holds
    assert len(full["tags"]) == len(held) + steps.MAX_TAGS  # ... up to 50 more
    assert most == {}
    assert one_more == {
        "basics": {
            "tags": [f"Use at most 105 tags: the {len(held)} this workspace holds and 50 more."]
        }
    }


def test_a_workspace_holding_more_tags_than_the_steps_hold_is_refused_at_the_start(
    user_with_key, fake
):
    workspace = seeded_workspace(harness_client_for(user_with_key))
    direct_put(workspace.identifier, tags={f"t{i}": "" for i in range(prefill.MAX_HELD_TAGS + 1)})

    with pytest.raises(change.ChangeRefused, match=f"it has {prefill.MAX_HELD_TAGS + 1} tags"):
        start(user_with_key, workspace)
    assert not WorkspaceDraft.objects.exists()


# A whole key's shape that Harness holds (put there by someone, not through the portal).
HELD_KEY_SHAPE = "pat.Acct.65a1f0c0d1e2f3a4b5c6d7e8.secretsecret"


@pytest.mark.parametrize(
    "held",
    ["pat.de.la.cruz@example.com", HELD_KEY_SHAPE],
    ids=["looks like a key", "shaped like a whole key"],
)
def test_a_value_harness_holds_that_merely_looks_like_a_key_does_not_block_a_change(
    user_with_key, fake, held
):
    """The key rule ran before the tag's own `held` exemption: a workspace whose tag looked like
    a key could not be changed at all."""
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, tags={"owner": held})

    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})

    assert validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot) == {}
    assert draft.data["basics"]["tags"] == [{"key": "owner", "value": held}]


def test_text_harness_holds_with_crlf_comes_back_as_held_through_the_steps(user_with_key, fake):
    """A page shows CRLF as LF, and the steps store LF (`rows.lf_lines`): text that differs from
    Harness's only so is sent as Harness holds it; a change of line breaks alone is said."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    held = {"m": {"key": "m", "value": "{\r\n  a = 1\r\n}", "value_type": "string"}}
    direct_put(workspace.identifier, description="One\r\nTwo\r\n", terraform_variables=held)
    as_saved = {"key": "m", "value": "{\n  a = 1\n}", "value_type": "string"}
    draft = edit(
        start(user_with_key, workspace),
        basics={"description": "One\nTwo\n"},
        variables={"terraform": [as_saved]},
    )

    body = update.update_body(stored_steps(draft.data), draft=draft)
    untouched = diff.change_review(draft)["changes"]
    edit(draft, variables={"terraform": [as_saved | {"value": "{\n  a = 1\n\n}"}]})
    (spaced,) = diff.change_review(draft)["changes"]

    assert body["description"] == "One\r\nTwo\r\n"
    assert body["terraform_variables"] == held
    assert untouched == []
    assert (spaced.label, spaced.whitespace_only) == ("Terraform variable m", True)


@pytest.mark.parametrize(
    ("field", "held"),
    [
        # Declared strings (contract §2.1; the MCP server's note says an array for sparse_checkout,
        # which the fake refuses): whichever type Harness holds is sent back as it is.
        ("sparse_checkout", "modules/a\nmodules/b"),
        ("provisioner_configuration", "language=python"),
        ("provisioner_configuration", {"language": "python", "language_version": "3.12"}),
    ],
)
def test_a_change_sends_what_the_steps_do_not_edit_in_the_type_harness_holds(
    user_with_key, fake, field, held
):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, **{field: held})
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})
    fake.clear_log()

    result = submit.draft_submit(draft=draft, client=client).draft

    assert result.status == "updated", result.harness_response
    [put] = fake.log(route=UPDATE)
    assert put["body"][field] == held
    assert [c.label for c in diff.change_review(draft)["changes"]] == ["Description"]


@pytest.mark.parametrize(
    ("field", "held", "legacy"),
    [
        # What workspace_snapshot stored for these before they were kept as Harness sent them.
        ("sparse_checkout", "modules/a\nmodules/b", ["modules/a", "modules/b"]),
        ("provisioner_configuration", "language=python", {"value": "language=python"}),
    ],
)
def test_a_change_started_before_the_upgrade_sends_the_type_harness_holds(
    user_with_key, fake, field, held, legacy
):
    client = harness_client_for(user_with_key)
    workspace = seeded_workspace(client)
    direct_put(workspace.identifier, **{field: held})
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})
    draft.workspace_snapshot[field] = legacy  # stored by the previous release
    draft.save(update_fields=["workspace_snapshot"])
    fake.clear_log()

    result = submit.draft_submit(draft=draft, client=client).draft

    assert result.status == "updated", result.harness_response
    [put] = fake.log(route=UPDATE)
    assert put["body"][field] == held
    [entry] = AuditEntry.objects.filter(action="edit")
    assert entry.body[field] == held  # the audit trail records the body sent
