"""Status across projects: every project's status strip on one page, from the cached metrics."""

import re
import time

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.across.support import list_a_project_twice
from tests.concurrency import run_together
from tests.conftest import ACCOUNT, duplicate_ids
from workspaces.status_metrics import StatusMetrics, _metrics_cache_key, forget_status_metrics

pytestmark = pytest.mark.django_db
STRIP = reverse("status_across")
HTMX = {"HX-Request": "true", "HX-Target": "status-across"}
# The demo account's projects: five with workspaces, and default/empty with none.
PROJECTS_WITH_WORKSPACES = 5
PROJECTS = 6


def rows(response) -> list:
    return list(response.context["strip"].rows)


def row_of(response, key: str):
    return next(row for row in rows(response) if row.ref.key == key)


def fingerprint(user) -> str:
    return user.harness_credential.key_fingerprint


def cache_entry(user, org: str, project: str, window: str = "all") -> str:
    return _metrics_cache_key(
        account=ACCOUNT, org=org, project=project, window=window, fingerprint=fingerprint(user)
    )


def test_the_page_shows_totals_and_a_row_per_project_with_links(signed_in_with_key, fake):
    response = signed_in_with_key.get(STRIP)

    assert response.status_code == 200
    assertContains(response, "<h1>Status across projects</h1>", html=True)
    strip = response.context["strip"]
    assert len(strip.rows) == PROJECTS_WITH_WORKSPACES
    assert [row.ref.key for row in strip.empty] == ["default/empty"]
    assertContains(response, "1 project has no workspaces")
    infra = row_of(response, "default/infra")
    assert sum(infra.metrics.counts.values()) == 1800
    # Totals are the rows summed; each links to the cross-project list by status.
    failed = sum(row.metrics.counts.get("failed", 0) for row in strip.rows)
    assert strip.totals.counts["failed"] == failed > 0
    all_failed = f"{reverse('all_workspaces')}?status=failed"
    assertContains(response, f'href="{all_failed}"')
    assertContains(
        response, f"Failed {failed:,} in every project: list the workspaces with this status"
    )
    # Each count links to its project's list filtered by that status.
    infra_failed = reverse("workspace_list", args=["default", "infra"]) + "?status=failed"
    assertContains(response, f'href="{infra_failed}"')
    assertContains(
        response,
        f"Failed {infra.metrics.counts['failed']:,} in Default / Infrastructure: list the "
        "workspaces with this status",
    )
    assert fake.counters()["iacm.metrics"] == PROJECTS


def test_failed_and_drifted_come_first_most_first(signed_in_with_key, fake):
    response = signed_in_with_key.get(STRIP)

    order = [(row.attention, row.ref.name) for row in rows(response)]
    attention = [a for a, _ in order]
    assert attention == sorted(attention, reverse=True)
    assertContains(response, "Projects with failed or drifted workspaces first")


def test_a_window_is_kept_in_the_project_links(signed_in_with_key, fake):
    response = signed_in_with_key.get(STRIP, {"window": "7d"})

    assertContains(response, "Status changes in the last 7 days")
    link = reverse("workspace_list", args=["default", "infra"]) + "?window=7d&amp;status="
    assertContains(response, f'href="{link}')
    assert {e["query"].get("start_time") is not None for e in fake.log("iacm.metrics")} == {True}


def test_the_totals_keep_the_window(signed_in_with_key, fake):
    response = signed_in_with_key.get(STRIP, {"window": "7d"})

    hrefs = [chip["href"] for chip in response.context["strip"].totals_chips if chip["href"]]
    assert hrefs
    assert all("window=7d" in href for href in hrefs), hrefs


def test_an_invalid_window_falls_back_to_all_time(signed_in_with_key, fake):
    response = signed_in_with_key.get(STRIP, {"window": "1y"})

    assert response.status_code == 200
    assert response.context["window"] == "all"


def test_the_htmx_partial_is_the_strip_alone(signed_in_with_key, fake):
    response = signed_in_with_key.get(STRIP, headers=HTMX)

    text = response.content.decode().strip()
    assert text.startswith('<section id="status-across"')
    assert "<html" not in text
    assertContains(response, "Refresh")
    # Its links name the strip's own path: it is loaded into other pages.
    assert re.search(r'hx-get="/workspaces/status/\?window=24h"', text)


def test_window_links_change_the_address_only_on_the_strips_own_page(signed_in_with_key, fake):
    own = signed_in_with_key.get(
        STRIP, headers={**HTMX, "HX-Current-URL": "http://testserver/workspaces/status/"}
    )
    embedded = signed_in_with_key.get(
        STRIP, headers={**HTMX, "HX-Current-URL": "http://testserver/workspaces/?q=vpc"}
    )

    assertContains(own, 'hx-push-url="true"', count=4)
    # Embedded, only its window links change it (they open the page again); Refresh does not.
    assertContains(embedded, 'hx-push-url="true"', count=4)
    assertNotContains(embedded, 'hx-target="#status-across" hx-swap="outerHTML" hx-push-url')


