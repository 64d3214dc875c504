"""Two production-like gunicorn replicas sharing PostgreSQL and Redis, over real HTTP.

See conftest.py for how they run (DJANGO_ENV=production behind a simulated TLS proxy).
"""

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.samples import formset_rows
from tests.services.conftest import HOST, Visitor

pytestmark = pytest.mark.services

LIST = "/orgs/default/projects/infra/workspaces/"
METRICS_PARTIAL = {"HX-Request": "true", "HX-Target": "status-overview"}
METRICS_ROUTE = "iacm.metrics"
CREATE_ROUTE = "iacm.workspaces.create"


def test_a_user_signed_in_on_one_replica_is_signed_in_on_the_other(replicas):
    a, b = replicas
    visitor = Visitor()

    before = visitor.get(b, "/settings/harness-key/")
    visitor.sign_in(a)
    on_b = visitor.get(b, "/settings/harness-key/")
    visitor.post(b, "/accounts/logout/")
    on_a_after_sign_out = visitor.get(a, "/settings/harness-key/")

    assert before.status_code == 302
    assert before.headers["Location"].startswith("/accounts/login/")
    assert on_b.status_code == 200
    assert 'title="Signed in as alice"' in on_b.text
    assert on_b.headers["Cache-Control"] == "no-store, private"
    assert on_a_after_sign_out.status_code == 302


def test_session_and_csrf_cookies_are_host_prefixed_and_secure(replicas):
    visitor = Visitor()

    visitor.sign_in(replicas[0])

    cookies = {name: morsel for jar in visitor.set_cookies for name, morsel in jar.items()}
    assert set(cookies) >= {"__Host-sessionid", "__Host-csrftoken"}
    for morsel in cookies.values():
        assert morsel["secure"] is True
        assert morsel["httponly"] is True
        assert morsel["path"] == "/"
        assert morsel["domain"] == ""


def test_plain_http_is_redirected_but_probes_are_not(replicas):
    a, _ = replicas
    visitor = Visitor()

    page = visitor.get(a, "/accounts/login/", headers={"X-Forwarded-Proto": "http"})
    health = visitor.get(a, "/healthz", headers={"X-Forwarded-Proto": "http"})

    assert page.status_code == 301
    assert page.headers["Location"] == f"https://{HOST}/accounts/login/"
    assert health.status_code == 200
    assert "Strict-Transport-Security" not in page.headers or page.headers[
        "Strict-Transport-Security"
    ].startswith("max-age=")


def test_a_wizard_draft_started_on_one_replica_continues_on_the_other(replicas, alice):
    a, b = replicas

    started = alice.post(a, "/orgs/default/projects/infra/new-workspace/")
    first_url = started.headers["Location"]  # a new draft opens on "Start from"
    basics_url = first_url.replace("/template/", "/basics/")
    saved_on_b = alice.post(
        b,
        basics_url,
        data={
            "name": "Replica cache",
            "identifier": "",
            "description": "Saved on B",
            **formset_rows("tag", {"key": "team", "value": "platform"}),
            "action": "next",
        },
    )
    shown_on_a = alice.get(a, basics_url)

    assert started.status_code == 302
    assert re.fullmatch(r"/drafts/[0-9a-f-]{36}/template/", first_url)
    assert saved_on_b.status_code == 302
    assert saved_on_b.headers["Location"] == basics_url.replace("/basics/", "/repository/")
    assert shown_on_a.status_code == 200
    assert 'value="Replica cache"' in shown_on_a.text
    assert 'value="replica_cache"' in shown_on_a.text
    assert "Saved on B" in shown_on_a.text


def test_twenty_cold_metrics_requests_over_both_replicas_make_one_harness_call(
    replicas, alice, harness_fake_server, redis_client, cache_prefix
):
    _forget_cached_metrics(redis_client, cache_prefix)
    harness_fake_server.reset()
    # The one Harness call is slow, so the other 19 requests all arrive while it is in flight.
    harness_fake_server.inject(METRICS_ROUTE, delay_ms=800, times=1)
    barrier = threading.Barrier(20)

    def fetch(index: int):
        barrier.wait()
        return alice.get(replicas[index % 2], LIST, headers=METRICS_PARTIAL)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(fetch, range(20)))

    assert [r.status_code for r in responses] == [200] * 20
    for response in responses:
        assert 'id="status-overview"' in response.text
        assert 'class="status-strip"' in response.text
        assert "Loading status counts" not in response.text
    assert harness_fake_server.counters().get(METRICS_ROUTE) == 1


