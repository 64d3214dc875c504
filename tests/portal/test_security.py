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
                        kwargs[name] = uuid.uuid4()
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
