"""Creates Harness refuses: fields a linked template locks, and `provisioner: "terragrunt"`."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from harness_fake import template_locks
from harness_fake.testing import FakeHandle
from tests.harness_fake.support import ACCOUNT, WS, Api, workspace_body

# k8s_namespace v1, default/infra's own template, locks its provisioner (opentofu 1.9.1, with
# the additional provider connectors) and repository blocks; cost estimation is not locked
# (seed_templates.py, `workspace_spec`).
LINK = {"template_id": "k8s_namespace", "version": "v1"}


def linked_body(**overrides: Any) -> dict[str, Any]:
    """A create body linked to k8s_namespace v1 that leaves out every field the version locks."""
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
    assert (ws["provisioner"], ws["provisioner_version"]) == ("opentofu", "1.9.1")
    assert ws["repository"] == "infra-live"
    assert ws["repository_connector"] == "github_infra"
    # The template names no path (no documented key): the locked repository block keeps none.
    assert (ws["repository_branch"], ws["repository_path"]) == ("main", "")
    # The body sends no provider connector and the template names none (no documented YAML key
    # holds one); the locked provisioner block keeps the additional ones at the template's (none).
    assert (ws["provider_connector"], ws["provider_connectors"]) == ("", [])
    assert ws["cost_estimation_enabled"] is True  # not locked: the body's own value


@pytest.mark.parametrize(
    ("locked", "value"),
    [
        ("provisioner_version", "1.9.1"),
        ("repository", "infra-live"),
        ("repository_connector", "github_infra"),
        ("repository_branch", "main"),
        ("repository_path", "stacks/namespace"),
        ("repository_submodules", "false"),
        ("provider_connectors", [{"connector_ref": "aws_infra", "type": "aws"}]),
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


def _linked_to(identifier: str, template_id: str, version: str) -> dict[str, Any]:
    """A create body for `identifier` linked to `template_id` that leaves out what a Workspace
    template can lock."""
    body = workspace_body(identifier, provider_connector="")
    for field in [k for k in body if k.startswith("repository")]:
        del body[field]
    for field in ("provisioner_version", "provider_connectors"):
        del body[field]
    return body | {"associated_template": {"template_id": template_id, "version": version}}


def test_linking_an_account_template_never_links_a_project_template_of_the_same_id(
    api: Api, fake: FakeHandle
) -> None:
    state = fake.server.app.state
    account_v2 = next(
        t
        for t in state.templates
        if t.identifier == "aws_service" and t.version_label == "v2" and t.org is None
    )
    state.templates.append(
        dataclasses.replace(
            account_v2,
            org="default",
            project="infra",
            name="Infra's own aws_service",
            yaml=account_v2.yaml.replace("1.10.6", "1.9.1"),
        )
    )

    scoped = api.iacm("POST", WS, json=_linked_to("picked_account", "account.aws_service", "v2"))
    bare = api.iacm("POST", WS, json=_linked_to("picked_bare", "aws_service", "v2"))

    # No public source names an account or org template in `associated_template.template_id`
    # (contract §2.1, §3.3): a scoped ref is refused, a bare id is the project's template.
    assert _goa_400(scoped)["name"] == "bad_request"
    assert 'template "account.aws_service"' in scoped.json()["message"]
    assert bare.status_code == 200, bare.text
    assert api.iacm("GET", f"{WS}/picked_bare").json()["provisioner_version"] == "1.9.1"


@pytest.mark.parametrize(
    ("template_id", "version"),
    [("aws_service", "v2"), ("gcp_bucket", "v1"), ("org.gcp_bucket", "v1")],
)
def test_a_bare_id_names_a_template_of_the_project_only(
    api: Api, template_id: str, version: str
) -> None:
    body = _linked_to("new_ws", template_id, version) | {"provisioner": "terraform"}

    error = _goa_400(api.iacm("POST", WS, json=body))

    assert error["name"] == "bad_request"
    assert f'references template "{template_id}"' in error["message"]
    assert api.iacm("GET", f"{WS}/new_ws").status_code == 404


def test_an_update_of_a_linked_workspace_that_sets_a_locked_field_is_refused(api: Api) -> None:
    api.iacm("POST", WS, json=linked_body())
    update = {k: v for k, v in linked_body().items() if k != "identifier"}

    allowed = api.iacm("PUT", f"{WS}/new_ws", json={**update, "name": "renamed"})
    refused = api.iacm("PUT", f"{WS}/new_ws", json={**update, "repository": "other"})

    assert allowed.status_code == 200, allowed.text
    assert "Attempted to update locked fields: repository" in _goa_400(refused)["message"]
    assert api.iacm("GET", f"{WS}/new_ws").json()["repository"] == "infra-live"


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
    update["associated_template"] = {"template_id": "aws_service", "version": "v2"}

    response = api.iacm("PUT", f"{WS}/new_ws", json={**update, "description": "changed"})

    ws = api.iacm("GET", f"{WS}/new_ws").json()
    assert response.status_code == 200, response.text
    assert ws["description"] == "changed"
    assert ws["associated_template"] == LINK  # the link changes only through §3.3
    assert (ws["provisioner_version"], ws["repository"]) == ("1.9.1", "infra-live")
    assert ws["provider_connector"] == ""


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


def test_seeded_links_name_a_template_of_the_workspace_s_project(fake: FakeHandle) -> None:
    state = fake.server.app.state
    links = [
        (scope, record.data["associated_template"])
        for scope, store in state.workspaces.items()
        for record in store.by_id.values()
        if record.data.get("associated_template")
    ]

    unresolved = [
        (scope, link)
        for scope, link in links
        if not any(
            v.version_label == link["version"]
            for v in state.resolve_template(*scope, link["template_id"])
        )
    ]

    assert links
    assert unresolved == []


# The spec of the only public Workspace template YAML (harness/terraform-provider-harness
# `resource_workspace_associated_template_test.go`, `testAccWorkspaceLockedFieldsYaml`), with its
# connector one of default/infra's: `provider` is the git-provider card of Harness's UI, no
# connector; the provisioner block is locked.
TF_TEST_SPEC = """\
  spec:
    provider:
      type: others
      title: thirdPartyGitProvider
      info: thirdPartyGitProviderInfo
      icon: service-github
      size: 20
      disabled: false
    tags: []
    description: ""
    cost_estimation:
      enabled: false
      locked: true
    default_pipelines:
      plan: ""
      apply: ""
      destroy: ""
      drift: ""
    provisioner:
      type: opentofu
      version: 1.9.1
      locked: true
    repository:
      isHarnessCode: false
      connector: github_infra
      name: spring5-oauth2-resource-server
      branch: master
      gitFetchType: branch
      locked: true
    variables: []
    terraform_variables: []
    terraform_variable_files: []
