"""Are the PostgreSQL and Redis of this machine (and of CI) answering?

Used by the services fixtures and by `run_suite.py`; stdlib + psycopg + redis only.
"""

import os
import shutil

PG = {"host": "127.0.0.1", "port": 5432, "dbname": "test", "user": "postgres"}
PG_URL = "postgres://postgres@127.0.0.1:5432"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_servers() -> str:
    """Why the services tests cannot run here, or "" when PostgreSQL and Redis both answer."""
    import psycopg
    import redis

    problems = []
    try:
        with psycopg.connect(**PG, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as err:
        problems.append(f"PostgreSQL at {PG['host']}:{PG['port']} does not answer ({err})")
    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=3).ping()
    except redis.RedisError as err:
        problems.append(f"Redis at {REDIS_HOST}:{REDIS_PORT} does not answer ({err})")
    if not shutil.which("redis-server"):
        problems.append("redis-server is not installed (the /readyz test starts a throwaway one)")
    return "; ".join(problems)
