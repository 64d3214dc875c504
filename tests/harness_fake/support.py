"""Seeded keys and a tiny HTTP helper for the fake's own tests (plain ``requests``)."""

from __future__ import annotations

import copy
from typing import Any

import requests

ACCOUNT = "AcmeDemoAcct01"
FULL = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.dEmOfUlLaCcEsS00000001"
READ = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e9.dEmOrEaDoNlY00000002"
ORG_ONLY = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7ea.dEmOoRgPlAtFoRm0000003"
PROJECT_ONLY = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7eb.dEmOpRoJeCtOnLy00000005"
OTHER_ACCOUNT = "OtherAcct02"
OTHER = "pat.OtherAcct02.75b2a1d0e1f2a3b4c5d6e7f8.oThErAcCoUnT000000004"

WS = "/orgs/default/projects/infra/workspaces"


class Api:
    """Calls the fake the way a Harness client would, one helper per API family."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def iacm(
        self,
        method: str,
        path: str,
        *,
        key: str | None = FULL,
        account: str | None = ACCOUNT,
        prefix: str = "/iacm/api",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        headers = dict(headers or {})
        if key:
            headers["x-api-key"] = key
        if account:
            headers["Harness-Account"] = account
        return self.session.request(
            method, self.base_url + prefix + path, headers=headers, timeout=10, **kwargs
        )

    def ng(
        self,
        method: str,
        path: str,
        *,
        key: str | None = FULL,
        account: str | None = ACCOUNT,
        params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        query = {"accountIdentifier": account} if account else {}
        query.update(params or {})
        headers = {"x-api-key": key} if key else {}
        return self.session.request(
            method, self.base_url + path, params=query, headers=headers, timeout=10, **kwargs
        )

    def v1(
        self, path: str, *, key: str | None = FULL, params: dict[str, Any] | None = None
    ) -> requests.Response:
        headers = {"x-api-key": key} if key else {}
        return self.session.get(self.base_url + path, params=params, headers=headers, timeout=10)


def workspace_body(identifier: str = "new_ws", **overrides: Any) -> dict[str, Any]:
    """A valid create body referencing account-, org- and project-scope entities."""
    body: dict[str, Any] = {
        "identifier": identifier,
        "name": identifier.replace("_", "-"),
        "description": "made by a test",
        "provisioner": "opentofu",
        "provisioner_version": "1.8.1",
        "provider_connector": "account.aws_prod",
        "provider_connectors": [{"connector_ref": "vault_infra", "type": "vault"}],
        "repository": "infra-live",
        "repository_connector": "org.github_default",
        "repository_branch": "main",
        "repository_path": "envs/test",
        "repository_submodules": "false",
        "terraform_variables": {
            "region": {"key": "region", "value": "eu-west-1", "value_type": "string"}
        },
        "environment_variables": {
            "TF_TOKEN": {"key": "TF_TOKEN", "value": "account.tf_token", "value_type": "secret"},
            "DB_PASS": {"key": "DB_PASS", "value": "org.db_password", "value_type": "secret"},
            "API_KEY": {"key": "API_KEY", "value": "api_key", "value_type": "secret"},
        },
        "tags": {"team": "platform", "env": "dev"},
        "cost_estimation_enabled": False,
    }
    body.update(overrides)
    return body


def store_variable(fake: Any, identifier: str, key: str, value: str = "t3.small") -> None:
    """Put the Terraform variable `key` straight into the stored workspace `identifier` of
    default/infra, past the fake's checks: one created by Terraform or the API with a key the
    request schema takes (`-`, contract §2.4) and the fake refuses on a create."""
    store = fake.server.app.state.workspaces[(ACCOUNT, "default", "infra")]
    data = copy.deepcopy(store.by_id[identifier].data)
    stamp = {"created": data["created"], "updated": data["created"]}
    data["terraform_variables"][key] = {"key": key, "value": value, "value_type": "string"} | stamp
    store.put(data)
