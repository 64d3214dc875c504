"""The production profile against the real servers: the deploy check and /readyz."""

import subprocess
import time

import pytest
import redis
import requests

from tests.services.conftest import HOST, free_port, manage, start_replica

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


def test_readyz_reports_a_stopped_redis(production_env, throwaway_redis):
    port, redis_process = throwaway_redis
    env = {**production_env, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    replica = start_replica(env, "replica-readyz", workers=1, threads=2)
    try:
        ready = _readyz(replica)
        redis_process.terminate()
        redis_process.wait(timeout=10)
        stopped = _readyz(replica)
        health = requests.get(f"{replica.url}/healthz", headers={"Host": HOST}, timeout=10)
    finally:
        replica.stop()

    assert ready.status_code == 200, ready.text
    assert {name: check["status"] for name, check in ready.json()["checks"].items()} == {
        "configuration": "ok",
        "database": "ok",
        "cache": "ok",
        "harness": "ok",
    }
    assert stopped.status_code == 503
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
