"""Operations: request ids, request and Harness log lines, redaction, no-store, /readyz, /metrics,
the production settings profile and the gunicorn configuration."""

import fcntl
import gc
import json
import logging
import os
import random
import re
import runpy
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
import yaml
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import reverse
from prometheus_client import REGISTRY
from pytest_django.asserts import assertContains

from portal import logs
from portal.gunicorn_logging import JsonSafeAtoms
from portal.healthcheck import probe_host
from tests.conftest import FULL_KEY, running_in_ci
from tests.private_ca import write_private_ca

ROOT = Path(__file__).resolve().parents[2]
LIST = "/orgs/default/projects/infra/workspaces/"
METRICS_PARTIAL = {"HX-Request": "true", "HX-Target": "status-overview"}
FERNET_TOKEN = "gAAAAABmZ3x1" + "A" * 60 + "=="


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


# --- request id --------------------------------------------------------------------------------


def test_a_safe_incoming_request_id_is_kept(client, db):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42:1"})

    assert response["X-Request-ID"] == "lb-7f3a.42:1"


@pytest.mark.parametrize(
    "incoming", ["", "has space", "x" * 129, 'quote"d', "new\nline", "-leading-dash", "/a"]
)
def test_an_unsafe_or_missing_request_id_is_replaced(client, db, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming} if incoming else {})

    assert len(response["X-Request-ID"]) == 32
    assert response["X-Request-ID"] != incoming


def test_each_request_gets_its_own_id(client, db):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert first != second


# --- request and Harness log lines --------------------------------------------------------------


def test_one_log_line_per_request_with_user_id_and_path_without_query(
    signed_in_with_key, user_with_key, caplog
):
    caplog.set_level(logging.INFO, logger="portal")

    response = signed_in_with_key.get(
        LIST + "?q=secret-search&page=2", headers={"X-Request-ID": "req-0001"}
    )

    lines = [r for r in caplog.records if r.name == "portal.request"]
    assert response.status_code == 200
    assert len(lines) == 1
    line = lines[0]
    assert (line.http_method, line.path, line.status, line.view) == (
        "GET",
        LIST,
        200,
        "workspace_list",
    )
    assert line.user_id == user_with_key.pk
    assert line.duration_ms > 0
    assert "secret-search" not in line.getMessage()
    assert logs.request_id_var.get() == "-"  # reset after the request


class _RecordsAsMade(logging.Handler):
    """Each record's text and attributes as its logger made it: a logger's own handlers get a
    record before the root's console handler redacts it in place."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        extra = {k: v for k, v in vars(record).items() if k not in ("msg", "args", "request")}
        self.seen.append((record.name, record.getMessage() + repr(extra)))


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true", "HX-Target": "workspace-table"}])
def test_a_key_pasted_into_a_search_is_in_no_log_record(signed_in_with_key, caplog, headers):
    # The request line logs the path alone, and the key never reaches a Harness URL (urllib3
    # logs those at DEBUG), whatever the redaction would have taken out.
    caplog.set_level(logging.DEBUG)
    records = _RecordsAsMade()
    loggers = [logging.getLogger(name) for name in ("portal", "workspaces", "django", "urllib3")]
    for logger in loggers:
        logger.addHandler(records)
    try:
        signed_in_with_key.get(LIST, {"q": FULL_KEY}, headers=headers)
    finally:
        for logger in loggers:
            logger.removeHandler(records)

    assert "portal.request" in {name for name, _ in records.seen}
    secret = FULL_KEY.split(".")[-1]
    assert [name for name, text in records.seen if secret in text] == []


def test_one_log_line_per_harness_call_with_route_template_status_and_request_id(
    signed_in_with_key, caplog
):
    caplog.set_level(logging.INFO, logger="portal")
    caplog.handler.addFilter(logs.RequestIdFilter())

    signed_in_with_key.get(LIST, headers={**METRICS_PARTIAL, "X-Request-ID": "req-0002"})

    calls = [r for r in caplog.records if r.name == "portal.harness"]
    assert [c.harness_route for c in calls] == [
        "GET /iacm/api/orgs/{org}/projects/{project}/workspace-metrics"
    ]
    assert calls[0].harness_status == 200
    assert calls[0].duration_ms >= 0
    assert calls[0].request_id == "req-0002"


def test_a_failed_harness_call_is_logged_with_its_status(signed_in_with_key, fake, caplog):
    caplog.set_level(logging.INFO, logger="portal")
    fake.inject("iacm.metrics", status=503, times=5)

    signed_in_with_key.get(LIST, headers=METRICS_PARTIAL)

    statuses = {r.harness_status for r in caplog.records if r.name == "portal.harness"}
    assert statuses == {503}


def test_quiet_probes_are_logged_at_debug(client, db, caplog):
    caplog.set_level(logging.DEBUG, logger="portal.request")

    client.get("/healthz")

    assert [r.levelno for r in caplog.records if r.name == "portal.request"] == [logging.DEBUG]


def test_a_refused_probe_is_logged_at_info_like_any_other_request(client, db, caplog, settings):
    """README "Logs": only a probe or scrape answered below 400 is quiet."""
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_BEARER_TOKEN = ""
    caplog.set_level(logging.DEBUG, logger="portal.request")

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404

    assert [r.levelno for r in caplog.records if r.name == "portal.request"] == [logging.INFO]


# --- JSON lines and redaction -------------------------------------------------------------------


def _record(message, *args, **extra):
    record = logging.LogRecord("portal.test", logging.INFO, __file__, 1, message, args, None)
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def _through_filters(record):
    logs.RequestIdFilter().filter(record)
    logs.RedactSecretsFilter().filter(record)
    return json.loads(logs.JsonFormatter().format(record))


def test_json_lines_carry_the_request_id_and_extra_fields():
    token = logs.request_id_var.set("req-json")
    try:
        line = _through_filters(_record("GET %s", "/x", status=200, duration_ms=1.5))
    finally:
        logs.request_id_var.reset(token)

    assert line["message"] == "GET /x"
    assert line["request_id"] == "req-json"
    assert (line["status"], line["duration_ms"], line["level"]) == (200, 1.5, "INFO")
    assert line["logger"] == "portal.test"


@pytest.mark.parametrize(
    "text",
    [
        f"key {FULL_KEY} rejected",
        "sat.AcmeDemoAcct01.5f0c0d1e2f3a.SeRvIcEaCcOuNt0001",
        "headers {'x-api-key': 'pat.abc.def.ghi', 'Accept': 'json'}",
        "x-api-key: s3cr3tvalue",
        "Authorization: Bearer abc.def-ghi",
        f"token {FERNET_TOKEN}",
        "HARNESS_TOKEN_KEYS=dGVzdC1vbmx5LWhhcm5lc3MtdG9rZW4ta2V5LTAwMDA=",
    ],
)
def test_the_filter_redacts_anything_that_looks_like_a_key(text):
    line = _through_filters(_record("%s", text))

    assert "[redacted]" in line["message"]
    for secret in ("dEmOfUlL", "SeRvIcE", "pat.abc", "s3cr3t", "abc.def", "AAAAAAAA", "dGVzdC1"):
        assert secret not in line["message"]


@pytest.mark.parametrize(
    "text",
    [
        FULL_KEY,
        f"token {FULL_KEY}\nmore",
        f'harness_platform_api_key = "{FULL_KEY}"',
        f"Deployed with {FULL_KEY}.",  # a full stop ends the sentence, not the key
        f"({FULL_KEY}), then",
        f"x-api-key:{FULL_KEY}",
        "sat.AcmeDemoAcct01.5f0c0d1e2f3a.SeRvIcEaCcOuNt0001",
        "pat.abc.def.ghi",
    ],
)
def test_a_whole_harness_key_in_a_text_is_found_and_taken_out(text):
    """What the wizard refuses in a field and the audit trail takes out of a body."""
    assert logs.holds_harness_key(text)
    assert "pat.a" not in logs.redact_harness_keys(text).lower()
    assert "sat.a" not in logs.redact_harness_keys(text).lower()


@pytest.mark.parametrize(
    "text",
    [
        "pat.de.la.cruz@example.com",
        "mailto:pat.de.la.cruz@example.com",
        "https://sat.eu.example.com/v1",
        "sat.eu.example.com/v1",
        "git@sat.eu.example.com:infra/live",
        "ok_pat.a.b.c",
        "team-pat.a.b.c",
        "pat.a.b.c.d",
        "Owned by pat.smith; bearer auth to the API",
    ],
)
def test_a_text_that_only_looks_like_a_harness_key_is_left_as_it_is(text):
    """A whole-key shape inside an e-mail address, a host, a path or a longer dotted name is
    not a key: the wizard keeps it as typed and the trail as sent."""
    assert not logs.holds_harness_key(text)
    assert logs.redact_harness_keys(text) == text


def test_the_filter_redacts_args_extra_fields_and_tracebacks(settings):
    try:
        raise ValueError(f"bad key {FULL_KEY}")
    except ValueError:
        record = _record("failed for %s", FULL_KEY, detail=f"x-api-key={FULL_KEY}")
        record.exc_info = sys.exc_info()

    line = _through_filters(record)

    assert FULL_KEY not in json.dumps(line)
    assert "ValueError: bad key [redacted]" in line["exc"]


def test_the_filter_redacts_configured_secrets(settings):
    logs._secrets_in_settings.cache_clear()
    settings.SECRET_KEY = "a-very-secret-session-signing-key-0123456789"
    try:
        line = _through_filters(_record("leaked %s", settings.SECRET_KEY))
    finally:
        logs._secrets_in_settings.cache_clear()

    assert line["message"] == "leaked [redacted]"


def test_configured_secrets_are_redacted_after_a_line_logged_before_the_settings_loaded():
    """gunicorn's master logs "Starting gunicorn" before Django's settings are loaded, and its
    workers are forked from it with whatever redaction remembered by then."""
    code = (
        "import portal.gunicorn_logging\n"
        "from django.conf import settings\n"
        "from portal.logs import redact\n"
        "redact('Starting gunicorn')\n"
        "print(redact('leaked: ' + settings.SECRET_KEY))\n"
    )
    secret = "TopSecretValue-0123456789-abcdefghijkl"

    result = python_in(_clean_env(SECRET_KEY=secret), code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "leaked: [redacted]"


@pytest.mark.parametrize("debug", ["true", "false"])
def test_djangos_own_records_are_redacted_and_written_once(debug):
    """README "Logs": every record goes through the redaction filter. Django's defaults give the
    `django` logger its own console handler (on with DEBUG), which wrote every django.* record
    (500 tracebacks included) unredacted before the portal's handler wrote it again, and
    `django.server` a handler that does not propagate (its warnings went out unformatted)."""
    code = (
        "import logging, django; django.setup()\n"
        "try:\n"
        f"    raise ValueError('Harness refused {FULL_KEY}')\n"
        "except ValueError:\n"
        "    logging.getLogger('django.request').exception('Internal Server Error: /key/')\n"
        f"logging.getLogger('django.server').warning('Broken pipe from {FULL_KEY}')\n"
    )

    result = python_in(_clean_env(DEBUG=debug, LOG_FORMAT="plain"), code)

    assert result.returncode == 0, result.stderr
    assert FULL_KEY not in result.stderr
    assert result.stderr.count("Internal Server Error: /key/") == 1, result.stderr
    assert "ValueError: Harness refused [redacted]" in result.stderr
    assert "WARNING django.server [-] Broken pipe from [redacted]" in result.stderr


def test_the_literal_checks_skip_only_lines_no_pattern_could_match():
    """redact() runs a pattern only when its literal is present; the result is the same as
    running every pattern on every line."""
    rnd = random.Random(6)
    pieces = [
        FULL_KEY,
        "pat.",
        "sat.x",
        "PAT.a.b",
        "X-Api-Key",
        "x-api-key=",
        "X-API-KEY: v",
        "Bearer ",
        "bearer abc",
        "gAAAAA",
        FERNET_TOKEN,
        "=",
        "A" * 43 + "=",
        "dGVzdC1vbmx5" * 4,
        " ",
        "'",
        '"',
        ":",
        ";",
        "/orgs/a/projects/b",
        "ok",
        "at.",
        "é",
        "\n",
    ]
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 8)))
        expected = text
        for pattern, replacement, _literal, _any_case in logs._PATTERNS:
            expected = pattern.sub(replacement, expected)
        assert logs.redact(text) == expected, text


def test_ordinary_text_is_left_alone():
    message = "GET /orgs/default/projects/compat.infra/workspaces/ 200 in 12.5 ms"

    assert logs.redact(message) == message


def test_gunicorn_access_atoms_are_json_safe():
    atoms = JsonSafeAtoms({"a": 'evil "agent" \\ with\nnewline', "s": "200"})
    template = '{"user_agent": "%(a)s", "status": %(s)s, "request_id": "%({x-request-id}o)s"}'
    line = template % atoms  # as gunicorn formats access lines

    assert json.loads(line) == {
        "user_agent": 'evil "agent" \\ with\nnewline',
        "status": 200,
        "request_id": "-",
    }


# --- Cache-Control ------------------------------------------------------------------------------


def test_pages_for_signed_in_users_are_no_store(signed_in_with_key):
    response = signed_in_with_key.get(reverse("harness_key"))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"


def test_a_views_own_cache_control_is_kept(signed_in):
    response = signed_in.get("/healthz")

    assert response["Cache-Control"].startswith("max-age=0")


def test_anonymous_pages_are_not_marked_no_store_by_the_middleware(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert response.get("Cache-Control") != "no-store, private"


# --- error pages --------------------------------------------------------------------------------


def _database_refused(patch) -> None:
    from django.db import OperationalError
    from django.db.backends import utils

    def refused(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    patch.setattr(utils.CursorWrapper, "execute", refused)
    patch.setattr(utils.CursorWrapper, "executemany", refused)


def test_a_database_outage_does_not_say_drafts_are_saved(signed_in_with_key, monkeypatch):
    """The generic 500 page said "Your drafts are saved" while PostgreSQL was refusing every
    query: nothing could have been saved."""
    signed_in_with_key.get("/drafts/")  # the session is in the cache: the user is read first
    signed_in_with_key.raise_request_exception = False

    with monkeypatch.context() as patch:
        _database_refused(patch)
        response = signed_in_with_key.get("/drafts/")

    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "Your drafts are saved" not in body
    assert "The portal's database is unavailable; nothing was saved." in body.replace("&#x27;", "'")
    assert "Connection refused" not in body


def test_the_database_outage_page_keeps_the_security_headers_and_its_log_line(
    signed_in_with_key, monkeypatch, caplog
):
    """The middlewares outside the failing one read the signed-in user again to decide on
    no-store and to log the user id: the read failed again, and Django's fresh 503 skipped the
    middlewares inside, which set the security headers. The page had no CSP, no X-Frame-Options,
    no nosniff, could be cached, logged no request line, and its traceback three times."""
    signed_in_with_key.get("/drafts/")
    signed_in_with_key.raise_request_exception = False
    caplog.clear()

    with monkeypatch.context() as patch, caplog.at_level(logging.INFO):
        _database_refused(patch)
        response = signed_in_with_key.get("/drafts/")

    _assert_a_whole_outage_page(response, caplog)


def test_the_database_outage_page_behind_the_sso_proxy_keeps_the_security_headers(
    client, db, settings, monkeypatch, caplog
):
    """Behind the proxy the first read of the user is the SSO middleware's, outside the ones
    setting X-Frame-Options and the CSP: Django's 503 for it skipped them."""
    settings.PORTAL_AUTH = "sso"
    settings.AUTHENTICATION_BACKENDS = ["portal.sso.SSOHeaderBackend"]
    settings.SSO_USER_HEADER = "X-Forwarded-Email"
    settings.SSO_GROUPS_HEADER = ""
    settings.SSO_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_EMAIL": "a@example.com"}
    client.get("/drafts/", **proxy)
    client.raise_request_exception = False
    caplog.clear()

    with monkeypatch.context() as patch, caplog.at_level(logging.INFO):
        _database_refused(patch)
        response = client.get("/drafts/", **proxy)

    _assert_a_whole_outage_page(response, caplog)


