"""Approvals across two production-like replicas sharing PostgreSQL and Redis (see conftest.py).

`demo_setup` (run by the `production_env` fixture) also creates the demo approver
(`approver`/`approver`, with the fake's second full-access key) and the demo rule: new
workspaces in default/infra tagged env=prod wait for the group `infra-approvers`.
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.approvals.support import APPROVER_IN_LOG, CREATE
from tests.services.conftest import Visitor
from tests.services.test_replicas import _complete_draft_on_both_replicas

pytestmark = [pytest.mark.services, pytest.mark.postgres]


def test_twenty_concurrent_approvals_over_both_replicas_make_one_harness_call(
    replicas, alice, harness_fake_server, service_database
):
    a, b = replicas
    harness_fake_server.reset()
    base = _complete_draft_on_both_replicas(
        alice, a, b, identifier="svc_prod_vpc", tags=(("env", "prod"),), cost_estimation=True
    )
    draft_id = re.fullmatch(r"/drafts/([0-9a-f-]{36})/", base).group(1)
    submitted = alice.post(b, base + "submit/")
    waiting = alice.get(a, base + "result/")
    approver = Visitor()
    approver.sign_in(b, username="approver", password="approver")
    queue = approver.get(a, "/approvals/")
    review = approver.get(b, f"/approvals/{draft_id}/")
    approval_id = re.search(r'name="approval" value="(\d+)"', review.text).group(1)
    # A slow create: the other nineteen approvals arrive while the first waits on Harness.
    harness_fake_server.inject(CREATE, delay_ms=800, times=1)
    barrier = threading.Barrier(20)

    def approve(index: int):
        barrier.wait()
        return approver.post(
            replicas[index % 2],
            f"/approvals/{draft_id}/",
            data={"approval": approval_id, "decision": "approve"},
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(approve, range(20)))
    result = alice.get(a, base + "result/")

    assert submitted.status_code == 302
    assert "Awaiting approval." in waiting.text
    assert f'href="/approvals/{draft_id}/"' in queue.text
    assert [r.status_code for r in responses] == [302] * 20
    assert {r.headers["Location"] for r in responses} == {f"/approvals/{draft_id}/"}
    [post] = harness_fake_server.log(route=CREATE)
    assert post["headers"]["x-api-key"] == APPROVER_IN_LOG
    assert post["body"]["identifier"] == "svc_prod_vpc"
    assert "Created." in result.text
    assert "Approved by <strong>approver</strong>" in result.text
    with psycopg.connect(service_database) as connection:
        trail = connection.execute(
            "SELECT action, actor_username, harness_status FROM workspaces_auditentry"
            " WHERE draft_id = %s ORDER BY id",
            [draft_id],
        ).fetchall()
    assert trail == [("approve", "approver", None), ("create", "approver", 200)]
