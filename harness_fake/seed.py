"""Deterministic seed data (seed ``demo`` by default).

The accounts, keys, orgs, projects, connectors, secrets and templates are fixed (see
``README.md`` and the interfaces spec); workspaces are generated from ``random.Random(seed)`` with
times relative to the server's start, so every start yields the same data.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from harness_fake import template_locks
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

ACME = "AcmeDemoAcct01"
OTHER = "OtherAcct02"

KEYS = (
    ("pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.dEmOfUlLaCcEsS00000001", ACME, "full"),
    # A second person's full-access key (the demo's approver): the log tells the two apart.
    ("pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7ec.dEmOaPpRoVeR0000000006", ACME, "full"),
    ("pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e9.dEmOrEaDoNlY00000002", ACME, "read"),
    ("pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7ea.dEmOoRgPlAtFoRm0000003", ACME, "org:platform"),
    # A key whose role is bound to one project: no account view rights (403 on the account).
    (
        "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7eb.dEmOpRoJeCtOnLy00000005",
        ACME,
        "project:default/sandbox",
    ),
    ("pat.OtherAcct02.75b2a1d0e1f2a3b4c5d6e7f8.oThErAcCoUnT000000004", OTHER, "full"),
)

# (account, org, org name, [(project, project name, workspace count)])
ORGS = (
    (
        ACME,
        "default",
        "Default",
        [("infra", "Infrastructure", 1800), ("sandbox", "Sandbox", 12), ("empty", "Empty", 0)],
    ),
    (ACME, "platform", "Platform", [("networking", "Networking", 40), ("data", "Data", 25)]),
    (ACME, "payments", "Payments", [("core", "Payments core", 60)]),
    (OTHER, "default", "Default", [("misc", "Misc", 5)]),
)

# (account, org, project, identifier, type)
CONNECTORS = (
    *(
        (ACME, None, None, ident, kind)
        for ident, kind in (
            ("aws_prod", "Aws"),
            ("aws_dev", "Aws"),
            ("gcp_main", "Gcp"),
            ("azure_main", "Azure"),
            ("vault_main", "Vault"),
            ("github_acme", "Github"),
            ("gitlab_acme", "Gitlab"),
            ("bitbucket_acme", "Bitbucket"),
            ("git_internal", "Git"),
            ("k8s_shared", "K8sCluster"),
            ("dockerhub", "DockerRegistry"),
        )
    ),
    *((ACME, None, None, f"aws_team_{n:02d}", "Aws") for n in range(1, 21)),
    (ACME, "default", None, "aws_sandbox", "Aws"),
    (ACME, "default", None, "gcp_default", "Gcp"),
    (ACME, "default", None, "github_default", "Github"),
    (ACME, "platform", None, "aws_network", "Aws"),
    (ACME, "platform", None, "azure_platform", "Azure"),
    (ACME, "platform", None, "vault_platform", "Vault"),
    (ACME, "platform", None, "gitlab_platform", "Gitlab"),
    (ACME, "payments", None, "aws_payments", "Aws"),
    (ACME, "payments", None, "github_payments", "Github"),
    *(
        (ACME, "default", "infra", ident, kind)
        for ident, kind in (
            ("aws_infra", "Aws"),
            ("gcp_infra", "Gcp"),
            ("azure_infra", "Azure"),
            ("vault_infra", "Vault"),
            ("github_infra", "Github"),
            ("gitlab_infra", "Gitlab"),
            ("bitbucket_infra", "Bitbucket"),
            ("git_infra", "Git"),
            ("k8s_infra", "K8sCluster"),
        )
    ),
    (ACME, "default", "sandbox", "aws_sbx", "Aws"),
    (ACME, "default", "sandbox", "git_sbx", "Git"),
    (ACME, "platform", "networking", "aws_net", "Aws"),
    (OTHER, None, None, "aws_main", "Aws"),
    (OTHER, None, None, "github_main", "Github"),
)

# (account, org, project, identifier, name, type)
SECRETS = (
    (ACME, None, None, "tf_token", "TF token", "SecretText"),
    (ACME, None, None, "github_pat", "GitHub PAT", "SecretText"),
    (ACME, None, None, "aws_secret_key", "AWS secret key", "SecretText"),
    (ACME, None, None, "gcp_sa_key", "GCP service account key", "SecretText"),
    (ACME, None, None, "ssh_deploy_key", "SSH deploy key", "SecretFile"),
    (ACME, "default", None, "db_password", "DB password", "SecretText"),
    (ACME, "platform", None, "net_token", "Network token", "SecretText"),
    (ACME, "payments", None, "pay_token", "Payments token", "SecretText"),
    (ACME, "default", "infra", "api_key", "API key", "SecretText"),
    (ACME, "default", "infra", "infra_db_pass", "Infra DB password", "SecretText"),
    (ACME, "default", "sandbox", "sbx_key", "Sandbox key", "SecretText"),
    (OTHER, None, None, "tf_token", "TF token", "SecretText"),
)

PROVISIONER_VERSIONS: dict[str, list[str]] = {
    "terraform": [
        "1.0.11",
        "1.1.9",
        "1.2.9",
        "1.3.0",
        "1.3.9",
        "1.3.10",
        "1.4.0",
        "1.4.6",
        "1.4.7",
        "1.5.0",
        "1.5.1",
        "1.5.2",
        "1.5.3",
        "1.5.4",
        "1.5.5",
        "1.5.6",
        "1.5.7",
    ],
    "opentofu": [
        "1.6.0",
        "1.6.1",
        "1.6.2",
        "1.6.3",
        "1.7.0",
        "1.7.3",
        "1.7.8",
        "1.8.0",
        "1.8.1",
        "1.8.5",
        "1.8.8",
        "1.9.0",
        "1.9.1",
        "1.10.0",
        "1.10.3",
        "1.10.5",
        "1.10.6",
    ],
    "terragrunt": [
        "0.55.21",
        "0.58.14",
        "0.62.3",
        "0.66.9",
        "0.67.16",
        "0.69.13",
        "0.72.6",
        "0.77.22",
        "0.80.4",
    ],
    "awscdk": ["2.150.0", "2.160.0", "2.170.0", "2.180.0", "2.190.0", "2.200.1"],
}

COMPONENTS = (
    "vpc",
    "eks",
    "rds",
    "s3",
    "iam",
    "dns",
    "cdn",
    "redis",
    "kafka",
    "lambda",
    "ecs",
    "sqs",
    "waf",
    "bastion",
    "backup",
)
ENVS = ("dev", "staging", "qa", "prod")
STATUSES = (
    ("active", 52),
    ("inactive", 15),
    ("drifted", 8),
    ("apply_needed", 6),
    ("failed", 6),
    ("provisioning", 4),
    ("destroying", 3),
    ("unknown", 3),
    ("rollback_applied", 3),
)
TEAMS = ("platform", "payments", "data", "web", "security")
REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2")
COST_CENTERS = ("cc-100", "cc-200", "cc-300")
REPOS = ("infra-live", "terraform-modules", "platform-infra", "network-stack")


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


def connector_spec(kind: str, ident: str) -> dict[str, Any]:
    """A realistic NG connector ``spec`` for ``kind`` (GO ``model_*_connector.go`` keys)."""
    git_auth = {
        "type": "Http",
        "spec": {
            "type": "UsernameToken",
            "spec": {"username": "acme-bot", "usernameRef": None, "tokenRef": "account.github_pat"},
        },
    }
    api_access = {"type": "Token", "spec": {"tokenRef": "account.github_pat"}}
    if kind == "Aws":
        return {
            "credential": {
                "type": "ManualConfig",
                "spec": {
                    "accessKey": "AKIAFAKE" + ident.upper()[:8],
                    "accessKeyRef": None,
                    "secretKeyRef": "account.aws_secret_key",
                },
                "crossAccountAccess": None,
                "region": "us-east-1",
            },
            "delegateSelectors": [],
            "executeOnDelegate": False,
            "proxy": False,
        }
    if kind == "Gcp":
        return {
            "credential": {"type": "ManualConfig", "spec": {"secretKeyRef": "account.gcp_sa_key"}},
            "delegateSelectors": [],
            "executeOnDelegate": False,
        }
    if kind == "Azure":
        return {
            "credential": {
                "type": "ManualConfig",
                "spec": {
                    "applicationId": "00000000-0000-4000-8000-00000000a2e1",
                    "tenantId": "00000000-0000-4000-8000-0000000071e0",
                    "auth": {"type": "Secret", "spec": {"secretRef": "account.tf_token"}},
                },
            },
            "azureEnvironmentType": "AZURE",
            "delegateSelectors": [],
            "executeOnDelegate": False,
        }
    if kind == "Vault":
        return {
            "vaultUrl": "https://vault.acme.example",
            "basePath": "/harness",
            "accessType": "APP_ROLE",
            "secretEngineName": "secret",
            "secretEngineVersion": 2,
            "renewalIntervalMinutes": 10,
            "readOnly": False,
            "default": False,
            "delegateSelectors": [],
        }
    if kind in ("Github", "Gitlab", "Bitbucket"):
        host = {"Github": "github.com", "Gitlab": "gitlab.com", "Bitbucket": "bitbucket.org"}[kind]
        spec: dict[str, Any] = {
            "url": f"https://{host}/acme",
            "validationRepo": "infra-live",
            "authentication": git_auth,
            "apiAccess": api_access,
            "delegateSelectors": [],
            "type": "Account",
        }
        if kind != "Bitbucket":
            spec["executeOnDelegate"] = False
        if kind == "Gitlab":
            spec["proxy"] = False
        return spec
    if kind == "Git":
        return {
            "url": "https://git.acme.example/infra",
            "validationRepo": "infra-live",
            "branchName": None,
            "delegateSelectors": [],
            "executeOnDelegate": False,
            "type": "Http",
            "connectionType": "Account",
            "spec": {"username": "git", "usernameRef": None, "passwordRef": "account.github_pat"},
        }
    if kind == "K8sCluster":
        return {
            "credential": {"type": "InheritFromDelegate", "spec": None},
            "delegateSelectors": ["k8s-delegate"],
        }
    return {
        "dockerRegistryUrl": "https://index.docker.io/v2/",
        "providerType": "DockerHub",
        "auth": {"type": "Anonymous"},
        "delegateSelectors": [],
    }


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


def _template_yaml(
    ident: str, name: str, version: str, org: str | None, project: str | None, spec: str
) -> str:
    scope_lines = ""
    if project:
        scope_lines += f"  projectIdentifier: {project}\n"
    if org:
        scope_lines += f"  orgIdentifier: {org}\n"
    return (
        "template:\n"
        f"  name: {name}\n"
        f"  identifier: {ident}\n"
        f"  versionLabel: {version}\n"
        "  type: Workspace\n"
        f"{scope_lines}"
        "  tags: {}\n"
        "  spec:\n"
        f"{spec}"
    )


def _workspace_spec(provisioner: str, version: str, connector: str, repo: str, cost: bool) -> str:
    """A Workspace template's `spec` (contract §3.1) with the keys of the only public one (the
    Terraform provider's `resource_workspace_associated_template_test.go`) and no other:
    `provider` is the git-provider card of Harness's UI, not a connector; the repository block
    has no `path` and the variable lists are empty (contract §3.1: no path key is documented,
    and the entry shapes of the variable lists are UNCONFIRMED). No provider connector is
    written: its YAML key is not documented; the locked provisioner block locks the workspace's
    additional provider connectors, not its main one (`template_locks.BLOCK_FIELDS`)."""
    return (
        "    provider:\n"
        "      type: others\n"
        "      title: thirdPartyGitProvider\n"
        "      info: thirdPartyGitProviderInfo\n"
        "      icon: service-github\n"
        "      size: 20\n"
        "      disabled: false\n"
        "    provisioner:\n"
        f"      type: {provisioner}\n"
        f"      version: {version}\n"
        "      locked: true\n"
        "    repository:\n"
        "      isHarnessCode: false\n"
        f"      connector: {connector}\n"
        f"      name: {repo}\n"
        "      branch: main\n"
        "      gitFetchType: branch\n"
        "      locked: true\n"
        "    cost_estimation:\n"
        f"      enabled: {'true' if cost else 'false'}\n"
        "      locked: false\n"
        "    default_pipelines:\n"
        '      plan: ""\n'
        '      apply: ""\n'
        '      destroy: ""\n'
        '      drift: ""\n'
        "      locked: true\n"
        "    tags: []\n"
        '    description: ""\n'
        "    variables: []\n"
        "    terraform_variables: []\n"
        "    terraform_variable_files: []\n"
    )


def _seed_templates(state: State) -> None:
    start = state.start_ms
    # (org, project, identifier, name, version, stable, entity_type, spec args or None)
    rows: list[tuple[str | None, str | None, str, str, str, bool, str, tuple | None]] = [
        (
            None,
            None,
            "aws_service",
            "AWS service",
            "v1",
            False,
            "Workspace",
            (
                "opentofu",
                "1.8.1",
                "account.github_acme",
                "infra-modules",
                False,
            ),
        ),
        (
            None,
            None,
            "aws_service",
            "AWS service",
            "v2",
            True,
            "Workspace",
            (
                "opentofu",
                "1.10.6",
                "account.github_acme",
                "infra-modules",
                True,
            ),
        ),
        (
            "default",
            None,
            "gcp_bucket",
            "GCP bucket",
            "v1",
            True,
            "Workspace",
            (
                "terraform",
                "1.5.7",
                "org.github_default",
                "terraform-modules",
                False,
            ),
        ),
        (
            "default",
            "infra",
            "k8s_namespace",
            "Kubernetes namespace",
            "v1",
            True,
            "Workspace",
            (
                "opentofu",
                "1.9.1",
                "github_infra",
                "infra-live",
                False,
            ),
        ),
        (None, None, "deploy_pipeline", "Deploy pipeline", "v1", True, "Pipeline", None),
        # A newer, not yet stable version of the project's template (GitLab, cost estimation
        # on): a second version a workspace of default/infra can link (only project templates
        # are linked, `State.resolve_template`). Last, so the rows above keep their times.
        (
            "default",
            "infra",
            "k8s_namespace",
            "Kubernetes namespace",
            "v2",
            False,
            "Workspace",
            (
                "opentofu",
                "1.10.6",
                "gitlab_infra",
                "infra-live",
                True,
            ),
        ),
        # A third version (`versionLabel`, contract §3.1) labelled as Harness allows a label: a
        # letter or digit, then up to 63 characters that are not spaces (harness-core
        # NGRegexValidatorConstants.VERSION_LABEL_PATTERN `^[0-9a-zA-Z][^\s]{0,63}$`; Harness's
        # UI, regexVersionLabel), here a "+", which a path carries only percent-encoded.
        (
            "default",
            "infra",
            "k8s_namespace",
            "Kubernetes namespace",
            "1.0+rc1",
            False,
            "Workspace",
            (
                "opentofu",
                "1.10.6",
                "github_infra",
                "infra-live",
                False,
            ),
        ),
    ]
    for index, (org, project, ident, name, version, stable, entity, args) in enumerate(rows):
        if args is None:
            yaml = (
                "template:\n"
                f"  name: {name}\n  identifier: {ident}\n  versionLabel: {version}\n"
                "  type: Pipeline\n  tags: {}\n  spec:\n    stages: []\n"
            )
        else:
            yaml = _template_yaml(ident, name, version, org, project, _workspace_spec(*args))
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
                    else sum(row[2] == ident for row in rows[:index]) + 1
                ),
                created=start - (120 - index * 10) * DAY_MS,
                updated=start - (40 - index * 5) * DAY_MS,
                yaml=yaml,
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
