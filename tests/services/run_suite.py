"""Run the suite's database and cache tests again, on PostgreSQL and Redis (`make test` does).

    python -m tests.services.run_suite [pytest args]

The default run uses SQLite and the local-memory cache; this one sets DATABASE_URL and REDIS_URL
and runs the tests marked `postgres` (those whose outcome depends on the database or the cache:
locks, transactions, threads racing, the cache lock, rate limits, sessions, hand-written SQL) on
the servers the portal uses in production; creating the test database runs every migration on
PostgreSQL. Collecting no test (pytest's exit status 5) is a failure: a mistyped marker must not
pass quietly. pytest-django creates (and drops) its own database `test_portal_suite_<pid>`; the
cache uses Redis database `SUITE_REDIS_DB` (default 15, flushed by the tests) with a per-run key
prefix. Without the servers it prints why and exits 0, except in CI (`CI=true`), where that is a
failure.
"""

import os
import subprocess
import sys

import pytest

from tests.services.servers import (
    PG,
    PG_URL,
    REDIS_HOST,
    REDIS_PORT,
    missing_servers,
    running_in_ci,
)

NO_TESTS_COLLECTED = int(pytest.ExitCode.NO_TESTS_COLLECTED)


def main(argv: list[str]) -> int:
    problem = missing_servers()
    if problem:
        if running_in_ci():
            print(f"FAILED: PostgreSQL and Redis are required in CI: {problem}", file=sys.stderr)
            return 1
        print(f"SKIPPED: the suite on PostgreSQL and Redis: {problem}")
        return 0
    pid = os.getpid()
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG_URL}/portal_suite_{pid}",
        "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{os.environ.get('SUITE_REDIS_DB', '15')}",
        "CACHE_KEY_PREFIX": f"suite{pid}",
        # Tests open connections in threads of their own that no request_finished closes; with
        # persistent connections those would keep the test database from being dropped.
        "DB_CONN_MAX_AGE": "0",
    }
    env.pop("CACHE_URL", None)
    print(f"--- the suite on PostgreSQL ({env['DATABASE_URL']}) and Redis ({env['REDIS_URL']})")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-m",
        "postgres and not browser and not services",
        # Tests that use the Django test client from threads of their own leave those threads'
        # connections open; the database is dropped WITH (FORCE) below instead.
        "-W",
        "ignore:Error when trying to teardown test databases:pytest.PytestWarning",
        "tests",
        *argv,
    ]
    try:
        status = subprocess.call(command, env=env)
    finally:
        _drop_database(f"test_portal_suite_{pid}")  # left behind when a run is interrupted
    if status == NO_TESTS_COLLECTED:
        print("FAILED: no test marked postgres was collected", file=sys.stderr)
        return 1
    return status


def _drop_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(**PG, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
