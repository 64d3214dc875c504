"""Frozen dataclasses for what Harness returns, and the tolerant parsers that build them.

Parsers ignore fields they do not know and default the optional ones that are absent or null; a
body without the expected shape (a list where an object belongs, a missing identifier, a string
where a number belongs) raises `ShapeError`, which the client turns into `HarnessUnavailable`.
Timestamps arrive as unix milliseconds and become aware UTC `datetime`s.

Mappings (`tags`, variables, ...) are plain dicts so that instances pickle (the portal caches some
of them); treat them as read-only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "Account",
    "AssociatedTemplate",
    "Connector",
    "DefaultPipeline",
    "Org",
    "Page",
    "PolicyEvaluation",
    "PolicyResult",
    "PolicySetResult",
    "Project",
    "ProviderConnector",
    "Secret",
    "ShapeError",
    "Template",
    "TemplateSummary",
    "Variable",
    "VariableFile",
    "Workspace",
    "WorkspaceLock",
    "WorkspaceSummary",
    "WriteResult",
    "scoped_ref",
]


class ShapeError(ValueError):
    """A Harness response body does not have the shape the client expects."""


# --- small tolerant readers ------------------------------------------------------------------

_MISSING: Any = object()


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{what}: expected an array, got {type(value).__name__}")
    return value


def _str(data: Mapping[str, Any], key: str, default: Any = "") -> Any:
    """`data[key]` as a string; `default` when absent or null (`_MISSING` makes it required)."""
    value = data.get(key)
    if value is None:
        if default is _MISSING:
            raise ShapeError(f"{key!r} is missing")
        return default
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ShapeError(f"{key!r}: expected a string, got {type(value).__name__}")


def _int(data: Mapping[str, Any], key: str, default: Any = None) -> Any:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        raise ShapeError(f"{key!r}: expected a number, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise ShapeError(f"{key!r}: expected an integer, got {value!r}")


def _float(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise ShapeError(f"{key!r}: expected a number, got {value!r}")


def _bool(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise ShapeError(f"{key!r}: expected a boolean, got {value!r}")


def _str_map(data: Mapping[str, Any], key: str) -> dict[str, str]:
    value = data.get(key)
    if value is None:
        return {}
    if isinstance(value, list) and not value:
        return {}
    return {str(k): _str({"v": v}, "v") for k, v in _obj(value, key).items()}


def _str_tuple(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if isinstance(value, str):  # e.g. `sparse_checkout`, declared a string, seen as an array
        return tuple(line for line in value.splitlines() if line)
    return tuple(_str({"v": item}, "v") for item in _list(value, key))


def _time(data: Mapping[str, Any], key: str) -> datetime | None:
    ms = _int(data, key)
    if ms is None or ms <= 0:
        return None
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise ShapeError(f"{key!r}: not a timestamp in milliseconds: {ms!r}") from err


def scoped_ref(identifier: str, scope: str) -> str:
    """The scoped reference Harness uses in connector/secret/template refs (contract §6.3)."""
    if scope == "account":
        return f"account.{identifier}"
    if scope == "org":
        return f"org.{identifier}"
    return identifier


def _scope(org: str, project: str) -> str:
    if project:
        return "project"
    if org:
        return "org"
    return "account"


# --- accounts, orgs, projects ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    identifier: str
    name: str
    company_name: str = ""
    created: datetime | None = None

    @classmethod
    def from_ng(cls, body: Any, *, account_id: str) -> Account:
        """From `GET /ng/api/accounts/{id}`: `{"status", "data": {identifier, name, ...}}`."""
        data = _obj(_obj(body, "account response").get("data"), "data")
        return cls(
            identifier=_str(data, "identifier", "") or _str(data, "uuid", "") or account_id,
            name=_str(data, "name", _MISSING),
            company_name=_str(data, "companyName"),
            created=_time(data, "createdAt"),
        )


@dataclass(frozen=True, slots=True)
class Org:
    identifier: str
    name: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None

    @classmethod
    def from_v1(cls, item: Any) -> Org:
        """From a v1 item `{"org": {identifier, name, description, tags}, created, updated}`."""
        outer = _obj(item, "org item")
        org = _obj(outer.get("org", outer), "org")
        return cls(
            identifier=_str(org, "identifier", _MISSING),
            name=_str(org, "name") or _str(org, "identifier"),
            description=_str(org, "description"),
            tags=_str_map(org, "tags"),
            created=_time(outer, "created"),
            updated=_time(outer, "updated"),
        )


@dataclass(frozen=True, slots=True)
class Project:
    identifier: str
    org: str
    name: str
    description: str = ""
    color: str = ""
    modules: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None
    updated: datetime | None = None

    @classmethod
    def from_v1(cls, item: Any, *, org: str) -> Project:
        """From a v1 item `{"project": {identifier, org, name, ...}, created, updated}`."""
        outer = _obj(item, "project item")
        project = _obj(outer.get("project", outer), "project")
        return cls(
            identifier=_str(project, "identifier", _MISSING),
            org=_str(project, "org") or org,
            name=_str(project, "name") or _str(project, "identifier"),
            description=_str(project, "description"),
            color=_str(project, "color"),
            modules=_str_tuple(project, "modules"),
            tags=_str_map(project, "tags"),
            created=_time(outer, "created"),
            updated=_time(outer, "updated"),
        )


# --- workspaces ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkspaceSummary:
    """A row of the IaCM workspace list (contract §2.3)."""

    identifier: str
    name: str
    status: str
    org: str
    project: str
    account: str = ""
    description: str = ""
    created: datetime | None = None
    updated: datetime | None = None

    @classmethod
    def from_iacm(cls, item: Any, *, org: str, project: str) -> WorkspaceSummary:
        data = _obj(item, "workspace summary")
        return cls(
            identifier=_str(data, "identifier", _MISSING),
            name=_str(data, "name", _MISSING),
            status=_str(data, "status") or "unknown",
            org=_str(data, "org") or org,
            project=_str(data, "project") or project,
            account=_str(data, "account"),
            description=_str(data, "description"),
            created=_time(data, "created"),
            updated=_time(data, "updated"),
        )


@dataclass(frozen=True, slots=True)
class Variable:
    """A terraform or environment variable. For `value_type == "secret"`, `value` is a secret
    reference (`account.x`, `org.x` or `x`), never the secret itself."""

    key: str
    value: str
    value_type: str = "string"
    created: datetime | None = None
    updated: datetime | None = None

    @property
    def is_secret(self) -> bool:
        return self.value_type == "secret"

    @classmethod
    def from_iacm(cls, map_key: str, item: Any) -> Variable:
        data = _obj(item, f"variable {map_key!r}")
        return cls(
            key=_str(data, "key") or map_key,
            value=_str(data, "value"),
            value_type=_str(data, "value_type") or "string",
            created=_time(data, "created"),
            updated=_time(data, "updated"),
        )


def _variables(data: Mapping[str, Any], key: str) -> dict[str, Variable]:
    value = data.get(key)
    if value is None or (isinstance(value, list) and not value):
        return {}
    if isinstance(value, list):  # tolerate an array of {key, value, value_type}
        variables = [Variable.from_iacm("", item) for item in value]
        return {variable.key: variable for variable in variables}
    return {str(k): Variable.from_iacm(str(k), v) for k, v in _obj(value, key).items()}


@dataclass(frozen=True, slots=True)
class ProviderConnector:
    connector_ref: str
    type: str
    terragrunt_provider: bool = False
    id: str = ""

    @classmethod
    def from_iacm(cls, item: Any) -> ProviderConnector:
        data = _obj(item, "provider connector")
        return cls(
            connector_ref=_str(data, "connector_ref", _MISSING),
            type=_str(data, "type"),
            terragrunt_provider=_bool(data, "terragrunt_provider"),
            id=_str(data, "id"),
        )


@dataclass(frozen=True, slots=True)
class VariableFile:
    repository: str
    repository_connector: str = ""
    repository_branch: str = ""
    repository_commit: str = ""
    repository_sha: str = ""
    repository_path: str = ""

    @classmethod
    def from_iacm(cls, item: Any) -> VariableFile:
        data = _obj(item, "variable file")
        return cls(
            repository=_str(data, "repository"),
            repository_connector=_str(data, "repository_connector"),
            repository_branch=_str(data, "repository_branch"),
            repository_commit=_str(data, "repository_commit"),
            repository_sha=_str(data, "repository_sha"),
            repository_path=_str(data, "repository_path"),
        )


@dataclass(frozen=True, slots=True)
class DefaultPipeline:
    project_pipeline: str = ""
    workspace_pipeline: str = ""


@dataclass(frozen=True, slots=True)
class AssociatedTemplate:
    template_id: str
    version: str = ""


@dataclass(frozen=True, slots=True)
class WorkspaceLock:
    id: str = ""
    created_at: datetime | None = None
    manual: bool = False
    reason: str = ""
    locked_by_principal_id: str = ""
    locked_by_principal_type: str = ""
    locked_by_display_name: str = ""


def _provisioner_configuration(value: Any) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):  # declared a string in the spec; the wire sends an object
        return {"value": value}
    return _str_map({"v": value}, "v")


@dataclass(frozen=True, slots=True)
class Workspace:
    """One workspace as `GET .../workspaces/{identifier}` returns it (contract §2.2)."""

    identifier: str
    name: str
    org: str
    project: str
    account: str = ""
    description: str = ""
    status: str = "unknown"
    provisioner: str = ""
    provisioner_version: str = ""
    provisioner_data: str = ""
    provisioner_configuration: dict[str, str] = field(default_factory=dict)
    provider_connector: str = ""
    provider_connectors: tuple[ProviderConnector, ...] = ()
    repository: str = ""
    repository_connector: str = ""
    repository_branch: str = ""
    repository_commit: str = ""
    repository_sha: str = ""
    repository_path: str = ""
    repository_submodules: str = "false"
    sparse_checkout: tuple[str, ...] = ()
    terraform_variables: dict[str, Variable] = field(default_factory=dict)
    environment_variables: dict[str, Variable] = field(default_factory=dict)
    terraform_variable_files: tuple[VariableFile, ...] = ()
    variable_sets: tuple[str, ...] = ()
    default_pipelines: dict[str, DefaultPipeline] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    cost_estimation_enabled: bool = False
    budget: float | None = None
    ccm_cost_enabled: bool = False
    prune_sensitive_data: bool = False
    terragrunt_provider: bool = False
    terragrunt_version: str = ""
    run_all: bool = False
    backend_locked: bool = False
    lock: WorkspaceLock | None = None
    associated_template: AssociatedTemplate | None = None
    created: datetime | None = None
    updated: datetime | None = None

    @property
    def git_reference(self) -> tuple[str, str]:
        """`("branch" | "tag" | "commit" | "", value)`: whichever of the three is set."""
        if self.repository_branch:
            return ("branch", self.repository_branch)
        if self.repository_commit:
            return ("tag", self.repository_commit)
        if self.repository_sha:
            return ("commit", self.repository_sha)
        return ("", "")

    @classmethod
    def from_iacm(cls, body: Any, *, org: str, project: str) -> Workspace:
        data = _obj(body, "workspace")
        pipelines = {}
        for operation, pipeline in _obj(data.get("default_pipelines") or {}, "pipelines").items():
            pipeline = _obj(pipeline or {}, f"default_pipelines.{operation}")
            pipelines[str(operation)] = DefaultPipeline(
                project_pipeline=_str(pipeline, "project_pipeline"),
                workspace_pipeline=_str(pipeline, "workspace_pipeline"),
            )
        template = None
        if data.get("associated_template"):
            raw = _obj(data["associated_template"], "associated_template")
            template_id = _str(raw, "template_id")
            if template_id:
                template = AssociatedTemplate(template_id, _str(raw, "version"))
        lock = None
        if data.get("lock"):
            raw = _obj(data["lock"], "lock")
            lock = WorkspaceLock(
                id=_str(raw, "id"),
                created_at=_time(raw, "created_at"),
                manual=_bool(raw, "manual"),
                reason=_str(raw, "reason"),
                locked_by_principal_id=_str(raw, "locked_by_principal_id"),
                locked_by_principal_type=_str(raw, "locked_by_principal_type"),
                locked_by_display_name=_str(raw, "locked_by_display_name"),
            )
        return cls(
            identifier=_str(data, "identifier", _MISSING),
            name=_str(data, "name", _MISSING),
            org=_str(data, "org") or org,
            project=_str(data, "project") or project,
            account=_str(data, "account"),
            description=_str(data, "description"),
            status=_str(data, "status") or "unknown",
            provisioner=_str(data, "provisioner"),
            provisioner_version=_str(data, "provisioner_version"),
            provisioner_data=_str(data, "provisioner_data"),
            provisioner_configuration=_provisioner_configuration(
                data.get("provisioner_configuration")
            ),
            provider_connector=_str(data, "provider_connector"),
            provider_connectors=tuple(
                ProviderConnector.from_iacm(item)
                for item in _list(data.get("provider_connectors"), "provider_connectors")
            ),
            repository=_str(data, "repository"),
            repository_connector=_str(data, "repository_connector"),
            repository_branch=_str(data, "repository_branch"),
            repository_commit=_str(data, "repository_commit"),
            repository_sha=_str(data, "repository_sha"),
            repository_path=_str(data, "repository_path"),
            repository_submodules=_str(data, "repository_submodules") or "false",
            sparse_checkout=_str_tuple(data, "sparse_checkout"),
            terraform_variables=_variables(data, "terraform_variables"),
            environment_variables=_variables(data, "environment_variables"),
            terraform_variable_files=tuple(
                VariableFile.from_iacm(item)
                for item in _list(data.get("terraform_variable_files"), "terraform_variable_files")
            ),
            variable_sets=_str_tuple(data, "variable_sets"),
            default_pipelines=pipelines,
            tags=_str_map(data, "tags"),
            cost_estimation_enabled=_bool(data, "cost_estimation_enabled"),
            budget=_float(data, "budget"),
            ccm_cost_enabled=_bool(data, "ccm_cost_enabled"),
            prune_sensitive_data=_bool(data, "prune_sensitive_data"),
            terragrunt_provider=_bool(data, "terragrunt_provider"),
            terragrunt_version=_str(data, "terragrunt_version"),
            run_all=_bool(data, "run_all"),
            backend_locked=_bool(data, "backend_locked"),
            lock=lock,
            associated_template=template,
            created=_time(data, "created"),
            updated=_time(data, "updated"),
        )


# --- policy evaluation (create/update results, PolicyViolationError) -------------------------


@dataclass(frozen=True, slots=True)
class PolicyResult:
    identifier: str
    name: str
    status: str
    deny_messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicySetResult:
    identifier: str
    name: str
    status: str
    policies: tuple[PolicyResult, ...] = ()
    deny_messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyEvaluation:
    """Harness's `policy_evaluation` (OPA): status `error` (denied), `warning` or `pass`.

    `deny_messages` collects, in order and without repeats, every policy's deny messages (for a
    `warning` evaluation these are the warnings).
    """

    status: str
    id: str = ""
    type: str = ""
    action: str = ""
    policy_sets: tuple[PolicySetResult, ...] = ()
    deny_messages: tuple[str, ...] = ()

    @property
    def denied(self) -> bool:
        return self.status == "error"

    @classmethod
    def from_json(cls, body: Any) -> PolicyEvaluation:
        data = _obj(body, "policy_evaluation")
        sets = []
        all_messages: list[str] = []
        # Harness nests evaluation.details[] (policy sets) -> details[] (policies) -> deny_messages.
        for raw_set in _list(data.get("details"), "policy_evaluation.details"):
            raw_set = _obj(raw_set, "policy set")
            set_messages = list(_str_tuple(raw_set, "deny_messages"))
            policies = []
            for raw_policy in _list(raw_set.get("details"), "policy set details"):
                raw_policy = _obj(raw_policy, "policy result")
                policy = _obj(raw_policy.get("policy") or {}, "policy")
                messages = _str_tuple(raw_policy, "deny_messages")
                policies.append(
                    PolicyResult(
                        identifier=_str(policy, "identifier"),
                        name=_str(policy, "name"),
                        status=_str(raw_policy, "status"),
                        deny_messages=messages,
                    )
                )
                set_messages.extend(messages)
            sets.append(
                PolicySetResult(
                    identifier=_str(raw_set, "identifier"),
                    name=_str(raw_set, "name"),
                    status=_str(raw_set, "status"),
                    policies=tuple(policies),
                    deny_messages=tuple(dict.fromkeys(set_messages)),
                )
            )
            all_messages.extend(set_messages)
        all_messages.extend(_str_tuple(data, "deny_messages"))
        return cls(
            status=_str(data, "status"),
            id=_str(data, "id"),
            type=_str(data, "type"),
            action=_str(data, "action"),
            policy_sets=tuple(sets),
            deny_messages=tuple(dict.fromkeys(all_messages)),
        )


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a workspace create/update returns: not the workspace, only any policy evaluation.

    Harness answers 200 with `{}` or `{"policy_evaluation": ...}`; GET the workspace afterwards.
    """

    policy_evaluation: PolicyEvaluation | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        if self.policy_evaluation is None:
            return ()
        return self.policy_evaluation.deny_messages

    @classmethod
    def from_iacm(cls, body: Any) -> WriteResult:
        if body is None or body == "":
            return cls()
        data = _obj(body, "write response")
        evaluation = data.get("policy_evaluation")
        return cls(PolicyEvaluation.from_json(evaluation) if evaluation else None)


