"""The wizard's steps in order, their fields' defaults, and the constants the rules use.

No Django, no HTTP: the forms (`forms.py`, `rows.py`), the body builder (`body.py`) and the
prefill (`prefill.py`) all read from here.
"""

from __future__ import annotations

import re
from typing import Any

# "Start from" (slug `template`, kept for its URL) comes first: a template's or a clone's values
# are in place before anything is typed, so they never overwrite what the user chose.
STEPS: tuple[str, ...] = ("template", "basics", "repository", "provisioner", "variables", "review")
STEP_TITLES = {
    "template": "Start from",
    "basics": "Basics",
    "repository": "Repository",
    "provisioner": "Provisioner and connectors",
    "variables": "Variables",
    "review": "Review and submit",
}
EDITABLE_STEPS = STEPS[:-1]
# A change to an existing workspace skips "Start from": it starts from the workspace itself.
CHANGE_STEPS: tuple[str, ...] = STEPS[1:]


def step_order(kind: str) -> tuple[str, ...]:
    """The steps a draft of `kind` (`WorkspaceDraft.kind`: create, edit) goes through."""
    return CHANGE_STEPS if kind == "edit" else STEPS


# The patterns below are used with `fullmatch`: their `$` also matches before a final "\n" (as
# Go's, which Harness checks with, does not), so `match` would let "value\n" through.
#: A new workspace's identifier as the wizard takes it (narrower than `forms.IDENTIFIER_PATTERN`).
WORKSPACE_IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"
# A variable key Harness can give back: its request schema (`IaCMVariable.key`) also takes "-",
# its show response (`VariableResource.key`, `^[a-zA-Z0-9_]+$`) does not (contract §2.4).
VARIABLE_KEY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: What a key must be, after "The key " (a row's field, a pasted line, a line of code not used).
VARIABLE_KEY_RULE = (
    "must start with a letter or _ and use only letters, digits and _ "
    "(not -: Harness does not give a key with - back)"
)
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_ .-]*$"
# No ":": Harness lists and filters tags as `key:value` (contract §2.0, W7), so a key with one
# could not be told from its value.
TAG_KEY_PATTERN = r"^[A-Za-z0-9_./-]+$"
# A secret reference: `account.<id>`, `org.<id>` or a bare project `<id>` (contract §6.3, §7).
SECRET_REF_PATTERN = r"^(account\.|org\.)?[A-Za-z_][A-Za-z0-9_$-]{0,127}$"  # noqa: S105
CONNECTOR_REF_PATTERN = r"^(account\.|org\.)?[A-Za-z_][A-Za-z0-9_$]{0,127}$"
VERSION_PATTERN = r"^\d+(\.\d+)*$"
# The provisioner version of a workspace that follows Harness's latest (contract §2.1: the
# default of `provisioner_version`): kept by a change of such a workspace (`follows_latest`).
LATEST = "latest"
# Path segments the wizard sends (template ref, version label, workspace to copy) are checked
# with these, then percent-encoded whole (`harness.wire.segment`). Each starts with a letter,
# digit or _ (never a dot segment). A version label is Harness's, less control characters:
# harness-core NGRegexValidatorConstants.VERSION_LABEL_PATTERN `^[0-9a-zA-Z][^\s]{0,63}$`.
TEMPLATE_REF_PATTERN = r"^(account\.|org\.)?[A-Za-z_][A-Za-z0-9_$-]{0,127}$"
TEMPLATE_VERSION_PATTERN = r"^[0-9A-Za-z][^\x00-\x20\x7f]{0,63}$"
_IDENTIFIER_RE = re.compile(WORKSPACE_IDENTIFIER_PATTERN)
_TEMPLATE_REF_RE = re.compile(TEMPLATE_REF_PATTERN)
MAX_LENGTH = 128
MAX_TAGS = 50
MAX_VARIABLES = 200
# Stored text is capped at this many characters (a row value, a prefilled field).
TEXT_LIMIT = 4096

