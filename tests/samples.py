"""Sample data shared by the tests and the benchmark (`bench/` imports it too)."""


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
