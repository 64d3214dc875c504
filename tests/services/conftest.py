"""Fixtures for the PostgreSQL + Redis tests: production-like gunicorn replicas over real HTTP.

The replicas run `gunicorn -c gunicorn.conf.py portal.wsgi` with `DJANGO_ENV=production` against
a PostgreSQL database of their own (`portal_svc_<pid>`, created here and dropped afterwards), a
Redis database with a per-run key prefix, and the session's fake Harness.

HTTPS: the production profile redirects plain HTTP and marks cookies Secure. The replicas run
with `SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https` and every request here carries
`X-Forwarded-Proto: https` and `Host: portal.test`, which is what the TLS-terminating proxy in
front of them sends in a deployment; nothing in the profile is switched off for the tests.
Cookies are kept by `Visitor` (requests would not send Secure cookies over http://).

Without the servers the tests are skipped with the reason; in CI (`CI=true`) that is a failure.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest
import redis
import requests
from cryptography.fernet import Fernet
from psycopg import sql

from tests.services.servers import PG, PG_URL, REDIS_HOST, REDIS_PORT, missing_servers
from tests.services.servers import running_in_ci as _running_in_ci

ROOT = Path(__file__).resolve().parents[2]
HOST = "portal.test"
ORIGIN = f"https://{HOST}"
REDIS_DB = 9
PASSWORD = "svc-" + secrets.token_urlsafe(12)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/services/" in str(item.fspath):
            item.add_marker(pytest.mark.services)


@pytest.fixture(scope="session")
def services():
    problem = missing_servers()
    if problem:
        if _running_in_ci():
            pytest.fail(f"PostgreSQL and Redis are required in CI: {problem}")
        pytest.skip(f"PostgreSQL/Redis tests skipped on this machine: {problem}")


@pytest.fixture(scope="session")
def service_database(services):
    """A PostgreSQL database for this run only, dropped at the end."""
    name = f"portal_svc_{os.getpid()}"
    with psycopg.connect(**PG, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield f"{PG_URL}/{name}"
    with psycopg.connect(**PG, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def cache_prefix(services):
    prefix = f"svc{os.getpid()}"
    yield prefix
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


@pytest.fixture(scope="session")
def redis_client(services):
    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def throwaway_redis():
    """A redis-server of our own on a free port (the machine's Redis is never stopped or hung)."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis(port=port, socket_timeout=1).ping()
            break
        except redis.RedisError:
            time.sleep(0.1)
    yield port, process
    if process.poll() is None:
        process.send_signal(signal.SIGCONT)  # a test that hung it (SIGSTOP) and failed
        process.terminate()
        process.wait(timeout=10)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


@pytest.fixture(scope="session")
def production_env(service_database, cache_prefix, harness_fake_server, tmp_path_factory):
    """The environment of a production deployment, pointing at this run's servers."""
    tmp = tmp_path_factory.mktemp("services")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CACHE_", "GUNICORN_", "SECURE_"))
    }
    env.update(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "HARNESS_TOKEN_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": HOST,
            "PORTAL_URL": f"https://{HOST}",
            "DATABASE_URL": service_database,
            "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "CACHE_KEY_PREFIX": cache_prefix,
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
            "HARNESS_BASE_URL": harness_fake_server.base_url,
            "HARNESS_READ_TIMEOUT": "5",
            "STATIC_ROOT": str(tmp / "static"),
            "METRICS_BEARER_TOKEN": secrets.token_urlsafe(24),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "PORTAL_AUTH": "local",
            "PYTHONUNBUFFERED": "1",
            "SVC_TMP": str(tmp),
        }
    )
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    manage(env, "demo_setup", "--username", "alice", "--password", PASSWORD)
    return env


@dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_replica(env: dict[str, str], name: str, *, workers: int = 2, threads: int = 4):
    """`gunicorn -c gunicorn.conf.py portal.wsgi` on a free port; returns once /healthz answers."""
    tmp = Path(env["SVC_TMP"])
    port = free_port()
    replica_env = {
        **env,
        "PORT": str(port),
        "GUNICORN_BIND_HOST": "127.0.0.1",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        # Off by default (the portal logs every request itself); on here to test its format.
        "GUNICORN_ACCESS_LOG": "-",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / f"prometheus-{name}"),
    }
    log_path = tmp / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi"],
            cwd=ROOT,
            env=replica_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    replica = Replica(name, port, process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn {name} exited:\n" + "\n".join(replica.log_lines()[-30:]))
        try:
            answer = requests.get(f"{replica.url}/healthz", headers={"Host": HOST}, timeout=5)
            if answer.status_code == 200:
                return replica
        except requests.RequestException:
            pass  # not listening yet, or still booting its workers
        time.sleep(0.2)
    replica.stop()
    pytest.fail(f"gunicorn {name} did not answer /healthz:\n" + "\n".join(replica.log_lines()))


@pytest.fixture(scope="session")
def replicas(production_env):
    """Two gunicorn instances (2 workers x 4 threads each) sharing PostgreSQL and Redis."""
    a = start_replica(production_env, "replica-a")
    try:
        b = start_replica(production_env, "replica-b")
    except BaseException:
        a.stop()
        raise
    yield a, b
    a.stop()
    b.stop()


@dataclass
class Visitor:
    """One browser behind the load balancer: its cookies go to whichever replica it reaches."""

    cookies: dict[str, str] = field(default_factory=dict)
    set_cookies: list[SimpleCookie] = field(default_factory=list)

    def request(self, replica: Replica, method: str, path: str, *, headers=None, **kwargs):
        sent = {"Host": HOST, "X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if method != "GET":
            sent.setdefault("Origin", ORIGIN)
            if "__Host-csrftoken" in self.cookies:
                sent.setdefault("X-CSRFToken", self.cookies["__Host-csrftoken"])
        response = requests.request(
            method, replica.url + path, headers=sent, allow_redirects=False, timeout=30, **kwargs
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            self.set_cookies.append(cookie)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, replica: Replica, path: str, **kwargs):
        return self.request(replica, "GET", path, **kwargs)

    def post(self, replica: Replica, path: str, **kwargs):
        return self.request(replica, "POST", path, **kwargs)

    def sign_in(self, replica: Replica, username: str = "alice", password: str = PASSWORD):
        form = self.get(replica, "/accounts/login/")
        assert form.status_code == 200, form.status_code
        response = self.post(
            replica, "/accounts/login/", data={"username": username, "password": password}
        )
        assert response.status_code == 302, response.text[:500]
        assert "__Host-sessionid" in self.cookies
        return response


@pytest.fixture
def visitor() -> Visitor:
    return Visitor()


@pytest.fixture
def alice(replicas) -> Visitor:
    """Alice (her Harness key registered), signed in on replica A."""
    visitor = Visitor()
    visitor.sign_in(replicas[0])
    return visitor
