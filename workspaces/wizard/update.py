"""The workspace as an edit draft reads it, and the update body sent back (no HTTP).

`workspace_snapshot` keeps a Harness `Workspace` in Harness's own field names (contract §2.2);
`held_body` puts it in the shape of an update body, so the diff and the check that a PUT landed
(`holds`) compare like with like; `update_body` is the IaCM `PUT .../workspaces/{identifier}`
body, built by the same `build_body` as a create.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from workspaces.harness.types import Workspace
from workspaces.models import WorkspaceDraft
from workspaces.wizard import budgets, steps
from workspaces.wizard.body import build_body, locked_body_fields
from workspaces.wizard.held import held_bases
from workspaces.wizard.rows import lf_lines

# Update body fields (contract §2.1) the steps do not edit. A PUT is a full replacement, so they
# are sent as Harness holds them; left out, Harness would clear them.
CARRIED = (
    "terraform_variable_files",
    "variable_sets",
    "default_pipelines",
    "ccm_cost_enabled",
    "prune_sensitive_data",
    "sparse_checkout",
    "provisioner_configuration",
)
# Carried fields whose stored type changed: a snapshot stored by an earlier release holds a
# string sparse_checkout as a list and a string provisioner_configuration as {"value": ...}.
RETYPED = ("sparse_checkout", "provisioner_configuration")


def updated_ms(workspace: Workspace) -> int:
    """The workspace's `updated` in unix milliseconds, as Harness sent it (0 when absent)."""
    return round(workspace.updated.timestamp() * 1000) if workspace.updated else 0


def workspace_snapshot(workspace: Workspace) -> dict[str, Any]:
    """The workspace as read (contract §2.2 field names), for the draft: the base of the diff.

    Secret variables hold references only, as Harness returns them; the lock, status and
    timestamps other than `updated` are left out (the update body never carries them).
    """
    snapshot: dict[str, Any] = {
        "identifier": workspace.identifier,
        "name": workspace.name,
        "description": workspace.description,
        "tags": dict(workspace.tags),
        "provisioner": workspace.provisioner,
        "provisioner_version": workspace.provisioner_version,
        "terragrunt_provider": workspace.terragrunt_provider,
        "terragrunt_version": workspace.terragrunt_version,
        "run_all": workspace.run_all,
        "provider_connector": workspace.provider_connector,
        "provider_connectors": [_connector(item) for item in workspace.provider_connectors],
        "repository": workspace.repository,
        "repository_connector": workspace.repository_connector,
        "repository_branch": workspace.repository_branch,
        "repository_commit": workspace.repository_commit,
        "repository_sha": workspace.repository_sha,
        "repository_path": workspace.repository_path,
        "repository_submodules": workspace.repository_submodules,
        "cost_estimation_enabled": workspace.cost_estimation_enabled,
        "terraform_variables": _variables(workspace.terraform_variables),
        "environment_variables": _variables(workspace.environment_variables),
        "terraform_variable_files": [asdict(item) for item in workspace.terraform_variable_files],
        "variable_sets": list(workspace.variable_sets),
        "default_pipelines": {
            operation: asdict(pipeline)
            for operation, pipeline in workspace.default_pipelines.items()
        },
        "ccm_cost_enabled": workspace.ccm_cost_enabled,
        "prune_sensitive_data": workspace.prune_sensitive_data,
        "updated": updated_ms(workspace),
    }
    if workspace.budget is not None:
        snapshot["budget"] = workspace.budget
    # As Harness sent them (a string or an array, a string or an object): the PUT carries them
    # back unchanged, in the same type.
    snapshot.update(copy.deepcopy(workspace.as_sent))
    if workspace.associated_template:
        snapshot["associated_template"] = asdict(workspace.associated_template)
    return snapshot


def _connector(item: Any) -> dict[str, Any]:
    """A provider connector as an update body lists it; `terragrunt_provider` only when set."""
    connector: dict[str, Any] = {"connector_ref": item.connector_ref, "type": item.type}
    if item.terragrunt_provider:
        connector["terragrunt_provider"] = True
    return connector


