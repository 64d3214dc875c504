"""Frozen dataclasses for what Harness returns, each with the `from_*` classmethod that parses it.

The parsers are built from the tolerant readers of `readers.py`: unknown fields are ignored,
absent optional ones defaulted, a body of the wrong shape raises `ShapeError` (re-exported here).

Mappings (`tags`, variables, ...) are plain dicts so that instances pickle (the portal caches some
of them); treat them as read-only.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workspaces.harness.readers import (
    REQUIRED,
    ShapeError,
    array,
    boolean,
    number,
    obj,
    provisioner_configuration,
    scope_of,
    scoped_ref,
    str_map,
    str_tuple,
    string,
    template_fields,
    timestamp,
)

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
        data = obj(obj(body, "account response").get("data"), "data")
        return cls(
            identifier=string(data, "identifier", "") or string(data, "uuid", "") or account_id,
            name=string(data, "name", REQUIRED),
            company_name=string(data, "companyName"),
            created=timestamp(data, "createdAt"),
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
        outer = obj(item, "org item")
        org = obj(outer.get("org", outer), "org")
        return cls(
            identifier=string(org, "identifier", REQUIRED),
            name=string(org, "name") or string(org, "identifier"),
            description=string(org, "description"),
            tags=str_map(org, "tags"),
            created=timestamp(outer, "created"),
            updated=timestamp(outer, "updated"),
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
        outer = obj(item, "project item")
        project = obj(outer.get("project", outer), "project")
        return cls(
            identifier=string(project, "identifier", REQUIRED),
            org=string(project, "org") or org,
            name=string(project, "name") or string(project, "identifier"),
            description=string(project, "description"),
            color=string(project, "color"),
            modules=str_tuple(project, "modules"),
            tags=str_map(project, "tags"),
            created=timestamp(outer, "created"),
            updated=timestamp(outer, "updated"),
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
        data = obj(item, "workspace summary")
        return cls(
            identifier=string(data, "identifier", REQUIRED),
            name=string(data, "name", REQUIRED),
            status=string(data, "status") or "unknown",
            org=string(data, "org") or org,
            project=string(data, "project") or project,
            account=string(data, "account"),
            description=string(data, "description"),
            created=timestamp(data, "created"),
            updated=timestamp(data, "updated"),
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
        data = obj(item, f"variable {map_key!r}")
        return cls(
            key=string(data, "key") or map_key,
            value=string(data, "value"),
            value_type=string(data, "value_type") or "string",
            created=timestamp(data, "created"),
            updated=timestamp(data, "updated"),
        )

    @classmethod
    def mapping_from_iacm(cls, data: Mapping[str, Any], key: str) -> dict[str, Variable]:
        """`data[key]`: Harness's map of variables by key (an array of them is tolerated)."""
        value = data.get(key)
        if value is None or (isinstance(value, list) and not value):
            return {}
        if isinstance(value, list):
            variables = [cls.from_iacm("", item) for item in value]
            return {variable.key: variable for variable in variables}
        return {str(k): cls.from_iacm(str(k), v) for k, v in obj(value, key).items()}


@dataclass(frozen=True, slots=True)
class ProviderConnector:
    connector_ref: str
    type: str
    terragrunt_provider: bool = False
    id: str = ""

    @classmethod
    def from_iacm(cls, item: Any) -> ProviderConnector:
        data = obj(item, "provider connector")
        return cls(
            connector_ref=string(data, "connector_ref", REQUIRED),
            type=string(data, "type"),
            terragrunt_provider=boolean(data, "terragrunt_provider"),
            id=string(data, "id"),
        )


def git_reference(branch: str, commit: str, sha: str) -> tuple[str, str]:
    """`("branch" | "tag" | "commit" | "", value)` of `repository_branch`, `repository_commit`
    (a tag, contract §2.1) and `repository_sha`: whichever of the three is set."""
    if branch:
        return ("branch", branch)
    if commit:
        return ("tag", commit)
    if sha:
        return ("commit", sha)
    return ("", "")