# --- connectors, secrets, templates ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Connector:
    """A connector visible at a project (NG listV2 item). `ref` is what workspace fields take."""

    identifier: str
    name: str
    type: str
    scope: str
    ref: str
    org: str = ""
    project: str = ""
    description: str = ""
    url: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    status: str = ""

    @classmethod
    def from_ng(cls, item: Any) -> Connector:
        outer = _obj(item, "connector item")
        data = _obj(outer.get("connector", outer), "connector")
        org = _str(data, "orgIdentifier")
        project = _str(data, "projectIdentifier")
        identifier = _str(data, "identifier", _MISSING)
        scope = _scope(org, project)
        spec = data.get("spec")
        url = ""
        if isinstance(spec, dict):
            url = _str(spec, "url") or _str(spec, "gitUrl")
        status = outer.get("status")
        return cls(
            identifier=identifier,
            name=_str(data, "name") or identifier,
            type=_str(data, "type"),
            scope=scope,
            ref=scoped_ref(identifier, scope),
            org=org,
            project=project,
            description=_str(data, "description"),
            url=url,
            tags=_str_map(data, "tags"),
            status=_str(status, "status") if isinstance(status, dict) else "",
        )


@dataclass(frozen=True, slots=True)
class Secret:
    """Secret metadata (never its value). `ref` is what a secret variable's value holds."""

    identifier: str
    name: str
    type: str
    scope: str
    ref: str
    org: str = ""
    project: str = ""
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_ng(cls, item: Any) -> Secret:
        outer = _obj(item, "secret item")
        data = _obj(outer.get("secret", outer), "secret")
        org = _str(data, "orgIdentifier")
        project = _str(data, "projectIdentifier")
        identifier = _str(data, "identifier", _MISSING)
        scope = _scope(org, project)
        return cls(
            identifier=identifier,
            name=_str(data, "name") or identifier,
            type=_str(data, "type"),
            scope=scope,
            ref=scoped_ref(identifier, scope),
            org=org,
            project=project,
            description=_str(data, "description"),
            tags=_str_map(data, "tags"),
        )


