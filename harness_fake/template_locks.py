"""What a linked Workspace template locks, and the refusal when a body sets a locked field.

Harness refuses a workspace create (and update) whose body sets a field the associated
template version locks, with "Attempted to update locked fields": the Terraform provider stopped
sending repository, connector, branch, path, `provisioner_version` and `cost_estimation_enabled`
with a template for that reason (harness/terraform-provider-harness
`internal/service/platform/workspace/resource_workspace.go`, `buildCreateWorkspace` /
`buildUpdateWorkspace`, IAC-7604; the acceptance test
`TestAccResourceWorkspaceAssociatedTemplate_LockedFields` in
`resource_workspace_associated_template_test.go`).
The locked values are then inherited from the template.

The fake reads the locks from the template YAML it seeds itself (contract §3.1: blocks with
`locked: true|false`), with a line reader (the fake has no YAML library), and only the keys of
the one public Workspace template YAML (the test above): no repository `path`, and nothing
inside `variables` / `terraform_variables` / `terraform_variable_files`, whose entry shapes are
UNCONFIRMED (the seed writes them empty; a list with entries says nothing the fake can read).
Which body fields a block covers is partly unconfirmed (see the README): where the evidence is
unclear, the field counts as locked, so the fake refuses the doubtful side.
"""

from __future__ import annotations

from typing import Any

from harness_fake.errors import ApiError
from harness_fake.state import State, TemplateVersion

LOCKED_FIELDS_MESSAGE = "Attempted to update locked fields"

# Template block -> the body fields it locks. `provisioner` itself is a required body field, so it
# is never "left out": a body must send the template's own type (as the provider's test does).
REPOSITORY_FIELDS = (
    "repository",
    "repository_connector",
    "repository_branch",
    "repository_commit",
    "repository_sha",
    "repository_path",
    "repository_submodules",
)
BLOCK_FIELDS: dict[str, tuple[str, ...]] = {
    # Contract §3.1 (developer-hub `workspace-templates.md`, "Locked fields") lists "the provider
    # connector" among the provisioner's lockable settings, but no YAML key for it is documented
    # and the only public Workspace template YAML has none. In that YAML's test
    # (terraform-provider-harness `resource_workspace_associated_template_test.go`,
    # `TestAccResourceWorkspaceAssociatedTemplate_LockedFields`, IAC-7604) the provisioner block
    # is locked and the workspace sets `provider_connector`: the create succeeds. So the main
    # `provider_connector` is the body's own; the list `provider_connectors` is unattested and
    # stays locked (the doubtful side). `spec.provider` is not a lock: in that YAML it is the
    # git-provider card of Harness's UI (`type: others`, `title: thirdPartyGitProvider`).
    "provisioner": ("provisioner_version", "provider_connectors"),
    # `repository_submodules` and `sparse_checkout` are unconfirmed: refused (the doubtful side).
    "repository": (*REPOSITORY_FIELDS, "sparse_checkout"),
    "cost_estimation": ("cost_estimation_enabled", "budget"),
    "default_pipelines": ("default_pipelines",),
}
# The spec's lists (contract §3.1), read as lists; what their entries hold is not documented.
_LISTS = ("variables", "terraform_variables", "terraform_variable_files")


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def read_spec(yaml: str) -> dict[str, Any]:
    """`{block: {key: value}}` and `{list: [{key: value}]}` from a template's `spec:` (two levels,
    as the seed writes it); enough to know what is locked and what a workspace inherits."""
    spec: dict[str, Any] = {}
    block: str | None = None
    in_spec = False
    for line in yaml.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 2:
            in_spec = stripped == "spec:"
            block = None
            continue
        if not in_spec:
            continue
        key, _, value = stripped.removeprefix("- ").partition(":")
        if indent == 4:
            block = key
            spec[block] = [] if block in _LISTS else {}
            if value.strip() and value.strip() not in ("[]", "{}"):
                spec[block] = _scalar(value)
        elif block is not None and isinstance(spec[block], list):
            if stripped.startswith("- "):
                spec[block].append({})
            if spec[block]:
                spec[block][-1][key] = _scalar(value)
        elif block is not None and isinstance(spec[block], dict):
            spec[block][key] = _scalar(value)
    return spec


