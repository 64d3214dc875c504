"""A hostile Workspace template against production-like gunicorn replicas (issue 14, point 2).

The template's YAML is a "billion laughs" (9 aliases a level, 7 levels: 4.8 million strings
once expanded, which made a 66 MB draft before aliases were refused). The portal must answer
with a clear message on that template only, and the worker must keep serving.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.samples import template_answer, yaml_alias_bomb

pytestmark = pytest.mark.services
TEMPLATE_VERSION_ROUTE = "v1.templates.version"


def test_a_yaml_bomb_template_answers_a_clear_message_and_the_worker_keeps_serving(
    replicas, alice, harness_fake_server
):
    a, b = replicas
    harness_fake_server.reset()
    started = alice.post(a, "/orgs/default/projects/infra/new-workspace/")
    template_url = started.headers["Location"].replace("/basics/", "/template/")
    harness_fake_server.inject(TEMPLATE_VERSION_ROUTE, body=template_answer(yaml_alias_bomb(9, 7)))

    try:
        chosen = alice.post(
            a,
            template_url,
            data={
                "source": "template",
                "template_ref": "k8s_namespace",
                "template_version": "v1",
                "template_mode": "linked",
                "action": "next",
            },
        )
        shown = alice.get(a, template_url)
        with ThreadPoolExecutor(max_workers=8) as pool:
            after = list(
                pool.map(
                    lambda i: alice.get((a, b)[i % 2], "/orgs/default/projects/infra/workspaces/"),
                    range(16),
                )
            )
        variables = alice.get(b, template_url.replace("/template/", "/variables/"))
    finally:
        harness_fake_server.clear_faults()

    assert chosen.status_code == 302, chosen.text[:500]
    assert chosen.headers["Location"] == template_url
    assert shown.status_code == 200
    assert "This template version cannot be used to fill in the wizard" in shown.text
    assert "aliases" in shown.text
    assert [r.status_code for r in after] == [200] * 16
    assert variables.status_code == 200
    assert len(variables.content) < 200_000
    assert "lol" not in variables.text
    assert a.process.poll() is None and b.process.poll() is None
    assert not any("WORKER TIMEOUT" in line or "SIGKILL" in line for line in a.log_lines())
