"""Start from code, to step values: what a read paste (`from_code.read_code`) fills in, and which
of those values the paste itself states (over a linked template, the rest stays the template's)."""

from __future__ import annotations

import dataclasses
from typing import Any

from workspaces.harness.types import Workspace
from workspaces.wizard.code_body import CodeImport
from workspaces.wizard.prefill import Prefill, prefill_from_workspace


def code_prefill(imported: CodeImport) -> Prefill:
    """The step values a read paste fills in: its body read as the Workspace it would create
    (`Workspace.from_iacm`), turned into step values as a clone's are (`prefill_from_workspace`),
    plus the name and identifier a clone leaves out. The template link is the caller's."""
    body = {key: value for key, value in imported.body.items() if key != "associated_template"}
    workspace = Workspace.from_iacm({"identifier": "", "name": "", **body}, org="", project="")
    found = prefill_from_workspace(workspace)
    values = {step: dict(fields) for step, fields in found.values.items()}
    basics = values["basics"]
    basics |= {f: body[f] for f in ("name", "identifier") if body.get(f)}
    if body.get("identifier"):
        basics["identifier_edited"] = True
    return Prefill(values, {}, found.provider_refs)


# Step values a paste states even when they equal an empty paste's: body field -> (step, field)
# (`prefill.workspace_values`): booleans (false included), and the values an empty paste
# fills in anyway (OpenTofu, a branch, no submodules).
_STATED = {
    "cost_estimation_enabled": ("provisioner", "cost_estimation_enabled"),
    "terragrunt_provider": ("provisioner", "terragrunt"),
    "run_all": ("provisioner", "run_all"),
    "provisioner": ("provisioner", "provisioner"),
    "repository_branch": ("repository", "fetch_type"),
    "repository_commit": ("repository", "fetch_type"),
    "repository_sha": ("repository", "fetch_type"),
    "repository_submodules": ("repository", "submodules"),
}


def pasted_values(imported: CodeImport, found: Prefill) -> dict[str, dict[str, Any]]:
    """Of `found` (`code_prefill(imported)`), the step values the paste itself sets: those an
    empty paste would not fill in, and the booleans it states. Over a linked template, the rest
    stays the template's, as the provider inherits what a resource leaves out."""
    blank = code_prefill(dataclasses.replace(imported, body={})).values
    body = imported.body
    stated = {
        field
        for key, field in _STATED.items()
        if key in body and (isinstance(body[key], bool) or body[key])
    }
    return {
        step: {
            name: value
            for name, value in fields.items()
            if value != blank.get(step, {}).get(name) or (step, name) in stated
        }
        for step, fields in found.values.items()
    }