def _complete_draft_on_both_replicas(
    alice: Visitor,
    a,
    b,
    *,
    identifier: str = "svc_vpc",
    tags: tuple[tuple[str, str], ...] = (("team", "platform"),),
    cost_estimation: bool = False,
) -> str:
    """Fill every step of a new draft through the wizard, alternating replicas."""
    started = alice.post(a, "/orgs/default/projects/infra/new-workspace/")
    base = started.headers["Location"].removesuffix("template/")
    steps = [
        ("template", {"source": "scratch"}),
        (
            "basics",
            {
                "name": identifier.replace("_", "-"),
                "identifier": identifier,
                "description": "Created by the services test",
                **formset_rows("tag", *({"key": k, "value": v} for k, v in tags)),
            },
        ),
        (
            "repository",
            {
                "connector": "account.github_acme",
                "repository": "infra-live",
                "fetch_type": "branch",
                "branch": "main",
                "path": "vpc/dev",
                "submodules": "false",
            },
        ),
        (
            "provisioner",
            {
                "provisioner": "opentofu",
                "version": "1.10.6",
                "aws": "account.aws_prod",
                **({"cost_estimation_enabled": "on"} if cost_estimation else {}),
            },
        ),
        (
            "variables",
            formset_rows(
                "terraform", {"key": "region", "value_type": "string", "value": "eu-west-1"}
            ),
        ),
    ]
    for index, (step, data) in enumerate(steps):
        response = alice.post((a, b)[index % 2], f"{base}{step}/", data={**data, "action": "next"})
        assert response.status_code == 302, (step, response.text[:2000])
    review = alice.get(b, f"{base}review/")
    assert review.status_code == 200
    assert "Some steps need attention" not in review.text
    return base


def test_a_submit_sent_to_both_replicas_at_once_makes_one_post(
    replicas, alice, harness_fake_server
):
    a, b = replicas
    harness_fake_server.reset()
    base = _complete_draft_on_both_replicas(alice, a, b)
    submit = base + "submit/"
    result_url = base + "result/"
    # A slow create: the second submit arrives while the first is still waiting on Harness.
    harness_fake_server.inject(CREATE_ROUTE, delay_ms=800, times=1)
    barrier = threading.Barrier(2)

    def send(replica):
        barrier.wait()
        return alice.post(replica, submit)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(send, [a, b]))
    result = alice.get(a, result_url)

    assert [r.status_code for r in responses] == [302, 302]
    assert {r.headers["Location"] for r in responses} == {result_url}
    assert len(harness_fake_server.log(route=CREATE_ROUTE)) == 1
    assert result.status_code == 200
    assert "Created." in result.text


def _forget_cached_metrics(redis_client, cache_prefix) -> None:
    for key in redis_client.scan_iter(match=f"{cache_prefix}:*metrics:*"):
        redis_client.delete(key)


def test_metrics_are_served_per_replica_to_the_bearer_token_only(
    replicas, production_env, alice, redis_client, cache_prefix
):
    a, _ = replicas
    _forget_cached_metrics(redis_client, cache_prefix)
    alice.get(a, LIST, headers=METRICS_PARTIAL)  # a cold cache: replica A calls Harness
    token = production_env["METRICS_BEARER_TOKEN"]

    denied = Visitor().get(a, "/metrics")
    wrong = Visitor().get(a, "/metrics", headers={"Authorization": "Bearer nope"})
    scraped = Visitor().get(a, "/metrics", headers={"Authorization": f"Bearer {token}"})

    assert denied.status_code == 404
    assert wrong.status_code == 404
    assert scraped.status_code == 200
    body = scraped.text
    # Summed over both gunicorn workers (multiprocess mode), labelled by view name, not path.
    assert re.search(
        r'portal_request_duration_seconds_count\{method="GET",view="workspace_list"\}', body
    )
    assert 'route="GET /iacm/api/orgs/{org}/projects/{project}/workspace-metrics"' in body
    assert re.search(r'portal_status_metrics_cache_total\{result="(hit|miss|stale)"\}', body)
    assert "/orgs/default/projects/infra" not in body