def test_embedded_window_links_reload_the_host_page_with_that_window(signed_in_with_key, fake):
    host = "http://testserver/workspaces/?window=7d&status=failed&status=drifted&directory=refresh"

    embedded = signed_in_with_key.get(
        STRIP, {"window": "7d"}, headers={**HTMX, "HX-Current-URL": host}
    )

    # Links to the page the strip is in, only its window changed (and its one-shot
    # `directory=refresh` dropped): the page's note, filters and saved view follow it.
    text = embedded.content.decode()
    links = re.findall(r'<a id="across-window-(\w+)" href="([^"]*)"([^>]*)>', text)
    assert [(value, href) for value, href, _ in links] == [
        (value, f"/workspaces/?window={value}&amp;status=failed&amp;status=drifted")
        for value in ("24h", "7d", "30d", "all")
    ]
    # Pressed, a link asks for that page with its filter form as it is then (a search typed
    # since the strip was asked for included), the link's window in place of the form's.
    for value, _, rest in links:
        assert 'hx-get="/workspaces/" hx-include="#workspace-filters, #workspace-page"' in rest
        assert f'hx-vals=\'{{"window": "{value}"}}\'' in rest
        assert 'hx-target="#main" hx-select="#main" hx-swap="outerHTML"' in rest
    # The strip's own links (Refresh, Try again) still swap the strip alone.
    assertContains(embedded, f'hx-get="{STRIP}?window=7d&amp;refresh=1"')


def test_embedded_window_links_leave_out_a_long_polls_after(signed_in_with_key, fake):
    host = "http://testserver/workspaces/?q=vpc&after=3&window=7d"

    embedded = signed_in_with_key.get(STRIP, headers={**HTMX, "HX-Current-URL": host})

    # A chosen window asks for the list again, not for the changes since a poll's version.
    assertContains(embedded, '<a id="across-window-24h" href="/workspaces/?q=vpc&amp;window=24h"')
    assertNotContains(embedded, "after=3")


def test_a_filter_answer_on_all_workspaces_brings_the_window_links_of_its_address(
    signed_in_with_key, fake
):
    from tests.across.support import LIVE, REGION, follow

    params = {"q": "vpc", "status": "failed", "window": "7d"}

    answer = signed_in_with_key.get("/workspaces/", params, headers=REGION)

    # The strip's window links were built from the address the page loaded with: the filter
    # answer (which pushes a new address) replaces them, out of band, with that address's.
    text = answer.content.decode()
    nav = text[text.index('<nav id="across-window-nav"') :]
    nav = nav[: nav.index("</nav>")]
    assert 'hx-swap-oob="true"' in nav
    links = re.findall(r'<a id="across-window-(\w+)" href="([^"]*)"([^>]*)>', nav)
    assert [(value, href) for value, href, _ in links] == [
        (value, f"/workspaces/?q=vpc&amp;status=failed&amp;window={value}")
        for value in ("24h", "7d", "30d", "all")
    ]
    assert [value for value, _, rest in links if 'aria-current="true"' in rest] == ["7d"]
    assert all('hx-get="/workspaces/" hx-include="#workspace-filters' in r for *_, r in links)
    follow(signed_in_with_key, answer)
    # A poll leaves them alone (the address did not change).
    assertNotContains(signed_in_with_key.get("/workspaces/", params, headers=LIVE), "<nav")


@pytest.mark.parametrize(
    "host",
    [
        "https://evil.example/workspaces/?q=vpc",  # another origin
        "http://testserver//evil.example/workspaces/",  # a path that is another host
        "http://testserver/\\evil.example/",
        "not a url",
        "http://[::1/orgs/default/projects/infra/workspaces/",  # urlsplit raises ValueError
    ],
)
def test_embedded_in_a_page_of_another_origin_the_window_links_swap_the_strip(
    signed_in_with_key, fake, host
):
    embedded = signed_in_with_key.get(STRIP, headers={**HTMX, "HX-Current-URL": host})

    assertContains(embedded, f'<a id="across-window-7d" href="{STRIP}?window=7d"')
    assertContains(embedded, f'hx-get="{STRIP}?window=7d"')
    assertNotContains(embedded, "evil.example")
    assertNotContains(embedded, "hx-push-url")


def test_the_loader_include_loads_the_strip(rf):
    html = render_to_string("includes/status_across_loader.html", {"window": "7d"})

    assert 'id="status-across"' in html
    assert f'hx-get="{STRIP}?window=7d"' in html
    assert 'hx-trigger="load"' in html
    # Where a filter answer puts the window links while the strip still loads (out of band:
    # a missing target would be an htmx error).
    assert '<nav id="across-window-nav" class="segmented" aria-label="Time window" hidden>' in html
    # Without JavaScript nothing loads it: a link to the strip's own page instead.
    assert f'<noscript><p><a href="{STRIP}">See the status of every project</a>' in html


