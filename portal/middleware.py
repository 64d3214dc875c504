"""Operational middleware: request ids, one log line and metrics per request, no-store caching.

Order in `MIDDLEWARE`: `RequestIdMiddleware` first (every later log line carries the id), then
`RequestLogMiddleware` (it sees the final response, redirects and 500 pages included), and
`NoStoreForSignedInMiddleware` after authentication. Neither reads the user itself: they use
the one the request read (`_signed_in_user_id`). `CommonMiddleware` stands in for Django's, so
that probes and scrapers may address a replica by its IP address.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware import common
from django.utils.functional import SimpleLazyObject

from portal import metrics
from portal.logs import request_id_var
from portal.proxies import address_of

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from a proxy: short, printable, no spaces or quotes (safe in logs and headers).
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")
# Probes and scrapers: logged at DEBUG when they succeed, so they do not drown the real traffic.
QUIET_VIEWS = frozenset({"healthz", "readyz", "metrics"})
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

request_logger = logging.getLogger("portal.request")


def _signed_in_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, as far as the request has already read the user; never read
    here. These middlewares run outside the one that reads it: after a database error a read
    fails again (waiting on the database again), and Django's fresh 503 for it would skip the
    middlewares inside, which set the security headers. A response that never read the user
    cannot hold their data either."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and not hasattr(request, "_cached_user"):
        return None  # the lazy user of AuthenticationMiddleware, never read (or failed to read)
    if user is None or not user.is_authenticated:
        return None
    return user.pk


class RequestIdMiddleware:
    """Takes a safe incoming `X-Request-ID` or makes one; sets it on the request, the response
    and the logging context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestLogMiddleware:
    """One log line (and the latency metrics) per request.

    Logged: request id (from the logging context), method, path without the query string,
    view name, status, duration in ms and the user's database id (`user_id`, never the email).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        metrics.observe_request(request, response.status_code, seconds)
        if settings.REQUEST_LOG:
            self._log(request, response, seconds)
        return response

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
        view = metrics.view_label(request)
        level = logging.INFO
        if view in QUIET_VIEWS and response.status_code < 400:
            level = logging.DEBUG
        user_id = _signed_in_user_id(request)
        duration_ms = round(seconds * 1000, 1)
        request_logger.log(
            level,
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "http_method": request.method,
                "path": request.path,
                "view": view,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )


class NoStoreForSignedInMiddleware:
    """Responses to signed-in users get `Cache-Control: no-store, private` unless a view set its
    own: pages hold per-user data (and CSP nonces) that no shared or browser cache may keep."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and _signed_in_user_id(request) is not None:
            response["Cache-Control"] = "no-store, private"
        return response


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except that a request for `/healthz`, `/readyz` or `/metrics` whose Host is an
    IP address is not refused for it (a 400 and an ERROR `DisallowedHost` line).

    The kubelet and Prometheus reach a pod by its IP, a scraper on the compose network each
    replica by its address: that address is their Host, and it is in no ALLOWED_HOSTS. Here is
    where Django reads the Host of every request (for PREPEND_WWW, which is off); these views
    never read it. An address is let through, never a name: DNS rebinding, which the check
    guards against, sends the attacker's own host name."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if request.path_info in PROBE_PATHS and address_of(request.META.get("HTTP_HOST", "")):
            return None
        return super().process_request(request)
