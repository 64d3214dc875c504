"""The ``/_fake/`` control API: faults, the request log, counters, reset, seed, latency.

Never part of Harness' surface; tests and benchmarks drive the fake through it.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from harness_fake.routes import ROUTE_NAMES
from harness_fake.wire import Response, json_response, no_content

if TYPE_CHECKING:
    from harness_fake.server import FakeApp

LOG_LIMIT = 5000  # keep memory flat under a benchmark; the newest entries win


@dataclass(slots=True)
class Fault:
    id: int
    route: str
    method: str | None
    times: int
    status: int | None
    delay_ms: int
    body: str | None
    drop: bool
    redirect: str | None
    #: Only calls whose path contains this text (e.g. one project's `/projects/core/`).
    path: str | None = None
    #: Headers sent with a raw `body`: the ones Harness sends with such a reply, e.g. a v1
    #: list's `X-Total-Elements`/`X-Page-Number`/`X-Page-Size` (contract §5, `GET /v1/orgs`).
    headers: dict[str, str] | None = None

    def matches(self, route: str, method: str, path: str) -> bool:
        return (
            self.route in ("*", route)
            and self.method in (None, method)
            and (self.path is None or self.path in path)
        )


class FaultBook:
    """Pending faults; each applies to the next ``times`` matching calls, first-added first."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, spec: dict[str, Any]) -> Fault:
        fault = Fault(id=next(self._ids), **spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, route: str, method: str, path: str = "") -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(route, method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]


def redact_key(key: str) -> str:
    """``pat.<account>.<token id>.…redacted``: whose key made a call, never its secret.

    A Harness token is ``pat.<accountId>.<tokenId>.<secret>`` (contract §1); the token id names
    the token in Harness (it is not a credential), so tests can tell two people's keys apart.
    """
    parts = key.split(".")
    if len(parts) >= 4:
        return f"{parts[0]}.{parts[1]}.{parts[2]}.…redacted"
    return f"{parts[0]}.{parts[1]}.…redacted" if len(parts) >= 2 else "…redacted"


class Journal:
    """The request log and per-route counters for Harness routes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)
        self._seq = itertools.count(1)
        self.total = 0
        self.routes: dict[str, int] = {}

    def count(self, route: str) -> None:
        with self._lock:
            self.total += 1
            self.routes[route] = self.routes.get(route, 0) + 1

    def record(
        self,
        *,
        method: str,
        route: str | None,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        status: int | None,
    ) -> None:
        shown = dict(headers)
        if "x-api-key" in shown:
            shown["x-api-key"] = redact_key(shown["x-api-key"])
        parsed: Any = None
        if body.strip():
            try:
                parsed = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError):
                parsed = body.decode("utf-8", "replace")
        with self._lock:
            self._entries.append(
                {
                    "seq": next(self._seq),
                    "method": method,
                    "route": route,
                    "path": path,
                    "query": query,
                    "headers": shown,
                    "body": parsed,
                    "status": status,
                }
            )

    def entries(self, route: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self._entries if route is None or e["route"] == route]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seq = itertools.count(1)
            self.total = 0
            self.routes = {}

    def counters(self) -> dict[str, Any]:
        with self._lock:
            return {"total": self.total, "routes": dict(self.routes)}


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _fault_spec(payload: Any) -> dict[str, Any]:
    """Validate a ``POST /_fake/faults`` body into :class:`Fault` fields."""
    if not isinstance(payload, dict):
        raise ControlError("body must be a JSON object")
    unknown = set(payload) - {
        "route",
        "method",
        "times",
        "status",
        "delay_ms",
        "body",
        "drop",
        "redirect",
        "path",
        "headers",
    }
    if unknown:
        raise ControlError(f"unknown fault fields: {sorted(unknown)}")
    route = payload.get("route")
    if route != "*" and route not in ROUTE_NAMES:
        raise ControlError(f"route must be '*' or one of {sorted(ROUTE_NAMES)}")
    method = payload.get("method")
    times = payload.get("times", 1)
    status = payload.get("status")
    delay_ms = payload.get("delay_ms", 0) or 0
    body = payload.get("body")
    redirect = payload.get("redirect")
    path = payload.get("path")
    if path is not None and (not isinstance(path, str) or not path):
        raise ControlError("path must be null or a non-empty string (a part of the path)")
    if method is not None and not isinstance(method, str):
        raise ControlError("method must be null or a string")
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise ControlError("times must be an integer >= 1")
    if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
        raise ControlError("status must be null or an HTTP status code")
    if not isinstance(delay_ms, int | float) or delay_ms < 0:
        raise ControlError("delay_ms must be a number >= 0")
    if body is not None and not isinstance(body, str):
        raise ControlError("body must be null, 'malformed', 'html' or raw text")
    if redirect is not None and not isinstance(redirect, str):
        raise ControlError("redirect must be null or a URL")
    headers = payload.get("headers")
    if headers is not None and not (
        isinstance(headers, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    ):
        raise ControlError("headers must be null or an object of strings")
    return {
        "route": route,
        "method": method.upper() if method else None,
        "times": times,
        "status": status,
        "delay_ms": int(delay_ms),
        "body": body,
        "drop": bool(payload.get("drop", False)),
        "redirect": redirect,
        "path": path,
        "headers": headers,
    }


def handle_control(
    app: FakeApp, method: str, path: str, query: dict[str, list[str]], body: bytes
) -> Response:
    """Dispatch one ``/_fake/...`` call."""
    try:
        payload = json.loads(body) if body.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return json_response({"error": "body is not JSON"}, 400)
    name = path.removeprefix("/_fake/").rstrip("/")
    try:
        if (method, name) == ("POST", "reset"):
            app.reset()
            return no_content()
        if (method, name) == ("POST", "faults"):
            fault = app.faults.add(_fault_spec(payload))
            return json_response(asdict(fault), 201)
        if (method, name) == ("GET", "faults"):
            return json_response({"faults": app.faults.pending()})
        if (method, name) == ("DELETE", "faults"):
            app.faults.clear()
            return no_content()
        if (method, name) == ("GET", "log"):
            route = (query.get("route") or [None])[0]
            return json_response({"requests": app.journal.entries(route)})
        if (method, name) == ("DELETE", "log"):
            app.journal.clear()
            return no_content()
        if (method, name) == ("GET", "counters"):
            return json_response(app.journal.counters())
        if (method, name) == ("GET", "seed"):
            return json_response(app.describe_seed())
        if (method, name) == ("POST", "latency"):
            ms = payload.get("ms") if isinstance(payload, dict) else None
            if not isinstance(ms, int | float) or isinstance(ms, bool) or ms < 0:
                raise ControlError('body must be {"ms": <number >= 0>}')
            app.latency_ms = float(ms)
            return no_content()
    except ControlError as err:
        return json_response({"error": str(err)}, err.status)
    return json_response({"error": f"no control route {method} {path}"}, 404)
