"""The workspace as the fake stores it (the show shape), from a validated create or update body."""

from __future__ import annotations

import hashlib
import struct
from typing import Any

from harness_fake.state import State


def stored_workspace(
    state: State,
    account: str,
    org: str,
    project: str,
    body: dict[str, Any],
    existing: dict[str, Any] | None,
) -> dict[str, Any]:
    """The stored workspace: full replacement of every writable field, defaults for absent ones."""
    now = state.now_ms()
    identifier = existing["identifier"] if existing else body["identifier"]
    workspace_id = int64_id(f"{account}/{org}/{project}/{identifier}")
    template = existing.get("associated_template") if existing else body.get("associated_template")

    version = body.get("provisioner_version")
    data: dict[str, Any] = {
        "account": account,
        "org": org,
        "project": project,
        "identifier": identifier,
        "name": body["name"],
        "description": body.get("description", ""),
        "status": existing["status"] if existing else "inactive",
        "provisioner": body["provisioner"],
        "provisioner_version": version or "latest",
        "provisioner_data": "",
        "provider_connector": body["provider_connector"],
        "provider_connectors": [
            {
                "id": int64_id(f"{workspace_id}/{item['type']}"),
                "workspace_id": workspace_id,
                "connector_ref": item["connector_ref"],
                "type": item["type"],
                **(
                    {"terragrunt_provider": item["terragrunt_provider"]}
                    if "terragrunt_provider" in item
                    else {}
                ),
                "created": now,
                "updated": now,
            }
            for item in body.get("provider_connectors", [])
        ],
        "repository": body.get("repository", ""),
        "repository_connector": body.get("repository_connector", ""),
        "repository_branch": body.get("repository_branch", ""),
        "repository_commit": body.get("repository_commit", ""),
        "repository_sha": body.get("repository_sha", ""),
        "repository_path": body.get("repository_path", ""),
        "repository_submodules": body.get("repository_submodules", "false"),
        "cost_estimation_enabled": body.get("cost_estimation_enabled", False),
        "ccm_cost_enabled": body.get("ccm_cost_enabled", False),
        "prune_sensitive_data": body.get("prune_sensitive_data", False),
        "backend_locked": existing.get("backend_locked", False) if existing else False,
        "terragrunt_provider": body.get("terragrunt_provider", False),
        "terragrunt_version": body.get("terragrunt_version", ""),
        "run_all": body.get("run_all", False),
        "terraform_variables": _variables(
            body["terraform_variables"], existing, "terraform_variables", now
        ),
        "environment_variables": _variables(
            body["environment_variables"], existing, "environment_variables", now
        ),
        "terraform_variable_files": [
            dict(item) for item in body.get("terraform_variable_files", [])
        ],
        "variable_sets": list(body.get("variable_sets", [])),
        "default_pipelines": {k: dict(v) for k, v in body.get("default_pipelines", {}).items()},
        "tags": dict(body.get("tags", {})),
        "created": existing["created"] if existing else now,
        "updated": now,
    }
    for optional in ("budget", "sparse_checkout", "provisioner_configuration"):
        if optional in body:
            data[optional] = body[optional]
    if "budget" in body:
        data["budget"] = float32_as_sent(body["budget"])
    if template:
        data["associated_template"] = dict(template)
    return data


def float32_as_sent(number: float) -> float:
    """`number` as Harness holds a budget and sends it back: a float32 (harness-go-sdk
    `Budget float32` in `iacm_model_create_workspace_request_body.go` and
    `iacm_model_show_workspace_response_body.go`; the API reference, `budget number(float)`),
    written as Go's encoding/json writes a float32, with the fewest digits that read back as
    the same float32 (the reference's example budget is 0.7937008). 1234567.89 is held as
    1234567.875 and sent as 1234567.9."""
    single = struct.unpack("<f", struct.pack("<f", number))[0]
    for digits in range(1, 10):
        shortest = float(f"{single:.{digits}g}")
        if struct.unpack("<f", struct.pack("<f", shortest))[0] == single:
            return shortest
    return single


def int64_id(text: str) -> int:
    """A stable, non-negative int64 for a provider connector's read-only `id` / `workspace_id`.

    Harness sends both as int64 numbers, not strings: the API reference's WorkspaceProviderConnector
    example is `"id":5383730240656092000, ..., "workspace_id":1025464643727282800`
    (harness-api-reference.txt, provider_connectors), and harness/harness-go-sdk reads
    `Id int64` / `Created int64` / `Updated int64` (`VariableSetConnector`, the item type of
    `ShowWorkspaceResponseBody.ProviderConnectors`,
    `harness/nextgen/model_variable_set_connector.go`).
    """
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def _variables(
    variables: dict[str, dict[str, Any]], existing: dict[str, Any] | None, field: str, now: int
) -> dict[str, dict[str, Any]]:
    """Response variables (``VariableResource``); keys surviving an update keep ``created``."""
    before = existing.get(field, {}) if existing else {}
    out = {}
    for key, variable in variables.items():
        previous = before.get(key)
        out[key] = {
            "key": variable["key"],
            "value": variable["value"],
            "value_type": variable["value_type"],
            "created": previous["created"] if previous else now,
            "updated": now,
        }
    return out
