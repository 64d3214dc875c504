"""Authentication and authorisation in each API family."""

from __future__ import annotations

import pytest

from tests.harness_fake.support import (
    ACCOUNT,
    FULL,
    ORG_ONLY,
    OTHER,
    OTHER_ACCOUNT,
    PROJECT_ONLY,
    READ,
    WS,
    Api,
    workspace_body,
)

CONNECTOR_FILTER = {"filterType": "Connector"}


@pytest.mark.parametrize("key", [None, "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.wrong"])
def test_iacm_needs_a_valid_key(api: Api, key: str | None) -> None:
    response = api.iacm("GET", WS, key=key)

    body = response.json()
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/vnd.goa.error"
    assert body["name"] == "unauthorized"
    assert "x-api-key" in body["message"] or "invalid API key" in body["message"]


def test_iacm_needs_the_account_header(api: Api) -> None:
    response = api.iacm("GET", WS, account=None)

    assert response.status_code == 400
    assert response.json()["name"] == "missing_field"
    assert response.json()["message"] == '"Harness-Account" is missing from header'


def test_iacm_account_header_must_match_the_key(api: Api) -> None:
    response = api.iacm("GET", WS, account=OTHER_ACCOUNT)

    assert response.status_code == 401
    assert response.json()["name"] == "unauthorized"


def test_provisioner_versions_need_a_key_but_not_the_account(api: Api) -> None:
    no_key = api.iacm("GET", "/provisioners/supported/opentofu", key=None, account=None)
    no_account = api.iacm("GET", "/provisioners/supported/opentofu", account=None)

    assert no_key.status_code == 401
    assert no_account.status_code == 200


@pytest.mark.parametrize(
    ("method", "suffix", "json"),
    [
        ("POST", "", workspace_body("ro_ws")),
        ("PUT", "/x", workspace_body()),
        ("DELETE", "/x", None),
    ],
)
def test_read_only_key_cannot_write(api: Api, method: str, suffix: str, json) -> None:
    response = api.iacm(method, WS + suffix, key=READ, json=json)

    assert response.status_code == 403
    assert response.json()["name"] == "forbidden"
    assert api.iacm("GET", f"{WS}/ro_ws").status_code == 404


def test_read_only_key_can_read_everything(api: Api) -> None:
    assert api.iacm("GET", WS, key=READ).status_code == 200
    assert (
        api.ng("POST", "/ng/api/connectors/listV2", key=READ, json=CONNECTOR_FILTER).status_code
        == 200
    )
    assert api.v1("/v1/orgs", key=READ).status_code == 200


def test_org_limited_key_sees_only_its_org(api: Api) -> None:
    orgs = api.v1("/v1/orgs", key=ORG_ONLY)
    inside = api.iacm("GET", "/orgs/platform/projects/networking/workspaces", key=ORG_ONLY)
    outside = api.iacm("GET", WS, key=ORG_ONLY)
    outside_v1 = api.v1("/v1/orgs/default/projects", key=ORG_ONLY)
    outside_ng = api.ng(
        "POST",
        "/ng/api/connectors/listV2",
        key=ORG_ONLY,
        params={"orgIdentifier": "default"},
        json=CONNECTOR_FILTER,
    )

    assert [o["org"]["identifier"] for o in orgs.json()] == ["platform"]
    assert orgs.headers["X-Total-Elements"] == "1"
    assert inside.status_code == 200
    assert inside.headers["x-total-items"] == "40"
    assert outside.status_code == 403
    assert outside.json()["name"] == "forbidden"
    assert outside_v1.status_code == 403
    assert outside_v1.json()["code"] == "ACCESS_DENIED"
    assert outside_ng.status_code == 403
    assert outside_ng.json()["code"] == "ACCESS_DENIED"