@dataclass(frozen=True, slots=True)
class VariableFile:
    repository: str
    repository_connector: str = ""
    repository_branch: str = ""
    repository_commit: str = ""
    repository_sha: str = ""
    repository_path: str = ""

    @property
    def git_reference(self) -> tuple[str, str]:
        return git_reference(self.repository_branch, self.repository_commit, self.repository_sha)

    @classmethod
    def from_iacm(cls, item: Any) -> VariableFile:
        data = obj(item, "variable file")
        return cls(
            repository=string(data, "repository"),
            repository_connector=string(data, "repository_connector"),
            repository_branch=string(data, "repository_branch"),
            repository_commit=string(data, "repository_commit"),
            repository_sha=string(data, "repository_sha"),
            repository_path=string(data, "repository_path"),
        )


@dataclass(frozen=True, slots=True)
class DefaultPipeline:
    project_pipeline: str = ""
    workspace_pipeline: str = ""

    @classmethod
    def mapping_from_iacm(cls, value: Any) -> dict[str, DefaultPipeline]:
        """`default_pipelines`: a pipeline per operation (`plan`, `apply`, ...)."""
        pipelines = {}
        for operation, pipeline in obj(value or {}, "pipelines").items():
            pipeline = obj(pipeline or {}, f"default_pipelines.{operation}")
            pipelines[str(operation)] = cls(
                project_pipeline=string(pipeline, "project_pipeline"),
                workspace_pipeline=string(pipeline, "workspace_pipeline"),
            )
        return pipelines


@dataclass(frozen=True, slots=True)
class AssociatedTemplate:
    template_id: str
    version: str = ""

    @classmethod
    def from_iacm(cls, value: Any) -> AssociatedTemplate | None:
        """`associated_template`, or None when absent or without a `template_id`."""
        if not value:
            return None
        raw = obj(value, "associated_template")
        template_id = string(raw, "template_id")
        return cls(template_id, string(raw, "version")) if template_id else None


