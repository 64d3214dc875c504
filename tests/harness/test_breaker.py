"""The circuit breaker: opens after repeated failures, fails fast, recovers by itself."""

import json
import time

import pytest

from workspaces.harness import HarnessClient, HarnessNotFound, HarnessUnavailable
from workspaces.harness.breaker import (
    CircuitBreaker,
    CircuitOpen,
    breaker_count,
    breaker_for,
    configure_breakers,
)

from .conftest import ACCOUNT, FULL_KEY, OTHER_ACCOUNT, OTHER_KEY

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


def test_the_trial_is_reported_and_can_be_released():
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=1, cooldown=5, clock=clock)
    assert breaker.before_call() is False  # closed: not a trial
    breaker.record_failure()
    clock.now += 5

    assert breaker.before_call() is True
    breaker.release_trial()

    assert breaker.before_call() is True  # the next call is a new trial, not "pausing"
    assert breaker.is_open


DEEP = "[" * 100_000 + "]" * 100_000
TAGS_ROUTE = "/iacm/api/orgs/{org}/projects/{project}/tags"


@pytest.fixture
def breakers():
    """`configure_breakers` for one test; the defaults again afterwards."""
    yield configure_breakers
    configure_breakers(threshold=5, cooldown=10.0)


def _open_the_tags_circuit(fake, client, failures):
    fake.inject("iacm.tags", status=500, times=failures)
    for _ in range(failures):
        with pytest.raises(HarnessUnavailable):
            client.list_tags(org="default", project="infra")
    with pytest.raises(CircuitOpen):
        client.list_tags(org="default", project="infra")


def _list_tags_with_a_bug(client, error):
    """The tags call, with a parser that raises `error` (a programming error, not Harness's)."""

    def broken_parse(reply):
        raise error

    with pytest.raises(type(error)):
        client._call("GET", TAGS_ROUTE, {"org": "default", "project": "infra"}, parse=broken_parse)


def test_a_programming_error_in_the_trial_releases_it(fake, make_client, breakers):
    breakers(threshold=2, cooldown=0.2)
    client = make_client()
    _open_the_tags_circuit(fake, client, 2)
    time.sleep(0.25)

    _list_tags_with_a_bug(client, TypeError("a bug in a parser"))

    # Before the fix the trial stayed "in flight" for good: CircuitOpen until a restart.
    assert client.list_tags(org="default", project="infra")


def test_programming_errors_are_not_counted_as_harness_failures(fake, make_client, breakers):
    breakers(threshold=2, cooldown=30)
    client = make_client()

    for _ in range(3):
        _list_tags_with_a_bug(client, KeyError("a bug in a parser"))

    assert client.list_tags(org="default", project="infra")


def test_a_trial_answered_with_a_deeply_nested_body_settles_the_breaker(
    fake, make_client, breakers
):
    breakers(threshold=1, cooldown=0.2)
    client = make_client()
    _open_the_tags_circuit(fake, client, 1)
    time.sleep(0.25)
    fake.inject("iacm.tags", status=200, body=DEEP)

    with pytest.raises(HarnessUnavailable) as excinfo:  # the trial: it fails, not crashes
        client.list_tags(org="default", project="infra")

    assert excinfo.value.message == "Harness sent an answer we could not read"
    # Harness answered (its body is the problem, not an outage): the circuit is closed again.
    assert client.list_tags(org="default", project="infra")


def test_unreadable_answers_never_open_the_circuit(fake, make_client, breakers):
    breakers(threshold=2, cooldown=30)
    client = make_client()
    fake.inject("iacm.tags", status=200, body=DEEP, times=5)

    for _ in range(5):
        with pytest.raises(HarnessUnavailable) as excinfo:
            client.list_tags(org="default", project="infra")
        assert not isinstance(excinfo.value, CircuitOpen)

    assert client.list_tags(org="default", project="infra")
    assert len(fake.log(route="iacm.tags")) == 6


def test_a_failing_project_pauses_that_project_only(fake, make_client, breakers):
    breakers(threshold=2, cooldown=30)
    client = make_client()
    fake.inject("iacm.tags", status=500, times=2, path="/projects/infra/")
    for _ in range(2):
        with pytest.raises(HarnessUnavailable):
            client.list_tags(org="default", project="infra")

    with pytest.raises(CircuitOpen):
        client.list_tags(org="default", project="infra")
    assert client.list_tags(org="default", project="sandbox")


def test_the_number_of_breakers_is_bounded_least_recently_used_first(breakers):
    breakers(threshold=1, cooldown=30, max_breakers=2)
    route = "GET /iacm/api/orgs/{org}/projects/{project}/tags"

    def breaker(project):
        return breaker_for("https://h.example", route, account=ACCOUNT, org="o", project=project)

    breaker("a").record_failure()
    breaker("b").record_failure()
    assert breaker("a").is_open  # used again: "b" is now the least recently used

    breaker("c")  # one too many: "b" is dropped

    assert breaker_count() == 2
    assert breaker("a").is_open  # kept
    assert not breaker("b").is_open  # made again, closed (and "c" dropped for it)
    assert breaker_count() == 2


def test_one_failing_route_does_not_pause_the_others(fake, make_client, breakers):
    breakers(threshold=2, cooldown=30)
    client = make_client()
    _open_the_tags_circuit(fake, client, 2)

    page = client.list_workspaces(org="default", project="infra")
    metrics = client.workspace_metrics(org="default", project="infra")

    assert page.items
    assert metrics
    with pytest.raises(CircuitOpen):
        client.list_tags(org="default", project="infra")


ODD = json.dumps({"identifier": "odd", "name": "odd\u0000"})


@pytest.mark.parametrize(
    "fault", [{"status": 200, "body": ODD}, {"status": 500}], ids=["unreadable", "500"]
)
def test_one_accounts_failing_workspace_does_not_pause_workspaces_for_every_account(
    fake, make_client, breakers, fault
):
    """One workspace in another account holds a value the portal refuses to read (a NUL): a
    property of that record, not a Harness outage. Its owner reloading its page five times
    must not stop every other account from opening any workspace (and from the create
    reconcile and identifier check, which use the same GET)."""
    breakers(threshold=5, cooldown=30)
    other = make_client(key=OTHER_KEY, account=OTHER_ACCOUNT)
    acme = make_client(key=FULL_KEY, account=ACCOUNT)
    identifier = acme.list_workspaces(org="default", project="infra", limit=1).items[0].identifier
    fake.inject("iacm.workspaces.get", times=5, path="/projects/misc/", **fault)

    for _ in range(5):
        with pytest.raises(HarnessUnavailable):
            other.get_workspace(org="default", project="misc", identifier="odd")

    # Another account, another project, a perfectly readable workspace:
    workspace = acme.get_workspace(org="default", project="infra", identifier=identifier)
    assert workspace.identifier == identifier
