"""The production profile against the real servers: the deploy check and /readyz."""

import subprocess
import time

import pytest
import redis
import requests

from tests.services.conftest import HOST, Visitor, free_port, manage, start_replica

pytestmark = pytest.mark.services


def test_check_deploy_with_production_settings_has_no_warnings(production_env):
    output = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")

    assert "System check identified no issues" in output
    assert "W001" not in output  # HARNESS_TOKEN_KEYS is set: no insecure-key warning


def _readyz(replica) -> requests.Response:
    return requests.get(
        f"{replica.url}/readyz", headers={"Host": HOST, "X-Forwarded-Proto": "https"}, timeout=10
    )


@pytest.fixture
def throwaway_redis():
    """A redis-server of our own on a free port (the machine's Redis is never stopped)."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis(port=port, socket_timeout=1).ping()
            break
        except redis.RedisError:
            time.sleep(0.1)
    yield port, process
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


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
