"""The cross-project list (`/workspaces/`, issue 18) in the benchmark: the fake has 40 projects
(`--extra-projects 34`), one IaCM list call per project.

Cold (rounds of one viewer): the list's job entries are deleted from Redis, the directory of
projects kept (and, separately, deleted too: "fully cold"); the full page is requested, then
the long polls it asks for, as htmx would, until the list is complete. Measured: the first
response with rows (the page shows at once, its first poll brings them) and the last
(complete), as multiples of one list call made straight to the fake; and the list calls per
project (must be exactly one). Then one
round of 8 viewers starting the same cold list at once (single-flight: still one call per
project). Warm: the complete list served from the cache, in the generic table (`across_warm`).

Imported by `load.py` (measuring, no Django) and `run.py` (the table and the verdicts).
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.load import Bench

ACROSS = "/workspaces/"
LIST_ROUTE = "iacm.workspaces.list"
_POLL = re.compile(rb'id="across-live"[^>]*hx-get="([^"]+)"')
_ROW = re.compile(rb"<tr>\s*<td[^>]*><a [^>]*href=")
COLD_ROUNDS = 16
CONCURRENT_VIEWERS = 8


def _region(bench: Bench) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": "across-live", "HX-Current-URL": bench.origin}


def _clear(bench: Bench, *names: str) -> None:
    import redis

    client = redis.Redis.from_url(bench.cfg["redis_url"])
    for name in names:
        keys = list(client.scan_iter(match=f"{bench.cfg['cache_prefix']}:*{name}:v1:*"))
        if keys:
            client.delete(*keys)


def _view(bench: Bench, user: int) -> dict[str, Any]:
    """One viewer: the full page, then the long polls until complete; times in ms. First rows:
    the first response (the page or a poll) that has rows, as the browser would show them."""
    client = bench.portal_client(user)
    client.base_headers.pop("Accept-Encoding")
    started = time.perf_counter()
    reply = client.request("GET", ACROSS)
    first_ms, first_rows = None, 0
    polls, statuses = 0, {reply.status}
    while True:
        if first_ms is None and (first_rows := len(_ROW.findall(reply.body))):
            first_ms = (time.perf_counter() - started) * 1000
        if not (poll := _POLL.search(reply.body)) or polls >= 200:
            break
        reply = client.request("GET", ACROSS + html.unescape(poll[1].decode()), _region(bench))
        statuses.add(reply.status)
        polls += 1
    client.close()
    complete_ms = (time.perf_counter() - started) * 1000
    return {
        "first_ms": round(first_ms if first_ms is not None else complete_ms, 1),
        "first_rows": first_rows,
        "complete_ms": round(complete_ms, 1),
        "polls": polls,
        "ok": statuses == {200} and not _POLL.search(reply.body),
    }


def _calls_per_project(bench: Bench) -> Counter:
    found: Counter = Counter()
    for entry in bench.control("GET", f"/_fake/log?route={LIST_ROUTE}")["requests"]:
        parts = entry["path"].split("/")
        found[f"{parts[parts.index('orgs') + 1]}/{parts[parts.index('projects') + 1]}"] += 1
    return found


def _cold_rounds(bench: Bench, *, directory: bool, rounds: int, viewers: int) -> dict[str, Any]:
    views, per_project = [], []
    for _ in range(rounds):
        _clear(bench, "across", *(["directory"] if directory else []))
        bench.control("DELETE", "/_fake/log")
        out: list[dict[str, Any]] = []
        threads = [
            threading.Thread(target=lambda i=i, out=out: out.append(_view(bench, i)))
            for i in range(viewers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        views += out
        per_project.append(_calls_per_project(bench))
    firsts = sorted(v["first_ms"] for v in views)
    completes = sorted(v["complete_ms"] for v in views)
    return {
        "rounds": rounds,
        "viewers": viewers,
        "first_ms_p50": firsts[len(firsts) // 2],
        "complete_ms_p50": completes[len(completes) // 2],
        "first_ms_max": firsts[-1],
        "complete_ms_max": completes[-1],
        "first_rows_min": min(v["first_rows"] for v in views),
        "polls_per_view": sorted({v["polls"] for v in views}),
        "all_ok": all(v["ok"] for v in views),
        "projects_called": sorted({len(c) for c in per_project}),
        "calls_per_project": sorted({n for c in per_project for n in c.values()}),
    }


def _one_list_call_ms(bench: Bench, entries: list[dict[str, Any]]) -> float:
    """p50 of the job's list calls made straight to the fake, one at a time."""
    from urllib.parse import urlencode

    client = bench.fake_client()
    times = []
    for _ in range(3):
        for entry in entries:
            query = urlencode([(k, v) for k, vs in entry["query"].items() for v in vs])
            started = time.perf_counter()
            client.request("GET", f"{entry['path']}?{query}")
            times.append((time.perf_counter() - started) * 1000)
    client.close()
    return round(sorted(times)[len(times) // 2], 1)


def run_across(bench: Bench) -> dict[str, Any]:
    """The cold figures (see the module docstring); the warm level runs in `load.main`."""
    _clear(bench, "across", "directory")
    bench.control("DELETE", "/_fake/log")
    _view(bench, 0)  # directory and job cached (and the workers' code paths warm)
    entries = bench.control("GET", f"/_fake/log?route={LIST_ROUTE}")["requests"]
    return {
        "projects": len(_calls_per_project(bench)),
        "one_list_call_ms": _one_list_call_ms(bench, entries),
        "cold": _cold_rounds(bench, directory=False, rounds=COLD_ROUNDS, viewers=1),
        "fully_cold": _cold_rounds(bench, directory=True, rounds=COLD_ROUNDS // 2, viewers=1),
        "concurrent_cold": _cold_rounds(
            bench, directory=False, rounds=2, viewers=CONCURRENT_VIEWERS
        ),
    }


def warm_entry(bench: Bench, levels: list[int], duration: float) -> dict[str, Any]:
    """The complete list served from the cache (the full page, repeated), per level, beside one
    list call straight to the fake: a row of the generic table."""
    from bench.load import _direct_from_log

    bench.control("DELETE", "/_fake/log")
    _view(bench, 0)
    entries = bench.control("GET", f"/_fake/log?route={LIST_ROUTE}")["requests"]
    direct = _direct_from_log(entries[:1]) or [("GET", ACROSS, {}, None, (200,))]
    req = ("GET", ACROSS, {}, None, (200,))
    entry: dict[str, Any] = {"title": "all workspaces, warm", "portal": {}, "direct": {}}
    for concurrency in levels:
        _view(bench, 0)  # the job is cached for ACROSS_CACHE_SECONDS: read it again if it expired
        result = bench.run_level(
            target="portal",
            concurrency=concurrency,
            make=lambda _t, _n: req,
            duration=duration,
            max_requests=20000,
        )
        entry["portal"][str(concurrency)] = result.summary()
        floor = bench.run_level(
            target="fake",
            concurrency=concurrency,
            make=lambda _t, _n: direct[0],
            duration=min(duration, 2.5),
            max_requests=20000,
        )
        entry["direct"][str(concurrency)] = floor.summary()
    return entry


# --- run.py: the table and the verdicts ------------------------------------------------------


def print_across(results: dict[str, Any]) -> None:
    across = results.get("across")
    if not across:
        return
    call = across["one_list_call_ms"]
    print(
        f"\nall workspaces, {across['projects']} projects, one list call straight to the fake "
        f"{call} ms (p50):"
    )
    for name, label in (
        ("cold", "cold (directory cached)"),
        ("fully_cold", "fully cold (directory too)"),
        ("concurrent_cold", f"cold, {CONCURRENT_VIEWERS} viewers at once"),
    ):
        r = across[name]
        print(
            f"  {label:<30} first rows p50 {r['first_ms_p50']:6.1f} ms = "
            f"{r['first_ms_p50'] / call:4.2f} x, complete p50 {r['complete_ms_p50']:6.1f} ms = "
            f"{r['complete_ms_p50'] / call:4.2f} x (max {r['first_ms_max']:.0f}/"
            f"{r['complete_ms_max']:.0f} ms), calls per project {r['calls_per_project']}, "
            f"polls {r['polls_per_view']}"
        )


def across_figures(results: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    across = results.get("across")
    if not across:
        return []
    call, cold = across["one_list_call_ms"], across["cold"]
    checks = [
        (
            "all workspaces, cold: first rows <= 1.5 x one list call",
            cold["first_ms_p50"] <= 1.5 * call and cold["first_rows_min"] > 0,
            f"p50 {cold['first_ms_p50']} ms = {cold['first_ms_p50'] / call:.2f} x {call} ms",
        ),
        (
            "all workspaces, cold: complete <= 8 x one list call",
            cold["complete_ms_p50"] <= 8 * call and cold["all_ok"],
            f"p50 {cold['complete_ms_p50']} ms = {cold['complete_ms_p50'] / call:.2f} x",
        ),
    ]
    calls = {
        n
        for name in ("cold", "fully_cold", "concurrent_cold")
        for n in across[name]["calls_per_project"]
    }
    checks.append(
        (
            "all workspaces: one list call per project, none repeated",
            calls == {1} and across["cold"]["projects_called"] == [across["projects"]],
            f"calls per project {sorted(calls)} over {across['projects']} projects "
            f"(also with {CONCURRENT_VIEWERS} viewers at once)",
        )
    )
    warm = results["scenarios"].get("across_warm", {}).get("portal", {}).get("1")
    if warm:
        checks.append(
            (
                "all workspaces, warm: p50 < 100 ms, no Harness call",
                warm["p50_ms"] < 100 and warm["harness_calls"] == 0,
                f"p50 {warm['p50_ms']} ms, {warm['harness_calls']} calls",
            )
        )
    return checks