def _assert_a_whole_outage_page(response, caplog) -> None:
    assert response.status_code == 503
    assert response.get("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in response.get("Content-Security-Policy", "")
    assert response.get("X-Content-Type-Options") == "nosniff"
    assert response.get("Referrer-Policy") == "same-origin"
    assert "no-store" in response.get("Cache-Control", "")
    lines = [r for r in caplog.records if r.name == "portal.request"]
    assert [(r.status, r.user_id) for r in lines] == [(503, None)]
    assert len([r for r in caplog.records if r.name == "django.request"]) == 1  # one traceback


def test_a_database_outage_in_a_view_is_the_same_503(signed_in_with_key, monkeypatch):
    from workspaces.models import WorkspaceDraft

    signed_in_with_key.raise_request_exception = False
    signed_in_with_key.get("/drafts/")

    def refused(*args, **kwargs):
        from django.db import InterfaceError

        raise InterfaceError("connection already closed")

    monkeypatch.setattr(WorkspaceDraft.objects, "filter", refused)
    response = signed_in_with_key.get("/drafts/")

    assert response.status_code == 503


def test_any_other_error_is_a_500_that_claims_nothing(signed_in_with_key, monkeypatch):
    from workspaces.models import WorkspaceDraft

    signed_in_with_key.raise_request_exception = False

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(WorkspaceDraft.objects, "filter", broken)
    response = signed_in_with_key.get("/drafts/")

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "saved" not in response.content.decode()


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_each_error_page_names_its_way_out_after_where_it_goes_and_fits_a_phone(
    signed_in_with_key, monkeypatch, status
):
    """The button said "Go to my workspaces" but led to the last project's list, while "My
    workspaces" is the starred list (/my-workspaces/) in the header's My views menu."""
    signed_in_with_key.get("/drafts/")  # the session is in the cache: the user is read first
    signed_in_with_key.raise_request_exception = False

    with monkeypatch.context() as patch:
        if status == 400:
            fields = {f"f{i}": "x" for i in range(2001)}  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
            response = signed_in_with_key.post(reverse("harness_key"), fields)
        elif status == 404:
            response = signed_in_with_key.get("/no/such/page/")
        elif status == 500:
            patch.setattr("workspaces.models.WorkspaceDraft.objects.filter", _a_bug)
            response = signed_in_with_key.get("/drafts/")
        else:
            _database_refused(patch)
            response = signed_in_with_key.get("/drafts/")

    assert response.status_code == status
    assertContains(
        response, f'href="{reverse("home")}">Go to the workspace list</a>', status_code=status
    )
    assert "Go to my workspaces" not in response.content.decode()
    # Without it a phone lays the page out 980 px wide, then shrinks it (500.html and 503.html
    # do not extend base.html, which has it).
    assertContains(
        response,
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        status_code=status,
    )


def _a_bug(*args, **kwargs):
    raise RuntimeError("a bug")


# --- /healthz and /readyz -----------------------------------------------------------------------


def test_probes_and_metrics_need_no_sign_in(client, db, fake):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_a_head_probe_is_answered_like_a_get(client, db, fake, path):
    """HAProxy's `option httpchk HEAD`, uptime monitors and `curl -I` got 405."""
    head = client.head(path, REMOTE_ADDR="127.0.0.1")

    assert head.status_code == client.get(path, REMOTE_ADDR="127.0.0.1").status_code == 200
    assert head.content == b""


@pytest.mark.postgres
def test_readyz_reports_each_dependency(client, db, fake):
    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"configuration", "database", "cache", "harness"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert check["duration_ms"] >= 0


def test_readyz_reports_an_unreachable_harness_but_keeps_the_replica_in_service(
    client, db, settings
):
    """A 503 here took every replica out of the Service during a Harness outage: users got the
    ingress's bare 503 instead of the portal's pages, which degrade gracefully (stale metrics,
    designed errors), and its audit trail and approvals queue, which need no Harness."""
    settings.HARNESS_BASE_URL = "http://127.0.0.1:9"

    response = client.get("/readyz")

    body = response.json()
    checks = body["checks"]
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert checks["harness"] == {
        "status": "fail",
        "error": "ConnectionError",
        "duration_ms": checks["harness"]["duration_ms"],
    }
    assert checks["database"]["status"] == "ok"
    assert "127.0.0.1" not in response.content.decode()


REDIS_DOWN = {
    "default": {
        "BACKEND": "portal.cache.RedisCache",
        # A refused port: every command fails at once (a dead host would wait out the timeouts).
        "LOCATION": "redis://:hunter2secret@127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def test_readyz_reports_a_cache_outage_but_keeps_the_replica_in_service(client, db, settings):
    """A 503 here took every replica out of service at once while Redis was down, though the
    portal serves without it (sessions live in PostgreSQL; a cache miss is read from Harness)."""
    settings.CACHES = REDIS_DOWN

    response = client.get("/readyz")

    body = response.content.decode()
    assert response.status_code == 200
    assert response.json()["checks"]["cache"]["status"] == "fail"
    assert response.json()["checks"]["cache"]["error"] == "ConnectionError"
    assert "hunter2" not in body
    assert "redis://" not in body


@pytest.mark.parametrize("path", ["/", LIST, "/workspaces/", "/drafts/"])
def test_a_redis_outage_gives_signed_in_users_a_designed_page_not_a_500(
    signed_in_with_key, settings, path
):
    """Sessions are read through the cache (`cached_db`): Django's backend falls back to the
    database, then writes the session back to the cache outside its `try`, and every page of
    every signed-in user was a 500 while Redis was down."""
    settings.CACHES = REDIS_DOWN
    signed_in_with_key.raise_request_exception = False

    response = signed_in_with_key.get(path)

    assert response.status_code != 500, response.content.decode()[:200]
    assert response.status_code in (200, 302, 503)


def test_all_workspaces_during_a_redis_outage_says_so_and_starts_no_fan_out(
    signed_in_with_key, settings, fake
):
    """The fan-out's progress lives in the cache (every replica polls it there): without it each
    poll would start the whole fan-out again and never see it finish."""
    settings.CACHES = REDIS_DOWN
    fake.clear_log()

    page = signed_in_with_key.get("/workspaces/")
    poll = signed_in_with_key.get(
        "/workspaces/?after=1", headers={"HX-Request": "true", "HX-Target": "across-live"}
    )

    assert page.status_code == 503
    assertContains(page, "cache is not answering", status_code=503)
    assertContains(poll, "cache is not answering")
    assert fake.counters().get("iacm.workspaces.list", 0) == 0


def _answers_like_an_empty_forgetful_cache(down, *, deletes: bool = True) -> None:
    """What every cache command answers while Redis fails it (`portal.cache`); the deletes are
    left out with `deletes=False` (they are never skipped)."""
    assert down.get("k", "default") == "default"
    assert down.get_many(["k"]) == {}
    assert down.set("k", 1) is None
    assert down.set_many({"a": 1, "b": 2}) == ["a", "b"]  # not stored: callers can tell
    assert down.touch("k") is False
    assert down.add("lock", 1) is True  # a lock that cannot be taken is not waited for
    with pytest.raises(ValueError, match="not answering"):
        down.incr("counter")  # as for a missing key: the rate limits count from 1
    assert down.has_key("k") is False
    assert down.clear() is False
    if deletes:
        assert down.delete("k") is False
        assert down.delete_many(["a", "b"]) is None


def test_the_cache_answers_a_failed_command_as_a_miss_a_skipped_write_or_no_lock(settings):
    from django.core.cache import caches

    settings.CACHES = REDIS_DOWN
    down = caches["default"]

    _answers_like_an_empty_forgetful_cache(down)
    with pytest.raises(redis.ConnectionError):
        down.roundtrip()  # /readyz reports the error


@pytest.fixture
def hung_redis():
    """The port of a TCP server that accepts connections and never answers: to redis-py, a hung
    Redis (overloaded, or stopped with SIGSTOP; the kernel completes the handshake)."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as listener:
        yield listener.getsockname()[1]


def _cache_errors(operation: str, result: str) -> float:
    labels = {"operation": operation, "result": result}
    return REGISTRY.get_sample_value("portal_cache_errors_total", labels) or 0.0


def test_after_redis_timed_out_the_cache_skips_it_for_the_retry_delay(settings, hung_redis):
    """A hung Redis (no refusal: a timeout) cost every cache command its socket timeout, and a
    page makes several: every page took seconds. After one timeout the process now answers
    without asking Redis, exactly as if it had failed, for CACHE_RETRY_AFTER_SECONDS."""
    from portal.cache import RedisCache

    settings.CACHE_RETRY_AFTER_SECONDS = 60
    hung = RedisCache(
        f"redis://127.0.0.1:{hung_redis}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}},
    )
    failed, skipped = _cache_errors("get", "failed"), _cache_errors("add", "skipped")

    started = time.monotonic()
    assert hung.get("session", "default") == "default"
    first = time.monotonic() - started
    started = time.monotonic()
    _answers_like_an_empty_forgetful_cache(hung, deletes=False)
    rest = time.monotonic() - started

    assert first >= 0.5  # the one command that waited out the socket timeout
    assert rest < 0.2, f"{rest:.2f} s for nine commands: they still wait for Redis"
    assert _cache_errors("get", "failed") == failed + 1
    assert _cache_errors("add", "skipped") == skipped + 1  # counted like a failure, apart


def test_deletes_are_sent_to_redis_even_while_it_is_skipped(settings, hung_redis):
    """A skipped delete left a signed-out session in a Redis that was up all along (the test
    of signing out below): deletes are always sent, and a failed one answers as before."""
    from portal.cache import RedisCache

    settings.CACHE_RETRY_AFTER_SECONDS = 60
    hung = RedisCache(f"redis://127.0.0.1:{hung_redis}/0", {"OPTIONS": {"socket_timeout": 0.3}})
    hung.breaker.record_failure()
    failed, skipped = _cache_errors("delete", "failed"), _cache_errors("delete", "skipped")

    started = time.monotonic()
    assert hung.delete("session") is False
    assert hung.delete_many(["a", "b"]) is None
    waited = time.monotonic() - started

    assert waited >= 0.6  # both asked the hung Redis
    assert _cache_errors("delete", "failed") == failed + 1
    assert _cache_errors("delete", "skipped") == skipped
    assert hung.get("k", "default") == "default"  # the rest is still skipped


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_breaker_skips_redis_for_the_delay_then_lets_one_probe_through():
    from portal.cache import CacheBreaker

    clock = FakeClock()
    breaker = CacheBreaker(clock=clock)
    assert breaker.allow(5)
    breaker.record_failure()

    assert not breaker.allow(5)
    clock.now += 4.9
    assert not breaker.allow(5)
    clock.now += 0.1
    assert breaker.allow(5)  # the probe
    assert not breaker.allow(5)  # the others skip Redis meanwhile rather than wait with it
    breaker.record_answer()
    assert breaker.allow(5) and breaker.allow(5)  # Redis answered: every command asks it again


def test_a_failed_probe_skips_redis_for_another_delay_from_its_failure():
    from portal.cache import CacheBreaker

    clock = FakeClock()
    breaker = CacheBreaker(clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow(5)

    clock.now += 2  # the probe waited out its socket timeout
    breaker.record_failure()

    clock.now += 4.9
    assert not breaker.allow(5)
    clock.now += 0.1
    assert breaker.allow(5)


def test_a_redis_that_answers_within_the_delay_is_used_again_at_once():
    """A command sent before the failure that gets its answer afterwards shows Redis is back."""
    from portal.cache import CacheBreaker

    breaker = CacheBreaker(clock=FakeClock())
    breaker.record_failure()
    assert not breaker.allow(5)

    breaker.record_answer()

    assert breaker.allow(5)


def test_a_probe_that_ends_without_a_redis_outcome_lets_the_next_command_probe():
    """A probe that raised something else (a value that cannot be pickled) says nothing about
    Redis: it must not keep Redis skipped for good."""
    from portal.cache import CacheBreaker

    clock = FakeClock()
    breaker = CacheBreaker(clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow(5)

    breaker.release_probe()

    assert breaker.allow(5)


def test_a_retry_delay_of_zero_never_skips_redis():
    from portal.cache import CacheBreaker

    breaker = CacheBreaker(clock=FakeClock())
    breaker.record_failure()

    assert breaker.allow(0) and breaker.allow(0)


def test_when_the_delay_ends_one_thread_probes_and_the_others_skip():
    from portal.cache import CacheBreaker

    clock = FakeClock()
    breaker = CacheBreaker(clock=clock)
    breaker.record_failure()
    clock.now += 5
    start = threading.Barrier(32)
    allowed: list[bool] = []

    def command() -> None:
        start.wait()
        allowed.append(breaker.allow(5))

    threads = [threading.Thread(target=command) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(allowed) == [False] * 31 + [True]


def test_each_redis_server_has_its_own_breaker_in_the_process(hung_redis):
    from portal.cache import RedisCache

    def made(location: str) -> RedisCache:
        return RedisCache(location, {"OPTIONS": {"socket_timeout": 0.5}})

    hung = made(f"redis://127.0.0.1:{hung_redis}/0")
    again = made(f"redis://127.0.0.1:{hung_redis}/0")  # another thread's cache object
    other = made("redis://127.0.0.1:9/0")

    assert hung.breaker is again.breaker
    assert other.breaker is not hung.breaker


def test_the_retry_delay_is_read_from_the_environment(load_settings):
    assert load_settings()["CACHE_RETRY_AFTER_SECONDS"] == 5.0
    assert load_settings(CACHE_RETRY_AFTER_SECONDS="0")["CACHE_RETRY_AFTER_SECONDS"] == 0.0
    assert load_settings(CACHE_RETRY_AFTER_SECONDS="1.5")["CACHE_RETRY_AFTER_SECONDS"] == 1.5
    with pytest.raises(ImproperlyConfigured, match="CACHE_RETRY_AFTER_SECONDS must be"):
        load_settings(CACHE_RETRY_AFTER_SECONDS="5s")


def test_signing_in_during_a_redis_outage_is_not_a_500(client, user, settings):
    """The sign-in throttle counts failures in the cache: it lets sign-ins through while Redis
    is down (fail open, README "Signing in")."""
    settings.CACHES = REDIS_DOWN
    client.raise_request_exception = False

    response = client.post(reverse("login"), {"username": "alice", "password": "s3cret-pass"})

    assert response.status_code == 302, response.content.decode()[:200]
    assert response.url == reverse("home")
    assert client.get(reverse("harness_key")).status_code == 200  # signed in


def test_a_redis_outage_is_logged_once_not_on_every_cache_call(
    signed_in_with_key, settings, caplog, monkeypatch
):
    from portal import cache as portal_cache

    monkeypatch.setattr(portal_cache, "_reported_at", None)
    settings.CACHES = REDIS_DOWN
    caplog.set_level(logging.WARNING, logger="portal.cache")

    signed_in_with_key.get("/")
    signed_in_with_key.get("/drafts/")

    lines = [r for r in caplog.records if r.name == "portal.cache"]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert "ConnectionError" in lines[0].getMessage()
    assert "hunter2" not in lines[0].getMessage()


@pytest.fixture
def local_redis() -> str:
    """A database of the machine's Redis (`tests/services/servers.py`; CI runs one), for tests of
    the cache against a real server: skipped without it, except in CI (`CI=true`)."""
    from tests.services.servers import REDIS_HOST, REDIS_PORT

    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=1).ping()
    except redis.RedisError as err:
        if running_in_ci():
            pytest.fail(f"Redis at {REDIS_HOST}:{REDIS_PORT} is required in CI: {err}")
        pytest.skip(f"no Redis at {REDIS_HOST}:{REDIS_PORT} on this machine: {err}")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/15"


@pytest.mark.postgres  # a real Redis: runs again in `tests.services.run_suite`
@pytest.mark.parametrize("skip_redis", [False, True])
def test_signing_out_while_redis_is_skipped_really_signs_out(
    client, user, settings, local_redis, skip_redis
):
    """Sessions are read from Redis first (`cached_db`). A sign-out while the process skipped
    Redis (one timeout: the cache breaker) deleted the database row only; the copy in Redis, up
    and answering again, kept the signed-out cookie signed in until the session's expiry."""
    from portal.cache import reset_cache_breakers

    prefix = f"signout{os.getpid()}"
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": local_redis,
            "KEY_PREFIX": prefix,
        }
    }
    settings.CACHE_RETRY_AFTER_SECONDS = 60
    try:
        client.force_login(user)
        old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        if skip_redis:
            cache.breaker.record_failure()  # a timeout a moment ago: Redis is being skipped

        assert client.post(reverse("logout")).status_code == 302
        reset_cache_breakers()  # Redis is asked again
        client.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
        response = client.get(reverse("harness_key"))

        assert response.status_code == 302, f"the signed-out cookie still signs in: {response}"
        assert "/accounts/login/" in response["Location"]
    finally:
        raw = redis.Redis.from_url(local_redis)
        for key in raw.scan_iter(match=f"{prefix}:*"):
            raw.delete(key)


# --- /metrics -----------------------------------------------------------------------------------


def test_metrics_are_denied_outside_the_allowed_networks(client, db, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.METRICS_BEARER_TOKEN = "scrape-token-123"

    outside = client.get("/metrics", REMOTE_ADDR="192.0.2.7")
    wrong_token = client.get(
        "/metrics", REMOTE_ADDR="192.0.2.7", headers={"Authorization": "Bearer nope"}
    )
    inside = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    with_token = client.get(
        "/metrics", REMOTE_ADDR="192.0.2.7", headers={"Authorization": "Bearer scrape-token-123"}
    )

    assert outside.status_code == 404
    assert wrong_token.status_code == 404
    assert inside.status_code == 200
    assert with_token.status_code == 200


def test_metrics_are_denied_when_nothing_is_configured(client, db, settings):
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_BEARER_TOKEN = ""

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def _k8s_allowed_hosts() -> list[str]:
    config = yaml.safe_load((ROOT / "deploy" / "k8s" / "configmap.yaml").read_text())["data"]
    return [host.strip() for host in config["ALLOWED_HOSTS"].split(",")]


@pytest.mark.parametrize("host", ["10.42.0.17:8000", "10.42.0.17", "[fd00::17]:8000"])
def test_prometheus_scraping_a_pod_by_its_address_gets_the_metrics(client, db, settings, host):
    """The k8s example's Prometheus scrapes pod IPs (and compose's scraper the replicas'
    addresses): Host 10.42.0.17:8000 is in no ALLOWED_HOSTS, so every scrape was a 400 and an
    ERROR django.security.DisallowedHost line."""
    settings.ALLOWED_HOSTS = _k8s_allowed_hosts()
    settings.METRICS_ALLOWED_NETWORKS = []
    settings.METRICS_BEARER_TOKEN = "scrape-token-0123456789"
    bearer = {"Authorization": "Bearer scrape-token-0123456789"}

    scraped = client.get("/metrics", HTTP_HOST=host, headers=bearer, REMOTE_ADDR="10.42.1.5")
    refused = client.get("/metrics", HTTP_HOST=host, REMOTE_ADDR="10.42.1.5")

    assert (scraped.status_code, refused.status_code) == (200, 404)
    assert client.get("/healthz", HTTP_HOST=host).status_code == 200


def test_only_the_probes_answer_a_host_that_is_not_allowed(client, db, settings, fake):
    """Let through for an address only: a page rebinding its own name (DNS rebinding) to a
    replica's address still sends that name, which stays refused."""
    settings.ALLOWED_HOSTS = _k8s_allowed_hosts()

    assert client.get("/readyz", HTTP_HOST="10.42.0.17:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="rebound.example.net").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="10.42.0.17:8000").status_code == 400
    assert client.get("/healthz/", HTTP_HOST="10.42.0.17:8000").status_code == 400


def _sample(body: str, name: str, **labels) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


@pytest.mark.postgres
def test_metrics_count_requests_by_view_harness_calls_and_cache_lookups(
    signed_in_with_key, client, fake
):
    route = "GET /iacm/api/orgs/{org}/projects/{project}/workspace-metrics"
    before = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    fake.inject("iacm.metrics", status=500, times=1)  # 500 is not retried

    signed_in_with_key.get(LIST, headers=METRICS_PARTIAL)  # miss, Harness 500
    signed_in_with_key.get(LIST, headers=METRICS_PARTIAL)  # miss (nothing stored), Harness 200
    signed_in_with_key.get(LIST, headers=METRICS_PARTIAL)  # fresh hit
    after = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()

    def delta(name, **labels):
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    assert delta("portal_request_duration_seconds_count", view="workspace_list", method="GET") == 3
    assert delta("portal_requests_total", view="workspace_list", method="GET", status="200") == 3
    assert delta("portal_harness_call_duration_seconds_count", route=route, status="200") == 1
    assert delta("portal_harness_call_duration_seconds_count", route=route, status="500") == 1
    assert delta("portal_harness_call_errors_total", route=route, status="500") == 1
    assert delta("portal_harness_call_errors_total", route=route, status="200") == 0
    assert delta("portal_status_metrics_cache_total", result="miss") == 2
    assert delta("portal_status_metrics_cache_total", result="hit") == 1
    assert "/orgs/default" not in after  # views by name, never raw paths


def _metrics_call_errors_added(client, action) -> dict[str, float]:
    """What `action()` added to portal_harness_call_errors_total of the workspace-metrics route,
    by status label (the labels it added to only)."""
    from prometheus_client.parser import text_string_to_metric_families

    route = "GET /iacm/api/orgs/{org}/projects/{project}/workspace-metrics"

    def by_status() -> dict[str, float]:
        body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
        return {
            sample.labels["status"]: sample.value
            for family in text_string_to_metric_families(body)
            for sample in family.samples
            if sample.name == "portal_harness_call_errors_total" and sample.labels["route"] == route
        }

    before = by_status()
    action()
    grown = {status: value - before.get(status, 0) for status, value in by_status().items()}
    return {status: value for status, value in grown.items() if value}


@pytest.mark.postgres
def test_calls_held_by_a_retry_after_count_as_429_not_as_harness_failing(
    signed_in_with_key, client, fake
):
    """Held calls were counted as status="CallsHeld": the README's "Harness failing" alert
    (`status!~"4.."`) fired on a rate limit, and its `status="429"` watch missed them."""
    from tests.conftest import ACCOUNT
    from workspaces.harness import breaker

    def held_call():
        breaker.hold_calls(fake.base_url, ACCOUNT, seconds=60)  # as after a 429's Retry-After
        signed_in_with_key.get(LIST, headers=METRICS_PARTIAL)

    assert _metrics_call_errors_added(client, held_call) == {"429": 1}
    assert fake.log(route="iacm.metrics") == []  # held: nothing was sent


@pytest.mark.postgres
def test_a_harness_answering_with_a_redirect_is_counted_as_a_failed_call(
    signed_in_with_key, client, fake
):
    """A 3xx is HarnessUnavailable to the client (never followed; the breaker counts it), but
    only 4xx/5xx and unanswered calls were counted: the "Harness failing" alert never saw it."""

    def redirected_call():
        fake.inject("iacm.metrics", redirect="https://sso.example.com/login", times=1)
        signed_in_with_key.get(LIST, headers=METRICS_PARTIAL)  # the strip says Harness failed

    assert _metrics_call_errors_added(client, redirected_call) == {"302": 1}


# --- settings: database, cache, production profile ----------------------------------------------


@pytest.mark.postgres
def test_database_and_cache_follow_the_environment(db):
    """Under `tests.services.run_suite` this same suite runs on PostgreSQL and Redis."""
    from django.conf import settings

    backend = settings.CACHES["default"]["BACKEND"]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert connection.vendor == "postgresql"
        assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    else:
        assert connection.vendor == "sqlite"
    if os.environ.get("REDIS_URL", "").startswith("redis"):
        assert backend == "portal.cache.RedisCache"
    cache.set("roundtrip", {"n": 1})
    assert cache.get("roundtrip") == {"n": 1}
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "unit-test-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "HARNESS_TOKEN_KEYS": "dGVzdC1vbmx5LWhhcm5lc3MtdG9rZW4ta2V5LTAwMDA=",
    "ALLOWED_HOSTS": "portal.example.com",
    "PORTAL_URL": "https://portal.example.com",
}
_DUMP = """
import json, django
django.setup()
from django.conf import settings as s
names = ["SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT", "X_FRAME_OPTIONS",
         "SECURE_REFERRER_POLICY", "SESSION_ENGINE", "LOG_FORMAT", "SILENCED_SYSTEM_CHECKS",
         "METRICS_ALLOWED_NETWORKS", "PASSWORD_HASHERS"]
out = {n: getattr(s, n) for n in names}
out["SECURE_PROXY_SSL_HEADER"] = s.SECURE_PROXY_SSL_HEADER
out["CACHES"] = s.CACHES
out["DATABASES"] = {k: {kk: str(vv) for kk, vv in v.items()} for k, v in s.DATABASES.items()}
out["STATIC"] = s.STORAGES["staticfiles"]["BACKEND"]
print(json.dumps(out))
"""


def _check_deploy(**env: str | None) -> subprocess.CompletedProcess:
    """`manage.py check --deploy --fail-level WARNING` with the production profile and `env`
    (a variable given as None is left unset)."""
    variables = {**PRODUCTION_ENV, **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(**{k: v for k, v in variables.items() if v is not None}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Variables of the environment the tests run in that must not reach the settings under test.
CLEANED_PREFIXES = ("DJANGO_", "DATABASE_", "DB_", "REDIS_", "CACHE_", "SECURE_", "LOG_")


def _clean_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLEANED_PREFIXES)}
    return {**env, "DJANGO_SETTINGS_MODULE": "portal.settings", **extra}


def python_in(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    """`python -c code` in a fresh interpreter with `env`, from the project's root."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _settings_in(env: dict[str, str]) -> dict:
    result = python_in(env, _DUMP)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_production_profile():
    values = _settings_in(
        _clean_env(**PRODUCTION_ENV, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")
    )

    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$", r"^readyz$", r"^metrics$"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert values["LOG_FORMAT"] == "json"
    assert values["STATIC"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["SILENCED_SYSTEM_CHECKS"] == []
    assert values["METRICS_ALLOWED_NETWORKS"] == []
    # The tests sign in with MD5 (tests/conftest.py); the deployment keeps Django's PBKDF2.
    assert values["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"


def test_database_and_redis_urls_select_postgres_and_the_builtin_redis_cache():
    values = _settings_in(
        _clean_env(
            DATABASE_URL="postgres://portal:pw@db.internal:5432/portal",
            REDIS_URL="redis://cache.internal:6379/3",
        )
    )

    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == "60"
    assert database["CONN_HEALTH_CHECKS"] == "True"
    assert "HEALTH_CHECK_DELAY" not in database
    cache_config = values["CACHES"]["default"]
    assert cache_config["BACKEND"] == "portal.cache.RedisCache"
    assert cache_config["LOCATION"] == "redis://cache.internal:6379/3"
    assert cache_config["OPTIONS"]["socket_timeout"] > 0


def test_error_reports_show_neither_the_database_nor_the_redis_password():
    """The debug page and error reports list every upper-case setting: the whole DATABASE_URL
    was kept as one, and CACHES' LOCATION holds REDIS_URL; neither name looks secret."""
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.views.debug import get_default_exception_reporter_filter\n"
        "print(hasattr(settings, 'DATABASE_URL'))\n"
        "print(get_default_exception_reporter_filter().get_safe_settings())\n"
    )
    env = _clean_env(
        DATABASE_URL="postgres://portal:Db-Passw0rd-xyz@db.internal:5432/portal",
        REDIS_URL="rediss://:Redis-Passw0rd-xyz@cache.internal:6380/0",
    )

    result = python_in(env, code)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False\n")
    assert "Db-Passw0rd-xyz" not in result.stdout
    assert "Redis-Passw0rd-xyz" not in result.stdout
    assert "rediss://:********************@cache.internal:6380/0" in result.stdout


_DUMP_ALL = """
import json, django
django.setup()
from django.conf import settings as s
values = {n: repr(getattr(s, n)) for n in dir(s) if n.isupper() and n != "DATABASES"}
values["DATABASES"] = repr({k: v for k, v in s.DATABASES["default"].items() if k != "TEST"})
print(json.dumps(values))
"""


def test_env_example_as_it_is_gives_the_defaults(tmp_path):
    """`.env.example` "lists each with its default": copied to `.env` unchanged it must not change
    a setting. It allowed only localhost and 127.0.0.1 (the default also allows [::1]) and trusted
    the SSO header from 127.0.0.1/32 (the default trusts no proxy)."""
    empty = tmp_path / "empty.env"
    empty.write_text("")

    def settings_with(env_file) -> dict:
        result = python_in(_clean_env(PORTAL_ENV_FILE=str(env_file)), _DUMP_ALL)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    defaults, example = settings_with(empty), settings_with(ROOT / ".env.example")

    assert {n: v for n, v in example.items() if defaults.get(n) != v} == {}
    assert set(example) == set(defaults)


def test_python_warnings_are_log_lines_like_the_others():
    """A library's warning (a RuntimeWarning, a deprecation) was printed as plain text among the
    JSON lines, unredacted, where a log pipeline parsing JSON dropped or mangled it."""
    code = (
        "import django, warnings; django.setup(); "
        "warnings.warn('pat.abc123.def456.ghi789 in a warning', UserWarning)"
    )

    result = python_in(_clean_env(LOG_FORMAT="json"), code)

    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "in a warning" in line]
    record = json.loads(line)
    assert record["logger"] == "py.warnings"
    assert record["level"] == "WARNING"
    assert "pat.abc123" not in line  # through the redaction filter


def test_development_keeps_plain_http_and_plain_logs():
    values = _settings_in(_clean_env())

    assert values["SESSION_COOKIE_NAME"] == "sessionid"
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["LOG_FORMAT"] == "plain"


def test_development_serves_without_a_collectstatic_warning(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "print(Client().get('/healthz', headers={'host': 'localhost'}).status_code)\n"
    )
    env = _clean_env(STATIC_ROOT=str(tmp_path / "not-collected"))

    result = python_in(env, code)

    assert result.stdout.strip() == "200", result.stderr
    assert "No directory at" not in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "HARNESS_TOKEN_KEYS", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = _clean_env(**{k: v for k, v in PRODUCTION_ENV.items() if k != missing})
    env.pop(missing, None)

    result = _manage_check(env)

    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_check_deploy_passes_with_production_settings():
    result = _check_deploy()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize(
    "turned_off",
    [
        "SECURE_HSTS_SECONDS=0",
        "SECURE_SSL_REDIRECT=false",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS=false",
        "SECURE_HSTS_PRELOAD=false",
    ],
)
def test_turning_a_production_default_off_explicitly_silences_its_deploy_warning(turned_off):
    """README "Settings for a deployment": turning one off explicitly also silences its `check
    --deploy` warning. SECURE_HSTS_SECONDS=0 still failed it with security.W004."""
    name, _, value = turned_off.partition("=")
    result = _check_deploy(**{name: value})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "(1 silenced)" in result.stdout


def test_check_deploy_flags_a_production_portal_url_left_at_its_loopback_default():
    """Approval e-mails linked to http://127.0.0.1:8000 in production, and nothing said so."""
    result = _check_deploy(PORTAL_URL=None)

    assert result.returncode != 0, result.stdout
    assert "portal.W002" in result.stderr
    assert "PORTAL_URL" in result.stderr


def test_check_deploy_flags_the_development_profile():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    for check_id in ("security.W004", "security.W008", "security.W012", "workspaces.W001"):
        assert check_id in result.stderr


# --- reading the environment strictly -------------------------------------------------------


def _manage_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def load_settings(monkeypatch, tmp_path):
    """Runs portal/settings.py afresh in this process with the given variables (a subprocess
    costs a second; this, milliseconds) and returns its namespace."""
    empty = tmp_path / "empty.env"
    empty.write_text("")

    def load(**env: str) -> dict:
        for name in [n for n in os.environ if n.startswith(CLEANED_PREFIXES)]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("PORTAL_ENV_FILE", str(empty))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(ROOT / "portal" / "settings.py"))

    return load


