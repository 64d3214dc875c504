"""What a draft starts from: a template version or a workspace to copy, read from Harness.

`prefill_marker` names a complete choice (stored as the template step's `applied` once its
values are in the draft); `prefill_for` reads it and turns it into a `prefill.Prefill`;
`place_provider_refs` puts a provider connector of unknown type into its slot. Saving the
choice into a draft is `drafts.draft_save_step`.
"""

from __future__ import annotations

import re
from typing import Any

from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import AssociatedTemplate, Workspace
from workspaces.models import WorkspaceDraft
from workspaces.wizard import prefill, steps, template_yaml

_CONNECTOR_REF_RE = re.compile(steps.CONNECTOR_REF_PATTERN)
# What a workspace the wizard creates gets for a provisioner version "latest" (`steps.LATEST`),
# which a create does not keep (`prefill.workspace_values`): said of a copy and of pasted code.
LATEST_BECOMES_FIXED = "the copy gets a fixed version (the latest is chosen)"


class PrefillFailed(Exception):
    """The template or workspace to start from could not be read from Harness; `reason` is the
    cause alone (for a sentence of the caller's own)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or message


def prefill_marker(values: dict[str, Any]) -> str:
    """What a complete template or clone choice applies (`applied` once it is), or "".

    A template without a version is its stable one (as the versions picker shows it chosen):
    its marker names no version, so it is never taken for applied; `prefill_for` reads the
    stable version and names it."""
    source = values.get("source")
    if source == "template" and values.get("template_ref"):
        mode = values.get("template_mode", "linked")
        return f"template:{values['template_ref']}:{values.get('template_version', '')}:{mode}"
    if source == "clone" and values.get("clone_identifier"):
        return f"clone:{values['clone_identifier']}"
    return ""


def prefill_source(values: dict[str, Any]) -> str:
    """What prefilled the draft, as Basics' note names it."""
    if steps.code_report(values):
        return f"the pasted {values['code_report']['kind']}"
    if values.get("source") == "template":
        return f"the template {values['template_ref']} (version {values['template_version']})"
    return f"the workspace {values.get('clone_identifier', '')}"


def prefill_for(
    *, client: HarnessClient, draft: WorkspaceDraft, values: dict[str, Any]
) -> prefill.Prefill:
    """What the chosen template version (v1 `GET .../templates/{id}/versions/{v}`, or without
    a version its stable one, `GET .../templates/{id}`, whose label becomes the version in
    `values`) or workspace to copy (IaCM `GET .../workspaces/{id}`) fills in. Raises
    PrefillFailed saying why it could not be used; HarnessUnauthorized propagates."""
    what = "This template version" if values["source"] == "template" else "This workspace"
    try:
        if values["source"] == "template":
            template = client.get_template(
                org=draft.org,
                project=draft.project,
                identifier=values["template_ref"],
                version=values.get("template_version") or None,
            )
            found = prefill.prefill_from_template_yaml(
                template_yaml.load_template_yaml(template.yaml),
                linked=values.get("template_mode") == "linked",
            )
            # A bare id (pasted code's `template_id`) becomes the scoped ref the pickers list.
            values["template_ref"] = template.ref
            values["template_version"] = values.get("template_version") or template.version_label
        else:
            workspace = client.get_workspace(
                org=draft.org, project=draft.project, identifier=values["clone_identifier"]
            )
            found = prefill.prefill_from_workspace(workspace)
            values["not_copied"] = not_copied(workspace)
        found = prefill.check_prefill_size(found)
        found, unplaced = place_provider_refs(client=client, draft=draft, found=found)
        if values["source"] != "template":
            values["not_copied"] += [
                f"The provider connector {ref}: {why}" for ref, why in unplaced.items()
            ]
        return found
    except prefill.LinkRefused as err:
        raise PrefillFailed(
            f"This template version cannot be linked: {err.message}. Nothing was prefilled; "
            f'choose "{steps.TEMPLATE_MODES["copied"]}" to start from its values, or another '
            "template (the rest of your draft is unchanged).",
            reason=f"It cannot be linked: {err.message}.",
        ) from err
    except prefill.PrefillRefused as err:
        raise PrefillFailed(
            f"{what} cannot be used to fill in the wizard: {err.message}. Nothing was "
            "prefilled; choose another one (the rest of your draft is unchanged).",
            reason=f"{err.message}.",
        ) from err
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessNotFound as err:
        raise PrefillFailed(
            "Harness could not find it any more; choose another one. Your choice is saved.",
            reason="Harness could not find it.",
        ) from err
    except errors.HarnessError as err:
        raise PrefillFailed(
            f"Nothing was prefilled: {harness_error_message(err)} Save the step again to retry.",
            reason=harness_error_message(err),
        ) from err


CHOOSE_ANOTHER = ": choose one on the Provisioner and connectors step."


