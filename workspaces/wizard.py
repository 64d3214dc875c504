"""The create-a-workspace wizard as pure logic: steps, rules, the request body, template parsing.

No Django views, no HTTP. A draft's `data` holds one dict per step, saved as typed:

    basics:      {name, identifier, identifier_edited, description, tags: [{key, value}]}
    template:    {source: scratch|template|clone, template_ref, template_version,
                  template_mode: linked|copied, clone_identifier, applied, locked: {...}}
    repository:  {connector, repository, fetch_type: branch|tag|commit, branch, tag, commit,
                  path, submodules: false|true|recursive}
    provisioner: {provisioner: opentofu|terraform|terragrunt, version, run_all,
                  aws, gcp, azure, vault (connector refs), cost_estimation_enabled, budget}
    variables:   {terraform: [{key, value, value_type}], environment: [...]}

`build_body` turns that into the Harness create body (contract §2.1); `validate_step` holds every
rule, used both while typing and again at submit.

Terragrunt (contract §2.5 leaves the API mapping open): the fake and its seed model a Terragrunt
workspace as `provisioner: "terragrunt"` with `terragrunt_provider: true` and
`terragrunt_version`; `provisioner_version` is validated against the terragrunt versions. The
wizard therefore sends `provisioner="terragrunt"`, `provisioner_version=terragrunt_version=<the
chosen Terragrunt version>`, `terragrunt_provider=true` and `run_all`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

STEPS: tuple[str, ...] = ("basics", "template", "repository", "provisioner", "variables", "review")
STEP_TITLES = {
    "basics": "Basics",
    "template": "Start from",
    "repository": "Repository",
    "provisioner": "Provisioner and connectors",
    "variables": "Variables",
    "review": "Review and submit",
}
EDITABLE_STEPS = STEPS[:-1]

IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"
VARIABLE_KEY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_ .-]*$"
# A secret reference: `account.<id>`, `org.<id>` or a bare project `<id>` (contract §6.3, §7).
SECRET_REF_PATTERN = r"^(account\.|org\.)?[A-Za-z_][A-Za-z0-9_$-]{0,127}$"  # noqa: S105
CONNECTOR_REF_PATTERN = r"^(account\.|org\.)?[A-Za-z_][A-Za-z0-9_$]{0,127}$"
_IDENTIFIER_RE = re.compile(IDENTIFIER_PATTERN)
_VARIABLE_KEY_RE = re.compile(VARIABLE_KEY_PATTERN)
_NAME_RE = re.compile(NAME_PATTERN)
_SECRET_REF_RE = re.compile(SECRET_REF_PATTERN)
_CONNECTOR_REF_RE = re.compile(CONNECTOR_REF_PATTERN)
_VERSION_RE = re.compile(r"^\d+(\.\d+)*$")
MAX_LENGTH = 128
MAX_TAGS = 50
MAX_VARIABLES = 200

PROVISIONERS = {"opentofu": "OpenTofu", "terraform": "Terraform", "terragrunt": "Terragrunt"}
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
GIT_CONNECTOR_TYPES = ("Github", "Gitlab", "Bitbucket", "Git", "AzureRepo", "Codecommit")
# provider connector slot -> (Harness connector type, label)
PROVIDER_TYPES = {
    "aws": ("Aws", "AWS"),
    "gcp": ("Gcp", "GCP"),
    "azure": ("Azure", "Azure"),
    "vault": ("Vault", "Vault"),
}
# `provider_connector` (the singular, required field) must be a cloud connector; first one wins.
CLOUD_SLOTS = ("aws", "gcp", "azure")
VARIABLE_GROUPS = {"terraform": "Terraform variables", "environment": "Environment variables"}
VALUE_TYPES = {"string": "Text", "secret": "Secret reference"}
SOURCES = {
    "scratch": "From scratch",
    "template": "From a workspace template",
    "clone": "As a copy of an existing workspace",
}
TEMPLATE_MODES = {"linked": "Use the template (linked)", "copied": "Copy the template"}

# Which step a Harness body field belongs to, so errors land where the user can fix them.
FIELD_STEPS: dict[str, tuple[str, str]] = {
    "identifier": ("basics", "identifier"),
    "name": ("basics", "name"),
    "description": ("basics", "description"),
    "tags": ("basics", "tags"),
    "associated_template": ("template", "template_ref"),
    "repository": ("repository", "repository"),
    "repository_connector": ("repository", "connector"),
    "repository_branch": ("repository", "branch"),
    "repository_commit": ("repository", "tag"),
    "repository_sha": ("repository", "commit"),
    "repository_path": ("repository", "path"),
    "repository_submodules": ("repository", "submodules"),
    "provisioner": ("provisioner", "provisioner"),
    "provisioner_version": ("provisioner", "version"),
    "terragrunt_version": ("provisioner", "version"),
    "provider_connector": ("provisioner", "aws"),
    "provider_connectors": ("provisioner", "aws"),
    "cost_estimation_enabled": ("provisioner", "cost_estimation_enabled"),
    "budget": ("provisioner", "budget"),
    "terraform_variables": ("variables", "terraform"),
    "environment_variables": ("variables", "environment"),
}

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
        "run_all": False,
        "aws": "",
        "gcp": "",
        "azure": "",
        "vault": "",
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


def next_step(step: str) -> str:
    index = STEPS.index(step)
    return STEPS[min(index + 1, len(STEPS) - 1)]


def previous_step(step: str) -> str:
    index = STEPS.index(step)
    return STEPS[max(index - 1, 0)]


# --- small helpers ---------------------------------------------------------------------------


def identifier_from_name(name: str) -> str:
    """`My VPC (dev)` → `my_vpc_dev`: what the identifier becomes until the user edits it."""
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", name.strip()).strip("_").lower()
    slug = re.sub(r"_+", "_", slug)
    if slug and not re.match(r"[A-Za-z_]", slug[0]):
        slug = "_" + slug
    return slug[:MAX_LENGTH]


def identifier_problem(identifier: str) -> str:
    """Why `identifier` cannot be a workspace identifier, or "" when its shape is fine."""
    if not identifier:
        return "Enter an identifier."
    if len(identifier) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if not _IDENTIFIER_RE.match(identifier):
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


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "on", "yes"}


def _budget(value: Any) -> float | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number


def locked_map(data: dict[str, Any]) -> dict[str, Any]:
    """`"step.field"` → locked value, when the draft is linked to a template."""
    template = step_values(data, "template")
    if template["source"] != "template" or template["template_mode"] != "linked":
        return {}
    return dict(template.get("locked") or {})


def apply_locks(data: dict[str, Any], step: str, values: dict[str, Any]) -> dict[str, Any]:
    """Force a linked template's locked values into `values` (a linked draft cannot change them).

    Locked variables (`variables.terraform.<key>`) are kept, with their locked value, whatever
    the rows say.
    """
    locked = locked_map(data)
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


# --- validation ------------------------------------------------------------------------------


def validate_step(step: str, data: dict[str, Any]) -> dict[str, list[str]]:
    """Every rule for `step` given the whole draft; `{field: [messages]}` (empty when valid).

    Row fields are named `tags.<i>.key`, `terraform.<i>.value`, ... Harness itself checks what
    only it knows (references exist, identifier free) at submit.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    values = step_values(data, step)
    if step == "basics":
        name = str(values["name"]).strip()
        if not name:
            add("name", "Enter a name.")
        elif len(name) > MAX_LENGTH:
            add("name", f"Use at most {MAX_LENGTH} characters.")
        elif not _NAME_RE.match(name):
            add("name", "Use letters, digits, spaces, _, - and . (start with a letter or digit).")
        problem = identifier_problem(str(values["identifier"]))
        if problem:
            add("identifier", problem)
        tags = values["tags"]
        if len(tags) > MAX_TAGS:
            add("tags", f"Use at most {MAX_TAGS} tags.")
        seen: set[str] = set()
        for index, tag in enumerate(tags):
            key = str(tag.get("key", "")).strip()
            value = str(tag.get("value", ""))
            if not key and not value:
                continue  # an empty row is ignored
            if not key:
                add(f"tags.{index}.key", "Enter a key for this tag.")
            elif len(key) > MAX_LENGTH or not re.match(r"^[A-Za-z0-9_.:/-]+$", key):
                add(f"tags.{index}.key", "Use letters, digits, _ . : / and - (up to 128).")
            elif key in seen:
                add(f"tags.{index}.key", f"The tag {key} is already set above.")
            seen.add(key)
            if len(value) > 256:
                add(f"tags.{index}.value", "Use at most 256 characters.")
    elif step == "template":
        source = values["source"]
        if source not in SOURCES:
            add("source", "Choose how to start.")
        elif source == "template":
            if not values["template_ref"]:
                add("template_ref", "Choose a template.")
            if not values["template_version"]:
                add("template_version", "Choose a version of the template.")
            if values["template_mode"] not in TEMPLATE_MODES:
                add("template_mode", "Choose whether to link or copy the template.")
        elif source == "clone":
            if not values["clone_identifier"]:
                add("clone_identifier", "Choose the workspace to copy.")
            elif values["clone_identifier"] == step_values(data, "basics")["identifier"]:
                add("clone_identifier", "The copy needs a new identifier (change it in Basics).")
    elif step == "repository":
        connector = str(values["connector"]).strip()
        if not connector:
            add("connector", "Choose the git connector that reaches the repository.")
        elif not _CONNECTOR_REF_RE.match(connector):
            add("connector", "Choose a connector from the list.")
        repository = str(values["repository"]).strip()
        if not repository:
            add("repository", "Enter the repository name.")
        elif len(repository) > 256 or any(ch.isspace() for ch in repository):
            add("repository", "A repository name has no spaces (up to 256 characters).")
        fetch = values["fetch_type"]
        if fetch not in FETCH_TYPES:
            add("fetch_type", "Choose branch, tag or commit.")
        else:
            ref = str(values[fetch]).strip()
            if not ref:
                add(fetch, f"Enter the {FETCH_TYPES[fetch].lower()}.")
            elif any(ch.isspace() for ch in ref) or len(ref) > 256:
                add(fetch, "No spaces, at most 256 characters.")
            elif fetch == "commit" and not re.fullmatch(r"[0-9a-fA-F]{7,64}", ref):
                add(fetch, "A commit SHA has 7 to 64 hexadecimal characters.")
        path = str(values["path"])
        if path.startswith("/") or ".." in path.split("/"):
            add("path", "Use a path inside the repository, without a leading / or ..")
        if values["submodules"] not in SUBMODULES:
            add("submodules", "Choose how to fetch submodules.")
    elif step == "provisioner":
        provisioner = values["provisioner"]
        version = str(values["version"]).strip()
        if provisioner not in PROVISIONERS:
            add("provisioner", "Choose OpenTofu, Terraform or Terragrunt.")
        if not version:
            add("version", "Choose a version.")
        elif not _VERSION_RE.match(version):
            add("version", "Choose a version from the list.")
        elif provisioner == "terraform" and version_tuple(version) > TERRAFORM_MAX_VERSION:
            add("version", "Harness supports Terraform up to 1.5.7; choose 1.5.7 or older.")
        for slot, (_kind, label) in PROVIDER_TYPES.items():
            ref = str(values[slot]).strip()
            if ref and not _CONNECTOR_REF_RE.match(ref):
                add(slot, f"Choose an {label} connector from the list.")
        budget_text = str(values["budget"]).strip()
        if as_bool(values["cost_estimation_enabled"]) and budget_text:
            budget = _budget(budget_text)
            if budget is None:
                add("budget", "Enter the budget as a number, e.g. 500 or 1250.50.")
            elif budget < 0:
                add("budget", "A budget cannot be negative.")
    elif step == "variables":
        for group in VARIABLE_GROUPS:
            rows = values[group]
            if len(rows) > MAX_VARIABLES:
                add(group, f"Use at most {MAX_VARIABLES} variables.")
            for index, message in duplicate_and_shape_problems(rows).items():
                for field, text in message.items():
                    add(f"{group}.{index}.{field}", text)
    if step != "template":
        for path, value in locked_map(data).items():
            parts = path.split(".")
            if parts[0] != step or len(parts) != 2:
                continue
            if values.get(parts[1]) != value:
                add(parts[1], "This value is locked by the linked template.")
    return errors


