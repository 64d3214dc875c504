"""The key stays secret; the transport follows its rules; URL, logging and observer contracts."""

import json
import logging
import pickle
import subprocess
import sys

import pytest
import requests

from workspaces.harness import (
    HarnessClient,
    HarnessError,
    HarnessUnavailable,
    HarnessValidationError,
    call_observers,
    configure_pool,
    transport,
    validate_base_url,
)

from .conftest import ACCOUNT, FULL_KEY, KEY_SECRETS, wait_until_logged
from .local_server import QuietHandler, serving

KEY_SECRET = FULL_KEY.rsplit(".", 1)[1]


def test_the_package_does_not_import_django():
    code = "import sys, workspaces.harness; print(sorted(m for m in sys.modules if 'django' in m))"

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"


def test_repr_shows_account_and_url_but_not_the_key(client, fake):
    text = repr(client)

    assert ACCOUNT in text
    assert fake.base_url in text
    assert KEY_SECRET not in text
    assert FULL_KEY not in str(vars(client).get("base_url"))


def test_client_cannot_be_pickled(client):
    with pytest.raises(TypeError):
        pickle.dumps(client)


def test_errors_never_contain_the_key(client, fake):
    body = {"name": "bad_request", "id": "r1", "message": f"bad key {FULL_KEY} given",
            "temporary": False, "timeout": False, "fault": False}  # fmt: skip
    fake.inject("iacm.workspaces.list", status=400, body=json.dumps(body))

    with pytest.raises(HarnessValidationError) as excinfo:
        client.list_workspaces(org="default", project="infra")

    error = excinfo.value
    assert KEY_SECRET not in str(error)
    assert KEY_SECRET not in repr(error)
    assert KEY_SECRET not in error.message
    assert "***" in error.message


def test_policy_deny_messages_never_contain_the_key(client, fake):
    """Harness's OPA deny messages (and policy names) were kept as Harness sent them: a policy
    that quotes the caller put the whole key into the error, the draft and the audit trail."""
    body = {"name": "PolicyViolationError", "id": "r1", "message": "denied",
            "temporary": False, "timeout": False, "fault": False,
            "policy_evaluation": {"status": "error", "details": [
                {"identifier": "ps1", "name": f"set {FULL_KEY}", "status": "error",
                 "deny_messages": [f"set says {FULL_KEY}"],
                 "details": [{"status": "error", "deny_messages": [f"policy says {FULL_KEY}"],
                              "policy": {"identifier": "p1", "name": f"policy {FULL_KEY}"}}]}],
                "deny_messages": [f"caller {FULL_KEY}"]}}  # fmt: skip
    fake.inject("iacm.workspaces.list", status=400, body=json.dumps(body))

    with pytest.raises(HarnessValidationError) as excinfo:
        client.list_workspaces(org="default", project="infra")

    error = excinfo.value
    assert error.deny_messages  # the denial is kept...
    assert "caller ***" in error.deny_messages
    assert KEY_SECRET not in repr(error.policy_evaluation)  # ...without the key anywhere


def test_policy_warnings_of_a_write_never_contain_the_key(client, fake, workspace_body):
    body = {"policy_evaluation": {"status": "warning", "details": [],
                                  "deny_messages": [f"caller {FULL_KEY}"]}}  # fmt: skip
    fake.inject("iacm.workspaces.create", status=200, body=json.dumps(body))

    result = client.create_workspace(org="default", project="sandbox", body=workspace_body("w"))

    assert result.warnings == ("caller ***",)


@pytest.mark.parametrize("echo", [FULL_KEY.split(".", 2)[2], KEY_SECRET])
def test_an_echo_of_part_of_the_key_is_scrubbed(client, fake, echo):
    """Only the whole key was replaced: an answer quoting `<token id>.<secret>`, or the secret
    alone, kept the secret in the error (and so in the draft and the audit trail)."""
    body = {"status": "ERROR", "code": "INVALID_TOKEN", "correlationId": "c1",
            "message": f"Token {echo} is not valid"}  # fmt: skip
    fake.inject("ng.accounts.get", status=401, body=json.dumps(body))

    with pytest.raises(HarnessError) as excinfo:
        client.check_account()

    assert KEY_SECRET not in excinfo.value.message
    assert excinfo.value.message == "Token *** is not valid"