@pytest.mark.parametrize("value", ["prod", "Production", ""])
def test_a_mistyped_django_env_is_refused_not_run_as_development(load_settings, value):
    """DJANGO_ENV=prod ran the development profile: no SECRET_KEY or HARNESS_TOKEN_KEYS needed
    (the public development keys instead), no Secure cookies, no HSTS, and nothing said so."""
    with pytest.raises(ImproperlyConfigured, match="DJANGO_ENV must be 'development' or"):
        load_settings(DJANGO_ENV=value, ALLOWED_HOSTS="portal.example.com")


def test_an_env_file_named_but_missing_is_an_error_naming_it(monkeypatch, tmp_path):
    """PORTAL_ENV_FILE pointing at a file that is not there was ignored: the process ran on the
    defaults (SQLite, the development keys) without a word."""
    from portal import envfile

    missing = tmp_path / "protal.env"
    monkeypatch.setenv("PORTAL_ENV_FILE", str(missing))

    with pytest.raises(ImproperlyConfigured, match=re.escape(f"PORTAL_ENV_FILE names {missing},")):
        envfile.read_env_file()


def test_without_a_local_env_file_the_environment_alone_is_read(monkeypatch, tmp_path):
    from portal import envfile

    monkeypatch.delenv("PORTAL_ENV_FILE", raising=False)
    monkeypatch.setattr(envfile, "DEFAULT_ENV_FILE", tmp_path / ".env")

    envfile.read_env_file()