def is_set(value: Any) -> bool:
    """A body sets a field when it sends a value: `""`, `[]`, `{}` and null leave it to the
    template."""
    return value not in (None, "", [], {})


def locked_fields(body: dict[str, Any], template: TemplateVersion) -> list[str]:
    """The body fields that set something `template` locks, in body order."""
    spec = read_spec(template.yaml)
    found: list[str] = []
    for block, fields in BLOCK_FIELDS.items():
        values = spec.get(block)
        if not isinstance(values, dict) or values.get("locked") != "true":
            continue
        found += [f for f in fields if is_set(body.get(f))]
        if block == "provisioner" and body.get("provisioner") not in (None, values.get("type")):
            found.append("provisioner")
    return found


def template_version(
    state: State, account: str, org: str, project: str, template: dict[str, Any]
) -> TemplateVersion | None:
    for version in state.resolve_template(account, org, project, template["template_id"]):
        if version.version_label == template["version"]:
            return version
    return None


def refuse_locked_fields(body: dict[str, Any], template: TemplateVersion | None) -> None:
    """400 (Goa `bad_request`) when `body` sets a field `template` locks."""
    if template is None:
        return
    fields = locked_fields(body, template)
    if fields:
        raise ApiError(
            400,
            f"{LOCKED_FIELDS_MESSAGE}: {', '.join(fields)} (locked by template "
            f"{template.identifier} {template.version_label})",
            name="bad_request",
        )


# What a covered field holds when the locking template gives it no value: the default a create
# that leaves the field out stores (`stored.py`); None: the field is absent.
_UNSET: dict[str, Any] = {
    "provisioner_version": "latest",
    "repository_submodules": "false",
    "sparse_checkout": None,
    "cost_estimation_enabled": False,
    "budget": None,
    "provider_connectors": [],
    "default_pipelines": {},
}


def locked_values(template: TemplateVersion) -> dict[str, Any]:
    """Every body field `template` locks, with the value a workspace linked to it holds: the
    template's own (`inherited`), else the field's default (None: absent). A linked body can
    set none of them and Harness enforces them on the workspace (contract §3.1), so this is
    what the seed copies into the workspaces it links."""
    spec = read_spec(template.yaml)
    given = inherited(template)
    out: dict[str, Any] = {}
    for block, fields in BLOCK_FIELDS.items():
        values = spec.get(block)
        if not isinstance(values, dict) or values.get("locked") != "true":
            continue
        out |= {field: given.get(field, _UNSET.get(field, "")) for field in fields}
        if block == "provisioner" and values.get("type"):
            out["provisioner"] = values["type"]
    return out


def inherited(template: TemplateVersion) -> dict[str, Any]:
    """The workspace fields a linked template fills in when the body leaves them out."""
    spec = read_spec(template.yaml)
    out: dict[str, Any] = {}
    provisioner = spec.get("provisioner")
    if isinstance(provisioner, dict) and provisioner.get("version"):
        out["provisioner_version"] = provisioner["version"]
    repository = spec.get("repository")
    if isinstance(repository, dict):
        # The public keys only (no `path`, whose key is not documented: a linked workspace
        # keeps none; nor a tag's or commit's, which the public YAML does not show).
        for body_key, yaml_key in (
            ("repository", "name"),
            ("repository_connector", "connector"),
            ("repository_branch", "branch"),
        ):
            if repository.get(yaml_key):
                out[body_key] = repository[yaml_key]
    cost = spec.get("cost_estimation")
    if isinstance(cost, dict) and "enabled" in cost:
        out["cost_estimation_enabled"] = cost["enabled"] == "true"
    # No provider connector: no documented YAML key holds one, and a locked provisioner block
    # leaves `provider_connector` to the body (see BLOCK_FIELDS).
    return out
