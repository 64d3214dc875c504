"""Start from code, to step values: what a read paste (`from_code.read_code`) reads as, and which
of those values the paste itself states, the only ones it fills in (the rest stays as typed, or
over a linked template the template's)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from workspaces.harness.types import Workspace
from workspaces.wizard import steps
from workspaces.wizard.body import FIELD_STEPS
from workspaces.wizard.code_body import CodeImport
from workspaces.wizard.prefill import Prefill, prefill_from_workspace


def code_prefill(imported: CodeImport) -> Prefill:
    """The step values of a read paste (of which `pasted_values` are what it fills in): its body
    read as the Workspace it would create (`Workspace.from_iacm`), turned into step values as a
    clone's are (`prefill_from_workspace`), plus the name and identifier a clone leaves out. The
    template link is the caller's.

    A paste is an explicit choice: the Basics fields it states and its variables replace what
    the user typed (`Prefill.overrides`); a Basics field it leaves out is not filled in."""
    body = {key: value for key, value in imported.body.items() if key != "associated_template"}
    workspace = Workspace.from_iacm({"identifier": "", "name": "", **body}, org="", project="")
    found = prefill_from_workspace(workspace)
    values = {step: dict(fields) for step, fields in found.values.items()}
    basics = {f: v for f, v in values["basics"].items() if f in body}  # description, tags
    basics |= {f: body[f] for f in ("name", "identifier") if body.get(f)}
    if body.get("identifier"):
        basics["identifier_edited"] = True
    values["basics"] = basics
    overrides = {f"basics.{field}" for field in basics}
    overrides |= {f"variables.{group}" for group in steps.VARIABLE_GROUPS}
    return Prefill(values, {}, found.provider_refs, frozenset(overrides))


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
    empty paste would not fill in, the booleans it states, and the variables. The rest stays as
    typed ("what it does not state stays as typed"); over a linked template, the template's, as
    the provider inherits what a resource leaves out."""
    blank = code_prefill(dataclasses.replace(imported, body={})).values
    body = imported.body
    stated = {
        field
        for key, field in _STATED.items()
        if key in body and (isinstance(body[key], bool) or body[key])
    }
    # The variables are always stated, none included: the JSON body says `{}` outright, and the
    # provider sends `{}` for a resource without such blocks (terraform-provider-harness @cb1a059,
    # `buildVariables` returns an empty map; contract §2.1 "send {} when none"). The rows the
    # template locks come back (`prefill.apply_locks`); the others are the template's no longer.
    stated |= {("variables", group) for group in steps.VARIABLE_GROUPS}
    return {
        step: {
            name: value
            for name, value in fields.items()
            if value != blank.get(step, {}).get(name) or (step, name) in stated
        }
        for step, fields in found.values.items()
    }


# The body fields a step value is read from (`prefill.workspace_values`; `body.FIELD_STEPS`).
_SOURCES: dict[tuple[str, str], tuple[str, ...]] = {
    ("repository", "fetch_type"): ("repository_branch", "repository_commit", "repository_sha"),
}
for _field, _step_field in FIELD_STEPS.items():
    if _step_field[0] != "variables" and not _field.startswith("provider_connector"):
        _SOURCES[_step_field] = (*_SOURCES.get(_step_field, ()), _field)


def locked_out(imported: CodeImport, found: Prefill) -> CodeImport:
    """`imported` with each pasted value a linked template's lock replaces listed as a line not
    used: `found` is what the draft is filled in with (the paste over the template, its locks),
    where a locked field holds a value other than the locked one only when the paste set it
    (`drafts.draft_start_from_code`; `prefill.apply_locks` puts the template's value back)."""
    body, reasons = imported.body, {}
    said = "; the template's value is used."
    for path, locked in found.locked.items():
        step, _, name = path.partition(".")
        if step == "variables":  # `variables.<group>.<key>`: {value, value_type}
            group, _, key = name.partition(".")
            row = body.get(f"{group}_variables", {}).get(key)
            if row and {f: row[f] for f in locked} != locked:
                shown = f"{json.dumps(locked['value'])} ({locked['value_type']})"
                reasons[f"{group}_variables.{key}"] = f"locked by the template to {shown}{said}"
            continue
        value = found.values.get(step, {}).get(name)
        if value == locked:
            continue
        if name in steps.PROVIDER_TYPES:  # a connector block of that type, or the main one
            typed = f"provider_connectors.{name}"
            sources = (typed,) if typed in imported.where else ("provider_connector",)
        else:
            sources = _SOURCES.get((step, name), ())
        # A provider connector slot is locked with no value (the template's YAML names none).
        shown = f" to {json.dumps(locked)}" if locked != "" else ""
        if name == "fetch_type":
            shown = f" to the {locked} {json.dumps(found.locked.get(f'repository.{locked}', ''))}"
        for source in filter(lambda source: _stated(imported, source), sources):
            reasons.setdefault(source, f"locked by the template{shown}{said}")
    return imported.not_used(reasons)


def _stated(imported: CodeImport, source: str) -> bool:
    """Whether the paste gave `source` (a `CodeImport.where` key) a value still used that says
    something (an empty text says "not set", as `pasted_values` reads it)."""
    if source not in imported.where:
        return False
    if "." in source:
        return True  # a variable or connector of its group, kept
    value = imported.body.get(source)
    return bool(value) or isinstance(value, bool)