def test_the_loader_offers_to_try_again_when_its_own_load_fails(rf):
    html = render_to_string("includes/status_across_loader.html", {"window": "7d"})

    # Hidden until the strip's request fails before reaching the view (a proxy's 502/504, a
    # dropped connection: portal.js shows it in place of the loading line).
    failed = r'<div class="notice notice--error" data-load-failed hidden>.*?</div>'
    notice = re.search(failed, html, re.S)
    assert notice, html
    assert "The status of every project did not load." in notice[0]
    retry = re.search(r'<a id="status-across-load-retry"[^>]*>Try again</a>', notice[0])[0]
    # It asks as the loader does, for the strip in its place.
    assert f'href="{STRIP}?window=7d"' in retry
    assert f'hx-get="{STRIP}?window=7d"' in retry
    assert 'hx-target="#status-across" hx-swap="outerHTML"' in retry


def test_all_workspaces_shows_its_window_links_before_the_strip_has_loaded(
    signed_in_with_key, fake
):
    page = signed_in_with_key.get("/workspaces/", {"window": "7d", "q": "vpc"})

    # Chosen, a window opens the page again in #main: its link must be in it for htmx to put
    # the focus back on it (the strip, loaded next, replaces it with its own copy).
    text = page.content.decode()
    loader = text[text.index('<section id="status-across"') : text.index("</section>")]
    links = re.findall(r'<a id="across-window-(\w+)" href="([^"]*)"([^>]*)>', loader)
    assert [(value, href) for value, href, _ in links] == [
        (value, f"/workspaces/?window={value}&amp;q=vpc") for value in ("24h", "7d", "30d", "all")
    ]
    assert [value for value, _, rest in links if 'aria-current="true"' in rest] == ["7d"]
    assert duplicate_ids(text) == []


def test_warm_cache_makes_no_harness_call(signed_in_with_key, fake):
    signed_in_with_key.get(STRIP)
    fake.reset()

    response = signed_in_with_key.get(STRIP, headers=HTMX)

    assert len(rows(response)) == PROJECTS_WITH_WORKSPACES
    assert fake.counters() == {}


def test_refresh_fetches_every_project_again(signed_in_with_key, fake):
    signed_in_with_key.get(STRIP)
    fake.reset()

    signed_in_with_key.get(STRIP, {"refresh": "1"}, headers=HTMX)

    assert fake.counters() == {"iacm.metrics": PROJECTS}


def test_a_failing_project_shows_its_error_while_the_others_show(
    signed_in_with_key, user_with_key, fake
):
    signed_in_with_key.get(STRIP)
    cache.delete(cache_entry(user_with_key, "platform", "data"))
    fake.inject("iacm.metrics", status=500, times=5)

    response = signed_in_with_key.get(STRIP, headers=HTMX)

    data = row_of(response, "platform/data")
    assert data.metrics.error and not data.metrics.counts
    # A row of its own (not among the empty projects), after failed and drifted ones only.
    assert data.order[0] == 1
    assert [row.order for row in rows(response)] == sorted(row.order for row in rows(response))
    assertContains(response, "Harness answered with an error (HTTP 500)")
    assertContains(
        response, 'Try again<span class="visually-hidden"> for Platform / Data</span></a>', count=1
    )
    # Read again, the whole strip is swapped in (its totals count the project too); the same
    # link without JavaScript.
    retry = f"{STRIP}?project=platform%2Fdata&amp;refresh=1"
    assertContains(response, f'href="{retry}" hx-get="{retry}" hx-target="#status-across"')
    # Its links have ids, once each: htmx puts the focus back on the new copy of the one pressed.
    assertContains(response, 'id="status-across-retry-platform/data"')
    assertContains(response, 'id="status-across-refresh"')
    assert duplicate_ids(response.content.decode()) == []
    others = [row for row in rows(response) if row is not data]
    assert len(others) == PROJECTS_WITH_WORKSPACES - 1
    assert all(row.metrics.counts and not row.metrics.error for row in others)


def test_every_project_failing_on_a_cold_cache_is_one_alert_and_no_age(signed_in_with_key, fake):
    fake.inject("iacm.metrics", status=500, times=100)

    response = signed_in_with_key.get(STRIP, headers=HTMX)

    strip = response.context["strip"]
    assert len(strip.rows) == PROJECTS
    assert all(row.metrics.error and not row.metrics.counts for row in strip.rows)
    assertNotContains(response, "oldest numbers from")
    assertContains(response, 'role="alert"', count=1)
    assertContains(
        response,
        "No project's numbers could be read: Harness answered with an error (HTTP 500)",
    )


QUIET = [
    ("payments", "core"),
    ("platform", "data"),
    ("platform", "networking"),
    ("default", "sandbox"),
]


def test_one_failing_project_among_quiet_ones_is_not_every_project_failing(
    signed_in_with_key, user_with_key, fake
):
    now = StatusMetrics({}, time.time())
    cache.set_many({cache_entry(user_with_key, o, p, "24h"): now for o, p in QUIET})
    fake.inject("iacm.metrics", status=500, times=5, path="/projects/infra/")

    response = signed_in_with_key.get(STRIP, {"window": "24h"}, headers=HTMX)

    strip = response.context["strip"]
    assert [row.ref.key for row in strip.rows] == ["default/infra"]
    assert len(strip.empty) == 5
    assertNotContains(response, "No project's numbers could be read")
    assertNotContains(response, 'role="alert"')
    assertContains(
        response,
        "1 project could not be read (below); the others had no status change in the last "
        "24 hours.",
    )
    assertContains(response, "5 projects have no status change in the last 24 hours")


