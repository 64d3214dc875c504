"""The cross-project status strip's scenarios (issue 18): its requests for `load.py` and its
figures for `run.py`, kept apart so that each file only calls them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.load import Bench, Req


STATUS_ACROSS = "/workspaces/status/"


def status_across_plans(bench: Bench) -> list[dict[str, Any]]:
    """The status strip of every project (40 with the fake's --extra-projects 34), as the
    cross-project list loads it: warm, then on an emptied metrics cache (the project directory
    stays cached: it is not what this measures)."""
    from bench.load import htmx

    req: Req = (
        "GET",
        f"{STATUS_ACROSS}?window=7d",
        htmx("status-across", f"{bench.origin}/workspaces/"),
        None,
        (200,),
    )
    return [
        {
            "name": "across_strip_warm",
            "title": "cross-project status strip, warm cache",
            "make": lambda _thread, _n: req,
            "prime": req,
        },
        {
            "name": "across_strip_cold",
            "title": "cross-project status strip, cold metrics cache",
            "make": lambda _thread, _n: req,
            "cold": True,
        },
    ]


def status_across_figures(sc: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    """Issue 18: the cross-project status strip, 40 projects, fake at 50 ms."""
    checks: list[tuple[str, bool | None, str]] = []
    cold = sc.get("across_strip_cold", {}).get("portal", {}).get("32")
    if cold:
        metrics = cold["harness_routes"].get("iacm.metrics", 0)
        rounds = cold["harness_calls_per_round"]
        checks.append(
            (
                "cross-project status strip, 32 cold viewers: <= 1 metrics call per project (40)",
                bool(rounds) and max(rounds) <= 40,
                f"Harness calls per round {rounds} ({metrics} metrics calls in "
                f"{cold['rounds']} rounds); p50 {cold['p50_ms']} ms, p95 {cold['p95_ms']} ms",
            )
        )
    warm = sc.get("across_strip_warm", {}).get("portal", {})
    if warm:
        calls = sum(v["harness_calls"] for v in warm.values())
        p1 = warm.get("1") or next(iter(warm.values()))
        checks.append(
            (
                "cross-project status strip, warm: 0 Harness calls",
                calls == 0,
                f"{calls} calls; p50 {p1['p50_ms']} ms at c=1"
                + "".join(f", {v['p50_ms']} ms at c={k}" for k, v in warm.items() if k != "1"),
            )
        )
    return checks
