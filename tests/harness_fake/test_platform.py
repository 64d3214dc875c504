"""NG (account, connectors, secrets) and v1 (orgs, projects, templates) routes."""

from __future__ import annotations

import pytest

from tests.harness_fake.support import ACCOUNT, Api

CONNECTORS = "/ng/api/connectors/listV2"
SECRETS = "/ng/api/v2/secrets/list/secrets"
INFRA = {"orgIdentifier": "default", "projectIdentifier": "infra"}
# `filterType` picks the DTO NG reads the body as (harness_fake/ng_filters.py).
LIST_CONNECTORS = {"filterType": "Connector"}


def _refs(items: list[dict]) -> set[str]:
    out = set()
    for item in items:
        entity = item.get("connector") or item.get("secret")
        if entity["projectIdentifier"]:
            out.add(entity["identifier"])
        elif entity["orgIdentifier"]:
            out.add(f"org.{entity['identifier']}")
        else:
            out.add(f"account.{entity['identifier']}")
    return out


def test_account_check(api: Api) -> None:
    response = api.ng("GET", f"/ng/api/accounts/{ACCOUNT}")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "SUCCESS"
    assert body["data"]["identifier"] == ACCOUNT
    assert body["data"]["name"] == "Acme Demo"
    assert body["data"]["createdAt"] > 10**12


def test_the_account_carries_only_fields_harness_sends(api: Api) -> None:
    # The Go SDK's `Account` (harness/nextgen/model_account.go), plus `createdAt`, which the
    # Harness CLI reads (contract §9).
    sent = {
        "identifier",
        "name",
        "companyName",
        "cluster",
        "defaultExperience",
        "authenticationMechanism",
        "serviceAccountConfig",
        "nextGenEnabled",
        "createdAt",
    }

    data = api.ng("GET", f"/ng/api/accounts/{ACCOUNT}").json()["data"]

    assert set(data) - sent == set()


def test_connector_items_carry_only_fields_harness_sends(api: Api) -> None:
    # The Go SDK's ConnectorResponse, ConnectorInfo and ConnectorConnectivityDetails
    # (harness/nextgen/model_connector_response.go, model_connector_info.go,
    # model_connector_connectivity_details.go).
    outer = {
        "connector",
        "createdAt",
        "lastModifiedAt",
        "status",
        "activityDetails",
        "harnessManaged",
        "gitDetails",
        "entityValidityDetails",
        "governanceMetadata",
    }
    info = {
        "name",
        "identifier",
        "description",
        "orgIdentifier",
        "projectIdentifier",
        "tags",
        "type",
        "spec",
    }
    status = {"status", "errorSummary", "errors", "testedAt", "lastTestedAt", "lastConnectedAt"}

    response = api.ng(
        "POST",
        CONNECTORS,
        params={**INFRA, "includeAllConnectorsAvailableAtScope": "true"},
        json={"filterType": "Connector"},
    )

    items = response.json()["data"]["content"]
    assert any(item["status"]["status"] == "FAILURE" for item in items)
    for item in items:
        assert (set(item) - outer, set(item["connector"]) - info, set(item["status"]) - status) == (
            set(),
            set(),
            set(),
        ), item["connector"]["identifier"]
        # EntityValidityDetails (terraform-provider-harness harness/nextgen-next/
        # model_entity_validity_details.go; the Go SDK's `*EntityGitDetails` is a spec name clash)
        assert set(item["entityValidityDetails"]) == {"valid", "invalidYaml"}


def test_connector_list_envelope(api: Api) -> None:
    response = api.ng("POST", CONNECTORS, json={"filterType": "Connector"})

    body = response.json()
    assert body["status"] == "SUCCESS"
    assert set(body) == {"status", "data", "metaData", "correlationId"}
    data = body["data"]
    assert set(data) == {
        "totalPages",
        "totalItems",
        "pageItemCount",
        "pageSize",
        "content",
        "pageIndex",
        "empty",
    }
    assert data["pageSize"] == 100 and data["pageIndex"] == 0
    assert data["pageItemCount"] == len(data["content"]) == data["totalItems"] == 31
    item = data["content"][0]
    assert {"connector", "createdAt", "lastModifiedAt", "status", "harnessManaged"} <= item.keys()
    assert {
        "name",
        "identifier",
        "orgIdentifier",
        "projectIdentifier",
        "type",
        "spec",
        "tags",
        "description",
    } <= item["connector"].keys()
    assert item["status"]["status"] in {"SUCCESS", "FAILURE"}