@dataclass(frozen=True, slots=True)
class WorkspaceLock:
    id: str = ""
    created_at: datetime | None = None
    manual: bool = False
    reason: str = ""
    locked_by_principal_id: str = ""
    locked_by_principal_type: str = ""
    locked_by_display_name: str = ""

    @classmethod
    def from_iacm(cls, value: Any) -> WorkspaceLock | None:
        """`lock`, or None when the workspace is not locked."""
        if not value:
            return None
        raw = obj(value, "lock")
        return cls(
            id=string(raw, "id"),
            created_at=timestamp(raw, "created_at"),
            manual=boolean(raw, "manual"),
            reason=string(raw, "reason"),
            locked_by_principal_id=string(raw, "locked_by_principal_id"),
            locked_by_principal_type=string(raw, "locked_by_principal_type"),
            locked_by_display_name=string(raw, "locked_by_display_name"),
        )


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
    # `sparse_checkout` and `provisioner_configuration` exactly as Harness sent them (the contract
    # leaves their wire type unconfirmed, §2.1): a change carries them back in the type Harness
    # holds them in, while the two fields above are their readable forms.
    as_sent: dict[str, Any] = field(default_factory=dict)

    @property
    def git_reference(self) -> tuple[str, str]:
        """`("branch" | "tag" | "commit" | "", value)`: whichever of the three is set."""
        return git_reference(self.repository_branch, self.repository_commit, self.repository_sha)

    @classmethod
    def from_iacm(cls, body: Any, *, org: str, project: str) -> Workspace:
        data = obj(body, "workspace")
        return cls(
            identifier=string(data, "identifier", REQUIRED),
            name=string(data, "name", REQUIRED),
            org=string(data, "org") or org,
            project=string(data, "project") or project,
            account=string(data, "account"),
            description=string(data, "description"),
            status=string(data, "status") or "unknown",
            provisioner=string(data, "provisioner"),
            provisioner_version=string(data, "provisioner_version"),
            provisioner_data=string(data, "provisioner_data"),
            provisioner_configuration=provisioner_configuration(
                data.get("provisioner_configuration")
            ),
            provider_connector=string(data, "provider_connector"),
            provider_connectors=tuple(
                ProviderConnector.from_iacm(item)
                for item in array(data.get("provider_connectors"), "provider_connectors")
            ),
            repository=string(data, "repository"),
            repository_connector=string(data, "repository_connector"),
            repository_branch=string(data, "repository_branch"),
            repository_commit=string(data, "repository_commit"),
            repository_sha=string(data, "repository_sha"),
            repository_path=string(data, "repository_path"),
            repository_submodules=string(data, "repository_submodules") or "false",
            sparse_checkout=str_tuple(data, "sparse_checkout"),
            terraform_variables=Variable.mapping_from_iacm(data, "terraform_variables"),
            environment_variables=Variable.mapping_from_iacm(data, "environment_variables"),
            terraform_variable_files=tuple(
                VariableFile.from_iacm(item)
                for item in array(data.get("terraform_variable_files"), "terraform_variable_files")
            ),
            variable_sets=str_tuple(data, "variable_sets"),
            default_pipelines=DefaultPipeline.mapping_from_iacm(data.get("default_pipelines")),
            tags=str_map(data, "tags"),
            cost_estimation_enabled=boolean(data, "cost_estimation_enabled"),
            budget=number(data, "budget"),
            ccm_cost_enabled=boolean(data, "ccm_cost_enabled"),
            prune_sensitive_data=boolean(data, "prune_sensitive_data"),
            terragrunt_provider=boolean(data, "terragrunt_provider"),
            terragrunt_version=string(data, "terragrunt_version"),
            run_all=boolean(data, "run_all"),
            backend_locked=boolean(data, "backend_locked"),
            lock=WorkspaceLock.from_iacm(data.get("lock")),
            associated_template=AssociatedTemplate.from_iacm(data.get("associated_template")),
            created=timestamp(data, "created"),
            updated=timestamp(data, "updated"),
            as_sent={
                key: copy.deepcopy(data[key])
                for key in ("sparse_checkout", "provisioner_configuration")
                if data.get(key) not in (None, "", [], {})
            },
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
    def from_json(cls, body: Any, *, scrub: Callable[[str], str] = str) -> PolicyEvaluation:
        """Every text Harness sent (names, messages) goes through `scrub` (the client passes the
        one that removes its API key: a policy may quote the caller, and the deny messages end
        up on the page, in the draft and in the audit trail)."""
        data = obj(body, "policy_evaluation")

        def text(item: Mapping[str, Any], key: str) -> str:
            return scrub(string(item, key))

        def texts(item: Mapping[str, Any], key: str) -> tuple[str, ...]:
            return tuple(scrub(message) for message in str_tuple(item, key))

        sets = []
        all_messages: list[str] = []
        # Harness nests evaluation.details[] (policy sets) -> details[] (policies) -> deny_messages.
        for raw_set in array(data.get("details"), "policy_evaluation.details"):
            raw_set = obj(raw_set, "policy set")
            set_messages = list(texts(raw_set, "deny_messages"))
            policies = []
            for raw_policy in array(raw_set.get("details"), "policy set details"):
                raw_policy = obj(raw_policy, "policy result")
                policy = obj(raw_policy.get("policy") or {}, "policy")
                messages = texts(raw_policy, "deny_messages")
                policies.append(
                    PolicyResult(
                        identifier=text(policy, "identifier"),
                        name=text(policy, "name"),
                        status=text(raw_policy, "status"),
                        deny_messages=messages,
                    )
                )
                set_messages.extend(messages)
            sets.append(
                PolicySetResult(
                    identifier=text(raw_set, "identifier"),
                    name=text(raw_set, "name"),
                    status=text(raw_set, "status"),
                    policies=tuple(policies),
                    deny_messages=tuple(dict.fromkeys(set_messages)),
                )
            )
            all_messages.extend(set_messages)
        all_messages.extend(texts(data, "deny_messages"))
        return cls(
            status=text(data, "status"),
            id=text(data, "id"),
            type=text(data, "type"),
            action=text(data, "action"),
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
    def from_iacm(cls, body: Any, *, scrub: Callable[[str], str] = str) -> WriteResult:
        """`scrub` is applied to the policy evaluation's texts (see `PolicyEvaluation`)."""
        if body is None or body == "":
            return cls()
        data = obj(body, "write response")
        evaluation = data.get("policy_evaluation")
        return cls(PolicyEvaluation.from_json(evaluation, scrub=scrub) if evaluation else None)


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
        outer = obj(item, "connector item")
        data = obj(outer.get("connector", outer), "connector")
        org = string(data, "orgIdentifier")
        project = string(data, "projectIdentifier")
        identifier = string(data, "identifier", REQUIRED)
        scope = scope_of(org, project)
        spec = data.get("spec")
        url = ""
        if isinstance(spec, dict):
            url = string(spec, "url") or string(spec, "gitUrl")
        status = outer.get("status")
        return cls(
            identifier=identifier,
            name=string(data, "name") or identifier,
            type=string(data, "type"),
            scope=scope,
            ref=scoped_ref(identifier, scope),
            org=org,
            project=project,
            description=string(data, "description"),
            url=url,
            tags=str_map(data, "tags"),
            status=string(status, "status") if isinstance(status, dict) else "",
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
        outer = obj(item, "secret item")
        data = obj(outer.get("secret", outer), "secret")
        org = string(data, "orgIdentifier")
        project = string(data, "projectIdentifier")
        identifier = string(data, "identifier", REQUIRED)
        scope = scope_of(org, project)
        return cls(
            identifier=identifier,
            name=string(data, "name") or identifier,
            type=string(data, "type"),
            scope=scope,
            ref=scoped_ref(identifier, scope),
            org=org,
            project=project,
            description=string(data, "description"),
            tags=str_map(data, "tags"),
        )


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
        fields = template_fields(item)
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
        fields = template_fields(body)
        yaml = fields.pop("_yaml")
        if not isinstance(yaml, str):
            raise ShapeError("template has no yaml")
        return cls(yaml=yaml, **fields)


# --- pages -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a list. `page` is 1-based whatever the Harness family counts from.

    `total_items` and `total_pages` are Harness's (the pages computed from the items when only
    those are sent), or None when it sent no total: then a full page may have a next one, and
    nothing is made up.
    """

    items: tuple[T, ...]
    page: int
    limit: int
    total_items: int | None
    total_pages: int | None

    @property
    def has_next(self) -> bool:
        if self.total_pages is not None:
            return self.page < self.total_pages
        return bool(self.items) and len(self.items) >= self.limit

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

    @property
    def past_the_end(self) -> bool:
        """An empty page after the first of a list that has items (or may have: no totals)."""
        return not self.items and self.page > 1 and self.total_pages != 0

    @property
    def known_total(self) -> int | None:
        """How many items the list holds: Harness's total (never fewer than those up to this
        page), or without one, the items up to this page when it is the last; None when that
        is unknown (no total, and a full page or one past the end)."""
        if self.total_items is not None:
            return max(self.total_items, self.last_item if self.items else 0)
        return None if self.has_next or self.past_the_end else self.last_item

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
        if total_pages is None and total_items is not None:
            total_pages = math.ceil(total_items / limit) if limit else 0
        return cls(
            items=tuple(items),
            page=page,
            limit=limit,
            total_items=None if total_items is None else max(total_items, 0),
            total_pages=None if total_pages is None else max(total_pages, 0),
        )
