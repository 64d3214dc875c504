"""Answers Harness should never send, and that the client must never let through (issue 14, 6).

Each body is valid JSON or close to it, but the portal could not hold or show it: a 2xx answer
becomes HarnessUnavailable("Harness sent an answer we could not read") chained to the cause; an
error answer keeps the class its status stands for, with a generic message.
"""

import json

import pytest
import requests

from workspaces.harness import (
    HarnessForbidden,
    HarnessNotFound,
    HarnessRateLimited,
    HarnessUnavailable,
    HarnessValidationError,
)
from workspaces.harness.errors import HarnessUnreadableAnswer
from workspaces.harness.wire import UnreadableBody, decode_json, error_from

from .conftest import ACCOUNT, FULL_KEY

LIST = "iacm.workspaces.list"
UNREADABLE = "Harness sent an answer we could not read"


def one_workspace(name='"web"', updated="1700000000000"):
    """A list answer with one workspace; the kinds below replace one value of it."""
    return f'[{{"identifier": "ws_one", "name": {name}, "status": "active", "updated": {updated}}}]'


KINDS = {
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "nested 5,000 deep": one_workspace(name="[" * 5_000 + "]" * 5_000),
    "lone surrogate": one_workspace(name='"web \\ud800"'),
    "lone low surrogate in a key": '[{"identifier": "ws_one", "\\udc00": 1}]',
    "NUL in a string": one_workspace(name='"web \\u0000 x"'),
    "400-digit number": one_workspace(updated="9" * 400),
    "number out of range": one_workspace(updated="1e999"),
    "NaN": one_workspace(updated="NaN"),
    "truncated": one_workspace()[:40],
    "HTML": "<html><body>Bad gateway</body></html>",
}


def test_the_bodies_differ_from_a_readable_answer_only_by_their_kind(client, fake):
    fake.inject(LIST, status=200, body=one_workspace(name='"web \\ud83d\\ude00"'))

    page = client.list_workspaces(org="default", project="infra")

    assert [(ws.identifier, ws.name) for ws in page.items] == [("ws_one", "web \U0001f600")]


@pytest.mark.parametrize("kind", KINDS)
def test_an_unreadable_answer_is_one_unavailable_error(client, fake, kind):
    fake.inject(LIST, status=200, body=KINDS[kind])

    with pytest.raises(HarnessUnavailable) as excinfo:
        client.list_workspaces(org="default", project="infra")

    assert excinfo.value.message == UNREADABLE
    assert excinfo.value.status == 200
    assert isinstance(excinfo.value.__cause__, ValueError)


@pytest.mark.parametrize("kind", ["nested 100,000 deep", "400-digit number", "lone surrogate"])
def test_an_unreadable_error_body_keeps_the_class_of_its_status(client, fake, kind):
    fake.inject("iacm.workspaces.get", status=403, body=KINDS[kind])

    with pytest.raises(HarnessForbidden) as excinfo:
        client.get_workspace(org="default", project="infra", identifier="ws_one")

    assert excinfo.value.message == "The API key is not allowed to do this in Harness"


@pytest.mark.parametrize("kind", ["nested 100,000 deep", "400-digit number", "lone surrogate"])
def test_an_unreadable_404_body_is_not_taken_as_not_found(client, fake, kind):
    """Without Harness's error envelope a 404 says nothing about the record (`wire.error_from`)."""
    fake.inject("iacm.workspaces.get", status=404, body=KINDS[kind])

    with pytest.raises(HarnessUnavailable) as excinfo:
        client.get_workspace(org="default", project="infra", identifier="ws_one")

    assert not isinstance(excinfo.value, HarnessNotFound)
    assert excinfo.value.status == 404


@pytest.mark.parametrize(
    "body",
    [
        '{"code": "BAD", "errors": 5}',
        '{"code": "BAD", "errors": "field_name"}',
        '{"code": "BAD", "responseMessages": true}',
        '{"code": "BAD", "responseMessages": {"message": "x"}}',
    ],
)
def test_an_error_body_whose_lists_are_not_lists_keeps_the_class_of_its_status(client, fake, body):
    fake.inject(LIST, status=400, body=body)

    with pytest.raises(HarnessValidationError) as excinfo:
        client.list_workspaces(org="default", project="infra")

    assert excinfo.value.message == "Harness rejected the request"
    assert excinfo.value.field_errors == ()


