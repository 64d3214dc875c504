"""The Terraform form of a workspace export: a `harness_platform_workspace` resource.

`terraform_context` turns a Harness create body (contract §2.1) into what
`templates/exports/workspace.tf` renders. The resource follows the provider's schema, read in
harness/terraform-provider-harness @cb1a059 (the commit the contract cites):
`internal/service/platform/workspace/resource_workspace.go` (`ResourceWorkspace`,
`buildCreateWorkspace`, `helpers.ExpandTags`) and `docs/resources/platform_workspace.md`. A body
field the resource has no attribute for is listed in a comment of the HCL (`UNMANAGED_HEADER`),
never written as an invented attribute, and so is a text Terraform would read as another
(`CHANGED`: not in Unicode NFC form); Start from code reads those comments back
(`wizard.from_code`).
"""

from __future__ import annotations

import json
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

PROVIDER_SOURCE = (
    "harness/terraform-provider-harness @cb1a059, "
    "internal/service/platform/workspace/resource_workspace.go"
)

# Body field -> the resource's attribute, for plain attributes, in the order the HCL lists them.
# `provisioner` is `provisioner_type` in the resource (buildCreateWorkspace).
ATTRIBUTES: tuple[tuple[str, str], ...] = (
    ("identifier", "identifier"),
    ("name", "name"),
    ("description", "description"),
    ("provisioner", "provisioner_type"),
    ("provisioner_version", "provisioner_version"),
    ("terragrunt_provider", "terragrunt_provider"),
    ("terragrunt_version", "terragrunt_version"),
    ("run_all", "run_all"),
    ("provider_connector", "provider_connector"),
    ("repository", "repository"),
    ("repository_connector", "repository_connector"),
    ("repository_branch", "repository_branch"),
    ("repository_commit", "repository_commit"),
    ("repository_sha", "repository_sha"),
    ("repository_path", "repository_path"),
    ("cost_estimation_enabled", "cost_estimation_enabled"),
)
# Booleans the resource sends as written, false included (`configHas` in the provider).
EXPLICIT_BOOLEANS = ("cost_estimation_enabled",)
VARIABLE_FILE_FIELDS = (
    "repository",
    "repository_connector",
    "repository_branch",
    "repository_commit",
    "repository_sha",
    "repository_path",
)
PROVISIONER_CONFIG_FIELDS = (
    "language",
    "language_version",
    "package_manager",
    "package_manager_version",
)
# The comment line above the list of what the resource cannot hold, one `#   - item` a line.
UNMANAGED_HEADER = "Not managed by this resource (no attribute in its schema); set them in Harness:"
UNMANAGED_ITEM = "#   - "
# Why a text is listed there although the resource has its attribute: Terraform reads every
# string literal in Unicode NFC form (`terraform console`: "lab-\u212b", with U+212B ANGSTROM
# SIGN, is "lab-\u00c5"; "Re\u0301sume\u0301", accents as combining marks, is "R\u00e9sum\u00e9").
CHANGED = "Terraform would change it: it reads text in Unicode NFC form"
# Why a linked workspace's resource carries `lifecycle { ignore_changes = [associated_template] }`
# (the import note, above the resource). In the provider @cb1a059 (resource_workspace.go),
# `associated_template.template_id` is ForceNew ("Changing this forces a new resource"), and
# `resourceWorkspaceRead` sets the block only when the state already has it (`d.GetOk(
# "associated_template")`); its test resource_workspace_associated_template_test.go says so of an
# import ("a freshly imported workspace has no block yet, so it is not populated on import",
# hence `ImportStateVerifyIgnore`) and that adding a template recreates the workspace ("ForceNew
# on template_id recreates the workspace"). So after `terraform import` the plan adds the block:
# destroy and recreate. Ignoring its changes keeps the imported workspace; a workspace Terraform
# creates still sends the link (ignore_changes does not apply to a create).
LINKED_NOTE = (
    "Imported, the state holds no associated_template (the provider reads the template link back "
    "only when its state has one), and a new template_id replaces the workspace: without the "
    "lifecycle block at the end, the first apply after the import would destroy the workspace "
    "and create it again. The block also keeps Terraform from changing the template version: "
    "change it in Harness, or remove the block when Terraform creates the workspace instead."
)
# Body fields without an attribute in the resource, and their values that say "not set".
UNMANAGED_DEFAULTS: dict[str, tuple[Any, ...]] = {
    "repository_submodules": ("", "false", None),
    "budget": (None,),
    "ccm_cost_enabled": (False, None),
    "prune_sensitive_data": (False, None),
    "sparse_checkout": ((), [], "", None),
}


