"""A change whose base moved: the workspace as Harness holds it now becomes what an edit draft
changes ("Send my change anyway", `change.draft_rebase`), and the review's "Your change sends"
column is the PUT such a draft sends (`diff.change_review`). No HTTP, nothing saved here.

What the steps show is the user's change, sent as it is and replacing what Harness holds now,
except what the steps did not show them or could not: the settings the steps do not edit
(`update.CARRIED`, sent as Harness holds them now), the main connector while the connectors are
as Harness now places them, and a budget left as it was while cost estimation is off (the field
is hidden): it follows Harness. A value the steps hold as Harness held it before still passes
their rules as held (`held.held_bases`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from workspaces.models import WorkspaceDraft
from workspaces.wizard import budgets, steps
from workspaces.wizard.held import held_before

# Why the main connector Harness holds now has no slot, when it was set after the change started
# (its type is not looked up: `sources.place_provider_refs` runs when a change starts).
SET_MEANWHILE = (
    "it was made the main connector in Harness after your change started, and no connector "
    "Harness lists beside it says its type."
)


def link_moved(start: Mapping[str, Any], fresh: Mapping[str, Any]) -> bool:
    """Whether the workspace's template link (`associated_template`) differs between `start` and
    `fresh` (`workspace_snapshot`s): linked, relinked or unlinked in Harness (contract §3.3).
    Such a change is not rebased: the fields the template fixes, which the PUT leaves out, are
    those of the link it started with (`change.draft_rebase` refuses it)."""
    return start.get("associated_template") != fresh.get("associated_template")


def link_moved_message(name: str) -> str:
    """What the review says of a change whose workspace's template link moved (`link_moved`)."""
    return (
        f"Nothing was sent: {name}'s template link changed in Harness since you started this "
        "change, so the fields the template fixes are not those your change was made with, and "
        "Harness would refuse it. Start a new change from the workspace as Harness holds it now."
    )


def rebased(draft: WorkspaceDraft, fresh: Mapping[str, Any]) -> WorkspaceDraft:
    """An unsaved copy of the edit `draft` whose base is `fresh` (a `workspace_snapshot` of the
    workspace as Harness holds it now): its `update.update_body` is what it sends.

    The connectors are as Harness now places them (`held_connectors`, `main_connector_kept`): a
    slot still holding the connector of the start (a connector changed in Harness since) is the
    user's choice, and the one chosen as main (or the first cloud connector) becomes the main
    one; slots as Harness now holds them keep its main connector, and a choice of the main one
    left as it was at the start follows the one Harness holds now. A budget the steps still show
    as it was at the start, while cost estimation is off, becomes the one Harness holds now (none
    if none).
    """
    out = copy.copy(draft)
    out.workspace_snapshot = copy.deepcopy(dict(fresh))
    out.workspace_updated = fresh.get("updated") or 0
    out.data = rebased_data(draft.data or {}, draft.workspace_snapshot or {}, fresh)
    return out


def rebased_data(
    data: Mapping[str, Any], start: Mapping[str, Any], fresh: Mapping[str, Any]
) -> dict[str, Any]:
    """A copy of an edit draft's `data` whose base moves from `start` to `fresh` (both
    `workspace_snapshot`s): see `rebased`."""
    out = copy.deepcopy(dict(data))
    template = dict(out.get("template") or {})
    placed, kept = _placed(fresh, template)
    # Which of them is the main one, as `prefill.workspace_values` chooses it at the start.
    placed["main"] = steps.main_slot(placed, str(fresh.get("provider_connector") or ""))
    provisioner = dict(out.get("provisioner") or {})
    # A choice left as it was at the start (none, for a change started before the choice)
    # follows Harness.
    if provisioner.get("main", "") == (template.get("held_connectors") or {}).get("main", ""):
        provisioner["main"] = placed["main"]
    out["provisioner"] = provisioner
    template["held_connectors"] = placed
    if kept:
        template["main_connector_kept"] = kept
    else:
        template.pop("main_connector_kept", None)
    # What Harness held before passes the step forms' rules as held: the review's panel showed
    # the change sending it (`held`).
    template["held_before"] = held_before(template, start)
    out["template"] = template
    if (
        not steps.as_bool(provisioner.get("cost_estimation_enabled"))
        and "provisioner.budget" not in steps.locked_map(out)
        and budgets.shows_budget(provisioner.get("budget"), start.get("budget"))
    ):
        budget = fresh.get("budget")
        provisioner["budget"] = "" if budget is None else budgets.budget_text(budget)
    return out


def _placed(
    fresh: Mapping[str, Any], template: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str] | None]:
    """The slots of the connectors Harness holds now (`fresh`), and the main connector none of
    them holds (with why), as `change.draft_start_change` places them. A main connector Harness
    lists under no type is put in the slot it had at the start (`template`'s
    `held_connectors`, where its type was looked up) while no listed connector takes it."""
    placed = {slot: "" for slot in steps.PROVIDER_TYPES}
    for item in fresh.get("provider_connectors") or []:
        if isinstance(item, dict) and item.get("type") in placed:
            placed[item["type"]] = str(item.get("connector_ref") or "")
    main = str(fresh.get("provider_connector") or "")
    if not main or main in placed.values():
        return placed, None
    earlier = template.get("held_connectors") or {}
    slot = next((s for s in placed if earlier.get(s) == main), None)
    if slot and not placed[slot]:
        placed[slot] = main
        return placed, None
    kept = template.get("main_connector_kept") or {}
    why = kept.get("why") if kept.get("ref") == main and kept.get("why") else SET_MEANWHILE
    return placed, {"ref": main, "why": why}
