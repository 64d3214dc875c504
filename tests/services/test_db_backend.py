"""portal.db.postgresql on a real PostgreSQL: health checks only for connections left idle."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connections

from portal.db.postgresql.base import DatabaseWrapper
from tests.services.servers import PG, PG_URL


@pytest.fixture
def wrapper(services, django_db_blocker):
    """A connection of its own to the server's `postgres` database (not the test database)."""

    def make(delay: float) -> DatabaseWrapper:
        database = {
            "ENGINE": "portal.db.postgresql",
            "NAME": "postgres",
            "HOST": PG["host"],
            "PORT": PG["port"],
            "USER": PG["user"],
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "HEALTH_CHECK_DELAY": delay,
        }
        settings = connections.configure_settings({"default": database, "hc": dict(database)})
        settings = settings["hc"]
        made.append(DatabaseWrapper(settings, alias="hc"))
        return made[-1]

    made: list[DatabaseWrapper] = []
    with django_db_blocker.unblock():
        yield make
        for connection in made:
            connection.close()


def _count_checks(connection: DatabaseWrapper) -> list[int]:
    calls: list[int] = []
    real = connection.is_usable

    def counted():
        calls.append(1)
        return real()

    connection.is_usable = counted
    return calls


def _request(connection: DatabaseWrapper) -> int:
    """One request's worth of work, framed like Django's request signals frame it."""
    connection.close_if_unusable_or_obsolete()  # request_started
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    connection.close_if_unusable_or_obsolete()  # request_finished
    return pid


def test_a_connection_used_a_moment_ago_is_not_checked_again(wrapper):
    connection = wrapper(10)
    checks = _count_checks(connection)
    first = _request(connection)  # a new connection: nothing to check
    assert [_request(connection) for _ in range(5)] == [first] * 5
    assert checks == []


def test_an_idle_connection_is_checked_and_replaced_when_dead(wrapper):
    connection = wrapper(10)
    checks = _count_checks(connection)
    first = _request(connection)
    connection._released_at = time.monotonic() - 11  # idle past the delay
    assert _request(connection) == first
    assert checks == [1]

    connection._released_at = time.monotonic() - 11
    with psycopg.connect(PG_URL + "/postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [first])
    time.sleep(0.2)
    second = _request(connection)  # the check finds it dead: a new connection, no error
    assert second != first
    assert checks == [1, 1]


def test_delay_zero_checks_before_every_request(wrapper):
    connection = wrapper(0)
    checks = _count_checks(connection)
    _request(connection)
    for _ in range(3):
        _request(connection)
    assert checks == [1, 1, 1]
