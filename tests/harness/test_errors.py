"""Error mapping and retry behaviour, driven by the fake's fault injection over real HTTP."""

import gzip
import json
import re
import socket
import time

import pytest

from workspaces.harness import (
    HarnessConflict,
    HarnessError,
    HarnessForbidden,
    HarnessNotFound,
    HarnessRateLimited,
    HarnessRefused,
    HarnessUnauthorized,
    HarnessUnavailable,
    HarnessValidationError,
    breaker,
    transport,
)

from .conftest import ACCOUNT, OTHER_ACCOUNT, OTHER_KEY, wait_until_logged
from .local_server import QuietHandler, answering, serving

LIST = "iacm.workspaces.list"
CREATE = "iacm.workspaces.create"


def list_infra(client):
    return client.list_workspaces(org="default", project="infra")


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, HarnessValidationError),
        (401, HarnessUnauthorized),
        (403, HarnessForbidden),
        (404, HarnessNotFound),
        (409, HarnessConflict),
        (423, HarnessConflict),
        (429, HarnessRateLimited),
        (405, HarnessRefused),  # another 4xx: a refusal without a class of its own
        (410, HarnessRefused),
        (413, HarnessRefused),
        (500, HarnessUnavailable),
        (502, HarnessUnavailable),
        (503, HarnessUnavailable),
        (504, HarnessUnavailable),
    ],
)
def test_iacm_status_maps_to_its_error_class(client, fake, status, error_class):
    fake.inject(LIST, status=status, times=3)

    with pytest.raises(error_class) as excinfo:
        list_infra(client)

    error = excinfo.value
    assert isinstance(error, HarnessError)
    assert error.status == status
    assert error.message
    assert error.request_id  # the Goa body's `id`
    assert error.name  # the Goa error name


def test_ng_error_body_gives_code_and_correlation_id(client, fake):
    fake.inject("ng.connectors.list", status=403)

    with pytest.raises(HarnessForbidden) as excinfo:
        client.list_connectors(org="default", project="infra", types=["Aws"])

    assert excinfo.value.name == "ACCESS_DENIED"
    assert excinfo.value.request_id


def test_ng_unauthorized(client, fake):
    fake.inject("ng.accounts.get", status=401)

    with pytest.raises(HarnessUnauthorized) as excinfo:
        client.check_account()

    assert excinfo.value.name == "INVALID_TOKEN"


def test_v1_error_body_gives_code_and_message(client, fake):
    fake.inject("v1.orgs.list", status=404)

    with pytest.raises(HarnessNotFound) as excinfo:
        client.list_orgs()

    assert excinfo.value.name == "RESOURCE_NOT_FOUND"
    assert excinfo.value.message


def test_v1_field_errors_are_parsed(client, fake):
    body = {
        "message": "Invalid request",
        "code": "INVALID_ARGUMENT",
        "errors": [{"field_name": "limit", "message": "must be at most 1000"}],
        "error_metadata": None,
    }
    fake.inject("v1.orgs.list", status=400, body=json.dumps(body))

    with pytest.raises(HarnessValidationError) as excinfo:
        client.list_orgs()

    assert excinfo.value.field == "limit"
    assert excinfo.value.field_errors[0].message == "must be at most 1000"


def test_ng_field_errors_are_parsed(client, fake):
    """An NG 400 is a `Failure` with `errors: [{fieldId, error}]` (contract §4.2)."""
    with pytest.raises(HarnessValidationError) as excinfo:
        client.list_connectors(org="default", project="infra", types=["Aws"], page=1_000_002)

    assert excinfo.value.name == "INVALID_REQUEST"
    assert excinfo.value.field == "pageIndex"
    (error,) = excinfo.value.field_errors
    assert (error.field, error.message) == ("pageIndex", excinfo.value.message)


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ('"identifier" is missing from body', "identifier"),
        ('body.identifier must match the regexp "^[A-Za-z_]" but got value "9x"', "identifier"),
        ("length of body.name must be lesser or equal than 128 but got value", "name"),
        # A field of a nested named type (IaCMVariable) is named in the context "body" (goadesign/
        # goa `codegen/validation.go` userValTmpl): the field alone, `body.refusal` finds the row.
        ('"value_type" is missing from body', "value_type"),
        (
            'value of body.value_type must be one of "string", "secret" but got value "n"',
            "value_type",
        ),
        # An inline (anonymous) nested object is validated in place: its context is the path.
        ('"value" is missing from body.settings', "settings.value"),
        ("repository name can't be empty", None),
    ],
)
def test_goa_validation_message_gives_the_field(client, fake, message, field):
    body = {"name": "bad_request", "id": "abc123", "message": message, "temporary": False,
            "timeout": False, "fault": False}  # fmt: skip
    fake.inject(CREATE, status=400, body=json.dumps(body))

    with pytest.raises(HarnessValidationError) as excinfo:
        client.create_workspace(org="default", project="sandbox", body={})

    assert excinfo.value.field == field
    assert excinfo.value.request_id == "abc123"


