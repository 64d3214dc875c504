"""The secrets list's `searchTerm` and the v1 template, org and project lists' `search_term`,
read as harness-core reads them (harness_fake/search_terms.py; the README's §7, §3.2 and §8
rows)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.harness_fake.support import Api

SECRETS = "/ng/api/v2/secrets/list/secrets"


def _secret_refs(api: Api, term: str) -> set[str]:
    response = _search_secrets(api, term)
    assert response.status_code == 200, response.text
    refs = set()
    for item in response.json()["data"]["content"]:
        secret = item["secret"]
        scope = (
            "" if secret["projectIdentifier"] else "org." if secret["orgIdentifier"] else "account."
        )
        refs.add(scope + secret["identifier"])
    return refs


def _search_secrets(api: Api, term: str | None, *, query: str | None = "") -> Any:
    """The secrets list searched as the MCP server and the portal search it: `term` in the
    body and the same in the query, unless `query` says otherwise (None: not sent)."""
    body = {"filterType": "Secret", "includeAllSecretsAccessibleAtScope": True}
    params = {"orgIdentifier": "default", "projectIdentifier": "infra"}
    if term is not None:
        body["searchTerm"] = term
    query = term if query == "" else query
    if query is not None:
        params["searchTerm"] = query
    return api.ng("POST", SECRETS, params=params, json=body)


def _add_secret(fake: Any, identifier: str, **fields: Any) -> None:
    state = fake.server.app.state
    with state.lock:
        tf_token = next(s for s in state.secrets if s.identifier == "tf_token")
        state.secrets.append(replace(tf_token, identifier=identifier, **fields))


def test_secret_search_term_is_a_case_insensitive_regex(api: Api) -> None:
    # harness-core SecretCrudServiceImpl.list: name, identifier, tag keys and tag values each
    # `regex(searchTerm, CASE_INSENSITIVE_MONGO_OPTIONS)`.
    exact = _secret_refs(api, "^tf_token$")
    upper = _secret_refs(api, "^TF_TOKEN$")
    dot = _secret_refs(api, "^tf.token$")
    either = _secret_refs(api, "^(api_key|tf_token)$")

    assert exact == upper == dot == {"account.tf_token"}
    assert either == {"api_key", "account.tf_token"}


def test_secret_search_term_reads_tags_but_not_the_description(api: Api, fake: Any) -> None:
    _add_secret(fake, "vault_root", name="Vault root", tags={"owner": "platform-team"})

    by_key = _secret_refs(api, "^owner$")
    by_value = _secret_refs(api, "platform-t")
    by_description = _secret_refs(api, "used by workspaces")

    assert by_key == by_value == {"account.vault_root"}
    assert by_description == set()


@pytest.mark.parametrize("term", ["(", "tf_token[", "a{2,1}", "*"])
def test_an_invalid_secret_search_regex_is_harness_s_500(api: Api, term: str) -> None:
    # Spring Data's Criteria.regex compiles the pattern: PatternSyntaxException reaches NG's
    # catch-all GenericExceptionMapperV2.
    response = _search_secrets(api, term)

    body = response.json()
    assert response.status_code == 500
    assert body["code"] == "UNKNOWN_ERROR"
    assert body["message"].startswith("Oops, something went wrong on our end.")


@pytest.mark.parametrize("term", ["tf+token", "%5Etf_token", "100%"])
def test_a_secret_search_term_a_second_url_decode_would_change_is_refused(
    api: Api, term: str
) -> None:
    # Whether the secrets list decodes the term once more, as listV2 does, is UNCONFIRMED: a
    # `+` or `%` would read differently, so the fake refuses them (`\x2B`, `\x25` read alike).
    refused = _search_secrets(api, term)
    escaped = _search_secrets(api, term.replace("+", "\\x2B").replace("%", "\\x25"))

    body = refused.json()
    assert refused.status_code == 400
    assert body["code"] == "INVALID_REQUEST"
    assert body["errors"][0]["fieldId"] == "searchTerm"
    assert escaped.status_code == 200


@pytest.mark.parametrize(("term", "query"), [("tf_token", "api_key"), (None, "tf_token")])
def test_a_secret_search_term_in_the_query_must_be_the_body_s(
    api: Api, term: str | None, query: str
) -> None:
    # The published spec of this route (listSecretsV4) has `searchTerm` only in the body
    # (SecretFilterProperties); the MCP server sends it in both. Which one Harness reads when
    # they differ is UNCONFIRMED: refused.
    refused = _search_secrets(api, term, query=query)
    body_only = _search_secrets(api, "tf_token", query=None)

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["fieldId"] == "searchTerm"
    assert body_only.status_code == 200
    assert len(body_only.json()["data"]["content"]) == 1


TEMPLATES = "/v1/orgs/default/projects/infra/templates"


def _template_ids(api: Api, term: str, **params: str) -> list[str]:
    response = api.v1(TEMPLATES, params={"recursive": "true", "search_term": term, **params})
    assert response.status_code == 200, response.text
    return sorted(t["identifier"] for t in response.json())


def test_template_search_term_is_a_case_insensitive_regex(api: Api) -> None:
    # harness-core NGTemplateServiceHelper.getSearchTermCriteria: identifier, name, version
    # label, description, tag keys and tag values each `regex(searchTerm, "i")`.
    exact = _template_ids(api, "^aws_service$")
    dot = _template_ids(api, "^AWS.SERVICE$")
    either = _template_ids(api, "^(gcp|k8s)_")

    assert exact == dot == ["aws_service"]
    assert either == ["gcp_bucket", "k8s_namespace"]


def test_template_search_term_reads_version_label_description_and_tags(api: Api) -> None:
    workspace_templates = ["aws_service", "gcp_bucket", "k8s_namespace"]

    by_version = _template_ids(api, "^v2$")
    by_description = _template_ids(api, "workspace template$")
    by_tag_key = _template_ids(api, "^team$")
    by_tag_value = _template_ids(api, "^platform$")

    assert by_version == ["aws_service"]  # k8s_namespace's v2 is not its stable version
    assert by_description == workspace_templates
    assert by_tag_key == by_tag_value == sorted([*workspace_templates, "deploy_pipeline"])


def test_template_search_term_is_not_url_decoded_again(api: Api) -> None:
    # TemplateResourceApiHelper.getTemplates passes the query parameter on as JAX-RS decoded it.
    quantified = _template_ids(api, "aws_se+rvice")
    escaped = _template_ids(api, "%5Eaws_service")

    assert quantified == ["aws_service"]
    assert escaped == []


@pytest.mark.parametrize("term", ["(", "aws[", "*"])
def test_an_invalid_template_search_regex_is_harness_s_500(api: Api, term: str) -> None:
    # template-service registers GenericExceptionMapperV2 too (TemplateServiceApplication).
    response = api.v1(TEMPLATES, params={"recursive": "true", "search_term": term})

    body = response.json()
    assert response.status_code == 500
    assert body["code"] == "UNKNOWN_ERROR"
    assert body["message"].startswith("Oops, something went wrong on our end.")


def _org_ids(api: Api, term: str) -> list[str]:
    response = api.v1("/v1/orgs", params={"search_term": term})
    assert response.status_code == 200, response.text
    return sorted(o["org"]["identifier"] for o in response.json())


def _project_ids(api: Api, term: str) -> list[str]:
    response = api.v1("/v1/orgs/default/projects", params={"search_term": term})
    assert response.status_code == 200, response.text
    return sorted(p["project"]["identifier"] for p in response.json())


def _tag(fake: Any, key: tuple[str, ...], tags: dict[str, str]) -> None:
    # A copy: the seed's org and project objects are shared with the state reset restores.
    state = fake.server.app.state
    with state.lock:
        scopes = state.orgs if len(key) == 2 else state.projects
        scopes[key] = replace(scopes[key], tags=tags)


def test_org_and_project_search_terms_are_case_insensitive_regexes(api: Api) -> None:
    # harness-core OrganizationServiceImpl.createOrganizationFilterCriteria and
    # ProjectServiceImpl.createProjectFilterCriteria: name, identifier, tag keys and tag values
    # each `regex(searchTerm, "i")`.
    orgs_dot = _org_ids(api, "^PLAT.ORM$")
    orgs_either = _org_ids(api, "^(default|payments)$")
    projects_dot = _project_ids(api, "SAND.OX")
    projects_either = _project_ids(api, "^(infra|empty)$")

    assert orgs_dot == ["platform"]
    assert orgs_either == ["default", "payments"]
    assert projects_dot == ["sandbox"]
    assert projects_either == ["empty", "infra"]


def test_org_and_project_search_terms_read_tags_but_not_the_description(
    api: Api, fake: Any
) -> None:
    _tag(fake, ("AcmeDemoAcct01", "payments"), {"cost_center": "finance-emea"})
    _tag(fake, ("AcmeDemoAcct01", "default", "sandbox"), {"owner": "qa-team"})

    orgs = [_org_ids(api, "^cost_center$"), _org_ids(api, "EMEA$")]
    projects = [_project_ids(api, "^owner$"), _project_ids(api, "^qa-")]
    by_description = [_org_ids(api, "organization$"), _project_ids(api, "project$")]

    assert orgs == [["payments"], ["payments"]]
    assert projects == [["sandbox"], ["sandbox"]]
    assert by_description == [[], []]


def test_org_and_project_search_terms_are_not_url_decoded_again(api: Api) -> None:
    # OrganizationApiImpl.getOrganizations and OrgProjectApiImpl.getOrgScopedProjects pass the
    # query parameter on as JAX-RS decoded it.
    assert _org_ids(api, "pa+yments") == ["payments"]
    assert _org_ids(api, "%5Epayments") == []
    assert _project_ids(api, "in+fra") == ["infra"]
    assert _project_ids(api, "%5Einfra") == []


def test_a_blank_org_or_project_search_term_is_no_search(api: Api) -> None:
    # Both read the term only when `isNotBlank`.
    assert _org_ids(api, "  ") == ["default", "payments", "platform"]
    assert _project_ids(api, " ") == ["empty", "infra", "sandbox"]


@pytest.mark.parametrize("path", ["/v1/orgs", "/v1/orgs/default/projects"])
@pytest.mark.parametrize("term", ["(", "pay[", "*"])
def test_an_invalid_org_or_project_search_regex_is_harness_s_500(
    api: Api, path: str, term: str
) -> None:
    # Spring Data's Criteria.regex compiles the pattern: PatternSyntaxException reaches
    # ng-manager's catch-all GenericExceptionMapperV2.
    response = api.v1(path, params={"search_term": term})

    body = response.json()
    assert response.status_code == 500
    assert body["code"] == "UNKNOWN_ERROR"
    assert body["message"].startswith("Oops, something went wrong on our end.")
