"""What the filter form and the status strip keep when the key's directory or the portal's
capacity falls short: the chosen scope, the window links."""

import re

from pytest_django.asserts import assertContains

from tests.across.support import LIST, REGION, URL


def test_a_chosen_project_of_an_org_that_failed_to_list_stays_in_the_filter_form(
    signed_in_with_key, fake
):
    fake.inject("v1.projects.list", status=503, times=3, path="/orgs/payments/")
    response = signed_in_with_key.get(URL, {"project": "payments/core"})
    assertContains(response, "The chosen project payments/core could not be listed right now")
    form = re.search(r'<form id="workspace-filters".*?</form>', response.content.decode(), re.S)[0]
    assert re.search(r'name="project" value="payments/core"', form), "scope lost from the form"


def test_an_org_and_a_project_the_key_cannot_see_stay_chosen_in_the_filter_form(
    signed_in_with_key, fake
):
    response = signed_in_with_key.get(URL, {"org": "ghost", "project": "ghost/attic"})
    form = re.search(r'<form id="workspace-filters".*?</form>', response.content.decode(), re.S)[0]
    # Checked: the next filter change keeps them, and the list stays narrowed to nothing.
    assert re.search(r'name="org" value="ghost" checked', form), form
    assert re.search(r'name="project" value="ghost/attic" checked', form), form


def test_a_filter_change_refused_as_busy_keeps_the_strips_window_links(
    signed_in_with_key, fake, settings
):
    settings.ACROSS_MAX_JOBS_PER_KEY = 1
    settings.ACROSS_CONCURRENCY = 1
    fake.inject(LIST, delay_ms=1200, times=6)
    signed_in_with_key.get(URL, {"q": "vpc", "window": "7d"})
    refused = signed_in_with_key.get(URL, {"q": "dns", "window": "7d"}, headers=REGION)
    fake.clear_faults()
    content = refused.content.decode()
    assertContains(refused, "You already have 1 cross-project list loading")
    nav = re.search(r'<nav id="across-window-nav"[^>]*>(.*?)</nav>', content, re.S)
    assert nav and 'hx-swap-oob="true"' in nav[0]
    assert "across-window-7d" in nav[1], "the out-of-band nav has no window links: " + nav[0]