def test_connector_scope_inclusion(api: Api) -> None:
    project_only = api.ng("POST", CONNECTORS, params=INFRA, json=LIST_CONNECTORS).json()["data"][
        "content"
    ]
    inherited = api.ng(
        "POST",
        CONNECTORS,
        params={**INFRA, "includeAllConnectorsAvailableAtScope": "true"},
        json=LIST_CONNECTORS,
    ).json()["data"]
    org_only = api.ng("POST", CONNECTORS, params={"orgIdentifier": "default"}, json=LIST_CONNECTORS)

    assert _refs(project_only) == {
        "aws_infra",
        "gcp_infra",
        "azure_infra",
        "vault_infra",
        "github_infra",
        "gitlab_infra",
        "bitbucket_infra",
        "git_infra",
        "k8s_infra",
    }
    refs = _refs(inherited["content"])
    assert {"aws_infra", "org.aws_sandbox", "account.aws_prod"} <= refs
    assert not any(r in refs for r in ("org.aws_network", "aws_sbx"))
    assert inherited["totalItems"] == 9 + 3 + 31
    assert _refs(org_only.json()["data"]["content"]) == {
        "org.aws_sandbox",
        "org.gcp_default",
        "org.github_default",
    }


def test_connector_type_filter(api: Api) -> None:
    params = {**INFRA, "includeAllConnectorsAvailableAtScope": "true", "pageSize": 100}

    cloud = api.ng(
        "POST",
        CONNECTORS,
        params=params,
        json={"filterType": "Connector", "types": ["Aws", "Gcp", "Azure"]},
    ).json()
    repos = api.ng(
        "POST",
        CONNECTORS,
        params=params,
        json={"filterType": "Connector", "types": ["Github", "Gitlab", "Bitbucket", "Git"]},
    ).json()

    cloud_types = {c["connector"]["type"] for c in cloud["data"]["content"]}
    repo_types = {c["connector"]["type"] for c in repos["data"]["content"]}
    assert cloud_types == {"Aws", "Gcp", "Azure"}
    assert repo_types == {"Github", "Gitlab", "Bitbucket", "Git"}
    assert "account.github_acme" in _refs(repos["data"]["content"])
    github = next(
        c for c in repos["data"]["content"] if c["connector"]["identifier"] == "github_acme"
    )
    assert github["connector"]["spec"]["url"] == "https://github.com/acme"


def test_connector_paging_and_search(api: Api) -> None:
    first = api.ng("POST", CONNECTORS, params={"pageSize": 10}, json=LIST_CONNECTORS).json()["data"]
    last = api.ng(
        "POST", CONNECTORS, params={"pageSize": 10, "pageIndex": 3}, json=LIST_CONNECTORS
    ).json()["data"]
    search = api.ng(
        "POST", CONNECTORS, params={"searchTerm": "TEAM_1"}, json=LIST_CONNECTORS
    ).json()["data"]

    assert (first["totalItems"], first["totalPages"], first["pageItemCount"]) == (31, 4, 10)
    assert last["pageItemCount"] == 1 and last["pageIndex"] == 3 and not last["empty"]
    ids = {c["connector"]["identifier"] for c in search["content"]}
    assert ids == {f"aws_team_{n}" for n in range(10, 20)}


@pytest.mark.parametrize(
    "params", [{"pageSize": 0}, {"pageSize": 101}, {"pageSize": "1_0"}, {"pageIndex": " 1"}]
)
def test_connector_page_size_bounds(api: Api, params: dict) -> None:
    # Not a plain base-10 number (Python's int() reads "1_0" and " 1"): refused in NG's envelope.
    response = api.ng("POST", CONNECTORS, params=params, json=LIST_CONNECTORS)

    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST"