def test_the_age_is_that_of_the_oldest_numbers_shown(signed_in_with_key, user_with_key, fake):
    signed_in_with_key.get(STRIP)
    # A refusal kept from ten minutes ago: no numbers, so no age of numbers.
    refused = StatusMetrics(
        {}, time.time() - 600, stale=True, error="No access.", kept_until=time.time() + 60
    )
    cache.set(cache_entry(user_with_key, "platform", "data"), refused)

    response = signed_in_with_key.get(STRIP, headers=HTMX)

    assert row_of(response, "platform/data").metrics.error == "No access."
    assertContains(response, "oldest numbers from just now")
    assertNotContains(response, "No project's numbers could be read")


def test_a_failing_project_keeps_its_saved_numbers(signed_in_with_key, user_with_key, fake):
    first = signed_in_with_key.get(STRIP)
    saved = row_of(first, "payments/core").metrics
    key = cache_entry(user_with_key, "payments", "core")
    cache.set(key, StatusMetrics(saved.counts, time.time() - 3600))
    fake.inject("iacm.metrics", status=500, times=5)

    response = signed_in_with_key.get(STRIP, headers=HTMX)

    core = row_of(response, "payments/core")
    assert core.metrics.stale and core.metrics.counts == saved.counts
    assertContains(response, "Showing saved numbers")
    assert response.context["strip"].totals.counts == first.context["strip"].totals.counts


def test_a_refused_project_is_not_asked_again_on_every_load(signed_in_with_key, fake):
    fake.inject("iacm.metrics", status=403, times=10, path="/projects/data/")

    for _ in range(3):
        response = signed_in_with_key.get(STRIP, headers=HTMX)

    assert row_of(response, "platform/data").metrics.error
    calls = [e for e in fake.log("iacm.metrics") if "/projects/data/" in e["path"]]
    assert len(calls) == 1  # the refusal is kept, as the directory keeps a 403


def test_a_rate_limited_project_waits_for_retry_after_unless_read_again_on_purpose(
    user_with_key, fake, rate_limiting_harness, settings
):
    settings.HARNESS_BASE_URL = rate_limiting_harness  # 429 with Retry-After: 120
    limited = _infra_numbers(user_with_key)
    settings.HARNESS_BASE_URL = fake.base_url

    kept = _infra_numbers(user_with_key)
    nothing_asked = fake.counters()
    again = _infra_numbers(user_with_key, force=True)  # Refresh, Try again

    assert "Try again in about 2 minutes" in limited.error
    assert kept.error == limited.error and not kept.counts
    assert "iacm.metrics" not in nothing_asked
    assert again.counts and not again.error
    assert fake.counters()["iacm.metrics"] == 1


def test_try_again_reads_that_project_alone_and_shows_the_whole_strip(signed_in_with_key, fake):
    signed_in_with_key.get(STRIP)
    fake.reset()

    response = signed_in_with_key.get(
        STRIP, {"project": "platform/data", "refresh": "1"}, headers=HTMX
    )

    assert response.content.decode().strip().startswith('<section id="status-across"')
    assert len(rows(response)) == PROJECTS_WITH_WORKSPACES
    # Its numbers were fresh: read again all the same (the others come from the cache).
    assert fake.counters() == {"iacm.metrics": 1}
    assert fake.log("iacm.metrics")[0]["path"].startswith("/iacm/api/orgs/platform/projects/data/")


def test_try_again_after_a_failure_updates_the_row_and_the_totals(
    signed_in_with_key, user_with_key, fake
):
    healthy = signed_in_with_key.get(STRIP).context["strip"].totals.counts
    cache.delete(cache_entry(user_with_key, "platform", "data"))
    fake.inject("iacm.metrics", status=500, times=5)
    failing = signed_in_with_key.get(STRIP, headers=HTMX)
    assert failing.context["strip"].totals.counts != healthy
    fake.reset()

    response = signed_in_with_key.get(
        STRIP, {"project": "platform/data", "refresh": "1"}, headers=HTMX
    )

    data = row_of(response, "platform/data")
    assert data.metrics.counts and not data.metrics.error
    assert response.context["strip"].totals.counts == healthy
    assertNotContains(response, "Try again")
    assert fake.counters() == {"iacm.metrics": 1}


def row_alerts(response) -> list[str]:
    """Each role=alert inside the strip's rows (read out as it is swapped in)."""
    text = response.content.decode()
    rows_part = text[text.find('<ul class="status-across__rows">') :]
    return re.findall(r'<[^>]* role="alert"[^>]*>', rows_part)


