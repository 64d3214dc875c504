"""A failed project of a cross-project job read again (`retries`): its "Try again" never shortens
the job's lifetime, takes one of the key's job slots, is offered again when abandoned or refused;
a call Harness asked to hold (Retry-After) waits or fails at once."""

import time

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.across.test_fanout import SANDBOX
from tests.conftest import ACCOUNT, FULL_KEY
from workspaces.across import fanout, retries
from workspaces.across.directory import ProjectRef
from workspaces.across.project_call import failed_result
from workspaces.clients import harness_client
from workspaces.forms import ListQuery


def _seconds_left(key: str) -> float:
    # LocMemCache (the test settings' cache) keeps each key's expiry time here.
    return cache._expire_info[cache.make_and_validate_key(key)] - time.time()


def _failed_job(base: str, *refs: ProjectRef, complete: bool = True):
    """A job (run "r1") of `refs` whose every project failed retryably, in the cache: its meta,
    the failed answer, and the cache key of the first project's answer."""
    meta = fanout.JobMeta(
        run="r1",
        projects=[ref.key for ref in refs],
        sort="name,ASC",
        started=time.time(),
        complete=complete,
        truncated=False,
        refused=False,
        fresh_until=None,
    )
    cache.set(base, meta, timeout=fanout.run_ttl())
    failed = failed_result("Harness answered 503.", retryable=True)
    for ref in refs:
        cache.set(fanout._project_key(base, "r1", ref.key), failed, timeout=fanout.run_ttl())
    return meta, failed, fanout._project_key(base, "r1", refs[0].key)


def test_try_again_while_the_job_runs_keeps_the_runs_lifetime(fake):
    base = "across:test:running"
    meta, _, key = _failed_job(base, SANDBOX, complete=False)
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)

    started = retries.project_retry(
        client=client, fingerprint="fp", base=base, meta=meta, ref=SANDBOX, query=ListQuery()
    )

    assert started
    assert _seconds_left(base) > settings.ACROSS_CACHE_SECONDS + 1
    deadline = time.monotonic() + 5
    while cache.get(key)["state"] == "pending" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get(key)["state"] == "listed"  # the one project was read again


def test_a_try_again_abandoned_by_an_exiting_worker_offers_try_again_again(fake, exiting_worker):
    from tests.across.support import LIST, join_jobs

    base = "across:test:abandoned"
    meta, failed, key = _failed_job(base, SANDBOX)
    fake.inject(LIST, delay_ms=500, times=1)
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
    assert retries.project_retry(
        client=client, fingerprint="fp", base=base, meta=meta, ref=SANDBOX, query=ListQuery()
    )
    assert cache.get(key)["state"] == "pending"

    exiting_worker()
    join_jobs()

    assert cache.get(key) == failed  # shown as failed, with its "Try again", not as loading
    assert cache.get(f"{key}:retry") is None  # which may be pressed at once


def test_a_retry_that_read_more_matches_while_the_job_ran_marks_the_completed_job(fake):
    from tests.across.support import LIST, join_jobs

    fake.inject(LIST, delay_ms=300, times=1)
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
    base = "across:test:truncated"
    meta = fanout.job_start(
        client=client, base=base, fingerprint="fp", refs=(SANDBOX,), query=ListQuery(), meta=None
    )
    # Meanwhile a "Try again" of another project of the job read more than it could show.
    retries._note_truncated(base, meta["run"])
    assert not cache.get(base)["complete"] and not cache.get(base)["truncated"]

    join_jobs()

    assert cache.get(base)["complete"] and cache.get(base)["truncated"]


def test_a_call_held_by_a_retry_after_waits_it_out_within_a_read_timeout(fake):
    from tests.across.support import listed_projects
    from workspaces.across.project_call import list_project
    from workspaces.harness.breaker import hold_calls

    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
    hold_calls(client.base_url, ACCOUNT, seconds=0.3)  # Harness said wait, on another call

    started = time.monotonic()
    listed = list_project(client, SANDBOX, ListQuery())

    assert listed["state"] == "listed"
    assert 0.25 < time.monotonic() - started < 2
    assert listed_projects(fake) == ["default/sandbox"]