def test_a_key_cut_by_the_message_limit_is_still_scrubbed(client, fake):
    """The message was cut to 2,000 characters *before* the key was replaced, so a key that
    straddled the cut was no longer found and its first characters (with part of the secret)
    stayed in the error, which the wizard stores (harness_message) and the audit keeps."""
    cut = 2000 - len(FULL_KEY) + 12  # 12 characters of the key fall past the cut
    message = "x" * cut + FULL_KEY + " was refused"
    body = {"name": "bad_request", "id": "r1", "message": message,
            "temporary": False, "timeout": False, "fault": False}  # fmt: skip
    fake.inject("iacm.workspaces.list", status=400, body=json.dumps(body))

    with pytest.raises(HarnessValidationError) as excinfo:
        client.list_workspaces(org="default", project="infra")

    leaked = KEY_SECRET[: len(KEY_SECRET) - 12]
    assert leaked not in excinfo.value.message
    assert len(excinfo.value.message) <= 2000


def test_the_key_is_scrubbed_from_the_error_name_and_field_names(client, fake):
    body = {
        "message": "Invalid request",
        "code": f"BAD_{FULL_KEY}",
        "errors": [{"field_name": f"header.{FULL_KEY}", "message": "unknown"}],
        "error_metadata": None,
    }
    fake.inject("v1.orgs.list", status=400, body=json.dumps(body))

    with pytest.raises(HarnessValidationError) as excinfo:
        client.list_orgs()

    error = excinfo.value
    assert error.name == "BAD_***"
    assert error.field == "header.***"
    assert error.field_errors[0].field == "header.***"
    assert KEY_SECRET not in repr(error)


def test_timeout_error_never_contains_the_key(make_client, fake):
    client = make_client(timeout=(1.0, 0.2))
    fake.inject("iacm.workspaces.list", delay_ms=800)

    with pytest.raises(HarnessUnavailable) as excinfo:
        client.list_workspaces(org="default", project="infra")

    assert KEY_SECRET not in str(excinfo.value)
    assert KEY_SECRET not in repr(excinfo.value)
    assert KEY_SECRET not in str(excinfo.value.__cause__)
    wait_until_logged(fake, "iacm.workspaces.list")  # the delayed call ends before the next test


class _EchoTheKey(QuietHandler):
    """Echoes the `x-api-key` header back as `x-request-id`: a 302 for the tags, an HTML 200
    for the workspace list."""

    def do_GET(self):
        redirect = self.path.split("?")[0].endswith("/tags")
        body = b"" if redirect else b"<html><body>Signed out</body></html>"
        self.send_response(302 if redirect else 200)
        self.send_header("x-request-id", "req-" + self.headers["x-api-key"] + "-" + "x" * 300)
        self.send_header(
            "Location" if redirect else "Content-Type", "/" if redirect else "text/html"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def echo_server():
    with serving(_EchoTheKey) as url:
        yield url


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.list_tags(org="default", project="infra"),  # the redirect
        lambda client: client.list_workspaces(org="default", project="infra"),  # the HTML 2xx
    ],
    ids=["redirect", "unreadable 2xx"],
)
def test_a_request_id_echoing_the_key_is_scrubbed_on_every_path(make_client, echo_server, call):
    """`error_from` scrubbed the request id; the redirect and unreadable-2xx paths passed it on
    raw (into str(error) and the audit trail's request id)."""
    with pytest.raises(HarnessUnavailable) as excinfo:
        call(make_client(base_url=echo_server))

    error = excinfo.value
    assert KEY_SECRET not in str(error) and KEY_SECRET not in repr(error)
    assert error.request_id.startswith("req-***")
    assert len(error.request_id) <= 128  # the audit trail's column


def test_a_value_quoted_by_a_shape_error_is_scrubbed(client, fake):
    workspace = {"identifier": "ws_one", "name": "web", "cost_estimation_enabled": FULL_KEY}
    fake.inject("iacm.workspaces.get", status=200, body=json.dumps(workspace))

    with pytest.raises(HarnessUnavailable) as excinfo:
        client.get_workspace(org="default", project="infra", identifier="ws_one")

    error = excinfo.value
    assert "expected a boolean" in error.message
    assert KEY_SECRET not in str(error) and KEY_SECRET not in str(error.__cause__)


