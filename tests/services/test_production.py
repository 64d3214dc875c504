"""The production profile against the real servers: the deploy check and /readyz."""

import re
import signal
import time

import pytest
import redis
import requests

from tests.services.conftest import HOST, Visitor, manage, start_replica

pytestmark = pytest.mark.services


def test_check_deploy_with_production_settings_has_no_warnings(production_env):
    output = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")

    assert "System check identified no issues" in output
    assert "W001" not in output  # HARNESS_TOKEN_KEYS is set: no insecure-key warning


def _readyz(replica) -> requests.Response:
    return requests.get(
        f"{replica.url}/readyz", headers={"Host": HOST, "X-Forwarded-Proto": "https"}, timeout=10
    )


def test_a_stopped_redis_is_reported_and_the_portal_keeps_serving(production_env, throwaway_redis):
    """/readyz was 503 on every replica at once while Redis was down, and every signed-in page
    and sign-in a 500, though sessions live in PostgreSQL."""
    port, redis_process = throwaway_redis
    env = {**production_env, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    replica = start_replica(env, "replica-readyz", workers=1, threads=2)
    alice, bob = Visitor(), Visitor()
    try:
        alice.sign_in(replica)
        ready = _readyz(replica)
        redis_process.terminate()
        redis_process.wait(timeout=10)
        stopped = _readyz(replica)
        health = requests.get(f"{replica.url}/healthz", headers={"Host": HOST}, timeout=10)
        signed_in_page = alice.get(replica, "/drafts/")
        bob.sign_in(replica)  # asserts the redirect of a successful sign-in
        new_session_page = bob.get(replica, "/drafts/")
    finally:
        replica.stop()

    assert ready.status_code == 200, ready.text
    assert {name: check["status"] for name, check in ready.json()["checks"].items()} == {
        "configuration": "ok",
        "database": "ok",
        "cache": "ok",
        "harness": "ok",
    }
    assert stopped.status_code == 200  # reported, never a reason to leave service
    assert stopped.json()["status"] == "ok"
    checks = stopped.json()["checks"]
    assert checks["cache"]["status"] == "fail"
    assert checks["cache"]["error"] == "ConnectionError"
    assert checks["cache"]["duration_ms"] < 3000
    assert checks["database"]["status"] == "ok"
    assert checks["harness"]["status"] == "ok"
    assert checks["configuration"]["status"] == "ok"
    assert "127.0.0.1" not in stopped.text
    assert "redis://" not in stopped.text
    assert health.status_code == 200  # liveness does not depend on Redis
    assert signed_in_page.status_code == 200
    assert 'title="Signed in as alice"' in signed_in_page.text
    assert new_session_page.status_code == 200
    assert any('"logger": "portal.cache"' in line for line in replica.log_lines())


def test_a_hung_redis_costs_a_page_one_timeout_not_one_per_cache_command(
    production_env, throwaway_redis
):
    """A Redis that hangs instead of refusing (overloaded, or a partition that lets connections
    through; here a real one stopped with SIGSTOP) made every cache command wait REDIS_TIMEOUT
    (2 s), and a page makes several: every page took seconds for as long as it hung. Now one
    command waits; the process then skips Redis for CACHE_RETRY_AFTER_SECONDS, and uses it again
    as soon as it answers."""
    port, redis_process = throwaway_redis
    env = {
        **production_env,
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "CACHE_RETRY_AFTER_SECONDS": "3",
        "REDIS_TIMEOUT": "1",  # the wait a hung Redis costs one command (2 s by default)
    }
    replica = start_replica(env, "replica-hung-redis", workers=1, threads=2)
    alice = Visitor()
    timings: list[tuple[int, float]] = []
    try:
        alice.sign_in(replica)
        redis_process.send_signal(signal.SIGSTOP)
        try:
            for index in range(4):
                started = time.monotonic()
                page = alice.get(replica, "/drafts/")
                timings.append((page.status_code, time.monotonic() - started))
                if index == 0:  # its command failed: the delay starts
                    paused_at = time.monotonic()
        finally:
            redis_process.send_signal(signal.SIGCONT)
        came_back = redis.Redis(port=port, socket_timeout=2)
        came_back.flushall()
        # The delay (3 s from the first page's failed command) ends: the next command asks Redis.
        time.sleep(max(0.0, paused_at + 3.2 - time.monotonic()))
        again = alice.get(replica, "/drafts/")
        cached_sessions = [key for key in came_back.scan_iter() if b"cached_db" in key]
        token = env["METRICS_BEARER_TOKEN"]
        metrics = alice.get(replica, "/metrics", headers={"Authorization": f"Bearer {token}"})
    finally:
        replica.stop()

    assert [status for status, _ in timings] == [200] * 4
    first, *rest = [seconds for _, seconds in timings]
    assert first < 1.9, f"{first:.1f} s: more than one cache command waited for the hung Redis"
    assert max(rest) < 1.0, f"{timings}: pages still wait for the hung Redis"
    assert again.status_code == 200
    assert cached_sessions, "Redis answers again, but the portal does not use it"
    assert re.search(
        r'portal_cache_errors_total\{operation="get",result="failed"\} [1-9]', metrics.text
    )
    assert re.search(
        r'portal_cache_errors_total\{operation="\w+",result="skipped"\} [1-9]', metrics.text
    )
