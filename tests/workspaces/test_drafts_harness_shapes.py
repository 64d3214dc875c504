"""Drafts in the shapes real Harness takes: Terragrunt as a mode of OpenTofu or Terraform (clone
prefill, the data migration of drafts saved with Terragrunt as a provisioner), and a clone's
provider connector found by its identifier."""

import importlib
from dataclasses import replace
from types import SimpleNamespace

import pytest
from django.apps import apps

from tests.workspaces.test_drafts import make_draft, valid_data
from workspaces.clients import harness_client_for
from workspaces.wizard import drafts, prefill

migration = importlib.import_module("workspaces.migrations.0003_drafts_terragrunt_mode")


def workspace(**fields):
    values = {
        "provisioner": "opentofu",
        "provisioner_version": "1.10.6",
        "terragrunt_provider": False,
        "terragrunt_version": "",
        "run_all": False,
        "cost_estimation_enabled": False,
        "budget": None,
        "provider_connector": "",
        "provider_connectors": (),
        "repository_branch": "main",
        "repository_commit": "",
        "repository_sha": "",
        "repository_connector": "account.github_acme",
        "repository": "infra-live",
        "repository_path": "envs/dev",
        "repository_submodules": "false",
        "description": "",
        "tags": {},
        "terraform_variables": {},
        "environment_variables": {},
    }
    return SimpleNamespace(**{**values, **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {
                "provisioner": "terraform",
                "provisioner_version": "1.5.6",
                "terragrunt_provider": True,
                "terragrunt_version": "0.80.4",
                "run_all": True,
            },
            ("terraform", "1.5.6", True, "0.80.4", True),
        ),
        # An older workspace that says provisioner "terragrunt" (the version is Terragrunt's).
        (
            {"provisioner": "terragrunt", "provisioner_version": "0.79.0"},
            ("opentofu", "", True, "0.79.0", False),
        ),
        ({}, ("opentofu", "1.10.6", False, "", False)),
    ],
)
def test_clone_of_a_terragrunt_workspace_maps_to_the_new_shape(fields, expected):
    values = prefill.workspace_values(workspace(**fields))["provisioner"]

    keys = ("provisioner", "version", "terragrunt", "terragrunt_version", "run_all")
    assert tuple(values[key] for key in keys) == expected


def test_drafts_saved_with_terragrunt_as_provisioner_are_migrated(user_with_key):
    old = make_draft(
        user_with_key, provisioner__provisioner="terragrunt", provisioner__version="0.80.4"
    )
    old.step_status = {"provisioner": "valid", "basics": "valid"}
    old.data["template"]["locked"] = {"provisioner.provisioner": "terragrunt", "repository.x": "y"}
    old.save()
    untouched = make_draft(user_with_key)
    before = dict(untouched.data)

    migration.forwards(apps, None)

    old.refresh_from_db()
    untouched.refresh_from_db()
    provisioner = old.data["provisioner"]
    assert provisioner["provisioner"] == "opentofu"
    assert provisioner["version"] == ""
    assert (provisioner["terragrunt"], provisioner["terragrunt_version"]) == (True, "0.80.4")
    assert provisioner["aws"] == before["provisioner"]["aws"]  # the rest is kept
    assert old.step_status == {"provisioner": "flagged", "basics": "valid"}
    assert old.data["template"]["locked"] == {"repository.x": "y"}
    assert untouched.data == before


def test_a_clone_keeps_a_provider_connector_found_by_its_identifier(user_with_key, fake):
    # The connector's name ("AWS Team 11") does not contain its identifier: Harness's
    # `searchTerm` matches the identifier too, so the copy keeps it in its AWS slot.
    client = harness_client_for(user_with_key)
    client.create_workspace(
        org="default",
        project="infra",
        body={
            "identifier": "src_ws",
            "name": "src-ws",
            "provisioner": "opentofu",
            "provider_connector": "account.aws_team_11",
            "repository": "infra-live",  # a Harness Code repository: no connector
            "repository_branch": "main",  # one ref: Harness needs it (contract §2.1)
            "terraform_variables": {},
            "environment_variables": {},
        },
    )
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    drafts.draft_save_step(draft=draft, step="basics", values=valid_data()["basics"])

    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={"source": "clone", "clone_identifier": "src_ws", "template_mode": "linked"},
        client=client,
    )

    assert saved.notice == ""
    assert saved.draft.data["provisioner"]["aws"] == "account.aws_team_11"
    (lookup,) = fake.log(route="ng.connectors.list")
    assert lookup["body"]["connectorIdentifiers"] == ["aws_team_11"]
    assert "searchTerm" not in lookup["query"]


def _clone_placing(user_with_key, provider_connector: str) -> dict:
    """The provisioner step a clone of a workspace using `provider_connector` starts with."""
    client = harness_client_for(user_with_key)
    client.create_workspace(
        org="default",
        project="infra",
        body={
            "identifier": "src_ws",
            "name": "src-ws",
            "provisioner": "opentofu",
            "provider_connector": provider_connector,
            "repository": "infra-live",
            "repository_branch": "main",
            "terraform_variables": {},
            "environment_variables": {},
        },
    )
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    drafts.draft_save_step(draft=draft, step="basics", values=valid_data()["basics"])
    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={"source": "clone", "clone_identifier": "src_ws", "template_mode": "linked"},
        client=client,
    )
    assert saved.notice == ""
    return saved.draft.data["provisioner"]


def _add_aws_connectors(fake, *identifiers: str, newer: bool = True) -> None:
    state = fake.server.app.state
    with state.lock:
        prod = next(c for c in state.connectors if c.identifier == "aws_prod")
        for n, identifier in enumerate(identifiers, start=1):
            updated = prod.updated + n if newer else prod.updated
            state.connectors.append(
                replace(prod, identifier=identifier, name=identifier, updated=updated)
            )


def test_a_clone_places_its_connector_among_many_newer_ones_of_a_like_identifier(
    user_with_key, fake
):
    # Harness's searchTerm is a regex on identifier, name and description: "aws_prod" matches
    # every aws_prod_NN, and 50 newer ones fill a page of 50 before aws_prod itself.
    _add_aws_connectors(fake, *(f"aws_prod_{n:02d}" for n in range(1, 51)))

    provisioner = _clone_placing(user_with_key, "account.aws_prod")

    assert provisioner["aws"] == "account.aws_prod"


def test_a_clone_places_a_connector_whose_identifier_holds_a_dollar(user_with_key, fake):
    # `$` is allowed in identifiers (contract §6.3) and is an anchor in a searchTerm regex.
    _add_aws_connectors(fake, "aws$prod", newer=False)

    provisioner = _clone_placing(user_with_key, "account.aws$prod")

    assert provisioner["aws"] == "account.aws$prod"
