"""Process-level behaviour: determinism, the CLI, keep-alive and concurrency."""

from __future__ import annotations

import http.client
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import requests

from harness_fake.server import FakeApp
from tests.harness_fake.support import ACCOUNT, FULL, WS, Api


def _summaries(app: FakeApp) -> list:
    store = app.state.workspaces[("AcmeDemoAcct01", "default", "infra")]
    return [r.data for r in store.sorted_view("name,ASC")]


def test_seed_is_deterministic_and_relative_to_start() -> None:
    first = FakeApp(seed="demo")
    second = FakeApp(seed="demo")
    other = FakeApp(seed="other")

    a, b = _summaries(first), _summaries(second)
    offset = second.start_ms - first.start_ms
    assert [w["identifier"] for w in a] == [w["identifier"] for w in b]
    assert [w["status"] for w in a] == [w["status"] for w in b]
    assert [w["updated"] + offset for w in a] == [w["updated"] for w in b]
    assert [w["identifier"] for w in _summaries(other)] != [w["identifier"] for w in a]
    assert all(first.start_ms - 90 * 86_400_000 <= w["updated"] <= first.start_ms for w in a)


def test_seed_covers_every_status() -> None:
    statuses = {w["status"] for w in _summaries(FakeApp())}

    assert statuses == {
        "active",
        "inactive",
        "provisioning",
        "destroying",
        "failed",
        "unknown",
        "drifted",
        "apply_needed",
        "rollback_applied",
    }


def test_cli_prints_its_url_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness_fake", "--port", "0", "--latency-ms", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip()
        url = line.rsplit(" ", 1)[-1]
        response = requests.get(f"{url}/v1/orgs", headers={"x-api-key": FULL}, timeout=5)
    finally:
        process.terminate()
        process.wait(timeout=5)

    assert line.startswith("harness_fake listening on http://127.0.0.1:")
    assert response.status_code == 200
    assert len(response.json()) == 3


def test_keep_alive_serves_many_requests_on_one_connection(fake) -> None:
    host, port = fake.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    headers = {"x-api-key": FULL, "Harness-Account": ACCOUNT}
    try:
        statuses = []
        for _ in range(20):
            connection.request("GET", "/iacm/api" + WS + "?limit=5", headers=headers)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        connection.request("DELETE", "/iacm/api" + WS + "/ghost", headers=headers)
        response = connection.getresponse()
        response.read()
        connection.request("GET", "/iacm/api" + WS + "?limit=1", headers=headers)
        last = connection.getresponse()
        last.read()
    finally:
        connection.close()

    assert statuses == [200] * 20
    assert response.status == 404
    assert last.status == 200


def test_many_concurrent_clients(api: Api, fake) -> None:
    fake.set_latency(50)
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=64)
    session.mount("http://", adapter)

    def call(page: int) -> int:
        response = session.get(
            f"{fake.base_url}/iacm/api{WS}",
            params={"limit": 20, "page": page % 90 + 1},
            headers={"x-api-key": FULL, "Harness-Account": ACCOUNT},
            timeout=10,
        )
        return len(response.json())

    try:
        with ThreadPoolExecutor(max_workers=64) as pool:
            sizes = list(pool.map(call, range(256)))
    finally:
        fake.set_latency(0)
        session.close()

    assert sizes == [20] * 256
    assert fake.counters()["iacm.workspaces.list"] == 256
