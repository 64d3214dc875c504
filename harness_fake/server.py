"""The HTTP layer: a threaded HTTP/1.1 (keep-alive) server around :class:`FakeApp`.

``FakeApp`` is transport-free: it takes a parsed request and returns a :class:`Response` (or
``None`` to drop the connection). It applies, in order: route match, counters, base latency,
injected faults, authentication/authorisation, the handler (under the state lock), and logging.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from harness_fake.control import Fault, FaultBook, Journal, handle_control
from harness_fake.errors import (
    GOA_ERROR_TYPE,
    IACM,
    JSON_TYPE,
    NG,
    ApiError,
    error_body,
    family_for_path,
)
from harness_fake.routes import Route, match
from harness_fake.seed import build_state
from harness_fake.state import SORTS, State
from harness_fake.wire import Principal, Request, Response

GATEWAY_HTML = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class FakeApp:
    """All behaviour of the fake, independent of sockets."""

    def __init__(self, seed: str = "demo", latency_ms: float = 0, extra_projects: int = 0) -> None:
        self.seed = seed
        self.start_ms = int(time.time() * 1000)
        self.latency_ms = float(latency_ms)
        self.faults = FaultBook()
        self.journal = Journal()
        # Built once and never served: every reset serves a copy of it (see ``State.copy``).
        self.seeded = build_state(seed, self.start_ms, extra_projects=extra_projects)
        for store in self.seeded.workspaces.values():
            for sort in SORTS:
                store.sorted_view(sort)  # sorted once here, shared by every copy until a write
        self.state: State = self.seeded.copy()

    def reset(self) -> None:
        """Back to the seed (same start time, so identical data), no faults, empty log."""
        fresh = self.seeded.copy()
        with self.state.lock:
            fresh.lock = self.state.lock
            self.state = fresh
        self.faults.clear()
        self.journal.clear()

    # -- request handling -----------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Response | None:
        found = match(method, path)
        if found is None or found.route is None:
            family = family_for_path(path)
            err = ApiError(405 if found else 404, f"no route for {method} {path}")
            response = _error_response(family, err)
            self._log(method, None, path, query, headers, body, response.status)
            return response

        route = found.route
        self.journal.count(route.name)
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        fault = self.faults.take(route.name, method, path)
        if fault and fault.delay_ms:
            time.sleep(fault.delay_ms / 1000)
        if fault and fault.drop:
            self._log(method, route.name, path, query, headers, body, None)
            return None

        req = Request(method, path, query, headers, body, found.params, route.family)
        if fault and (
            fault.redirect or fault.status is not None or fault.body not in (None, "malformed")
        ):
            response = _fault_response(route.family, fault)
        else:
            response = self._run(route, req)
            if fault and fault.body == "malformed":
                response = _truncate(response)
        self._log(method, route.name, path, query, headers, body, response.status)
        return response

    def _run(self, route: Route, req: Request) -> Response:
        try:
            req.principal = self._authorize(route, req)
            with self.state.lock:
                return route.handler(self.state, req)
        except ApiError as err:
            return _error_response(route.family, err)
        except Exception:  # a bug in the fake must still answer like a server would
            traceback.print_exc(file=sys.stderr)
            return _error_response(route.family, ApiError(500, "internal error in harness_fake"))

    def _authorize(self, route: Route, req: Request) -> Principal:
        """Gateway first (401 for a missing/unknown key), then the family's account rule."""
        key = req.headers.get("x-api-key", "")
        if not key:
            raise ApiError(401, "missing x-api-key header")
        api_key = self.state.keys.get(key)
        if api_key is None:
            raise ApiError(401, "invalid API key: token is not valid or has expired")
        principal = Principal(api_key.account, api_key.access)
        mismatch = ApiError(401, "API key does not belong to the requested account")

        if route.family == IACM:
            account = req.headers.get("harness-account", "")
            if not account and route.account_header == "required":
                raise ApiError(
                    400, '"Harness-Account" is missing from header', name="missing_field"
                )
            if account and account != principal.account:
                raise mismatch
            if route.write and principal.read_only:
                raise ApiError(
                    403, "API key is read-only: permission to edit workspaces is missing"
                )
        elif route.family == NG:
            account = req.arg("accountIdentifier")
            if route.name == "ng.accounts.get":
                if req.params["account_id"] != principal.account or (
                    account and account != principal.account
                ):
                    raise mismatch
            elif not account:
                raise ApiError(400, "accountIdentifier is required", code="INVALID_REQUEST")
            elif account != principal.account:
                raise mismatch
        else:
            account = req.headers.get("harness-account", "")
            if account and account != principal.account:
                raise mismatch
        return principal

    def _log(
        self,
        method: str,
        route: str | None,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
        status: int | None,
    ) -> None:
        self.journal.record(
            method=method,
            route=route,
            path=path,
            query=query,
            headers=headers,
            body=body,
            status=status,
        )

    # -- control ----------------------------------------------------------------------------

    def describe_seed(self) -> dict[str, Any]:
        """What ``GET /_fake/seed`` returns: enough for tests to find their way around."""
        with self.state.lock:
            state = self.state
            accounts = [
                {
                    "id": a.identifier,
                    "name": a.name,
                    "keys": [
                        {"key": k.key, "access": k.access}
                        for k in state.keys.values()
                        if k.account == a.identifier
                    ],
                }
                for a in state.accounts.values()
            ]
            orgs = [
                {
                    "identifier": o.identifier,
                    "account": o.account,
                    "name": o.name,
                    "projects": [
                        {
                            "identifier": p.identifier,
                            "name": p.name,
                            "workspaces": len(state.workspaces[key]),
                        }
                        for key, p in state.projects.items()
                        if key[:2] == (o.account, o.identifier)
                    ],
                }
                for o in state.orgs.values()
            ]
            scoped = lambda x: {  # noqa: E731 - tiny local shape helper
                "account": x.account,
                "org": x.org,
                "project": x.project,
                "identifier": x.identifier,
                "scope": x.scope,
                "ref": x.ref,
            }
            return {
                "seed": self.seed,
                "start_time_ms": self.start_ms,
                "accounts": accounts,
                "orgs": orgs,
                "templates": [
                    {
                        **scoped(t),
                        "name": t.name,
                        "version_label": t.version_label,
                        "stable": t.stable,
                        "entity_type": t.entity_type,
                    }
                    for t in state.templates
                ],
                "connectors": [{**scoped(c), "type": c.type} for c in state.connectors],
                "secrets": [{**scoped(s), "type": s.type} for s in state.secrets],
                "provisioners": {k: list(v) for k, v in state.provisioner_versions.items()},
                "policy": "tags.env == 'prod' requires cost_estimation_enabled == true",
            }


