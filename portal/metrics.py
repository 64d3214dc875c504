"""Prometheus metrics and the `/metrics` view.

Under gunicorn every worker is a process with its own counters. When `PROMETHEUS_MULTIPROC_DIR`
is set (it must be set before the workers start; the Dockerfile sets it), prometheus-client keeps
the values in files there and `/metrics` adds them up across workers; gunicorn's `child_exit`
hook adds a dead worker's values to archive files and deletes its own (`portal.metrics_archive`;
`/metrics` reads under its shared lock), and `on_starting` empties the directory. Without it
(development, tests) the values live in this process.

`/metrics` needs no sign-in but is protected by configuration: the TCP peer must be inside one
of `METRICS_ALLOWED_NETWORKS`, or the request must carry `Authorization: Bearer
<METRICS_BEARER_TOKEN>`. Anything else gets a 404, as if there were no such page.
"""

from __future__ import annotations

import fcntl
import hmac
import ipaddress
import os
from functools import cache

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from portal import metrics_archive
from portal.envparse import Network, networks
from portal.public_secrets import PUBLIC_METRICS_TOKENS
from workspaces.harness.breaker import CallsHeld

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_LATENCY = Histogram(
    "portal_request_duration_seconds",
    "Time to answer a request, by URL pattern name (resolver view_name) and method.",
    ["view", "method"],
    buckets=_LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "portal_requests",
    "Requests answered, by URL pattern name, method and status code.",
    ["view", "method", "status"],
)
HARNESS_LATENCY = Histogram(
    "portal_harness_call_duration_seconds",
    "Harness API call time, by route template and status (or error class without a status).",
    ["route", "status"],
    buckets=_LATENCY_BUCKETS,
)
HARNESS_ERRORS = Counter(
    "portal_harness_call_errors",
    "Harness API calls that failed (HTTP 3xx/4xx/5xx or no answer; 429 for one held after a "
    "Retry-After), by route template and status.",
    ["route", "status"],
)
STATUS_METRICS_CACHE = Counter(
    "portal_status_metrics_cache",
    "Status-metrics cache lookups: hit (fresh), stale (refresh due) or miss (nothing cached).",
    ["result"],
)
CACHE_ERRORS = Counter(
    "portal_cache_errors",
    "Cache (Redis) commands answered as a miss or a skipped write, by operation and result: "
    "failed (Redis failed it) or skipped (not sent: Redis did not answer a moment ago; "
    "portal.cache).",
    ["operation", "result"],
)


def view_label(request: HttpRequest) -> str:
    """The resolver's view name (never the raw path, which would explode the label set)."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name:
        return match.view_name
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unresolved"


def observe_request(request: HttpRequest, status: int, seconds: float) -> None:
    view = view_label(request)
    method = request.method if request.method in _METHODS else "other"
    REQUEST_LATENCY.labels(view, method).observe(seconds)
    REQUESTS.labels(view, method, str(status)).inc()


def observe_harness_call(
    route: str, status: int | None, seconds: float, error_name: str | None
) -> None:
    """A `workspaces.harness.call_observers` hook (route is the template, never the path).

    A call held after Harness's Retry-After (CallsHeld: not sent) is labelled "429", as the
    limit it honours, so that alerts on `status!~"4.."` (Harness failing) stay quiet and a watch
    on `status="429"` sees it."""
    if status is None and error_name == CallsHeld.__name__:
        status = 429
    label = str(status) if status is not None else (error_name or "error")
    HARNESS_LATENCY.labels(route, label).observe(seconds)
    if status is None or status >= 300:  # a 3xx is never followed: the call failed
        HARNESS_ERRORS.labels(route, label).inc()


def count_status_metrics_lookup(sender, *, result: str, **kwargs) -> None:
    """Receiver of `workspaces.status_metrics.status_metrics_looked_up`: hit, stale or miss."""
    STATUS_METRICS_CACHE.labels(result).inc()


@cache
def _allowed_networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    """ImproperlyConfigured naming METRICS_ALLOWED_NETWORKS for a value that is no network. A
    CIDR with host bits set (`10.0.0.5/24`) is read as its network, as it always was (refused,
    it would make every replica unready); `check --deploy` names it (`portal.W005`)."""
    return networks("METRICS_ALLOWED_NETWORKS", values, strict=False)


def metrics_access_allowed(request: HttpRequest) -> bool:
    """True for a configured bearer token, or a TCP peer inside METRICS_ALLOWED_NETWORKS. A
    token published in this repository (the k8s example's placeholder) opens nothing."""
    token = settings.METRICS_BEARER_TOKEN
    if token and token not in PUBLIC_METRICS_TOKENS:
        scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            offered.strip().encode(), token.encode()
        ):
            return True
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in net for net in _allowed_networks(tuple(settings.METRICS_ALLOWED_NETWORKS)))


def exposition() -> bytes:
    """The metrics as Prometheus text; across workers, read under the archive's shared lock (a
    dead worker being archived is counted once: `portal.metrics_archive`)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    with metrics_archive.archive_lock(directory, fcntl.LOCK_SH):
        return generate_latest(registry)


@login_not_required
@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition; a 404 unless the network or bearer token is allowed."""
    if not metrics_access_allowed(request):
        raise Http404("No such page.")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
