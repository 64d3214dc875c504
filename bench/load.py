"""The load generator: a separate process that signs in, drives the portal and the fake directly,
and writes every figure as JSON. `bench/run.py` starts it; it never imports Django.

    python -m bench.load --config config.json --out raw.json

Stdlib only (plus `redis`, already a portal dependency, to empty the metrics cache for the cold
scenario). Each concurrency level is a set of threads, each with its own keep-alive
`http.client` connection and a signed-in user's cookies; every request is timed and its bytes on
the wire counted (status line + headers + body as received, i.e. compressed when gzipped).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench import across
from bench.status_across import status_across_plans

# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    wire_bytes: int

    def text(self) -> str:
        data = self.body
        if self.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return data.decode("utf-8", "replace")


class Client:
    """One keep-alive connection (re-opened when the server closed it) and a cookie jar."""

    def __init__(self, host: str, port: int, base_headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self.base_headers = base_headers or {}
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.used = False
        self.reconnects = 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None
        self.used = False

    def _connect(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.conn.connect()
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.used = False
        return self.conn

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        all_headers = {**self.base_headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            reused = self.conn is not None and self.used
            conn = self._connect()
            try:
                conn.request(method, path, body=body, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                # A keep-alive connection the server had closed: retry once, like browsers do.
                if attempt == 1 and reused:
                    self.reconnects += 1
                    continue
                raise
            self.used = True
            break
        head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + 2
        for name, value in response.getheaders():
            head += len(name) + len(value) + 4
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val and "expires=Thu, 01 Jan 1970" not in value:
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        if response.will_close:
            self.close()
        return Reply(response.status, response.msg, data, head + len(data))


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, str] = {}
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            self.inputs[a["name"]] = a.get("value") or ""
        elif tag == "link" and a.get("rel") in {"stylesheet", "icon"} and a.get("href"):
            self.assets.append(a["href"])
        elif tag in {"script", "img"} and a.get("src"):
            self.assets.append(a["src"])


def parse_html(text: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(text)
    return parser


def sign_in(client: Client, username: str, password: str) -> dict[str, str]:
    """Sign `username` in through the login form, as a browser does; returns the cookies."""
    client.base_headers.pop("Accept-Encoding", None)
    page = client.request("GET", "/accounts/login/")
    if page.status != 200:
        raise RuntimeError(f"login page: {page.status}")
    token = parse_html(page.text()).inputs["csrfmiddlewaretoken"]
    form = urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": ""}
    ).encode()
    origin = f"https://{client.host}:{client.port}"
    reply = client.request(
        "POST",
        "/accounts/login/",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}/accounts/login/",
        },
        form,
    )
    if reply.status != 302 or not any(k.endswith("sessionid") for k in client.cookies):
        raise RuntimeError(f"sign-in of {username} failed: {reply.status}")
    return dict(client.cookies)


# --- measuring -------------------------------------------------------------------------------


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def _machine_ticks() -> tuple[int, int]:
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values), idle


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


class CpuMeter:
    """CPU used by the portal (gunicorn master + workers), the fake and this process."""

    HZ = os.sysconf("SC_CLK_TCK")

    def __init__(self, portal_pid: int, fake_pid: int) -> None:
        self.groups = {"portal": [portal_pid], "fake": [fake_pid], "loadgen": [os.getpid()]}
        self.portal_pid = portal_pid

    def _sample(self) -> dict[str, Any]:
        self.groups["portal"] = [self.portal_pid, *children(self.portal_pid)]
        total, idle = _machine_ticks()
        return {
            "t": time.monotonic(),
            "machine": (total, idle),
            **{name: sum(_cpu_ticks(p) for p in pids) for name, pids in self.groups.items()},
        }

    def start(self) -> dict[str, Any]:
        return self._sample()

    def stop(self, before: dict[str, Any]) -> dict[str, float]:
        after = self._sample()
        seconds = max(after["t"] - before["t"], 1e-6)
        total = after["machine"][0] - before["machine"][0]
        idle = after["machine"][1] - before["machine"][1]
        out = {"machine_busy_pct": round(100 * (total - idle) / total, 1) if total else 0.0}
        ours = 0.0
        for name in self.groups:
            cores = (after[name] - before[name]) / self.HZ / seconds
            ours += cores
            out[f"{name}_cores"] = round(cores, 2)
        # Anything else running on the machine (another test suite...) competes for the cores.
        out["other_cores"] = round(max(0.0, (total - idle) / self.HZ / seconds - ours), 2)
        out["seconds"] = round(seconds, 3)
        return out


@dataclass
class Sample:
    latency: float
    ok: bool
    wire: int
    status: int


@dataclass
class LevelResult:
    samples: list[Sample] = field(default_factory=list)
    elapsed: float = 0.0
    calls: int = 0
    routes: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        lat = sorted(s.latency for s in self.samples)
        n = len(self.samples)
        errors = sum(1 for s in self.samples if not s.ok)
        statuses: dict[str, int] = {}
        for s in self.samples:
            statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
        return {
            "requests": n,
            "seconds": round(self.elapsed, 3),
            "rps": round(n / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": round(percentile(lat, 50) * 1000, 1) if n else None,
            "p95_ms": round(percentile(lat, 95) * 1000, 1) if n else None,
            "p99_ms": round(percentile(lat, 99) * 1000, 1) if n else None,
            "max_ms": round(lat[-1] * 1000, 1) if n else None,
            "errors": errors,
            "statuses": statuses,
            "harness_calls": self.calls,
            "harness_calls_per_request": round(self.calls / n, 3) if n else None,
            "harness_routes": self.routes,
            "bytes_per_request": round(sum(s.wire for s in self.samples) / n) if n else None,
            "bytes_total": sum(s.wire for s in self.samples),
            "cpu": self.cpu,
            "portal_cpu_ms_per_request": round(
                1000 * self.cpu.get("portal_cores", 0) * self.cpu.get("seconds", 0) / n, 2
            )
            if n
            else None,
            **self.extra,
        }


# A request: (method, path, headers, body, expected statuses [and the Location's ending])
Req = tuple[str, str, dict[str, str], bytes | None, tuple[int | str, ...]]


def _expected(reply: Reply, expect: tuple[int | str, ...]) -> bool:
    if reply.status not in expect:
        return False
    endings = [e for e in expect if isinstance(e, str)]
    return not endings or reply.headers.get("Location", "").endswith(tuple(endings))


class Bench:
    def __init__(self, config: dict[str, Any]) -> None:
        self.cfg = config
        self.portal = urlsplit(config["portal_url"])
        self.fake = urlsplit(config["fake_url"])
        self.origin = f"https://{self.portal.netloc}"
        self.cpu = CpuMeter(config["portal_pid"], config["fake_pid"])
        self.sessions: list[dict[str, str]] = []
        self.log: list[str] = []

    # -- plumbing --

    def portal_client(self, user_index: int | None = None) -> Client:
        client = Client(
            self.portal.hostname,
            self.portal.port,
            {
                # TLS ends at the proxy in production; it says so in X-Forwarded-Proto.
                "X-Forwarded-Proto": "https",
                "Accept-Encoding": "gzip",
                "User-Agent": "portal-bench/1",
            },
        )
        if user_index is not None and self.sessions:
            client.cookies = dict(self.sessions[user_index % len(self.sessions)])
        return client

    def fake_client(self) -> Client:
        return Client(
            self.fake.hostname,
            self.fake.port,
            {
                "x-api-key": self.cfg["api_key"],
                "Harness-Account": self.cfg["account_id"],
                "Accept": "application/json, application/vnd.goa.error",
                "Accept-Encoding": "gzip",
                "User-Agent": "portal-bench/1",
            },
        )

    def control(self, method: str, path: str, payload: Any = None) -> Any:
        client = Client(self.fake.hostname, self.fake.port)
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Content-Type": "application/json"} if body else {}
        reply = client.request(method, path, headers, body)
        client.close()
        if reply.status >= 300:
            raise RuntimeError(f"fake control {method} {path}: {reply.status} {reply.body!r}")
        return json.loads(reply.body) if reply.body else None

    def counters(self) -> dict[str, Any]:
        return self.control("GET", "/_fake/counters")

    def csrf(self, user_index: int) -> str:
        cookies = self.sessions[user_index % len(self.sessions)]
        return next(v for k, v in cookies.items() if k.endswith("csrftoken"))

    # -- sign in --

    def sign_in(self) -> None:
        for user in self.cfg["users"]:
            client = self.portal_client()
            self.sessions.append(sign_in(client, user["username"], self.cfg["password"]))
            client.close()

    # -- a level of load --

    def run_level(
        self,
        *,
        target: str,
        concurrency: int,
        make: Callable[[int, int], Req | None],
        duration: float,
        max_requests: int,
    ) -> LevelResult:
        """`concurrency` threads issue `make(thread, n)` until the time or the count runs out
        (or `make` returns None: that thread's work is done)."""
        clients = [
            self.portal_client(i) if target == "portal" else self.fake_client()
            for i in range(concurrency)
        ]
        per_thread: list[list[Sample]] = [[] for _ in range(concurrency)]
        lock = threading.Lock()
        issued = [0]
        barrier = threading.Barrier(concurrency + 1)
        state: dict[str, float] = {}

        def worker(index: int) -> None:
            client = clients[index]
            out = per_thread[index]
            barrier.wait()
            deadline = state["deadline"]
            n = 0
            while time.monotonic() < deadline:
                with lock:
                    if issued[0] >= max_requests:
                        break
                    issued[0] += 1
                req = make(index, n)
                n += 1
                if req is None:
                    break
                method, path, headers, body, expect = req
                started = time.perf_counter()
                try:
                    reply = client.request(method, path, headers, body)
                    ok, wire, status = _expected(reply, expect), reply.wire_bytes, reply.status
                except (OSError, http.client.HTTPException):
                    ok, wire, status = False, 0, 0
                    client.close()
                out.append(Sample(time.perf_counter() - started, ok, wire, status))
            state[f"end{index}"] = time.monotonic()

        threads = [
            threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)
        ]
        for thread in threads:
            thread.start()
        before_calls = self.counters()
        cpu_before = self.cpu.start()
        state["start"] = time.monotonic()
        state["deadline"] = state["start"] + duration
        barrier.wait()
        for thread in threads:
            thread.join(timeout=duration + 60)
        cpu = self.cpu.stop(cpu_before)
        after_calls = self.counters()
        ends = [v for k, v in state.items() if k.startswith("end")]
        for client in clients:
            client.close()
        result = LevelResult(
            samples=[s for out in per_thread for s in out],
            elapsed=(max(ends) if ends else time.monotonic()) - state["start"],
            cpu=cpu,
        )
        result.calls = after_calls["total"] - before_calls["total"]
        result.routes = {
            route: n - before_calls["routes"].get(route, 0)
            for route, n in after_calls["routes"].items()
            if n - before_calls["routes"].get(route, 0)
        }
        return result

    def capture(self, req: Req, user_index: int = 0) -> list[dict[str, Any]]:
        """The Harness calls one portal request makes (from the fake's request log)."""
        self.control("DELETE", "/_fake/log")
        client = self.portal_client(user_index)
        method, path, headers, body, expect = req
        reply = client.request(method, path, headers, body)
        client.close()
        if not _expected(reply, expect):
            raise RuntimeError(f"{method} {path}: {reply.status} {reply.text()[:300]}")
        return self.control("GET", "/_fake/log")["requests"]