def test_log_records_carry_route_status_duration_and_never_the_key(client, fake, caplog):
    fake.inject("iacm.workspaces.get", status=404)
    caplog.set_level(logging.DEBUG)

    client.list_workspaces(org="default", project="infra", search="vpc")
    with pytest.raises(HarnessError):
        client.get_workspace(org="default", project="infra", identifier="vpc_dev_0001")

    records = [r for r in caplog.records if r.name == "workspaces.harness"]
    assert [r.harness_route for r in records] == [
        "GET /iacm/api/orgs/{org}/projects/{project}/workspaces",
        "GET /iacm/api/orgs/{org}/projects/{project}/workspaces/{identifier}",
    ]
    assert [r.harness_status for r in records] == [200, 404]
    assert all(isinstance(r.duration_ms, float) for r in records)
    assert all(r.levelno == logging.DEBUG for r in records)
    assert "vpc" not in records[0].getMessage()  # no query values
    for record in caplog.records:  # ours and urllib3's
        text = record.getMessage() + repr(vars(record))
        assert not any(secret in text for secret in KEY_SECRETS)


def test_observers_see_every_call(client, fake):
    seen = []
    call_observers.append(lambda *args: seen.append(args))
    fake.inject("iacm.workspaces.list", status=429)
    try:
        client.list_tags(org="default", project="infra")
        with pytest.raises(HarnessError):
            client.list_workspaces(org="default", project="infra")
        with pytest.raises(HarnessError):
            client.get_template(org="default", project="infra", identifier="account.nope")
    finally:
        call_observers.clear()

    assert [(route, status, error) for route, status, _, error in seen] == [
        ("GET /iacm/api/orgs/{org}/projects/{project}/tags", 200, None),
        ("GET /iacm/api/orgs/{org}/projects/{project}/workspaces", 429, "HarnessRateLimited"),
        ("GET /v1/templates/{template}", 404, "HarnessNotFound"),
    ]
    assert all(isinstance(duration, float) and duration >= 0 for _, _, duration, _ in seen)


def test_an_observer_without_a_response_gets_none(make_client, fake):
    seen = []
    call_observers.append(lambda *args: seen.append(args))
    fake.inject("ng.accounts.get", drop=True, times=3)
    try:
        with pytest.raises(HarnessUnavailable):
            make_client().check_account()
    finally:
        call_observers.clear()

    assert [(s[0], s[1], s[3]) for s in seen] == [
        ("GET /ng/api/accounts/{accountIdentifier}", None, "HarnessUnavailable")
    ]


def test_a_broken_observer_does_not_break_the_call(client, fake):
    def broken(*args):
        raise RuntimeError("metrics down")

    call_observers.append(broken)
    try:
        tags = client.list_tags(org="default", project="infra")
    finally:
        call_observers.clear()

    assert tags


def test_the_default_client_uses_the_shared_pooled_session(fake):
    client = HarnessClient(fake.base_url, ACCOUNT, FULL_KEY)

    client.check_account()

    session = transport.shared_session()
    assert session.trust_env is False
    assert isinstance(session.cookies._policy, transport.RejectAllCookies)
    assert "x-api-key" not in session.headers
    assert "Harness-Account" not in session.headers
    adapter = session.get_adapter("https://app.harness.io")
    assert adapter._pool_maxsize == transport.DEFAULT_POOL_MAXSIZE
    retry = adapter.max_retries
    assert retry.total == 2
    assert set(retry.status_forcelist) == {502, 503, 504}
    assert retry.allowed_methods == frozenset({"GET"})
    assert retry.respect_retry_after_header is False


def test_a_harness_behind_a_private_ca_is_reached_with_its_bundle_only(
    make_client, harness_behind_private_ca
):
    """`trust_env=False` also drops REQUESTS_CA_BUNDLE: a self-managed Harness behind a company
    CA could not be reached at all. `build_session(ca_bundle=...)` is the session's `verify`."""
    url, ca_bundle = harness_behind_private_ca
    session = transport.build_session(ca_bundle=ca_bundle)

    assert session.verify == ca_bundle
    assert make_client(base_url=url, session=session).list_tags(org="default", project="x") == []
    with pytest.raises(HarnessUnavailable):  # the default CAs do not know this one
        make_client(base_url=url).list_tags(org="default", project="x")


def test_configure_ca_bundle_applies_to_the_shared_session(harness_behind_private_ca):
    url, ca_bundle = harness_behind_private_ca
    try:
        transport.configure_ca_bundle(ca_bundle)

        assert transport.shared_session().verify == ca_bundle
        assert HarnessClient(url, ACCOUNT, FULL_KEY).list_tags(org="default", project="x") == []
    finally:
        transport.configure_ca_bundle("")
    assert transport.shared_session().verify is True