def test_a_rows_try_again_that_fails_again_is_announced_and_only_then(signed_in_with_key, fake):
    fake.inject("iacm.metrics", status=500, times=50, path="/projects/data/")
    fake.inject("iacm.metrics", status=500, times=50, path="/projects/core/")

    loaded = signed_in_with_key.get(STRIP, headers=HTMX)
    refreshed = signed_in_with_key.get(STRIP, {"refresh": "1"}, headers=HTMX)
    retried = signed_in_with_key.get(
        STRIP, {"project": "platform/data", "refresh": "1"}, headers=HTMX
    )

    assert row_of(loaded, "platform/data").metrics.error
    # A load or Refresh does not read every row's error out again...
    assert row_alerts(loaded) == row_alerts(refreshed) == []
    # ...the row's own Try again that failed again says so, for that row only.
    text = retried.content.decode()
    row = text[text.index(">Data</a>") : text.index("</li>", text.index(">Data</a>"))]
    assert len(row_alerts(retried)) == 1
    assert re.search(
        r'<p role="alert"><span class="visually-hidden">Still failing for Platform / Data: </span>'
        r"Harness answered with an error \(HTTP 500\)",
        row,
    )


def test_an_orgs_try_again_that_fails_again_is_announced_and_only_then(signed_in_with_key, fake):
    fake.inject("v1.projects.list", status=500, times=1, path="/orgs/payments/")
    loaded = signed_in_with_key.get(STRIP, headers=HTMX)
    fake.inject("v1.projects.list", status=500, times=1, path="/orgs/payments/")

    retried = signed_in_with_key.get(STRIP, {"directory": "refresh"}, headers=HTMX)

    notice = '<p class="notice notice--warning"{}>The projects of org <strong>payments</strong>'
    assertContains(loaded, notice.format(""))
    assertContains(retried, notice.format(' role="alert"'))


def test_try_again_for_a_project_out_of_reach_shows_the_strip_as_it_is(signed_in_with_key, fake):
    signed_in_with_key.get(STRIP)
    fake.reset()

    response = signed_in_with_key.get(
        STRIP, {"project": "default/gone", "refresh": "1"}, headers=HTMX
    )

    assert response.content.decode().strip().startswith('<section id="status-across"')
    assert len(rows(response)) == PROJECTS_WITH_WORKSPACES
    assert fake.counters() == {}


def test_the_org_list_failing_is_an_error_with_try_again(signed_in_with_key, fake):
    fake.inject("v1.orgs.list", status=500, times=5)

    response = signed_in_with_key.get(STRIP)

    assert response.status_code == 200
    assertContains(response, "The projects could not be listed")
    assertContains(response, "Try again")
    assertNotContains(response, "status-across__row")
    assert "iacm.metrics" not in fake.counters()


def test_an_org_whose_projects_fail_is_named_and_the_others_show(signed_in_with_key, fake):
    fake.inject("v1.projects.list", status=500, times=1)

    response = signed_in_with_key.get(STRIP)

    failed = response.context["strip"].directory.failed_orgs
    assert len(failed) == 1
    org = failed[0][0]
    assertContains(response, f"The projects of org <strong>{org}</strong> could not be listed")
    listed = {row.ref.org for row in rows(response)}
    assert org not in listed and len(listed) == 2

    # Its "Try again" lists that org's projects again (the failed directory is still cached).
    retry = re.search(
        r'<a id="status-across-retry-org-[^"]*"[^>]* href="([^"]+)"', response.content.decode()
    )
    again = signed_in_with_key.get(retry[1].replace("&amp;", "&"), headers=HTMX)

    assert again.context["strip"].directory.failed_orgs == ()
    assert org in {row.ref.org for row in rows(again)}


def test_every_orgs_projects_failing_is_not_blamed_on_the_key(signed_in_with_key, fake):
    fake.inject("v1.projects.list", status=500, times=10)

    response = signed_in_with_key.get(STRIP)

    assert len(response.context["strip"].directory.failed_orgs) == 3
    assertContains(response, "could not be listed, so they are not counted", count=3)
    assertNotContains(response, "Your Harness key cannot list any project.")
    assertNotContains(response, "No project has workspaces yet.")
    assertContains(response, '<h2 id="status-across-title">Status</h2>', html=True)


def test_an_orgs_try_again_reads_only_that_orgs_numbers(signed_in_with_key, fake):
    fake.inject("v1.projects.list", status=500, times=1)
    first = signed_in_with_key.get(STRIP)
    org = first.context["strip"].directory.failed_orgs[0][0]
    retry = re.search(
        r'<a id="status-across-retry-org-[^"]*"[^>]* href="([^"]+)"', first.content.decode()
    )
    fake.reset()

    signed_in_with_key.get(retry[1].replace("&amp;", "&"), headers=HTMX)

    orgs_read = {e["path"].split("/orgs/")[1].split("/")[0] for e in fake.log("iacm.metrics")}
    assert orgs_read == {org}
    assert "refresh=1" not in retry[1]  # not the strip's Refresh


