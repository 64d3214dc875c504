"""Helpers to run and drive the fake from tests and benchmarks (stdlib only).

``start_fake()`` runs a server in a daemon thread of the current process; ``FakeControl`` drives
any running fake (e.g. one started with ``python -m harness_fake``) over its ``/_fake/`` API.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import quote

from harness_fake.server import FakeHTTPServer, make_server, serve_in_thread

# Never route control calls through an HTTP proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class FakeControl:
    """The ``/_fake/`` control API of a fake at ``base_url``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(  # noqa: S310 - base_url is the caller's fake
            f"{self.base_url}/_fake/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        with _OPENER.open(request, timeout=10) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def reset(self) -> None:
        self._call("POST", "reset")

    def inject(
        self,
        route: str,
        *,
        status: int | None = None,
        times: int = 1,
        delay_ms: int = 0,
        body: str | None = None,
        drop: bool = False,
        redirect: str | None = None,
        method: str | None = None,
        path: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Make the next ``times`` calls of ``route`` (or ``"*"``) misbehave; with ``path``,
        only the calls whose path contains it (one project's ``/projects/core/``); ``headers``
        go with a raw ``body`` (those Harness sends with it: a v1 list's total, say)."""
        return self._call(
            "POST",
            "faults",
            {
                "route": route,
                "method": method,
                "times": times,
                "status": status,
                "delay_ms": delay_ms,
                "body": body,
                "drop": drop,
                "redirect": redirect,
                "path": path,
                "headers": headers,
            },
        )

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def log(self, route: str | None = None) -> list[dict[str, Any]]:
        suffix = f"?route={quote(route)}" if route else ""
        return self._call("GET", f"log{suffix}")["requests"]

    def clear_log(self) -> None:
        self._call("DELETE", "log")

    def counters(self) -> dict[str, int]:
        """Calls per route name since the last reset/clear."""
        return self._call("GET", "counters")["routes"]

    def seed(self) -> dict[str, Any]:
        return self._call("GET", "seed")

    def set_latency(self, ms: float) -> None:
        self._call("POST", "latency", {"ms": ms})


class FakeHandle(FakeControl):
    """A fake running in this process; ``stop()`` shuts it down."""

    def __init__(self, server: FakeHTTPServer) -> None:
        super().__init__(server.base_url)
        self.server = server
        self._thread = serve_in_thread(server)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_fake(
    port: int = 0,
    host: str = "127.0.0.1",
    latency_ms: float = 0,
    seed: str = "demo",
    extra_projects: int = 0,
) -> FakeHandle:
    """Start a fake on ``host:port`` (0 = a free port) in a daemon thread; ready on return.
    ``extra_projects``: that many more small projects in an org ``teams``."""
    return FakeHandle(
        make_server(host, port, seed=seed, latency_ms=latency_ms, extra_projects=extra_projects)
    )


__all__ = ["FakeControl", "FakeHandle", "start_fake"]
