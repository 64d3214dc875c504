"""IaCM writes: create/update/delete, Goa-style validation, conflicts and the policy rule."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from harness_fake.state import Connector
from tests.harness_fake.support import ACCOUNT, WS, Api, store_variable, workspace_body

PROJECT = "/orgs/default/projects/infra"


def _create(api: Api, body: dict[str, Any]):
    return api.iacm("POST", WS, json=body)


def _goa(response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/vnd.goa.error"
    return response.json()


def test_create_returns_200_with_an_empty_object(api: Api) -> None:
    response = _create(api, workspace_body("fresh_ws"))

    assert response.status_code == 200
    assert response.json() == {}


def test_created_workspace_is_inactive_and_visible(api: Api) -> None:
    _create(api, workspace_body("fresh_ws", tags={"env": "dev", "team": "web"}))

    ws = api.iacm("GET", f"{WS}/fresh_ws").json()
    listed = api.iacm("GET", WS, params={"searchTerm": "fresh-ws"})

    assert ws["status"] == "inactive"
    assert ws["name"] == "fresh-ws"
    assert ws["provisioner_version"] == "1.8.1"
    assert ws["provider_connectors"][0]["connector_ref"] == "vault_infra"
    assert ws["provider_connectors"][0]["id"]
    assert ws["tags"] == {"env": "dev", "team": "web"}
    assert ws["created"] == ws["updated"] > 10**12
    secret = ws["environment_variables"]["TF_TOKEN"]
    assert secret == {
        "key": "TF_TOKEN",
        "value": "account.tf_token",
        "value_type": "secret",
        "created": ws["created"],
        "updated": ws["created"],
    }
    assert listed.headers["x-total-items"] == "1"
    assert listed.json()[0]["identifier"] == "fresh_ws"
    assert api.iacm("GET", WS).headers["x-total-items"] == "1801"
    assert "team:web" in api.iacm("GET", f"{PROJECT}/tags").json()


def test_provider_connector_ids_are_int64_as_harness_sends_them(api: Api) -> None:
    # The API reference's WorkspaceProviderConnector example: "id":5383730240656092000,
    # "workspace_id":1025464643727282800 (int64s, as the Go SDK's VariableSetConnector).
    assert _create(api, workspace_body("ids_ws")).status_code == 200

    connector = api.iacm("GET", f"{WS}/ids_ws").json()["provider_connectors"][0]

    assert isinstance(connector["id"], int), connector
    assert isinstance(connector.get("workspace_id", 0), int), connector
    assert 0 <= connector["id"] < 2**63 and 0 <= connector["workspace_id"] < 2**63


def test_new_workspace_moves_to_the_end_of_updated_asc(api: Api) -> None:
    _create(api, workspace_body("fresh_ws"))

    newest = api.iacm("GET", WS, params={"sort": "updated,DESC", "limit": 1}).json()

    assert newest[0]["identifier"] == "fresh_ws"


def test_duplicate_identifier_is_409(api: Api) -> None:
    existing = api.iacm("GET", WS).json()[0]["identifier"]

    response = _create(api, workspace_body(existing))

    body = _goa(response)
    assert response.status_code == 409
    assert body["name"] == "conflict"
    assert existing in body["message"]


def test_missing_required_fields_are_reported_together(api: Api) -> None:
    body = workspace_body()
    del body["name"]
    del body["terraform_variables"]

    response = _create(api, body)

    error = _goa(response)
    assert response.status_code == 400
    assert error["name"] == "missing_field"
    assert '"name" is missing from body' in error["message"]
    assert '"terraform_variables" is missing from body' in error["message"]


@pytest.mark.parametrize(
    ("change", "name", "fragment"),
    [
        (
            {"identifier": "1starts_with_digit"},
            "invalid_pattern",
            'body.identifier must match the regexp "^[A-Za-z_][A-Za-z0-9_-]*$" but got value '
            '"1starts_with_digit"',
        ),
        ({"identifier": "has space"}, "invalid_pattern", "body.identifier must match"),
        (
            {"identifier": ""},
            "invalid_length",
            "length of body.identifier must be greater or equal than 1",
        ),
        (
            {"name": "n" * 129},
            "invalid_length",
            "length of body.name must be lesser or equal than 128",
        ),
        ({"name": 5}, "invalid_field_type", 'invalid value 5 for "body.name", must be a string'),
        (
            {"provisioner": "pulumi"},
            "invalid_enum_value",
            'value of body.provisioner must be one of "terraform", "opentofu", "awscdk"',
        ),
        (
            {"repository_submodules": "yes"},
            "invalid_enum_value",
            'value of body.repository_submodules must be one of "false", "true", "recursive"',
        ),
        ({"cost_estimation_enabled": "yes"}, "invalid_field_type", "body.cost_estimation_enabled"),
        (
            {
                "terraform_variables": {
                    "bad key": {"key": "bad key", "value": "x", "value_type": "string"}
                }
            },
            "invalid_pattern",
            # Goa validates a named nested type (IaCMVariable) with its own function, in the
            # context "body": the path names the field, not the variable.
            'body.key must match the regexp "^[A-Za-z_][A-Za-z0-9_]*$" but got value "bad key"',
        ),
        # Contract §2.4: the request pattern takes "-", the show response's does not, so a key
        # with "-" could not come back out: refused (the doubtful side).
        (
            {
                "terraform_variables": {
                    "my-var": {"key": "my-var", "value": "x", "value_type": "string"}
                }
            },
            "invalid_pattern",
            'body.key must match the regexp "^[A-Za-z_][A-Za-z0-9_]*$" but got value "my-var"',
        ),
        (
            {
                "environment_variables": {
                    "TF-LOG": {"key": "TF-LOG", "value": "x", "value_type": "string"}
                }
            },
            "invalid_pattern",
            'body.key must match the regexp "^[A-Za-z_][A-Za-z0-9_]*$" but got value "TF-LOG"',
        ),
        (
            {
                "terraform_variables": {
                    "region": {"key": "region", "value": "x", "value_type": "number"}
                }
            },
            "invalid_enum_value",
            'value of body.value_type must be one of "string", "secret" but got value "number"',
        ),
        (
            {"terraform_variables": {"region": {"key": "region", "value_type": "string"}}},
            "missing_field",
            '"value" is missing from body',
        ),
        (
            {"provider_connectors": [{"connector_ref": "account.aws_prod", "type": "oci"}]},
            "invalid_enum_value",
            'value of body.type must be one of "aws", "azure", "gcp", "vault" but got value "oci"',
        ),
        (
            {"provider_connectors": [{"type": "aws"}]},
            "missing_field",
            '"connector_ref" is missing from body',
        ),
        # Declared a string (AE-WS, Go SDK); only the MCP server's note says string[] (§2.1).
        (
            {"sparse_checkout": ["modules/"]},
            "invalid_field_type",
            'invalid value ["modules/"] for "body.sparse_checkout", must be a string',
        ),
        # A float32 (Go SDK `Budget float32`): a number beyond its range does not decode.
        (
            {"budget": 1e39},
            "invalid_field_type",
            'invalid value 1e+39 for "body.budget", must be a float',
        ),
        # A string (AE-WS) or an object of strings (Go SDK, MCP), never another JSON type.
        (
            {"provisioner_configuration": 5},
            "invalid_field_type",
            'invalid value 5 for "body.provisioner_configuration", must be a string',
        ),
        (
            {"provisioner_configuration": {"language": "python", "language_version": 3.12}},
            "invalid_field_type",
            'invalid value 3.12 for "body.provisioner_configuration[\\"language_version\\"]"',
        ),
    ],
)
def test_shape_errors(api: Api, change: dict, name: str, fragment: str) -> None:
    response = _create(
        api,
        workspace_body(**change) if "identifier" not in change else {**workspace_body(), **change},
    )

    error = _goa(response)
    assert response.status_code == 400
    assert error["name"] == name
    assert fragment in error["message"]
    assert api.iacm("GET", WS).headers["x-total-items"] == "1800"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "terraform_variables": {
                    "region": {"key": "region", "value": "x", "value_type": "number"}
                }
            },
            'value of body.value_type must be one of "string", "secret" but got value "number"',
        ),
        (
            {"terraform_variables": {"region": {"key": "region", "value_type": "string"}}},
            '"value" is missing from body',
        ),
        (
            {"provider_connectors": [{"connector_ref": "account.aws_prod", "type": "oci"}]},
            'value of body.type must be one of "aws", "azure", "gcp", "vault" but got value "oci"',
        ),
        (
            {"terraform_variable_files": [{"repository_branch": "main"}]},
            '"repository" is missing from body',
        ),
        (
            {"associated_template": {"template_id": "k8s_namespace"}},
            '"version" is missing from body',
        ),
    ],
    ids=[
        "variable-value_type",
        "variable-value-missing",
        "connector-type",
        "varfile-repo",
        "template-version",
    ],
)
def test_nested_type_errors_read_as_goa_writes_them(api: Api, overrides, message) -> None:
    """Goa validates IaCMVariable, WorkspaceProviderConnector, WorkspaceTerraformVariableFiles
    and AssociatedTemplate each with its own function, in the context "body" (goadesign/goa
    `codegen/validation.go` userValTmpl; `http/codegen/server_types_test.go`
    `ValidateBPayloadRequestBody` writes `MissingFieldError("int", "body")`), and an enum
    error starts `value of` (`pkg/error.go` InvalidEnumValueError)."""
    response = api.iacm("POST", WS, json=workspace_body("goa_ctx", **overrides))

    assert response.status_code == 400
    assert response.json()["message"] == message


@pytest.mark.parametrize(
    "change",
    [
        {"identifier": "trailing_newline\n"},
        {
            "terraform_variables": {
                "region\n": {"key": "region\n", "value": "x", "value_type": "string"}
            }
        },
    ],
    ids=["identifier", "variable key"],
)
def test_a_final_newline_does_not_pass_a_goa_pattern(api: Api, change: dict) -> None:
    """Go's `$` (no `m` flag) is the end of the text; Python's `$` also matches before a final
    newline, so the fake took `"trailing_newline\n"` where Goa's `MatchString` refuses it."""
    response = _create(api, {**workspace_body("nl_ws"), **change})

    assert response.status_code == 400, response.text
    assert _goa(response)["name"] == "invalid_pattern"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            {
                "terraform_variables": {
                    "region": {"key": "zone", "value": "a", "value_type": "string"}
                }
            },
            'body.terraform_variables["region"].key must equal its map key "region"',
        ),
        (
            {
                "environment_variables": {
                    "T": {"key": "T", "value": "account.nope", "value_type": "secret"}
                }
            },
            'body.environment_variables["T"].value references secret "account.nope"',
        ),
        (
            {
                "environment_variables": {
                    "T": {"key": "T", "value": "org.tf_token", "value_type": "secret"}
                }
            },
            'references secret "org.tf_token"',
        ),
        (
            {
                "environment_variables": {
                    "T": {"key": "T", "value": "net_token", "value_type": "secret"}
                }
            },
            'references secret "net_token"',
        ),
        (
            {"provider_connector": "account.nope"},
            'body.provider_connector references connector "account.nope" which does not exist',
        ),
        (
            {"provider_connector": "org.aws_network"},
            'body.provider_connector references connector "org.aws_network"',
        ),
        (
            {"provider_connector": "account.github_acme"},
            "body.provider_connector must reference a cloud provider connector",
        ),
        (
            {"repository_connector": "account.aws_prod"},
            "body.repository_connector must reference a code repository connector",
        ),
        (
            {"repository_connector": "github_nowhere"},
            'body.repository_connector references connector "github_nowhere"',
        ),
        (
            {
                "provider_connectors": [
                    {"connector_ref": "account.vault_main", "type": "vault"},
                    {"connector_ref": "vault_infra", "type": "vault"},
                ]
            },
            'body.provider_connectors[1].type "vault" is used more than once',
        ),
        (
            {"provider_connectors": [{"connector_ref": "account.aws_prod", "type": "gcp"}]},
            'is a Aws connector but type "gcp" needs a Gcp connector',
        ),
        ({"repository_commit": "v1.0.0"}, "body.repository_commit: only one of repository_branch"),
        (
            {"provisioner_version": "1.6.0", "provisioner": "terraform"},
            'body.provisioner_version "1.6.0" is not a supported terraform version '
            "(latest is 1.5.7)",
        ),
        ({"terragrunt_version": "9.9.9"}, 'body.terragrunt_version "9.9.9" is not a supported'),
        (
            {"associated_template": {"template_id": "nope", "version": "v1"}},
            'body.associated_template.template_id references template "nope"',
        ),
        (
            {"associated_template": {"template_id": "k8s_namespace", "version": "v9"}},
            'body.associated_template.version "v9" does not exist',
        ),
        (
            {"associated_template": {"template_id": "deploy_pipeline", "version": "v1"}},
            'references template "deploy_pipeline"',
        ),
    ],
)
def test_reference_errors(api: Api, change: dict, fragment: str) -> None:
    response = _create(api, workspace_body(**change))

    error = _goa(response)
    assert response.status_code == 400
    assert error["name"] == "bad_request"
    assert fragment in error["message"]
    assert api.iacm("GET", f"{WS}/new_ws").status_code == 404