def test_log_lines_are_json_with_request_ids_and_never_a_key(replicas, production_env, alice):
    a, b = replicas
    alice.get(b, LIST, headers={**METRICS_PARTIAL, "X-Request-ID": "svc-trace-0001"})
    alice.get(b, "/settings/harness-key/")
    time.sleep(0.5)  # gunicorn writes the access line after the response
    lines = [json.loads(line) for line in a.log_lines() + b.log_lines() if line.startswith("{")]

    traced = [line for line in lines if line.get("request_id") == "svc-trace-0001"]
    loggers = {line["logger"] for line in traced}
    assert {"portal.request", "gunicorn.access"} <= loggers
    request_line = next(line for line in traced if line["logger"] == "portal.request")
    assert request_line["view"] == "workspace_list"
    assert request_line["path"] == LIST
    assert isinstance(request_line["user_id"], int)
    harness_lines = [line for line in lines if line["logger"] == "portal.harness"]
    assert harness_lines
    assert all(line["harness_route"].startswith(("GET ", "POST ")) for line in harness_lines)
    everything = "\n".join(a.log_lines() + b.log_lines())
    secrets_ = [
        production_env["SECRET_KEY"],
        production_env["HARNESS_TOKEN_KEYS"],
        production_env["METRICS_BEARER_TOKEN"],
        "dEmOfUlLaCcEsS",
    ]
    assert not [s for s in secrets_ if s in everything]
    assert not re.search(r"\bpat\.[A-Za-z0-9]", everything)


def test_every_worker_warmed_up_before_its_first_request(replicas):
    def warm_lines(replica):
        lines = [json.loads(line) for line in replica.log_lines() if line.startswith("{")]
        return [line for line in lines if line["logger"] == "portal.warmup"]

    for replica in replicas:
        # /healthz answered from the first worker up; the second may still be booting.
        deadline = time.monotonic() + 30
        while len(warm_lines(replica)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        warm = warm_lines(replica)

        assert len(warm) >= 2, f"{replica.name}: one line per worker (2 workers): {warm}"
        assert all(line["level"] == "INFO" for line in warm), warm
        assert all(line["message"].startswith("Worker warmed up in") for line in warm)


def test_a_recycled_worker_does_not_leave_all_workspaces_loading(
    production_env, fake, redis_client, cache_prefix
):
    """A worker that exits (GUNICORN_MAX_REQUESTS, a deploy's SIGTERM) while it coordinates a
    cross-project fan-out took its coordinator (a daemon thread) with it: the job never
    completed, its lock stayed, and every replica showed All workspaces loading until the lock
    expired, three Harness call budgets later (24 s here). The worker now abandons the job on its
    way out (its lock released), so the next request starts it again at once."""
    from tests.services.conftest import start_replica

    def busy(response) -> bool:
        assert response.status_code == 200, response.status_code
        return 'id="across-live" aria-busy="true"' in response.text

    for key in redis_client.scan_iter(match=f"{cache_prefix}:*across:*"):
        redis_client.delete(key)  # no finished job of another test answers this one
    env = {
        **production_env,
        "GUNICORN_MAX_REQUESTS": "6",
        "GUNICORN_MAX_REQUESTS_JITTER": "0",
        "ACROSS_CONCURRENCY": "1",
    }
    replica = start_replica(env, "replica-recycle", workers=1, threads=4)  # request 1
    try:
        alice = Visitor()
        alice.sign_in(replica)  # requests 2, 3
        # Six projects read one at a time, 0.8 s each: the job outlasts the 2 s gunicorn gives
        # an exiting worker's connections.
        fake.inject("iacm.workspaces.list", delay_ms=800, times=6)
        assert busy(alice.get(replica, "/workspaces/"))  # 4: the fan-out starts
        for _ in range(2):  # 5, 6: the worker exits and is replaced
            alice.get(replica, "/healthz")
        first = alice.get(replica, "/workspaces/")  # the new worker's: the old one is gone
        fake.clear_faults()
        loading, deadline = busy(first), time.monotonic() + 8  # the stale lock holds for 24 s
        while loading and time.monotonic() < deadline:
            time.sleep(0.25)
            loading = busy(alice.get(replica, "/workspaces/"))
    finally:
        fake.clear_faults()
        replica.stop()

    assert not loading, "still loading after the worker was replaced"