def _template_fields(body: Any) -> dict[str, Any]:
    data = _obj(body, "template")
    if isinstance(data.get("template"), dict):  # `{"template": TemplateResponse, "inputs": ...}`
        data = data["template"]
    org = _str(data, "org")
    project = _str(data, "project")
    identifier = _str(data, "identifier", _MISSING)
    scope = _str(data, "scope").lower()
    if scope not in {"account", "org", "project"}:
        scope = _scope(org, project)
    return {
        "identifier": identifier,
        "name": _str(data, "name") or identifier,
        "version_label": _str(data, "version_label"),
        "entity_type": _str(data, "entity_type"),
        "child_type": _str(data, "child_type"),
        "scope": scope,
        "ref": scoped_ref(identifier, scope),
        "org": org,
        "project": project,
        "description": _str(data, "description"),
        "tags": _str_map(data, "tags"),
        "stable": _bool(data, "stable_template"),
        "updated": _time(data, "updated"),
        "_yaml": data.get("yaml"),
    }


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    """A template version's metadata (v1 TemplateMetadataSummary). `ref` is scope-prefixed."""

    identifier: str
    name: str
    version_label: str
    entity_type: str
    scope: str
    ref: str
    org: str = ""
    project: str = ""
    description: str = ""
    child_type: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    stable: bool = False
    updated: datetime | None = None

    @classmethod
    def from_v1(cls, item: Any) -> TemplateSummary:
        fields = _template_fields(item)
        del fields["_yaml"]
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class Template:
    """One template version with its YAML text (v1 TemplateResponse)."""

    identifier: str
    name: str
    version_label: str
    entity_type: str
    scope: str
    ref: str
    yaml: str
    org: str = ""
    project: str = ""
    description: str = ""
    child_type: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    stable: bool = False
    updated: datetime | None = None

    @classmethod
    def from_v1(cls, body: Any) -> Template:
        fields = _template_fields(body)
        yaml = fields.pop("_yaml")
        if not isinstance(yaml, str):
            raise ShapeError("template has no yaml")
        return cls(yaml=yaml, **fields)