def test_secrets_list_never_returns_values(api: Api) -> None:
    body = {
        "filterType": "Secret",
        "secretTypes": ["SecretText"],
        "includeAllSecretsAccessibleAtScope": True,
    }

    response = api.ng("POST", SECRETS, params=INFRA, json=body)

    data = response.json()["data"]
    assert _refs(data["content"]) == {
        "api_key",
        "infra_db_pass",
        "org.db_password",
        "account.tf_token",
        "account.github_pat",
        "account.aws_secret_key",
        "account.gcp_sa_key",
    }
    for item in data["content"]:
        assert item["secret"]["type"] == "SecretText"
        assert "value" not in item["secret"]["spec"]
        assert item["secret"]["spec"]["secretManagerIdentifier"] == "harnessSecretManager"


def test_connector_search_is_a_query_parameter_not_a_body_field(api: Api) -> None:
    # ConnectorFilterProperties (contract §6.1) has no `searchTerm`: the search is the query's.
    plain = api.ng("POST", CONNECTORS, params=INFRA, json={"filterType": "Connector"})
    in_body = api.ng(
        "POST",
        CONNECTORS,
        params=INFRA,
        json={"filterType": "Connector", "searchTerm": "no_such_connector_zzz"},
    )
    in_query = api.ng(
        "POST",
        CONNECTORS,
        params={**INFRA, "searchTerm": "no_such_connector_zzz"},
        json={"filterType": "Connector"},
    )

    assert in_body.json()["data"]["totalItems"] == plain.json()["data"]["totalItems"] > 0
    assert in_query.json()["data"]["totalItems"] == 0


def test_secret_scope_flag_is_a_body_field_not_a_query_parameter(api: Api) -> None:
    # Contract §7: `includeAllSecretsAccessibleAtScope` is in the body; the query has the scope,
    # paging and `searchTerm` only.
    body = {"filterType": "Secret", "secretTypes": ["SecretText"]}
    own = api.ng("POST", SECRETS, params=INFRA, json=body).json()["data"]
    in_query = api.ng(
        "POST",
        SECRETS,
        params={**INFRA, "includeAllSecretsAccessibleAtScope": "true"},
        json=body,
    ).json()["data"]
    in_body = api.ng(
        "POST", SECRETS, params=INFRA, json={**body, "includeAllSecretsAccessibleAtScope": True}
    ).json()["data"]

    assert _refs(in_query["content"]) == _refs(own["content"]) == {"api_key", "infra_db_pass"}
    assert "account.tf_token" in _refs(in_body["content"])


@pytest.mark.parametrize("name", ["org", "org[]"])
def test_v1_org_filter_takes_the_bracketed_name_the_contract_gives(api: Api, name: str) -> None:
    # Contract §8: `GET /v1/orgs` has `org[]`; the bracketed form stays where the contract has it.
    response = api.v1("/v1/orgs", params={name: "payments"})

    assert [o["org"]["identifier"] for o in response.json()] == ["payments"]


def test_secrets_scope_and_search(api: Api) -> None:
    project_only = api.ng("POST", SECRETS, params=INFRA, json={"filterType": "Secret"}).json()
    account_files = api.ng(
        "POST", SECRETS, json={"filterType": "Secret", "secretTypes": ["SecretFile"]}
    ).json()
    search = api.ng("POST", SECRETS, json={"filterType": "Secret", "searchTerm": "token"}).json()

    assert _refs(project_only["data"]["content"]) == {"api_key", "infra_db_pass"}
    assert _refs(account_files["data"]["content"]) == {"account.ssh_deploy_key"}
    assert _refs(search["data"]["content"]) == {"account.tf_token"}


