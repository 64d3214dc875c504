"""Shared fixtures: a running harness_fake over real HTTP, users, and signed-in clients."""

import os
import re
from collections import Counter

import pytest

from harness_fake.testing import start_fake

FULL_KEY = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.dEmOfUlLaCcEsS00000001"
READ_KEY = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e9.dEmOrEaDoNlY00000002"
ORG_KEY = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7ea.dEmOoRgPlAtFoRm0000003"
OTHER_KEY = "pat.OtherAcct02.75b2a1d0e1f2a3b4c5d6e7f8.oThErAcCoUnT000000004"
ACCOUNT = "AcmeDemoAcct01"
TEST_TOKEN_KEYS = ["dGVzdC1vbmx5LWhhcm5lc3MtdG9rZW4ta2V5LTAwMDA="]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Tests that commit transactions (threads racing for a lock or a cache entry) behave
    differently on each database: `tests/services/run_suite.py` runs them on PostgreSQL too."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction"):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def harness_fake_server():
    server = start_fake(port=0, seed="demo")
    yield server
    server.stop()


@pytest.fixture
def fake(harness_fake_server):
    """The fake Harness, reset to its seed before the test."""
    harness_fake_server.reset()
    return harness_fake_server


@pytest.fixture(autouse=True)
def _portal_settings(settings, request):
    """Every Django test talks to the session's fake Harness and uses test encryption keys."""
    settings.HARNESS_TOKEN_KEYS = TEST_TOKEN_KEYS
    settings.HARNESS_READ_TIMEOUT = 2.0
    settings.PORTAL_AUTH = "local"
    # Django's docs advise a fast hasher for tests: PBKDF2 at 1.5 M iterations takes about a
    # second per password here, and the suite hashes hundreds (every user, every sign-in).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AUTHENTICATION_BACKENDS = ["portal.backends.PortalModelBackend"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if "harness_fake_server" in request.fixturenames or "fake" in request.fixturenames:
        settings.HARNESS_BASE_URL = request.getfixturevalue("harness_fake_server").base_url


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached metrics, tags and rate-limit counters never leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_circuit_breakers():
    """Failures injected by one test must not leave Harness (or Redis) "paused" for the next."""
    from portal.cache import reset_cache_breakers
    from workspaces.harness import reset_breakers

    reset_breakers()
    reset_cache_breakers()
    yield
    reset_breakers()
    reset_cache_breakers()


@pytest.fixture
def user(db, django_user_model):
    return django_user_model.objects.create_user(username="alice", password="s3cret-pass")


@pytest.fixture
def other_user(db, django_user_model):
    return django_user_model.objects.create_user(username="bob", password="s3cret-pass")


@pytest.fixture
def user_with_key(user, fake):
    from workspaces.services import credential_save

    credential_save(user=user, account_id=ACCOUNT, api_key=FULL_KEY, account_name="Acme Demo")
    return user


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def signed_in_with_key(client, user_with_key):
    client.force_login(user_with_key)
    return client


@pytest.fixture
def rate_limiting_harness():
    """A Harness that answers every call 429 with `Retry-After: 120` (real HTTP; the fake
    sends no Retry-After)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            body = b'{"code":"TOO_MANY_REQUESTS","message":"","status":"ERROR"}'
            self.send_response(429)
            self.send_header("Retry-After", "120")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def harness_proxy(fake):
    """A real HTTP proxy in front of the fake: `harness_proxy.refuse(path_part, retry_after=1)`
    answers the next call whose path contains `path_part` 429 with that `Retry-After` (the fake
    sends none); point `settings.HARNESS_BASE_URL` at `harness_proxy.base_url`."""
    from tests.harness_proxy import HarnessProxy

    proxy = HarnessProxy(fake.base_url)
    yield proxy
    proxy.stop()


@pytest.fixture
def harness_behind_private_ca(tmp_path):
    """(https base URL, CA bundle path): a Harness stand-in whose certificate only that bundle's
    CA vouches for (`tests/private_ca.py`)."""
    from tests.private_ca import serve_behind_private_ca

    with serve_behind_private_ca(tmp_path) as served:
        yield served


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def duplicate_ids(content: str) -> list[str]:
    """The ids a page gives more than one element (htmx finds the focused element by its id)."""
    counts = Counter(re.findall(r'\sid="([^"]+)"', content))
    return sorted(name for name, count in counts.items() if count > 1)
