"""What Harness holds of the workspace a change edits, as the step forms' rules see it.

A change keeps what Harness holds as it is, although the portal's rules refuse such a value
typed anew (a name with brackets, `latest`, a variable key with "-", a tag key with a space, a
budget with three decimals, ...). "Send my change anyway" moves the change's base to the
workspace as Harness holds it now (`rebase.rebased_data`), while the steps may still hold a
value Harness held before, which the review's panel showed the change sends (replacing Harness's
value): so what each earlier base held passes too (`held_before` in the template step's values,
`held_bases`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workspaces.wizard import steps

# The `workspace_snapshot` fields the step forms let pass as held, kept from each earlier base.
RULED_FIELDS = (
    "name",
    "repository",
    "repository_path",
    "provisioner",
    "provisioner_version",
    "budget",
    "tags",
    "terraform_variables",
    "environment_variables",
)


def held_bases(data: Mapping[str, Any], snapshot: Mapping[str, Any] | None) -> list[dict]:
    """The workspace a change edits as Harness holds it (`snapshot`, its
    `WorkspaceDraft.workspace_snapshot`; None for a create), then as it held it at each earlier
    base of the change (`held_before`)."""
    earlier = steps.step_values(dict(data), "template").get("held_before") or []
    return [dict(snapshot or {}), *(base for base in earlier if isinstance(base, dict))]


def holds_latest(bases: list[dict]) -> bool:
    """Whether a change may keep following the latest provisioner version (`steps.LATEST`): the
    workspace follows it now or did at an earlier base (`bases` as `held_bases` returns them).
    The step's rule (`forms.ProvisionerForm.clean_version`), its version list
    (`pages.step_context`'s `version_held`) and its default versions all ask this."""
    return any(steps.follows_latest(base) for base in bases)


def held_before(template: Mapping[str, Any], start: Mapping[str, Any]) -> list[dict]:
    """The template step's `held_before` once the change's base moves on from `start` (the
    `workspace_snapshot` it had): the earlier bases, and `start`'s `RULED_FIELDS`."""
    earlier = list(template.get("held_before") or [])
    base = {field: start[field] for field in RULED_FIELDS if field in start}
    return earlier if base in earlier else [*earlier, base]


def held_map(bases: list[dict], field: str) -> dict[str, Any]:
    """`{key: value}` of a map field (`tags`, a variable group) over `bases` (`held_bases`): every
    key any of them holds, with the value Harness holds now where it still holds the key."""
    out: dict[str, Any] = {}
    for base in reversed(bases):
        out |= base.get(field) or {}
    return out


def held_variable_keys(
    data: dict[str, Any], snapshot: dict[str, Any] | None
) -> dict[str, frozenset[str]]:
    """Per variable group, the keys a row keeps as they are although `VARIABLE_KEY_PATTERN`
    refuses them (a "-", which Harness's request schema takes, contract §2.4): those the
    workspace a change edits holds in that group (`held_bases`: now or at an earlier base) and
    those a linked template locks. A new key must match the pattern."""
    bases = held_bases(data, snapshot)
    held = {group: set(held_map(bases, f"{group}_variables")) for group in steps.VARIABLE_GROUPS}
    for path in steps.locked_map(data):
        parts = path.split(".")
        if len(parts) == 3 and parts[0] == "variables" and parts[1] in held:
            held[parts[1]].add(parts[2])
    return {group: frozenset(keys) for group, keys in held.items()}


def held_variable_values(
    data: dict[str, Any], snapshot: dict[str, Any] | None
) -> dict[str, dict[str, str]]:
    """Per variable group, `{key: value}` of the workspace a change edits (`held_map` over
    `held_bases`): a row whose value is still the one Harness holds keeps it as it is
    (`rows.RowForm`)."""
    bases = held_bases(data, snapshot)
    return {
        group: {
            key: item.get("value", "")
            for key, item in held_map(bases, f"{group}_variables").items()
            if isinstance(item, dict)
        }
        for group in steps.VARIABLE_GROUPS
    }