def test_a_bad_variable_stops_manage_py_with_one_line_naming_it():
    result = _manage_check(_clean_env(DJANGO_ENV="Production"))

    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    assert result.stderr.strip().splitlines() == [
        "ImproperlyConfigured: DJANGO_ENV must be 'development' or 'production', not 'Production'."
    ]


SWITCHES = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "STATIC_MANIFEST",
    "REQUEST_LOG",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
)


@pytest.mark.parametrize("value", ["flase", "", "enabled", "y"])
@pytest.mark.parametrize("name", SWITCHES)
def test_a_switch_that_is_neither_true_nor_false_is_refused_by_name(load_settings, name, value):
    """django-environ read anything it did not know (`flase`, empty) as False, and production then
    silenced security.W008 for SECURE_SSL_REDIRECT as "a decision": plain HTTP, and a clean
    `check --deploy`."""
    with pytest.raises(ImproperlyConfigured, match=f"^{name} must be true or false"):
        load_settings(**PRODUCTION_ENV, **{name: value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("true", True), ("On", True), ("YES", True), ("1", True)],
        *[("false", False), ("Off", False), ("NO", False), (" 0 ", False)],
    ],
)
def test_a_switch_takes_true_or_false_in_the_usual_spellings(load_settings, value, expected):
    values = load_settings(**PRODUCTION_ENV, SECURE_SSL_REDIRECT=value)

    assert values["SECURE_SSL_REDIRECT"] is expected
    assert ("security.W008" in values["SILENCED_SYSTEM_CHECKS"]) is not expected