def test_a_call_held_longer_than_a_read_timeout_fails_at_once_until_the_wait_is_over(fake):
    from tests.across.support import listed_projects
    from workspaces.across.project_call import list_project
    from workspaces.harness.breaker import hold_calls

    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
    hold_calls(client.base_url, ACCOUNT, seconds=30)

    started = time.monotonic()
    failed = list_project(client, SANDBOX, ListQuery())

    assert time.monotonic() - started < 0.5
    assert failed["state"] == "failed" and failed["retryable"]
    assert "Try again in about 30 seconds." in failed["error"]
    assert 28 < failed["retry_at"] - time.time() <= 30  # a page loaded sooner does not re-read
    assert listed_projects(fake) == []


def test_a_jobs_retries_take_one_of_the_keys_job_slots_while_they_run(fake, settings):
    from tests.across.support import LIST, join_jobs
    from workspaces.across.slots import job_slots

    settings.ACROSS_MAX_JOBS_PER_KEY = 1
    base = "across:test:slots"
    infra = ProjectRef("default", "Default", "infra", "Infrastructure")
    meta, _, _ = _failed_job(base, SANDBOX, infra)
    fake.inject(LIST, delay_ms=400, times=2)
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
    retry = {"client": client, "fingerprint": "fp", "base": base, "meta": meta}

    assert retries.project_retry(**retry, ref=SANDBOX, query=ListQuery())
    assert retries.project_retry(**retry, ref=infra, query=ListQuery())  # joins: no 2nd slot
    refused = job_slots.take("fp")  # a new search of the key's meanwhile
    join_jobs()

    assert "You already have 1 cross-project list loading" in str(refused)
    assert job_slots.take("fp") is None  # the retries gave their slot back
    job_slots.give_back("fp")


def test_try_again_without_a_job_slot_is_refused_and_offered_again(fake, settings):
    from workspaces.across.slots import job_slots
    from workspaces.feedback import PortalBusy

    settings.ACROSS_MAX_JOBS_PER_KEY = 1
    base = "across:test:refused"
    meta, failed, key = _failed_job(base, SANDBOX)
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
    assert job_slots.take("fp") is None  # the key's one list is loading
    try:
        with pytest.raises(PortalBusy):
            retries.project_retry(
                client=client,
                fingerprint="fp",
                base=base,
                meta=meta,
                ref=SANDBOX,
                query=ListQuery(),
            )
    finally:
        job_slots.give_back("fp")

    assert cache.get(key) == failed and cache.get(f"{key}:retry") is None


def test_try_again_on_a_finished_job_keeps_every_answer_as_long_as_its_meta(fake):
    base = "across:test:finished"
    infra = ProjectRef("default", "Default", "infra", "Infra")
    meta, _, _ = _failed_job(base, SANDBOX, infra)
    infra_key = fanout._project_key(base, "r1", infra.key)
    cache.touch(infra_key, 2)  # written early in the job: about to expire
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)

    assert retries.project_retry(
        client=client, fingerprint="fp", base=base, meta=meta, ref=SANDBOX, query=ListQuery()
    )

    # The other project's answer outlives the meta the retry kept: the list is not read again
    # whole once it expires under it.
    assert _seconds_left(infra_key) >= _seconds_left(base) >= settings.ACROSS_CACHE_SECONDS - 1
    retries_done = time.monotonic() + 5
    while cache.get(fanout._project_key(base, "r1", SANDBOX.key))["state"] == "pending":
        assert time.monotonic() < retries_done
        time.sleep(0.01)


def test_a_page_reading_several_failed_projects_again_keeps_the_job_once(fake, monkeypatch):
    from tests.across.support import join_jobs

    base = "across:test:reread"
    infra = ProjectRef("default", "Default", "infra", "Infra")
    meta, _, _ = _failed_job(base, SANDBOX, infra)
    for ref in (SANDBOX, infra):  # both due now
        key = fanout._project_key(base, "r1", ref.key)
        cache.set(key, {**cache.get(key), "retry_at": 0.0}, timeout=fanout.run_ttl())
    extended = []
    monkeypatch.setattr(retries, "job_extend", lambda *a, **kw: extended.append(a))
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)

    started = retries.reread_due(
        client=client,
        fingerprint="fp",
        base=base,
        meta=meta,
        refs=(SANDBOX, infra),
        query=ListQuery(),
    )
    join_jobs()

    assert started
    assert len(extended) == 1  # one renewal of every answer, not one per project read again