def resource_label(identifier: str) -> str:
    """The Terraform resource name: an HCL identifier (letters, digits, `_`, `-`)."""
    label = re.sub(r"[^A-Za-z0-9_-]", "_", identifier)
    return label if re.match(r"[A-Za-z_]", label) else f"workspace_{label}"


def _tag(key: str, value: str) -> str:
    # helpers.FlattenTags: "key:value", or the key alone for an empty value.
    return f"{key}:{value}" if value else key


def terraform_context(body: Mapping[str, Any], *, org: str, project: str) -> dict[str, Any]:
    """What `exports/workspace.tf` renders: attributes, blocks, what the resource cannot hold."""
    unmanaged: list[str] = []
    attributes: list[tuple[str, Any]] = [("org_id", org), ("project_id", project)]
    for field, attribute in ATTRIBUTES:
        value = body.get(field)
        if isinstance(value, bool):
            if value or field in EXPLICIT_BOOLEANS:
                attributes.append((attribute, value))
        elif value in (None, ""):
            continue
        elif _changed(str(value)):
            unmanaged.append(f"{attribute} = {json.dumps(str(value))} ({CHANGED})")
        else:
            attributes.append((attribute, str(value)))
    tags = []
    for key, value in (body.get("tags") or {}).items():
        # helpers.ExpandTags splits "key:value" at every colon: a colon in either part is lost.
        if ":" in key or ":" in value:
            unmanaged.append(f"tag {json.dumps(_tag(key, value))} (the provider splits at colons)")
        elif _changed(key, value):
            unmanaged.append(f"tag {json.dumps(_tag(key, value))} ({CHANGED})")
        else:
            tags.append(_tag(key, value))
    if tags:
        attributes.append(("tags", tags))
    variable_sets = []
    for item in body.get("variable_sets") or []:
        if _changed(item):
            unmanaged.append(f"variable_sets {json.dumps(item)} ({CHANGED})")
        else:
            variable_sets.append(item)
    if variable_sets:
        attributes.append(("variable_sets", variable_sets))
    connectors = []
    for item in body.get("provider_connectors") or []:
        connectors.append(
            [("connector_ref", item.get("connector_ref", "")), ("type", item.get("type", ""))]
        )
        if item.get("terragrunt_provider"):
            unmanaged.append(f"terragrunt_provider of the {item.get('type')} connector")
    # `repository` and `repository_connector` are required in the block: written even when empty.
    variable_files = [
        [
            (field, item.get(field) or "")
            for field in VARIABLE_FILE_FIELDS
            if item.get(field) or field in ("repository", "repository_connector")
        ]
        for item in body.get("terraform_variable_files") or []
    ]
    pipelines = {}
    for operation, pipeline in (body.get("default_pipelines") or {}).items():
        if _changed(operation, pipeline.get("workspace_pipeline") or ""):
            unmanaged.append(f"default_pipelines.{operation}.workspace_pipeline ({CHANGED})")
        elif pipeline.get("workspace_pipeline"):
            pipelines[operation] = pipeline["workspace_pipeline"]
        if pipeline.get("project_pipeline"):
            unmanaged.append(f"default_pipelines.{operation}.project_pipeline")
    provisioner_config = body.get("provisioner_configuration") or {}
    if not isinstance(provisioner_config, Mapping):  # declared a string (contract §2.1)
        unmanaged.append(f"provisioner_configuration = {json.dumps(provisioner_config)}")
        provisioner_config = {}
    complete = all(provisioner_config.get(f) for f in PROVISIONER_CONFIG_FIELDS)
    if provisioner_config and not complete:
        unmanaged.append("provisioner_configuration (the resource needs all four of its fields)")
        provisioner_config = {}
    for field, defaults in UNMANAGED_DEFAULTS.items():
        if field in body and body[field] not in defaults:
            unmanaged.append(f"{field} = {json.dumps(body[field])}")
    config = [
        (f, str(provisioner_config[f])) for f in PROVISIONER_CONFIG_FIELDS if provisioner_config
    ]
    template = body.get("associated_template") or {}
    linked = bool(template.get("template_id"))
    return {
        "source": PROVIDER_SOURCE,
        "identifier": str(body.get("identifier", "")),
        "org": org,
        "project": project,
        "label": resource_label(str(body.get("identifier", ""))),
        # The provider's import ID; an org or project identifier may hold a `$` (shell-quoted).
        "import_id": f"{org}/{project}/{body.get('identifier', '')}",
        "attributes": attributes,
        "width": max(len(name) for name, _ in attributes),
        # Pairs, not the dict: a template reads `pipelines.items` as an operation named "items".
        "default_pipelines": list(pipelines.items()),
        "pipeline_width": max((len(op) + 2 for op in pipelines), default=0),
        "blocks": [
            *_blocks(unmanaged, "terraform_variable", map(_variable, _values(body, "terraform"))),
            *_blocks(
                unmanaged, "environment_variable", map(_variable, _values(body, "environment"))
            ),
            *_blocks(unmanaged, "terraform_variable_file", variable_files),
            *_blocks(unmanaged, "connector", connectors),
            *_blocks(unmanaged, "provisioner_config", [config] if config else []),
            *_blocks(unmanaged, "associated_template", [_template(template)] if linked else []),
        ],
        "unmanaged": unmanaged,
        "unmanaged_header": UNMANAGED_HEADER,
        "unmanaged_item": UNMANAGED_ITEM,
        "linked": linked,
        "linked_note": textwrap.wrap(LINKED_NOTE, width=96) if linked else [],
    }


