"""Every page that reads from Harness, times every kind of answer the client cannot read.

Issue 14, point 6: deep nesting, a lone surrogate, a 400-digit number, truncated JSON, an HTML page
or an empty body, each with HTTP 200, must give a designed page with a readable message (never a
500), and nothing unreadable may be cached. The lone-surrogate and huge-number bodies are the
fake's real answer for the route with every string (or number) altered, so they have the shape
the page expects and only their content is wrong.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import ACCOUNT, FULL_KEY
from workspaces.harness import reset_breakers
from workspaces.models import WorkspaceDraft

pytestmark = pytest.mark.django_db

UNAVAILABLE = "Harness sent an answer we could not read"
PICKER_RETRY = ("Try again", "Retry")
LIST_ARGS = ["default", "infra"]
HTMX_TABLE = {"HX-Request": "true", "HX-Target": "workspace-table"}
HTMX_OVERVIEW = {"HX-Request": "true", "HX-Target": "status-overview"}


def _step(step: str) -> Callable:
    def load(client, draft):
        return client.get(reverse("draft_step", args=[draft.pk, step]))

    return load


# page: (fake routes it reads, how to load it, texts of which one must be shown)
PAGES: dict[str, tuple[tuple[str, ...], Callable, tuple[str, ...]]] = {
    "list page": (
        ("iacm.workspaces.list",),
        lambda c, d: c.get(reverse("workspace_list", args=LIST_ARGS)),
        (UNAVAILABLE,),
    ),
    "list partial": (
        ("iacm.workspaces.list",),
        lambda c, d: c.get(reverse("workspace_list", args=LIST_ARGS), headers=HTMX_TABLE),
        (UNAVAILABLE,),
    ),
    "status overview partial": (
        ("iacm.metrics",),
        lambda c, d: c.get(reverse("workspace_list", args=LIST_ARGS), headers=HTMX_OVERVIEW),
        (UNAVAILABLE,),
    ),
    "workspace page": (
        ("iacm.workspaces.get",),
        lambda c, d: c.get(reverse("workspace_detail", args=[*LIST_ARGS, "backup_dev_0083"])),
        (UNAVAILABLE,),
    ),
    "org picker": (("v1.orgs.list",), lambda c, d: c.get(reverse("org_list")), (UNAVAILABLE,)),
    "project picker": (
        ("v1.projects.list",),
        lambda c, d: c.get(reverse("project_list", args=["default"])),
        (UNAVAILABLE,),
    ),
    "key page check": (
        ("ng.accounts.get",),
        lambda c, d: c.post(reverse("harness_key"), {"api_key": FULL_KEY}),
        (UNAVAILABLE,),
    ),
    "wizard template step": (
        ("v1.templates.list", "iacm.workspaces.list"),
        _step("template"),
        PICKER_RETRY,
    ),
    "wizard repository step": (("ng.connectors.list",), _step("repository"), PICKER_RETRY),
    "wizard provisioner step": (
        ("iacm.provisioners.versions", "ng.connectors.list"),
        _step("provisioner"),
        PICKER_RETRY,
    ),
    "wizard variables step": (("ng.secrets.list",), _step("variables"), PICKER_RETRY),
}


def _real_answer(fake, route: str) -> Any:
    """The fake's answer to the last logged call of `route`, asked again with the real key."""
    call = fake.log(route=route)[-1]
    headers = {
        name: value
        for name, value in call["headers"].items()
        if name.lower() in {"harness-account", "content-type"}
    }
    response = requests.request(
        call["method"],
        fake.base_url + call["path"],
        params=call["query"],
        headers={**headers, "x-api-key": FULL_KEY},
        json=call["body"],
        timeout=5,
    )
    assert response.status_code == 200, (route, response.status_code)
    return response.json()


def _alter(data: Any, *, string: Callable[[str], Any], number: Callable[[int], Any]) -> Any:
    """`data` with every string value and every integer passed through `string` / `number`; the
    key of an integer (a status in `status_counts`) counts as a string."""
    if isinstance(data, dict):
        return {
            (string(key) if type(value) is int else key): _alter(
                value, string=string, number=number
            )
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_alter(item, string=string, number=number) for item in data]
    if isinstance(data, str):
        return string(data)
    if type(data) is int:
        return number(data)
    return data


