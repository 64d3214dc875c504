"""Every project a key can list: one failing org does not hide the others; cached per key."""

import pytest
from django.core.cache import cache

from tests.across.support import PROJECTS_SEEN
from tests.conftest import ACCOUNT, FULL_KEY, READ_KEY
from workspaces.across import directory as directory_module
from workspaces.across.directory import visible_projects
from workspaces.clients import harness_client
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import Page

PROJECTS = "v1.projects.list"


def _client(key=FULL_KEY):
    return harness_client(account_id=ACCOUNT, api_key=key)


def test_lists_every_project_of_every_org(fake):
    directory = visible_projects(client=_client(), fingerprint="fp-full")

    assert [ref.key for ref in directory.projects] == PROJECTS_SEEN
    assert directory.orgs == [
        ("default", "Default"),
        ("payments", "Payments"),
        ("platform", "Platform"),
    ]
    assert directory.failed_orgs == ()


def test_an_org_that_fails_is_listed_in_failed_orgs_while_the_others_list(fake):
    fake.inject(PROJECTS, status=503, times=3, path="/orgs/platform/")

    directory = visible_projects(client=_client(), fingerprint="fp-full")

    assert [org for org, _ in directory.failed_orgs] == ["platform"]
    assert "503" in directory.failed_orgs[0][1]
    assert {ref.org for ref in directory.projects} == {"default", "payments"}


def test_a_directory_with_a_failed_org_is_kept_briefly_then_read_again(fake, monkeypatch):
    fake.inject(PROJECTS, status=503, times=3, path="/orgs/platform/")
    visible_projects(client=_client(), fingerprint="fp-full")
    fake.clear_log()

    kept = visible_projects(client=_client(), fingerprint="fp-full")  # a poll meanwhile
    assert fake.log() == [] and kept.failed_orgs
    monkeypatch.setattr(directory_module, "DIRECTORY_RETRY_SECONDS", 0)
    cache.clear()
    visible_projects(client=_client(), fingerprint="fp-full")  # stored for 0 s: not kept
    again = visible_projects(client=_client(), fingerprint="fp-full")

    assert again.failed_orgs == ()
    assert "platform/data" in [ref.key for ref in again.projects]


def test_try_again_reads_a_directory_with_a_failed_org_at_once_and_only_such_a_one(fake):
    fake.inject(PROJECTS, status=503, times=3, path="/orgs/platform/")
    visible_projects(client=_client(), fingerprint="fp-full")
    fake.clear_log()

    again = visible_projects(client=_client(), fingerprint="fp-full", retry=True)
    assert again.failed_orgs == () and fake.log(route=PROJECTS)
    fake.clear_log()
    kept = visible_projects(client=_client(), fingerprint="fp-full", retry=True)

    assert fake.log() == [] and kept == again  # nothing failed: a retry keeps the cache


def test_an_org_refused_with_403_is_kept_like_the_rest(fake, monkeypatch):
    monkeypatch.setattr(directory_module, "DIRECTORY_RETRY_SECONDS", 0)
    fake.inject(PROJECTS, status=403, times=3, path="/orgs/platform/")
    visible_projects(client=_client(), fingerprint="fp-full")
    fake.clear_log()

    kept = visible_projects(client=_client(), fingerprint="fp-full")

    assert fake.log() == []
    assert [org for org, _ in kept.failed_orgs] == ["platform"]


def test_cached_per_key(fake):
    visible_projects(client=_client(), fingerprint="fp-full")
    fake.clear_log()

    visible_projects(client=_client(), fingerprint="fp-full")
    assert fake.log() == []
    visible_projects(client=_client(READ_KEY), fingerprint="fp-read")

    assert {entry["route"] for entry in fake.log()} == {"v1.orgs.list", PROJECTS}


def test_a_refused_key_propagates(fake):
    fake.inject(PROJECTS, status=401, path="/orgs/payments/")

    with pytest.raises(errors.HarnessUnauthorized):
        visible_projects(client=_client(), fingerprint="fp-full")


def test_an_org_list_that_fails_is_an_error_not_an_exception(fake):
    fake.inject("v1.orgs.list", status=503, times=3)

    directory = visible_projects(client=_client(), fingerprint="fp-full")

    assert directory.projects == ()
    assert "503" in directory.error


def test_an_org_listed_twice_is_read_once(fake, monkeypatch):
    real = HarnessClient.list_orgs

    def paged_while_an_org_is_created(self, *, search="", page=1, limit=50):
        # One org a page (v1 offset paging); an org named before the others is created after
        # page 1 was read: every later page is shifted by one, and "default" comes twice.
        items = list(real(self, search=search, page=1, limit=1000).items)
        if page > 1:
            items.insert(0, items[0])  # (the new org: never on a page read after it)
        return Page.build(items[page - 1 : page], page=page, limit=1, total_items=len(items))

    monkeypatch.setattr(HarnessClient, "list_orgs", paged_while_an_org_is_created)

    directory = visible_projects(client=_client(), fingerprint="fp-full")

    read = [entry["path"] for entry in fake.log(route=PROJECTS)]
    assert sorted(read) == sorted(set(read)) and len(read) == 3, read  # each org once
    assert [ref.key for ref in directory.projects] == PROJECTS_SEEN