def test_project_limited_key_sees_only_its_project_and_not_the_account(api: Api) -> None:
    account = api.ng("GET", f"/ng/api/accounts/{ACCOUNT}", key=PROJECT_ONLY)
    orgs = api.v1("/v1/orgs", key=PROJECT_ONLY)
    projects = api.v1("/v1/orgs/default/projects", key=PROJECT_ONLY)
    inside = api.iacm("GET", "/orgs/default/projects/sandbox/workspaces", key=PROJECT_ONLY)
    outside = api.iacm("GET", WS, key=PROJECT_ONLY)
    other_org = api.v1("/v1/orgs/platform/projects", key=PROJECT_ONLY)

    assert account.status_code == 403
    assert account.json()["code"] == "ACCESS_DENIED"
    assert [o["org"]["identifier"] for o in orgs.json()] == ["default"]
    assert [p["project"]["identifier"] for p in projects.json()] == ["sandbox"]
    assert inside.status_code == 200
    assert outside.status_code == 403
    assert outside.json()["name"] == "forbidden"
    assert other_org.status_code == 403


def test_org_limited_key_can_write_in_its_org(api: Api) -> None:
    body = workspace_body(
        "net_ws",
        provider_connector="org.aws_network",
        repository_connector="org.gitlab_platform",
        provider_connectors=[],
        environment_variables={},
    )

    response = api.iacm(
        "POST", "/orgs/platform/projects/networking/workspaces", key=ORG_ONLY, json=body
    )

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("key", [None, "not-a-pat"])
def test_ng_needs_a_valid_key(api: Api, key: str | None) -> None:
    response = api.ng("GET", f"/ng/api/accounts/{ACCOUNT}", key=key)

    body = response.json()
    assert response.status_code == 401
    assert body["status"] == "ERROR"
    assert body["code"] == "INVALID_TOKEN"
    assert set(body) == {
        "status",
        "code",
        "message",
        "correlationId",
        "detailedMessage",
        "responseMessages",
        "metadata",
    }


def test_ng_needs_account_identifier(api: Api) -> None:
    response = api.ng("POST", "/ng/api/connectors/listV2", account=None, json=CONNECTOR_FILTER)

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "INVALID_REQUEST"
    # Contract §4.2: an NG 400 is a `Failure` (GO `model_failure.go`), not an `Error`.
    assert set(body) == {
        "status",
        "code",
        "message",
        "correlationId",
        "errors",
        "responseMessages",
    }
    assert (body["status"], body["errors"], body["responseMessages"]) == ("ERROR", [], [])


def test_an_ng_400_names_the_field_it_refuses(api: Api) -> None:
    response = api.ng(
        "POST",
        "/ng/api/connectors/listV2",
        params={"pageSize": "0"},
        json={"filterType": "Connector"},
    )

    body = response.json()
    assert response.status_code == 400
    assert body["errors"] == [{"fieldId": "pageSize", "error": body["message"]}]
    assert "detailedMessage" not in body


def test_ng_account_identifier_must_match_the_key(api: Api) -> None:
    listed = api.ng(
        "POST",
        "/ng/api/v2/secrets/list/secrets",
        account=OTHER_ACCOUNT,
        json={"filterType": "Secret"},
    )
    account = api.ng("GET", f"/ng/api/accounts/{OTHER_ACCOUNT}", account=None)

    assert listed.status_code == 401
    assert account.status_code == 401


def test_v1_needs_a_valid_key(api: Api) -> None:
    response = api.v1("/v1/orgs", key="pat.x.y.z")

    body = response.json()
    assert response.status_code == 401
    assert body["code"] == "INVALID_TOKEN"
    assert set(body) == {"message", "code", "errors", "error_metadata"}


def test_accounts_are_isolated(api: Api) -> None:
    other_ws = api.iacm(
        "GET", "/orgs/default/projects/misc/workspaces", key=OTHER, account=OTHER_ACCOUNT
    )
    mine_from_other = api.iacm("GET", WS, key=OTHER, account=OTHER_ACCOUNT)
    misc_from_mine = api.iacm("GET", "/orgs/default/projects/misc/workspaces", key=FULL)
    other_orgs = api.v1("/v1/orgs", key=OTHER)

    assert other_ws.headers["x-total-items"] == "5"
    assert {w["account"] for w in other_ws.json()} == {OTHER_ACCOUNT}
    assert mine_from_other.status_code == 404
    assert misc_from_mine.status_code == 404
    assert [o["org"]["identifier"] for o in other_orgs.json()] == ["default"]