@pytest.mark.parametrize("ref", ["repository_branch", "empty"])
def test_a_create_without_branch_tag_or_sha_and_no_template_is_refused(api: Api, ref: str) -> None:
    """Contract §2.1 (checklist item 7): exactly one of them, unless an associated template
    supplies it; the fake refused only more than one."""
    body = workspace_body("no_ref_ws")
    if ref == "empty":
        body |= {"repository_branch": "", "repository_commit": "", "repository_sha": ""}
    else:
        del body[ref]

    response = _create(api, body)

    assert response.status_code == 400, response.text
    error = _goa(response)
    assert error["name"] == "bad_request"
    assert error["message"].startswith("body.repository_branch: one of repository_branch")
    assert api.iacm("GET", f"{WS}/no_ref_ws").status_code == 404


@pytest.mark.parametrize("key", ["cost:center", ""])
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_tag_key_with_a_colon_or_empty_is_refused(api: Api, key: str, method: str) -> None:
    """W7 lists tags as `key:value` and W1 filters by them (contract §2.0: the format is
    unconfirmed): a key with ":" would be listed as `cost:center:cc-9` and never found by its
    filter. Refused, as an empty key, on create and update (the doubtful side)."""
    if method == "PUT":
        _create(api, workspace_body())
    path = WS if method == "POST" else f"{WS}/new_ws"

    response = api.iacm(method, path, json=workspace_body(tags={"team": "web", key: "cc-9"}))

    error = _goa(response)
    assert response.status_code == 400
    assert error["name"] == "bad_request"
    assert error["message"].startswith(f"body.tags[{json.dumps(key)}]")
    assert api.iacm("GET", f"{WS}/new_ws").status_code == (404 if method == "POST" else 200)