"""


def _tf_test_template(fake: FakeHandle) -> None:
    """Seed `tf_test` v1 in default/infra: the Terraform provider's locked-fields YAML."""
    state = fake.server.app.state
    k8s = next(
        t for t in state.templates if (t.identifier, t.version_label) == ("k8s_namespace", "v1")
    )
    head = k8s.yaml.split("  spec:\n")[0].replace("k8s_namespace", "tf_test")
    state.templates.append(dataclasses.replace(k8s, identifier="tf_test", yaml=head + TF_TEST_SPEC))


def _linked_to_tf_test(identifier: str) -> dict[str, Any]:
    body = _linked_to(identifier, "tf_test", "v1")
    del body["cost_estimation_enabled"]  # locked too
    return body


def test_a_locked_provisioner_block_locks_the_provider_connectors(
    api: Api, fake: FakeHandle
) -> None:
    """The list of additional connectors (`provider_connectors`) is locked with the provisioner
    block: nothing public says Harness takes it from a linked body (the doubtful side)."""
    _tf_test_template(fake)
    connectors = [{"connector_ref": "aws_infra", "type": "aws"}]

    allowed = api.iacm("POST", WS, json=_linked_to_tf_test("inherits"))
    refused = api.iacm(
        "POST", WS, json=_linked_to_tf_test("sets") | {"provider_connectors": connectors}
    )

    assert allowed.status_code == 200, allowed.text
    error = _goa_400(refused)
    assert error["message"].startswith("Attempted to update locked fields: provider_connectors")


def test_a_locked_provisioner_block_still_takes_the_workspace_s_provider_connector(
    api: Api, fake: FakeHandle
) -> None:
    """terraform-provider-harness TestAccResourceWorkspaceAssociatedTemplate_LockedFields: with
    this YAML the workspace sets provider_connector and the create succeeds."""
    _tf_test_template(fake)
    body = _linked_to_tf_test("main_connector") | {"provider_connector": "account.aws_prod"}

    response = api.iacm("POST", WS, json=body)

    assert response.status_code == 200, response.text
    ws = api.iacm("GET", f"{WS}/main_connector").json()
    assert (ws["provider_connector"], ws["provider_connectors"]) == ("account.aws_prod", [])
    assert (ws["provisioner"], ws["provisioner_version"]) == ("opentofu", "1.9.1")


def test_the_seeded_templates_provider_block_is_harness_s_git_provider_card(
    fake: FakeHandle,
) -> None:
    templates = [t for t in fake.server.app.state.templates if t.entity_type == "Workspace"]

    providers = [template_locks.read_spec(t.yaml)["provider"] for t in templates]

    assert providers == [
        {
            "type": "others",
            "title": "thirdPartyGitProvider",
            "info": "thirdPartyGitProviderInfo",
            "icon": "service-github",
            "size": "20",
            "disabled": "false",
        }
    ] * len(templates)


def test_seeded_template_yaml_uses_only_the_public_repository_keys(fake: FakeHandle) -> None:
    """The only public Workspace template YAML (terraform-provider-harness
    `resource_workspace_associated_template_test.go`) has these repository keys; contract §3.1
    documents no other (no `path`)."""
    public = {"isHarnessCode", "connector", "name", "branch", "gitFetchType", "locked"}
    invented = {
        (t.identifier, t.version_label, key)
        for t in fake.server.app.state.templates
        if t.entity_type == "Workspace"
        for key in template_locks.read_spec(t.yaml)["repository"]
        if key not in public
    }
    assert invented == set()


def test_seeded_workspace_templates_variable_lists_are_empty(fake: FakeHandle) -> None:
    """Contract §3.1: the entry shapes of `variables`, `terraform_variables` and
    `terraform_variable_files` are UNCONFIRMED; the only public YAML has them all `[]`."""
    lists = ("variables", "terraform_variables", "terraform_variable_files")
    templates = [t for t in fake.server.app.state.templates if t.entity_type == "Workspace"]

    found = {
        (t.identifier, t.version_label, name): template_locks.read_spec(t.yaml)[name]
        for t in templates
        for name in lists
    }

    assert templates
    assert {key: value for key, value in found.items() if value != []} == {}
