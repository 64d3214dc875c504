"""Read calls against the fake Harness: parsed content, paging and parameters on the wire."""

from datetime import UTC, datetime

import pytest

from harness_fake.search_terms import connector_found, connector_search
from harness_fake.state import Connector as FakeConnector
from workspaces.harness import (
    Account,
    Connector,
    HarnessForbidden,
    HarnessNotFound,
    HarnessUnauthorized,
    HarnessValidationError,
    Org,
    Page,
    Project,
    Secret,
    Template,
    TemplateSummary,
    Variable,
    Workspace,
    WorkspaceSummary,
)
from workspaces.harness.search_terms import literal_search_term

from .conftest import ORG_KEY, OTHER_ACCOUNT, OTHER_KEY


def test_check_account_returns_the_account(client, fake):
    account = client.check_account()

    assert account == Account(
        identifier="AcmeDemoAcct01",
        name="Acme Demo",
        company_name=account.company_name,
        created=account.created,
    )
    assert account.created is not None and account.created.tzinfo is UTC
    [call] = fake.log(route="ng.accounts.get")
    assert call["query"]["accountIdentifier"] == ["AcmeDemoAcct01"]
    assert call["query"]["routingId"] == ["AcmeDemoAcct01"]


def test_check_account_with_an_unknown_key_is_unauthorized(make_client):
    client = make_client(key="pat.AcmeDemoAcct01.000000000000000000000000.nOtAkEy")

    with pytest.raises(HarnessUnauthorized) as excinfo:
        client.check_account()

    assert excinfo.value.status == 401
    assert excinfo.value.request_id


def test_list_orgs_returns_the_seeded_orgs(client, fake):
    page = client.list_orgs()

    assert isinstance(page, Page)
    assert [org.identifier for org in page.items] == ["default", "payments", "platform"]
    assert all(isinstance(org, Org) for org in page.items)
    assert page.items[0].name == "Default"
    assert (page.page, page.total_items, page.total_pages) == (1, 3, 1)
    [call] = fake.log(route="v1.orgs.list")
    assert call["headers"]["harness-account"] == "AcmeDemoAcct01"
    assert call["query"]["page"] == ["0"]


def test_list_orgs_search_and_second_page(client, fake):
    searched = client.list_orgs(search="pay")
    second = client.list_orgs(page=2, limit=2)

    assert [org.identifier for org in searched.items] == ["payments"]
    assert [org.identifier for org in second.items] == ["platform"]
    assert (second.page, second.limit, second.total_items, second.total_pages) == (2, 2, 3, 2)
    assert second.has_previous and not second.has_next
    calls = fake.log(route="v1.orgs.list")
    assert calls[0]["query"]["search_term"] == ["pay"]
    assert calls[1]["query"]["page"] == ["1"]
    assert calls[1]["query"]["limit"] == ["2"]


@pytest.mark.parametrize("text", ["(", "pay.ents", "^pay", "%5E", "pa+y", "\\", "  "])
def test_list_orgs_and_projects_search_is_literal_text(client, fake, text):
    # Harness reads the v1 org and project lists' search_term as a regex (and a blank one as no
    # search): the client escapes it.
    orgs = client.list_orgs(search=text)
    projects = client.list_projects(org="default", search=text)

    assert orgs.items == projects.items == ()
    assert [call["status"] for call in fake.log(route="v1.orgs.list")] == [200]
    assert [call["status"] for call in fake.log(route="v1.projects.list")] == [200]


def test_get_org(client):
    org = client.get_org(org="platform")

    assert (org.identifier, org.name) == ("platform", "Platform")


def test_list_projects_of_an_org(client):
    page = client.list_projects(org="default")

    assert [p.identifier for p in page.items] == ["empty", "infra", "sandbox"]
    infra = page.items[1]
    assert isinstance(infra, Project)
    assert (infra.org, infra.name) == ("default", "Infrastructure")
    assert page.total_items == 3


def test_get_project(client):
    project = client.get_project(org="default", project="infra")

    assert (project.identifier, project.org, project.name) == ("infra", "default", "Infrastructure")


