"""`make bench`: the fake Harness, the portal under gunicorn with production settings, load from a
separate process, a table and `bench/results.json`. See bench/README.md.

    .venv/bin/python -m bench.run            # everything, about 3 minutes
    BENCH_ONLY=list_partial,metrics_cold .venv/bin/python -m bench.run

Environment (all optional): BENCH_LATENCY_MS (50), BENCH_DURATION (4 s per level),
BENCH_DIRECT_DURATION (2.5 s), BENCH_LEVELS (1,8,32), BENCH_USERS (6), GUNICORN_WORKERS (4),
GUNICORN_THREADS (16), BENCH_DATABASE (postgres|sqlite, default postgres when it answers),
BENCH_PG_URL (postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL (redis://127.0.0.1:6379/12),
BENCH_ONLY (comma-separated scenario names), BENCH_KEEP_LOGS=1.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench import across
from bench.status_across import status_across_figures

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GUNICORN = [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi"]
LEVELS = [int(x) for x in os.environ.get("BENCH_LEVELS", "1,8,32").split(",")]
LATENCY_MS = float(os.environ.get("BENCH_LATENCY_MS", "50"))
# The production defaults of gunicorn.conf.py.
WORKERS = os.environ.get("GUNICORN_WORKERS", "4")
THREADS = os.environ.get("GUNICORN_THREADS", "16")
USERS = int(os.environ.get("BENCH_USERS", "6"))
PASSWORD = "bench-" + secrets.token_urlsafe(12)
SUBMIT_PER_LEVEL = {1: 20, 8: 64, 32: 192}
TOTAL_BUDGET_S = 290  # the whole run stays under five minutes
# 34 small projects in an org `teams` beside the demo's 6: the 40 projects of issue 18's
# cross-project figures (list and status strip). The other scenarios read default/infra only.
ACROSS_FAKE_ARGS = ["--extra-projects", "34"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float, headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status < 500:
                    return
        except Exception as err:
            last = err
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s: {last}")


def postgres_answers(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url + "/postgres", connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:
        return False


def redis_answers(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2).ping()
        return True
    except Exception:
        return False


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def worker_pids(master: int) -> list[int]:
    try:
        with open(f"/proc/{master}/task/{master}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


class Stack:
    """The processes and scratch resources of one run; everything is undone in `close`."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        self.procs: list[subprocess.Popen] = []
        self.cleanups: list[Any] = []
        self.run_id = secrets.token_hex(3)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 -- closed with the process
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def close(self, keep_logs: bool) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                cleanup()
        if keep_logs:
            print(f"logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.tmp / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def main() -> int:
    started = time.monotonic()
    stack = Stack()
    keep_logs = os.environ.get("BENCH_KEEP_LOGS") == "1"
    ok = False
    try:
        results = run(stack, started)
        ok = True
    except Exception:
        for name in ("harness_fake", "portal", "setup", "migrate"):
            text = stack.tail(name)
            if text:
                print(f"--- last lines of {name}.log\n{text}", file=sys.stderr)
        raise
    finally:
        stack.close(keep_logs or not ok)
    print_table(results)
    out = ROOT / "bench" / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    return 0


def machine_loop_ns(steps: int = 2_000_000) -> float:
    """How fast this machine runs plain Python right now: ns per step of a summing loop (best of
    three). The CPU figures are machine-bound: compare this one between runs before comparing
    them."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for step in range(steps):
            total += step
        best = min(best, time.perf_counter() - start)
    return round(1e9 * best / steps, 1)


def run(stack: Stack, started: float) -> dict[str, Any]:
    loop_ns = machine_loop_ns()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}

    # --- the fake Harness ------------------------------------------------------------------
    fake_port = free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    fake = stack.start(
        "harness_fake",
        [
            *(PY, "-m", "harness_fake", "--port", str(fake_port)),
            *("--latency-ms", str(LATENCY_MS), *ACROSS_FAKE_ARGS),
        ],
        base_env,
    )
    wait_http(f"{fake_url}/_fake/seed", 15)
    with urllib.request.urlopen(f"{fake_url}/_fake/seed", timeout=5) as response:
        seed = json.load(response)
    account = next(a for a in seed["accounts"] if any(k["access"] == "full" for k in a["keys"]))
    api_key = next(k["key"] for k in account["keys"] if k["access"] == "full")

    # --- storage: what the production profile recommends (PostgreSQL + Redis) ----------------
    pg_url = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    database = os.environ.get("BENCH_DATABASE") or (
        "postgres" if postgres_answers(pg_url) else "sqlite"
    )
    if database == "postgres":
        import psycopg
        from psycopg import sql

        db_name = f"portal_bench_{stack.run_id}"
        with psycopg.connect(pg_url + "/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db_name)))

        def drop_db() -> None:
            with psycopg.connect(pg_url + "/postgres", autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(db_name)
                    )
                )

        stack.cleanups.append(drop_db)
        database_url = f"{pg_url}/{db_name}"
    else:
        database_url = f"sqlite:///{stack.tmp / 'bench.sqlite3'}"
    if not redis_answers(redis_url):
        raise SystemExit(
            f"Redis does not answer at {redis_url} (BENCH_REDIS_URL). The benchmark needs the "
            "production cache: status metrics are shared across gunicorn workers through it."
        )
    cache_prefix = f"bench{stack.run_id}"

    def drop_cache_keys() -> None:
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{cache_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)

    stack.cleanups.append(drop_cache_keys)

    # --- the portal's environment: DJANGO_ENV=production -------------------------------------
    portal_port = free_port()
    env = {
        **base_env,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HARNESS_TOKEN_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        # TLS ends at the proxy: the load generator sends X-Forwarded-Proto: https like it
        # would, so secure cookies, the SSL redirect and HSTS all stay as in production.
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": cache_prefix,
        "HARNESS_BASE_URL": fake_url,
        "STATIC_ROOT": str(stack.tmp / "staticfiles"),
        "PROMETHEUS_MULTIPROC_DIR": str(stack.tmp / "prometheus"),
        "PORT": str(portal_port),
        "GUNICORN_BIND_HOST": "127.0.0.1",
        "GUNICORN_WORKERS": WORKERS,
        "GUNICORN_THREADS": THREADS,
        # No recycling during the run: the RSS figure is that of a worker that served it all.
        "GUNICORN_MAX_REQUESTS": "0",
        # Six users submit a few hundred drafts in seconds: far past the per-user limit (10 a
        # minute) that protects Harness from real people. The limit check itself still runs.
        "RATE_LIMIT_SUBMITS_PER_MINUTE": "1000000",
        "PYTHONUNBUFFERED": "1",
    }
    (stack.tmp / "prometheus").mkdir()

    def manage(name: str, *args: str) -> str:
        with open(stack.tmp / f"{name}.log", "ab") as log:
            done = subprocess.run(
                [PY, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, check=False
            )
        if done.returncode:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode})")
        return done.stdout.decode()

    manage("migrate", "manage.py", "migrate", "--noinput", "-v", "0")
    manage("migrate", "manage.py", "collectstatic", "--noinput", "-v", "0")
    setup = json.loads(
        manage(
            "setup",
            "-m",
            "bench.setup_portal",
            "--users",
            str(USERS),
            "--password",
            PASSWORD,
            "--api-key",
            api_key,
            "--account-name",
            account.get("name", ""),
            "--submits",
            str(max(-(-n // USERS) for n in SUBMIT_PER_LEVEL.values()) * len(LEVELS) + 2),
            "--run-id",
            stack.run_id,
        )
    )
    setup_seconds = time.monotonic() - started

    portal = stack.start("portal", GUNICORN, env)
    portal_url = f"http://127.0.0.1:{portal_port}"
    wait_http(f"{portal_url}/healthz", 30)
    time.sleep(0.5)  # every worker booted
    rss_start = {pid: rss_mb(pid) for pid in worker_pids(portal.pid)}

    # A workspace that exists, for the workspace page.
    request = urllib.request.Request(
        f"{fake_url}/iacm/api/orgs/default/projects/infra/workspaces?limit=1&page=5",
        headers={"x-api-key": api_key, "Harness-Account": setup["account_id"]},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        identifier = json.load(response)[0]["identifier"]

    config = {
        "portal_url": portal_url,
        "fake_url": fake_url,
        "portal_pid": portal.pid,
        "fake_pid": fake.pid,
        "api_key": api_key,
        "account_id": setup["account_id"],
        "password": PASSWORD,
        "users": setup["users"],
        "workspace_identifier": identifier,
        "levels": LEVELS,
        "duration": float(os.environ.get("BENCH_DURATION", "4")),
        "direct_duration": float(os.environ.get("BENCH_DIRECT_DURATION", "2.5")),
        "max_requests": 20000,
        "cold_rounds": 25,
        "submit_per_level": {str(k): v for k, v in SUBMIT_PER_LEVEL.items()},
        "redis_url": redis_url,
        "cache_prefix": cache_prefix,
        "run_id": stack.run_id,
        "only": [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s],
    }
    config_path = stack.tmp / "load-config.json"
    config_path.write_text(json.dumps(config))
    raw_path = stack.tmp / "load-results.json"
    profilers = []
    if os.environ.get("BENCH_PROFILE") == "py-spy":
        # Sample every worker while the load runs (collapsed stacks, one file per worker).
        # The py-spy process takes CPU from the same cores: figures of a profiled run run slower.
        for pid in worker_pids(portal.pid):
            out = stack.tmp / f"py-spy-{pid}.txt"
            profilers.append(
                subprocess.Popen(
                    [
                        str(Path(PY).parent / "py-spy"),
                        "record",
                        "--pid",
                        str(pid),
                        "--rate",
                        "500",
                        # Only threads holding the GIL: Python CPU time, not threads waiting
                        # on Harness, the database or Redis.
                        "--gil",
                        "--format",
                        "raw",
                        "--output",
                        str(out),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    remaining = TOTAL_BUDGET_S - (time.monotonic() - started)
    # The load generator: its own process (and GIL), so it does not slow the portal's threads.
    subprocess.run(
        [PY, "-m", "bench.load", "--config", str(config_path), "--out", str(raw_path)],
        cwd=ROOT,
        env=base_env,
        check=True,
        timeout=max(remaining, 60),
    )
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
    for profiler in profilers:
        profiler.wait(timeout=30)
    if profilers:
        print(f"py-spy profiles (collapsed stacks): {stack.tmp}/py-spy-*.txt")
    raw = json.loads(raw_path.read_text())
    workers_after = worker_pids(portal.pid)
    rss_end = {pid: rss_mb(pid) for pid in workers_after}
    new_worker = None
    if not config["only"] or "new_worker" in config["only"]:
        new_worker = measure_new_worker(stack, env, portal_port, setup["users"][0]["username"])
    return {
        "settings": {
            "latency_ms": LATENCY_MS,
            "levels": LEVELS,
            "duration_s": config["duration"],
            "direct_duration_s": config["direct_duration"],
            "users": USERS,
            "gunicorn": {
                "worker_class": "gthread",
                "workers": int(WORKERS),
                "threads": int(THREADS),
                "max_requests": 0,
            },
            "django_env": "production",
            "database": database,
            "cache": "redis",
            "cpus": os.cpu_count(),
            "machine_loop_ns": loop_ns,
            "setup_seconds": round(setup_seconds, 1),
        },
        "memory": {
            "worker_rss_mb_at_start": rss_start,
            "worker_rss_mb_after": rss_end,
            "workers_replaced": sorted(set(rss_start) ^ set(rss_end)),
            "master_rss_mb": rss_mb(portal.pid),
        },
        "new_worker": new_worker,
        **raw,
    }


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of `pid` so far, in clock ticks."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_until_booted(master: int, timeout: float) -> int:
    """The pid of `master`'s one worker once its boot is over: its CPU time stopped growing for
    half a second (an idle worker waiting for requests), without sending it any request."""
    deadline = time.monotonic() + timeout
    last: tuple[int, int] | None = None
    since = time.monotonic()
    while time.monotonic() < deadline:
        pids = worker_pids(master)
        if pids:
            with contextlib.suppress(OSError):
                now = (pids[0], cpu_ticks(pids[0]))
                if now != last:
                    last, since = now, time.monotonic()
                elif time.monotonic() - since >= 0.5:
                    return pids[0]
        time.sleep(0.05)
    raise RuntimeError(f"no idle gunicorn worker under {master} within {timeout} s")


def measure_new_worker(
    stack: Stack, env: dict[str, str], portal_port: int, username: str, rounds: int = 3
) -> dict[str, Any]:
    """The first requests a newly started worker serves (after a deploy, or when gunicorn
    recycles a worker after GUNICORN_MAX_REQUESTS): each round starts a gunicorn of one worker
    with the benchmark's settings, waits until its boot is over, then sends six filter changes
    one after the other and times each."""
    from bench.load import LIST, Client, htmx, sign_in

    headers = {"X-Forwarded-Proto": "https", "User-Agent": "portal-bench/1"}
    signing_in = Client("127.0.0.1", portal_port, dict(headers))
    cookies = sign_in(signing_in, username, PASSWORD)
    signing_in.close()
    times: list[list[float]] = []
    for number in range(rounds):
        port = free_port()
        name = f"portal-new-worker-{number}"
        prometheus = stack.tmp / f"prometheus-{name}"
        prometheus.mkdir()
        proc = stack.start(
            name,
            GUNICORN,
            {
                **env,
                "PORT": str(port),
                "GUNICORN_WORKERS": "1",
                "PROMETHEUS_MULTIPROC_DIR": str(prometheus),
            },
        )
        wait_until_booted(proc.pid, 60)
        client = Client("127.0.0.1", port, {**headers, "Accept-Encoding": "gzip"})
        client.cookies = dict(cookies)
        origin = f"https://127.0.0.1:{port}"
        round_times = []
        for _ in range(6):
            begin = time.perf_counter()
            reply = client.request(
                "GET", f"{LIST}?status=active", htmx("workspace-table", origin + LIST)
            )
            round_times.append(round((time.perf_counter() - begin) * 1000, 1))
            if reply.status != 200:
                raise RuntimeError(f"new worker: filter change answered {reply.status}")
        client.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        times.append(round_times)
    return {"request": "list, htmx partial (filter change)", "rounds_ms": times}


# --- the table -------------------------------------------------------------------------------


def _fmt(value: Any, spec: str = ".1f") -> str:
    if value is None:
        return "-"
    return format(value, spec)


def print_table(results: dict[str, Any]) -> None:
    s = results["settings"]
    print(
        f"\nportal: gunicorn gthread {s['gunicorn']['workers']} workers x "
        f"{s['gunicorn']['threads']} threads, DJANGO_ENV=production, {s['database']} + redis; "
        f"fake Harness latency {s['latency_ms']:g} ms; {s['cpus']} CPUs; "
        f"plain Python {s['machine_loop_ns']:g} ns per loop step (machine speed, lower is faster)"
    )
    head = (
        f"{'scenario':<17}{'conc':>5} |{'req/s':>7}{'p50':>7}{'p95':>7}{'p99':>7}{'err':>4}"
        f"{'calls/req':>10}{'KB/req':>7} |{'req/s':>7}{'p50':>6}{'p95':>6}{'p99':>6}{'err':>4}"
        f" |{'ms/req':>7}{'portal':>7}{'fake':>5}{'load':>5}{'other':>6}"
    )
    print(
        f"{'':<22} | {'portal (ms)':<49}| {'direct to the fake (ms)':<29}| portal CPU, cores used"
    )
    print(head)
    print("-" * len(head))
    for name, entry in results["scenarios"].items():
        for level, p in entry["portal"].items():
            d = entry["direct"].get(level, {})
            cpu = p.get("cpu", {})
            if "harness_calls_per_round" in p:
                rounds = p["harness_calls_per_round"]
                calls_text = f"{min(rounds)}-{max(rounds)}/rnd" if rounds else "-"
                if rounds and min(rounds) == max(rounds):
                    calls_text = f"{rounds[0]}/round"
            else:
                calls_text = _fmt(p["harness_calls_per_request"], ".2f")
            print(
                f"{name:<17}{level:>5} |{_fmt(p['rps']):>7}{_fmt(p['p50_ms']):>7}"
                f"{_fmt(p['p95_ms']):>7}{_fmt(p['p99_ms']):>7}{p['errors']:>4}{calls_text:>10}"
                f"{_fmt((p['bytes_per_request'] or 0) / 1024):>7} |{_fmt(d.get('rps'), '.0f'):>7}"
                f"{_fmt(d.get('p50_ms')):>6}{_fmt(d.get('p95_ms')):>6}{_fmt(d.get('p99_ms')):>6}"
                f"{d.get('errors', 0):>4} |{_fmt(p.get('portal_cpu_ms_per_request')):>7}"
                f"{cpu.get('portal_cores', 0):>7.2f}{cpu.get('fake_cores', 0):>5.2f}"
                f"{cpu.get('loadgen_cores', 0):>5.2f}{cpu.get('other_cores', 0):>6.2f}"
            )
    print(
        "calls/req: Harness calls per portal request (fake's counters); ms/req: portal CPU time "
        "per request;\nother: cores used by processes outside the benchmark (they compete for the "
        "same cores)."
    )
    weight = results.get("page_weight")
    if weight:
        print("\nlist page, first load (Accept-Encoding: gzip):")
        for item in weight["first_load"]:
            print(
                f"  {item['bytes']:>7} B  {item['encoding'] or 'identity':<8} {item['status']}  "
                f"{item['what']}: {item['path']}"
            )
        print(
            f"  {weight['first_load_bytes']:>7} B  total "
            f"(uncompressed HTML {weight['uncompressed_page_bytes']} B)"
        )
        print(
            f"filter change (htmx partial): {weight['filter_change_bytes']} B "
            f"{weight['filter_change_encoding'] or 'identity'} "
            f"(uncompressed {weight['uncompressed_filter_change_bytes']} B)"
        )
    mem = results["memory"]
    print(
        "\ngunicorn worker RSS after the run: "
        + ", ".join(f"{pid}: {mb} MB" for pid, mb in mem["worker_rss_mb_after"].items())
        + f" (at start: {', '.join(str(v) for v in mem['worker_rss_mb_at_start'].values())} MB)"
    )
    fresh = results.get("new_worker")
    if fresh:
        print("\nfirst requests to a newly started worker (filter change, one at a time, ms):")
        for number, round_times in enumerate(fresh["rounds_ms"], 1):
            print(f"  worker {number}: " + ", ".join(f"{ms:.1f}" for ms in round_times))
    across.print_across(results)
    print_figures(results)


def print_figures(results: dict[str, Any]) -> None:
    """The issue's figures, each with its verdict."""
    sc = results["scenarios"]
    checks: list[tuple[str, bool | None, str]] = []

    def get(name: str, level: str, side: str = "portal") -> dict[str, Any] | None:
        return sc.get(name, {}).get(side, {}).get(level)

    def ratio(scenario: str, limit: float, label: str) -> None:
        """`scenario`'s p50 at c=1 against the same call made directly, at most `limit` x."""
        p, d = get(scenario, "1"), get(scenario, "1", "direct")
        if p and d:
            value = p["p50_ms"] / d["p50_ms"]
            checks.append(
                (label, value <= limit, f"{p['p50_ms']} ms vs {d['p50_ms']} ms = {value:.3f} x")
            )

    ratio("list_partial", 1.15, "c=1 list partial p50 <= 1.15 x direct list call")
    ratio("wizard_3_pickers", 1.3, "wizard step, 3 pickers: p50 <= 1.3 x one picker call")
    warm = [v for v in sc.get("metrics_warm", {}).get("portal", {}).values()]
    if warm:
        calls = sum(v["harness_calls"] for v in warm)
        p1 = sc["metrics_warm"]["portal"].get("1") or warm[0]
        checks.append(
            (
                "warm metrics: 0 Harness calls, p50 < 10 ms",
                calls == 0 and p1["p50_ms"] < 10,
                f"{calls} calls, p50 {p1['p50_ms']} ms at c=1",
            )
        )
    cold = get("metrics_cold", "32")
    if cold:
        rounds = cold["harness_calls_per_round"]
        checks.append(
            (
                "32 concurrent cold metrics requests: 1 Harness call",
                bool(rounds) and all(n == 1 for n in rounds),
                f"calls per round {rounds}",
            )
        )
    p = get("list_partial", "32")
    if p:
        checks.append(
            (
                "c=32 list partial: >= 200 req/s, p95 < 250 ms, no errors",
                p["rps"] >= 200 and p["p95_ms"] < 250 and p["errors"] == 0,
                f"{p['rps']} req/s, p95 {p['p95_ms']} ms, {p['errors']} errors",
            )
        )
        cpu = p.get("portal_cpu_ms_per_request")
        checks.append(
            (
                "c=32 list partial: portal CPU <= 6 ms per request",
                cpu is not None and cpu <= 6,
                f"{_fmt(cpu)} ms of CPU per request",
            )
        )
    sub = [v for v in sc.get("submit", {}).get("portal", {}).values()]
    if sub:
        posts = sum(v["harness_routes"].get("iacm.workspaces.create", 0) for v in sub)
        n = sum(v["requests"] for v in sub)
        checks.append(
            ("submit: one POST per submit", posts == n and n > 0, f"{posts} POSTs for {n} submits")
        )
    weight = results.get("page_weight")
    if weight:
        checks.append(
            (
                "list page first load <= 100 KB",
                weight["first_load_bytes"] <= 100 * 1024,
                f"{weight['first_load_bytes'] / 1024:.1f} KB",
            )
        )
        checks.append(
            (
                "filter change <= 15 KB",
                weight["filter_change_bytes"] <= 15 * 1024,
                f"{weight['filter_change_bytes'] / 1024:.1f} KB",
            )
        )
    mem = results["memory"]["worker_rss_mb_after"]
    if mem:
        checks.append(
            (
                "gunicorn worker RSS < 150 MB after the run",
                max(mem.values()) < 150,
                f"max {max(mem.values())} MB",
            )
        )
    checks += status_across_figures(sc)
    checks += across.across_figures(results)
    results["figures"] = [{"figure": f, "reached": ok, "measured": m} for f, ok, m in checks]
    print("\nfigures (issues 8, 13 and 18):")
    for figure, reached, measured in checks:
        print(f"  [{'ok' if reached else 'MISSED'}] {figure}: {measured}")


if __name__ == "__main__":
    sys.exit(main())
