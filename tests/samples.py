"""Sample data shared by the tests and the benchmark (`bench/` imports it too)."""

import json


def complete_draft(
    identifier: str,
    *,
    description: str = "VPC for payments",
    tags: tuple[tuple[str, str], ...] = (("team", "payments"), ("env", "dev")),
) -> dict:
    """The data of a complete, valid wizard draft for default/infra: every reference in it
    (connector, repository, AWS and Vault connectors, secret) exists in the fake's seed."""
    return {
        "basics": {
            "name": identifier.replace("_", "-"),
            "identifier": identifier,
            "identifier_edited": False,
            "description": description,
            "tags": [{"key": key, "value": value} for key, value in tags],
        },
        "template": {"source": "scratch"},
        "repository": {
            "connector": "account.github_acme",
            "repository": "infra-live",
            "fetch_type": "branch",
            "branch": "main",
            "tag": "",
            "commit": "",
            "path": "vpc/dev",
            "submodules": "false",
        },
        "provisioner": {
            "provisioner": "opentofu",
            "version": "1.10.6",
            "aws": "account.aws_prod",
            "vault": "account.vault_main",
            "cost_estimation_enabled": False,
            "budget": "",
        },
        "variables": {
            "terraform": [{"key": "region", "value": "eu-west-1", "value_type": "string"}],
            "environment": [
                {"key": "TF_TOKEN", "value": "account.tf_token", "value_type": "secret"}
            ],
        },
    }


def formset_rows(prefix: str, *rows: dict) -> dict:
    """Rows as a step form's formset posts them (`<prefix>-<i>-<field>` plus the management
    form), e.g. `formset_rows("tag", {"key": "team", "value": "web"})`."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        for field, value in row.items():
            data[f"{prefix}-{index}-{field}"] = value
    return data


def template_answer(yaml_text: str, *, account: str = "AcmeDemoAcct01") -> str:
    """A v1 template-version answer (as the fake sends it) for default/infra's `k8s_namespace` v1
    whose YAML is `yaml_text`: the body of a fault that serves a hostile template."""
    summary = {
        "account": account,
        "org": "default",
        "project": "infra",
        "identifier": "k8s_namespace",
        "name": "Kubernetes namespace",
        "description": "",
        "tags": {},
        "version_label": "v1",
        "entity_type": "Workspace",
        "child_type": None,
        "scope": "project",
        "version": 1,
        "updated": 0,
        "git_details": None,
        "store_type": "INLINE",
        "connector_ref": None,
        "stable_template": True,
    }
    return json.dumps({"template": {**summary, "yaml": yaml_text, "yaml_version": "1"}})


def yaml_alias_bomb(refs: int = 9, levels: int = 7) -> str:
    """A Workspace template whose one variable is a "billion laughs": `levels` anchors, each a
    list of `refs` aliases to the one before (refs ** levels strings once expanded)."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * refs)}]")
    anchors = "\n".join(f"    {line}" for line in lines)
    return (
        "template:\n  name: Bomb\n  identifier: k8s_namespace\n  versionLabel: v1\n"
        "  type: Workspace\n  spec:\n"
        f"{anchors}\n"
        "    terraform_variables:\n"
        f"      - {{key: bomb, value: *a{levels}, value_type: string}}\n"
    )