def test_list_projects_of_an_unknown_org_is_not_found(client):
    with pytest.raises(HarnessNotFound):
        client.list_projects(org="nope")


def test_list_workspaces_first_page(client, fake):
    page = client.list_workspaces(org="default", project="infra")

    assert len(page.items) == 30
    assert (page.page, page.limit, page.total_items, page.total_pages) == (1, 30, 1800, 60)
    first = page.items[0]
    assert isinstance(first, WorkspaceSummary)
    assert (first.org, first.project, first.account) == ("default", "infra", "AcmeDemoAcct01")
    assert first.updated is not None and first.updated.tzinfo is UTC
    names = [ws.name for ws in page.items]
    assert names == sorted(names)
    [call] = fake.log(route="iacm.workspaces.list")
    assert call["headers"]["harness-account"] == "AcmeDemoAcct01"
    assert call["query"]["page"] == ["1"]
    assert call["query"]["sort"] == ["name,ASC"]


def test_list_workspaces_pages_through_the_large_project(client):
    first = client.list_workspaces(org="default", project="infra", limit=100)
    second = client.list_workspaces(org="default", project="infra", page=2, limit=100)
    last = client.list_workspaces(org="default", project="infra", page=18, limit=100)

    assert (second.page, second.total_items, second.total_pages) == (2, 1800, 18)
    assert len(second.items) == 100
    assert first.items[-1].name < second.items[0].name
    assert not {ws.identifier for ws in first.items} & {ws.identifier for ws in second.items}
    assert second.has_next and second.has_previous
    assert len(last.items) == 100 and not last.has_next


def test_list_workspaces_past_the_end_is_empty(client):
    page = client.list_workspaces(org="default", project="infra", page=19, limit=100)

    assert page.items == ()
    assert page.total_items == 1800


def test_list_workspaces_search_sort_status_and_tags_reach_harness(client, fake):
    page = client.list_workspaces(
        org="default",
        project="infra",
        search="vpc",
        sort="updated,DESC",
        statuses=["active", "drifted"],
        tags={"env": "prod"},
        limit=1000,
    )

    [call] = fake.log(route="iacm.workspaces.list")
    assert call["query"]["searchTerm"] == ["vpc"]
    assert call["query"]["sort"] == ["updated,DESC"]
    assert call["query"]["status"] == ["active", "drifted"]
    assert call["query"]["tags"] == ["env:prod"]
    assert page.items, "the seed has active/drifted prod vpc workspaces"
    for ws in page.items:
        assert "vpc" in ws.name
        assert ws.status in {"active", "drifted"}
    updated = [ws.updated for ws in page.items]
    assert updated == sorted(updated, reverse=True)
    assert page.total_items == len(page.items)


def test_list_workspaces_tag_filter_is_applied(client):
    tagged = client.list_workspaces(org="default", project="sandbox", tags=["env:prod"])
    every = client.list_workspaces(org="default", project="sandbox")

    assert tagged.total_items < every.total_items == 12
    for summary in tagged.items:
        ws = client.get_workspace(org="default", project="sandbox", identifier=summary.identifier)
        assert ws.tags["env"] == "prod"


def test_list_workspaces_rejects_a_bad_sort_or_page(client):
    with pytest.raises(ValueError):
        client.list_workspaces(org="default", project="infra", sort="name")
    with pytest.raises(ValueError):
        client.list_workspaces(org="default", project="infra", page=0)


def test_list_workspaces_of_an_empty_project(client):
    page = client.list_workspaces(org="default", project="empty")

    assert (page.items, page.total_items, page.total_pages) == ((), 0, 0)
    assert not page.has_next