def test_policy_violation_body_gives_deny_messages(client, fake):
    evaluation = {
        "id": "7", "status": "error", "type": "workspace", "action": "onsave",
        "details": [{"identifier": "set1", "name": "Prod rules", "status": "error", "details": [
            {"status": "error", "deny_messages": ["first reason", "second reason"],
             "policy": {"identifier": "p1", "name": "P1"}},
            {"status": "pass", "deny_messages": [], "policy": {"identifier": "p2", "name": "P2"}},
        ]}],
    }  # fmt: skip
    body = {"name": "policy_violation", "id": "pv1", "message": "denied by policy",
            "temporary": False, "timeout": False, "fault": False,
            "policy_evaluation": evaluation}  # fmt: skip
    fake.inject(CREATE, status=400, body=json.dumps(body))

    with pytest.raises(HarnessValidationError) as excinfo:
        client.create_workspace(org="default", project="sandbox", body={})

    error = excinfo.value
    assert error.deny_messages == ("first reason", "second reason")
    assert error.policy_evaluation.policy_sets[0].name == "Prod rules"
    assert error.policy_evaluation.policy_sets[0].policies[0].name == "P1"


def test_rate_limit_is_not_retried(client, fake):
    fake.inject(LIST, status=429, times=1)

    with pytest.raises(HarnessRateLimited):
        list_infra(client)

    assert len(fake.log(route=LIST)) == 1


def test_get_is_retried_after_a_503(client, fake):
    fake.inject(LIST, status=503, times=1)

    page = list_infra(client)

    assert page.total_items == 1800
    assert [call["status"] for call in fake.log(route=LIST)] == [503, 200]


def test_get_gives_up_after_two_retries(client, fake):
    fake.inject(LIST, status=502, times=5)

    with pytest.raises(HarnessUnavailable) as excinfo:
        list_infra(client)

    assert excinfo.value.status == 502
    assert len(fake.log(route=LIST)) == 3


def test_a_get_has_a_total_time_budget_not_one_per_retry(fake, make_client):
    """A 503 is retried for GETs (twice). Each attempt used to get the whole read timeout again,
    so a call configured for a 0.5 s read timeout took three times that; nothing bounded the
    call as a whole (3 x (connect + read) = 39 s on one GET with the defaults)."""
    client = make_client(timeout=(0.5, 0.5))
    fake.inject("iacm.tags", status=503, delay_ms=300, times=3)

    started = time.monotonic()
    with pytest.raises(HarnessUnavailable):
        client.list_tags(org="default", project="infra")
    elapsed = time.monotonic() - started

    assert elapsed < 0.5 + 0.25, f"one call took {elapsed:.2f} s with a 0.5 s timeout"
    # The first retry had a whole read timeout left (0.7 s of 1 s); the second would not (0.3 s).
    wait_until_logged(fake, "iacm.tags", count=2)
    assert len(fake.log(route="iacm.tags")) == 2


def test_a_get_is_not_retried_when_an_attempt_no_longer_fits_its_budget(fake, make_client):
    client = make_client(timeout=(0.3, 0.6))  # a budget of 0.9 s; an attempt may need 0.6 s
    fake.inject(LIST, status=503, delay_ms=400, times=3)  # then 0.5 s left: too little

    with pytest.raises(HarnessUnavailable) as excinfo:
        list_infra(client)

    assert excinfo.value.status == 503
    assert len(fake.log(route=LIST)) == 1


