"""What a template or an existing workspace gives the later steps, and what a link locks.

`prefill_from_template_yaml` reads a Workspace template (linked templates lock blocks);
`workspace_values` turns a Harness `Workspace` into step values, the seed of the edit flow
(its step forms are bound from these values); `apply_prefill` and `apply_locks` write them
into a draft's data. No Django, no HTTP.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from workspaces.wizard import budgets, steps

MAX_PREFILL_CHARS = 256 * 1024  # the prefilled values and locks, as stored JSON
# A change keeps the tags the workspace holds, more than `steps.MAX_TAGS` too (the limit counts
# only tags beyond them: `rows.RowFormSet`), up to this many: each tag is two fields of a POST.
MAX_HELD_TAGS = 200


class PrefillRefused(ValueError):
    """A template or workspace the wizard will not prefill from; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LinkRefused(PrefillRefused):
    """A template that can be copied but not linked; `message` says why."""


@dataclass(frozen=True)
class Prefill:
    """Values a template or an existing workspace gives the later steps, and what is locked.

    `values` is `{step: {field: value}}`; `locked` is `{"step.field": value}` (linked templates);
    `provider_refs` are provider connector refs whose type still has to be looked up (a
    workspace's or pasted code's). `overrides` are the Basics fields (`basics.name`) and variable
    groups (`variables.terraform`) whose values replace what the user typed: pasted code is an
    explicit choice, where a template or a clone only fills in what is empty (`apply_prefill`).
    """

    values: dict[str, dict[str, Any]]
    locked: dict[str, Any]
    provider_refs: tuple[str, ...] = ()
    overrides: frozenset[str] = frozenset()

    def with_provider(self, slot: str, ref: str) -> Prefill:
        """This prefill with a looked-up provider connector placed in its slot: the main one of
        a workspace or of pasted code (`prefill_from_workspace`), so a cloud slot is the main."""
        values = {step: dict(fields) for step, fields in self.values.items()}
        values.setdefault("provisioner", {})[slot] = ref
        if slot in steps.CLOUD_SLOTS:
            values["provisioner"]["main"] = slot
        refs = tuple(r for r in self.provider_refs if r != ref)
        return dataclasses.replace(
            self, values=values, locked=dict(self.locked), provider_refs=refs
        )


def _fetch_from(spec: dict[str, Any]) -> tuple[str, str]:
    """(fetch_type, ref) from a template's `repository` block: its `gitFetchType` and, for a
    branch, its `branch`, the keys of the only public Workspace template YAML (contract §3.1).
    Which key holds a tag or a commit is not documented: none is read (the ref stays empty)."""
    kind = str(spec.get("gitFetchType", "")).lower()
    for fetch in ("tag", "commit"):
        if fetch in kind:
            return fetch, ""
    return "branch", str(spec.get("branch") or "")