def test_orgs_list_paging_headers(api: Api) -> None:
    first = api.v1("/v1/orgs", params={"limit": 2})
    second = api.v1("/v1/orgs", params={"limit": 2, "page": 1})

    assert [o["org"]["identifier"] for o in first.json()] == ["default", "payments"]
    assert [o["org"]["identifier"] for o in second.json()] == ["platform"]
    assert first.headers["X-Total-Elements"] == "3"
    assert first.headers["X-Page-Number"] == "0"
    assert first.headers["X-Page-Size"] == "2"
    assert second.headers["X-Page-Number"] == "1"
    org = first.json()[0]
    assert set(org) == {"org", "created", "updated", "harness_managed"}
    assert org["org"]["name"] == "Default"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"page": -1},
        {"sort": "size"},
        {"limit": "1_0"},
        {"page": " 1"},
        {"limit": "9" * 5000},  # past Python's int() limit of 4,300 digits: not a 500
    ],
)
def test_v1_paging_errors(api: Api, params: dict) -> None:
    response = api.v1("/v1/orgs", params=params)

    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_ARGUMENT"
    assert response.json()["errors"][0]["field_name"] in {"limit", "page", "sort"}


def test_orgs_search_and_default_limit(api: Api) -> None:
    search = api.v1("/v1/orgs", params={"search_term": "PAY"})
    default = api.v1("/v1/orgs")

    assert [o["org"]["identifier"] for o in search.json()] == ["payments"]
    assert default.headers["X-Page-Size"] == "20"


def test_org_and_project_get(api: Api) -> None:
    org = api.v1("/v1/orgs/platform")
    project = api.v1("/v1/orgs/default/projects/infra")
    missing = api.v1("/v1/orgs/default/projects/nope")

    assert org.json()["org"]["name"] == "Platform"
    assert project.json()["project"]["name"] == "Infrastructure"
    assert project.json()["project"]["org"] == "default"
    assert missing.status_code == 404
    assert missing.json()["code"] == "RESOURCE_NOT_FOUND"


def test_projects_list(api: Api) -> None:
    response = api.v1("/v1/orgs/default/projects", params={"limit": 2})
    search = api.v1("/v1/orgs/default/projects", params={"search_term": "sand"})

    assert [p["project"]["identifier"] for p in response.json()] == ["empty", "infra"]
    assert response.headers["X-Total-Elements"] == "3"
    assert [p["project"]["identifier"] for p in search.json()] == ["sandbox"]
    assert api.v1("/v1/orgs/nope/projects").status_code == 404


def test_templates_list_scope_and_recursion(api: Api) -> None:
    base = "/v1/orgs/default/projects/infra/templates"

    local = api.v1(base)
    recursive = api.v1(base, params={"recursive": "true"})
    everything = api.v1(base, params={"recursive": "true", "type": "ALL"})

    assert [t["identifier"] for t in local.json()] == ["k8s_namespace"]
    summaries = recursive.json()
    assert {(t["identifier"], t["scope"], t["version_label"]) for t in summaries} == {
        ("aws_service", "account", "v2"),
        ("gcp_bucket", "org", "v1"),
        ("k8s_namespace", "project", "v1"),
        ("deploy_pipeline", "account", "v1"),
    }
    assert {t["entity_type"] for t in summaries} == {"Workspace", "Pipeline"}
    assert recursive.headers["X-Total-Elements"] == "4"
    assert recursive.headers["X-Page-Size"] == "30"
    assert len(everything.json()) == 7  # aws_service v1, k8s_namespace v2 and 1.0+rc1 too
    assert all(t["stable_template"] for t in summaries)


def test_a_version_label_of_harness_s_shape_is_served_by_its_percent_encoded_segment(
    api: Api,
) -> None:
    # Harness labels a version with any non-space characters after a letter or digit
    # (harness-core NGRegexValidatorConstants.VERSION_LABEL_PATTERN): the seed holds one with a
    # "+", read with its path segment percent-encoded; a "/" encoded stays in one segment.
    base = "/v1/orgs/default/projects/infra/templates/k8s_namespace"

    version = api.v1(base + "/versions/1.0%2Brc1")
    versions = api.v1(
        base.removesuffix("/k8s_namespace"), params={"identifiers": "k8s_namespace", "type": "ALL"}
    )
    slashed = api.v1(base + "/versions/1.0%2Frc1")

    assert version.status_code == 200
    assert version.json()["template"]["version_label"] == "1.0+rc1"
    assert "versionLabel: 1.0+rc1" in version.json()["template"]["yaml"]
    assert "1.0+rc1" in {v["version_label"] for v in versions.json()}
    assert slashed.status_code == 404