@pytest.mark.django_db(transaction=True)
def test_concurrent_viewers_on_a_cold_cache_make_one_call_per_project(fake, user_with_key):
    from django.test import Client

    fake.set_latency(30)  # the first calls are still in flight when the others arrive
    signed_in = Client()
    signed_in.force_login(user_with_key)
    signed_in.get(STRIP)  # the directory, cached; the metrics are what is cold here
    cache.delete_many(
        [cache_entry(user_with_key, org, project) for org, project in _projects(user_with_key)]
    )
    fake.reset()

    def view() -> str:
        client = Client()
        client.force_login(user_with_key)
        response = client.get(STRIP, headers=HTMX)
        return str(len(response.context["strip"].rows))

    try:
        results, failures = run_together(8, view)
    finally:
        fake.set_latency(0)

    assert not failures
    assert results == [str(PROJECTS_WITH_WORKSPACES)] * 8
    assert fake.counters() == {"iacm.metrics": PROJECTS}
    paths = [entry["path"] for entry in fake.log("iacm.metrics")]
    assert len(set(paths)) == PROJECTS


def _projects(user) -> list[tuple[str, str]]:
    from workspaces.across.directory import visible_projects
    from workspaces.clients import harness_client_for

    directory = visible_projects(client=harness_client_for(user), fingerprint=fingerprint(user))
    return [(ref.org, ref.project) for ref in directory.projects]


def test_numbers_another_request_is_fetching_are_awaited_together(user_with_key, fake):
    import threading

    from workspaces.status_metrics import status_metrics_awaited

    fetching, given_up = cache_entry(user_with_key, "a", "b"), cache_entry(user_with_key, "c", "d")
    cache.set(f"{fetching}:lock", "1")
    cache.set(f"{given_up}:lock", "1")
    numbers = StatusMetrics({"active": 3}, time.time())

    def refreshers_finish():
        time.sleep(0.05)
        cache.delete(f"{given_up}:lock")  # Harness failed: the lock goes, no numbers
        cache.set(fetching, numbers)
        cache.delete(f"{fetching}:lock")

    threading.Thread(target=refreshers_finish).start()
    started = time.monotonic()
    found = status_metrics_awaited(
        account=ACCOUNT,
        fingerprint=fingerprint(user_with_key),
        window="all",
        projects=[("a", "b"), ("c", "d")],
    )

    assert found == {("a", "b"): numbers}
    assert time.monotonic() - started < 1


def _infra_numbers(user, **kwargs):
    """`status_metrics` of default/infra, all time, as a request of `user` asks for them."""
    from workspaces.clients import harness_client_for
    from workspaces.status_metrics import status_metrics

    return status_metrics(
        client=harness_client_for(user),
        fingerprint=fingerprint(user),
        org="default",
        project="infra",
        window="all",
        **kwargs,
    )


def _read_at_once(user, readers: int, meanwhile=None) -> list:
    """What `readers` requests reading default/infra's numbers at once get (`meanwhile` runs
    while they wait)."""
    import threading

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(_infra_numbers(user)))
        for _ in range(readers)
    ]
    for thread in threads:
        thread.start()
    if meanwhile:
        meanwhile()
    for thread in threads:
        thread.join(timeout=10)
    return results


def test_a_request_waiting_on_a_refresher_that_gave_up_calls_harness_itself(user_with_key, fake):
    import threading

    lock = f"{cache_entry(user_with_key, 'default', 'infra')}:lock"
    cache.set(lock, "1")
    threading.Timer(0.05, cache.delete, args=[lock]).start()  # Harness failed: no numbers
    started = time.monotonic()

    result = _infra_numbers(user_with_key)

    assert result is not None and result.counts and not result.error
    assert fake.counters()["iacm.metrics"] == 1
    assert time.monotonic() - started < 1  # not after the lock's whole lifetime


def test_when_a_refresher_gives_up_one_of_its_waiters_reads_again_for_all(user_with_key, fake):
    lock = f"{cache_entry(user_with_key, 'default', 'infra')}:lock"
    cache.set(lock, "1")

    def refresher_gives_up():
        time.sleep(0.05)
        cache.delete(lock)  # no numbers, no error

    results = _read_at_once(user_with_key, 2, meanwhile=refresher_gives_up)

    assert len(results) == 2 and all(r.counts and not r.error for r in results)
    assert fake.counters()["iacm.metrics"] == 1


def test_the_waiters_of_a_refresh_that_failed_show_its_error_without_calling_again(
    user_with_key, fake
):
    fake.inject("iacm.metrics", status=500, delay_ms=300, times=1)

    results = _read_at_once(user_with_key, 3)

    assert [bool(r.error) for r in results] == [True, True, True]
    assert fake.counters()["iacm.metrics"] == 1


def test_across_waiter_of_a_failed_refresh_shows_its_error_without_calling_again(
    user_with_key, fake
):
    import threading

    from workspaces.across.status import status_across
    from workspaces.clients import harness_client_for
    from workspaces.status_metrics import status_metrics

    client = harness_client_for(user_with_key)
    _projects(user_with_key)  # the directory, cached: only the numbers are read below
    # Slow enough for the strip to find default/infra's refresh under way on a slow machine.
    fake.inject("iacm.metrics", status=500, delay_ms=1500, times=5, path="/projects/infra/")
    refresher = threading.Thread(
        target=status_metrics,
        kwargs={
            "client": client,
            "fingerprint": fingerprint(user_with_key),
            "org": "default",
            "project": "infra",
            "window": "all",
        },
    )
    refresher.start()
    time.sleep(0.3)
    started = time.monotonic()

    strip = status_across(client=client, fingerprint=fingerprint(user_with_key), window="all")

    took = time.monotonic() - started
    refresher.join()
    infra = next(row for row in strip.rows if row.ref.key == "default/infra")
    assert infra.metrics.error and not infra.metrics.counts
    calls = [e for e in fake.log("iacm.metrics") if "/projects/infra/" in e["path"]]
    assert len(calls) == 1
    assert took < 2.5  # the refresher's error, not a second slow call behind it