def test_check_deploy_fails_on_a_mistyped_secure_ssl_redirect():
    result = _check_deploy(SECURE_SSL_REDIRECT="flase")

    assert result.returncode != 0, result.stdout
    assert "SECURE_SSL_REDIRECT must be true or false" in result.stderr


# PostgreSQL and Redis, so that their variables are read too (nothing connects).
SERVERS = {"DATABASE_URL": "postgres://db.invalid/portal", "REDIS_URL": "redis://cache.invalid/0"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECURE_HSTS_SECONDS", ""),
        ("SECURE_HSTS_SECONDS", "-1"),
        ("SESSION_COOKIE_AGE", "12h"),
        ("SESSION_COOKIE_AGE", "0"),
        ("HARNESS_READ_TIMEOUT", "ten"),
        ("HARNESS_READ_TIMEOUT", "30s"),
        ("HARNESS_CONNECT_TIMEOUT", "0"),
        ("HARNESS_CONNECT_TIMEOUT", "nan"),
        ("REDIS_TIMEOUT", "-1"),
        ("READYZ_HARNESS_TIMEOUT", ""),
        ("LOG_LEVEL", "VERBOSE"),
        ("LOG_LEVEL", ""),
        ("WIZARD_PICKER_THREADS", "0"),
        ("ACROSS_CONCURRENCY", "0"),
        ("ACROSS_MAX_JOBS_PER_KEY", "0"),
        ("RATE_LIMIT_SUBMITS_PER_MINUTE", "0"),
        ("SIGNIN_FAILURES_PER_USERNAME", "0"),
        ("DB_CONN_MAX_AGE", "-1"),
        ("DB_CONNECT_TIMEOUT", "0"),
        ("EMAIL_PORT", "70000"),
        ("PORTAL_AUTH", "SSO"),
    ],
)
def test_a_value_its_variable_cannot_take_is_refused_by_name(load_settings, name, value):
    """`SECURE_HSTS_SECONDS=` and `SESSION_COOKIE_AGE=12h` crashed with a bare ValueError naming
    no variable; WIZARD_PICKER_THREADS=0 and ACROSS_CONCURRENCY=0 passed `check` and /readyz,
    then every search that needed the thread pool was a 500."""
    with pytest.raises(ImproperlyConfigured, match=f"^{name} must be "):
        load_settings(**SERVERS, **{name: value})


