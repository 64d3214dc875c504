"""Every page that calls Harness, under each kind of failure it tells apart: never a 500.

Each case checks the human message for the error's class; 401 leads to the key page. How the
client turns each fault the fake can inject (5xx, timeouts, malformed or HTML bodies, dropped
connections, redirects) into an error class is tested once in tests/harness/test_errors.py; here
every page shows each class once, and each of those faults is still seen end to end on one page.
(The wizard's pickers, identifier check and submit have their own matrix in the wizard tests.)
"""

import pytest
from django.core.cache import cache
from django.urls import reverse
from pytest_django.asserts import assertContains

from tests.conftest import FULL_KEY
from workspaces.feedback import harness_error_message, retry_after_seconds
from workspaces.harness import errors
from workspaces.models import HarnessCredential

pytestmark = pytest.mark.django_db

FAULTS = {
    "400": {"status": 400},
    "401": {"status": 401},
    "403": {"status": 403},
    "404": {"status": 404},
    "409": {"status": 409},
    "429": {"status": 429},
    "500": {"status": 500},
    "502": {"status": 502},
    "503": {"status": 503},
    "timeout": {"delay_ms": 900},
    "malformed": {"body": "malformed"},
    "html": {"body": "html"},
    "dropped": {"drop": True},
    "redirect": {"redirect": "http://evil.example.com/steal"},
}
UNAVAILABLE = "Harness is not responding right now"
MESSAGES = {
    "400": "Harness refused the request",
    "403": "not allowed",
    "404": "could not find",
    "409": "conflict",
    "429": "limiting requests",
    **{name: f"Harness answered with an error (HTTP {name})" for name in ("500", "502", "503")},
    "html": "Harness answered with an error (HTTP 502)",  # a proxy's error page
    "malformed": "Harness sent an answer we could not read",
    **{name: UNAVAILABLE for name in ("timeout", "dropped", "redirect")},
}


def _list(client):
    return client.get(reverse("workspace_list", args=["default", "infra"]))


def _list_partial(client):
    return client.get(
        reverse("workspace_list", args=["default", "infra"]),
        {"q": "dev"},
        headers={"HX-Request": "true", "HX-Target": "workspace-table"},
    )


def _metrics(client):
    return client.get(
        reverse("workspace_list", args=["default", "infra"]),
        headers={"HX-Request": "true", "HX-Target": "status-overview"},
    )


PAGES = {
    "org picker": ("v1.orgs.list", lambda c: c.get(reverse("org_list"))),
    "org search": (
        "v1.orgs.list",
        lambda c: c.get(reverse("org_list"), {"q": "d"}, headers={"HX-Request": "true"}),
    ),
    "project picker": (
        "v1.projects.list",
        lambda c: c.get(reverse("project_list", args=["default"])),
    ),
    "workspace list": ("iacm.workspaces.list", _list),
    "workspace list partial": ("iacm.workspaces.list", _list_partial),
    "status metrics": ("iacm.metrics", _metrics),
    "workspace page": (
        "iacm.workspaces.get",
        lambda c: c.get(reverse("workspace_detail", args=["default", "infra", "backup_dev_0083"])),
    ),
}


# The classes a page tells apart: 401 (the key page), 403, 404 (the workspace page's own 404), 429.
BRANCHES = ["401", "403", "404", "429"]
# HarnessUnavailable, through a different fault on each page.
UNAVAILABLE_VIA = {
    "org picker": "500",
    "org search": "502",
    "project picker": "timeout",
    "workspace list": "malformed",
    "workspace list partial": "html",
    "status metrics": "dropped",
    "workspace page": "redirect",
}
CASES = [
    *((page, fault) for page in PAGES for fault in [*BRANCHES, UNAVAILABLE_VIA[page]]),
    # Every page words these through the same middleware: once is enough.
    ("workspace list", "400"),
    ("workspace list", "409"),
]


@pytest.fixture(autouse=True)
def _short_timeouts(settings):
    settings.HARNESS_READ_TIMEOUT = 0.5
    cache.clear()


def test_every_fault_and_page_is_covered():
    assert {fault for _, fault in CASES} == set(FAULTS) - {"503"}  # 503: the breaker's test
    assert {page for page, _ in CASES} == set(PAGES)


