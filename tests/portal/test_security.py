"""Security checks across every URL and template: sign-in, CSRF, CSP, and keys never shown."""

import logging
import re
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pytest_django.asserts import assertNotContains

from tests.conftest import ACCOUNT, FULL_KEY
from workspaces.models import HarnessCredential

pytestmark = pytest.mark.django_db
PUBLIC = {"healthz", "readyz", "metrics", "login"}
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SAMPLE = {"org": "default", "project": "infra", "identifier": "vpc_dev_0001"}


def _portal_urls() -> list[tuple[str, str]]:
    """(name, url) for every named portal URL (admin excluded), with sample arguments."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                walk(pattern.url_patterns, prefix)
            elif isinstance(pattern, URLPattern) and pattern.name:
                kwargs = {}
                for name, converter in pattern.pattern.converters.items():
                    if type(converter).__name__ == "UUIDConverter":
                        # No such draft; fixed so that test ids are the same in every process.
                        kwargs[name] = uuid.uuid5(uuid.NAMESPACE_URL, pattern.name)
                    elif name == "step":
                        kwargs[name] = "basics"
                    else:
                        kwargs[name] = SAMPLE.get(name, "x")
                found.append((pattern.name, reverse(pattern.name, kwargs=kwargs)))

    walk(get_resolver().url_patterns)
    return found


PORTAL_URLS = _portal_urls()


def test_the_url_sweep_finds_the_pages():
    names = {name for name, _ in PORTAL_URLS}

    assert {"home", "harness_key", "org_list", "workspace_list", "workspace_detail"} <= names


@pytest.mark.parametrize(("name", "url"), [u for u in PORTAL_URLS if u[0] not in PUBLIC])
def test_every_page_needs_sign_in(client, fake, name, url):
    for method in ("get", "post"):
        response = getattr(client, method)(url)

        assert response.status_code == 302, f"{method.upper()} {url}"
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "url"), [u for u in PORTAL_URLS if u[0] not in PUBLIC])
def test_every_page_answers_htmx_anonymous_with_401_and_a_redirect(client, fake, name, url):
    response = client.get(url, headers={"HX-Request": "true"})

    assert response.status_code == 401
    assert response["HX-Redirect"] == reverse("login")
    assert b"workspace" not in response.content.lower()


def _post_urls(user) -> list[str]:
    """Every portal URL that accepts POST, with a real draft of the user's where one is needed."""
    from tests.workspaces.test_drafts import make_draft

    draft = make_draft(user)
    urls = []
    for name, url in PORTAL_URLS:
        if name.startswith("draft_") and name not in {"draft_list", "draft_start"}:
            kwargs = {"draft_id": draft.pk}
            if name in {"draft_step", "draft_picker"}:
                kwargs["step"] = "basics" if name == "draft_step" else "repository"
            if name == "draft_picker":
                kwargs["name"] = "git-connector"
            if name == "draft_export":
                kwargs["form"] = "tf"
            url = reverse(name, kwargs=kwargs)
        urls.append(url)
    return urls


def test_every_post_without_a_csrf_token_is_refused(user_with_key, fake):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_key)

    for url in _post_urls(user_with_key):
        response = client.post(url, {"name": "x"})
        if response.status_code == 405:
            continue  # a GET-only page
        assert response.status_code == 403, url
        htmx = client.post(url, {"name": "x"}, headers={"HX-Request": "true"})
        assert htmx.status_code == 403, url
        assert htmx["HX-Refresh"] == "true"
    assert not fake.log(route="iacm.workspaces.create")


def test_a_stale_csrf_token_is_refused(user_with_key, fake):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_key)
    client.get(reverse("harness_key"))
    stale = "x" * 64

    response = client.post(reverse("harness_key_delete"), {"csrfmiddlewaretoken": stale})

    assert response.status_code == 403
    assert HarnessCredential.objects.filter(user=user_with_key).exists()


@pytest.mark.parametrize(("name", "url"), PORTAL_URLS)
def test_csp_header_on_every_url(signed_in_with_key, fake, name, url):
    response = signed_in_with_key.get(url)

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe" not in csp


def test_error_reports_never_carry_the_key(rf, user):
    from django.views.debug import ExceptionReporter

    request = rf.post("/settings/harness-key/", {"api_key": FULL_KEY})
    request.user = user
    try:
        raise RuntimeError("boom")
    except RuntimeError as err:
        reporter = ExceptionReporter(request, type(err), err, err.__traceback__)
        text = reporter.get_traceback_text() + reporter.get_traceback_html()

    assert FULL_KEY not in text
    assert FULL_KEY.split(".")[-1] not in text


def test_error_reports_of_a_crash_while_a_key_is_in_hand_never_carry_it(
    rf, user, fake, monkeypatch
):
    """A crash after the key was read (the database refusing the save, say) is reported with each
    frame's local variables: the view's `api_key`, the client's `x-api-key` headers."""
    from django.views.debug import ExceptionReporter

    from workspaces import views
    from workspaces.clients import harness_client

    def crash_in_hand():
        client = harness_client(account_id=ACCOUNT, api_key=FULL_KEY)
        headers = {"x-api-key": FULL_KEY}
        raise RuntimeError(f"database is locked ({client!r}, {len(headers)} headers)")

    request = rf.post(reverse("harness_key"), {"api_key": FULL_KEY})
    request.user = user
    request._messages = None
    monkeypatch.setattr(views.services, "credential_save", lambda **kwargs: crash_in_hand())
    with pytest.raises(RuntimeError) as caught:
        views.harness_key(request)
    err = caught.value
    reporter = ExceptionReporter(request, type(err), err, err.__traceback__)
    text = reporter.get_traceback_text() + reporter.get_traceback_html()

    assert "database is locked" in text
    assert FULL_KEY.split(".")[-1] not in text