def _variables(variables: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    return {
        key: {"key": item.key, "value": item.value, "value_type": item.value_type}
        for key, item in variables.items()
    }


def held_body(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """What Harness holds (a `workspace_snapshot`), in the shape of an update body: the fields
    `build_body` would send for it, plus `CARRIED`. Empty for no snapshot."""
    if not snapshot:
        return {}
    body: dict[str, Any] = {
        field: snapshot.get(field, "")
        for field in ("name", "description", "provisioner", "provisioner_version")
    }
    body["tags"] = dict(snapshot.get("tags") or {})
    if snapshot.get("terragrunt_provider"):
        body |= {
            "terragrunt_provider": True,
            "terragrunt_version": snapshot.get("terragrunt_version", ""),
            "run_all": bool(snapshot.get("run_all")),
        }
    body |= {
        field: snapshot.get(field, "")
        for field in (
            "provider_connector",
            "repository",
            "repository_connector",
            "repository_path",
            "repository_submodules",
        )
    }
    body["provider_connectors"] = list(snapshot.get("provider_connectors") or [])
    body["cost_estimation_enabled"] = bool(snapshot.get("cost_estimation_enabled"))
    for group in ("terraform_variables", "environment_variables"):
        body[group] = dict(snapshot.get(group) or {})
    for field in steps.FETCH_FIELDS.values():
        if snapshot.get(field):
            body[field] = snapshot[field]
    if snapshot.get("budget") is not None:
        body["budget"] = snapshot["budget"]
    body |= {field: snapshot[field] for field in CARRIED if field in snapshot}
    return body


def carry_as_held(body: dict[str, Any], snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """`body` (changed in place) with the `RETYPED` fields it carries as `snapshot`, the
    workspace as Harness holds it now, holds them: a body built from a snapshot an earlier
    release stored (a change started before, a request frozen awaiting approval) would send
    them in the old type, a change the user never made."""
    held = held_body(snapshot)
    for field in RETYPED:
        if field in body and field in held:
            body[field] = held[field]
        elif field in body:
            del body[field]  # Harness holds none (an omitted field stays empty)
    return body


def update_body(
    values: Mapping[str, Mapping[str, Any]], *, draft: WorkspaceDraft, keep_locked: bool = False
) -> dict[str, Any]:
    """The IaCM `PUT .../workspaces/{identifier}` body for an edit draft's steps.

    Built by `build_body`, as a create's, without `identifier` (it is in the path) and
    `associated_template` (contract §2.1: neither is in UpdateWorkspaceRequest; a template link
    changes through §3.3); fields a linked template locks are left out as for a create. The
    settings the steps do not edit (`CARRIED`) are sent as Harness held them at the start,
    unless the template locks them (`carried.<field>` in its locks), and so is the
    `terragrunt_provider` flag of each provider connector the edit keeps, and the main
    `provider_connector` while the connectors are as placed at the start
    (`main_connector_held`), else while it is still among them. An untouched budget is sent as
    Harness holds it (`_budget_kept`), also with cost estimation off; text that differs only in
    line endings is sent as held (`_keep_held_text`). With `keep_locked` (what a review shows),
    the fields the locks keep out are there as Harness holds them.
    """
    body = build_body(values, locked=steps.locked_map(draft.data), keep_locked=keep_locked)
    body.pop("identifier", None)
    body.pop("associated_template", None)
    held = held_body(draft.workspace_snapshot or {})
    locked = steps.locked_map(draft.data)
    carried = [f for f in CARRIED if f in held and (keep_locked or f"carried.{f}" not in locked)]
    if "provider_connectors" in body:
        body["provider_connectors"] = _kept_flags(body["provider_connectors"], held)
        refs = [item["connector_ref"] for item in body["provider_connectors"]]
        start = steps.step_values(draft.data, "template").get("held_connectors") or {}
        chosen_main = (values.get("provisioner") or {}).get("main")
        if "main" not in start and not chosen_main and held.get("provider_connector") in refs:
            # A change started before the step had the choice (`main`), none made since: its
            # steps pick the first of AWS, GCP, Azure, not necessarily the main one Harness holds.
            body["provider_connector"] = held["provider_connector"]
    if held and main_connector_held(values, draft=draft):
        body["provider_connector"] = held.get("provider_connector", "")
    typed = (values.get("provisioner") or {}).get("budget")
    kept = _budget_kept(body, held_bases(draft.data, draft.workspace_snapshot), typed)
    if kept is not None:
        body["budget"] = kept
    _keep_held_text(body, held)
    if keep_locked:  # what the locks keep out of the PUT, Harness keeps: shown as it holds it
        for field in template_kept(locked) - {"provider_connectors"}:
            if field in held:
                body[field] = held[field]
            else:
                body.pop(field, None)
    return body | {field: held[field] for field in carried}


def _keep_held_text(body: dict[str, Any], held: Mapping[str, Any]) -> None:
    """The name, description, tags and text variable values in `body` (changed in place) as
    Harness holds them where they differ only as the steps store text: line breaks as LF (a page
    shows CRLF as LF and a browser posts it back as CRLF, `rows.lf_lines`) and, for the name, the
    description and tag keys, spaces around them (`build_body` strips them). Sent as typed, they
    would be a change nobody made."""
    for field in ("name", "description"):
        text = held.get(field)
        if isinstance(text, str) and lf_lines(text).strip() == body.get(field):
            body[field] = text
    if isinstance(body.get("tags"), dict):
        body["tags"] = _held_tags(body["tags"], held.get("tags") or {})
    for group in ("terraform_variables", "environment_variables"):
        was = held.get(group) or {}
        for key, variable in (body.get(group) or {}).items():
            old = was.get(key) or {}
            value = old.get("value")
            if (
                isinstance(value, str)
                and old.get("value_type") == variable.get("value_type") == "string"
                and lf_lines(value) == variable.get("value")
            ):
                body[group][key] = {**variable, "value": value}


def _held_tags(tags: Mapping[str, str], held: Mapping[str, Any]) -> dict[str, str]:
    """`tags` with each key and value as Harness holds them (`held`) where they differ only as
    the steps store them: a key with spaces around it (unless Harness holds the key without
    them too), a value with CRLF line breaks."""
    spaced = {key.strip(): key for key in held if key.strip() not in held}
    out = {}
    for key, value in tags.items():
        key = spaced.get(key, key)
        was = held.get(key)
        out[key] = was if isinstance(was, str) and lf_lines(was) == value else value
    return out


def main_connector_held(values: Mapping[str, Mapping[str, Any]], *, draft: WorkspaceDraft) -> bool:
    """Whether the change leaves the provider connectors as they were placed when it started
    (`held_connectors`, kept by `change.draft_start_change`): its PUT then keeps the main
    `provider_connector` Harness holds, also one no slot holds (not visible to the key, or of a
    type a listed connector has). False for a change started before they were kept."""
    start = steps.step_values(draft.data, "template").get("held_connectors")
    chosen = values.get("provisioner") or {}
    # The main one chosen too (`main`; none kept by a change started before the choice).
    return isinstance(start, dict) and all(
        str(chosen.get(slot) or "").strip() == start.get(slot, "")
        for slot in steps.HELD_CONNECTOR_FIELDS
    )


def _kept_flags(connectors: list[dict[str, Any]], held: Mapping[str, Any]) -> list[dict]:
    """`connectors` with the `terragrunt_provider` flag Harness holds on those the edit keeps
    (same type and ref): the steps do not edit the flag, and the PUT replaces every connector."""
    flagged = {
        (item.get("type"), item.get("connector_ref"))
        for item in held.get("provider_connectors") or []
        if item.get("terragrunt_provider")
    }
    return [
        item | {"terragrunt_provider": True}
        if (item["type"], item["connector_ref"]) in flagged
        else item
        for item in connectors
    ]


def _budget_kept(body: Mapping[str, Any], bases: list[dict], typed: Any) -> float | None:
    """The budget Harness holds that the PUT sends, or None: the one the budget field (`typed`)
    still shows (`budgets.shows_budget`: the user did not touch it), of those Harness holds now
    or held at an earlier base of the change (`bases`, `held.held_bases`: the review's panel
    showed the change sending it).

    With cost estimation off: a create sends no budget then, but a PUT without one clears it
    (the field is hidden while cost estimation is off). With it on: a budget the portal's rule
    refuses when typed (more than two decimals, over `budgets.MAX_BUDGET`), which the form
    accepts as held, is sent as Harness holds it, not dropped. Not when a linked template
    keeps cost estimation and the budget out of the PUT.
    """
    if "cost_estimation_enabled" not in body:
        return None
    held = (base.get("budget") for base in bases)
    return next((b for b in held if b is not None and budgets.shows_budget(typed, b)), None)


def holds(
    snapshot: Mapping[str, Any], body: Mapping[str, Any], *, locked: Mapping[str, Any] | None = None
) -> bool:
    """Whether the workspace `snapshot` is what the PUT `body` makes of it (did the PUT land?).

    It holds every field `body` sets and, a PUT being a full replacement, none of the update body
    fields `body` leaves out (the Terragrunt settings, the budget, the unused branch, tag or
    commit, a carried setting Harness did not hold at the start): a change that only clears a
    field has not landed while Harness still holds it. Fields a linked template locks (`locked`
    as in `steps.locked_map`) are left out of the body and kept by Harness: not compared.
    An empty `provider_connector` is one a linked template lends (nothing to compare), and
    provider connectors compare in any order, with their `terragrunt_provider` flag, and a
    budget as Harness holds it, a float32 (`budgets.same_budget`: 1234567.89 sent comes back
    1234567.9).
    """
    held = held_body(snapshot)
    kept = template_kept(locked or {})
    if any(f not in body and f not in kept and not _empty(v) for f, v in held.items()):
        return False
    for field, value in body.items():
        if field == "provider_connector" and not value:
            continue
        if field == "provider_connectors":
            if _connectors(held.get(field)) != _connectors(value):
                return False
        elif field == "budget":
            if not budgets.same_budget(held.get(field), value):
                return False
        elif held.get(field) != value:
            return False
    return True


def template_kept(locked: Mapping[str, Any]) -> set[str]:
    """The update body fields a linked template's `locked` keeps out of a PUT (`update_body`)."""
    return locked_body_fields(locked) | {f for f in CARRIED if f"carried.{f}" in locked}


def _empty(value: Any) -> bool:
    """What a PUT that leaves a field out leaves in it (a budget of 0 is a budget)."""
    return value is None or value is False or value in ("", [], {})


def _connectors(items: Any) -> list[tuple[str, str, bool]]:
    return sorted(
        (
            str(item.get("type")),
            str(item.get("connector_ref")),
            bool(item.get("terragrunt_provider")),
        )
        for item in items or []
    )