def test_get_workspace_parses_every_part(client):
    listed = client.list_workspaces(org="default", project="infra", limit=1000)
    identifiers = [ws.identifier for ws in listed.items]

    workspaces = [
        client.get_workspace(org="default", project="infra", identifier=identifier)
        for identifier in identifiers[:80]
    ]

    ws = workspaces[0]
    assert isinstance(ws, Workspace)
    assert ws.identifier == identifiers[0]
    assert (ws.account, ws.org, ws.project) == ("AcmeDemoAcct01", "default", "infra")
    assert ws.provisioner in {"opentofu", "terraform", "terragrunt", "awscdk"}
    assert ws.provider_connector
    assert isinstance(ws.created, datetime) and ws.created.tzinfo is UTC
    assert ws.created <= ws.updated
    assert "env" in ws.tags
    region = ws.terraform_variables["region"]
    assert isinstance(region, Variable)
    assert (region.key, region.value_type) == ("region", "string")
    assert region.created is not None
    secret_vars = [
        var for w in workspaces for var in w.environment_variables.values() if var.is_secret
    ]
    assert secret_vars and all(var.value in {"account.tf_token", "api_key"} for var in secret_vars)
    assert any(w.provider_connectors for w in workspaces)
    # Linked workspaces hold their template's provider connector (an aws one); the others a vault.
    vault = next(c for w in workspaces for c in w.provider_connectors if c.type == "vault")
    assert vault.connector_ref == "account.vault_main"
    assert vault.id.isdigit()  # Harness sends the read-only id as an int64 number
    assert any(w.associated_template for w in workspaces)
    assert any(w.budget is not None for w in workspaces)
    assert {w.git_reference[0] for w in workspaces} <= {"branch", "tag", "commit"}


def test_get_unknown_workspace_is_not_found(client):
    with pytest.raises(HarnessNotFound) as excinfo:
        client.get_workspace(org="default", project="infra", identifier="no_such_ws")

    assert excinfo.value.status == 404
    assert excinfo.value.name == "not_found"
    assert excinfo.value.request_id


def test_workspace_metrics_count_every_workspace(client, fake):
    counts = client.workspace_metrics(org="default", project="infra")

    assert sum(counts.values()) == 1800
    assert counts["active"] > counts["failed"] > 0
    assert all(isinstance(n, int) for n in counts.values())


@pytest.mark.parametrize(("unit", "sent"), [("ms", ["1000", "2000"]), ("s", ["1", "2"])])
def test_workspace_metrics_sends_the_time_window_in_the_configured_unit(
    make_client, fake, unit, sent
):
    client = make_client(metrics_time_unit=unit)

    client.workspace_metrics(org="default", project="sandbox", start_time=1, end_time=2)

    [call] = fake.log(route="iacm.metrics")
    assert [call["query"]["start_time"][0], call["query"]["end_time"][0]] == sent


@pytest.mark.parametrize("unit", ["ms", "s"])
def test_a_window_counts_fewer_workspaces_than_all_time_in_either_unit(make_client, fake, unit):
    start_s = fake.seed()["start_time_ms"] // 1000 - 7 * 86_400
    client = make_client(metrics_time_unit=unit)

    windowed = client.workspace_metrics(org="default", project="infra", start_time=start_s)

    assert 0 < sum(windowed.values()) < 1800


def test_an_unknown_metrics_time_unit_is_refused(make_client):
    with pytest.raises(ValueError, match="metrics_time_unit"):
        make_client(metrics_time_unit="us")


def test_list_tags(client):
    tags = client.list_tags(org="default", project="infra")

    assert "env:prod" in tags
    assert all(":" in tag for tag in tags)


def test_supported_provisioner_versions(client):
    versions = client.supported_provisioner_versions(provisioner="terraform")

    assert versions[-1] == "1.5.7"
    assert "1.5.6" in versions


def test_unknown_provisioner_is_a_validation_error(client):
    with pytest.raises(HarnessValidationError) as excinfo:
        client.supported_provisioner_versions(provisioner="pulumi")

    assert excinfo.value.name == "invalid_enum_value"


def test_list_connectors_includes_every_scope(client, fake):
    page = client.list_connectors(
        org="default", project="infra", types=["Aws", "Gcp", "Azure"], limit=100
    )

    by_ref = {c.ref: c for c in page.items}
    assert all(isinstance(c, Connector) for c in page.items)
    assert {c.type for c in page.items} == {"Aws", "Gcp", "Azure"}
    assert by_ref["account.aws_prod"].scope == "account"
    assert by_ref["org.aws_sandbox"].scope == "org"
    assert by_ref["org.aws_sandbox"].org == "default"
    infra = by_ref["aws_infra"]
    assert (infra.scope, infra.org, infra.project) == ("project", "default", "infra")
    assert "org.aws_network" not in by_ref  # another org's connector
    assert page.total_items == len(page.items)
    [call] = fake.log(route="ng.connectors.list")
    assert call["method"] == "POST"
    assert call["query"]["includeAllConnectorsAvailableAtScope"] == ["true"]
    assert call["query"]["accountIdentifier"] == ["AcmeDemoAcct01"]
    assert call["body"]["types"] == ["Aws", "Gcp", "Azure"]


