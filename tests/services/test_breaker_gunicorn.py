"""The circuit breaker in a real gunicorn worker (issue 14, point 1).

A deeply nested answer used to raise RecursionError inside the trial call after the cooldown, so
the trial was never settled and the worker answered "pausing" until it was restarted. One
replica of its own (one worker, so every request meets the same breaker) with a short cooldown.
5xx answers open the circuit; an unreadable answer is Harness answering (the data is the
problem, not an outage), so a trial answered with one closes it.
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
UNREADABLE = "Harness sent an answer we could not read"
FAILED = "Harness answered with an error (HTTP 500)"
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


def test_the_list_is_served_again_after_a_trial_answered_with_a_deeply_nested_body(
    breaker_replica, harness_fake_server
):
    fake = harness_fake_server
    visitor = Visitor()
    visitor.sign_in(breaker_replica)
    clean = visitor.get(breaker_replica, LIST, headers=TABLE)
    assert clean.status_code == 200
    rows = clean.text.count("<tr")
    assert rows > 1

    fake.inject(ROUTE, status=500, times=2)
    failures = [visitor.get(breaker_replica, LIST, headers=TABLE) for _ in range(2)]
    calls = len(fake.log(route=ROUTE))
    paused = visitor.get(breaker_replica, LIST, headers=TABLE)
    calls_while_paused = len(fake.log(route=ROUTE)) - calls
    time.sleep(COOLDOWN + 0.2)
    fake.inject(ROUTE, status=200, body=DEEP, times=1)
    unreadable_trial = visitor.get(breaker_replica, LIST, headers=TABLE)
    fake.clear_faults()
    recovered = visitor.get(breaker_replica, LIST, headers=TABLE)  # no second cooldown

    for response in failures:
        assert response.status_code == 200
        assert FAILED in response.text
    assert paused.status_code == 200
    assert PAUSING in paused.text
    assert calls_while_paused == 0
    assert unreadable_trial.status_code == 200
    assert UNREADABLE in unreadable_trial.text
    assert recovered.status_code == 200
    assert recovered.text.count("<tr") == rows
    assert PAUSING not in recovered.text
