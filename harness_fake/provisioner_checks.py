"""The provisioner and Terragrunt versions of a create or update body (phase 2 of
`validation`): `bad_request`, message starting with the field, first failure only."""

from __future__ import annotations

from typing import Any

from harness_fake.goa import bad_request, goq
from harness_fake.state import State

TERRAGRUNT_TOOLS = ("terraform", "opentofu")


def check_tool_versions(state: State, body: dict[str, Any]) -> None:
    """`provisioner_version` must be "latest" or a supported version of the provisioner; left
    out, it is "latest" (or the linked template's). Goa's decoder uses a design default only
    "to set the value of missing fields" (goadesign/goa `docs/FAQ.md`, "How are default values
    used?"), so an explicit "" is no "latest". What IaCM makes of "" is not public (harness-go-sdk
    never sends it: `provisioner_version,omitempty` in `harness/nextgen/
    iacm_model_create_workspace_request_body.go`): refused, the doubtful side."""
    provisioner = body["provisioner"]
    version = body.get("provisioner_version")
    supported = state.provisioner_versions.get(provisioner, [])
    if version is not None and version != "latest" and version not in supported:
        raise bad_request(
            f"body.provisioner_version {goq(version)} is not a supported {provisioner} version "
            f"(latest is {supported[-1] if supported else 'n/a'})"
        )
    _check_terragrunt(state, body)


def _check_terragrunt(state: State, body: dict[str, Any]) -> None:
    """Terragrunt runs a terraform or opentofu workspace (`terragrunt_provider: true`) with its own
    `terragrunt_version` (the provider's Terragrunt acceptance test sends both). Refused as
    doubtful: the flag on awscdk or without a version, `run_all` without the flag."""
    if body.get("terragrunt_provider"):
        if body["provisioner"] not in TERRAGRUNT_TOOLS:
            raise bad_request(
                f"body.terragrunt_provider needs provisioner terraform or opentofu, got "
                f"{goq(body['provisioner'])}"
            )
        if not body.get("terragrunt_version"):
            raise bad_request("body.terragrunt_version is required with terragrunt_provider")
    elif body.get("run_all"):
        raise bad_request("body.run_all runs all Terragrunt modules: it needs terragrunt_provider")
    terragrunt_version = body.get("terragrunt_version")
    if terragrunt_version and terragrunt_version not in state.provisioner_versions["terragrunt"]:
        raise bad_request(
            f"body.terragrunt_version {goq(terragrunt_version)} is not a supported terragrunt "
            "version"
        )