def test_a_later_attempt_waits_only_for_the_time_left():
    deadline = time.monotonic() + 0.2
    timeout = transport.CallTimeout(connect=3.0, read=10.0, deadline=deadline).clone()

    assert 0.1 < timeout.connect_timeout <= 0.2
    assert 0.1 < timeout.read_timeout <= 0.2
    late = transport.CallTimeout(connect=3.0, read=10.0, deadline=time.monotonic() - 1)
    assert late.read_timeout == 0  # urllib3 raises its read timeout at once
    assert 0 < late.connect_timeout < 0.01  # 0 would make the socket non-blocking


def test_post_create_is_not_retried_after_a_503(client, fake, workspace_body):
    fake.inject(CREATE, status=503, times=1)

    with pytest.raises(HarnessUnavailable) as excinfo:
        client.create_workspace(org="default", project="sandbox", body=workspace_body("once"))

    assert excinfo.value.status == 503
    assert len(fake.log(route=CREATE)) == 1


def test_ng_list_post_is_not_retried(client, fake):
    fake.inject("ng.secrets.list", status=502, times=1)

    with pytest.raises(HarnessUnavailable):
        client.list_secrets(org="default", project="infra")

    assert len(fake.log(route="ng.secrets.list")) == 1


def test_read_timeout_is_unavailable_and_not_retried(make_client, fake):
    client = make_client(timeout=(2.0, 0.3))
    fake.inject(LIST, delay_ms=1500, times=3)
    started = time.monotonic()

    with pytest.raises(HarnessUnavailable) as excinfo:
        list_infra(client)

    assert time.monotonic() - started < 1.0  # one 0.3 s wait, not three
    assert excinfo.value.status is None
    assert "in time" in excinfo.value.message
    assert excinfo.value.__cause__ is not None
    wait_until_logged(fake, LIST)  # the delayed call, once: not retried
    assert len(fake.log(route=LIST)) == 1


def test_malformed_json_is_unavailable(client, fake):
    fake.inject(LIST, body="malformed")

    with pytest.raises(HarnessUnavailable) as excinfo:
        list_infra(client)

    assert excinfo.value.message == "Harness sent an answer we could not read"
    assert isinstance(excinfo.value.__cause__, ValueError)


def test_unexpected_shape_is_unavailable(client, fake):
    fake.inject("iacm.workspaces.get", status=200, body='{"items": "not a workspace"}')

    with pytest.raises(HarnessUnavailable) as excinfo:
        client.get_workspace(org="default", project="infra", identifier="x")

    assert "Unexpected response" in excinfo.value.message
    assert excinfo.value.status == 200


def test_html_error_page_maps_by_status(client, fake, workspace_body):
    fake.inject(CREATE, status=502, body="html")
    fake.inject("ng.accounts.get", status=401, body="html")

    with pytest.raises(HarnessUnavailable) as unavailable:
        client.create_workspace(org="default", project="sandbox", body=workspace_body("html"))
    with pytest.raises(HarnessUnauthorized) as unauthorized:
        client.check_account()

    assert unavailable.value.status == 502
    assert "<" not in unavailable.value.message
    assert unauthorized.value.message == "Harness did not accept the API key"


def test_a_proxy_404_page_is_unavailable_not_a_missing_record(client, fake):
    """Only Harness's own error envelope says a record does not exist: an HTML 404 (or a JSON one
    without a Harness code) comes from a proxy, an ingress or a gateway in front of Harness, and
    says nothing about the workspace. Taken as "not found", an unclear DELETE was recorded as
    done while the workspace was still there."""
    fake.inject("iacm.workspaces.get", status=404, body="html")
    fake.inject("v1.orgs.get", status=404, body='{"message": "no Route matched with those values"}')

    with pytest.raises(HarnessUnavailable) as html:
        client.get_workspace(org="default", project="infra", identifier="x")
    with pytest.raises(HarnessUnavailable) as no_code:
        client.get_org(org="default")

    assert not isinstance(html.value, HarnessNotFound)
    assert html.value.status == no_code.value.status == 404
    assert "<" not in html.value.message


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_workspace(org="default", project="infra", identifier="missing"),  # Goa
        lambda c: c.get_org(org="missing"),  # v1
        lambda c: c.check_account(),  # NG (the fault below sends its `Error` body)
    ],
    ids=["goa", "v1", "ng"],
)
def test_harness_own_404_is_not_found(client, fake, call):
    fake.inject("ng.accounts.get", status=404)

    with pytest.raises(HarnessNotFound) as excinfo:
        call(client)

    assert excinfo.value.status == 404
    assert excinfo.value.name  # Goa `name`, NG or v1 `code`


