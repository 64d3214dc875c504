"""The fan-out's job state in the cache: a retry never shortens a running job's lifetime."""

import time

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.conftest import ACCOUNT, FULL_KEY
from workspaces.across import fanout, retries
from workspaces.across.directory import ProjectRef
from workspaces.across.project_call import failed_result
from workspaces.clients import harness_client
from workspaces.forms import ListQuery

SANDBOX = ProjectRef("default", "Default", "sandbox", "Sandbox")


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
    )
    cache.set(base, meta, timeout=fanout._run_ttl())
    failed = failed_result("Harness answered 503.", retryable=True)
    for ref in refs:
        cache.set(fanout._project_key(base, "r1", ref.key), failed, timeout=fanout._run_ttl())
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


def test_a_job_longer_than_its_entries_lifetime_completes_once(
    signed_in_with_key, fake, settings, monkeypatch
):
    from tests.across.support import LIST, URL, follow, join_jobs, listed_projects

    # Entries written for 0.9 s (cache 0.5 s + lock 0.4 s), renewed every 0.1 s; one project
    # answers after 1.5 s.
    settings.ACROSS_CACHE_SECONDS = 0.5
    monkeypatch.setattr(fanout, "stale_after", lambda: 0.4)
    fake.inject(LIST, delay_ms=1500, times=1, path="/projects/core/")

    first = signed_in_with_key.get(URL)
    time.sleep(1.2)  # the meta, counter and first answers would have expired by now
    last = follow(signed_in_with_key, first)

    content = last.content.decode()
    assert "could not be started" not in content
    assert "from 6 projects" in content
    join_jobs()
    assert sorted(listed_projects(fake)) == sorted(set(listed_projects(fake)))  # none twice
    assert len(listed_projects(fake)) == 6


def _fail_once(monkeypatch, operation: str) -> list[str]:
    """Make the test cache's `operation` raise once, as a Redis timeout would, in every thread
    (the fan-out's too); returns the keys it failed for."""
    from django.core.cache.backends.locmem import LocMemCache

    original, failed = getattr(LocMemCache, operation), []

    def failing_once(self, key, *args, **kwargs):
        if not failed:
            failed.append(key)
            raise ConnectionError("the cache timed out")
        return original(self, key, *args, **kwargs)

    monkeypatch.setattr(LocMemCache, operation, failing_once)
    return failed


def _listed_once_each(signed_in_with_key, fake) -> None:
    """All workspaces completes over the six projects, each listed once (not started again)."""
    from tests.across.support import URL, follow, join_jobs, listed_projects

    done = follow(signed_in_with_key, signed_in_with_key.get(URL))

    assert "from 6 projects" in done.content.decode()
    join_jobs()
    assert len(listed_projects(fake)) == 6


def test_a_cache_error_while_counting_an_answer_does_not_stop_the_job(
    signed_in_with_key, fake, monkeypatch
):
    failed = _fail_once(monkeypatch, "incr")

    _listed_once_each(signed_in_with_key, fake)

    assert failed


def test_a_cache_error_while_renewing_the_job_does_not_stop_it(
    signed_in_with_key, fake, monkeypatch
):
    from tests.across.support import LIST

    monkeypatch.setattr(fanout, "stale_after", lambda: 0.4)  # renewed every 0.1 s
    fake.inject(LIST, delay_ms=500, times=1, path="/projects/core/")
    failed = _fail_once(monkeypatch, "touch")

    _listed_once_each(signed_in_with_key, fake)

    assert failed


def test_a_list_beyond_the_processs_job_limit_is_refused_with_a_retry(
    signed_in_with_key, fake, settings
):
    from tests.across.support import LIST, URL, follow, join_jobs, listed_projects

    settings.ACROSS_MAX_JOBS = 1
    fake.inject(LIST, delay_ms=600, times=1, path="/projects/core/")
    signed_in_with_key.get(URL)  # starts the one job this process may run

    busy = signed_in_with_key.get(URL, {"q": "vpc"})

    assert busy.status_code == 503
    content = busy.content.decode()
    assert "The portal is busy" in content
    assert "too many cross-project lists at once" in content
    assert 'href="/workspaces/?q=vpc"' in content  # Try again: the same list
    join_jobs()
    calls = len(listed_projects(fake))
    assert calls == 6  # the refused list made no call
    # The first job freed its slot: the same list, asked again, starts and completes.
    done = follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "vpc"}))
    assert "from 6 projects" in done.content.decode()
    join_jobs()
    assert len(listed_projects(fake)) == calls + 6


