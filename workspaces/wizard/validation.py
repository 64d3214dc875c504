"""Step forms bound with a draft's stored values: validation in one place.

`bind_step` binds a step's form with `step_data(values)` (what the form would have been
posted), its locks and the whole draft; `problems()` of that form is the step's validation,
while typing (after each save) and at submit alike. `unbound_step` shows a step not visited yet.
"""

from __future__ import annotations

from typing import Any

from workspaces.wizard import steps
from workspaces.wizard.forms import STEP_FORMS, StepForm
from workspaces.wizard.rows import rows_data

ROW_FIELDS = {"tags": ("tag", ("key", "value"))} | {
    group: (group, ("key", "value_type", "value")) for group in steps.VARIABLE_GROUPS
}


def step_data(step: str, values: dict[str, Any]) -> dict[str, Any]:
    """Stored values as the data a step's form is bound with (booleans as "on" or absent)."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        if name in ROW_FIELDS:
            prefix, fields = ROW_FIELDS[name]
            data |= rows_data(prefix, value if isinstance(value, list) else [], fields)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, str | int | float):
            data[name] = str(value)
    return data


def bind_step(
    step: str,
    draft_data: dict[str, Any],
    *,
    transient: dict[str, str] | None = None,
    snapshot: dict[str, Any] | None = None,
) -> StepForm:
    """The step's form bound with its stored values: what validation and the page use.

    `transient` gives the fields that are never stored (the paste box) a value to show;
    `snapshot` is the workspace a change edits, as read (`WorkspaceDraft.workspace_snapshot`).
    """
    values = steps.step_values(draft_data, step)
    locked = steps.step_locks(draft_data, step) if step != "template" else {}
    data = step_data(step, values) | (transient or {})
    return STEP_FORMS[step](data=data, locked=locked, draft_data=draft_data, snapshot=snapshot)


def unbound_step(
    step: str, draft_data: dict[str, Any], *, snapshot: dict[str, Any] | None = None
) -> StepForm:
    """A step not visited yet: its stored values shown, no errors."""
    values = steps.step_values(draft_data, step)
    locked = steps.step_locks(draft_data, step) if step != "template" else {}
    return STEP_FORMS[step](initial=values, locked=locked, draft_data=draft_data, snapshot=snapshot)


def draft_problems(
    draft_data: dict[str, Any], *, snapshot: dict[str, Any] | None = None
) -> dict[str, dict[str, list[str]]]:
    """`{step: {field: [messages]}}` for every editable step that has problems."""
    found = {}
    for step in steps.EDITABLE_STEPS:
        problems = bind_step(step, draft_data, snapshot=snapshot).problems()
        if problems:
            found[step] = problems
    return found


def step_statuses(
    problems: dict[str, dict[str, list[str]]],
    data: dict[str, Any],
    previous: dict[str, str],
    *,
    unvisited: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """valid / invalid per visited step; a step that was valid and no longer is is "flagged".

    `unvisited` steps that have no status yet (filled in by a template or a clone, never
    opened) are marked only when valid: their problems show once they are opened (Basics after
    a clone has no name yet). At submit every step is marked.
    """
    statuses = {}
    for step in steps.EDITABLE_STEPS:
        if step not in data and step not in previous:
            continue
        if step in problems and step in unvisited and step not in previous:
            continue
        if step in problems:
            was = previous.get(step)
            statuses[step] = "flagged" if was in {"valid", "flagged"} else "invalid"
        else:
            statuses[step] = "valid"
    return statuses
