"""In-memory state of the fake: accounts, orgs, projects, workspaces, connectors, secrets,
templates. One ``State`` per server; every handler runs under ``State.lock``.

Workspaces keep per-project sorted views and pre-serialised summaries so that a list request
on the 1,800-workspace project costs well under a millisecond of sorting/serialising; any write
to a project drops that project's cached views.

Nothing stored is changed in place: a write replaces a workspace's record (``put``/``remove``),
and connectors, secrets, templates, orgs and projects are only read. ``State.copy()`` relies on
that: a copy shares every record with the original, so resetting the fake to its seed costs a few
dict copies instead of rebuilding some 1,900 workspaces.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

SORTS = ("name,ASC", "name,DESC", "updated,ASC", "updated,DESC")

CLOUD_CONNECTOR_TYPES = frozenset({"Aws", "Gcp", "Azure"})
# Contract §6.1: the repository picker's types. AzureRepo and Codecommit connectors exist, but no
# public source shows an IaCM workspace on one (IaCM's docs say only "the Harness Git connector",
# harness/developer-hub `docs/infra-as-code-management/workspaces/create-workspace.md`; the
# Terraform provider's `internal/service/platform/workspace/resource_workspace_test.go` uses a
# `harness_platform_connector_github`): refused, the doubtful side.
REPO_CONNECTOR_TYPES = frozenset({"Github", "Gitlab", "Bitbucket", "Git"})
# provider_connectors[].type -> NG connector type it must point at
PROVIDER_TYPE_TO_CONNECTOR = {"aws": "Aws", "azure": "Azure", "gcp": "Gcp", "vault": "Vault"}


@dataclass(slots=True)
class ApiKey:
    key: str
    account: str
    access: str  # "full" | "read" | "org:<org>" | "project:<org>/<project>"


@dataclass(slots=True)
class Account:
    identifier: str
    name: str
    created: int


@dataclass(slots=True)
class Org:
    account: str
    identifier: str
    name: str
    description: str
    tags: dict[str, str]
    created: int
    updated: int


@dataclass(slots=True)
class Project:
    account: str
    org: str
    identifier: str
    name: str
    description: str
    color: str
    modules: list[str]
    tags: dict[str, str]
    created: int
    updated: int


@dataclass(slots=True)
class Scoped:
    """Common scope fields of connectors, secrets and templates."""

    account: str
    org: str | None
    project: str | None
    identifier: str

    @property
    def scope(self) -> str:
        if self.project:
            return "project"
        return "org" if self.org else "account"

    @property
    def ref(self) -> str:
        """The scoped reference (contract §6.3) as seen from inside its own scope."""
        if self.project:
            return self.identifier
        return f"org.{self.identifier}" if self.org else f"account.{self.identifier}"

    def visible_from(self, account: str, org: str | None, project: str | None) -> bool:
        """True when this entity lives at the given scope or one of its parents."""
        if self.account != account:
            return False
        if self.project:
            return self.org == org and self.project == project
        if self.org:
            return self.org == org
        return True


@dataclass(slots=True)
class Connector(Scoped):
    name: str = ""
    type: str = ""
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    connectivity: str = "SUCCESS"


@dataclass(slots=True)
class Secret(Scoped):
    name: str = ""
    type: str = "SecretText"
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    secret_manager: str = "harnessSecretManager"
    created: int = 0
    updated: int = 0


@dataclass(slots=True)
class TemplateVersion(Scoped):
    name: str = ""
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    version_label: str = ""
    entity_type: str = "Workspace"
    stable: bool = False
    version: int = 1
    created: int = 0
    updated: int = 0
    yaml: str = ""


class WorkspaceRecord:
    """One workspace: the show body plus cached derived values for fast lists."""

    __slots__ = ("data", "name_key", "status", "summary_json", "tag_pairs", "tags_plain")

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.name_key = data["name"].lower()
        self.status = data["status"]
        self.tag_pairs = frozenset(data["tags"].items())
        self.tags_plain = frozenset(data["tags"])
        summary = {
            "account": data["account"],
            "org": data["org"],
            "project": data["project"],
            "identifier": data["identifier"],
            "name": data["name"],
            "status": data["status"],
            "created": data["created"],
            "updated": data["updated"],
        }
        if data.get("description"):
            summary["description"] = data["description"]
        self.summary_json = json.dumps(summary)

    @property
    def identifier(self) -> str:
        return self.data["identifier"]

    @property
    def updated(self) -> int:
        return self.data["updated"]


class ProjectWorkspaces:
    """The workspaces of one project with lazily built, write-invalidated sorted views."""

    def __init__(self) -> None:
        self.by_id: dict[str, WorkspaceRecord] = {}
        self._views: dict[str, list[WorkspaceRecord]] = {}

    def __len__(self) -> int:
        return len(self.by_id)

    def put(self, data: dict[str, Any]) -> None:
        self.by_id[data["identifier"]] = WorkspaceRecord(data)
        self._views.clear()

    def remove(self, identifier: str) -> None:
        del self.by_id[identifier]
        self._views.clear()

    def copy(self) -> ProjectWorkspaces:
        """The same workspaces and sorted views; writes to one side never show in the other."""
        clone = ProjectWorkspaces()
        clone.by_id = dict(self.by_id)
        clone._views = dict(self._views)
        return clone

    def sorted_view(self, sort: str) -> list[WorkspaceRecord]:
        """Workspaces in ``sort`` order (ties broken by identifier), cached until a write."""
        view = self._views.get(sort)
        if view is None:
            field_name, direction = sort.split(",")
            if field_name == "name":
                asc = sorted(self.by_id.values(), key=lambda r: (r.name_key, r.identifier))
            else:
                asc = sorted(self.by_id.values(), key=lambda r: (r.updated, r.identifier))
            view = asc[::-1] if direction == "DESC" else asc
            self._views[sort] = view
        return view


@dataclass
class State:
    """Everything the fake knows; mutate only while holding ``lock``."""

    seed: str
    start_ms: int
    accounts: dict[str, Account] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    orgs: dict[tuple[str, str], Org] = field(default_factory=dict)
    projects: dict[tuple[str, str, str], Project] = field(default_factory=dict)
    workspaces: dict[tuple[str, str, str], ProjectWorkspaces] = field(default_factory=dict)
    connectors: list[Connector] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    templates: list[TemplateVersion] = field(default_factory=list)
    provisioner_versions: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def copy(self) -> State:
        """A state to serve and change, sharing its records with this one (see the module doc),
        with a lock of its own."""
        return State(
            seed=self.seed,
            start_ms=self.start_ms,
            accounts=dict(self.accounts),
            keys=dict(self.keys),
            orgs=dict(self.orgs),
            projects=dict(self.projects),
            workspaces={scope: store.copy() for scope, store in self.workspaces.items()},
            connectors=list(self.connectors),
            secrets=list(self.secrets),
            templates=list(self.templates),
            provisioner_versions={k: list(v) for k, v in self.provisioner_versions.items()},
        )

    @staticmethod
    def now_ms() -> int:
        return int(time.time() * 1000)

    # -- scoped lookups -------------------------------------------------------------------

    @staticmethod
    def resolve_ref(ref: str, org: str, project: str) -> tuple[str | None, str | None, str]:
        """Split a scoped ref into ``(org, project, identifier)`` as seen from a project."""
        if ref.startswith("account."):
            return None, None, ref.removeprefix("account.")
        if ref.startswith("org."):
            return org, None, ref.removeprefix("org.")
        return org, project, ref

    def find_connector(self, account: str, org: str, project: str, ref: str) -> Connector | None:
        c_org, c_project, ident = self.resolve_ref(ref, org, project)
        for connector in self.connectors:
            if (connector.account, connector.org, connector.project, connector.identifier) == (
                account,
                c_org,
                c_project,
                ident,
            ):
                return connector
        return None

    def find_secret(self, account: str, org: str, project: str, ref: str) -> Secret | None:
        s_org, s_project, ident = self.resolve_ref(ref, org, project)
        for secret in self.secrets:
            if (secret.account, secret.org, secret.project, secret.identifier) == (
                account,
                s_org,
                s_project,
                ident,
            ):
                return secret
        return None

    def template_versions(
        self, account: str, org: str | None, project: str | None, identifier: str
    ) -> list[TemplateVersion]:
        """All versions of the template living exactly at the given scope."""
        return [
            t
            for t in self.templates
            if (t.account, t.org, t.project, t.identifier) == (account, org, project, identifier)
        ]

    def resolve_template(
        self, account: str, org: str, project: str, template_id: str
    ) -> list[TemplateVersion]:
        """Versions of the template a workspace's `associated_template.template_id` names: the
        template of that identifier in the workspace's own project, as for a bare connector or
        secret ref (contract §6.3).

        The only public link names a project template by its bare identifier (the Terraform
        provider's `resource_workspace_associated_template_test.go`); the field is documented
        as "Template identifier" (`resource_workspace.go`, harness/mcp-server `iacm.ts`) and has
        no scope of its own (`IacmAssociatedTemplate {template_id, version}`, harness-go-sdk
        `iacm_model_workspace_template.go`). How an org or account template is named there is
        not documented, so neither a bare id's fallback to the org or account nor a scoped
        `account.x` / `org.x` is resolved: the doubtful side is refused.
        """
        return self.template_versions(account, org, project, template_id)