def _changed(*texts: str) -> bool:
    """Whether Terraform would read one of `texts` as another text (`CHANGED`)."""
    return any(unicodedata.normalize("NFC", text) != text for text in texts)


def _blocks(
    unmanaged: list[str], name: str, items: Iterable[list[tuple[str, Any]]]
) -> list[dict[str, Any]]:
    """A `name` block for each of `items` (its fields), but one with a text Terraform would
    change: that one is listed in `unmanaged` (by its first field: a variable's key, a
    connector's reference), not written."""
    blocks = []
    for fields in items:
        if _changed(*(value for _, value in fields if isinstance(value, str))):
            unmanaged.append(f"{name} {json.dumps(fields[0][1])} ({CHANGED})")
        else:
            blocks.append(_block(name, fields))
    return blocks


def _values(body: Mapping[str, Any], group: str) -> list[Mapping[str, Any]]:
    return list((body.get(f"{group}_variables") or {}).values())


def _block(name: str, fields: list[tuple[str, Any]]) -> dict[str, Any]:
    """A nested block; `width` aligns its `=` signs as `terraform fmt` does."""
    return {"name": name, "fields": fields, "width": max((len(f) for f, _ in fields), default=0)}


def _variable(variable: Mapping[str, Any]) -> list[tuple[str, str]]:
    # Secret variables hold a secret reference, never a value (contract §2.4).
    return [
        ("key", str(variable.get("key", ""))),
        ("value", str(variable.get("value", ""))),
        ("value_type", str(variable.get("value_type", "string"))),
    ]


def _template(template: Mapping[str, Any]) -> list[tuple[str, str]]:
    fields = [("template_id", str(template["template_id"]))]
    if template.get("version"):
        fields.append(("version", str(template["version"])))
    return fields
