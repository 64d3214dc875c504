"""Fixtures for the Harness client tests: a real fake Harness over HTTP, reset for every test.

These tests need neither Django nor a database (`pytest tests/harness -p no:django`).
"""

import contextlib
import threading
import time

import pytest

from harness_fake.testing import start_fake
from workspaces.harness import HarnessClient, call_observers
from workspaces.harness.transport import build_session

ACCOUNT = "AcmeDemoAcct01"
FULL_KEY = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.dEmOfUlLaCcEsS00000001"
READ_KEY = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e9.dEmOrEaDoNlY00000002"
ORG_KEY = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7ea.dEmOoRgPlAtFoRm0000003"
OTHER_ACCOUNT = "OtherAcct02"
OTHER_KEY = "pat.OtherAcct02.75b2a1d0e1f2a3b4c5d6e7f8.oThErAcCoUnT000000004"
KEY_SECRETS = tuple(key.rsplit(".", 1)[1] for key in (FULL_KEY, READ_KEY, ORG_KEY, OTHER_KEY))


@pytest.fixture(autouse=True)
def _portal_settings():
    """Overrides the portal's autouse settings fixture: these tests run without Django."""


@pytest.fixture(scope="session")
def fake_server():
    handle = start_fake(port=0)
    yield handle
    handle.stop()


# IaCM `GET .../workspaces/{identifier}`, as the client's call observers name it.
GET_WORKSPACE_ROUTE = "GET /iacm/api/orgs/{org}/projects/{project}/workspaces/{identifier}"


@contextlib.contextmanager
def after_the_first_look_that_misses(then):
    """While open, `then()` runs once, just after the first read of a workspace that Harness
    answers 404 (a submit's look before it posts again). Yields an Event, cleared once it ran."""
    armed = threading.Event()
    armed.set()

    def observer(route, status, _seconds, _error):
        if armed.is_set() and route == GET_WORKSPACE_ROUTE and status == 404:
            armed.clear()
            then()

    call_observers.append(observer)
    try:
        yield armed
    finally:
        call_observers.remove(observer)


@pytest.fixture
def fake(fake_server):
    """The fake Harness, restored to its seed with no faults and an empty log."""
    fake_server.reset()
    yield fake_server
    fake_server.clear_faults()


@pytest.fixture
def make_client(fake):
    """Build clients on private sessions (so pool state never leaks between tests)."""
    sessions = []

    def make(key=FULL_KEY, account=ACCOUNT, base_url=None, **kwargs):
        if "session" not in kwargs:
            kwargs["session"] = build_session(pool_maxsize=4)
            sessions.append(kwargs["session"])
        return HarnessClient(base_url or fake.base_url, account, key, **kwargs)

    yield make
    for session in sessions:
        session.close()


def wait_until_logged(fake, route, count=1, seconds=5.0):
    """Wait for the fake to log `count` calls of `route`.

    After a client's read timeout the fake's handler is still sleeping on an injected delay; it
    logs the call when it wakes. Waiting for that keeps the entry out of the next test's log.
    """
    deadline = time.monotonic() + seconds
    while len(fake.log(route=route)) < count:
        assert time.monotonic() < deadline, f"the fake never logged {count} x {route}"
        time.sleep(0.05)


@pytest.fixture
def client(make_client):
    """A client with the seeded full-access key."""
    return make_client()


@pytest.fixture
def workspace_body():
    """A factory of valid create bodies (they reference account-scope connectors and secrets)."""
    return _workspace_body


def _workspace_body(identifier, **overrides):
    body = {
        "identifier": identifier,
        "name": identifier.replace("_", "-"),
        "description": "made by a test",
        "provisioner": "opentofu",
        "provisioner_version": "1.8.1",
        "provider_connector": "account.aws_prod",
        "repository": "infra-live",
        "repository_connector": "account.github_acme",
        "repository_branch": "main",
        "repository_path": "envs/test",
        "terraform_variables": {
            "region": {"key": "region", "value": "eu-west-1", "value_type": "string"}
        },
        "environment_variables": {
            "TF_TOKEN": {"key": "TF_TOKEN", "value": "account.tf_token", "value_type": "secret"}
        },
        "tags": {"team": "platform", "env": "dev"},
        "cost_estimation_enabled": False,
    }
    body.update(overrides)
    return body
