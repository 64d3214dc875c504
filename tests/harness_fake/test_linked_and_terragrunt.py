"""Creates Harness refuses: fields a linked template locks, and `provisioner: "terragrunt"`."""

from __future__ import annotations

from typing import Any

import pytest

from harness_fake import template_locks
from harness_fake.testing import FakeHandle
from tests.harness_fake.support import ACCOUNT, WS, Api, workspace_body

# aws_service v1 locks its provisioner (opentofu 1.8.1), provider connector and repository
# blocks; cost estimation is not locked (seed.py, `_workspace_spec`).
LINK = {"template_id": "aws_service", "version": "v1"}


def linked_body(**overrides: Any) -> dict[str, Any]:
    """A create body linked to aws_service v1 that leaves out every field the version locks."""
    body = workspace_body(associated_template=dict(LINK), provider_connector="")
    for field in [k for k in body if k.startswith("repository")]:
        del body[field]
    del body["provisioner_version"]
    del body["provider_connectors"]
    body.update(overrides)
    return body


def _goa_400(response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/vnd.goa.error"
    error = response.json()
    assert set(error) == {"name", "id", "message", "temporary", "timeout", "fault"}
    return error


def test_a_linked_create_without_locked_fields_inherits_them(api: Api) -> None:
    response = api.iacm("POST", WS, json=linked_body(cost_estimation_enabled=True))

    assert response.status_code == 200, response.text
    ws = api.iacm("GET", f"{WS}/new_ws").json()
    assert ws["associated_template"] == LINK
    assert (ws["provisioner"], ws["provisioner_version"]) == ("opentofu", "1.8.1")
    assert ws["repository"] == "infra-modules"
    assert ws["repository_connector"] == "account.github_acme"
    assert (ws["repository_branch"], ws["repository_path"]) == ("main", "aws/service")
    assert ws["provider_connector"] == "account.aws_prod"
    assert [(c["connector_ref"], c["type"]) for c in ws["provider_connectors"]] == [
        ("account.aws_prod", "aws")
    ]
    assert ws["cost_estimation_enabled"] is True  # not locked: the body's own value


@pytest.mark.parametrize(
    ("locked", "value"),
    [
        ("provisioner_version", "1.8.1"),
        ("repository", "infra-modules"),
        ("repository_connector", "account.github_acme"),
        ("repository_branch", "main"),
        ("repository_path", "aws/service"),
        ("repository_submodules", "false"),
        ("provider_connector", "account.aws_prod"),
        ("provider_connectors", [{"connector_ref": "account.aws_prod", "type": "aws"}]),
        ("provisioner", "terraform"),
    ],
)
def test_a_linked_create_that_sets_a_locked_field_is_refused(
    api: Api, locked: str, value: Any
) -> None:
    response = api.iacm("POST", WS, json=linked_body(**{locked: value}))

    error = _goa_400(response)
    assert error["name"] == "bad_request"
    assert "Attempted to update locked fields" in error["message"]
    assert locked in error["message"]
    assert api.iacm("GET", f"{WS}/new_ws").status_code == 404


def test_the_template_scope_is_found_for_a_bare_identifier(api: Api) -> None:
    body = linked_body(associated_template={"template_id": "gcp_bucket", "version": "v1"})

    response = api.iacm("POST", WS, json={**body, "provisioner": "terraform"})

    assert response.status_code == 200, response.text
    assert api.iacm("GET", f"{WS}/new_ws").json()["provisioner_version"] == "1.5.7"


def test_an_update_of_a_linked_workspace_that_sets_a_locked_field_is_refused(api: Api) -> None:
    api.iacm("POST", WS, json=linked_body())
    update = {k: v for k, v in linked_body().items() if k != "identifier"}

    allowed = api.iacm("PUT", f"{WS}/new_ws", json={**update, "name": "renamed"})
    refused = api.iacm("PUT", f"{WS}/new_ws", json={**update, "repository": "other"})

    assert allowed.status_code == 200, allowed.text
    assert "Attempted to update locked fields: repository" in _goa_400(refused)["message"]
    assert api.iacm("GET", f"{WS}/new_ws").json()["repository"] == "infra-modules"


def test_provisioner_terragrunt_is_refused(api: Api) -> None:
    body = workspace_body(
        provisioner="terragrunt",
        provisioner_version="0.80.4",
        terragrunt_provider=True,
        terragrunt_version="0.80.4",
    )

    error = _goa_400(api.iacm("POST", WS, json=body))

    assert error["name"] == "invalid_enum_value"
    assert 'body.provisioner must be one of "terraform", "opentofu", "awscdk"' in error["message"]


def test_terragrunt_runs_a_terraform_or_opentofu_workspace(api: Api) -> None:
    body = workspace_body(
        provisioner="terraform",
        provisioner_version="1.5.6",
        terragrunt_provider=True,
        terragrunt_version="0.80.4",
        run_all=True,
    )

    response = api.iacm("POST", WS, json=body)

    assert response.status_code == 200, response.text
    ws = api.iacm("GET", f"{WS}/new_ws").json()
    assert (ws["provisioner"], ws["provisioner_version"]) == ("terraform", "1.5.6")
    assert (ws["terragrunt_provider"], ws["terragrunt_version"], ws["run_all"]) == (
        True,
        "0.80.4",
        True,
    )


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            {"provisioner": "awscdk", "provisioner_version": "latest", "terragrunt_provider": True},
            "body.terragrunt_provider needs provisioner terraform or opentofu",
        ),
        ({"terragrunt_provider": True}, "body.terragrunt_version is required"),
        ({"run_all": True}, "body.run_all runs all Terragrunt modules"),
        (
            {"terragrunt_provider": True, "terragrunt_version": "1.5.6"},
            'body.terragrunt_version "1.5.6" is not a supported terragrunt version',
        ),
    ],
)
def test_doubtful_terragrunt_bodies_are_refused(api: Api, change: dict, fragment: str) -> None:
    error = _goa_400(api.iacm("POST", WS, json=workspace_body(**change)))

    assert error["name"] == "bad_request"
    assert fragment in error["message"]