def test_dropped_connection_on_post_is_unavailable(client, fake, workspace_body):
    fake.inject(CREATE, drop=True)

    with pytest.raises(HarnessUnavailable) as excinfo:
        client.create_workspace(org="default", project="sandbox", body=workspace_body("drop"))

    assert excinfo.value.status is None
    assert fake.counters().get(CREATE) == 1


def test_dropped_connection_on_get_is_retried(client, fake):
    fake.inject(LIST, drop=True, times=1)

    page = list_infra(client)

    assert page.total_items == 1800
    assert fake.counters().get(LIST) == 2


def test_dropped_connection_every_time_is_unavailable(client, fake):
    fake.inject(LIST, drop=True, times=5)

    with pytest.raises(HarnessUnavailable):
        list_infra(client)


def test_connection_refused_is_unavailable(make_client, fake):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(base_url=f"http://127.0.0.1:{port}")

    with pytest.raises(HarnessUnavailable) as excinfo:
        client.check_account()

    assert excinfo.value.status is None


MAINTENANCE = (
    b'{"name":"service_unavailable","id":"m1","message":"maintenance","temporary":true,'
    b'"timeout":false,"fault":true}'
)
TOO_MANY = b'{"code":"TOO_MANY_REQUESTS","message":"","status":"ERROR"}'


def test_a_503_with_retry_after_is_not_retried_at_once_and_keeps_its_wait(make_client):
    """urllib3 retried it three times in 0.15 s and dropped the wait ("Try again in a moment")."""
    hits = []
    handler = answering(503, MAINTENANCE, hits, **{"Retry-After": "120"})
    with serving(handler) as url, pytest.raises(HarnessUnavailable) as excinfo:
        list_infra(make_client(base_url=url))

    assert len(hits) == 1
    assert excinfo.value.status == 503
    assert excinfo.value.retry_after == 120


def test_after_a_429_with_retry_after_the_account_waits_before_calling_again(make_client):
    """Nothing stopped the next call: the next click, or another user's fan-out, went straight
    back to a Harness that had asked for two minutes' rest."""
    hits = []
    with serving(answering(429, TOO_MANY, hits, **{"Retry-After": "120"})) as url:
        with pytest.raises(HarnessRateLimited) as first:
            list_infra(make_client(base_url=url))
        with pytest.raises(HarnessRateLimited) as second:  # another route, another client
            make_client(base_url=url).list_tags(org="default", project="data")
        other_account = make_client(base_url=url, key=OTHER_KEY, account=OTHER_ACCOUNT)
        with pytest.raises(HarnessRateLimited):
            list_infra(other_account)  # asked Harness: its wait is not this account's

    assert len(hits) == 2
    assert first.value.retry_after == 120
    assert second.value.status is None  # nothing was sent
    assert 119 < second.value.retry_after <= 120


def _answered_then_held(make_client, status, body, hits, retry_after, *, answered, held):
    """Call an account's Harness answering `status` with `body` and a Retry-After of
    `retry_after` twice; the errors raised, `answered` then `held`."""
    with serving(answering(status, body, hits, **{"Retry-After": retry_after})) as url:
        with pytest.raises(answered) as first:
            list_infra(make_client(base_url=url))
        with pytest.raises(held) as second:
            list_infra(make_client(base_url=url))
    return first.value, second.value


def test_a_retry_after_is_honoured_for_at_most_five_minutes(make_client):
    hits = []
    answered, held = _answered_then_held(
        make_client,
        503,
        MAINTENANCE,
        hits,
        "86400",
        answered=HarnessUnavailable,
        held=HarnessRateLimited,
    )

    assert len(hits) == 1
    assert answered.retry_after == 300
    assert held.retry_after <= 300


