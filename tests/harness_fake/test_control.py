"""The /_fake/ control API: faults, log, counters, reset, latency, seed."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import asdict
from typing import Any

import pytest
import requests

from harness_fake.seed import build_state
from harness_fake.state import SORTS, State
from harness_fake.testing import FakeControl
from tests.harness_fake.support import ACCOUNT, FULL, WS, Api, workspace_body

LIST = "iacm.workspaces.list"


def test_status_fault_uses_the_family_error_body(api: Api, fake) -> None:
    fake.inject(LIST, status=503)
    fake.inject("ng.accounts.get", status=500)
    fake.inject("v1.orgs.list", status=429)

    iacm = api.iacm("GET", WS)
    ng = api.ng("GET", f"/ng/api/accounts/{ACCOUNT}")
    v1 = api.v1("/v1/orgs")

    assert iacm.status_code == 503
    assert iacm.headers["content-type"] == "application/vnd.goa.error"
    assert iacm.json()["temporary"] is True
    assert ng.status_code == 500
    assert ng.json()["status"] == "ERROR"
    assert v1.status_code == 429
    assert set(v1.json()) == {"message", "code", "errors", "error_metadata"}


def test_fault_applies_to_the_next_n_calls_only(api: Api, fake) -> None:
    fake.inject(LIST, status=502, times=2)

    statuses = [api.iacm("GET", WS).status_code for _ in range(3)]

    assert statuses == [502, 502, 200]


def test_fault_matches_route_and_method(api: Api, fake) -> None:
    fake.inject("*", status=500, method="POST")

    get = api.iacm("GET", WS)
    post = api.iacm("POST", WS, json=workspace_body())

    assert get.status_code == 200
    assert post.status_code == 500
    assert api.iacm("GET", f"{WS}/new_ws").status_code == 404  # the handler never ran


def test_fault_with_a_path_hits_only_calls_whose_path_contains_it(api: Api, fake) -> None:
    fake.inject(LIST, status=503, times=5, path="/projects/core/")

    other = api.iacm("GET", WS)
    core = api.iacm("GET", "/orgs/payments/projects/core/workspaces")

    assert other.status_code == 200
    assert core.status_code == 503
    assert (
        requests.get(f"{fake.base_url}/_fake/faults", timeout=5).json()["faults"][0]["times"] == 4
    )


def test_fault_path_must_be_text(fake) -> None:
    response = requests.post(
        f"{fake.base_url}/_fake/faults", json={"route": LIST, "path": ""}, timeout=5
    )

    assert response.status_code == 400
    assert "path" in response.json()["error"]


def test_wildcard_fault_hits_any_route(api: Api, fake) -> None:
    fake.inject("*", status=502)

    assert api.v1("/v1/orgs").status_code == 502
    assert api.v1("/v1/orgs").status_code == 200


def test_delay_fault(api: Api, fake) -> None:
    fake.inject(LIST, delay_ms=300)

    started = time.perf_counter()
    slow = api.iacm("GET", WS)
    slow_elapsed = time.perf_counter() - started
    started = time.perf_counter()
    api.iacm("GET", WS)
    fast_elapsed = time.perf_counter() - started

    assert slow.status_code == 200
    assert slow_elapsed >= 0.3
    assert fast_elapsed < 0.2


def test_delay_fault_trips_a_client_timeout(api: Api, fake) -> None:
    fake.inject(LIST, delay_ms=800)

    with pytest.raises(requests.exceptions.ReadTimeout):
        api.session.get(
            api.base_url + "/iacm/api" + WS,
            timeout=0.2,
            headers={"x-api-key": FULL, "Harness-Account": ACCOUNT},
        )

    # The server still finishes the call; wait for it so it cannot leak into the next test.
    deadline = time.monotonic() + 3
    while not fake.log(route=LIST) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [entry["status"] for entry in fake.log(route=LIST)] == [200]


def test_malformed_body_is_truncated_json_with_the_success_type(api: Api, fake) -> None:
    fake.inject(LIST, body="malformed")

    response = api.iacm("GET", WS)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text.startswith('[{"account"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_malformed_error_body(api: Api, fake) -> None:
    fake.inject(LIST, status=500, body="malformed")

    response = api.iacm("GET", WS)

    assert response.status_code == 500
    assert response.text.startswith('{"name"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


@pytest.mark.parametrize("status", [None, 503])
def test_html_fault_is_a_gateway_page(api: Api, fake, status: int | None) -> None:
    fake.inject("v1.orgs.list", status=status, body="html")

    response = api.v1("/v1/orgs")

    assert response.status_code == (status or 502)
    assert response.headers["content-type"] == "text/html"
    assert "<h1>" in response.text and "nginx" in response.text


def test_raw_body_fault(api: Api, fake) -> None:
    fake.inject("iacm.workspaces.get", status=200, body='{"unexpected": true}')

    response = api.iacm("GET", f"{WS}/whatever")

    assert response.status_code == 200
    assert response.json() == {"unexpected": True}


def test_raw_body_fault_with_the_headers_harness_sends_with_it(api: Api, fake) -> None:
    fake.inject("v1.orgs.list", status=200, body="[]", headers={"X-Total-Elements": "25"})

    response = api.v1("/v1/orgs")

    assert response.json() == []
    assert response.headers["X-Total-Elements"] == "25"


def test_drop_closes_the_connection_without_a_response(api: Api, fake) -> None:
    fake.inject(LIST, drop=True)

    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(
            api.base_url + "/iacm/api" + WS,
            timeout=5,
            headers={"x-api-key": FULL, "Harness-Account": ACCOUNT},
        )

    assert api.iacm("GET", WS).status_code == 200
    assert [entry["status"] for entry in fake.log(route=LIST)] == [None, 200]


def test_redirect_fault(api: Api, fake) -> None:
    fake.inject(LIST, redirect="http://other.example/steal")

    response = api.iacm("GET", WS, allow_redirects=False)

    assert response.status_code == 302
    assert response.headers["Location"] == "http://other.example/steal"


def test_clear_faults(api: Api, fake) -> None:
    fake.inject(LIST, status=500, times=5)

    fake.clear_faults()

    assert api.iacm("GET", WS).status_code == 200


def test_bad_fault_specs_are_rejected(fake) -> None:
    request = urllib.request.Request(
        fake.base_url + "/_fake/faults", data=json.dumps({"route": "nope"}).encode(), method="POST"
    )

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)

    assert caught.value.code == 400
    assert "route must be" in json.loads(caught.value.read())["error"]


def test_log_records_requests_with_the_key_redacted(api: Api, fake) -> None:
    api.iacm("GET", WS, params={"status": ["active", "failed"], "limit": 5})
    api.iacm("POST", WS, json=workspace_body("logged_ws"))

    [listed] = fake.log(route=LIST)
    [created] = fake.log(route="iacm.workspaces.create")

    assert listed["method"] == "GET"
    assert listed["path"] == "/iacm/api" + WS
    assert listed["query"] == {"status": ["active", "failed"], "limit": ["5"]}
    assert listed["status"] == 200
    assert listed["body"] is None
    # Whose key (the token id), never its secret part.
    assert listed["headers"]["x-api-key"] == "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.…redacted"
    assert "dEmOfUlL" not in json.dumps(fake.log())
    assert listed["headers"]["harness-account"] == ACCOUNT
    assert created["body"]["identifier"] == "logged_ws"
    assert created["seq"] > listed["seq"]
    assert "dEmOfUlLaCcEsS" not in json.dumps(fake.log())


def test_log_includes_failures_and_unknown_paths(api: Api, fake) -> None:
    api.iacm("GET", WS, key=None)
    api.iacm("GET", "/nowhere")

    entries = fake.log()

    assert [(e["route"], e["status"]) for e in entries] == [(LIST, 401), (None, 404)]


def test_counters_count_harness_routes_only(api: Api, fake) -> None:
    api.iacm("GET", WS)
    api.iacm("GET", WS, prefix="/gateway/iacm/api")
    api.v1("/v1/orgs")
    fake.log()

    counters = fake.counters()

    assert counters == {LIST: 2, "v1.orgs.list": 1}


def test_clear_log_resets_log_and_counters(api: Api, fake) -> None:
    api.iacm("GET", WS)

    fake.clear_log()

    assert fake.log() == []
    assert fake.counters() == {}


def test_reset_restores_the_seed(api: Api, fake) -> None:
    api.iacm("POST", WS, json=workspace_body("temp_ws"))
    fake.inject(LIST, status=500)

    fake.reset()

    assert api.iacm("GET", f"{WS}/temp_ws").status_code == 404
    assert api.iacm("GET", WS).headers["x-total-items"] == "1800"
    assert fake.counters() == {"iacm.workspaces.get": 1, LIST: 1}


SANDBOX = "/orgs/default/projects/sandbox/workspaces"
# Without infra's project-scoped connector and secret, which sandbox cannot see.
SANDBOX_BODY = workspace_body("w2", provider_connectors=[], environment_variables={})


def _contents(state: State) -> dict[str, Any]:
    """Everything a state holds, by value: two states with equal contents serve the same data."""
    return {
        "scopes": [
            {k: asdict(v) for k, v in entities.items()}
            for entities in (state.accounts, state.keys, state.orgs, state.projects)
        ],
        "scoped": [[asdict(e) for e in entities] for entities in (state.connectors, state.secrets)],
        "templates": [asdict(t) for t in state.templates],
        "provisioners": state.provisioner_versions,
        "workspaces": {
            scope: {
                "records": {i: (r.data, r.summary_json) for i, r in store.by_id.items()},
                "views": {sort: [r.identifier for r in store.sorted_view(sort)] for sort in SORTS},
            }
            for scope, store in state.workspaces.items()
        },
    }


def test_reset_restores_every_record_after_creates_updates_and_deletes(api: Api, fake) -> None:
    app = fake.server.app
    seeded = _contents(build_state(app.seed, app.start_ms))
    listed = api.iacm("GET", WS, params={"status": "inactive", "limit": 2}).json()
    doomed, updated = (w["identifier"] for w in listed)
    assert _contents(app.state) == seeded

    for _ in range(2):  # twice: what the first reset serves must not be the seed itself
        writes = [
            api.iacm("POST", WS, json=workspace_body("temp_ws")),
            api.iacm("PUT", f"{WS}/{updated}", json=workspace_body(updated, tags={"env": "x"})),
            api.iacm("DELETE", f"{WS}/{doomed}"),
            api.iacm("POST", SANDBOX, json=SANDBOX_BODY),
        ]
        changed = _contents(app.state)

        fake.reset()

        assert [w.status_code for w in writes] == [200, 200, 204, 200]
        assert changed != seeded
        assert _contents(app.state) == seeded


def test_latency_applies_to_harness_routes_only(api: Api, fake) -> None:
    fake.set_latency(250)
    try:
        started = time.perf_counter()
        api.v1("/v1/orgs")
        harness_elapsed = time.perf_counter() - started
        started = time.perf_counter()
        fake.counters()
        control_elapsed = time.perf_counter() - started
    finally:
        fake.set_latency(0)

    assert harness_elapsed >= 0.25
    assert control_elapsed < 0.2


def test_seed_describes_the_fixed_data(fake) -> None:
    seed = fake.seed()

    accounts = {a["id"]: a for a in seed["accounts"]}
    assert accounts["AcmeDemoAcct01"]["name"] == "Acme Demo"
    accesses = {k["access"] for k in accounts["AcmeDemoAcct01"]["keys"]}
    assert accesses == {"full", "read", "org:platform", "project:default/sandbox"}
    projects = {
        (o["identifier"], p["identifier"]): p["workspaces"]
        for o in seed["orgs"]
        if o["account"] == "AcmeDemoAcct01"
        for p in o["projects"]
    }
    assert projects == {
        ("default", "infra"): 1800,
        ("default", "sandbox"): 12,
        ("default", "empty"): 0,
        ("platform", "networking"): 40,
        ("platform", "data"): 25,
        ("payments", "core"): 60,
    }
    templates = {(t["identifier"], t["version_label"]) for t in seed["templates"]}
    assert {("aws_service", "v1"), ("aws_service", "v2"), ("gcp_bucket", "v1")} <= templates


def test_fake_control_works_against_any_base_url(fake) -> None:
    control = FakeControl(fake.base_url + "/")

    control.inject(LIST, status=500)

    assert control.base_url == fake.base_url
    assert len(fake.seed()["accounts"]) == 2
    assert (
        requests.get(fake.base_url + "/_fake/faults", timeout=5).json()["faults"][0]["route"]
        == LIST
    )