def test_list_connectors_repositories_have_urls_and_page(client, fake):
    first = client.list_connectors(
        org="default", project="infra", types=["Github", "Gitlab", "Bitbucket", "Git"], limit=3
    )
    second = client.list_connectors(
        org="default",
        project="infra",
        types=["Github", "Gitlab", "Bitbucket", "Git"],
        page=2,
        limit=3,
    )

    assert len(first.items) == 3 and first.total_items > 3
    assert all(c.url.startswith("https://") for c in first.items + second.items)
    assert not {c.ref for c in first.items} & {c.ref for c in second.items}
    assert fake.log(route="ng.connectors.list")[1]["query"]["pageIndex"] == ["1"]


def test_list_connectors_search(client, fake):
    page = client.list_connectors(org="default", project="infra", types=["Aws"], search="team_0")

    assert page.items
    assert all("team_0" in c.identifier for c in page.items)
    assert fake.log(route="ng.connectors.list")[0]["query"]["searchTerm"] == ["team_0"]


@pytest.mark.parametrize("text", ["(", "team.01", "aws$", "%", "::", "a+b", "\\"])
def test_list_connectors_search_is_literal_text(client, fake, text):
    # Harness reads searchTerm as a regex after URL-decoding it again: the client escapes it.
    page = client.list_connectors(org="default", project="infra", types=["Aws"], search=text)

    assert page.items == ()
    assert fake.log(route="ng.connectors.list")[0]["status"] == 200


def test_list_connectors_search_finds_a_tag_as_key_colon_value(client, fake):
    page = client.list_connectors(
        org="default", project="infra", types=["Aws"], search="owner:platform"
    )

    assert page.items
    assert fake.log(route="ng.connectors.list")[0]["query"]["searchTerm"] == ["owner:platform"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("team:platform-core_2", True),
        ("notes", True),  # a key alone: the tag with an empty value
        ("équipe:café", True),  # a character outside ASCII is sent as it is
        ("team:Platform-core_2", False),  # the tag is compared exactly, case too
        ("team:platform", False),  # ... and whole
        ("site:eu.west", False),  # a "." is sent escaped, and the tag compared with that
        ("owner:Jane Doe", False),
        ("path:infra/net", False),
    ],
)
def test_a_connector_search_finds_a_tag_of_letters_digits_underscores_and_hyphens(text, found):
    """listV2 compares the tag `{key, value}` split from the term with the term as sent
    (harness-core ConnectorFilterServiceImpl, read by the fake's `connector_search`), and
    `literal_search_term` escapes each ASCII character but a letter, digit, `_`, `-` and `:`:
    a tag holding another is not found by `key:value`, as its docstring says."""
    connector = FakeConnector(
        account="acct",
        org=None,
        project=None,
        identifier="c1",
        name="c1",
        tags={
            "team": "platform-core_2",
            "notes": "",
            "équipe": "café",
            "site": "eu.west",
            "owner": "Jane Doe",
            "path": "infra/net",
        },
    )

    search = connector_search(literal_search_term(text))

    assert connector_found(search, connector) is found


def test_list_connectors_by_identifier_is_exact(client, fake):
    page = client.list_connectors(
        org="default", project="infra", types=["Aws"], identifiers=["aws_team_01"]
    )

    assert [c.ref for c in page.items] == ["account.aws_team_01"]
    [call] = fake.log(route="ng.connectors.list")
    assert call["body"]["connectorIdentifiers"] == ["aws_team_01"]
    assert "searchTerm" not in call["query"]