# Terragrunt is not a provisioner of its own: it runs one of these (`terragrunt_provider`, with
# its own `terragrunt_version`), as the Terraform provider's Terragrunt acceptance test creates it.
PROVISIONERS = {"opentofu": "OpenTofu", "terraform": "Terraform"}
# Harness supports Terraform only up to the last MPL-licensed release (contract §2.5).
TERRAFORM_MAX_VERSION = (1, 5, 7)
SUBMODULES = {"false": "No", "true": "Yes", "recursive": "Yes, recursively"}
FETCH_TYPES = {"branch": "Branch", "tag": "Tag", "commit": "Commit SHA"}
# The body field each fetch type fills (contract §2.1: `repository_commit` carries a tag).
FETCH_FIELDS = {
    "branch": "repository_branch",
    "tag": "repository_commit",
    "commit": "repository_sha",
}
# Contract §6.1's repository picker types. AzureRepo and Codecommit connectors exist, but no
# public source shows an IaCM workspace on one (harness_fake/state.py REPO_CONNECTOR_TYPES).
GIT_CONNECTOR_TYPES = ("Github", "Gitlab", "Bitbucket", "Git")
# provider connector slot -> (Harness connector type, label)
PROVIDER_TYPES = {
    "aws": ("Aws", "AWS"),
    "gcp": ("Gcp", "GCP"),
    "azure": ("Azure", "Azure"),
    "vault": ("Vault", "Vault"),
}
# Pickers each step shows (their names are also the DOM ids `<name>-options`).
STEP_PICKERS: dict[str, tuple[str, ...]] = {
    "template": ("template", "template-version", "clone-workspace"),
    "repository": ("git-connector",),
    "provisioner": (
        "version",
        "terragrunt-version",
        *(f"{slot}-connector" for slot in PROVIDER_TYPES),
    ),
    "variables": ("secret",),
}
# `provider_connector` (the singular, required field) must be a cloud connector: the one of the
# slot the Provisioner step's `main` names, else (none chosen there, or that slot empty) the first.
CLOUD_SLOTS = ("aws", "gcp", "azure")
MAIN_CHOICES = {"": "The first one chosen (AWS, then GCP, then Azure)"} | {
    slot: PROVIDER_TYPES[slot][1] for slot in CLOUD_SLOTS
}
# What a change holds of the connectors as placed (`template.held_connectors`): each slot and
# the main one's.
HELD_CONNECTOR_FIELDS = (*PROVIDER_TYPES, "main")


def main_slot(slots: dict[str, Any], ref: str) -> str:
    """The cloud slot of `slots` ({slot: connector ref}) holding `ref`, Harness's main connector
    (`provider_connector`); "" when no slot holds it, or there is none."""
    return next((slot for slot in CLOUD_SLOTS if ref and slots.get(slot) == ref), "")


VARIABLE_GROUPS = {"terraform": "Terraform variables", "environment": "Environment variables"}
VALUE_TYPES = {"string": "Text", "secret": "Secret reference"}
SOURCES = {
    "scratch": "From scratch",
    "template": "From a workspace template",
    "clone": "As a copy of an existing workspace",
    "code": "From code: a Terraform resource or a JSON body",
}
TEMPLATE_MODES = {"linked": "Use the template (linked)", "copied": "Copy the template"}
# `associated_template.template_id` is documented only as "Template identifier" (the Terraform
# provider's `resource_workspace.go`, harness/mcp-server `iacm.ts`), has no scope field
# (`IacmAssociatedTemplate {template_id, version}`, harness-go-sdk), and the one public link
# sends a project template's bare identifier (the provider's
# `resource_workspace_associated_template_test.go`), which names a template of the workspace's
# project as a bare connector ref does (contract §6.3). Nothing public says how an org or account
# template is named there, so the portal links project templates only; the others are copied.
LINK_RULE = (
    "Harness links only a template of this project: an account or org template can be copied, "
    "not linked."
)