def test_error_reports_of_an_unreachable_harness_never_carry_the_key(rf, user):
    """requests' header dict (a `CaseInsensitiveDict`, not a dict) in urllib3's frames slipped
    past the check of each frame's containers, and showed the `x-api-key` header whole."""
    from django.views.debug import ExceptionReporter

    from workspaces.harness import HarnessClient, HarnessUnavailable
    from workspaces.harness.transport import build_session

    client = HarnessClient("http://127.0.0.1:9", ACCOUNT, FULL_KEY, session=build_session())
    with pytest.raises(HarnessUnavailable) as caught:
        client.list_orgs()
    err = caught.value
    request = rf.get(reverse("org_list"))
    request.user = user

    reporter = ExceptionReporter(request, type(err), err, err.__traceback__)
    text = reporter.get_traceback_text() + reporter.get_traceback_html()

    assert "Could not connect to Harness" in text
    assert FULL_KEY.split(".")[-1] not in text


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgres://portal:Db-Passw0rd-xyz@postgres:5432/portal", "postgres://portal:*"),
        ("rediss://:Redis-Passw0rd-xyz@cache.internal:6380/0", "rediss://:*"),
        ("redis://user:p%40ss:w0rd@h1:6379/0,redis://:Second-pw@h2/0", "redis://user:*"),
    ],
)
def test_error_reports_mask_the_password_of_any_url_in_the_settings(settings, url, shown):
    """Settings are hidden by name (PASS, KEY...); a URL's password hides in a setting whose name
    looks harmless: a cache's LOCATION, a DATABASE_URL."""
    from portal.logs import KeyRedactingExceptionReporterFilter

    settings.DATABASE_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": [url],
        }
    }

    safe = KeyRedactingExceptionReporterFilter().get_safe_settings()

    for value in (safe["DATABASE_URL"], safe["CACHES"]["default"]["LOCATION"][0]):
        assert "Passw0rd" not in value and "w0rd" not in value and "Second-pw" not in value
        assert value.startswith(shown)
        assert "@" in value  # the host is still shown


def test_missing_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(reverse("harness_key"), {"api_key": FULL_KEY})

    assert response.status_code == 403
    assert b"Please try again" in response.content


def test_missing_csrf_token_on_htmx_reloads_the_page(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(reverse("harness_key_delete"), headers={"HX-Request": "true"})

    assert response.status_code == 403
    assert response["HX-Refresh"] == "true"


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/settings/harness-key/", "/orgs/", "/healthz", "/nope/"]
)
def test_csp_header_is_strict_on_every_page(signed_in_with_key, url):
    response = signed_in_with_key.get(url)

    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp


def test_no_inline_script_or_style_in_any_template():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",  # inline script
            r"<style\b",
            r"\sstyle\s*=",
            r"\son[a-z]+\s*=",  # onclick= and friends
            r"\shx-on",
            r"javascript:",
        ):
            if re.search(pattern, text, re.IGNORECASE):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {pattern}")

    assert not offenders


def test_key_never_appears_in_pages_or_logs(client, user, fake, caplog):
    client.force_login(user)
    caplog.set_level(logging.DEBUG)

    client.post(reverse("harness_key"), {"api_key": FULL_KEY})
    pages = [
        client.get(reverse("harness_key")),
        client.get(reverse("org_list")),
        client.get(reverse("workspace_list", args=["default", "infra"])),
        client.get(
            reverse("workspace_list", args=["default", "infra"]),
            headers={"HX-Request": "true", "HX-Target": "status-overview"},
        ),
    ]

    secret = FULL_KEY.split(".")[-1]
    for page in pages:
        assertNotContains(page, secret)
    assert secret not in caplog.text
    assert FULL_KEY not in caplog.text


def test_key_never_in_a_failed_form(client, user, fake):
    client.force_login(user)
    fake.inject("ng.accounts.get", status=401)

    response = client.post(reverse("harness_key"), {"api_key": FULL_KEY})

    assertNotContains(response, FULL_KEY.split(".")[-1])
    assertNotContains(response, ACCOUNT + "." + FULL_KEY.split(".")[2])


def test_plain_http_harness_outside_loopback_fails_the_system_check(settings):
    from workspaces.checks import harness_base_url

    settings.HARNESS_BASE_URL = "http://harness.example.com"

    errors = harness_base_url(None)

    assert [e.id for e in errors] == ["workspaces.E001"]


def test_https_and_loopback_harness_pass_the_system_check(settings):
    from workspaces.checks import harness_base_url

    for url in ("https://app.harness.io", "http://127.0.0.1:8700", "http://localhost:1"):
        settings.HARNESS_BASE_URL = url
        assert harness_base_url(None) == []