def test_a_ca_bundle_that_is_not_a_file_is_refused():
    with pytest.raises(ValueError, match="CA bundle"):
        transport.build_session(ca_bundle="/nonexistent/ca.pem")


def test_configure_pool_replaces_the_shared_session():
    before = transport.shared_session()
    try:
        session = configure_pool(8)

        assert transport.shared_session() is session is not before
        assert session.get_adapter("http://127.0.0.1")._pool_maxsize == 8
    finally:
        configure_pool(transport.DEFAULT_POOL_MAXSIZE)


def test_per_call_headers_reach_harness(client, fake):
    client.list_orgs()
    client.list_connectors(org="default", project="infra", types=["Aws"])

    v1_call = fake.log(route="v1.orgs.list")[0]
    ng_call = fake.log(route="ng.connectors.list")[0]
    assert v1_call["headers"]["harness-account"] == ACCOUNT
    assert v1_call["headers"]["x-api-key"].startswith("pat.AcmeDemoAcct01.")
    assert "cookie" not in v1_call["headers"]
    assert ng_call["query"]["routingId"] == [ACCOUNT]
    assert "harness-account" not in ng_call["headers"]


def test_gateway_prefix(make_client, fake):
    client = make_client(iacm_prefix="/gateway/iacm/api")

    page = client.list_workspaces(org="default", project="sandbox")

    assert page.total_items == 12
    assert fake.log(route="iacm.workspaces.list")[0]["path"].startswith("/gateway/iacm/api/")


@pytest.mark.parametrize(
    "url",
    [
        "https://app.harness.io",
        "https://app.harness.io/",
        "https://harness.example.com:8443/gateway",
        "http://127.0.0.1:8700",
        "http://127.5.6.7",
        "http://localhost:8700",
        "http://[::1]:8700",
    ],
)
def test_validate_base_url_accepts(url):
    assert validate_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "app.harness.io",
        "http://app.harness.io",
        "http://10.0.0.1:8700",
        "http://localhost.example.com",
        "ftp://app.harness.io",
        "https://user:pw@app.harness.io",
        "https://app.harness.io/?x=1",
        "https://app.harness.io:notaport",
        "https://",
    ],
)
def test_validate_base_url_refuses(url):
    with pytest.raises(ValueError):
        validate_base_url(url)


def test_constructor_validates_its_arguments(fake):
    with pytest.raises(ValueError):
        HarnessClient("http://app.harness.io", ACCOUNT, FULL_KEY)
    with pytest.raises(ValueError):
        HarnessClient(fake.base_url, "", FULL_KEY)
    with pytest.raises(ValueError) as excinfo:
        HarnessClient(fake.base_url, ACCOUNT, FULL_KEY + "\n")
    assert KEY_SECRET not in str(excinfo.value)
    with pytest.raises(ValueError):
        HarnessClient(fake.base_url, ACCOUNT, FULL_KEY, iacm_prefix="iacm api")
    with pytest.raises(ValueError):
        HarnessClient(fake.base_url, ACCOUNT, FULL_KEY, timeout=(0, 1))


def test_path_parameters_are_encoded(client, fake):
    with pytest.raises(HarnessError):
        client.get_workspace(org="default", project="infra", identifier="a/b?c")
    with pytest.raises(ValueError):
        client.get_workspace(org="default", project="infra", identifier="..")

    assert fake.log()[-1]["path"].endswith("/workspaces/a%2Fb%3Fc")


def test_results_pickle_for_the_cache(client):
    page = client.list_workspaces(org="default", project="infra", limit=5)
    ws = client.get_workspace(org="default", project="infra", identifier=page.items[0].identifier)

    assert pickle.loads(pickle.dumps(page)) == page  # noqa: S301 -- our own bytes
    assert pickle.loads(pickle.dumps(ws)) == ws  # noqa: S301


def test_requests_exceptions_do_not_leak(make_client, fake):
    fake.inject("iacm.tags", drop=True, times=5)

    with pytest.raises(HarnessUnavailable) as excinfo:
        make_client().list_tags(org="default", project="infra")

    assert not isinstance(excinfo.value, requests.RequestException)
    assert isinstance(excinfo.value.__cause__, requests.RequestException)
