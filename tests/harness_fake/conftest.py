"""One fake per session on a free port, restored to its seed before every test.

No Django and no database: run with ``pytest tests/harness_fake -p no:django``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness_fake.testing import FakeHandle, start_fake
from tests.harness_fake.support import Api


@pytest.fixture(autouse=True)
def _portal_settings() -> None:
    """Shadows the portal's autouse settings fixture, if any: these tests never touch Django."""


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Shadows the portal's cache clearing (Django's cache): nothing here uses it."""


@pytest.fixture(autouse=True)
def _fresh_circuit_breakers() -> None:
    """Shadows the portal's breaker reset: no portal client runs here."""


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeHandle]:
    handle = start_fake(port=0)
    yield handle
    handle.stop()


@pytest.fixture
def fake(fake_server: FakeHandle) -> FakeHandle:
    fake_server.reset()
    return fake_server


@pytest.fixture
def api(fake: FakeHandle) -> Iterator[Api]:
    client = Api(fake.base_url)
    yield client
    client.session.close()