@pytest.mark.parametrize(
    ("status", "body", "raised"),
    [(503, MAINTENANCE, HarnessUnavailable), (429, TOO_MANY, HarnessRateLimited)],
)
def test_calls_held_after_an_answer_keep_that_answer_s_message(make_client, status, body, raised):
    """After a maintenance 503 with a Retry-After, each held call said "Harness is limiting
    requests right now", which it was not: a held call reads like the answer that held it."""
    from workspaces.feedback import harness_error_heading, harness_error_message

    hits = []
    answered, held = _answered_then_held(
        make_client, status, body, hits, "120", answered=raised, held=HarnessRateLimited
    )

    assert len(hits) == 1
    assert held.status is None  # nothing was sent
    assert held.held_status == status

    def without_numbers(text: str) -> str:  # the time left may be a second shorter
        return re.sub(r"\d+", "N", text)

    assert without_numbers(harness_error_message(held)) == without_numbers(
        harness_error_message(answered)
    )
    assert harness_error_heading(held) == harness_error_heading(answered)


@pytest.mark.parametrize(
    ("retry_after", "waits"),
    [
        ("9999999999", 300),
        ("9" * 5000, 300),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
    ],
)
def test_a_long_retry_after_counts_as_five_minutes_and_a_non_number_is_ignored(
    make_client, retry_after, waits
):
    """A Retry-After of ten digits or more was dropped as if Harness had sent none: no hold,
    no wait shown, where the README promised 5 minutes."""
    hits = []
    answered, _ = _answered_then_held(
        make_client,
        429,
        TOO_MANY,
        hits,
        retry_after,
        answered=HarnessRateLimited,
        held=HarnessRateLimited,
    )

    assert answered.retry_after == waits
    assert len(hits) == (1 if waits else 2)  # held: the second call was not sent


def test_calls_go_again_once_the_wait_has_passed(client, fake):
    breaker.hold_calls(fake.base_url, ACCOUNT, seconds=0.2)
    with pytest.raises(HarnessRateLimited):
        list_infra(client)

    time.sleep(0.25)

    assert list_infra(client).total_items == 1800
    assert len(fake.log(route=LIST)) == 1


@pytest.mark.parametrize(
    "handler",
    [
        # The read timeout bounds each wait for bytes: this body took 4.8 s on a 1.5 s budget.
        answering(200, b"[" + b" " * 10 + b"]", gap=0.4),
        # urllib3 read until its gzip decoder produced output, each wait given the whole time
        # left: 2.7 s on a 1.5 s budget for one byte every 0.05 s (requests asks for gzip by
        # default). Each byte arrives well within the read timeout, but the decoder produces
        # nothing until about the tenth.
        answering(
            200,
            gzip.compress(json.dumps([f"tag-{i}" for i in range(200)]).encode()),
            gap=0.1,
            **{"Content-Encoding": "gzip"},
        ),
    ],
    ids=["plain", "gzip"],
)
def test_a_body_that_trickles_in_still_ends_within_the_call_budget(make_client, handler):
    """A body sent one byte at a time: each wait for bytes is short, the whole is not."""
    with serving(handler) as url:
        client = make_client(base_url=url, timeout=(0.5, 1.0))
        started = time.monotonic()
        with pytest.raises(HarnessUnavailable) as excinfo:
            client.list_tags(org="default", project="infra")
        elapsed = time.monotonic() - started

    assert elapsed < 2.0, f"the call took {elapsed:.1f} s on a 1.5 s budget"
    assert "in time" in excinfo.value.message


class _Gzipped(QuietHandler):
    """`body` gzipped: with its length (a path with `/sized/`) or chunked, in one gzip member or
    (`/members/`) two; records each request's Accept-Encoding."""

    protocol_version = "HTTP/1.1"
    body = b""
    accepted: list[str] = []

    def do_GET(self):
        type(self).accepted.append(self.headers.get("Accept-Encoding", ""))
        body = self.body
        if "/members/" in self.path:
            packed = gzip.compress(body[:10]) + gzip.compress(body[10:])
        else:
            packed = gzip.compress(body)
        half = len(packed) // 2
        self.send_json(
            [packed[:half], packed[half:]],
            sized="/sized/" in self.path,
            **{"Content-Encoding": "gzip"},
        )