# --- scenarios -------------------------------------------------------------------------------

LIST = "/orgs/default/projects/infra/workspaces/"


def htmx(target: str, current_url: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target, "HX-Current-URL": current_url}


def _direct_from_log(entries: list[dict[str, Any]]) -> list[Req]:
    """Replay the Harness calls the portal made, against the fake directly."""
    out: list[Req] = []
    for entry in entries:
        query = urlencode([(k, v) for k, vs in entry["query"].items() for v in vs])
        path = entry["path"] + (f"?{query}" if query else "")
        body = json.dumps(entry["body"]).encode() if entry["body"] is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        out.append((entry["method"], path, headers, body, (entry["status"],)))
    return out


def scenario_plan(bench: Bench) -> list[dict[str, Any]]:
    cfg = bench.cfg
    origin = bench.origin
    users = cfg["users"]
    plans: list[dict[str, Any]] = []

    def fixed(req: Req) -> Callable[[int, int], Req]:
        return lambda _thread, _n: req

    plans.append(
        {
            "name": "list_page",
            "title": "workspace list, full page",
            "make": fixed(("GET", LIST, {}, None, (200,))),
        }
    )
    partial_path = f"{LIST}?status=active"
    plans.append(
        {
            "name": "list_partial",
            "title": "list, htmx partial (filter change)",
            "make": fixed(
                ("GET", partial_path, htmx("workspace-table", origin + LIST), None, (200,))
            ),
        }
    )
    detail = f"{LIST}{cfg['workspace_identifier']}/"
    plans.append(
        {
            "name": "workspace_page",
            "title": "workspace page",
            "make": fixed(("GET", detail, {}, None, (200,))),
        }
    )
    metrics_path = f"{LIST}?window=7d"
    metrics_req: Req = ("GET", metrics_path, htmx("status-overview", origin + LIST), None, (200,))
    plans.append(
        {
            "name": "metrics_warm",
            "title": "status metrics partial, warm cache",
            "make": fixed(metrics_req),
            "prime": metrics_req,
        }
    )
    plans.append(
        {
            "name": "metrics_cold",
            "title": "status metrics partial, cold cache",
            "make": fixed(metrics_req),
            "cold": True,
        }
    )

    def wizard(thread: int, _n: int) -> Req:
        draft = users[thread % len(users)]["template_draft"]
        return ("GET", f"/drafts/{draft}/template/", {}, None, (200,))

    plans.append(
        {
            "name": "wizard_3_pickers",
            "title": "wizard step with three pickers (Start from: a template)",
            "make": wizard,
        }
    )
    plans.append({"name": "submit", "title": "submit (one POST to Harness)", "submit": True})
    plans += status_across_plans(bench)
    return plans


