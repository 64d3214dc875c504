"""Tolerant parsing: unknown fields ignored, absent optional ones defaulted, bad shapes refused."""

import json
from datetime import UTC, datetime

import pytest

from workspaces.harness import HarnessUnavailable
from workspaces.harness.types import (
    Connector,
    Page,
    PolicyEvaluation,
    Secret,
    ShapeError,
    Template,
    Workspace,
    WorkspaceSummary,
    WriteResult,
)


def test_workspace_with_only_identifier_and_name_gets_defaults():
    ws = Workspace.from_iacm({"identifier": "w", "name": "W"}, org="o", project="p")

    assert (ws.identifier, ws.name, ws.org, ws.project) == ("w", "W", "o", "p")
    assert ws.status == "unknown"
    assert ws.terraform_variables == {} and ws.tags == {}
    assert ws.created is None and ws.lock is None and ws.associated_template is None
    assert ws.repository_submodules == "false"


def test_workspace_ignores_unknown_fields_and_reads_odd_but_valid_ones():
    body = {
        "identifier": "w",
        "name": "W",
        "brand_new_field": {"nested": [1, 2]},
        "provisioner_configuration": {"language": "python", "language_version": "3.12"},
        "sparse_checkout": ["modules/a", "modules/b"],
        "terraform_variables": [{"key": "region", "value": "eu-west-1", "value_type": "string"}],
        "default_pipelines": {"plan": {"workspace_pipeline": "plan_pipe"}},
        "lock": {"id": "l1", "manual": True, "reason": "maintenance", "created_at": 1718000000000},
        "associated_template": {"template_id": "aws_service", "version": "v2"},
        "budget": 250,
        "created": 1718000000000,
    }

    ws = Workspace.from_iacm(body, org="o", project="p")

    assert ws.provisioner_configuration == {"language": "python", "language_version": "3.12"}
    assert ws.sparse_checkout == ("modules/a", "modules/b")
    assert ws.terraform_variables["region"].value == "eu-west-1"
    assert ws.default_pipelines["plan"].workspace_pipeline == "plan_pipe"
    assert ws.lock.manual and ws.lock.reason == "maintenance"
    assert ws.associated_template.version == "v2"
    assert ws.budget == 250.0
    assert ws.created == datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        [],
        "workspace",
        {"name": "no identifier"},
        {"identifier": "w", "name": "W", "tags": ["not", "a", "map"]},
        {"identifier": "w", "name": "W", "created": "yesterday"},
        {"identifier": "w", "name": "W", "terraform_variables": {"x": "not an object"}},
        {"identifier": "w", "name": {"not": "a string"}},
    ],
)
def test_workspace_with_the_wrong_shape_is_refused(body):
    with pytest.raises(ShapeError):
        Workspace.from_iacm(body, org="o", project="p")


def test_summary_requires_identifier_and_name():
    with pytest.raises(ShapeError):
        WorkspaceSummary.from_iacm({"identifier": "w"}, org="o", project="p")


def test_connector_and_secret_scope_and_ref_follow_the_scope_fields():
    account = Connector.from_ng({"connector": {"identifier": "a", "type": "Aws"}})
    org = Connector.from_ng({"connector": {"identifier": "b", "orgIdentifier": "default"}})
    project = Secret.from_ng(
        {"secret": {"identifier": "c", "orgIdentifier": "default", "projectIdentifier": "infra"}}
    )

    assert (account.scope, account.ref, account.name) == ("account", "account.a", "a")
    assert (org.scope, org.ref) == ("org", "org.b")
    assert (project.scope, project.ref) == ("project", "c")


def test_template_needs_its_yaml():
    with pytest.raises(ShapeError):
        Template.from_v1({"template": {"identifier": "t", "scope": "account"}})


def test_policy_evaluation_collects_messages_once_in_order():
    evaluation = PolicyEvaluation.from_json(
        {
            "status": "error",
            "details": [
                {"details": [{"deny_messages": ["a", "b"]}, {"deny_messages": ["a", "c"]}]},
                {"deny_messages": ["d"]},
            ],
        }
    )

    assert evaluation.deny_messages == ("a", "b", "c", "d")
    assert evaluation.denied


def test_write_result_tolerates_an_empty_or_null_evaluation():
    assert WriteResult.from_iacm({}).policy_evaluation is None
    assert WriteResult.from_iacm({"policy_evaluation": None}).policy_evaluation is None
    assert WriteResult.from_iacm(None).policy_evaluation is None
    warned = WriteResult.from_iacm(
        {"policy_evaluation": {"status": "warning", "details": [{"deny_messages": ["careful"]}]}}
    )
    assert warned.warnings == ("careful",)


def test_page_without_totals_does_not_invent_them():
    full = Page.build([1, 2], page=3, limit=2, total_items=None)
    short = Page.build([1], page=3, limit=2, total_items=None)
    past = Page.build([], page=3, limit=2, total_items=None)

    # A full page may have a next one; a short one is the last.
    assert (full.total_items, full.total_pages, full.has_next, full.known_total) == (
        None, None, True, None,
    )  # fmt: skip
    assert (short.total_items, short.total_pages, short.has_next, short.known_total) == (
        None, None, False, 5,
    )  # fmt: skip
    assert (past.past_the_end, past.has_next, past.known_total) == (True, False, None)


def test_page_keeps_harness_total_pages_when_total_items_is_missing():
    last = Page.build(list(range(30)), page=2, limit=30, total_items=None, total_pages=2)

    assert (last.total_pages, last.has_next) == (2, False)


def test_extra_fields_from_harness_are_ignored_over_http(client, fake):
    item = {
        "account": "AcmeDemoAcct01", "org": "default", "project": "infra", "identifier": "x",
        "name": "x", "status": "brand_new_status", "created": 1, "updated": 2,
        "something_harness_added": {"deep": True},
    }  # fmt: skip
    fake.inject("iacm.workspaces.list", status=200, body=json.dumps([item]))

    page = client.list_workspaces(org="default", project="infra")

    assert page.items[0].status == "brand_new_status"
    assert (page.total_items, page.known_total) == (None, 1)  # no totals headers, a short page


def test_a_non_list_where_a_list_belongs_is_unavailable_over_http(client, fake):
    fake.inject("iacm.tags", status=200, body='{"tags": []}')

    with pytest.raises(HarnessUnavailable):
        client.list_tags(org="default", project="infra")