@pytest.mark.parametrize(
    "change",
    [
        {"repository": "", "repository_connector": ""},
        {"repository": "", "repository_connector": "", "repository_branch": ""},
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_workspace_without_a_repository_is_refused(api: Api, change: dict, method: str) -> None:
    """Contract §2.1: IaCM answers "repository name can't be empty" when `repository_connector`
    is empty (harness/mcp-server `src/registry/toolsets/iacm.ts`)."""
    if method == "PUT":
        _create(api, workspace_body())
    body = workspace_body(**change)
    without_key = {k: v for k, v in body.items() if k != "repository"}

    responses = [
        api.iacm(method, WS if method == "POST" else f"{WS}/new_ws", json=sent)
        for sent in (body, without_key)
    ]

    for response in responses:
        error = _goa(response)
        assert response.status_code == 400
        assert (error["name"], error["message"]) == (
            "bad_request",
            "repository name can't be empty",
        )
    assert api.iacm("GET", f"{WS}/new_ws").status_code == (404 if method == "POST" else 200)


@pytest.mark.parametrize(
    "change",
    [
        {"provisioner_version": "latest"},
        {"provisioner": "terraform", "provisioner_version": "1.5.7"},
        {
            "provisioner": "awscdk",
            "provisioner_version": "2.200.1",
            "provisioner_configuration": {"language": "python", "language_version": "3.12"},
        },
        {
            "provisioner": "terraform",
            "provisioner_version": "1.5.6",
            "terragrunt_provider": True,
            "terragrunt_version": "0.80.4",
            "run_all": True,
        },
        {"provider_connector": "", "repository_connector": ""},
        {"provider_connector": "org.gcp_default", "repository_connector": "account.gitlab_acme"},
        {
            "provider_connectors": [
                {"connector_ref": "account.aws_dev", "type": "aws"},
                {"connector_ref": "azure_infra", "type": "azure"},
                {"connector_ref": "org.gcp_default", "type": "gcp"},
                {"connector_ref": "vault_infra", "type": "vault"},
            ]
        },
        {"repository_branch": "", "repository_sha": "0" * 40},
        {"repository_submodules": "recursive"},
        {
            "terraform_variables": {
                "my_var_2": {"key": "my_var_2", "value": "x", "value_type": "string"}
            }
        },
        {"sparse_checkout": "modules/"},
        {
            "provisioner": "awscdk",
            "provisioner_version": "2.200.1",
            "provisioner_configuration": "python",
        },
    ],
)
def test_valid_variants_are_accepted(api: Api, change: dict) -> None:
    response = _create(api, workspace_body(**change))

    assert response.status_code == 200, response.text
    ws = api.iacm("GET", f"{WS}/new_ws").json()
    for key, value in change.items():
        if key not in ("terraform_variables", "provider_connectors"):
            assert ws[key] == value


def test_template_supplies_the_provisioner_version(api: Api) -> None:
    body = workspace_body(associated_template={"template_id": "k8s_namespace", "version": "v1"})
    for locked in ("provisioner_version", "provider_connectors", "repository"):
        del body[locked]
    body = {k: v for k, v in body.items() if not k.startswith("repository")}

    _create(api, {**body, "provider_connector": ""})

    ws = api.iacm("GET", f"{WS}/new_ws").json()
    assert ws["provisioner_version"] == "1.9.1"
    assert ws["associated_template"] == {"template_id": "k8s_namespace", "version": "v1"}


def test_policy_denies_prod_without_cost_estimation(api: Api) -> None:
    response = _create(api, workspace_body(tags={"env": "prod"}, cost_estimation_enabled=False))

    error = _goa(response)
    assert response.status_code == 400
    assert {"name", "id", "message", "temporary", "timeout", "fault"} <= error.keys()
    evaluation = error["policy_evaluation"]
    assert evaluation["status"] == "error"
    assert evaluation["account_id"] == "AcmeDemoAcct01"
    assert evaluation["project_id"] == "infra"
    deny = [
        m
        for policy_set in evaluation["details"]
        for d in policy_set["details"]
        for m in d["deny_messages"]
    ]
    assert deny == ["Workspaces tagged env=prod must enable cost estimation"]
    assert api.iacm("GET", f"{WS}/new_ws").status_code == 404


def test_policy_passes_prod_with_cost_estimation(api: Api) -> None:
    response = _create(api, workspace_body(tags={"env": "prod"}, cost_estimation_enabled=True))

    assert response.status_code == 200
    assert response.json()["policy_evaluation"]["status"] == "pass"


def test_update_is_a_full_replacement(api: Api) -> None:
    _create(api, workspace_body("upd_ws", budget=100.0))
    before = api.iacm("GET", f"{WS}/upd_ws").json()
    body = workspace_body(
        "ignored",
        name="renamed",
        description="",
        tags={"team": "data"},
        provisioner="terraform",
        provisioner_version="1.5.7",
    )
    body.pop("identifier")
    del body["provider_connectors"]
    body["environment_variables"] = {}

    response = api.iacm("PUT", f"{WS}/upd_ws", json=body)
    after = api.iacm("GET", f"{WS}/upd_ws").json()

    assert response.status_code == 200
    assert response.json() == {}
    assert after["identifier"] == "upd_ws"
    assert after["name"] == "renamed"
    assert after["provisioner"] == "terraform"
    assert after["provider_connectors"] == []
    assert after["environment_variables"] == {}
    assert "budget" not in after
    assert after["tags"] == {"team": "data"}
    assert after["created"] == before["created"]
    assert after["updated"] >= before["updated"]
    assert after["status"] == "inactive"
    assert (
        after["terraform_variables"]["region"]["created"]
        == before["terraform_variables"]["region"]["created"]
    )


@pytest.mark.parametrize(
    ("sent", "held"),
    [
        (1234567.89, 1234567.9),  # float32 1234567.875, written with the fewest digits
        (1234567.75, 1234567.8),
        (131071.99, 131071.99),
        (0.1, 0.1),
        (99.999, 99.999),
        (10_000_000.0, 10_000_000.0),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_budget_is_held_as_a_float32(api: Api, sent: float, held: float, method: str) -> None:
    # harness-go-sdk: `Budget float32` in the create body and the show response; the API
    # reference: `budget number(float)`, its example 0.7937008 written as Go writes a float32.
    _create(api, workspace_body("budget_ws", budget=500.0 if method == "PUT" else sent))
    if method == "PUT":
        body = workspace_body("budget_ws", budget=sent)
        body.pop("identifier")
        assert api.iacm("PUT", f"{WS}/budget_ws", json=body).status_code == 200

    shown = api.iacm("GET", f"{WS}/budget_ws").json()

    assert shown["budget"] == held


def test_update_ignores_an_identifier_in_the_body(api: Api) -> None:
    _create(api, workspace_body("upd_ws"))
    body = workspace_body("other_id")

    api.iacm("PUT", f"{WS}/upd_ws", json=body)

    assert api.iacm("GET", f"{WS}/other_id").status_code == 404
    assert api.iacm("GET", f"{WS}/upd_ws").status_code == 200


def test_update_requires_the_update_fields(api: Api) -> None:
    _create(api, workspace_body("upd_ws"))
    body = workspace_body()
    del body["provisioner"]

    response = api.iacm("PUT", f"{WS}/upd_ws", json=body)

    assert response.status_code == 400
    assert _goa(response)["message"] == '"provisioner" is missing from body'


def test_update_is_validated_and_policed(api: Api) -> None:
    _create(api, workspace_body("upd_ws"))

    bad = api.iacm("PUT", f"{WS}/upd_ws", json=workspace_body(provider_connector="account.nope"))
    denied = api.iacm("PUT", f"{WS}/upd_ws", json=workspace_body(tags={"env": "prod"}))

    assert bad.status_code == 400
    assert denied.status_code == 400
    assert "policy_evaluation" in denied.json()
    assert api.iacm("GET", f"{WS}/upd_ws").json()["tags"] == {"team": "platform", "env": "dev"}


def _with_variable(group: str, key: str) -> dict[str, Any]:
    body = workspace_body()
    body[group] = {**body[group], key: {"key": key, "value": "x", "value_type": "string"}}
    return body


def test_an_update_keeps_a_dashed_key_the_workspace_holds(api: Api, fake) -> None:
    _create(api, workspace_body("upd_ws"))
    store_variable(fake, "upd_ws", "instance-type")

    kept = api.iacm(
        "PUT", f"{WS}/upd_ws", json=_with_variable("terraform_variables", "instance-type")
    )

    assert kept.status_code == 200, kept.text
    after = api.iacm("GET", f"{WS}/upd_ws").json()
    assert after["terraform_variables"]["instance-type"]["value"] == "x"


@pytest.mark.parametrize(
    ("group", "key"),
    [
        ("terraform_variables", "new-key"),  # a new key with "-"
        ("environment_variables", "instance-type"),  # held in the other group only
    ],
)
def test_an_update_refuses_a_dashed_key_the_workspace_does_not_hold(
    api: Api, fake, group: str, key: str
) -> None:
    _create(api, workspace_body("upd_ws"))
    store_variable(fake, "upd_ws", "instance-type")

    refused = api.iacm("PUT", f"{WS}/upd_ws", json=_with_variable(group, key))

    assert refused.status_code == 400
    assert _goa(refused)["name"] == "invalid_pattern"
    assert _goa(refused)["message"] == (
        f'body.key must match the regexp "^[A-Za-z_][A-Za-z0-9_]*$" but got value "{key}"'
    )


def test_update_of_a_missing_workspace_is_404(api: Api) -> None:
    response = api.iacm("PUT", f"{WS}/ghost", json=workspace_body())

    assert response.status_code == 404
    assert _goa(response)["name"] == "not_found"


def test_delete_inactive_is_204_and_gone(api: Api) -> None:
    _create(api, workspace_body("doomed"))

    response = api.iacm("DELETE", f"{WS}/doomed")

    assert response.status_code == 204
    assert response.content == b""
    assert api.iacm("GET", f"{WS}/doomed").status_code == 404
    assert api.iacm("GET", WS).headers["x-total-items"] == "1800"


def test_delete_of_an_active_workspace_is_refused(api: Api) -> None:
    active = api.iacm("GET", WS, params={"status": "active"}).json()[0]["identifier"]

    response = api.iacm("DELETE", f"{WS}/{active}")

    error = _goa(response)
    assert response.status_code == 409
    assert error["name"] == "conflict"
    assert "only inactive workspaces can be deleted" in error["message"]
    assert api.iacm("GET", f"{WS}/{active}").status_code == 200


def test_delete_of_a_missing_workspace_is_404(api: Api) -> None:
    assert api.iacm("DELETE", f"{WS}/ghost").status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_an_identifier_path_parameter_over_128_is_a_length_error_not_a_404(
    api: Api, method: str
) -> None:
    # Contract §2: `{identifier}` is a string 1..128 (AE-WS), checked as Goa decodes the path.
    too_long = api.iacm(method, f"{WS}/{'a' * 129}", json=workspace_body())
    longest = api.iacm(method, f"{WS}/{'a' * 128}", json=workspace_body())

    assert too_long.status_code == 400, too_long.text
    assert _goa(too_long)["name"] == "invalid_length"
    assert "length of identifier must be lesser or equal than 128" in _goa(too_long)["message"]
    assert longest.status_code == 404


def test_a_too_long_name_is_refused_with_goa_s_own_length_message(api: Api) -> None:
    # Goa's InvalidLengthError: "length of %s must be %s than %d but got value %#v (len=%d)"
    # (goadesign/goa pkg/error.go).
    response = _create(api, workspace_body("long_ws", name="n" * 129))

    assert response.status_code == 400
    assert _goa(response)["name"] == "invalid_length"
    assert _goa(response)["message"] == (
        f'length of body.name must be lesser or equal than 128 but got value "{"n" * 129}" '
        "(len=129)"
    )


@pytest.mark.parametrize("payload", [b"{not json", b"[]", b""])
def test_undecodable_bodies_are_400(api: Api, payload: bytes) -> None:
    response = api.iacm("POST", WS, data=payload, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    # Goa's `DecodePayloadError` and `MissingPayloadError` (goadesign/goa `pkg/error.go`).
    expected = "missing_payload" if payload == b"" else "decode_payload"
    assert _goa(response)["name"] == expected


def test_writes_work_under_the_gateway_prefix(api: Api) -> None:
    response = api.iacm("POST", WS, json=workspace_body("gw_ws"), prefix="/gateway/iacm/api")

    assert response.status_code == 200
    assert api.iacm("GET", f"{WS}/gw_ws").json()["identifier"] == "gw_ws"


def test_null_optional_fields_are_treated_as_absent(api: Api) -> None:
    body = copy.deepcopy(workspace_body(description=None, repository_commit=None))

    assert _create(api, body).status_code == 200
    assert api.iacm("GET", f"{WS}/new_ws").json()["description"] == ""


def test_update_clears_the_settings_the_body_leaves_out(api: Api) -> None:
    extras = {
        "default_pipelines": {"plan": {"workspace_pipeline": "plan_it"}},
        "variable_sets": ["shared"],
        "prune_sensitive_data": True,
    }
    _create(api, workspace_body("upd_ws", **extras))
    body = {k: v for k, v in workspace_body().items() if k != "identifier"}

    response = api.iacm("PUT", f"{WS}/upd_ws", json=body)

    after = api.iacm("GET", f"{WS}/upd_ws").json()
    assert response.status_code == 200
    assert after["default_pipelines"] == {}
    assert after["variable_sets"] == []
    assert after["prune_sensitive_data"] is False


def test_update_keeps_the_status_and_moves_updated(api: Api) -> None:
    seeded = api.iacm("GET", WS, params={"status": "active", "limit": 1}).json()[0]
    before = api.iacm("GET", f"{WS}/{seeded['identifier']}").json()
    body = workspace_body(name=before["name"])
    body.pop("identifier")

    response = api.iacm("PUT", f"{WS}/{seeded['identifier']}", json=body)

    after = api.iacm("GET", f"{WS}/{seeded['identifier']}").json()
    assert response.status_code == 200, response.text
    assert after["status"] == "active"
    assert after["created"] == before["created"]
    assert after["updated"] > before["updated"]


def test_update_passes_the_policy_with_its_evaluation(api: Api) -> None:
    _create(api, workspace_body("upd_ws"))
    body = workspace_body(tags={"env": "prod"}, cost_estimation_enabled=True)
    body.pop("identifier")

    response = api.iacm("PUT", f"{WS}/upd_ws", json=body)

    assert response.status_code == 200
    assert response.json()["policy_evaluation"]["status"] == "pass"
    assert response.json()["policy_evaluation"]["action"] == "onsave"


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_an_empty_provisioner_version_is_not_made_latest(api: Api, method: str) -> None:
    """Goa applies a default only to a key the body leaves out: "" is no "latest". What IaCM
    makes of "" is not public, so the fake refuses it (the doubtful side)."""
    if method == "PUT":
        _create(api, workspace_body("empty_version"))
    path = WS if method == "POST" else f"{WS}/empty_version"

    response = api.iacm(method, path, json=workspace_body("empty_version", provisioner_version=""))

    stored = api.iacm("GET", f"{WS}/empty_version").json().get("provisioner_version")
    assert response.status_code == 400, f"accepted and stored as {stored!r}"
    assert _goa(response)["message"].startswith('body.provisioner_version "" is not a supported')


def test_a_provisioner_version_left_out_is_latest(api: Api) -> None:
    body = workspace_body("no_version")
    del body["provisioner_version"]

    assert _create(api, body).status_code == 200
    assert api.iacm("GET", f"{WS}/no_version").json()["provisioner_version"] == "latest"


@pytest.mark.parametrize(
    ("identifier", "kind"), [("cc_repo", "Codecommit"), ("az_repo", "AzureRepo")]
)
def test_a_codecommit_or_azure_repo_repository_connector_is_refused(
    api: Api, fake, identifier: str, kind: str
) -> None:
    """Contract §6.1: the repository picker's types are Github, Gitlab, Bitbucket and Git; no
    public source shows an IaCM workspace on an AzureRepo or Codecommit connector (the doubtful
    side is refused)."""
    state = fake.server.app.state
    with state.lock:
        state.connectors.append(Connector(ACCOUNT, None, None, identifier, name=kind, type=kind))
    body = workspace_body("cc_ws", repository_connector=f"account.{identifier}")

    response = api.iacm("POST", WS, json=body)

    assert response.status_code == 400, response.text[:200]
    assert _goa(response)["message"].startswith(
        "body.repository_connector must reference a code repository connector"
    )