def test_templates_list_search_and_paging(api: Api) -> None:
    base = "/v1/orgs/default/projects/infra/templates"

    search = api.v1(base, params={"recursive": "true", "search_term": "AWS"})
    page = api.v1(base, params={"recursive": "true", "limit": 3, "page": 1})

    assert [t["identifier"] for t in search.json()] == ["aws_service"]
    assert len(page.json()) == 1
    assert page.headers["X-Page-Number"] == "1"


@pytest.mark.parametrize(
    "path",
    ["/v1/templates", "/v1/orgs/default/templates", "/v1/orgs/default/projects/infra/templates"],
)
def test_templates_list_limit_is_at_most_100(api: Api, path: str) -> None:
    # No per-operation maximum for templates (contract §3.2, §5); the v1 intro's 100
    # (harness-api-reference.txt, Pagination) is the only one stated.
    hundred = api.v1(path, params={"limit": 100})
    over = api.v1(path, params={"limit": 101})

    assert hundred.status_code == 200
    assert hundred.headers["X-Page-Size"] == "100"
    assert over.status_code == 400
    assert over.json()["code"] == "INVALID_ARGUMENT"
    assert over.json()["errors"][0]["field_name"] == "limit"


def test_template_get_returns_the_stable_yaml(api: Api) -> None:
    response = api.v1("/v1/templates/aws_service")

    body = response.json()
    assert set(body) == {"template", "inputs"}
    template = body["template"]
    assert template["version_label"] == "v2"
    assert template["entity_type"] == "Workspace"
    assert "type: Workspace" in template["yaml"]
    assert "versionLabel: v2" in template["yaml"]
    assert "locked: true" in template["yaml"]


def test_template_get_at_each_scope(api: Api) -> None:
    org_level = api.v1("/v1/orgs/default/templates/gcp_bucket")
    project_level = api.v1("/v1/orgs/default/projects/infra/templates/k8s_namespace")
    wrong_scope = api.v1("/v1/orgs/default/projects/infra/templates/aws_service")

    assert "orgIdentifier: default" in org_level.json()["template"]["yaml"]
    assert "projectIdentifier: infra" in project_level.json()["template"]["yaml"]
    assert wrong_scope.status_code == 404


def test_template_versions_are_the_list_at_its_scope_with_identifiers_and_type_all(
    api: Api,
) -> None:
    versions = api.v1("/v1/templates", params={"identifiers": "aws_service", "type": "ALL"})
    stable_only = api.v1("/v1/templates", params={"identifiers": "aws_service"})
    v1 = api.v1("/v1/templates/aws_service/versions/v1")
    missing = api.v1("/v1/templates/aws_service/versions/v7")

    rows = sorted(versions.json(), key=lambda v: v["version_label"])
    assert [(v["identifier"], v["version_label"], v["stable_template"]) for v in rows] == [
        ("aws_service", "v1", False),
        ("aws_service", "v2", True),
    ]
    assert versions.headers["X-Total-Elements"] == "2"
    assert [v["version_label"] for v in stable_only.json()] == ["v2"]
    assert "versionLabel: v1" in v1.json()["template"]["yaml"]
    assert "version: 1.8.1" in v1.json()["template"]["yaml"]
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/v1/templates/aws_service/versions",
        "/v1/orgs/default/templates/gcp_bucket/versions",
        "/v1/orgs/default/projects/infra/templates/k8s_namespace/versions",
    ],
)
def test_there_is_no_template_versions_list_route(api: Api, path: str) -> None:
    response = api.v1(path)

    assert response.status_code == 404
    assert response.json()["code"] == "RESOURCE_NOT_FOUND"