def duplicate_and_shape_problems(rows: list[dict[str, Any]]) -> dict[int, dict[str, str]]:
    """Per row: the key and value problems (pattern, duplicates, secret reference shape)."""
    problems: dict[int, dict[str, str]] = {}
    first_row: dict[str, int] = {}
    for index, row in enumerate(rows):
        key = str(row.get("key", "")).strip()
        value = str(row.get("value", ""))
        value_type = row.get("value_type", "string")
        if not key and not value:
            continue  # an empty row is ignored
        row_problems: dict[str, str] = {}
        if not key:
            row_problems["key"] = "Enter a key."
        elif len(key) > MAX_LENGTH:
            row_problems["key"] = f"Use at most {MAX_LENGTH} characters."
        elif not _VARIABLE_KEY_RE.match(key):
            row_problems["key"] = "Start with a letter or _, then letters, digits, _ and -."
        elif key in first_row:
            row_problems["key"] = f"Duplicate key: {key} is already row {first_row[key] + 1}."
        else:
            first_row[key] = index
        if value_type not in VALUE_TYPES:
            row_problems["value_type"] = "Choose text or secret."
        elif value_type == "secret":
            if not value:
                row_problems["value"] = "Choose a secret."
            elif not _SECRET_REF_RE.match(value):
                row_problems["value"] = (
                    "A secret reference looks like account.<id>, org.<id> or <id>; "
                    "choose one from the secret list."
                )
        if row_problems:
            problems[index] = row_problems
    return problems