def _error_response(family: str, err: ApiError) -> Response:
    body, content_type = error_body(family, err)
    return Response(err.status, body, content_type)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _fault_response(family: str, fault: Fault) -> Response:
    """The response a fault stands for when the handler must not run."""
    if fault.redirect:
        return Response(302, b"", None, {"Location": fault.redirect})
    if fault.body == "html":
        status = fault.status or 502
        page = GATEWAY_HTML.format(status=status, reason=_reason(status))
        return Response(status, page.encode(), "text/html")
    status = fault.status if fault.status is not None else 200
    if fault.body is None:
        return _error_response(
            family, ApiError(status, f"injected fault: HTTP {status} {_reason(status)}")
        )
    if fault.body == "malformed":
        return _truncate(
            _error_response(family, ApiError(status, f"injected fault: HTTP {status}"))
        )
    content_type = GOA_ERROR_TYPE if family == IACM and status >= 400 else JSON_TYPE
    return Response(status, fault.body.encode(), content_type, dict(fault.headers or {}))


def _truncate(response: Response) -> Response:
    """Cut a JSON body in half (never valid JSON), keeping the JSON content type."""
    data = response.body or b"{}"
    status = 200 if response.status == 204 else response.status
    content_type = response.content_type or JSON_TYPE
    return Response(status, data[: max(1, len(data) // 2)], content_type, dict(response.headers))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server_version = "harness-fake"
    timeout = 75  # idle keep-alive connections are closed after this many seconds
    server: FakeHTTPServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "bad Content-Length")
            return
        body = self.rfile.read(length) if length > 0 else b""
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        app = self.server.app
        if split.path.startswith("/_fake/"):
            response = handle_control(app, self.command, split.path, query, body)
        else:
            headers = {name.lower(): value for name, value in self.headers.items()}
            response = app.handle(self.command, split.path, query, headers, body)
        if response is None:
            self._drop()
            return
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and response.status != 204:
            self.wfile.write(response.body)

    def _drop(self) -> None:
        """Close the socket without a byte of response (the ``drop`` fault)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class FakeHTTPServer(ThreadingHTTPServer):
    """One thread per connection (keep-alive friendly); threads never block shutdown."""

    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: FakeApp, verbose: bool = False) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.verbose = verbose

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out and hang up are normal here; anything else is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed: str = "demo",
    latency_ms: float = 0,
    verbose: bool = False,
    extra_projects: int = 0,
) -> FakeHTTPServer:
    app = FakeApp(seed=seed, latency_ms=latency_ms, extra_projects=extra_projects)
    return FakeHTTPServer((host, port), app, verbose=verbose)


def serve_in_thread(server: FakeHTTPServer) -> threading.Thread:
    # shutdown() waits for the loop's next poll: 0.05 s instead of the default 0.5 s per stop.
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="harness-fake",
        daemon=True,
    )
    thread.start()
    return thread


__all__ = ["FakeApp", "FakeHTTPServer", "make_server", "serve_in_thread"]