def prefill_from_template_yaml(
    spec_root: dict[str, Any], *, linked: bool, any_tool: bool = False
) -> Prefill:
    """Prefill from a parsed Workspace template (contract §3.1; `template.spec`).

    Raises PrefillRefused for a provisioner type the steps do not hold (AWS CDK, say), as
    `prefill_from_workspace` does: its draft would be OpenTofu with the other tool's version.
    A `terragrunt` type (contract §2.5) is OpenTofu run through Terragrunt, as a workspace's;
    linked with its provisioner block locked it raises LinkRefused (copying it works).
    `any_tool`: only the template's locks are wanted (a workspace's own link, `sources.
    template_locks`), whatever tool it provisions with.

    Blocks carry `locked: true|false`; a locked block's values are locked as a whole. Only the
    keys of the one public Workspace template YAML are read (the Terraform provider's
    `resource_workspace_associated_template_test.go`): no repository `path`, tag or commit,
    whose keys are not documented, no budget, and no entry of `variables` /
    `terraform_variables`, whose shapes are UNCONFIRMED; they are added on the Repository,
    Provisioner and Variables steps (a linked template's locked values, whatever they are, are
    kept by Harness).
    """
    template = spec_root.get("template", spec_root) if isinstance(spec_root, dict) else {}
    spec = template.get("spec") if isinstance(template, dict) else None
    if not isinstance(spec, dict):
        return Prefill({}, {})
    values: dict[str, dict[str, Any]] = {}
    locked: dict[str, Any] = {}

    def put(step: str, field: str, value: Any, lock: bool) -> None:
        values.setdefault(step, {})[field] = value
        if lock and linked:
            locked[f"{step}.{field}"] = value

    block = spec.get("provisioner")
    if isinstance(block, dict):
        lock = steps.as_bool(block.get("locked", False))
        kind = str(block.get("type", "")).lower()
        version, field = str(block.get("version") or ""), "version"
        if kind == "terragrunt":
            # OpenTofu run through Terragrunt, as a Terragrunt workspace is copied
            # (`workspace_values`); the block's version is Terragrunt's own.
            if lock and linked and not any_tool:
                raise LinkRefused(
                    "its provisioner is locked as terragrunt, and a linked workspace sends the "
                    "type its template locks, while the portal creates Terragrunt as OpenTofu "
                    "run through Terragrunt, a type that lock would refuse"
                )
            put("provisioner", "provisioner", "opentofu", lock)
            put("provisioner", "terragrunt", True, lock)
            kind, field = "", "terragrunt_version"
        if kind in steps.PROVISIONERS:
            put("provisioner", "provisioner", kind, lock)
        elif kind and not any_tool:
            raise PrefillRefused(
                f"it provisions with {kind}, which the portal's steps do not cover (OpenTofu "
                "or Terraform, optionally through Terragrunt)"
            )
        if version:
            put("provisioner", field, version, lock)
        if lock and linked:
            # A locked provisioner block locks the additional provider connectors
            # (`provider_connectors`, left out of the body: `body.LOCKED_BODY_FIELDS`), not the
            # main one: under such a block the Terraform provider's
            # `TestAccResourceWorkspaceAssociatedTemplate_LockedFields` sets `provider_connector`
            # and the create succeeds. So a cloud slot stays the user's (one of them, the main
            # connector: `forms.ProvisionerForm`); the other slots, a Vault connector (never the
            # main one), are locked without a value: no documented YAML key holds a template's
            # connector (`provider` is the git-provider card of Harness's UI).
            for slot in steps.PROVIDER_TYPES:
                if slot not in steps.CLOUD_SLOTS:
                    put("provisioner", slot, "", True)
    block = spec.get("repository")
    if isinstance(block, dict):
        lock = steps.as_bool(block.get("locked", False))
        if block.get("connector"):
            put("repository", "connector", str(block["connector"]), lock)
        if block.get("name"):
            put("repository", "repository", str(block["name"]), lock)
        fetch, ref = _fetch_from(block)
        put("repository", "fetch_type", fetch, lock)
        if ref:
            put("repository", fetch, ref, lock)
        # Locked (not sent: `body.LOCKED_BODY_FIELDS`) even where the YAML is silent: the path,
        # the submodules and each ref (no key for a tag or a commit is documented: `_fetch_from`),
        # so the step never asks for a value the body leaves out. A ref not read is locked empty
        # (Harness keeps the template's; the step and the review say so).
        for field in ("path", "submodules", *steps.FETCH_TYPES):
            if lock and linked and f"repository.{field}" not in locked:
                default = "" if field in steps.FETCH_TYPES else steps.DEFAULTS["repository"][field]
                put("repository", field, default, True)
    block = spec.get("cost_estimation")
    if isinstance(block, dict):
        lock = steps.as_bool(block.get("locked", False))
        if "enabled" in block:
            put("provisioner", "cost_estimation_enabled", steps.as_bool(block["enabled"]), lock)
        # No budget is read: how a template holds one is UNCONFIRMED (contract §3.1).
        for field in ("cost_estimation_enabled", "budget"):  # as for the repository block
            if lock and linked and f"provisioner.{field}" not in locked:
                put("provisioner", field, steps.DEFAULTS["provisioner"][field], True)
    if isinstance(spec.get("description"), str) and spec["description"]:
        values.setdefault("basics", {})["description"] = spec["description"]
    return Prefill(values, locked)


def check_prefill_size(found: Prefill, *, max_tags: int = steps.MAX_TAGS) -> Prefill:
    """`found` when a draft can hold it: at most `max_tags` tags (Basics' rows for a new
    request, `MAX_TAGS`: more could never be saved; a change passes `MAX_HELD_TAGS`),
    `MAX_VARIABLES` rows a group and `TEXT_LIMIT` characters a value, `MAX_PREFILL_CHARS` in all.
    Raises PrefillRefused."""
    tags = found.values.get("basics", {}).get("tags", [])
    if len(tags) > max_tags:
        raise PrefillRefused(
            f"it has {len(tags):,} tags; a workspace here holds at most {max_tags}"
        )
    for group, label in steps.VARIABLE_GROUPS.items():
        rows = found.values.get("variables", {}).get(group, [])
        if len(rows) > steps.MAX_VARIABLES:
            raise PrefillRefused(
                f"it has {len(rows):,} {label.lower()}; a workspace here holds at most "
                f"{steps.MAX_VARIABLES}"
            )
    texts = [found.values, found.locked, list(found.provider_refs)]
    stack: list[Any] = texts
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str) and len(item) > steps.TEXT_LIMIT:
            raise PrefillRefused(f"a value in it is longer than {steps.TEXT_LIMIT:,} characters")
    size = len(json.dumps([found.values, found.locked, found.provider_refs]))
    if size > MAX_PREFILL_CHARS:
        raise PrefillRefused(f"what it would fill in is larger than {MAX_PREFILL_CHARS:,} bytes")
    return found


