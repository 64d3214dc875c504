"""The circuit breaker: opens after repeated failures, fails fast, recovers by itself."""

import pytest

from workspaces.harness import HarnessClient, HarnessNotFound, HarnessUnavailable
from workspaces.harness.breaker import CircuitBreaker, CircuitOpen, configure_breakers

FULL = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.dEmOfUlLaCcEsS00000001"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_and_lets_one_trial_through_after_cooldown():
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=clock)
    for _ in range(3):
        breaker.before_call()
        breaker.record_failure()

    with pytest.raises(CircuitOpen):
        breaker.before_call()
    clock.now += 10
    breaker.before_call()  # the trial
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # only one trial at a time
    breaker.record_success()
    breaker.before_call()
    assert not breaker.is_open


def test_failed_trial_opens_again():
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=2, cooldown=5, clock=clock)
    for _ in range(2):
        breaker.record_failure()
    clock.now += 5
    breaker.before_call()

    breaker.record_failure()

    with pytest.raises(CircuitOpen):
        breaker.before_call()


def test_success_resets_the_count():
    breaker = CircuitBreaker(threshold=3, cooldown=5)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()

    breaker.before_call()
    assert not breaker.is_open


def test_client_stops_calling_a_failing_harness_and_recovers(fake, fake_server):
    configure_breakers(threshold=3, cooldown=0.3)
    try:
        client = HarnessClient(fake_server.base_url, "AcmeDemoAcct01", FULL, timeout=(1, 1))
        fake.inject("iacm.tags", status=500, times=100)
        for _ in range(3):
            with pytest.raises(HarnessUnavailable):
                client.list_tags(org="default", project="infra")
        calls_when_opened = len(fake.log(route="iacm.tags"))

        for _ in range(5):
            with pytest.raises(CircuitOpen):
                client.list_tags(org="default", project="infra")

        assert len(fake.log(route="iacm.tags")) == calls_when_opened
        fake.clear_faults()
        import time

        time.sleep(0.35)
        assert client.list_tags(org="default", project="infra")
    finally:
        configure_breakers(threshold=5, cooldown=10.0)


def test_client_errors_do_not_open_the_circuit(fake, fake_server):
    configure_breakers(threshold=2, cooldown=30)
    try:
        client = HarnessClient(fake_server.base_url, "AcmeDemoAcct01", FULL, timeout=(1, 1))
        for _ in range(4):
            with pytest.raises(HarnessNotFound):
                client.get_workspace(org="default", project="infra", identifier="nope_nope")

        assert client.list_tags(org="default", project="infra")
    finally:
        configure_breakers(threshold=5, cooldown=10.0)