def submit_maker(bench: Bench, concurrency: int, offset: dict[int, int]) -> Callable:
    """Each thread submits drafts of its user, each draft once; `offset` tracks used drafts."""
    users = bench.cfg["users"]
    lock = threading.Lock()

    def make(thread: int, _n: int) -> Req | None:
        user = thread % len(users)
        with lock:
            index = offset.get(user, 0)
            if index >= len(users[user]["submit_drafts"]):
                return None
            offset[user] = index + 1
        draft = users[user]["submit_drafts"][index]
        token = bench.csrf(user)
        body = urlencode({"csrfmiddlewaretoken": token}).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": bench.origin,
            "Referer": f"{bench.origin}/drafts/{draft}/review/",
        }
        # Created: a redirect to the result page (anything else, e.g. back to the review, is not).
        return ("POST", f"/drafts/{draft}/submit/", headers, body, (302, "/result/"))

    del concurrency
    return make


def direct_submit_maker(template: Req, run_id: str) -> Callable:
    method, path, headers, body, expect = template
    base = json.loads(body or b"{}")
    counter = [0]
    lock = threading.Lock()

    def make(_thread: int, _n: int) -> Req:
        with lock:
            counter[0] += 1
            n = counter[0]
        identifier = f"bench_{run_id}_direct_{n:05d}"
        payload = {**base, "identifier": identifier, "name": identifier.replace("_", "-")}
        return (method, path, headers, json.dumps(payload).encode(), expect)

    return make