# --- pages -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a list. `page` is 1-based whatever the Harness family counts from."""

    items: tuple[T, ...]
    page: int
    limit: int
    total_items: int
    total_pages: int

    @property
    def has_next(self) -> bool:
        return self.page < self.total_pages

    @property
    def first_item(self) -> int:
        """1-based position of this page's first item in the whole list (0 when empty)."""
        return (self.page - 1) * self.limit + 1 if self.items else 0

    @property
    def last_item(self) -> int:
        return (self.page - 1) * self.limit + len(self.items)

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @classmethod
    def build(
        cls,
        items: list[T],
        *,
        page: int,
        limit: int,
        total_items: int | None,
        total_pages: int | None = None,
    ) -> Page[T]:
        if total_items is None:
            # No totals sent: what we know is this page, and that a full page may have a next one.
            total_items = (page - 1) * limit + len(items)
            total_pages = page + 1 if len(items) >= limit else page
        if total_pages is None:
            total_pages = math.ceil(total_items / limit) if limit else 0
        return cls(
            items=tuple(items),
            page=page,
            limit=limit,
            total_items=max(total_items, 0),
            total_pages=max(total_pages, 0),
        )


def parse_items[T](body: Any, what: str, parse: Callable[[Any], T]) -> list[T]:
    """Parse a JSON array of items with `parse`."""
    if not isinstance(body, list):
        raise ShapeError(f"{what}: expected an array, got {type(body).__name__}")
    return [parse(item) for item in body]