def test_numbers_a_write_expired_are_not_served_while_another_request_reads_them(
    user_with_key, fake
):
    from workspaces.status_metrics import status_metrics_awaited

    entry = cache_entry(user_with_key, "default", "infra")
    cache.set(entry, StatusMetrics({"active": 3}, time.time(), expired=True))
    cache.set(f"{entry}:lock", "another request")

    # Not the numbers without the write: waited for, as on a cold cache.
    assert _infra_numbers(user_with_key, wait=False) is None
    # That read failed: its error, with the numbers it could not replace, stale.
    cache.set(f"{entry}:failed", "Harness answered with an error (HTTP 500).")
    cache.delete(f"{entry}:lock")
    found = status_metrics_awaited(
        account=ACCOUNT,
        fingerprint=fingerprint(user_with_key),
        window="all",
        projects=[("default", "infra")],
    )[("default", "infra")]
    assert found.counts == {"active": 3} and found.stale and found.error
    assert "iacm.metrics" not in fake.counters()


def test_a_request_that_waited_out_the_lock_leaves_the_holders_lock_alone(
    user_with_key, fake, settings
):
    settings.METRICS_LOCK_SECONDS = 0.2
    lock = f"{cache_entry(user_with_key, 'default', 'infra')}:lock"
    cache.set(lock, "someone else")

    result = _infra_numbers(user_with_key)

    assert result.counts and fake.counters()["iacm.metrics"] == 1
    assert cache.get(lock) == "someone else"


def test_without_wait_a_locked_cold_entry_is_none_and_no_call(user_with_key, fake):
    cache.set(f"{cache_entry(user_with_key, 'default', 'infra')}:lock", "1")

    result = _infra_numbers(user_with_key, wait=False)

    assert result is None
    assert "iacm.metrics" not in fake.counters()


def test_a_project_listed_twice_is_counted_once(signed_in_with_key, fake, monkeypatch):
    list_a_project_twice(monkeypatch)  # v1 pages shifted by a project created meanwhile

    strip = signed_in_with_key.get(STRIP)

    keys = [row.ref.key for row in rows(strip)]
    assert keys.count("default/infra") == 1, keys  # once, and its counts once in the totals


# --- a write settled: the strips count it at once ---------------------------------------------


def _project_counts(client, org: str, project: str) -> dict[str, int]:
    """The project strip's counts of org/project, as its list page loads them."""
    listing = reverse("workspace_list", args=[org, project])
    strip = {"HX-Request": "true", "HX-Target": "status-overview"}
    return client.get(listing, headers=strip).context["metrics"].counts