DEFAULTS: dict[str, dict[str, Any]] = {
    "basics": {
        "name": "",
        "identifier": "",
        "identifier_edited": False,
        "description": "",
        "tags": [],
    },
    "template": {
        "source": "scratch",
        "template_ref": "",
        "template_version": "",
        "template_mode": "linked",
        "clone_identifier": "",
        "applied": "",
        "locked": {},
    },
    "repository": {
        "connector": "",
        "repository": "",
        "fetch_type": "branch",
        "branch": "main",
        "tag": "",
        "commit": "",
        "path": "",
        "submodules": "false",
    },
    "provisioner": {
        "provisioner": "opentofu",
        "version": "",
        "terragrunt": False,
        "terragrunt_version": "",
        "run_all": False,
        "aws": "",
        "gcp": "",
        "azure": "",
        "vault": "",
        # Which cloud slot holds the main connector (`MAIN_CHOICES`); "" for the first chosen, as
        # a draft older than the choice has it.
        "main": "",
        "cost_estimation_enabled": False,
        "budget": "",
    },
    "variables": {"terraform": [], "environment": []},
}


def step_values(data: dict[str, Any], step: str) -> dict[str, Any]:
    """A step's stored values over its defaults (a fresh copy)."""
    stored = data.get(step) or {}
    values = {**DEFAULTS.get(step, {}), **stored}
    for key, value in list(values.items()):
        if isinstance(value, list):
            values[key] = [dict(item) if isinstance(item, dict) else item for item in value]
        elif isinstance(value, dict):
            values[key] = dict(value)
    return values


def next_step(step: str, order: tuple[str, ...] = STEPS) -> str:
    index = order.index(step)
    return order[min(index + 1, len(order) - 1)]


def previous_step(step: str, order: tuple[str, ...] = STEPS) -> str:
    index = order.index(step)
    return order[max(index - 1, 0)]


def identifier_from_name(name: str) -> str:
    """`My VPC (dev)` → `my_vpc_dev`: what the identifier becomes until the user edits it."""
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", name.strip()).strip("_").lower()
    slug = re.sub(r"_+", "_", slug)
    if slug and not re.match(r"[A-Za-z_]", slug[0]):
        slug = "_" + slug
    return slug[:MAX_LENGTH]


