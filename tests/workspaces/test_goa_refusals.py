"""Where Harness's Goa refusals of a nested body field land.

Goa checks a variable (`IaCMVariable`) or an additional connector (`WorkspaceProviderConnector`)
with the type's own function, in the context "body": its message names the field, never the
variable or connector (goadesign/goa `codegen/validation.go` userValTmpl,
`http/codegen/server_types_test.go` `ValidateBPayloadRequestBody`). The portal finds the entry
from the value Goa quotes, or lands where nothing is lost.
"""

from __future__ import annotations

import json

import pytest

from tests.samples import complete_draft
from workspaces.clients import harness_client_for
from workspaces.harness.wire import validation_field
from workspaces.models import WorkspaceDraft
from workspaces.wizard import pages, submit
from workspaces.wizard.body import build_body, refusal

CREATE = "iacm.workspaces.create"
VALUE_TYPE = 'value of body.value_type must be one of "string", "secret" but got value "number"'
# Harness's words as said, without Goa's "value of body.value_type".
VALUE_TYPE_SAID = 'must be one of "string", "secret" but got value "number"'


def _variables(terraform: dict, environment: dict | None = None) -> dict:
    return {"terraform_variables": terraform, "environment_variables": environment or {}}


def _var(key: str, value: str = "x", value_type: str = "string") -> dict:
    return {"key": key, "value": value, "value_type": value_type}


def test_a_goa_refusal_of_one_variable_lands_on_its_row():
    body = _variables({"region": _var("region", "eu-west-1", "number")})

    where = refusal(validation_field(VALUE_TYPE), VALUE_TYPE, body)

    assert (where["step"], where["field"], where["row"]) == ("variables", "terraform", "region")
    assert where["row_field"] == "value_type"
    assert VALUE_TYPE_SAID in where["message"]  # Harness's words, without the body path


def test_a_goa_pattern_refusal_of_a_key_lands_on_the_row_holding_that_key():
    message = 'body.key must match the regexp "^[A-Za-z_][A-Za-z0-9_]*$" but got value "TF-LOG"'
    body = _variables({"region": _var("region")}, {"TF-LOG": _var("TF-LOG")})

    where = refusal(validation_field(message), message, body)

    assert (where["step"], where["field"], where["row"], where["row_field"]) == (
        "variables",
        "environment",
        "TF-LOG",
        "key",
    )


def test_a_goa_refusal_matching_rows_of_one_group_lands_on_that_group_without_a_row():
    body = _variables({"a": _var("a", value_type="number"), "b": _var("b", value_type="number")})

    where = refusal(validation_field(VALUE_TYPE), VALUE_TYPE, body)

    assert (where["step"], where["field"], where["row"]) == ("variables", "terraform", "")
    assert VALUE_TYPE_SAID in where["message"]


@pytest.mark.parametrize(
    "body",
    [
        _variables({"a": _var("a", value_type="number")}, {"B": _var("B", value_type="number")}),
        _variables({"a": _var("a")}),  # no row holds the value Goa quotes
    ],
    ids=["both-groups", "no-match"],
)
def test_a_goa_refusal_no_single_row_explains_lands_on_the_review_with_its_message(body):
    where = refusal(validation_field(VALUE_TYPE), VALUE_TYPE, body)

    assert (where["step"], where["row"]) == ("review", "")
    assert VALUE_TYPE_SAID in where["message"]


def test_a_goa_missing_field_lands_on_the_row_that_lacks_it():
    message = '"value" is missing from body'
    body = _variables({"region": {"key": "region", "value_type": "string"}, "zone": _var("zone")})

    where = refusal(validation_field(message), message, body)

    assert (where["step"], where["field"], where["row"]) == ("variables", "terraform", "region")