def place_provider_refs(
    *,
    client: HarnessClient,
    draft: WorkspaceDraft,
    found: prefill.Prefill,
    advice: str = CHOOSE_ANOTHER,
) -> tuple[prefill.Prefill, dict[str, str]]:
    """Put provider connector refs whose type is unknown into their slot (aws, gcp, ...),
    looked up by identifier with NG `POST /ng/api/connectors/listV2` (the body's
    `connectorIdentifiers`, contract §6.1: exact, where `searchTerm` is a regex that many newer
    `aws_prod_NN` or a `$` in the identifier defeat); and each ref not placed, with why: not
    a connector reference, no connector the key can see (followed by `advice`), or a slot
    already held by another connector of that type, which keeps it (a workspace has one a
    type). HarnessError propagates."""
    unplaced: dict[str, str] = {}
    for ref in found.provider_refs:
        if not _CONNECTOR_REF_RE.fullmatch(ref):
            # Never searched for; the provisioner step asks for a connector instead.
            unplaced[ref] = f"{ref} is not a connector reference (such as account.aws_prod)."
            continue
        identifier = ref.rsplit(".", 1)[-1]
        page = client.list_connectors(
            org=draft.org,
            project=draft.project,
            types=[kind for kind, _label in steps.PROVIDER_TYPES.values()],
            identifiers=[identifier],
            # At most one per scope (project, org, account) has this identifier.
            limit=10,
        )
        slot = next(
            (
                slot
                for connector in page.items
                if connector.ref == ref
                for slot, (kind, _label) in steps.PROVIDER_TYPES.items()
                if kind == connector.type
            ),
            None,
        )
        if slot is None:
            unplaced[ref] = (
                f"no AWS, GCP, Azure or Vault connector {ref} is visible to your key (deleted, or "
                f"out of its reach){advice}"
            )
            continue
        held = found.values.get("provisioner", {}).get(slot)
        if held and held != ref:
            unplaced[ref] = (
                f"{ref} is of type {slot}, and the {slot} connector {held} is the one used: a "
                "workspace has one connector of each type."
            )
        else:
            found = found.with_provider(slot, ref)
    return found, unplaced


def template_locks(
    *, client: HarnessClient, org: str, project: str, link: AssociatedTemplate
) -> tuple[str, dict[str, Any]]:
    """The version label of the template a workspace links (`link`; v1 `GET .../templates/{id}/
    versions/{v}`, or its stable version without one) and what it locks, as a linked draft holds
    it (`steps.locked_map`), with `carried.<field>` for the fields the steps do not edit that it
    locks (`update.CARRIED`: its `default_pipelines` block). Raises HarnessError, and
    PrefillRefused for YAML the portal does not read."""
    template = client.get_template(
        org=org, project=project, identifier=link.template_id, version=link.version or None
    )
    parsed = template_yaml.load_template_yaml(template.yaml)
    found = prefill.prefill_from_template_yaml(parsed, linked=True, any_tool=True)
    return template.version_label, found.locked | _carried_locks(parsed)


def _carried_locks(parsed: dict[str, Any]) -> dict[str, Any]:
    """`{"carried.<field>": True}` for body fields the steps do not edit but the template locks
    (its `default_pipelines` block): left out of a create or a PUT, as the other locked fields
    are (Harness refuses a body that sets them; the workspace keeps the template's)."""
    template = parsed.get("template", parsed)
    spec = template.get("spec") if isinstance(template, dict) else None
    block = spec.get("default_pipelines") if isinstance(spec, dict) else None
    if isinstance(block, dict) and steps.as_bool(block.get("locked", False)):
        return {"carried.default_pipelines": True}
    return {}


def not_copied(workspace: Workspace) -> list[str]:
    """The settings `workspace` has that a copy made by the wizard does not get (contract §2.1
    fields the steps hold nothing for, so `body.build_body` never sends them), each with its
    value, as Start from and the review list them."""
    found = []
    if workspace.prune_sensitive_data:
        found.append("Prune sensitive data: on")
    if workspace.ccm_cost_enabled:
        found.append("Cloud cost management: on")
    if workspace.variable_sets:
        found.append(f"Variable sets: {', '.join(workspace.variable_sets)}")
    if workspace.terraform_variable_files:
        files = (
            "/".join(part for part in (f.repository, f.repository_path) if part)
            for f in workspace.terraform_variable_files
        )
        found.append(f"Variable files: {', '.join(files)}")
    if workspace.default_pipelines:
        found.append(f"Default pipelines: {', '.join(workspace.default_pipelines)}")
    if workspace.sparse_checkout:
        found.append(f"Sparse checkout: {', '.join(workspace.sparse_checkout)}")
    if workspace.provisioner_configuration:
        pairs = (f"{key}={value}" for key, value in workspace.provisioner_configuration.items())
        found.append(f"Provisioner configuration: {', '.join(pairs)}")
    terragrunt = [c.connector_ref for c in workspace.provider_connectors if c.terragrunt_provider]
    if terragrunt:
        noun = "connector" if len(terragrunt) == 1 else "connectors"
        found.append(f"Terragrunt on the provider {noun} {', '.join(terragrunt)}")
    if workspace.provisioner_version == "latest":
        found.append(f"Provisioner version “latest”: {LATEST_BECOMES_FIXED}")
    link = workspace.associated_template
    if link:
        found.append(f"Its link to the template {link.template_id} {link.version}".rstrip())
    return found


def copy_leaves_out(template: dict[str, Any]) -> list[str]:
    """What the copy applied to a draft (its template step's values) does not get of the
    workspace it copies (`not_copied`); empty unless a copy is what was applied."""
    if template.get("source") != "clone" or template.get("applied") != prefill_marker(template):
        return []
    return list(template.get("not_copied") or [])