def identifier_follows_name(stored: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Basics' `values` to save, the identifier following the name until the person edits it.

    Edited: marked so by wizard.js (`identifier_edited`, which the page posts back once stored),
    or, without JavaScript, posted as something else than the page showed (`stored`: Basics as
    saved) or the name derives. Still following, it is what the posted name derives."""
    posted = str(values.get("identifier") or "")
    name = identifier_from_name(str(values.get("name", "")))
    shown = {"", name, str(stored.get("identifier") or "")}
    shown.add(identifier_from_name(str(stored.get("name", ""))))
    edited = bool(values.get("identifier_edited") or stored.get("identifier_edited"))
    edited = edited or posted not in shown
    return {**values, "identifier": posted if edited else name, "identifier_edited": edited}


def identifier_problem(identifier: str) -> str:
    """Why `identifier` cannot be a workspace identifier, or "" when its shape is fine."""
    if not identifier:
        return "Enter an identifier."
    if len(identifier) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if not _IDENTIFIER_RE.fullmatch(identifier):
        return (
            "Start with a letter or _, then use only letters, digits, _ and -."
            if identifier[0].isalpha() or identifier[0] == "_"
            else "Start with a letter or _ (not a digit or symbol)."
        )
    return ""


def version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()


def allowed_versions(provisioner: str, versions: list[str]) -> list[str]:
    """The versions offered for `provisioner`: Terraform is capped at 1.5.7 like Harness does."""
    if provisioner == "terraform":
        return [
            v for v in versions if version_tuple(v) and version_tuple(v) <= TERRAFORM_MAX_VERSION
        ]
    return list(versions)


def follows_latest(snapshot: dict[str, Any] | None) -> bool:
    """Whether the workspace a change edits (`snapshot`, None for a create) follows the latest
    provisioner version (`provisioner_version` "latest", contract §2.1, §2.5) rather than a
    pinned one: the change may keep it so (`LATEST` as the step's version). Not an older
    Terragrunt workspace's (`provisioner` "terragrunt"), whose version is Terragrunt's."""
    snapshot = snapshot or {}
    return snapshot.get("provisioner") in PROVISIONERS and (
        snapshot.get("provisioner_version") == LATEST
    )


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "on", "yes"}


def template_linkable(ref: str) -> bool:
    """Whether the template `ref` can be linked: only a template of the draft's project (a bare
    ref), whose identifier is `associated_template.template_id` (see `LINK_RULE`)."""
    return not ref.startswith(("account.", "org."))


def template_mode_for(mode: str, ref: str, shown_for: str | None) -> str:
    """The Template use a save of the template `ref` stores, `mode` as posted, from a page whose
    radios were shown for the template `shown_for` (None: not said, e.g. an old page). Picked
    since (another template), `ref` may not be what those radios could tell: the default,
    linked, becomes copied for a template that cannot be linked (`LINK_RULE`), and a copy such
    a template forced (its linked radio not offered) gives way to linked for one that can be.
    Otherwise `mode` is what was chosen, kept even when impossible (the form refuses it)."""
    if shown_for is None or shown_for == ref:
        return mode
    if mode == "linked" and not template_linkable(ref):
        return "copied"
    if mode == "copied" and not template_linkable(shown_for) and template_linkable(ref):
        return "linked"
    return mode


def template_ref_ok(ref: str) -> bool:
    """Whether `ref` may be sent to Harness as a template reference (`TEMPLATE_REF_PATTERN`)."""
    return bool(_TEMPLATE_REF_RE.fullmatch(ref))


def locked_map(data: dict[str, Any]) -> dict[str, Any]:
    """`"step.field"` → locked value, when the draft is linked to a template."""
    template = step_values(data, "template")
    if template["source"] != "template" or template["template_mode"] != "linked":
        return {}
    return dict(template.get("locked") or {})


def code_applied(data: dict[str, Any]) -> bool:
    """Whether pasted code filled the draft in (Start from code: `drafts.draft_start_from_code`)."""
    return str(step_values(data, "template")["applied"]).startswith("code:")


def code_report(template: dict[str, Any]) -> dict[str, Any]:
    """What pasted code filled in, from the template step's values, while the draft still holds
    what it applied (a template or a clone chosen since replaces it)."""
    report = template.get("code_report") or {}
    return report if report.get("applied") and report["applied"] == template.get("applied") else {}


def fixed_map(data: dict[str, Any]) -> dict[str, Any]:
    """`"step.field"` → value a change to an existing workspace keeps (`basics.identifier`), from
    the template step's `fixed` (set only on an edit draft, so not among its defaults)."""
    return dict(step_values(data, "template").get("fixed") or {})


# Why Basics shows an unclear create's identifier read-only (`identifier_held`).
HELD_IDENTIFIER = (
    "Held as your earlier attempt sent it: Harness did not answer that attempt clearly and may "
    "still create the workspace under this identifier, so another one could end with two "
    "workspaces. It can change once the portal knows what became of that attempt: submit again "
    "(the portal looks first)."
)


def identifier_held(data: dict[str, Any]) -> str:
    """The identifier a create's earlier POST sent while that POST may still land (Basics holds
    it: `basics.identifier_held`, kept in step with `create.attempts` by `settle`), else ""."""
    return str((data.get("basics") or {}).get("identifier_held") or "")


def fixed_or_held(data: dict[str, Any]) -> dict[str, Any]:
    """`"step.field"` → value that cannot change now: what a change keeps (`fixed_map`), and the
    identifier an unclear create's earlier POST sent (`identifier_held`)."""
    held = identifier_held(data)
    return {**fixed_map(data), **({"basics.identifier": held} if held else {})}


def step_locks(data: dict[str, Any], step: str) -> dict[str, Any]:
    """`{field: locked value}` for one step's own fields (not variable rows): what a linked
    template locks, and what cannot change now (`fixed_or_held`)."""
    locks = {}
    for path, value in {**locked_map(data), **fixed_or_held(data)}.items():
        parts = path.split(".")
        if parts[0] == step and len(parts) == 2:
            locks[parts[1]] = value
    return locks