def _create_in_infra(client, user) -> None:
    """A workspace created through the portal in default/infra (the author's submit)."""
    from tests.samples import complete_draft
    from workspaces.models import WorkspaceDraft

    data = complete_draft("review_new_ws")
    data["basics"]["name"] = "review-new-ws"
    draft = WorkspaceDraft.objects.create(
        owner=user,
        org="default",
        project="infra",
        data=data,
        name="review-new-ws",
        identifier="review_new_ws",
    )
    client.post(reverse("draft_submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "created"


def test_the_project_strip_counts_a_workspace_the_user_just_created(
    signed_in_with_key, user_with_key, fake
):
    listing = reverse("workspace_list", args=["default", "infra"])
    before = _project_counts(signed_in_with_key, "default", "infra")

    _create_in_infra(signed_in_with_key, user_with_key)

    table = signed_in_with_key.get(listing, {"status": "inactive"})
    after = _project_counts(signed_in_with_key, "default", "infra")
    listed = table.context["result"].page.total_items
    assert listed == before.get("inactive", 0) + 1
    assert after.get("inactive", 0) == listed


def test_after_a_write_a_failing_harness_shows_the_last_numbers_marked_stale(
    signed_in_with_key, user_with_key, fake
):
    listing = reverse("workspace_list", args=["default", "infra"])
    overview = {"HX-Request": "true", "HX-Target": "status-overview"}
    before = _project_counts(signed_in_with_key, "default", "infra")
    across = row_of(signed_in_with_key.get(STRIP, headers=HTMX), "default/infra").metrics.counts
    _create_in_infra(signed_in_with_key, user_with_key)
    # Each read is three calls (the client's two retries): both strips' reads fail.
    fake.inject("iacm.metrics", status=500, times=6, path="/projects/infra/")

    metrics = signed_in_with_key.get(listing, headers=overview).context["metrics"]
    row = row_of(signed_in_with_key.get(STRIP, headers=HTMX), "default/infra").metrics

    # The write marked the saved numbers out of date (not dropped): Harness was asked at once,
    # and when it failed the last numbers are shown, marked stale, as after any failure.
    assert metrics.error and metrics.stale and metrics.counts == before
    assert row.error and row.stale and row.counts == across


@pytest.mark.postgres  # the metrics cache and its cache.add lock
@pytest.mark.parametrize("cached", [True, False], ids=["warm", "cold"])
def test_a_refresh_in_flight_when_a_write_lands_does_not_hide_the_write(
    user_with_key, fake, monkeypatch, cached
):
    import threading

    from tests.workspaces.test_browse import create
    from workspaces.harness import HarnessClient

    real = HarnessClient.workspace_metrics
    read, go_on = threading.Event(), threading.Event()

    def slow(self, **kwargs):
        counts = real(self, **kwargs)
        read.set()
        go_on.wait(10)
        return counts

    before = _infra_numbers(user_with_key).total
    if not cached:
        cache.delete(cache_entry(user_with_key, "default", "infra"))
    monkeypatch.setattr(HarnessClient, "workspace_metrics", slow)
    refresh = threading.Thread(target=lambda: _infra_numbers(user_with_key, force=True))
    refresh.start()
    assert read.wait(10)  # Harness read, the numbers not stored yet

    create(fake, "review_race_ws")  # lands in default/infra, then settles for the key
    forget_status_metrics(
        account=ACCOUNT, fingerprint=fingerprint(user_with_key), org="default", project="infra"
    )
    # The writer's strip, asked while the refresh is on its way: it waits for its numbers.
    waiter = []
    waiting = threading.Thread(target=lambda: waiter.append(_infra_numbers(user_with_key)))
    waiting.start()
    time.sleep(0.1)
    go_on.set()
    refresh.join(10)
    waiting.join(10)
    monkeypatch.setattr(HarnessClient, "workspace_metrics", real)

    # The refresh's numbers, read before the write, are not served as fresh: read again.
    assert [numbers.total for numbers in waiter] == [before + 1]
    assert _infra_numbers(user_with_key).total == before + 1


@pytest.mark.postgres  # the metrics cache and its cache.add lock
def test_a_write_settling_as_a_refresh_stores_its_numbers_still_expires_them(
    user_with_key, fake, monkeypatch
):
    from workspaces import status_metrics

    real, checks = status_metrics.last_write, []

    def write_settles_after_the_check_before_storing(**where):
        marker = real(**where)
        checks.append(marker)
        if len(checks) == 2:  # before, then the check before storing; then the write settles
            forget_status_metrics(**where)  # finds nothing stored yet to mark
        return marker

    monkeypatch.setattr(status_metrics, "last_write", write_settles_after_the_check_before_storing)

    _infra_numbers(user_with_key)

    assert len(checks) == 3
    assert cache.get(cache_entry(user_with_key, "default", "infra")).expired


def test_the_strips_count_a_workspace_the_user_just_deleted(signed_in_with_key, fake):
    from tests.workspaces.test_decommission import INACTIVE, opened

    before = _project_counts(signed_in_with_key, "default", "sandbox")
    across = signed_in_with_key.get(STRIP, headers=HTMX).context["strip"].totals.counts
    draft = opened(signed_in_with_key, INACTIVE)

    signed_in_with_key.post(
        reverse("deletion_confirm", args=[draft.pk]), {"confirm_identifier": INACTIVE}
    )

    draft.refresh_from_db()
    assert draft.status == "deleted"
    assert _project_counts(signed_in_with_key, "default", "sandbox") == {
        **before,
        "inactive": before["inactive"] - 1,
    }
    totals = signed_in_with_key.get(STRIP, headers=HTMX).context["strip"].totals.counts
    assert totals == {**across, "inactive": across["inactive"] - 1}


def test_an_approved_request_forgets_the_approvers_numbers(user_with_key, other_user, fake):
    from tests.approvals.support import APPROVER_KEY
    from tests.workspaces.test_decommission import approve, held_deletion

    held = held_deletion(other_user, user_with_key, author_key=APPROVER_KEY)
    approvers = [
        cache_entry(user_with_key, "default", "sandbox", window) for window in ("all", "7d")
    ]
    cache.set_many({key: StatusMetrics({"inactive": 99}, time.time()) for key in approvers})

    approve(held, user_with_key)

    held.refresh_from_db()
    assert held.status == "deleted"
    # Kept (the last numbers, should Harness fail), but never fresh again: read at once.
    kept = cache.get_many(approvers)
    assert set(kept) == set(approvers)
    assert all(m.expired and m.counts == {"inactive": 99} for m in kept.values())


def test_only_the_first_projects_up_to_the_limit_are_counted(signed_in_with_key, fake, settings):
    settings.ACROSS_MAX_PROJECTS = 3

    response = signed_in_with_key.get(STRIP)

    strip = response.context["strip"]
    assert strip.counted == 3 and strip.left_out == PROJECTS - 3
    assertContains(response, "Only the first 3 projects are counted.")
    assertContains(response, "in 3 projects</h2>")
    assert fake.counters()["iacm.metrics"] == 3