def test_list_secrets_includes_every_scope(client):
    page = client.list_secrets(org="default", project="infra", limit=100)

    refs = {s.ref: s for s in page.items}
    assert all(isinstance(s, Secret) for s in page.items)
    assert {"account.tf_token", "org.db_password", "api_key"} <= set(refs)
    assert refs["api_key"].scope == "project"
    assert refs["org.db_password"].scope == "org"
    assert "org.net_token" not in refs
    assert all(s.type == "SecretText" for s in page.items)


@pytest.mark.parametrize("text", ["(", "tf.token", "token$", "%", "a+b", "\\", "::"])
def test_list_secrets_search_is_literal_text(client, fake, text):
    # Harness reads the secrets list's searchTerm as a regex: the client escapes it, the same
    # in the body and the query, and never sends the `+` or `%` a second decode would change.
    page = client.list_secrets(org="default", project="infra", search=text)

    assert page.items == ()
    [call] = fake.log(route="ng.secrets.list")
    assert call["status"] == 200
    assert call["query"]["searchTerm"] == [call["body"]["searchTerm"]]


def test_list_secrets_search_finds_text_in_a_name(client):
    page = client.list_secrets(org="default", project="infra", search="DB pass")

    assert {s.ref for s in page.items} == {"org.db_password", "infra_db_pass"}


def test_list_templates_keeps_workspace_templates_only(client, fake):
    page = client.list_templates(org="default", project="infra")

    refs = [t.ref for t in page.items]
    assert sorted(refs) == ["account.aws_service", "k8s_namespace", "org.gcp_bucket"]
    aws = next(t for t in page.items if t.ref == "account.aws_service")
    assert isinstance(aws, TemplateSummary)
    assert (aws.scope, aws.entity_type, aws.stable, aws.version_label) == (
        "account",
        "Workspace",
        True,
        "v2",
    )
    assert page.total_items == 3
    call = fake.log(route="v1.templates.list")[0]
    assert call["query"]["recursive"] == ["true"]
    assert call["query"]["type"] == ["STABLE_TEMPLATE"]


@pytest.mark.parametrize("text", ["(", "aws.service", "service$", "%5E", "a+b", "\\"])
def test_list_templates_search_is_literal_text(client, fake, text):
    # Harness reads the v1 template list's search_term as a regex: the client escapes it.
    page = client.list_templates(org="default", project="infra", search=text)

    assert page.items == ()
    [call] = fake.log(route="v1.templates.list")
    assert call["status"] == 200


def test_list_templates_search_finds_text_in_a_name(client):
    page = client.list_templates(org="default", project="infra", search="AWS serv")

    assert [t.ref for t in page.items] == ["account.aws_service"]


def test_list_templates_pages_locally(client):
    second = client.list_templates(org="default", project="infra", page=2, limit=2)

    assert len(second.items) == 1
    assert (second.total_items, second.total_pages) == (3, 2)


def test_get_template_stable_and_version(client):
    stable = client.get_template(org="default", project="infra", identifier="account.aws_service")
    v1 = client.get_template(
        org="default", project="infra", identifier="account.aws_service", version="v1"
    )

    assert isinstance(stable, Template)
    assert stable.version_label == "v2"
    assert "type: Workspace" in stable.yaml
    assert "locked: true" in stable.yaml
    assert v1.version_label == "v1"
    assert "version: 1.8.1" in v1.yaml


def test_a_version_label_goes_into_the_path_as_one_percent_encoded_segment(client, fake):
    # Harness's version labels take any non-space characters after a letter or digit
    # (harness-core NGRegexValidatorConstants.VERSION_LABEL_PATTERN): "+", "/", "?", "#" too.
    found = client.get_template(
        org="default", project="infra", identifier="k8s_namespace", version="1.0+rc1"
    )
    for label in ("release/2024", "v2:beta?x=1#top", "v1(eu)"):
        with pytest.raises(HarnessNotFound):
            client.get_template(
                org="default", project="infra", identifier="k8s_namespace", version=label
            )

    assert found.version_label == "1.0+rc1"
    paths = [call["path"] for call in fake.log(route="v1.templates.version")]
    base = "/v1/orgs/default/projects/infra/templates/k8s_namespace/versions/"
    assert paths == [
        base + "1.0%2Brc1",
        base + "release%2F2024",
        base + "v2%3Abeta%3Fx%3D1%23top",
        base + "v1%28eu%29",
    ]


