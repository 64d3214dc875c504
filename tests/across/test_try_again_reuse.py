"""A "Try again" (a project's, an org's) reads only what failed: the rows already on screen
are reused, even once the list's cache time has passed; a workspace written through the portal
is never shown as it was before the write."""

import html
import re
import time

from pytest_django.asserts import assertContains

from tests.across.support import LIST, LIVE, REGION, URL, follow, listed_projects


def test_try_again_pressed_after_the_list_was_cached_reads_only_that_project(
    signed_in_with_key, fake, settings
):
    settings.ACROSS_CACHE_SECONDS = 1  # 30 s in production: a user reading the error first
    fake.inject(LIST, status=503, times=3, path="/projects/core/")
    done = follow(signed_in_with_key, signed_in_with_key.get(URL))
    assertContains(done, 'name="retry" value="payments/core"')
    assertContains(done, "/orgs/platform/projects/networking/workspaces/")
    time.sleep(1.5)
    fake.clear_log()

    retried = signed_in_with_key.post(URL, {"retry": "payments/core"}, headers=LIVE)

    assertContains(retried, "/orgs/platform/projects/networking/workspaces/")
    follow(signed_in_with_key, retried)
    assert listed_projects(fake) == ["payments/core"]


def test_try_again_after_the_cache_time_reads_the_project_though_it_listed_earlier(
    signed_in_with_key, fake, settings
):
    settings.ACROSS_CACHE_SECONDS = 1
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"project": "payments/core"}))
    time.sleep(1.5)  # that answer is no longer fresh: the whole list reads core again
    fake.inject(LIST, status=503, times=3, path="/projects/core/")
    follow(signed_in_with_key, signed_in_with_key.get(URL))
    time.sleep(1.5)  # the whole list's job expired too
    fake.clear_log()

    retried = follow(
        signed_in_with_key, signed_in_with_key.post(URL, {"retry": "payments/core"}, headers=LIVE)
    )

    # Asked again, not answered with its older listing; the other rows are reused.
    assert listed_projects(fake) == ["payments/core"]
    assertContains(retried, "/orgs/payments/projects/core/workspaces/")
    assertContains(retried, "/orgs/platform/projects/networking/workspaces/")


def test_a_reload_after_the_cache_time_reads_every_project_again(
    signed_in_with_key, fake, settings
):
    settings.ACROSS_CACHE_SECONDS = 1
    follow(signed_in_with_key, signed_in_with_key.get(URL))
    time.sleep(1.5)
    fake.clear_log()

    follow(signed_in_with_key, signed_in_with_key.get(URL))

    assert len(listed_projects(fake)) == 6


def test_answers_reused_by_another_project_set_are_only_those_still_fresh(
    signed_in_with_key, fake, settings
):
    settings.ACROSS_CACHE_SECONDS = 2
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"org": "platform"}))
    time.sleep(2.5)
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"org": "default"}))
    fake.clear_log()

    follow(signed_in_with_key, signed_in_with_key.get(URL))

    # default's three were read just now; platform's two too long ago; payments/core never.
    assert sorted(listed_projects(fake)) == [
        "payments/core",
        "platform/data",
        "platform/networking",
    ]


def test_a_reload_after_the_cache_time_reads_again_the_answers_reused_from_another_set(
    signed_in_with_key, fake, settings
):
    settings.ACROSS_CACHE_SECONDS = 2
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"org": "platform"}))
    time.sleep(1.5)
    follow(signed_in_with_key, signed_in_with_key.get(URL))  # reuses platform's two
    time.sleep(1.0)
    fake.clear_log()

    follow(signed_in_with_key, signed_in_with_key.get(URL))

    # platform's two were read 2.5 s ago: the whole list's job, 1 s old, kept them too long.
    assert sorted(listed_projects(fake)) == ["platform/data", "platform/networking"]


def test_an_org_chosen_after_the_whole_list_reads_nothing_again(signed_in_with_key, fake):
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "vpc"}))
    fake.clear_log()

    narrowed = follow(
        signed_in_with_key, signed_in_with_key.get(URL, {"q": "vpc", "org": "platform"})
    )

    assert listed_projects(fake) == []
    assertContains(narrowed, "from 2 projects")


def test_an_orgs_try_again_reads_only_that_orgs_projects_workspaces(signed_in_with_key, fake):
    fake.inject("v1.projects.list", status=503, times=3, path="/orgs/payments/")
    follow(signed_in_with_key, signed_in_with_key.get(URL))
    fake.clear_log()
    follow(signed_in_with_key, signed_in_with_key.get(URL, {"directory": "refresh"}))
    assert listed_projects(fake) == ["payments/core"]


def test_after_a_filter_change_an_orgs_try_again_keeps_the_new_filters(signed_in_with_key, fake):
    fake.inject("v1.projects.list", status=503, times=3, path="/orgs/payments/")
    page = signed_in_with_key.get(URL)
    assertContains(page, "The projects of payments could not be listed")
    swapped = signed_in_with_key.get(URL, {"q": "vpc", "status": "failed"}, headers=REGION)
    links = [
        html.unescape(href)
        for href in re.findall(r'href="([^"]*directory=refresh[^"]*)"', swapped.content.decode())
    ]
    assert any("q=vpc" in link and "status=failed" in link for link in links), links


def test_after_a_filter_change_the_directorys_try_again_keeps_the_new_filters_unannounced(
    signed_in_with_key, fake
):
    fake.inject("v1.orgs.list", status=503, times=6)  # the page and the swap, with retries
    page = signed_in_with_key.get(URL)
    assertContains(page, "The organisations your key can see could not be listed")
    swapped = signed_in_with_key.get(URL, {"q": "vpc", "status": "failed"}, headers=REGION)
    retry = re.search(
        r'<div id="across-directory" hx-swap-oob="true">.*?'
        r'<a class="button" href="([^"]+)">Try again',
        swapped.content.decode(),
        re.S,
    )
    assert retry, swapped.content.decode()
    assert html.unescape(retry[1]) == URL + "?q=vpc&status=failed"
    # The same alert, swapped in again: still there to read, not raised (read out) again.
    directory = re.search(
        r'<div id="across-directory" hx-swap-oob="true">(.*?)</div>\s*</div>',
        swapped.content.decode(),
        re.S,
    )
    assert directory and 'role="alert"' not in directory[1]
    assert "The organisations your key can see could not be listed" in directory[1]


def test_a_workspace_the_user_just_deleted_is_not_listed_across_projects(signed_in_with_key, fake):
    from django.urls import reverse

    from tests.workspaces.test_decommission import INACTIVE, opened

    link = f'/orgs/default/projects/sandbox/workspaces/{INACTIVE}/"'
    listed = follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "redis", "limit": 100}))
    assertContains(listed, link)
    draft = opened(signed_in_with_key, INACTIVE)
    signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}
    )
    draft.refresh_from_db()
    assert draft.status == "deleted"
    again = follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "redis", "limit": 100}))
    assert link not in again.content.decode()


def test_a_workspace_the_user_just_created_is_listed_across_projects(
    signed_in_with_key, user_with_key, fake
):
    from tests.workspaces.test_status_across import _create_in_infra

    link = '/orgs/default/projects/infra/workspaces/review_new_ws/"'
    listed = follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "review"}))
    assert link not in listed.content.decode()

    _create_in_infra(signed_in_with_key, user_with_key)

    again = follow(signed_in_with_key, signed_in_with_key.get(URL, {"q": "review"}))
    assertContains(again, link)