def test_connector_search_matches_description_and_tags(api: Api) -> None:
    def found(term: str) -> set[str]:
        data = api.ng("POST", CONNECTORS, params={"searchTerm": term}, json=LIST_CONNECTORS).json()[
            "data"
        ]
        return {item["connector"]["identifier"] for item in data["content"]}

    by_description = found("vault connector")
    by_tag = found("owner:platform")
    by_identifier = found("aws_prod")

    assert by_description and all("vault" in i for i in by_description)
    assert by_tag and len(by_tag) < 31
    assert by_identifier == {"aws_prod"}


def _connector_ids(api: Api, term: str) -> set[str]:
    data = api.ng("POST", CONNECTORS, params={"searchTerm": term}, json=LIST_CONNECTORS).json()[
        "data"
    ]
    return {item["connector"]["identifier"] for item in data["content"]}


def test_connector_search_term_is_a_case_insensitive_regex(api: Api) -> None:
    # harness-core ConnectorFilterServiceImpl: name, identifier and description each matched
    # with `regex(searchTerm, CASE_INSENSITIVE_MONGO_OPTIONS)`.
    exact = _connector_ids(api, "^aws_prod$")
    upper = _connector_ids(api, "^AWS_PROD$")
    some_teams = _connector_ids(api, "^aws_team_0[1-3]$")
    dot = _connector_ids(api, "^aws.prod$")

    assert exact == upper == dot == {"aws_prod"}
    assert some_teams == {"aws_team_01", "aws_team_02", "aws_team_03"}


def test_connector_search_term_is_url_decoded_once_more(api: Api) -> None:
    # harness-core decodes the (already decoded) query parameter again with
    # URLDecoderUtility.getDecodedString: `+` is a space, `%5E` a `^`.
    by_description = _connector_ids(api, "^vault+connector$")
    anchored = _connector_ids(api, "%5Eaws_prod%24")

    assert by_description and all(i.startswith("vault") for i in by_description)
    assert anchored == {"aws_prod"}


def test_connector_search_matches_a_tag_exactly_as_key_colon_value(api: Api) -> None:
    # harness-core createCriteriaForSearchingTag: `tags` equal to {key, value} split at ":".
    assert _connector_ids(api, "owner:platform")
    assert _connector_ids(api, "owner:plat") == set()
    assert _connector_ids(api, "owner") == set()


@pytest.mark.parametrize("term", ["(", "aws[", "%zz", "%", "::"])
def test_an_unreadable_connector_search_term_is_harness_s_500(api: Api, term: str) -> None:
    # An invalid regex (Spring Data compiles it: PatternSyntaxException), an invalid %-escape
    # (URLDecoder: IllegalArgumentException) and colons only (no tag key: split[0] throws) all
    # reach NG's GenericExceptionMapperV2.
    response = api.ng("POST", CONNECTORS, params={"searchTerm": term}, json=LIST_CONNECTORS)

    body = response.json()
    assert response.status_code == 500
    assert body["code"] == "UNKNOWN_ERROR"
    assert body["message"].startswith("Oops, something went wrong on our end.")


@pytest.mark.parametrize("name", ["entity_types", "entity_types[]"])
@pytest.mark.parametrize("value", ["Workspace", "Pipeline,Workspace", "pipeline"])
def test_templates_entity_types_outside_the_documented_enum_are_refused(
    api: Api, name: str, value: str
) -> None:
    # Contract §3.2: the documented enum is Step, Stage, Pipeline, CustomDeployment,
    # MonitoredService, SecretManager; whether Workspace filters is UNCONFIRMED.
    response = api.v1("/v1/templates", params={name: value})

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "INVALID_ARGUMENT"
    assert body["errors"][0]["field_name"] == "entity_types"


def test_templates_entity_types_in_the_documented_enum_filter(api: Api) -> None:
    pipelines = api.v1("/v1/templates", params={"entity_types": "Pipeline"})
    steps = api.v1("/v1/templates", params={"entity_types[]": ["Step", "Stage"]})

    assert [t["identifier"] for t in pipelines.json()] == ["deploy_pipeline"]
    assert steps.status_code == 200 and steps.json() == []
