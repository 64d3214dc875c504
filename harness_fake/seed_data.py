"""The fake's fixed seed data: accounts, API keys, orgs and projects (contract §8), connectors
with their ``spec`` (§6), secrets (§7), provisioner versions (§2.5), and the tables workspaces
are drawn from.

``seed.py`` builds the state from these; the template versions are in ``seed_templates.py``.
"""

from __future__ import annotations

from typing import Any

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