def workspace_values(workspace: Any) -> dict[str, dict[str, Any]]:
    """Step values from a Harness workspace (`types.Workspace`): everything but name and
    identifier. A provider connector whose slot is unknown is left for `prefill_from_workspace`.
    """
    fetch, ref = "branch", workspace.repository_branch
    if workspace.repository_commit:
        fetch, ref = "tag", workspace.repository_commit
    elif workspace.repository_sha:
        fetch, ref = "commit", workspace.repository_sha
    # An older Terragrunt workspace may say `provisioner: "terragrunt"` with the Terragrunt version
    # as `provisioner_version`: it becomes OpenTofu (version to choose) run through Terragrunt.
    legacy = workspace.provisioner == "terragrunt"
    pinned = "" if workspace.provisioner_version == "latest" else workspace.provisioner_version
    provisioner: dict[str, Any] = {
        "provisioner": workspace.provisioner
        if workspace.provisioner in steps.PROVISIONERS
        else "opentofu",
        "version": "" if legacy else pinned,
        "terragrunt": workspace.terragrunt_provider or legacy,
        "terragrunt_version": workspace.terragrunt_version or (pinned if legacy else ""),
        "run_all": workspace.run_all,
        "cost_estimation_enabled": workspace.cost_estimation_enabled,
        "budget": "" if workspace.budget is None else budgets.budget_text(workspace.budget),
    }
    for item in workspace.provider_connectors:
        if item.type in steps.PROVIDER_TYPES:
            provisioner[item.type] = item.connector_ref
    # The slot of the main connector, when a listed one is it: kept the main one though another
    # cloud connector comes first (`body.main_connector`).
    provisioner["main"] = steps.main_slot(provisioner, workspace.provider_connector)
    return {
        "basics": {
            "description": workspace.description,
            "tags": [{"key": k, "value": v} for k, v in workspace.tags.items()],
        },
        "repository": {
            "connector": workspace.repository_connector,
            "repository": workspace.repository,
            "fetch_type": fetch,
            "branch": "",
            "tag": "",
            "commit": "",
            fetch: ref,
            "path": workspace.repository_path,
            "submodules": workspace.repository_submodules
            if workspace.repository_submodules in steps.SUBMODULES
            else "false",
        },
        "provisioner": provisioner,
        "variables": {
            group: [
                {"key": v.key, "value": v.value, "value_type": v.value_type}
                for v in getattr(workspace, f"{group}_variables").values()
            ]
            for group in steps.VARIABLE_GROUPS
        },
    }


def prefill_from_workspace(workspace: Any) -> Prefill:
    """Prefill from an existing workspace to copy (nothing locked).

    Raises PrefillRefused for a tool the steps do not hold (AWS CDK, say): its copy would become
    OpenTofu with the other tool's version, as Edit refuses it (`change.change_start`). An empty
    provisioner (a paste that states none) is OpenTofu, as on the Provisioner step.
    """
    if workspace.provisioner and workspace.provisioner not in (*steps.PROVISIONERS, "terragrunt"):
        raise PrefillRefused(
            f"it is provisioned with {workspace.provisioner}, which the portal's steps do not "
            "cover (OpenTofu or Terraform, optionally through Terragrunt)"
        )
    values = workspace_values(workspace)
    slots = {values["provisioner"].get(slot) for slot in steps.PROVIDER_TYPES}
    main = workspace.provider_connector
    return Prefill(values, {}, (main,) if main and main not in slots else ())