def test_a_goa_refusal_of_a_connector_type_lands_on_that_connector():
    message = 'value of body.type must be one of "aws", "azure", "gcp", "vault" but got value "oci"'
    body = {
        "provider_connector": "account.aws_prod",
        "provider_connectors": [
            {"connector_ref": "account.aws_prod", "type": "aws"},
            {"connector_ref": "account.vault_main", "type": "oci"},
        ],
    }

    where = refusal(validation_field(message), message, body)

    # `provider_connectors[1]`: no slot is "oci", so the provisioner step's first field.
    assert where["step"] == "provisioner"
    assert 'must be one of "aws", "azure", "gcp", "vault" but got value "oci"' in where["message"]


def test_a_goa_refusal_of_a_connector_ref_lands_on_its_slot():
    message = (
        'length of body.connector_ref must be greater or equal than 1 but got value "" (len=0)'
    )
    body = {
        "provider_connectors": [
            {"connector_ref": "account.aws_prod", "type": "aws"},
            {"connector_ref": "", "type": "vault"},
        ]
    }

    where = refusal(validation_field(message), message, body)

    assert (where["step"], where["field"]) == ("provisioner", "vault")


def test_a_goa_refusal_of_the_template_link_lands_on_the_template_step():
    message = '"version" is missing from body'
    body = {"associated_template": {"template_id": "k8s_namespace"}}

    where = refusal(validation_field(message), message, body)

    assert (where["step"], where["field"]) == ("template", "template_ref")


def test_a_goa_refusal_of_a_variable_from_harness_marks_the_row_on_the_variables_step(
    user_with_key, fake
):
    data = complete_draft("goa_var_ws")
    draft = WorkspaceDraft.objects.create(
        owner=user_with_key, org="default", project="infra", data=data
    )
    sent = build_body(data)
    assert sent["terraform_variables"]["region"]["value"] == "eu-west-1"
    message = (
        'length of body.value must be lesser or equal than 3 but got value "eu-west-1" (len=9)'
    )
    goa = {"name": "invalid_length", "id": "g1", "message": message, "temporary": False,
           "timeout": False, "fault": False}  # fmt: skip
    fake.inject(CREATE, status=400, body=json.dumps(goa))

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert draft.status == "failed"
    response = draft.harness_response
    assert (response["step"], response["field"], response["row"]) == (
        "variables",
        "terraform",
        "region",
    )
    assert response["harness_message"] == message
    shown = pages.step_context(draft, "variables", pages.step_form(draft, "variables"))
    assert shown["harness_error_placed"] is True


def test_a_goa_enum_refusal_of_a_variable_says_harness_words_without_the_body_path(
    signed_in_with_key, user_with_key, fake
):
    import re

    from django.urls import reverse
    from pytest_django.asserts import assertContains

    from tests.workspaces.test_drafts import make_draft

    draft = make_draft(user_with_key)
    key = next(iter(draft.data["variables"]["terraform"]))["key"]
    message = 'value of body.value_type must be one of "string", "secret" but got value "string"'
    goa = {"name": "invalid_enum_value", "id": "r1", "message": message, "temporary": False,
           "timeout": False, "fault": False}  # fmt: skip
    fake.inject(CREATE, status=400, body=json.dumps(goa))
    submitted = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    page = signed_in_with_key.get(submitted["Location"])
    assertContains(page, f"Harness refused Terraform variable {key}:")
    shown = re.search(r'<p class="row__error"[^>]*>([^<]+)</p>', page.content.decode())[1]
    assert "body.value_type" not in shown, shown


@pytest.mark.parametrize(
    ("message", "said"),
    [
        (VALUE_TYPE, VALUE_TYPE_SAID),
        (
            'length of body.value must be lesser or equal than 3 but got value "eu-west-1" (len=9)',
            'length must be lesser or equal than 3 but got value "eu-west-1" (len=9)',
        ),
        ("body.identifier must match the regexp", "must match the regexp"),
    ],
)
def test_goa_wording_is_said_without_its_body_path(message, said):
    body = _variables({"region": _var("region", "eu-west-1", "number")})

    where = refusal(validation_field(message), message, body)

    assert where["message"].endswith(f": {said}"), where["message"]
    assert "body." not in where["message"]
