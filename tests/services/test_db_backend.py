"""Django's PostgreSQL backend as the portal configures it: kept connections, health-checked."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper

from tests.services.servers import PG, PG_URL


@pytest.fixture
def connection(services, django_db_blocker):
    """A connection of its own to the server's `postgres` database (not the test database)."""
    database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "HOST": PG["host"],
        "PORT": PG["port"],
        "USER": PG["user"],
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
    settings = connections.configure_settings({"default": database, "hc": dict(database)})
    wrapper = DatabaseWrapper(settings["hc"], alias="hc")
    with django_db_blocker.unblock():
        yield wrapper
        wrapper.close()


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


def test_a_kept_connection_is_checked_once_before_each_request_uses_it(connection):
    checks = _count_checks(connection)

    first = _request(connection)  # a new connection: nothing to check
    later = [_request(connection) for _ in range(5)]

    assert later == [first] * 5
    assert checks == [1] * 5


def test_a_connection_postgresql_dropped_is_replaced_without_a_failed_request(connection):
    checks = _count_checks(connection)
    first = _request(connection)

    with psycopg.connect(PG_URL + "/postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [first])
    time.sleep(0.2)
    second = _request(connection)  # the check finds it dead: a new connection, no error

    assert second != first
    assert checks == [1]
    assert _request(connection) == second