def test_a_job_that_fails_to_start_gives_its_slot_back(fake, settings, monkeypatch):
    from tests.across.support import join_jobs

    settings.ACROSS_MAX_JOBS = 1
    client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
    failed = _fail_once(monkeypatch, "set_many")  # the job's first write: a Redis timeout
    start = {
        "client": client,
        "fingerprint": "key-1",
        "refs": (SANDBOX,),
        "query": ListQuery(),
        "meta": None,
    }
    with pytest.raises(ConnectionError):
        fanout.job_start(base="across:test:first", **start)

    # Not "The portal is busy" (the slot is back), nor "could not be started" (nor the lock).
    started = fanout.job_start(base="across:test:first", **start)

    assert failed
    assert started["projects"] == [SANDBOX.key]
    join_jobs()


def test_one_person_cannot_take_every_fan_out_slot_from_everyone_else(
    signed_in_with_key, fake, settings, django_user_model
):
    from django.test import Client

    from tests.across.support import LIST, URL, join_jobs
    from tests.conftest import READ_KEY
    from workspaces.services import credential_save

    settings.ACROSS_MAX_JOBS = 4
    settings.ACROSS_MAX_JOBS_PER_KEY = 2
    fake.inject(LIST, delay_ms=1000, times=8, path="/projects/core/")
    mine = [signed_in_with_key.get(URL, {"q": query}) for query in ("a", "b", "c", "d")]
    bob = django_user_model.objects.create_user(username="bob", password="s3cret-pass")
    credential_save(user=bob, account_id=ACCOUNT, api_key=READ_KEY, account_name="Acme Demo")
    other = Client()
    other.force_login(bob)

    response = other.get(URL)

    join_jobs()
    assert response.status_code == 200, "another person is refused: 'The portal is busy'"
    assert "The portal is busy" not in response.content.decode()
    assert [answer.status_code for answer in mine] == [200, 200, 503, 503]
    refused = mine[2].content.decode()
    assert "You already have 2 cross-project lists loading" in refused
    assert 'href="/workspaces/?q=c"' in refused  # Try again: the same list


def test_a_key_at_its_share_of_slots_is_refused_until_one_of_its_jobs_ends(settings):
    from workspaces.across.slots import JobSlots

    settings.ACROSS_MAX_JOBS = 3
    settings.ACROSS_MAX_JOBS_PER_KEY = 2
    slots = JobSlots()
    assert slots.take("key-1") is None
    assert slots.take("key-1") is None

    refused = slots.take("key-1")
    other = slots.take("key-2")
    full = slots.take("key-3")
    slots.give_back("key-1")
    again = slots.take("key-1")

    assert "You already have 2 cross-project lists loading" in str(refused)
    assert other is None
    assert "too many cross-project lists at once" in str(full)
    assert again is None


@pytest.fixture
def exiting_worker():
    """`running_work.abandon_all()`, as gunicorn's worker_exit hook calls it; the process goes on
    (its `stopping` is cleared) once the test is done."""
    from workspaces.across.running import running_work

    yield running_work.abandon_all
    running_work.stopping.clear()


def test_a_job_abandoned_by_an_exiting_worker_is_started_again_by_the_next_request(
    signed_in_with_key, fake, settings, exiting_worker
):
    """Its coordinator, a daemon thread, died with the worker: the job's lock stayed and every
    replica showed the list loading until it expired (three Harness call budgets)."""
    from tests.across.support import LIST, URL, follow, join_jobs, listed_projects
    from workspaces.across.running import running_work

    settings.ACROSS_CONCURRENCY = 1
    fake.inject(LIST, delay_ms=300, times=6)  # each call slow: the job is still running
    signed_in_with_key.get(URL)
    [base] = [key for key in cache._cache if key.endswith(":lock")]  # LocMemCache's keys

    assert exiting_worker() == 1

    assert cache.get(base.split(":", 2)[2]) is None  # the lock is released
    join_jobs()  # the coordinator returned without completing, its calls not made
    assert len(listed_projects(fake)) < 6
    running_work.stopping.clear()  # the next request is served by another worker
    fake.clear_faults()
    done = follow(signed_in_with_key, signed_in_with_key.get(URL))
    assert "from 6 projects" in done.content.decode()


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