@pytest.mark.parametrize(("page", "fault"), CASES)
def test_page_shows_each_error_class(signed_in_with_key, fake, page, fault):
    route, load = PAGES[page]
    fake.inject(route, times=5, **FAULTS[fault])

    response = load(signed_in_with_key)

    assert response.status_code != 500
    body = response.content.decode()
    if fault == "401":
        target = response.get("HX-Redirect") or response.get("Location")
        assert target == reverse("harness_key")
        return
    if page == "workspace page" and fault == "404":
        assert response.status_code == 404
        assert "Workspace not found" in body
        return
    if page == "workspace list" and fault == "404":  # no such project: a way out, not a table
        assert response.status_code == 404
        assert "Project not found" in body
        assert 'href="/orgs/"' in body
        return
    assert MESSAGES[fault] in body, f"{page} / {fault}: {response.status_code}"
    assert FULL_KEY.split(".")[-1] not in body
    assert "evil.example.com" not in str(fake.log())


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        (None, "Wait a few seconds and try again."),
        (0.0, "Wait a few seconds and try again."),
        (1.0, "Try again in about 1 second."),
        (45.0, "Try again in about 45 seconds."),
        (60.0, "Try again in about 1 minute."),
        (90.0, "Try again in about 2 minutes."),
        (7200.0, "Try again in about 2 hours."),
    ],
)
def test_a_rate_limit_says_how_long_harness_asked_to_wait(retry_after, wait):
    err = errors.HarnessRateLimited("slow down", retry_after=retry_after)

    assert harness_error_message(err) == f"Harness is limiting requests right now. {wait}"


@pytest.mark.parametrize(
    ("status", "retry_after", "message"),
    [
        (503, 120.0, "Harness answered with an error (HTTP 503). Try again in about 2 minutes."),
        (503, None, "Harness answered with an error (HTTP 503). Try again in a moment."),
        (None, 5.0, "Harness is not responding right now. Try again in about 5 seconds."),
    ],
)
def test_an_outage_says_how_long_harness_asked_to_wait(status, retry_after, message):
    """A 503 for maintenance with `Retry-After: 120` said "Try again in a moment"."""
    err = errors.HarnessUnavailable("maintenance", status=status, retry_after=retry_after)

    assert harness_error_message(err) == message
    assert retry_after_seconds(err) == (retry_after and int(retry_after))  # the page's header


def test_a_rate_limited_page_sends_harness_retry_after(
    signed_in_with_key, rate_limiting_harness, settings
):
    settings.HARNESS_BASE_URL = rate_limiting_harness

    response = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "infra", "backup_dev_0083"])
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    assertContains(response, "Try again in about 2 minutes.", status_code=503)


# 401, 403, 404, 429, 500 and 503: test_each_harness_failure_on_the_key_form (test_harness_key.py).
@pytest.mark.parametrize("fault", ["400", "409", "timeout"])
def test_key_check_shows_each_error_class(signed_in, user, fake, fault):
    fake.inject("ng.accounts.get", times=5, **FAULTS[fault])

    response = signed_in.post(reverse("harness_key"), {"api_key": FULL_KEY})

    assert response.status_code == 200
    body = response.content.decode()
    assert MESSAGES[fault] in body
    assert "Nothing was saved" in body
    assert not HarnessCredential.objects.filter(user=user).exists()


@pytest.mark.postgres  # the metrics cache
def test_stale_metrics_are_served_through_every_error_class(signed_in_with_key, fake, settings):
    first = _metrics(signed_in_with_key).context["metrics"]
    settings.METRICS_CACHE_SECONDS = 0

    # 401 goes to the key page; after a 403 or 404 the numbers are no longer the key's to see
    # (test_a_key_refused_the_project_no_longer_sees_its_counts, test_browse.py).
    # A 429 is kept until its Retry-After (answering for the calls after it): last.
    for fault in ["400", "409", "503", "429"]:
        fake.inject("iacm.metrics", times=5, **FAULTS[fault])
        response = _metrics(signed_in_with_key)
        fake.clear_faults()

        assert response.context["metrics"].counts == first.counts, fault
        assert "Showing saved numbers" in response.content.decode(), fault


def test_the_breaker_stops_calls_to_a_failing_harness(signed_in_with_key, fake, settings):
    fake.inject("iacm.workspaces.list", status=503, times=1000)

    for _ in range(8):
        response = _list_partial(signed_in_with_key)
        assert response.status_code == 200

    # 5 failing calls (3 attempts each, GET retries) open the circuit; the rest never leave.
    assert len(fake.log(route="iacm.workspaces.list")) == 5 * 3
    assert "pausing calls" in response.content.decode()