class ColdCache:
    """Empties the status-metrics entries of the portal's Redis cache (nothing else)."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.pattern = f"{prefix}:*metrics:v1:*"

    def clear(self) -> int:
        keys = list(self.client.scan_iter(match=self.pattern, count=1000))
        return self.client.delete(*keys) if keys else 0


def run_cold(bench: Bench, req: Req, concurrency: int, duration: float, rounds_max: int):
    """Rounds of `concurrency` simultaneous requests on an emptied metrics cache."""
    cold = ColdCache(bench.cfg["redis_url"], bench.cfg["cache_prefix"])
    result = LevelResult()
    per_round: list[int] = []
    cleared: list[int] = []
    cpu_before = bench.cpu.start()
    started = time.monotonic()
    busy = 0.0
    while len(per_round) < rounds_max and time.monotonic() - started < duration:
        cleared.append(cold.clear())
        level = bench.run_level(
            target="portal",
            concurrency=concurrency,
            make=lambda _t, n: req if n == 0 else None,
            duration=30,
            max_requests=concurrency,
        )
        result.samples.extend(level.samples)
        busy += level.elapsed
        per_round.append(level.calls)
        for route, n in level.routes.items():
            result.routes[route] = result.routes.get(route, 0) + n
    result.elapsed = busy
    result.calls = sum(per_round)
    result.cpu = bench.cpu.stop(cpu_before)
    result.extra = {
        "rounds": len(per_round),
        "harness_calls_per_round": per_round,
        "cache_keys_deleted_per_round": cleared,
        "note": "req/s is requests / time spent inside rounds (each round waits for all)",
    }
    return result


def page_weight(bench: Bench) -> dict[str, Any]:
    """A first visit to the list page (HTML + every asset + the status partial it loads) and a
    filter change, compressed as a browser would receive them (Accept-Encoding: gzip)."""
    client = bench.portal_client(0)
    items = []
    page = client.request("GET", LIST)
    items.append(
        {
            "what": "list page HTML",
            "path": LIST,
            "status": page.status,
            "encoding": page.headers.get("Content-Encoding", ""),
            "bytes": page.wire_bytes,
            "body_bytes": len(page.body),
        }
    )
    parsed = parse_html(page.text())
    for asset in dict.fromkeys(parsed.assets):
        reply = client.request("GET", asset)
        items.append(
            {
                "what": "static",
                "path": asset,
                "status": reply.status,
                "encoding": reply.headers.get("Content-Encoding", ""),
                "bytes": reply.wire_bytes,
                "body_bytes": len(reply.body),
                "cache_control": reply.headers.get("Cache-Control", ""),
            }
        )
    # The status overview loads itself (hx-trigger="load") right after the page.
    overview = client.request("GET", LIST, htmx("status-overview", bench.origin + LIST))
    items.append(
        {
            "what": "status overview (htmx, on load)",
            "path": LIST,
            "status": overview.status,
            "encoding": overview.headers.get("Content-Encoding", ""),
            "bytes": overview.wire_bytes,
            "body_bytes": len(overview.body),
        }
    )
    change = client.request(
        "GET", f"{LIST}?status=active", htmx("workspace-table", bench.origin + LIST)
    )
    uncompressed = bench.portal_client(0)
    uncompressed.base_headers.pop("Accept-Encoding")
    raw_page = uncompressed.request("GET", LIST)
    raw_change = uncompressed.request(
        "GET", f"{LIST}?status=active", htmx("workspace-table", bench.origin + LIST)
    )
    uncompressed.close()
    client.close()
    return {
        "first_load": items,
        "first_load_bytes": sum(i["bytes"] for i in items),
        "first_load_ok": all(i["status"] == 200 for i in items),
        "filter_change_bytes": change.wire_bytes,
        "filter_change_encoding": change.headers.get("Content-Encoding", ""),
        "filter_change_status": change.status,
        "uncompressed_page_bytes": raw_page.wire_bytes,
        "uncompressed_filter_change_bytes": raw_change.wire_bytes,
        "html_has_csrf_token": bool(
            re.search(
                rb"X-CSRFToken",
                gzip.decompress(page.body)
                if page.headers.get("Content-Encoding") == "gzip"
                else page.body,
            )
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.config) as handle:
        cfg = json.load(handle)
    bench = Bench(cfg)
    levels: list[int] = cfg["levels"]
    duration = cfg["duration"]
    direct_duration = cfg["direct_duration"]
    max_requests = cfg["max_requests"]
    only = set(cfg.get("only") or [])

    def say(message: str) -> None:
        print(message, flush=True)

    bench.sign_in()
    say(f"signed in {len(bench.sessions)} users")
    out: dict[str, Any] = {"scenarios": {}, "page_weight": None}
    submit_offsets: dict[int, int] = {}
    for plan in scenario_plan(bench):
        name = plan["name"]
        if only and name not in only:
            continue
        entry: dict[str, Any] = {"title": plan["title"], "portal": {}, "direct": {}}
        # What the portal calls for one request of this scenario: the floor replays it.
        if plan.get("submit"):
            maker = submit_maker(bench, 1, submit_offsets)
            probe = maker(0, 0)
            log = bench.capture(probe)
            creates = [e for e in log if e["route"] == "iacm.workspaces.create"]
            direct_make = direct_submit_maker(_direct_from_log(creates)[0], cfg["run_id"])
            entry["harness_calls_of_one_request"] = [e["route"] for e in log]
        else:
            if plan.get("cold"):
                ColdCache(cfg["redis_url"], cfg["cache_prefix"]).clear()
            log = bench.capture(plan["make"](0, 0))
            entry["harness_calls_of_one_request"] = [e["route"] for e in log]
            direct_reqs = _direct_from_log(log)
            if not direct_reqs:
                # The portal made no call (a warm cache): the floor is the call it would make.
                ColdCache(cfg["redis_url"], cfg["cache_prefix"]).clear()
                direct_reqs = _direct_from_log(bench.capture(plan["make"](0, 0)))
                bench.capture(plan["prime"])
            direct_make = (lambda reqs: lambda t, n: reqs[(t + n) % len(reqs)])(direct_reqs)
        entry["direct_calls"] = [
            f"{r[0]} {r[1].split('?')[0]}" for r in (direct_reqs if not plan.get("submit") else [])
        ]
        for concurrency in levels:
            if plan.get("submit"):
                result = bench.run_level(
                    target="portal",
                    concurrency=concurrency,
                    make=submit_maker(bench, concurrency, submit_offsets),
                    duration=duration,
                    max_requests=cfg["submit_per_level"].get(str(concurrency), 50),
                )
            elif plan.get("cold"):
                result = run_cold(
                    bench, plan["make"](0, 0), concurrency, duration, cfg["cold_rounds"]
                )
            else:
                # A short warm-up (connections, caches), not counted.
                bench.run_level(
                    target="portal",
                    concurrency=concurrency,
                    make=plan["make"],
                    duration=0.3,
                    max_requests=concurrency * 4,
                )
                result = bench.run_level(
                    target="portal",
                    concurrency=concurrency,
                    make=plan["make"],
                    duration=duration,
                    max_requests=max_requests,
                )
            entry["portal"][str(concurrency)] = result.summary()
            direct = bench.run_level(
                target="fake",
                concurrency=concurrency,
                make=direct_make,
                duration=direct_duration,
                max_requests=max_requests,
            )
            entry["direct"][str(concurrency)] = direct.summary()
            p, d = entry["portal"][str(concurrency)], entry["direct"][str(concurrency)]
            say(
                f"{name:18} c={concurrency:<3} portal {p['rps']:7.1f} req/s p50 {p['p50_ms']:7.1f}"
                f" p95 {p['p95_ms']:7.1f} err {p['errors']:3} calls/req "
                f"{p['harness_calls_per_request']}  | direct {d['rps']:7.1f} req/s p50 "
                f"{d['p50_ms']:6.1f}  | cpu {p['cpu']}"
            )
        out["scenarios"][name] = entry
    if not only or "across" in only:
        out["across"] = across.run_across(bench)
        out["scenarios"]["across_warm"] = across.warm_entry(bench, levels, duration)
        say(f"across: {json.dumps(out['across'])}")
    if not only or "page_weight" in only:
        out["page_weight"] = page_weight(bench)
    with open(args.out, "w") as handle:
        json.dump(out, handle, indent=2)


if __name__ == "__main__":
    main()