@pytest.mark.parametrize("project", ["sized", "chunked", "members"])
def test_a_gzip_answer_is_asked_for_and_decoded(make_client, project):
    tags = [f"tag-{i}" for i in range(200)]
    _Gzipped.body, _Gzipped.accepted = json.dumps(tags).encode(), []
    with serving(_Gzipped) as url:
        assert make_client(base_url=url).list_tags(org="default", project=project) == tags

    assert _Gzipped.accepted == ["gzip"]  # the one encoding the client decodes


@pytest.mark.parametrize("project", ["sized", "chunked"])
def test_a_gzip_answer_that_unpacks_past_the_limit_is_refused(make_client, project):
    """9 MiB of JSON packs into a few kB: the limit counts what it unpacks to."""
    _Gzipped.body = b"[" + b" " * (9 << 20) + b"]"
    with serving(_Gzipped) as url, pytest.raises(HarnessUnavailable) as excinfo:
        make_client(base_url=url).list_tags(org="default", project=project)

    assert "larger than" in excinfo.value.message


def test_a_corrupt_gzip_answer_is_harness_unavailable(make_client):
    handler = answering(200, b"not gzip at all", **{"Content-Encoding": "gzip"})
    with serving(handler) as url, pytest.raises(HarnessUnavailable) as excinfo:
        make_client(base_url=url).list_tags(org="default", project="infra")

    assert "ContentDecodingError" in excinfo.value.message


class _Huge(QuietHandler):
    """A 2xx JSON body of 64 MiB, with its length (`/sized`) or chunked (without)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_json([b" " * (1 << 20)] * 64, sized="/sized/" in self.path)


@pytest.mark.parametrize("project", ["sized", "chunked"])
def test_a_huge_body_is_refused_not_read_into_memory(make_client, project):
    with serving(_Huge) as url, pytest.raises(HarnessUnavailable) as excinfo:
        make_client(base_url=url).list_tags(org="default", project=project)

    assert "larger than" in excinfo.value.message
    assert excinfo.value.status is None  # the answer was not read: a write's outcome is unclear


class _Recorder(QuietHandler):
    hits: list[dict] = []

    def do_GET(self):
        type(self).hits.append(dict(self.headers))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "session=abc; Path=/")
        self.end_headers()
        self.wfile.write(b"[]")


@pytest.fixture
def other_host():
    """A second local server standing in for "another host"; records every request."""
    _Recorder.hits = []
    with serving(_Recorder) as url:
        yield url, _Recorder.hits


def test_redirect_is_refused_and_not_followed(client, fake, other_host):
    url, hits = other_host
    fake.inject(LIST, redirect=f"{url}/steal")

    with pytest.raises(HarnessUnavailable) as excinfo:
        list_infra(client)

    assert excinfo.value.status == 302
    assert "redirect" in excinfo.value.message
    assert len(fake.log(route=LIST)) == 1
    assert hits == []


def test_cookies_are_never_stored_or_sent(make_client, other_host):
    url, hits = other_host
    client = make_client(base_url=url)  # the recorder answers every GET with Set-Cookie

    client.list_tags(org="default", project="infra")
    client.list_tags(org="default", project="infra")

    assert len(hits) == 2
    assert "Cookie" not in hits[1]
    assert len(client._session.cookies) == 0
    assert hits[0]["x-api-key"]  # the key went as a per-request header
    assert "x-api-key" not in client._session.headers


def test_proxy_variables_and_netrc_in_the_environment_are_ignored(
    make_client, fake, other_host, monkeypatch, tmp_path
):
    url, hits = other_host
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, url)  # would reroute the key through "another host"
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))

    make_client().list_tags(org="default", project="infra")

    assert hits == []
    (call,) = fake.log(route="iacm.tags")
    assert "authorization" not in call["headers"]


def test_a_proxy_set_on_the_session_is_used(make_client, fake, other_host):
    """Session settings mean what they say: the transport goes through `Session.request`."""
    url, hits = other_host
    client = make_client()
    client._session.proxies = {"http": url}

    client.list_tags(org="default", project="infra")

    assert len(hits) == 1
    assert fake.log(route="iacm.tags") == []