def test_variables_at_their_smallest_usable_values_are_accepted(load_settings):
    values = load_settings(
        **SERVERS,
        SECURE_HSTS_SECONDS="0",
        DB_CONN_MAX_AGE="0",
        WIZARD_RECONCILE_SECONDS="0",
        WIZARD_PICKER_THREADS="1",
        HARNESS_READ_TIMEOUT="0.5",
        SESSION_COOKIE_AGE=" 60 ",
    )

    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] == 0
    assert values["WIZARD_RECONCILE_SECONDS"] == 0.0
    assert values["WIZARD_PICKER_THREADS"] == 1
    assert values["HARNESS_READ_TIMEOUT"] == 0.5
    assert values["SESSION_COOKIE_AGE"] == 60


def test_the_picker_timeout_the_readme_names_is_read_from_the_environment(load_settings):
    """README "Creating a workspace" named `WIZARD_PICKER_TIMEOUT` among the wizard's variables,
    but it was only a Django setting: setting the variable changed nothing."""
    default = load_settings(**SERVERS, HARNESS_READ_TIMEOUT="20")
    assert default["WIZARD_PICKER_TIMEOUT"] == 21.0  # a little more than one Harness read
    assert load_settings(**SERVERS, WIZARD_PICKER_TIMEOUT="4")["WIZARD_PICKER_TIMEOUT"] == 4.0


OLD_KEY = "old-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
NEW_KEY = "new-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
FERNET_A = "dGVzdC1vbmx5LWhhcm5lc3MtdG9rZW4ta2V5LTAwMDA="
FERNET_B = "dGVzdC1vbmx5LWhhcm5lc3MtdG9rZW4ta2V5LTAwMDE="


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "ALLOWED_HOSTS",
            "portal.example.com, portal.internal",
            ["portal.example.com", "portal.internal"],
        ),
        (
            "CSRF_TRUSTED_ORIGINS",
            "https://a.example.com, https://b.example.com",
            ["https://a.example.com", "https://b.example.com"],
        ),
        ("SECRET_KEY_FALLBACKS", f"{OLD_KEY}, {NEW_KEY}", [OLD_KEY, NEW_KEY]),
        (
            "SECURE_PROXY_SSL_HEADER",
            "HTTP_X_FORWARDED_PROTO, https",
            ("HTTP_X_FORWARDED_PROTO", "https"),
        ),
        ("HARNESS_TOKEN_KEYS", f" {FERNET_A} ,{FERNET_B}, ", [FERNET_A, FERNET_B]),
        ("SSO_TRUSTED_PROXIES", "10.0.0.1, ,10.0.0.2", ["10.0.0.1", "10.0.0.2"]),
        ("FORWARDED_ALLOW_IPS", "10.0.0.1,  10.0.0.2", ["10.0.0.1", "10.0.0.2"]),
        ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8, 192.0.2.0/24,", ["10.0.0.0/8", "192.0.2.0/24"]),
    ],
)
def test_a_list_with_a_space_after_its_commas_means_the_same(load_settings, name, value, expected):
    """django-environ splits on commas only: `a.example.com, b.example.com` allowed the host
    " b.example.com", which no request carries, and a proxy header of `HTTP_X_FORWARDED_PROTO,
    https` expected the value " https": every request over HTTPS was redirected to HTTPS again."""
    assert load_settings(**{name: value})[name] == expected


def test_a_proxy_ssl_header_written_with_a_space_does_not_redirect_https_forever(
    load_settings, client, db, settings
):
    loaded = load_settings(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO, https")
    settings.SECURE_PROXY_SSL_HEADER = loaded["SECURE_PROXY_SSL_HEADER"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200, response.get("Location")


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("DATABASE_URL", "postgres://portal:Zq8Kx2/Pw9vR+tL4mN7bC1dE@postgres:5432/portal"),
        ("DATABASE_URL", "postgres://portal:Zq8Kx2?Pw9vR@postgres:5432/portal"),
        ("CACHE_URL", "pymemcache://[Zq8Kx2:11211"),
        ("REDIS_URL", "Zq8Kx2://cache"),
    ],
)
def test_a_url_it_cannot_read_is_refused_by_name_without_its_password(load_settings, name, url):
    """compose pastes POSTGRES_PASSWORD into DATABASE_URL as it is: a base64 one (with `/` or
    `?`) stopped every process with "ValueError: Port could not be cast to integer value as
    'Zq8Kx2'" (the start of the password, in the logs) and named no variable."""
    with pytest.raises(ImproperlyConfigured, match=f"^{name} is not a URL") as refused:
        load_settings(**{name: url})

    assert "Zq8Kx2" not in str(refused.value)
    assert refused.value.__suppress_context__  # the parser's own message is not shown either


def test_smtp_over_tls_and_ssl_at_once_is_refused_by_name(load_settings):
    """EMAIL_USE_TLS=true with EMAIL_USE_SSL=true passed `manage.py check`; then a submit that
    needed an approval was a 500 (Django's InvalidMailer) and no approver was mailed."""
    with pytest.raises(ImproperlyConfigured, match=r"^EMAIL_USE_TLS and EMAIL_USE_SSL are both"):
        load_settings(EMAIL_USE_TLS="true", EMAIL_USE_SSL="1")


@pytest.mark.parametrize("value", ["debug", "Warning", "ERROR"])
def test_the_log_level_is_read_whatever_its_case(load_settings, value):
    values = load_settings(LOG_LEVEL=value)

    assert values["LOG_LEVEL"] == value.upper()
    assert values["LOGGING"]["root"]["level"] == value.upper()


def test_a_lower_case_log_level_starts_django():
    """LOG_LEVEL=debug stopped every process in django.setup() with 'ValueError: Unable to
    configure root logger', naming neither LOG_LEVEL nor the settings."""
    result = _manage_check(_clean_env(LOG_LEVEL="debug"))

    assert result.returncode == 0, result.stderr[-600:]


# --- deploy/compose.yaml ------------------------------------------------------------------------

# Secrets and who may sign in: `docker compose` refuses to start without them (`${NAME:?...}`).
COMPOSE_REQUIRED = (
    "SECRET_KEY",
    "HARNESS_TOKEN_KEYS",
    "PORTAL_HOST",
    "POSTGRES_PASSWORD",
    "METRICS_BEARER_TOKEN",
    "OIDC_ISSUER_URL",
    "OAUTH2_PROXY_EMAIL_DOMAIN",
    "OAUTH2_PROXY_CLIENT_ID",
    "OAUTH2_PROXY_CLIENT_SECRET",
    "OAUTH2_PROXY_COOKIE_SECRET",
    "EMAIL_HOST",
    "DEFAULT_FROM_EMAIL",
)


@pytest.mark.parametrize("service", ["portal", "oauth2-proxy"])
def test_compose_gives_gunicorn_its_graceful_timeout_on_stop(load_settings, service):
    """compose's default stop_grace_period is 10 s: a `docker compose up` of a new image, or a
    `stop`, killed requests gunicorn would have let finish within its 60 s; the proxy in front
    must wait as long for the answers it relays."""
    load_settings()
    graceful = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["graceful_timeout"]
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())

    grace = str(compose["services"][service].get("stop_grace_period", "10s"))

    assert grace.endswith("s") and int(grace[:-1]) > graceful, grace


def test_compose_refuses_to_start_without_its_secrets_or_the_allowed_email_domain():
    """A blank OAUTH2_PROXY_EMAIL_DOMAIN fell back to `*`: oauth2-proxy let in every account the
    identity provider knows."""
    text = (ROOT / "deploy" / "compose.yaml").read_text()
    uses = re.findall(r"\$\{(\w+)(:[?-])?([^}]*)\}", text)

    for name in COMPOSE_REQUIRED:
        forms = {(operator, rest) for used, operator, rest in uses if used == name}
        assert (":?", f"set {name}") in forms, name
        assert all(operator != ":-" for operator, _ in forms), name
    assert "--email-domain=${OAUTH2_PROXY_EMAIL_DOMAIN:?set OAUTH2_PROXY_EMAIL_DOMAIN}" in text


def test_the_deployment_examples_configure_the_approval_emails():
    """Neither example set PORTAL_URL nor EMAIL_*: production sent its mails to an SMTP server on
    localhost:25 with links to http://127.0.0.1:8000."""
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    compose_env_file = (ROOT / "deploy" / "portal.env.example").read_text()
    configmap = yaml.safe_load((ROOT / "deploy" / "k8s" / "configmap.yaml").read_text())
    secret = yaml.safe_load((ROOT / "deploy" / "k8s" / "secret.example.yaml").read_text())
    compose_env = compose["services"]["portal"]["environment"]

    for where, env in (("compose", compose_env), ("k8s ConfigMap", configmap["data"])):
        assert env["PORTAL_URL"].startswith("https://"), where
        # README: "set all of these"; EMAIL_USE_SSL and EMAIL_TIMEOUT were missing.
        for name in (
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
            "EMAIL_TIMEOUT",
            "DEFAULT_FROM_EMAIL",
        ):
            assert name in env, (where, name)
    assert compose_env["EMAIL_HOST_PASSWORD"] == "${EMAIL_HOST_PASSWORD:-}"
    assert "EMAIL_HOST_PASSWORD" not in configmap["data"]
    assert "EMAIL_HOST_PASSWORD" in secret["stringData"]
    for name in ("EMAIL_HOST", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "DEFAULT_FROM_EMAIL"):
        assert f"\n{name}=" in compose_env_file, name


# --- deploy/k8s ---------------------------------------------------------------------------------


