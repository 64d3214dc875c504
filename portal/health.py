"""Health endpoints for load balancers and orchestrators: no sign-in, no secrets.

- `/healthz` (liveness): the process answers; checks nothing else, so a database outage never
  makes an orchestrator restart healthy processes.
- `/readyz` (readiness): the settings (the `configuration` system checks), the database
  (`SELECT 1`), the cache (a set and a get) and the Harness base URL (a HEAD without any key; any
  HTTP answer counts as reachable) are checked with short timeouts, each reported with its status
  and duration; 503 when the settings or the database fail. The cache and Harness are reported,
  never a reason to be unready: either outage would take every replica out of service at once,
  and users would get the load balancer's bare error instead of the portal's pages, which work
  without Redis (sessions live in PostgreSQL, a cache miss is read from Harness: `portal.cache`)
  and degrade gracefully without Harness (stale metrics, designed errors, the audit trail and
  approvals). The body names the error class only (and the ids of the configuration checks
  that failed): no URLs, hosts, messages or credentials.
"""

import time
import uuid
from collections.abc import Callable

import requests
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.checks import ERROR, run_checks
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.checks import CONFIGURATION
from workspaces.harness.transport import RejectAllCookies


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving; checks no dependency."""
    return JsonResponse({"status": "ok"})


class CheckFailed(Exception):
    """A check's answer was wrong; its arguments, if any, name what failed (reported)."""


# What a replica needs to serve; "cache" and "harness" are only reported (module docstring).
READINESS = ("configuration", "database")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise CheckFailed


def _check_cache() -> None:
    # portal.cache.RedisCache answers a failed command as a miss; its `roundtrip` raises instead,
    # so that the body names Redis's error (ConnectionError, TimeoutError).
    if (roundtrip := getattr(cache, "roundtrip", None)) is not None:
        if not roundtrip():
            raise CheckFailed
        return
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise CheckFailed
    finally:
        cache.delete(key)


def _check_harness() -> None:
    # A private session like the client's: no proxies from the environment, no cookies, no
    # retries, no redirects followed, never a key, and the same CAs (HARNESS_CA_BUNDLE).
    with requests.Session() as session:
        session.trust_env = False
        session.verify = settings.HARNESS_CA_BUNDLE or True
        session.cookies.set_policy(RejectAllCookies())
        session.head(
            settings.HARNESS_BASE_URL,
            timeout=(settings.READYZ_HARNESS_TIMEOUT, settings.READYZ_HARNESS_TIMEOUT),
            allow_redirects=False,
        )


def _check_configuration() -> None:
    # The settings checks `manage.py check` runs (portal.checks.CONFIGURATION): a Fernet key
    # that is not one, an invalid proxy network... would make every request fail. Reported by
    # their ids (`portal.E003`): their messages may quote the value, a host.
    failed = [message.id for message in run_checks(tags=[CONFIGURATION]) if message.level >= ERROR]
    if failed:
        raise CheckFailed(*failed)


def _run(check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    result: dict = {"status": "ok"}
    try:
        check()
    except Exception as err:  # any failure means "not ready"; only its class is reported
        result = {"status": "fail", "error": type(err).__name__}
        if isinstance(err, CheckFailed) and err.args:
            result["failed"] = list(err.args)  # the configuration checks' ids
    result["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


@login_not_required
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: usable settings and database; 503 otherwise. The cache's health and
    Harness's reachability are reported alongside, for operators, and decide nothing."""
    checks = {
        "configuration": _run(_check_configuration),
        "database": _run(_check_database),
        "cache": _run(_check_cache),
        "harness": _run(_check_harness),
    }
    ready = all(checks[name]["status"] == "ok" for name in READINESS)
    return JsonResponse(
        {"status": "ok" if ready else "fail", "checks": checks}, status=200 if ready else 503
    )
