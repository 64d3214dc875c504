"""The review of a change: what the edit does (old → new), what changed in Harness since it
started, and the exact PUT body. View objects only; `wizard_review.html` renders them.

Both sides are update bodies (`update.held_body` for what Harness holds, `update.update_body`
for the change) flattened into labelled settings (`settings_of`): one label per setting, per
tag and per variable, so added and removed tags and variables fall out of the same comparison.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workspaces.models import WorkspaceDraft
from workspaces.wizard import budgets, steps
from workspaces.wizard.body import stored_steps
from workspaces.wizard.outcomes import CHANGED_IN_HARNESS, LANDED_EARLIER
from workspaces.wizard.rebase import link_moved, rebased
from workspaces.wizard.update import CARRIED, held_body, update_body

_LABELS = {
    "name": "Name",
    "description": "Description",
    "provisioner_version": "Provisioner version",
    "provider_connector": "Main cloud connector",
    "repository_connector": "Git connector",
    "repository": "Repository",
    "repository_branch": "Branch",
    "repository_commit": "Tag",
    "repository_sha": "Commit SHA",
    "repository_path": "Folder path",
    "terraform_variable_files": "Variable files",
    "variable_sets": "Variable sets",
    "default_pipelines": "Default pipelines",
    "ccm_cost_enabled": "Cloud cost management",
    "prune_sensitive_data": "Prune sensitive data",
    "sparse_checkout": "Sparse checkout",
    "provisioner_configuration": "Provisioner configuration",
}
# A field's name in the comparison's row when no setting shows how it changed (`_unlabelled`).
_UNLABELLED = {"provider_connectors": "Provider connectors"}
_GROUPS = {
    "terraform_variables": "Terraform variable",
    "environment_variables": "Environment variable",
}


@dataclass(frozen=True)
class Change:
    """One setting, tag or variable: its value before and after (None: absent)."""

    label: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    @property
    def whitespace_only(self) -> bool:
        """A change of spaces or line breaks alone, which the eye may not see: the review says
        so."""
        if self.before is None or self.after is None:
            return False
        return self.before.split() == self.after.split()


@dataclass(frozen=True)
class HarnessChange:
    """A setting changed in Harness since the edit started, and what the change would send."""

    label: str
    started: str | None
    now: str | None
    yours: str | None

    @property
    def replaced(self) -> bool:
        """Sending the change would replace what Harness holds now."""
        return self.yours != self.now


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def settings_of(body: Mapping[str, Any]) -> dict[str, str]:
    """`{label: value as shown}` for an update body; secrets shown as their references."""
    out: dict[str, str] = {}
    for field in ("name", "description"):
        if body.get(field):
            out[_LABELS[field]] = body[field]
    if body.get("provisioner"):
        out["Provisioner"] = steps.PROVISIONERS.get(body["provisioner"], body["provisioner"])
    for field in ("provisioner_version", "provider_connector"):
        if body.get(field):
            out[_LABELS[field]] = body[field]
    if body.get("terragrunt_provider"):
        run_all = ", run all modules" if body.get("run_all") else ""
        out["Terragrunt"] = f"{body.get('terragrunt_version', '')}{run_all}"
    for item in body.get("provider_connectors") or []:
        label = steps.PROVIDER_TYPES.get(item.get("type"), ("", str(item.get("type"))))[1]
        out[f"{label} connector"] = str(item.get("connector_ref", ""))
    for field in ("repository_connector", "repository", *steps.FETCH_FIELDS.values()):
        if body.get(field):
            out[_LABELS[field]] = body[field]
    if "repository_path" in body:
        out[_LABELS["repository_path"]] = body["repository_path"] or "(root)"
    if "repository_submodules" in body:
        out["Submodules"] = steps.SUBMODULES.get(
            body["repository_submodules"], body["repository_submodules"]
        )
    if "cost_estimation_enabled" in body:
        out["Cost estimation"] = "On" if body["cost_estimation_enabled"] else "Off"
    if body.get("budget") is not None:  # as Harness holds it: a float32 (`budgets.as_held`)
        out["Monthly budget"] = budgets.budget_shown(body["budget"])
    for key, value in (body.get("tags") or {}).items():
        out[f"Tag {key}"] = value
    for group, noun in _GROUPS.items():
        for key, variable in (body.get(group) or {}).items():
            value = str(variable.get("value", ""))
            secret = variable.get("value_type") == "secret"
            out[f"{noun} {key}"] = f"secret reference {value}" if secret else value
    for field in CARRIED:
        if body.get(field) not in (None, [], {}):
            out[_LABELS[field]] = _text(body[field])
    return out


def body_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """Every setting, tag and variable that differs between two update bodies, in order."""
    old, new = settings_of(before), settings_of(after)
    labels = list(old) + [label for label in new if label not in old]
    return [
        Change(label, old.get(label), new.get(label))
        for label in labels
        if old.get(label) != new.get(label)
    ]


def harness_changes(
    started: Mapping[str, Any], now: Mapping[str, Any], yours: Mapping[str, Any]
) -> list[HarnessChange]:
    """What changed in Harness between `started` and `now` (both held bodies), beside `yours`:
    each labelled setting (`settings_of`), then each body field changed in a way no setting
    shows (`_unlabelled`), so a change in Harness is never an empty comparison."""
    shown = settings_of(yours)
    return [
        *(
            HarnessChange(change.label, change.before, change.after, shown.get(change.label))
            for change in body_diff(started, now)
        ),
        *_unlabelled(started, now, yours),
    ]


def _unlabelled(
    started: Mapping[str, Any], now: Mapping[str, Any], yours: Mapping[str, Any]
) -> list[HarnessChange]:
    """The body fields that differ between `started` and `now` while the settings they show as
    (`settings_of`) do not (a provider connector's `terragrunt_provider` flag): one row each,
    values as Harness holds them (JSON)."""

    def alone(body: Mapping[str, Any], field: str) -> dict[str, Any]:
        return {field: body[field]} if field in body else {}

    def value(body: Mapping[str, Any], field: str) -> str | None:
        return _text(body[field]) if field in body else None

    return [
        HarnessChange(
            _UNLABELLED.get(field, field),
            value(started, field),
            value(now, field),
            value(yours, field),
        )
        for field in [*started, *(f for f in now if f not in started)]
        if started.get(field) != now.get(field)
        and settings_of(alone(started, field)) == settings_of(alone(now, field))
    ]


def _link_text(snapshot: Mapping[str, Any]) -> str | None:
    """A workspace's template link as the panel shows it ("k8s_namespace v1"), None for none."""
    link = snapshot.get("associated_template")
    if not isinstance(link, dict):
        return None
    return f"{link.get('template_id', '')} {link.get('version', '')}".strip()


def link_change(start: Mapping[str, Any], fresh: Mapping[str, Any]) -> list[HarnessChange]:
    """The template link changed in Harness between `start` and `fresh` (`workspace_snapshot`s;
    linked, relinked or unlinked, contract §3.3), as a row of the panel, or none. A PUT never
    changes the link (an update body has no `associated_template`, §2.1): what Harness holds."""
    if not link_moved(start, fresh):
        return []
    now = _link_text(fresh)
    return [HarnessChange("Template link", _link_text(start), now, now)]


def sent_anyway(draft: WorkspaceDraft, fresh: Mapping[str, Any]) -> dict[str, Any]:
    """What "Send my change anyway" sends over `fresh`, the workspace as Harness holds it now,
    as the review shows it (the locked fields as Harness holds them): the PUT of the draft
    `change.draft_rebase` makes (`rebase.rebased`), not the one built on the start."""
    base = rebased(draft, fresh)
    return update_body(stored_steps(base.data), draft=base, keep_locked=True)


def baseline(draft: WorkspaceDraft) -> dict[str, Any]:
    """What Harness held when the change started, as the steps would send it untouched.

    A workspace that names its cloud connector only in the single `provider_connector` (none or
    other connectors, a Vault one, in `provider_connectors`) is sent with it in
    `provider_connectors` too (under the slot the edit placed it in, when no listed connector
    holds that slot), so opening Edit and changing nothing shows no change; the PUT body below
    the diff still shows both fields.
    """
    held = held_body(draft.workspace_snapshot or {})
    ref = held.get("provider_connector")
    listed = held.get("provider_connectors") or []
    if ref and all(item.get("connector_ref") != ref for item in listed):
        chosen = (draft.data or {}).get("provisioner") or {}
        slot = next((slot for slot in steps.PROVIDER_TYPES if chosen.get(slot) == ref), None)
        if slot and all(item.get("type") != slot for item in listed):
            held["provider_connectors"] = [*listed, {"connector_ref": ref, "type": slot}]
    return held


def with_locked(draft: WorkspaceDraft, body: Mapping[str, Any]) -> dict[str, Any]:
    """`body`, a PUT frozen for approval, with what a linked template's locks left out of it as
    the edit review shows it (`keep_locked`: the template's values, which the workspace keeps or
    inherits), so the approver's diff is the author's and shows no removal of a locked field.

    What the locks leave out is derived from the draft's steps (the body built with and without
    them); locked variables are left out of their map one by one, so they are added key by key.
    """
    values = stored_steps(draft.data)
    sent = update_body(values, draft=draft)
    shown = update_body(values, draft=draft, keep_locked=True)
    out = dict(body)
    for field, value in shown.items():
        if field in _GROUPS:
            locked = {k: v for k, v in value.items() if k not in (sent.get(field) or {})}
            out[field] = {**(out.get(field) or {}), **locked}
        elif field not in sent or sent[field] != value:
            out[field] = value
    return out


def change_review(draft: WorkspaceDraft) -> dict[str, Any]:
    """The review of an edit draft: the exact PUT body, the diff, and any change in Harness."""
    values = stored_steps(draft.data)
    body = update_body(values, draft=draft)
    # The diff shows locked values too (they equal what Harness holds: no change).
    shown = update_body(values, draft=draft, keep_locked=True)
    held = held_body(draft.workspace_snapshot or {})
    response = draft.harness_response or {}
    fresh = response.get("harness_workspace")
    changed = response.get("outcome") == CHANGED_IN_HARNESS and isinstance(fresh, dict)
    return {
        "body": body,
        "body_json": json.dumps(body, indent=2, sort_keys=False),
        "changes": body_diff(baseline(draft), shown),
        "harness_changes": [
            *link_change(draft.workspace_snapshot or {}, fresh),
            *harness_changes(held, held_body(fresh), sent_anyway(draft, fresh)),
        ]
        if changed
        else [],
        "changed_in_harness": changed,
        # It cannot be sent, only started again (`change.draft_rebase`).
        "link_changed": changed and link_moved(draft.workspace_snapshot or {}, fresh),
        # The last write landed although Harness did not say so; the diff is what is left.
        "landed_earlier": response.get("outcome") == LANDED_EARLIER,
    }