def test_a_lone_surrogate_in_an_error_message_is_not_passed_on(client, fake):
    fake.inject(LIST, status=400, body='{"message": "bad \\ud800 value", "code": "INVALID"}')

    with pytest.raises(HarnessValidationError) as excinfo:
        client.list_workspaces(org="default", project="infra")

    assert excinfo.value.message == "Harness rejected the request"
    excinfo.value.message.encode("utf-8")


@pytest.mark.parametrize(
    "content",
    [
        b'["\xed\xa0\x80"]',  # a surrogate as raw (invalid) UTF-8 bytes: decoded by surrogatepass
        b"[-" + b"1" * 21 + b"]",
        b'{"a": Infinity}',
        b'{"a": "\xff"}',
    ],
)
def test_decode_json_refuses_what_the_fake_cannot_send(content):
    with pytest.raises(UnreadableBody):
        decode_json(content)


def test_decode_json_accepts_what_harness_does_send():
    content = b'{"n": -9223372036854775808, "f": 1.5e300, "s": "\\u00e9 \\ud83d\\ude00 \xc3\xa9"}'

    assert decode_json(content) == {"n": -(2**63), "f": 1.5e300, "s": "é 😀 é"}


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [("30", 30.0), (" 7 ", 7.0), ("\u00b2", None), ("\u0663", None), ("9" * 5000, 300.0),
     ("Wed, 21 Oct 2015 07:28:00 GMT", None), ("-1", None), ("1.5", None)],
)  # fmt: skip
def test_a_rate_limit_keeps_only_a_retry_after_in_plain_seconds(retry_after, seconds):
    """The fake cannot send a Retry-After header: the answer is built here. Plain seconds are
    capped at 5 minutes however many digits they have."""
    response = requests.Response()
    response.status_code = 429
    response._content = b""
    response.headers["Retry-After"] = retry_after

    error = error_from(response, None, lambda text: text)

    assert isinstance(error, HarnessRateLimited)
    assert error.retry_after == seconds


WORKSPACE = {"org": "default", "project": "infra", "identifier": "backup_dev_0083"}


def _workspace_answer(fake, **changes):
    path = "/iacm/api/orgs/default/projects/infra/workspaces/backup_dev_0083"
    headers = {"x-api-key": FULL_KEY, "Harness-Account": ACCOUNT}
    answer = requests.get(fake.base_url + path, headers=headers, timeout=5).json()
    answer.update(changes)
    return {key: value for key, value in answer.items() if value is not None}


@pytest.mark.parametrize(
    "changes",
    [
        {"identifier": "backup_dev_0084"},
        {"identifier": "a/b"},
        {"org": "other"},
        {"org": "x/y"},
        {"project": "sandbox"},
        {"identifier": "Backup_Dev_0083"},
    ],
)
def test_a_workspace_answer_naming_another_workspace_is_refused(client, fake, changes):
    """The pages build links, and a deletion its DELETE and approval match, from the answer's
    own names: an answer about another workspace (or a name no URL can hold) is not used."""
    fake.inject(
        "iacm.workspaces.get", status=200, body=json.dumps(_workspace_answer(fake, **changes))
    )

    with pytest.raises(HarnessUnreadableAnswer, match="names another workspace"):
        client.get_workspace(**WORKSPACE)


@pytest.mark.parametrize("changes", [{"org": None, "project": None}, {"org": "", "project": ""}])
def test_a_workspace_answer_without_its_org_and_project_is_read_as_the_one_asked_for(
    client, fake, changes
):
    fake.inject(
        "iacm.workspaces.get", status=200, body=json.dumps(_workspace_answer(fake, **changes))
    )

    workspace = client.get_workspace(**WORKSPACE)

    assert (workspace.org, workspace.project, workspace.identifier) == tuple(WORKSPACE.values())
