"""The fan-out's jobs: one run per job however long it takes, through cache errors, within the
process's and the key's job slots, and started again after a worker exits (its retries are in
`test_retries`)."""

import time

import pytest
from django.core.cache import cache

from tests.conftest import ACCOUNT, FULL_KEY
from workspaces.across import fanout
from workspaces.across.directory import ProjectRef
from workspaces.clients import harness_client
from workspaces.forms import ListQuery

SANDBOX = ProjectRef("default", "Default", "sandbox", "Sandbox")


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


def test_a_jobs_key_and_its_keys_generation_share_one_prefix():
    from workspaces.across import generation

    prefix = generation.across_key_prefix("acct", "fp")
    base = fanout.job_base(
        account="acct", fingerprint="fp", query=ListQuery(), projects=["o/p"], generation="g1"
    )

    assert base.startswith(f"{prefix}:g1:")
    assert generation._generation_key("acct", "fp") == f"{prefix}:generation"