def test_applying_the_kustomization_does_not_overwrite_the_real_secret():
    """`kubectl apply -k deploy/k8s` (each release, README) listed secret.example.yaml: every
    rollout replaced the real Secret with its placeholders."""
    kustomization = yaml.safe_load((ROOT / "deploy" / "k8s" / "kustomization.yaml").read_text())
    secret = (ROOT / "deploy" / "k8s" / "secret.example.yaml").read_text()

    assert "secret.example.yaml" not in kustomization["resources"]
    assert "create the real Secret with your secret manager" in secret


def _placeholders(text: str) -> set[str]:
    """What holds an example.com placeholder in a manifest: a ConfigMap key, an argument, the
    probes' Host header, an image."""
    names = set()
    for line in text.splitlines():
        if "example.com" not in line or line.lstrip().startswith("#"):
            continue
        if match := re.search(
            r"(--[a-z-]+)=|\{name: (Host),|^\s*([A-Z_]+):|(image|newName):", line
        ):
            names.add(next(group for group in match.groups() if group))
    return names


def test_the_kustomization_names_every_placeholder_to_edit():
    """Its comment said to edit the ConfigMap before applying it, but the probes' Host header
    and oauth2-proxy's issuer, e-mail domain and redirect URL in deployment.yaml hold
    portal.example.com too: applied as told, every probe answered 400 and no pod became ready."""
    k8s = ROOT / "deploy" / "k8s"
    kustomization = (k8s / "kustomization.yaml").read_text()
    comment = "\n".join(line for line in kustomization.splitlines() if line.startswith("#"))

    missing = []
    for manifest in sorted(k8s.glob("*.yaml")):
        if manifest.name == "secret.example.yaml":
            continue  # created once from the secret manager, never applied (its own comment)
        for name in _placeholders(manifest.read_text()):
            if manifest.name not in comment or name not in comment:
                missing.append(f"{manifest.name}: {name}")

    assert {"deployment.yaml: Host", "deployment.yaml: --redirect-url"} <= {
        f"{m.name}: {n}" for m in k8s.glob("*.yaml") for n in _placeholders(m.read_text())
    }
    assert missing == []


def _deployment_containers() -> dict[str, dict]:
    deployment = yaml.safe_load((ROOT / "deploy" / "k8s" / "deployment.yaml").read_text())
    return {c["name"]: c for c in deployment["spec"]["template"]["spec"]["containers"]}


def test_the_readiness_probe_waits_as_long_as_readyz_can_take(load_settings):
    """With the default timeouts /readyz could take ~13 s (database, then Redis, then Harness,
    one after the other) while the probe gave up after 8: a slow Harness (only reported) made
    the replica unready anyway."""
    values = load_settings(**SERVERS)
    cache_options = values["CACHES"]["default"]["OPTIONS"]
    worst = (
        values["DATABASES"]["default"]["OPTIONS"]["connect_timeout"]
        + cache_options["socket_connect_timeout"]
        + 3 * cache_options["socket_timeout"]  # set, get, delete
        + 2 * values["READYZ_HARNESS_TIMEOUT"]  # connect, then read
    )

    probe = _deployment_containers()["portal"]["readinessProbe"]

    assert probe["timeoutSeconds"] > worst


def test_a_pod_going_away_keeps_serving_until_the_service_forgets_it(load_settings):
    """Without a preStop pause both containers got SIGTERM while the endpoint was still being
    removed from the Service and the ingress: oauth2-proxy (which the Service targets) and
    gunicorn stopped accepting, and requests routed there in the meantime failed."""
    load_settings()
    graceful = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["graceful_timeout"]
    deployment = yaml.safe_load((ROOT / "deploy" / "k8s" / "deployment.yaml").read_text())

    pauses = {
        name: container["lifecycle"]["preStop"]["sleep"]["seconds"]
        for name, container in _deployment_containers().items()
    }

    assert set(pauses) == {"portal", "oauth2-proxy"}
    assert all(seconds >= 5 for seconds in pauses.values()), pauses
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > pauses["portal"] + graceful


# --- rotating SECRET_KEY on a rolling update ----------------------------------------------------

OLD_SECRET = "old-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
NEW_SECRET = "new-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
# README "Rotating keys": each rollout as (a replica not yet rolled, a rolled one).
SECRET_KEY_ROLLOUTS = (
    (
        {"SECRET_KEY": OLD_SECRET, "SECRET_KEY_FALLBACKS": []},
        {"SECRET_KEY": OLD_SECRET, "SECRET_KEY_FALLBACKS": [NEW_SECRET]},
    ),
    (
        {"SECRET_KEY": OLD_SECRET, "SECRET_KEY_FALLBACKS": [NEW_SECRET]},
        {"SECRET_KEY": NEW_SECRET, "SECRET_KEY_FALLBACKS": [OLD_SECRET]},
    ),
)


def _serve_as(settings, replica: dict) -> None:
    for name, value in replica.items():
        setattr(settings, name, value)


def test_rotating_secret_key_in_two_rollouts_keeps_users_signed_in_on_every_replica(
    client, user, settings
):
    """Replicas need no sticky sessions, so during a rolling update a user's requests alternate
    between replicas not yet rolled and rolled ones. A replica with the new key (the old one as
    fallback) rewrites the session's hash with the new key, which a replica knowing only the old
    key cannot verify: it signs the user out. Rolled out first as a fallback, the new key is
    known everywhere before any replica signs with it."""
    url = reverse("harness_key")
    _serve_as(settings, SECRET_KEY_ROLLOUTS[0][0])
    client.force_login(user)

    for not_rolled, rolled in SECRET_KEY_ROLLOUTS:
        for replica in (rolled, not_rolled, rolled, not_rolled):
            _serve_as(settings, replica)
            response = client.get(url)
            assert response.status_code == 200, (replica, response.get("Location"))

    # In one rollout (the new key with the old as fallback, next to replicas that know only the
    # old key) the same user is signed out.
    _serve_as(settings, SECRET_KEY_ROLLOUTS[1][1])
    assert client.get(url).status_code == 200
    _serve_as(settings, SECRET_KEY_ROLLOUTS[0][0])
    assert client.get(url).status_code == 302


# --- gunicorn and the container healthcheck -----------------------------------------------------


def test_gunicorn_configuration(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    monkeypatch.delenv("HARNESS_CONNECT_TIMEOUT", raising=False)
    monkeypatch.delenv("HARNESS_READ_TIMEOUT", raising=False)

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert config["worker_class"] == "gthread"
    assert (config["workers"], config["threads"]) == (3, 4)
    assert config["bind"].endswith(":9123")
    assert config["harness_call_budget"] == pytest.approx(13.05)  # connect + read, retries in
    assert config["timeout"] == 60  # three calls in a row (a submit), plus 20 s
    assert config["graceful_timeout"] >= config["timeout"]
    assert config["header_map"] == "drop"
    assert 0 < config["limit_request_field_size"] <= 8190
    assert config["max_requests"] > 0
    assert config["max_requests_jitter"] > 0
    assert "%({x-request-id}o)s" in config["access_log_format"]
    assert callable(config["child_exit"])


@pytest.mark.parametrize("value", ["30s", "ten", "", "0"])
def test_gunicorn_and_django_refuse_the_same_harness_timeouts(load_settings, value):
    """django-environ read `30s` as 30.0 while gunicorn.conf.py's float() stopped gunicorn with a
    bare ValueError: the settings accepted what gunicorn refused."""
    with pytest.raises(ImproperlyConfigured, match=r"^HARNESS_READ_TIMEOUT must be a number"):
        load_settings(HARNESS_READ_TIMEOUT=value)
    with pytest.raises(ImproperlyConfigured, match=r"^HARNESS_READ_TIMEOUT must be a number"):
        runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GUNICORN_WORKERS", "0"),
        ("GUNICORN_THREADS", "four"),
        ("PORT", "80000"),
        ("GUNICORN_TIMEOUT", "60s"),
        ("GUNICORN_KEEPALIVE", "-1"),
        ("GUNICORN_MAX_REQUESTS", ""),
        ("HARNESS_CONNECT_TIMEOUT", "3s"),
    ],
)
def test_gunicorn_refuses_a_value_its_variable_cannot_take_by_name(
    load_settings, monkeypatch, name, value
):
    load_settings()  # the fixture's clean environment and empty env file
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=f"^{name} must be "):
        runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.mark.parametrize("name", ["SSO_TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"])
def test_a_proxy_address_copied_with_its_prefix_length_is_refused_by_name(load_settings, name):
    """SSO_TRUSTED_PROXIES=10.0.0.5/24 trusted the whole /24 without a word; the same value in
    FORWARDED_ALLOW_IPS passed `manage.py check` and /readyz, then gunicorn refused to start
    ("Error: 10.0.0.5/24 has host bits set") naming no variable."""
    with pytest.raises(
        ImproperlyConfigured, match=rf"^{name} holds an invalid network: 10\.0\.0\.5/24"
    ):
        load_settings(**{name: "10.0.0.1, 10.0.0.5/24"})

    loaded = load_settings(**{name: "10.0.0.0/24, 10.0.0.5, ::1"})
    assert loaded[name] == ["10.0.0.0/24", "10.0.0.5", "::1"]


def test_any_peer_is_still_a_forwarding_proxy_but_not_a_sign_on_proxy(load_settings):
    assert load_settings(FORWARDED_ALLOW_IPS="*")["FORWARDED_ALLOW_IPS"] == ["*"]
    with pytest.raises(ImproperlyConfigured, match=r"^SSO_TRUSTED_PROXIES holds an invalid"):
        load_settings(SSO_TRUSTED_PROXIES="*")


def test_gunicorn_and_django_accept_the_same_forwarding_proxies(load_settings, monkeypatch):
    load_settings()  # the fixture's clean environment and empty env file
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5/24")
    with pytest.raises(ImproperlyConfigured, match=r"^FORWARDED_ALLOW_IPS holds an invalid"):
        runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/24, ,::1")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["forwarded_allow_ips"] == "10.0.0.0/24,::1"


def test_a_ca_bundle_that_is_not_a_file_of_certificates_is_refused_by_name(load_settings, tmp_path):
    """HARNESS_CA_BUNDLE names a PEM file of CA certificates (a private CA's, for a self-managed
    Harness); a path to nothing, to a directory or to anything else stops the process."""
    assert load_settings()["HARNESS_CA_BUNDLE"] == ""  # the default CAs
    assert load_settings(HARNESS_CA_BUNDLE="")["HARNESS_CA_BUNDLE"] == ""
    ca_bundle = str(write_private_ca(tmp_path)[0])
    assert load_settings(HARNESS_CA_BUNDLE=ca_bundle)["HARNESS_CA_BUNDLE"] == ca_bundle
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate\n")

    for value in (str(tmp_path / "missing.pem"), str(not_pem), str(tmp_path)):
        with pytest.raises(ImproperlyConfigured, match=r"^HARNESS_CA_BUNDLE must be the path of"):
            load_settings(HARNESS_CA_BUNDLE=value)


