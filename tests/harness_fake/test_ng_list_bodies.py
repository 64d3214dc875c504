"""The NG list bodies (contract §6.1 `ConnectorFilterProperties`, §7 the secrets filter), read as
NG's Jackson reads them: a body outside the DTO is a 400 `INVALID_REQUEST` (contract §4.2).

harness-core: `FilterPropertiesDTO` is abstract with `@JsonTypeInfo(use = NAME, include =
EXISTING_PROPERTY, property = "filterType")` and no default implementation, so a body without
`filterType`, or naming another filter, is no `ConnectorFilterPropertiesDTO`;
`ConnectorFilterPropertiesDTO.types` is a `List<ConnectorType>`, and `ConnectorType`'s
`@JsonCreator getConnectorType` throws `IllegalArgumentException("Invalid value: ...")` for a
name it does not know (compared ignoring case).
"""

from __future__ import annotations

import pytest

from tests.harness_fake.support import Api

CONNECTORS = "/ng/api/connectors/listV2"
SECRETS = "/ng/api/v2/secrets/list/secrets"
INFRA = {"orgIdentifier": "default", "projectIdentifier": "infra"}


@pytest.mark.parametrize(
    "body",
    [
        {"filterType": "Connector", "types": ["GithubEnterprise"]},
        {"filterType": "Connector", "types": "Aws"},
        {"filterType": "Connector", "types": [{"type": "Aws"}]},
        {"filterType": "Connector", "connectorIdentifiers": [["aws_prod"]]},
        {"types": ["Aws"]},
        {"filterType": "Secret", "types": ["Aws"]},
        [],
        {"filterType": "Connector", "connectivityStatuses": ["BROKEN"]},
        {"filterType": "Connector", "categories": ["CODE"]},
        {"filterType": "Connector", "inheritingCredentialsFromDelegate": "false"},
        {"filterType": "Connector", "tags": {"env": 5}},
    ],
    ids=[
        "unknown-type",
        "types-string",
        "types-object",
        "ids-nested",
        "no-filterType",
        "other-filterType",
        "array-body",
        "unknown-status",
        "unknown-category",
        "flag-string",
        "tag-number",
    ],
)
def test_connector_list_refuses_a_body_outside_connector_filter_properties(api: Api, body) -> None:
    params = {**INFRA, "includeAllConnectorsAvailableAtScope": "true"}

    response = api.ng("POST", CONNECTORS, params=params, json=body)

    assert response.status_code == 400, response.text[:200]
    assert response.json()["code"] == "INVALID_REQUEST"
    assert response.json()["status"] == "ERROR"


def test_an_unknown_connector_type_is_refused_in_harness_s_words(api: Api) -> None:
    body = {"filterType": "Connector", "types": ["Aws", "GithubEnterprise"]}

    response = api.ng("POST", CONNECTORS, params=INFRA, json=body)

    assert "Invalid value: GithubEnterprise" in response.json()["message"]


def test_a_connector_type_is_read_ignoring_case_as_connector_type_reads_it(api: Api) -> None:
    params = {**INFRA, "includeAllConnectorsAvailableAtScope": "true"}

    exact = api.ng(
        "POST", CONNECTORS, params=params, json={"filterType": "Connector", "types": ["Aws"]}
    )
    lower = api.ng(
        "POST", CONNECTORS, params=params, json={"filterType": "Connector", "types": ["aws"]}
    )

    assert lower.status_code == 200, lower.text[:200]
    assert lower.json()["data"]["totalItems"] == exact.json()["data"]["totalItems"] > 0


def test_null_filter_fields_filter_nothing(api: Api) -> None:
    plain = api.ng("POST", CONNECTORS, params=INFRA, json={"filterType": "Connector"})
    nulls = api.ng(
        "POST",
        CONNECTORS,
        params=INFRA,
        json={"filterType": "Connector", "types": None, "connectorIdentifiers": None},
    )

    assert nulls.json()["data"]["totalItems"] == plain.json()["data"]["totalItems"] > 0


@pytest.mark.parametrize(
    "body",
    [
        {"filterType": "Secret", "secretTypes": ["Text"]},
        {"filterType": "Secret", "secretTypes": [["SecretText"]]},
        {"secretTypes": ["SecretText"]},
        {"filterType": "Connector", "secretTypes": ["SecretText"]},
        {"filterType": "Secret", "secretTypes": "SecretText"},
        {"filterType": "Secret", "secretTypes": ["secrettext"]},
        {"filterType": "Secret", "includeAllSecretsAccessibleAtScope": "false"},
        {"filterType": "Secret", "secretIdentifier": ["api_key"]},
        ["SecretText"],
    ],
    ids=[
        "unknown-secret-type",
        "nested",
        "no-filterType",
        "other-filterType",
        "types-string",
        "other-case",
        "flag-string",
        "identifier-array",
        "array-body",
    ],
)
def test_secret_list_refuses_a_body_outside_secret_filter_properties(api: Api, body) -> None:
    response = api.ng("POST", SECRETS, params=INFRA, json=body)

    assert response.status_code == 400, response.text[:200]
    assert response.json()["code"] == "INVALID_REQUEST"


@pytest.mark.parametrize("kind", ["SecretText", "SecretFile", "SSHKey", "WinRmCredentials"])
def test_each_secret_type_is_taken(api: Api, kind: str) -> None:
    body = {"filterType": "Secret", "secretTypes": [kind]}

    assert api.ng("POST", SECRETS, json=body).status_code == 200
