"""The provisioner step's versions shown chosen, stored: a version picker's first option (the
latest Harness supports) is what the draft holds when the person chose none, so leaving the
page by the step links keeps what it showed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from workspaces.harness import HarnessClient, errors
from workspaces.models import WorkspaceDraft
from workspaces.wizard import pickers, steps
from workspaces.wizard.held import held_bases, holds_latest


def versions_to_choose(
    *, client: HarnessClient, draft: WorkspaceDraft, values: dict[str, Any]
) -> dict[str, str]:
    """The versions the provisioner step's pickers show chosen where `values` hold none: the
    latest Harness supports (`pickers.offered_versions`, IaCM `GET /provisioners/supported/
    {tool}`). With another tool chosen, its version select is not loaded yet: a version that
    tool does not have gives way to its latest. A list that cannot be read gives nothing (the
    step then asks for a version); HarnessUnauthorized propagates."""
    stored = steps.step_values(draft.data, "provisioner")
    merged = {**stored, **values}
    locks = steps.step_locks(draft.data, "provisioner")
    wanted = {}
    # A change of a workspace that follows the latest version (now or at an earlier base) keeps
    # following it, whichever tool.
    bases = held_bases(draft.data, draft.workspace_snapshot)
    held = merged["version"] == steps.LATEST and holds_latest(bases)
    if (
        "version" not in locks
        and not held
        and (not merged["version"] or merged["provisioner"] != stored["provisioner"])
    ):
        wanted["version"] = str(merged["provisioner"])
    if steps.as_bool(merged["terragrunt"]) and not merged["terragrunt_version"]:
        wanted["terragrunt_version"] = "terragrunt"
    found = {}
    for field, tool in wanted.items():
        if tool not in (*steps.PROVISIONERS, "terragrunt"):
            continue  # the step's rules refuse it; never sent
        try:
            offered = pickers.offered_versions(client=client, tool=tool)
        except errors.HarnessUnauthorized:
            raise
        except errors.HarnessError:
            continue
        if offered and merged[field] not in offered:
            found[field] = offered[0]
    return found


def draft_default_versions(
    *, draft: WorkspaceDraft, loaded: dict[str, pickers.Picker]
) -> WorkspaceDraft:
    """Store the version each loaded version picker of the provisioner step shows chosen (its
    first option, the latest: `loaded` as `pickers.wizard_pickers` returns them) in the field
    that holds none yet, so leaving the page by the step links keeps what it showed. Nothing
    else changes (the step is not marked visited). Returns the draft as stored."""
    fields = {"version": "version", "terragrunt-version": "terragrunt_version"}
    shown = {
        field: loaded[name].options[0].value
        for name, field in fields.items()
        if name in loaded and loaded[name].options and not loaded[name].error
    }
    if not shown or all(steps.step_values(draft.data, "provisioner")[f] for f in shown):
        return draft
    with transaction.atomic():
        stored = WorkspaceDraft.objects.select_for_update().get(pk=draft.pk)
        stored.owner = draft.owner  # as the caller has it (`views._own_draft`): no re-read
        current = steps.step_values(stored.data, "provisioner")
        missing = {field: version for field, version in shown.items() if not current[field]}
        if stored.is_editable and missing:
            stored.data = {
                **stored.data,
                "provisioner": {**stored.data.get("provisioner", {}), **missing},
            }
            stored.save(update_fields=["data", "updated_at"])
    return stored
