"""The circuit breaker in a real gunicorn worker (issue 14, point 1).

A deeply nested answer used to raise RecursionError inside the trial call after the cooldown, so
the trial was never settled and the worker answered "pausing" until it was restarted. One
replica of its own (one worker, so every request meets the same breaker) with a short cooldown.
"""

import time

import pytest

from tests.services.conftest import Visitor, start_replica

pytestmark = pytest.mark.services

LIST = "/orgs/default/projects/infra/workspaces/"
TABLE = {"HX-Request": "true", "HX-Target": "workspace-table"}
ROUTE = "iacm.workspaces.list"
DEEP = "[" * 100_000 + "]" * 100_000
COOLDOWN = 1.0
UNAVAILABLE = "Harness sent an answer we could not read"
PAUSING = "pausing calls"


@pytest.fixture(scope="module")
def breaker_replica(production_env):
    env = {
        **production_env,
        "HARNESS_BREAKER_THRESHOLD": "2",
        "HARNESS_BREAKER_COOLDOWN": str(COOLDOWN),
    }
    replica = start_replica(env, "breaker", workers=1, threads=2)
    yield replica
    replica.stop()


def test_the_list_is_served_again_after_deeply_nested_answers_trip_the_breaker(
    breaker_replica, harness_fake_server
):
    fake = harness_fake_server
    visitor = Visitor()
    visitor.sign_in(breaker_replica)
    clean = visitor.get(breaker_replica, LIST, headers=TABLE)
    assert clean.status_code == 200
    rows = clean.text.count("<tr")
    assert rows > 1

    fake.inject(ROUTE, status=200, body=DEEP, times=2)
    failures = [visitor.get(breaker_replica, LIST, headers=TABLE) for _ in range(2)]
    calls = len(fake.log(route=ROUTE))
    paused = visitor.get(breaker_replica, LIST, headers=TABLE)
    calls_while_paused = len(fake.log(route=ROUTE)) - calls
    time.sleep(COOLDOWN + 0.2)
    fake.inject(ROUTE, status=200, body=DEEP, times=1)
    failed_trial = visitor.get(breaker_replica, LIST, headers=TABLE)
    fake.clear_faults()
    paused_again = visitor.get(breaker_replica, LIST, headers=TABLE)
    time.sleep(COOLDOWN + 0.2)
    recovered = visitor.get(breaker_replica, LIST, headers=TABLE)

    for response in [*failures, failed_trial]:
        assert response.status_code == 200
        assert UNAVAILABLE in response.text
    assert paused.status_code == 200
    assert PAUSING in paused.text
    assert calls_while_paused == 0
    assert PAUSING in paused_again.text
    assert recovered.status_code == 200
    assert recovered.text.count("<tr") == rows
    assert PAUSING not in recovered.text
