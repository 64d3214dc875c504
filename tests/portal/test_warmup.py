"""A new gunicorn worker warms up before its first request (portal/warmup.py)."""

import json
import logging

import pytest

from portal import warmup
from portal.cache import RedisCache
from tests.portal.test_operations import PRODUCTION_ENV, ROOT, _clean_env, python_in

# Redis and PostgreSQL addresses nothing listens on: the warm-up must not connect to either.
NOWHERE = {
    "REDIS_URL": "redis://127.0.0.1:9/0",
    "DATABASE_URL": "postgres://nobody@127.0.0.1:9/portal",
}

_PROBE = """
import json, sys, django
django.setup()
from django.template import engines
from portal import warmup

loader = engines["django"].engine.template_loaders[0]
def state():
    names = warmup.project_templates()
    return {
        "templates": len(names),
        "compiled": sum(name in loader.get_template_cache for name in names),
        "views": "workspaces.views" in sys.modules,
        "redis": "redis" in sys.modules,
    }
before = state()
warmup.warm_up()
print(json.dumps({"before": before, "after": state()}))
"""


def test_a_worker_compiles_every_template_and_imports_the_views_without_connecting(tmp_path):
    env = _clean_env(**PRODUCTION_ENV, **NOWHERE, STATIC_ROOT=str(tmp_path))

    result = python_in(env, _PROBE)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["before"]["templates"] >= 25
    assert report["before"] == {
        "templates": report["before"]["templates"],
        "compiled": 0,
        "views": False,
        "redis": False,
    }
    assert report["after"] == {
        "templates": report["before"]["templates"],
        "compiled": report["before"]["templates"],
        "views": True,
        "redis": True,
    }
    logged = result.stdout + result.stderr
    assert "Worker warmed up in" in logged
    assert "failed" not in logged


def test_project_templates_are_the_files_under_templates():
    names = warmup.project_templates()

    assert "base.html" in names
    assert "workspaces/workspace_list.html" in names
    assert names == sorted(names)
    assert all((ROOT / "templates" / name).is_file() for name in names)


def test_a_failing_warm_up_is_logged_and_the_worker_goes_on(monkeypatch, caplog):
    monkeypatch.setattr(warmup, "project_templates", lambda: ["workspaces/no_such_page.html"])

    with caplog.at_level(logging.INFO, logger="portal.warmup"):
        warmup.warm_up()

    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "serves requests all the same" in record.getMessage()
    assert record.exc_info[0].__name__ == "TemplateDoesNotExist"


@pytest.mark.parametrize("options", [{}, {"socket_connect_timeout": 1}])
def test_preparing_the_redis_cache_connects_to_nothing(options):
    cache = RedisCache(NOWHERE["REDIS_URL"], {"OPTIONS": options})

    cache.prepare()

    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is client
    assert client.connection_pool._created_connections == 0