def _altered(*, string: Callable, number: Callable, instead: Callable | None = None) -> Callable:
    """A fault whose body is the real answer altered; `instead` alters the strings of an answer
    that has no numbers (the provisioner versions are an array of strings)."""

    def body(fake, route):
        real = _real_answer(fake, route)
        altered = _alter(real, string=string, number=number)
        if altered == real and instead:
            altered = _alter(real, string=instead, number=number)
        assert altered != real, f"{route}: nothing to alter in {real!r:.200}"
        return {"status": 200, "body": json.dumps(altered)}  # ensure_ascii: "\ud800" escapes

    return body


KINDS: dict[str, Callable[[Any, str], dict]] = {
    "deep nesting": lambda fake, route: {"status": 200, "body": "[" * 100_000 + "]" * 100_000},
    "lone surrogate": _altered(string=lambda text: text + "\ud800", number=lambda n: n),
    "400-digit number": _altered(
        string=lambda text: text, number=lambda n: 10**399 + n, instead=lambda text: 10**399
    ),
    "truncated JSON": lambda fake, route: {"body": "malformed"},
    "HTML body": lambda fake, route: {"status": 200, "body": "<html><body>Hello</body></html>"},
    "empty body": lambda fake, route: {"status": 200, "body": ""},
}


@pytest.fixture
def draft(user_with_key):
    return WorkspaceDraft.objects.create(owner=user_with_key, org="default", project="infra")


@pytest.mark.parametrize("kind", KINDS)
def test_every_page_answers_a_designed_page(signed_in_with_key, fake, draft, kind):
    signed_in_with_key.raise_request_exception = False  # a 500 is counted, not raised
    outcomes = {}
    for page, (routes, load, texts) in PAGES.items():
        fake.clear_log()
        assert load(signed_in_with_key, draft).status_code in (200, 302), f"{page} (clean)"
        faults = {route: KINDS[kind](fake, route) for route in routes}
        cache.clear()  # the clean load cached metrics and tags
        reset_breakers()  # each page meets the kind itself, not a paused route
        for route, fault in faults.items():
            fake.inject(route, times=20, **fault)

        response = load(signed_in_with_key, draft)
        fake.clear_faults()

        body = response.content.decode()
        readable = any(text in body for text in texts)
        outcomes[page] = (response.status_code, readable)
        assert FULL_KEY.split(".")[-1] not in body

    assert {page: outcome for page, outcome in outcomes.items() if outcome[0] == 500} == {}
    assert all(readable for _, readable in outcomes.values()), outcomes


def _overview(client):
    return client.get(reverse("workspace_list", args=LIST_ARGS), headers=HTMX_OVERVIEW)


@pytest.mark.parametrize("kind", ["400-digit number", "deep nesting", "lone surrogate"])
def test_an_unreadable_metrics_answer_is_not_cached(signed_in_with_key, fake, kind):
    signed_in_with_key.raise_request_exception = False
    fake.clear_log()
    _overview(signed_in_with_key)
    fault = KINDS[kind](fake, "iacm.metrics")
    cache.clear()
    fake.inject("iacm.metrics", times=5, **fault)

    during = _overview(signed_in_with_key)
    fake.clear_faults()
    after = _overview(signed_in_with_key)

    assert during.status_code == 200
    assert UNAVAILABLE in during.content.decode()
    assert after.status_code == 200
    metrics = after.context["metrics"]
    assert metrics.counts == _real_answer(fake, "iacm.metrics")["status_counts"]
    assert not metrics.stale
    assert not metrics.error


@pytest.mark.parametrize(
    ("field", "value"), [("identifier", "a/b"), ("org", "x/y"), ("org", "other")]
)
@pytest.mark.parametrize(
    "page", ["workspace_detail", "workspace_delete", "workspace_export", "workspace_change_start"]
)
def test_a_workspace_answer_naming_another_workspace_is_not_used(
    signed_in_with_key, fake, field, value, page
):
    """Links, exports and a deletion's DELETE would be built from the answer's own names."""
    path = "/iacm/api/orgs/default/projects/infra/workspaces/backup_dev_0083"
    headers = {"x-api-key": FULL_KEY, "Harness-Account": ACCOUNT}
    answer = requests.get(fake.base_url + path, headers=headers, timeout=5).json()
    answer[field] = value
    fake.inject("iacm.workspaces.get", status=200, body=json.dumps(answer), times=3)
    signed_in_with_key.raise_request_exception = False
    args = ["default", "infra", "backup_dev_0083"] + (["tf"] if page == "workspace_export" else [])
    load = signed_in_with_key.post if page == "workspace_change_start" else signed_in_with_key.get

    response = load(reverse(page, args=args), follow=page == "workspace_change_start")

    # Starting a change goes back to the workspace page, which says so.
    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
    assert WorkspaceDraft.objects.count() == 0  # no change or deletion request was started