def validate_draft(data: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Errors for every editable step: `{step: {field: [messages]}}`, only steps with errors."""
    result = {}
    for step in EDITABLE_STEPS:
        errors = validate_step(step, data)
        if errors:
            result[step] = errors
    return result


def step_statuses(data: dict[str, Any], previous: dict[str, str]) -> dict[str, str]:
    """valid / invalid per visited step; a step that was valid and no longer is is "flagged"."""
    statuses = {}
    for step in EDITABLE_STEPS:
        if step not in data and step not in previous:
            continue
        if validate_step(step, data):
            was = previous.get(step)
            statuses[step] = "flagged" if was in {"valid", "flagged"} else "invalid"
        else:
            statuses[step] = "valid"
    return statuses


# --- the request body ------------------------------------------------------------------------


def _variables(rows: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    out = {}
    for row in rows:
        key = str(row.get("key", "")).strip()
        if not key:
            continue
        out[key] = {
            "key": key,
            "value": str(row.get("value", "")),
            "value_type": row.get("value_type", "string"),
        }
    return out


def build_body(data: dict[str, Any]) -> dict[str, Any]:
    """The Harness create body (contract §2.1) for a draft; secrets only as references.

    Values of sections that no longer apply are left out: the branch when a tag is chosen,
    Terragrunt settings for OpenTofu, the budget without cost estimation, the template link when
    the template was copied or dropped.
    """
    basics = step_values(data, "basics")
    template = step_values(data, "template")
    repository = step_values(data, "repository")
    provisioner = step_values(data, "provisioner")
    variables = step_values(data, "variables")

    tags = {
        str(t.get("key", "")).strip(): str(t.get("value", ""))
        for t in basics["tags"]
        if str(t.get("key", "")).strip()
    }
    provider_connectors = [
        {"connector_ref": str(provisioner[slot]).strip(), "type": slot}
        for slot in PROVIDER_TYPES
        if str(provisioner[slot]).strip()
    ]
    provider_connector = next(
        (str(provisioner[s]).strip() for s in CLOUD_SLOTS if str(provisioner[s]).strip()), ""
    )
    kind = provisioner["provisioner"]
    version = str(provisioner["version"]).strip()
    body: dict[str, Any] = {
        "identifier": str(basics["identifier"]).strip(),
        "name": str(basics["name"]).strip(),
        "description": str(basics["description"]).strip(),
        "tags": tags,
        "provisioner": kind,
        "provisioner_version": version,
        "provider_connector": provider_connector,
        "provider_connectors": provider_connectors,
        "repository": str(repository["repository"]).strip(),
        "repository_connector": str(repository["connector"]).strip(),
        "repository_path": str(repository["path"]).strip(),
        "repository_submodules": repository["submodules"],
        "cost_estimation_enabled": as_bool(provisioner["cost_estimation_enabled"]),
        "terraform_variables": _variables(variables["terraform"]),
        "environment_variables": _variables(variables["environment"]),
    }
    fetch = repository["fetch_type"]
    if fetch in FETCH_FIELDS:
        body[FETCH_FIELDS[fetch]] = str(repository[fetch]).strip()
    if body["cost_estimation_enabled"]:
        budget = _budget(provisioner["budget"])
        if budget is not None:
            body["budget"] = budget
    if kind == "terragrunt":
        body["terragrunt_provider"] = True
        body["terragrunt_version"] = version
        body["run_all"] = as_bool(provisioner["run_all"])
    if template["source"] == "template" and template["template_mode"] == "linked":
        body["associated_template"] = {
            "template_id": template["template_ref"],
            "version": template["template_version"],
        }
    return body


def field_location(harness_field: str | None) -> tuple[str, str]:
    """(step, field) a Harness error about `harness_field` belongs to; basics when unknown."""
    if not harness_field:
        return ("review", "")
    head = re.split(r"[.\[]", harness_field, maxsplit=1)[0]
    return FIELD_STEPS.get(head, ("review", ""))


def warnings(data: dict[str, Any]) -> list[str]:
    """Things worth a second look on the review page (not errors)."""
    body = build_body(data)
    found = []
    if not body["provider_connectors"]:
        found.append(
            "No provider connector is chosen: the workspace cannot reach a cloud account "
            "until one is added."
        )
    if not body["terraform_variables"] and not body["environment_variables"]:
        found.append("No variables are set.")
    if body["tags"].get("env") == "prod" and not body["cost_estimation_enabled"]:
        found.append(
            "Workspaces tagged env=prod usually must enable cost estimation (Harness policy)."
        )
    if not body["description"]:
        found.append("There is no description; a sentence helps the platform team.")
    return found


# --- .tfvars / .env paste --------------------------------------------------------------------


@dataclass(frozen=True)
class PastedLine:
    number: int
    text: str
    key: str = ""
    value: str = ""
    error: str = ""


_TFVARS_LINE = re.compile(r"^\s*([^=\s]+)\s*=\s*(.*?)\s*$")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([^=\s]+)\s*=\s*(.*?)\s*$")


def _unquote(value: str) -> tuple[str, str]:
    """(value, error) for a pasted value: quotes removed, simple escapes resolved."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in {'"', "'"}:
        inner = value[1:-1]
        if value[0] == '"':
            inner = inner.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        return inner, ""
    if value[:1] in {'"', "'"}:
        return value, "The quote is not closed."
    if value[:1] in {"[", "{"}:
        return value, "Lists and maps are not supported here; add this variable by hand."
    # Unquoted: a number, bool, or (in .env) a bare word; drop a trailing comment.
    return re.split(r"\s+#", value, maxsplit=1)[0].strip(), ""


def parse_pasted_variables(text: str) -> list[PastedLine]:
    """Lines of a pasted `.tfvars` or `.env` block, each with its key/value or its error.

    Blank lines and comments (`#`, `//`) are skipped.
    """
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        match = _ENV_LINE.match(raw) or _TFVARS_LINE.match(raw)
        if not match:
            lines.append(PastedLine(number, raw, error="Expected key = value."))
            continue
        key, value = match.group(1), match.group(2)
        if not _VARIABLE_KEY_RE.match(key) or len(key) > MAX_LENGTH:
            lines.append(
                PastedLine(
                    number,
                    raw,
                    key=key,
                    error="The key must start with a letter or _, then letters, digits, _ and -.",
                )
            )
            continue
        value, error = _unquote(value)
        lines.append(PastedLine(number, raw, key=key, value=value, error=error))
    return lines


# --- templates and clones --------------------------------------------------------------------


@dataclass(frozen=True)
class Prefill:
    """Values a template or an existing workspace gives the later steps, and what is locked.

    `values` is `{step: {field: value}}`; `locked` is `{"step.field": value}` (linked templates);
    `provider_refs` are provider connector refs whose type still has to be looked up.
    """

    values: dict[str, dict[str, Any]]
    locked: dict[str, Any]
    provider_refs: tuple[str, ...] = ()
    provider_locked: bool = False

    def with_provider(self, slot: str, ref: str) -> Prefill:
        """This prefill with a looked-up provider connector placed in its slot."""
        values = {step: dict(fields) for step, fields in self.values.items()}
        values.setdefault("provisioner", {})[slot] = ref
        locked = dict(self.locked)
        if self.provider_locked:
            locked[f"provisioner.{slot}"] = ref
        refs = tuple(r for r in self.provider_refs if r != ref)
        return Prefill(values, locked, refs, self.provider_locked)


def _fetch_from(spec: dict[str, Any]) -> tuple[str, str]:
    """(fetch_type, ref) from a template's `repository` block."""
    kind = str(spec.get("gitFetchType", "")).lower()
    candidates = (("branch", "branch"), ("tag", "tag"), ("commit", "commit"), ("sha", "commit"))
    for key, fetch in candidates:
        if spec.get(key) and (not kind or kind.startswith(fetch) or fetch in kind):
            return fetch, str(spec[key])
    if kind in {"tag", "commit"}:
        return kind, ""
    return "branch", str(spec.get("branch") or "")


def prefill_from_template_yaml(spec_root: dict[str, Any], *, linked: bool) -> Prefill:
    """Prefill from a parsed Workspace template (contract §3.1; `template.spec`).

    Blocks carry `locked: true|false`; a locked block's values are locked as a whole.
    """
    template = spec_root.get("template", spec_root) if isinstance(spec_root, dict) else {}
    spec = template.get("spec") if isinstance(template, dict) else None
    if not isinstance(spec, dict):
        return Prefill({}, {})
    values: dict[str, dict[str, Any]] = {}
    locked: dict[str, Any] = {}
    provider_refs: list[str] = []
    provider_locked = False

    def put(step: str, field: str, value: Any, lock: bool) -> None:
        values.setdefault(step, {})[field] = value
        if lock and linked:
            locked[f"{step}.{field}"] = value

    block = spec.get("provisioner")
    if isinstance(block, dict):
        lock = as_bool(block.get("locked", False))
        kind = str(block.get("type", "")).lower()
        if kind in PROVISIONERS:
            put("provisioner", "provisioner", kind, lock)
        if block.get("version"):
            put("provisioner", "version", str(block["version"]), lock)
    block = spec.get("provider")
    if isinstance(block, dict) and block.get("connector"):
        ref = str(block["connector"])
        kind = str(block.get("type", "")).lower()
        if kind in PROVIDER_TYPES:
            put("provisioner", kind, ref, as_bool(block.get("locked", False)))
        else:
            provider_refs.append(ref)
            provider_locked = as_bool(block.get("locked", False)) and linked
    block = spec.get("repository")
    if isinstance(block, dict):
        lock = as_bool(block.get("locked", False))
        if block.get("connector"):
            put("repository", "connector", str(block["connector"]), lock)
        if block.get("name"):
            put("repository", "repository", str(block["name"]), lock)
        fetch, ref = _fetch_from(block)
        put("repository", "fetch_type", fetch, lock)
        if ref:
            put("repository", fetch, ref, lock)
        if "path" in block:
            put("repository", "path", str(block.get("path") or ""), lock)
    block = spec.get("cost_estimation")
    if isinstance(block, dict):
        lock = as_bool(block.get("locked", False))
        if "enabled" in block:
            put("provisioner", "cost_estimation_enabled", as_bool(block["enabled"]), lock)
        if block.get("budget") not in (None, ""):
            put("provisioner", "budget", str(block["budget"]), lock)
    if isinstance(spec.get("description"), str) and spec["description"]:
        values.setdefault("basics", {})["description"] = spec["description"]
    for yaml_key, group in (("terraform_variables", "terraform"), ("variables", "environment")):
        rows = []
        for item in spec.get(yaml_key) or []:
            if not isinstance(item, dict) or not item.get("key"):
                continue
            row = {
                "key": str(item["key"]),
                "value": "" if item.get("value") is None else str(item["value"]),
                "value_type": str(item.get("value_type") or "string"),
            }
            rows.append(row)
            if as_bool(item.get("locked", False)) and linked:
                locked[f"variables.{group}.{row['key']}"] = {
                    "value": row["value"],
                    "value_type": row["value_type"],
                }
        if rows:
            values.setdefault("variables", {})[group] = rows
    return Prefill(values, locked, tuple(provider_refs), provider_locked)


def prefill_from_workspace(workspace: Any) -> Prefill:
    """Prefill from an existing workspace (`types.Workspace`): everything but name/identifier."""
    fetch, ref = "branch", workspace.repository_branch
    if workspace.repository_commit:
        fetch, ref = "tag", workspace.repository_commit
    elif workspace.repository_sha:
        fetch, ref = "commit", workspace.repository_sha
    provisioner: dict[str, Any] = {
        "provisioner": workspace.provisioner
        if workspace.provisioner in PROVISIONERS
        else "opentofu",
        "version": workspace.provisioner_version
        if workspace.provisioner_version != "latest"
        else "",
        "run_all": workspace.run_all,
        "cost_estimation_enabled": workspace.cost_estimation_enabled,
        "budget": "" if workspace.budget is None else f"{workspace.budget:g}",
    }
    if workspace.provisioner == "terragrunt" and workspace.terragrunt_version:
        provisioner["version"] = workspace.terragrunt_version
    provider_refs = []
    for item in workspace.provider_connectors:
        if item.type in PROVIDER_TYPES:
            provisioner[item.type] = item.connector_ref
    if workspace.provider_connector and workspace.provider_connector not in {
        provisioner.get(s) for s in PROVIDER_TYPES
    }:
        provider_refs.append(workspace.provider_connector)
    values = {
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
            if workspace.repository_submodules in SUBMODULES
            else "false",
        },
        "provisioner": provisioner,
        "variables": {
            group: [
                {"key": v.key, "value": v.value, "value_type": v.value_type}
                for v in getattr(workspace, f"{group}_variables").values()
            ]
            for group in VARIABLE_GROUPS
        },
    }
    return Prefill(values, {}, tuple(provider_refs))


def apply_prefill(data: dict[str, Any], prefill: Prefill) -> dict[str, Any]:
    """A copy of `data` with the prefilled values written over the later steps."""
    data = {step: dict(values) for step, values in data.items()}
    for step, values in prefill.values.items():
        merged = step_values(data, step)
        if step == "basics":
            # Basics keep what the user typed; only empty fields are filled.
            for field, value in values.items():
                if not merged.get(field):
                    merged[field] = value
        else:
            merged.update(values)
        data[step] = merged
    return data
