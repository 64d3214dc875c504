"""The Harness create body (contract §2.1), where Harness's errors land, and review warnings.

`build_body` takes one mapping per step: the forms' `cleaned_data` at submit (every step
valid), or the stored values on the review page (where a step may still be invalid). Both
have the same keys, so one function builds the body the review shows and the one sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from workspaces.wizard import budgets, steps
from workspaces.wizard.nested_refusal import qualified_field

# Which step a Harness body field belongs to, so errors land where the user can fix them.
FIELD_STEPS: dict[str, tuple[str, str]] = {
    "identifier": ("basics", "identifier"),
    "name": ("basics", "name"),
    "description": ("basics", "description"),
    "tags": ("basics", "tags"),
    "associated_template": ("template", "template_ref"),
    "repository": ("repository", "repository"),
    "repository_connector": ("repository", "connector"),
    "repository_branch": ("repository", "branch"),
    "repository_commit": ("repository", "tag"),
    "repository_sha": ("repository", "commit"),
    "repository_path": ("repository", "path"),
    "repository_submodules": ("repository", "submodules"),
    "provisioner": ("provisioner", "provisioner"),
    "provisioner_version": ("provisioner", "version"),
    "terragrunt_provider": ("provisioner", "terragrunt"),
    "terragrunt_version": ("provisioner", "terragrunt_version"),
    "run_all": ("provisioner", "run_all"),
    "provider_connector": ("provisioner", "aws"),
    "provider_connectors": ("provisioner", "aws"),
    "cost_estimation_enabled": ("provisioner", "cost_estimation_enabled"),
    "budget": ("provisioner", "budget"),
    "terraform_variables": ("variables", "terraform"),
    "environment_variables": ("variables", "environment"),
}


# What a linked template's locks (`"step.field"` prefixes, see `prefill`) keep out of the body:
# Harness refuses a create that sets a locked field ("Attempted to update locked fields"), and the
# workspace inherits it from the template. A locked block locks every body field it covers.
# `provisioner` is required, so it is sent (the template's own type, forced by the lock).
_REPOSITORY_FIELDS = (
    "repository",
    "repository_connector",
    "repository_branch",
    "repository_commit",
    "repository_sha",
    "repository_path",
    "repository_submodules",
)
LOCKED_BODY_FIELDS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # A locked provisioner block locks the additional provider connectors (unattested: the
    # doubtful side), not the main `provider_connector`, which the Terraform provider's
    # `TestAccResourceWorkspaceAssociatedTemplate_LockedFields` sets under one.
    (
        ("provisioner.provisioner", "provisioner.version"),
        ("provisioner_version", "provider_connectors"),
    ),
    (("repository.",), _REPOSITORY_FIELDS),
    (
        ("provisioner.cost_estimation_enabled", "provisioner.budget"),
        ("cost_estimation_enabled", "budget"),
    ),
    (tuple(f"provisioner.{slot}" for slot in steps.PROVIDER_TYPES), ("provider_connectors",)),
)


def locked_body_fields(locked: Mapping[str, Any]) -> set[str]:
    """The body fields `LOCKED_BODY_FIELDS` leaves out for `locked` (as in `steps.locked_map`)."""
    return {
        field
        for prefixes, fields in LOCKED_BODY_FIELDS
        if any(path.startswith(prefixes) for path in locked)
        for field in fields
    }


def leave_out_locked(body: dict[str, Any], locked: Mapping[str, Any]) -> dict[str, Any]:
    """`body` without the fields a linked template locks (`locked` as in `steps.locked_map`)."""
    body = dict(body)
    for field in locked_body_fields(locked):
        body.pop(field, None)
    for path in locked:
        step, _, rest = path.partition(".")
        group, _, key = rest.partition(".")
        if step == "variables" and key:
            body[f"{group}_variables"] = {
                k: v for k, v in body[f"{group}_variables"].items() if k != key
            }
    return body


def stored_steps(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every editable step's stored values over its defaults."""
    return {step: steps.step_values(data, step) for step in steps.EDITABLE_STEPS}