def test_get_template_at_org_and_project_scope(client):
    gcp = client.get_template(org="default", project="infra", identifier="org.gcp_bucket")
    k8s = client.get_template(org="default", project="infra", identifier="k8s_namespace")

    assert (gcp.scope, gcp.ref) == ("org", "org.gcp_bucket")
    assert (k8s.scope, k8s.ref) == ("project", "k8s_namespace")
    assert "gitFetchType: branch" in k8s.yaml


def test_a_bare_template_id_is_read_at_the_project_scope_only(client, fake):
    """A workspace's `associated_template.template_id` is a bare identifier, which names a
    template of the workspace's project (contract §6.3); a template of the same identifier at
    the org or account is another template, never read in its place."""
    with pytest.raises(HarnessNotFound):
        client.get_template(org="default", project="infra", identifier="aws_service")
    with pytest.raises(HarnessNotFound):
        client.list_template_versions(org="default", project="infra", identifier="gcp_bucket")
    k8s = client.list_template_versions(org="default", project="infra", identifier="k8s_namespace")

    assert sorted((v.ref, v.version_label) for v in k8s) == [
        ("k8s_namespace", "1.0+rc1"),
        ("k8s_namespace", "v1"),
        ("k8s_namespace", "v2"),
    ]
    paths = [call["path"] for call in fake.log() if call["route"].startswith("v1.templates")]
    assert paths == [
        "/v1/orgs/default/projects/infra/templates/aws_service",
        "/v1/orgs/default/projects/infra/templates",
        "/v1/orgs/default/projects/infra/templates",
    ]


def test_get_unknown_template_is_not_found(client):
    with pytest.raises(HarnessNotFound):
        client.get_template(org="default", project="infra", identifier="account.nope")
    with pytest.raises(HarnessNotFound):
        client.get_template(org="default", project="infra", identifier="nope")


def test_list_template_versions_is_the_list_at_its_scope_with_identifiers_and_type_all(
    client, fake
):
    versions = client.list_template_versions(
        org="default", project="infra", identifier="account.aws_service"
    )

    assert sorted(v.version_label for v in versions) == ["v1", "v2"]
    assert [v.stable for v in sorted(versions, key=lambda v: v.version_label)] == [False, True]
    (call,) = fake.log(route="v1.templates.list")
    assert call["path"] == "/v1/templates"
    assert call["query"]["identifiers"] == ["aws_service"]
    assert call["query"]["type"] == ["ALL"]
    assert "recursive" not in call["query"]


def test_list_versions_of_an_unknown_template_is_not_found(client, fake):
    with pytest.raises(HarnessNotFound):
        client.list_template_versions(org="default", project="infra", identifier="nope")

    (call,) = fake.log(route="v1.templates.list")  # the project's list only
    assert call["path"] == "/v1/orgs/default/projects/infra/templates"


def test_org_limited_key_sees_only_its_org(make_client):
    client = make_client(key=ORG_KEY)

    orgs = client.list_orgs()
    networking = client.list_workspaces(org="platform", project="networking")

    assert [org.identifier for org in orgs.items] == ["platform"]
    assert networking.total_items == 40
    with pytest.raises(HarnessForbidden) as excinfo:
        client.list_workspaces(org="default", project="infra")
    assert excinfo.value.status == 403


def test_other_account_sees_only_its_own_data(make_client):
    client = make_client(key=OTHER_KEY, account=OTHER_ACCOUNT)

    orgs = client.list_orgs()
    misc = client.list_workspaces(org="default", project="misc")

    assert [org.identifier for org in orgs.items] == ["default"]
    assert misc.total_items == 5
    with pytest.raises(HarnessNotFound):
        client.list_workspaces(org="default", project="infra")


def test_a_key_used_with_another_account_is_refused(make_client):
    client = make_client(key=OTHER_KEY)  # account AcmeDemoAcct01

    with pytest.raises((HarnessUnauthorized, HarnessForbidden)):
        client.list_workspaces(org="default", project="infra")
