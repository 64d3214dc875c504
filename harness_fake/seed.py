"""Deterministic seed data (seed ``demo`` by default): the builder of the fake's state.

The accounts, keys, orgs, projects, connectors and secrets (``seed_data.py``) and templates
(``seed_templates.py``) are fixed (see ``README.md`` and the interfaces spec); workspaces are
generated from ``random.Random(seed)`` with times relative to the server's start, so every start
yields the same data.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from harness_fake import template_locks
from harness_fake.seed_data import (
    ACME,
    COMPONENTS,
    CONNECTORS,
    COST_CENTERS,
    ENVS,
    KEYS,
    ORGS,
    OTHER,
    PROVISIONER_VERSIONS,
    REGIONS,
    REPOS,
    SECRETS,
    STATUSES,
    TEAMS,
    connector_spec,
)
from harness_fake.seed_templates import TEMPLATES, version_yaml
from harness_fake.state import (
    CLOUD_CONNECTOR_TYPES,
    REPO_CONNECTOR_TYPES,
    Account,
    ApiKey,
    Connector,
    Org,
    Project,
    ProjectWorkspaces,
    Secret,
    State,
    TemplateVersion,
)

DAY_MS = 86_400_000


def extra_orgs(count: int) -> tuple:
    """``count`` more small projects (8 workspaces each) in an org ``teams`` of account Acme,
    for measuring reads fanned out over many projects (``--extra-projects``)."""
    if count <= 0:
        return ()
    projects = [(f"team_{n:02d}", f"Team {n:02d}", 8) for n in range(1, count + 1)]
    return ((ACME, "teams", "Teams", projects),)


def build_state(seed: str, start_ms: int, *, extra_projects: int = 0) -> State:
    """Build the full seeded state; ``start_ms`` anchors every timestamp."""
    orgs = ORGS + extra_orgs(extra_projects)
    state = State(seed=seed, start_ms=start_ms)
    state.provisioner_versions = {k: list(v) for k, v in PROVISIONER_VERSIONS.items()}
    state.accounts = {
        ACME: Account(ACME, "Acme Demo", start_ms - 900 * DAY_MS),
        OTHER: Account(OTHER, "Other Co", start_ms - 400 * DAY_MS),
    }
    state.keys = {key: ApiKey(key, account, access) for key, account, access in KEYS}
    _seed_scopes(state, orgs)
    _seed_connectors(state)
    _seed_secrets(state)
    _seed_templates(state)
    rng = random.Random(seed)
    counts = {(a, o, p): n for a, o, _, projects in orgs for p, _, n in projects}
    for (account, org, project), store in state.workspaces.items():
        _seed_workspaces(state, rng, store, account, org, project, counts[account, org, project])
    return state


def _seed_scopes(state: State, orgs: tuple) -> None:
    start = state.start_ms
    for index, (account, org, org_name, projects) in enumerate(orgs):
        state.orgs[(account, org)] = Org(
            account=account,
            identifier=org,
            name=org_name,
            description=f"{org_name} organization",
            tags={},
            created=start - (800 - index) * DAY_MS,
            updated=start - (100 - index) * DAY_MS,
        )
        for p_index, (project, name, _) in enumerate(projects):
            state.projects[(account, org, project)] = Project(
                account=account,
                org=org,
                identifier=project,
                name=name,
                description=f"{name} project",
                color=("#0063f7", "#1cab7d", "#e07a2b", "#7c3aed")[p_index % 4],
                modules=["CD", "CI", "IACM", "CORE"],
                tags={},
                created=start - (700 - p_index) * DAY_MS,
                updated=start - (50 - p_index) * DAY_MS,
            )
            state.workspaces[(account, org, project)] = ProjectWorkspaces()


def _seed_connectors(state: State) -> None:
    for index, (account, org, project, ident, kind) in enumerate(CONNECTORS):
        state.connectors.append(
            Connector(
                account=account,
                org=org,
                project=project,
                identifier=ident,
                name=ident.replace("_", " ").title().replace("Aws", "AWS").replace("Gcp", "GCP"),
                type=kind,
                description=f"{kind} connector" if index % 3 else "",
                tags={"owner": "platform"} if index % 4 == 0 else {},
                spec=connector_spec(kind, ident),
                created=state.start_ms - (300 - index) * DAY_MS,
                updated=state.start_ms - (60 - index % 50) * DAY_MS,
                connectivity="FAILURE" if ident == "aws_dev" else "SUCCESS",
            )
        )


def _seed_secrets(state: State) -> None:
    for index, (account, org, project, ident, name, kind) in enumerate(SECRETS):
        state.secrets.append(
            Secret(
                account=account,
                org=org,
                project=project,
                identifier=ident,
                name=name,
                type=kind,
                description=f"{name} used by workspaces",
                tags={},
                created=state.start_ms - (200 - index) * DAY_MS,
                updated=state.start_ms - (30 - index) * DAY_MS,
            )
        )


def _seed_templates(state: State) -> None:
    start = state.start_ms
    for index, (org, project, ident, name, version, stable, entity, args) in enumerate(TEMPLATES):
        state.templates.append(
            TemplateVersion(
                account=ACME,
                org=org,
                project=project,
                identifier=ident,
                name=name,
                description=f"{name} workspace template" if entity == "Workspace" else name,
                tags={"team": "platform"},
                version_label=version,
                entity_type=entity,
                stable=stable,
                # The int64 `version` (contract §3.2): the label's number, else the version's
                # place among its template's.
                version=(
                    int(version.removeprefix("v"))
                    if version.removeprefix("v").isdigit()
                    else sum(row[2] == ident for row in TEMPLATES[:index]) + 1
                ),
                created=start - (120 - index * 10) * DAY_MS,
                updated=start - (40 - index * 5) * DAY_MS,
                yaml=version_yaml(org, project, ident, name, version, args),
            )
        )


def _variable(key: str, value: str, value_type: str, stamps: tuple[int, int]) -> dict[str, Any]:
    return {
        "key": key,
        "value": value,
        "value_type": value_type,
        "created": stamps[0],
        "updated": stamps[1],
    }


def _weighted_status(rng: random.Random) -> str:
    return rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES])[0]


def _seed_workspaces(
    state: State,
    rng: random.Random,
    store: ProjectWorkspaces,
    account: str,
    org: str,
    project: str,
    count: int,
) -> None:
    visible = [c for c in state.connectors if c.visible_from(account, org, project)]
    clouds = [c.ref for c in visible if c.type in CLOUD_CONNECTOR_TYPES]
    repos = [c.ref for c in visible if c.type in REPO_CONNECTOR_TYPES]
    has_vault = any(c.ref == "account.vault_main" for c in visible)
    has_project_secret = state.find_secret(account, org, project, "api_key") is not None
    templates = [
        t
        for t in state.templates
        if t.entity_type == "Workspace" and t.stable and t.visible_from(account, org, project)
    ]
    # A workspace is linked only to a template of its own provisioner: a linked template locks
    # the provisioner type (the Terraform provider's locked-fields test sends the template's).
    template_provisioners = {
        t.identifier: template_locks.read_spec(t.yaml)["provisioner"]["type"] for t in templates
    }
    template_values = {t.identifier: template_locks.locked_values(t) for t in templates}
    for number in range(1, count + 1):
        component = rng.choice(COMPONENTS)
        env = rng.choice(ENVS)
        name = f"{component}-{env}-{number:04d}"
        identifier = name.replace("-", "_")
        updated = state.start_ms - rng.randint(0, 90 * DAY_MS)
        created = updated - rng.randint(0, 180 * DAY_MS)
        tags = {"env": env}
        if rng.random() < 0.8:
            tags["team"] = rng.choice(TEAMS)
        if rng.random() < 0.6:
            tags["region"] = rng.choice(REGIONS)
        if rng.random() < 0.4:
            tags["cost_center"] = rng.choice(COST_CENTERS)
        provisioner = rng.choices(
            ["opentofu", "terraform", "terragrunt", "awscdk"], weights=[50, 35, 10, 5]
        )[0]
        version = rng.choice(PROVISIONER_VERSIONS[provisioner])
        # A Terragrunt workspace runs OpenTofu through Terragrunt (`terragrunt_provider`); the
        # draws above stay as they were so the rest of the seed is unchanged.
        terragrunt = provisioner == "terragrunt"
        if terragrunt:
            provisioner, version = "opentofu", PROVISIONER_VERSIONS["opentofu"][-1]

        stamps = (created, updated)
        terraform_variables = {
            "region": _variable("region", tags.get("region", "eu-west-1"), "string", stamps)
        }
        if rng.random() < 0.4:
            count = str(rng.randint(1, 9))
            terraform_variables["instance_count"] = _variable(
                "instance_count", count, "string", stamps
            )
        environment_variables: dict[str, Any] = {}
        if rng.random() < 0.3:
            environment_variables["TF_TOKEN"] = _variable(
                "TF_TOKEN", "account.tf_token", "secret", stamps
            )
        if has_project_secret and rng.random() < 0.2:
            environment_variables["API_KEY"] = _variable("API_KEY", "api_key", "secret", stamps)
        fetch = rng.random()
        cost = env == "prod" or rng.random() < 0.3
        # int64 ids, as Harness sends them (see `stored.int64_id`); the same draws as ever, so the
        # rest of the seed does not move.
        workspace_id = rng.getrandbits(128) >> 65
        provider_connectors = []
        if has_vault and rng.random() < 0.2:
            provider_connectors.append(
                {
                    "id": rng.getrandbits(128) >> 65,
                    "workspace_id": workspace_id,
                    "connector_ref": "account.vault_main",
                    "type": "vault",
                    "created": created,
                    "updated": updated,
                }
            )
        data: dict[str, Any] = {
            "account": account,
            "org": org,
            "project": project,
            "identifier": identifier,
            "name": name,
            "description": f"{component.upper()} stack for {env}" if rng.random() < 0.4 else "",
            "status": _weighted_status(rng),
            "provisioner": provisioner,
            "provisioner_version": version,
            "provisioner_data": "",
            "provider_connector": rng.choice(clouds) if clouds else "",
            "provider_connectors": provider_connectors,
            "repository": rng.choice(REPOS),
            "repository_connector": rng.choice(repos) if repos else "",
            "repository_branch": "main" if fetch < 0.8 else "",
            "repository_commit": f"v1.{rng.randint(0, 9)}.0" if 0.8 <= fetch < 0.9 else "",
            "repository_sha": f"{rng.getrandbits(160):040x}" if fetch >= 0.9 else "",
            "repository_path": f"{component}/{env}",
            "repository_submodules": "false",
            "cost_estimation_enabled": cost,
            "ccm_cost_enabled": False,
            "prune_sensitive_data": rng.random() < 0.2,
            "backend_locked": False,
            "terragrunt_provider": terragrunt,
            "terragrunt_version": (
                rng.choice(PROVISIONER_VERSIONS["terragrunt"]) if terragrunt else ""
            ),
            "run_all": False,
            "terraform_variables": terraform_variables,
            "environment_variables": environment_variables,
            "terraform_variable_files": [],
            "variable_sets": [],
            "default_pipelines": {},
            "tags": tags,
            "created": created,
            "updated": updated,
        }
        if cost and rng.random() < 0.5:
            data["budget"] = float(rng.randrange(100, 5000, 50))
        # The draws stay as they were whether or not the workspace is linked, so the rest of the
        # seed is unchanged.
        if templates and rng.random() < 0.1:
            template = rng.choice(templates)
            # Only a template of the workspace's own project: a bare `template_id` names one
            # there, and nothing documents how an org or account template is named
            # (`State.resolve_template`).
            if template.project and template_provisioners[template.identifier] == provisioner:
                _link(data, template, template_values[template.identifier])
        store.put(data)


def _link(data: dict[str, Any], template: TemplateVersion, locked: dict[str, Any]) -> None:
    """Link the workspace `data` to `template` as a create with `associated_template` would
    leave it: Harness enforces the fields a linked template locks (contract §3.1), so the
    workspace holds the template's values for them, `locked` (`template_locks.locked_values`)."""
    for field, value in locked.items():
        if value is None:
            data.pop(field, None)
        else:
            data[field] = copy.deepcopy(value)
    data["associated_template"] = {
        "template_id": template.identifier,
        "version": template.version_label,
    }