def _drop_earlier(data: dict[str, Any], previous: dict[str, Any]) -> None:
    """Put back to the step defaults what the earlier prefill (`previous`, the template step as
    it was: `filled`, `locked`) wrote and the user did not change, and always what it locked:
    a template no longer chosen gives nothing. A variable row goes while it is as filled in."""
    earlier = {**previous.get("filled", {}), "basics": data.get("basics", {}).get("prefilled")}
    locked = previous.get("locked") or {}
    for step, fields in earlier.items():
        merged = steps.step_values(data, step)
        for field, value in (fields or {}).items():
            if step == "variables":
                gone = {p.rsplit(".", 1)[1] for p in locked if p.startswith(f"{step}.{field}.")}
                rows = [r for r in merged.get(field, []) if r not in value]
                merged[field] = [r for r in rows if r.get("key") not in gone]
            elif merged.get(field) == value or f"{step}.{field}" in locked:
                merged[field] = copy.deepcopy(steps.DEFAULTS[step].get(field, ""))
        data[step] = merged
    data["basics"] |= {"prefilled": {}, "prefilled_from": ""}


def apply_prefill(
    data: dict[str, Any], prefill: Prefill, *, source: str = "", previous: dict | None = None
) -> dict[str, Any]:
    """A copy of `data` with the prefilled values written over the other steps, after what the
    earlier prefill filled in is dropped (`_drop_earlier`; `previous`, the stored template step
    before this choice). The template step remembers what this one wrote (`filled`).

    Basics keep what the user typed: a field is filled only when it is empty, still holds
    what an earlier template or clone put there, or is one of `prefill.overrides` (pasted code).
    Basics remember what was filled (`prefilled`) and from where (`prefilled_from`, e.g. "the
    workspace billing_prod"), so the description field can say where its text came from
    instead of copying it silently.
    """
    data = {step: dict(values) for step, values in data.items()}
    _drop_earlier(data, previous or {})
    data["template"] = {
        **data.get("template", {}),
        "filled": {step: v for step, v in prefill.values.items() if step != "basics"},
    }
    for step, values in prefill.values.items():
        merged = steps.step_values(data, step)
        if step == "basics":
            earlier = merged.get("prefilled") or {}
            filled = {}
            for field, value in values.items():
                typed = merged.get(field) and merged.get(field) != earlier.get(field)
                if not typed or f"basics.{field}" in prefill.overrides:
                    merged[field] = filled[field] = value
            merged["prefilled"] = filled
            merged["prefilled_from"] = source if filled else ""
        elif step == "variables":
            for group, rows in values.items():
                merged[group] = _with_the_users_rows(rows, merged.get(group) or [], group, prefill)
        else:
            merged.update(values)
        data[step] = merged
    return data


def _with_the_users_rows(
    rows: list[dict[str, Any]], kept: list[dict[str, Any]], group: str, prefill: Prefill
) -> list[dict[str, Any]]:
    """The prefill's variable rows, then the rows the user added or typed over (what
    `_drop_earlier` left): a user's row wins over a prefilled one with its key, unless the
    prefill locks that key or overrides the group (pasted code's rows win)."""
    prefill_wins = {
        p.rsplit(".", 1)[1] for p in prefill.locked if p.startswith(f"variables.{group}.")
    }
    if f"variables.{group}" in prefill.overrides:
        prefill_wins |= {row.get("key") for row in rows}
    users = [row for row in kept if row.get("key") not in prefill_wins]
    keys = {row.get("key") for row in users}
    return [row for row in rows if row.get("key") not in keys] + users


def prefilled_note(basics: dict[str, Any], field: str) -> str:
    """Where Basics' `field` came from while it still holds a template's or clone's value."""
    value = basics.get(field)
    prefilled = basics.get("prefilled") or {}
    if not value or value != prefilled.get(field) or not basics.get("prefilled_from"):
        return ""
    return f"Copied from {basics['prefilled_from']}. Edit or clear it if it does not fit."


def apply_locks(data: dict[str, Any], step: str, values: dict[str, Any]) -> dict[str, Any]:
    """Force a linked template's locked values into `values` (a linked draft cannot change them),
    and the values that cannot change now (`steps.fixed_or_held`: what a change to an existing
    workspace keeps, the identifier an unclear create sent).

    Locked variables (`variables.terraform.<key>`) are kept, with their locked value, whatever
    the rows say.
    """
    locked = {**steps.locked_map(data), **steps.fixed_or_held(data)}
    for path, value in locked.items():
        parts = path.split(".")
        if parts[0] != step:
            continue
        if step == "variables" and len(parts) == 3:
            _, group, key = parts
            rows = values.setdefault(group, [])
            for row in rows:
                if row.get("key") == key:
                    row.update(value)
                    break
            else:
                rows.insert(0, {"key": key, **value})
        elif len(parts) == 2:
            values[parts[1]] = value
    return values