def test_a_linked_update_that_leaves_locked_fields_out_keeps_the_template_values(
    api: Api,
) -> None:
    api.iacm("POST", WS, json=linked_body())
    update = {k: v for k, v in linked_body().items() if k != "identifier"}
    update["associated_template"] = {"template_id": "gcp_bucket", "version": "v1"}

    response = api.iacm("PUT", f"{WS}/new_ws", json={**update, "description": "changed"})

    ws = api.iacm("GET", f"{WS}/new_ws").json()
    assert response.status_code == 200, response.text
    assert ws["description"] == "changed"
    assert ws["associated_template"] == LINK  # the link changes only through §3.3
    assert (ws["provisioner_version"], ws["repository"]) == ("1.8.1", "infra-modules")
    assert ws["provider_connector"] == "account.aws_prod"


def test_seeded_linked_workspaces_hold_their_templates_locked_values(
    api: Api, fake: FakeHandle
) -> None:
    """As a workspace linked through the API would: Harness enforces the fields its template
    version locks (contract §3.1), so the seed copies them when it links a workspace."""
    store = fake.server.app.state.workspaces[(ACCOUNT, "default", "infra")]
    linked = [i for i, r in store.by_id.items() if r.data.get("associated_template")]
    broken = []

    for identifier in linked:
        ws = api.iacm("GET", f"{WS}/{identifier}").json()
        link = ws["associated_template"]
        for path in (
            "/v1/orgs/default/projects/infra/templates",
            "/v1/orgs/default/templates",
            "/v1/templates",
        ):
            got = api.v1(f"{path}/{link['template_id']}/versions/{link['version']}")
            if got.status_code == 200:
                break
        spec = template_locks.read_spec(got.json()["template"]["yaml"])
        provisioner, repository = spec["provisioner"], spec["repository"]
        held = (ws["provisioner"], ws["provisioner_version"], ws["repository"])
        locked = (provisioner["type"], provisioner["version"], repository["name"])
        if provisioner.get("locked") == "true" and held != locked:
            broken.append((identifier, held, locked))

    assert linked
    assert broken == [], f"{len(broken)} of {len(linked)} linked workspaces, e.g. {broken[:3]}"