def _variables(rows: list[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    out = {}
    for row in rows:
        key = str(row.get("key", "")).strip()
        if not key:
            continue
        out[key] = {
            "key": key,
            "value": str(row.get("value", "")),
            "value_type": row.get("value_type", "string"),
        }
    return out


def main_connector(provisioner: Mapping[str, Any], locks: Mapping[str, Any]) -> str:
    """The main cloud connector (`provider_connector`) of the Provisioner step's values: the one
    of the slot its `main` names (a copied workspace's, pasted code's or the user's choice), else
    the first chosen (AWS, GCP, Azure), as before the choice. A slot a linked template locks
    holds one of its additional connectors, never the main one
    (`prefill.prefill_from_template_yaml`)."""
    chosen = {
        slot: str(provisioner.get(slot) or "").strip()
        for slot in steps.CLOUD_SLOTS
        if str(provisioner.get(slot) or "").strip() and f"provisioner.{slot}" not in locks
    }
    return chosen.get(str(provisioner.get("main") or "")) or next(iter(chosen.values()), "")


def build_body(
    values: Mapping[str, Mapping[str, Any]],
    *,
    locked: Mapping[str, Any] | None = None,
    keep_locked: bool = False,
) -> dict[str, Any]:
    """The Harness create body for a draft's steps; secrets only as references.

    Values of sections that no longer apply are left out: the branch when a tag is chosen,
    Terragrunt settings when the tool does not run through Terragrunt, the budget without cost
    estimation, the template link when the template was copied or dropped. Linked to a
    template, the fields its version locks (`locked`, else the template step's stored `locked`)
    are left out too (`leave_out_locked`), unless `keep_locked` (what the review shows).
    """
    values = {step: {**steps.DEFAULTS[step], **values.get(step, {})} for step in steps.DEFAULTS}
    basics, template = values["basics"], values["template"]
    repository, provisioner = values["repository"], values["provisioner"]
    variables = values["variables"]

    tags = {
        str(t.get("key", "")).strip(): str(t.get("value", ""))
        for t in basics["tags"]
        if str(t.get("key", "")).strip()
    }
    provider_connectors = [
        {"connector_ref": str(provisioner[slot]).strip(), "type": slot}
        for slot in steps.PROVIDER_TYPES
        if str(provisioner[slot]).strip()
    ]
    linked = template["source"] == "template" and template["template_mode"] == "linked"
    locks = ((template.get("locked") if locked is None else locked) or {}) if linked else {}
    provider_connector = main_connector(provisioner, locks)
    kind = provisioner["provisioner"]
    version = str(provisioner["version"]).strip()
    body: dict[str, Any] = {
        "identifier": str(basics["identifier"]).strip(),
        "name": str(basics["name"]).strip(),
        "description": str(basics["description"]).strip(),
        "tags": tags,
        "provisioner": kind,
        "provisioner_version": version,
    }
    if steps.as_bool(provisioner["terragrunt"]):
        # Terragrunt runs the chosen tool (the Terraform provider's Terragrunt acceptance test).
        body["terragrunt_provider"] = True
        body["terragrunt_version"] = str(provisioner["terragrunt_version"]).strip()
        body["run_all"] = steps.as_bool(provisioner["run_all"])
    body |= {
        "provider_connector": provider_connector,
        "provider_connectors": provider_connectors,
        "repository": str(repository["repository"]).strip(),
        "repository_connector": str(repository["connector"]).strip(),
        "repository_path": str(repository["path"]).strip(),
        "repository_submodules": repository["submodules"],
        "cost_estimation_enabled": steps.as_bool(provisioner["cost_estimation_enabled"]),
        "terraform_variables": _variables(variables["terraform"]),
        "environment_variables": _variables(variables["environment"]),
    }
    fetch = repository["fetch_type"]
    if fetch in steps.FETCH_FIELDS:
        body[steps.FETCH_FIELDS[fetch]] = str(repository[fetch]).strip()
    if body["cost_estimation_enabled"]:
        budget = budgets.budget_number(provisioner["budget"])
        if budget is not None:
            body["budget"] = budget
    if linked:
        body["associated_template"] = {
            # A project template's ref is its identifier (`steps.template_linkable`).
            "template_id": str(template["template_ref"]),
            "version": template["template_version"],
        }
        if not keep_locked:
            body = leave_out_locked(body, locks)
    return body


def field_location(harness_field: str | None) -> tuple[str, str]:
    """(step, field) a Harness error about `harness_field` belongs to; review when unknown."""
    if not harness_field:
        return ("review", "")
    head = re.split(r"[.\[]", harness_field, maxsplit=1)[0]
    return FIELD_STEPS.get(head, ("review", ""))


# `environment_variables["TF_TOKEN"].value`: the body field, a map key or index, a subfield.
_FIELD_PATH = re.compile(
    r'^(?P<head>\w+)(?:\[(?P<key>"(?:[^"\\]|\\.)*"|\d+)\])?(?:\.(?P<sub>\w+))?'
)
_MISSING_REF = re.compile(
    r'references (?P<kind>secret|connector) "(?P<ref>[^"]*)" which does not exist'
)
# Harness's `body.<path>` at the start of a message, with Goa's "value of" / "length of" before it
# (goadesign/goa `pkg/error.go`): the path is not the person's word; "length" is kept.
_BODY_PATH = re.compile(r"^(?:value of |(length) of )?body\.\S*\s*")
ROW_NOUNS = {
    "terraform": "Terraform variable",
    "environment": "environment variable",
    "tags": "tag",
}


def refusal(
    harness_field: str | None,
    message: str,
    body: Mapping[str, Any] | None = None,
    slots: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Where a Harness refusal of the `body` sent (create or update) lands, and what it says.

    `{step, field, row, row_field, message}`: `row` is the key of the variable or tag Harness
    named (its row is marked), `message` one sentence without Harness's `body.<path>` prefix.
    A refused `provider_connectors[i]` lands on the field of the connector at index i; a refused
    `provider_connector` (or `provider_connectors` without an index) on the field of the
    connector sent as `provider_connector`, found among `provider_connectors` or, when a linked
    template keeps those out of the body, among the draft's stored connector `slots` (the
    provisioner step's values); AWS when none matches. A Goa refusal of a variable's or
    connector's field names no entry (`body.value_type`): `qualified_field` finds it.
    """
    harness_field = qualified_field(harness_field, message, body or {})
    step, field = field_location(harness_field)
    found = _FIELD_PATH.match(harness_field or "")
    body = body or {}
    connectors = body.get("provider_connectors") or []
    if found and found["head"] in ("provider_connector", "provider_connectors"):
        if (found["key"] or "").isdigit():
            index = int(found["key"])
            kind = connectors[index].get("type") if index < len(connectors) else None
        else:
            sent = body.get("provider_connector")
            held = [(c.get("type"), c.get("connector_ref")) for c in connectors]
            held += [
                (slot, str((slots or {}).get(slot, "")).strip()) for slot in steps.PROVIDER_TYPES
            ]
            kind = next((k for k, ref in held if sent and ref == sent), None)
        field = kind if kind in steps.PROVIDER_TYPES else field
    row = row_field = ""
    if found and found["key"] and field in ROW_NOUNS:
        row, row_field = found["key"].strip('"'), found["sub"] or "value"
    what = f"{ROW_NOUNS[field]} {row}" if row else (harness_field or "").split(".")[0]
    missing = _MISSING_REF.search(message)
    if missing:
        of = f" of {what}" if row else f" ({what})" if what else ""
        words = (
            f"The {missing['kind']} {missing['ref']}{of} does not exist in Harness, or your key "
            f"cannot see it. Choose one from the {missing['kind']} list."
        )
    else:
        # Goa's "value of body.<path>" / "length of body.<path>" too ("length must be ...").
        detail = _BODY_PATH.sub(lambda m: f"{m[1] or ''} ", message).strip() or message
        words = f"Harness refused {what or 'the request'}: {detail}"
    return {"step": step, "field": field, "row": row, "row_field": row_field, "message": words}


def warnings(body: dict[str, Any]) -> list[str]:
    """Things worth a second look on the review page (not errors)."""
    found = []
    if not body["provider_connectors"]:
        found.append(
            "No provider connector is chosen: the workspace cannot reach a cloud account "
            "until one is added."
        )
    if not body["terraform_variables"] and not body["environment_variables"]:
        found.append("No variables are set.")
    if body["tags"].get("env") == "prod" and not body["cost_estimation_enabled"]:
        found.append(
            "Workspaces tagged env=prod usually must enable cost estimation (Harness policy)."
        )
    if not body["description"]:
        found.append("There is no description; a sentence helps the platform team.")
    return found