def test_the_ca_bundle_setting_reaches_harness_calls_and_readiness(
    client, settings, user_with_key, harness_behind_private_ca
):
    from django.apps import apps

    from workspaces.clients import harness_client_for
    from workspaces.harness import transport

    url, ca_bundle = harness_behind_private_ca
    settings.HARNESS_BASE_URL, settings.HARNESS_CA_BUNDLE = url, ca_bundle
    try:
        apps.get_app_config("workspaces").ready()  # what start-up does with the setting

        assert transport.shared_session().verify == ca_bundle
        assert harness_client_for(user_with_key).list_tags(org="default", project="x") == []
        assert client.get("/readyz").json()["checks"]["harness"]["status"] == "ok"
    finally:
        transport.configure_ca_bundle("")
    settings.HARNESS_CA_BUNDLE = ""
    assert client.get("/readyz").json()["checks"]["harness"]["status"] == "fail"


def test_gunicorn_reads_a_plain_number_of_seconds(load_settings):
    load_settings(HARNESS_READ_TIMEOUT=" 30 ", HARNESS_CONNECT_TIMEOUT="3.05")

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert config["harness_call_budget"] == pytest.approx(33.05)


_GUNICORN_AND_DJANGO = """
import json, runpy
gunicorn = runpy.run_path("gunicorn.conf.py")   # gunicorn reads its config before the app loads
import django; django.setup()
from django.conf import settings
budget = 3 * (settings.HARNESS_CONNECT_TIMEOUT + settings.HARNESS_READ_TIMEOUT)
print(json.dumps({"workers": gunicorn["workers"], "threads": gunicorn["threads"],
                  "bind": gunicorn["bind"], "timeout": gunicorn["timeout"],
                  "django_budget": budget}))
"""


def test_gunicorn_reads_the_same_env_file_as_django(tmp_path):
    """README "Configuration": "a local .env file is read too", and .env.example lists GUNICORN_*,
    PORT and the Harness timeouts gunicorn.conf.py derives its worker timeout from. Django read
    `.env`, gunicorn.conf.py only os.environ: with HARNESS_READ_TIMEOUT=30 in `.env`, a Harness
    GET could take 3 x (3.05 + 30) = 99 s in Django while gunicorn killed the worker at 60 s."""
    env_file = tmp_path / "local.env"
    env_file.write_text(
        "HARNESS_READ_TIMEOUT=30\nGUNICORN_WORKERS=2\nGUNICORN_THREADS=5\nPORT=9100\n"
    )
    env = _clean_env(PORTAL_ENV_FILE=str(env_file), GUNICORN_THREADS="3")
    for name in ("HARNESS_CONNECT_TIMEOUT", "HARNESS_READ_TIMEOUT", "GUNICORN_WORKERS", "PORT"):
        env.pop(name, None)
    env.pop("GUNICORN_TIMEOUT", None)  # derived from the Harness timeouts

    result = python_in(env, _GUNICORN_AND_DJANGO)

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["django_budget"] == pytest.approx(99.15)
    assert values["timeout"] > values["django_budget"], values
    assert values["workers"] == 2, values
    assert values["bind"].endswith(":9100"), values
    assert values["threads"] == 3, values  # the environment wins over the file


def test_a_gunicorn_worker_warms_up_then_freezes_what_it_loaded(monkeypatch):
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    warmed = []
    monkeypatch.setattr("portal.warmup.warm_up", lambda: warmed.append(gc.get_freeze_count()))
    before = sys.getswitchinterval()
    gc.unfreeze()
    try:
        config["post_worker_init"](worker=None)
        assert warmed == [0]  # frozen after the warm-up, not before
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert sys.getswitchinterval() == before


_A_WORKER = """
import os, django; django.setup()
from portal import metrics
metrics.REQUESTS.labels("workspace_list", "GET", "200").inc()
metrics.REQUEST_LATENCY.labels("workspace_list", "GET").observe(0.1)
print(os.getpid())
"""


def _scrape(directory) -> str:
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    return generate_latest(registry).decode()


def test_recycled_workers_leave_their_counts_but_no_metrics_files_behind(tmp_path, monkeypatch):
    """gunicorn recycles each worker every GUNICORN_MAX_REQUESTS; `mark_process_dead` removes
    only live gauges' files, so each dead worker's counter_<pid>.db and histogram_<pid>.db stayed
    in PROMETHEUS_MULTIPROC_DIR for the replica's life and every scrape read them all."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    for _ in range(2):  # two workers, one after the other, each recycled
        result = python_in(_clean_env(PROMETHEUS_MULTIPROC_DIR=str(tmp_path)), _A_WORKER)
        assert result.returncode == 0, result.stderr
        pid = int(result.stdout.strip())
        assert list(tmp_path.glob(f"*_{pid}.db"))  # the worker wrote its values

        config["child_exit"](server=None, worker=SimpleNamespace(pid=pid))

        assert not list(tmp_path.glob(f"*_{pid}.db"))
    scrape = _scrape(tmp_path)

    # Both dead workers' counts still add up in /metrics (counters never go back) ...
    labels = {"view": "workspace_list", "method": "GET"}
    assert _sample(scrape, "portal_requests_total", status="200", **labels) == 2
    assert _sample(scrape, "portal_request_duration_seconds_count", **labels) == 2
    assert _sample(scrape, "portal_request_duration_seconds_bucket", le="0.1", **labels) == 2
    assert _sample(scrape, "portal_request_duration_seconds_bucket", le="0.05", **labels) == 0
    assert _sample(scrape, "portal_request_duration_seconds_sum", **labels) == pytest.approx(0.2)
    # ... in one archive file per type, not one pair per recycled worker.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "archive.lock",  # held while a dead worker is archived, shared while /metrics reads
        "counter_archive.db",
        "histogram_archive.db",
    ]


def test_a_metrics_file_that_cannot_be_archived_does_not_stop_the_gunicorn_master(
    tmp_path, monkeypatch
):
    """An exception out of `child_exit` ends gunicorn's main loop (and the master with it)."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    # 64 bytes used, of which the first entry claims 10,000: a corrupted file.
    (tmp_path / "counter_4242.db").write_bytes(struct.pack("ii", 64, 0) + struct.pack("i", 10000))
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    logged = []
    server = SimpleNamespace(log=SimpleNamespace(exception=lambda *args: logged.append(args)))

    config["child_exit"](server=server, worker=SimpleNamespace(pid=4242))

    assert logged and logged[0][1] == 4242
    assert (tmp_path / "counter_4242.db").exists()  # kept: its values are not lost


def test_a_scrape_while_a_dead_worker_is_archived_counts_it_once(tmp_path, monkeypatch):
    from portal import metrics, metrics_archive

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    result = python_in(_clean_env(PROMETHEUS_MULTIPROC_DIR=str(tmp_path)), _A_WORKER)
    assert result.returncode == 0, result.stderr
    pid = int(result.stdout.strip())
    labels = {"view": "workspace_list", "method": "GET", "status": "200"}
    assert _sample(metrics.exposition().decode(), "portal_requests_total", **labels) == 1

    # /metrics runs in gunicorn's worker threads while the master runs child_exit: a scrape can
    # glob the directory between the archive's os.replace and the dead file's unlink.
    seen, scrapes = [], []
    real_replace = os.replace

    def scrape() -> None:
        seen.append(_sample(metrics.exposition().decode(), "portal_requests_total", **labels))

    def replace_then_scrape(src, dst):
        real_replace(src, dst)
        scraping = threading.Thread(target=scrape)
        scraping.start()
        scraping.join(timeout=0.5)  # unlocked, the scrape would be done by now
        scrapes.append(scraping)

    monkeypatch.setattr(metrics_archive.os, "replace", replace_then_scrape)
    metrics_archive.archive_dead_worker(pid, str(tmp_path))
    for scraping in scrapes:
        scraping.join(timeout=10)

    assert _sample(metrics.exposition().decode(), "portal_requests_total", **labels) == 1
    # A counter read as 2 then 1 is a reset to Prometheus (rate() counts the whole value again).
    assert seen and all(value == 1 for value in seen), seen


def test_the_metrics_view_reads_under_the_archives_shared_lock(client, db, tmp_path, monkeypatch):
    """A dead worker's file is never archived (nor deleted) while /metrics lists and reads."""
    from portal import metrics

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    held = []

    def generate_latest(registry):
        with open(tmp_path / "archive.lock") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what an archive would take
            except BlockingIOError:
                held.append(True)
        return b""

    monkeypatch.setattr(metrics, "generate_latest", generate_latest)

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    assert held == [True]


@pytest.mark.parametrize(
    ("allowed", "host"),
    [
        ("portal.example.com,localhost", "portal.example.com"),
        (".example.com", "healthcheck.example.com"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_healthcheck_host_comes_from_allowed_hosts(allowed, host):
    assert probe_host(allowed) == host


@pytest.fixture
def portal_on_a_port():
    """A stand-in for gunicorn: /healthz answers 200 to `Host: portal.example.com` only (as
    Django answers 400 to a host outside ALLOWED_HOSTS)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.headers["Host"] == "portal.example.com" else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_container_healthcheck_reads_the_env_file_the_portal_reads(
    monkeypatch, tmp_path, portal_on_a_port
):
    """The HEALTHCHECK read ALLOWED_HOSTS from the environment only: a deployment configured by
    PORTAL_ENV_FILE (or .env) was probed with `Host: localhost`, answered 400, and the container
    was reported unhealthy while it served everyone."""
    from portal import healthcheck

    env_file = tmp_path / "portal.env"
    env_file.write_text("# the deployment's\nexport ALLOWED_HOSTS='portal.example.com,localhost'\n")
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    monkeypatch.setenv("PORTAL_ENV_FILE", str(env_file))
    monkeypatch.setenv("PORT", str(portal_on_a_port))

    assert healthcheck.main() == 0


def test_the_container_healthcheck_lets_the_environment_win_over_the_env_file(
    monkeypatch, tmp_path, portal_on_a_port
):
    from portal import healthcheck

    env_file = tmp_path / "portal.env"
    env_file.write_text(f'ALLOWED_HOSTS="elsewhere.example.com"\nPORT={portal_on_a_port}\n')
    monkeypatch.setenv("ALLOWED_HOSTS", "portal.example.com")
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.setenv("PORTAL_ENV_FILE", str(env_file))

    assert healthcheck.main() == 0
