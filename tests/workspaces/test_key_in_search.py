"""A Harness API key pasted into a search box (the key page sends people on to the org picker
with the key still in the clipboard): never searched, shown again, left in the address bar
(nor the browser's history), in any search box of the portal."""

import json

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from tests.across.support import REGION as ACROSS_REGION
from tests.across.support import URL as ACROSS
from tests.across.support import join_jobs
from tests.conftest import FULL_KEY
from workspaces.models import WorkspaceDraft

pytestmark = pytest.mark.django_db
LIST = reverse("workspace_list", args=["default", "infra"])
ORGS = reverse("org_list")
PROJECTS = reverse("project_list", args=["default"])
SECRET = FULL_KEY.split(".")[-1]
NOTICE = "That looks like a Harness API key, so it was not searched"


def htmx(target: str = "") -> dict:
    return {"HX-Request": "true", **({"HX-Target": target} if target else {})}


def harness_saw_the_key(fake) -> bool:
    return SECRET in json.dumps(fake.log())


def the_box_is_emptied(response, box: str) -> bool:
    """The answer tells the page to empty the search box (portal.js, `searchRefused`)."""
    triggers = json.loads(response.headers.get("HX-Trigger", "{}"))
    return triggers.get("searchRefused") == {"target": f"#{box}"}


@pytest.fixture(autouse=True)
def _no_job_outlives_its_test():
    yield
    join_jobs()


@pytest.mark.parametrize(
    ("url", "query", "cleaned"),
    [
        (LIST, {"q": FULL_KEY}, LIST),
        (
            LIST,
            {"q": FULL_KEY, "status": "failed", "limit": "10"},
            LIST + "?status=failed&limit=10",
        ),
        (ORGS, {"q": FULL_KEY}, ORGS),
        (PROJECTS, {"q": f"my key is {FULL_KEY}", "page": "2"}, PROJECTS + "?page=2"),
        (ACROSS, {"q": FULL_KEY, "sort": "updated,DESC"}, ACROSS + "?sort=updated%2CDESC"),
    ],
)
def test_a_page_asked_for_with_a_key_in_its_search_goes_to_its_address_without_it(
    signed_in_with_key, fake, url, query, cleaned
):
    response = signed_in_with_key.get(url, query)

    assertRedirects(response, cleaned, fetch_redirect_response=False)
    page = signed_in_with_key.get(response["Location"])
    assertContains(page, NOTICE)  # said on the page it lands on (a message)
    assert SECRET not in page.content.decode()
    assert not harness_saw_the_key(fake)


def test_a_key_pasted_into_the_list_search_is_neither_shown_nor_sent_to_harness(
    signed_in_with_key, fake
):
    response = signed_in_with_key.get(
        LIST, {"q": FULL_KEY, "status": "failed"}, headers=htmx("workspace-table")
    )

    assert response.status_code == 200
    assertContains(response, NOTICE)
    assert SECRET not in response.content.decode()
    assert response.context["query"].q == ""
    assert response.context["query"].status == ("failed",)  # the rest of the filters apply
    calls = fake.log(route="iacm.workspaces.list")
    assert calls and all("searchTerm" not in call["query"] for call in calls)
    assert not harness_saw_the_key(fake)
    # The address htmx would push is replaced by the list's without the search.
    assert response["HX-Replace-Url"] == LIST + "?status=failed"
    assert the_box_is_emptied(response, "ws-search")


@pytest.mark.parametrize(("url", "box"), [(ORGS, "org-search"), (PROJECTS, "project-search")])
def test_a_key_pasted_into_the_org_or_project_search_is_not_shown_nor_searched(
    signed_in_with_key, fake, url, box
):
    response = signed_in_with_key.get(url, {"q": FULL_KEY}, headers=htmx())

    assert response.status_code == 200
    assertContains(response, NOTICE)
    assert SECRET not in response.content.decode()
    assert "matches" not in response.content.decode()  # not "No organisation matches “pat…”"
    assert response.context["result"].page.items  # the whole list, as for an empty search
    assert not harness_saw_the_key(fake)
    assert response["HX-Replace-Url"] == url
    assert the_box_is_emptied(response, box)


def test_a_key_pasted_into_the_all_workspaces_search_is_not_shown_nor_searched(
    signed_in_with_key, fake
):
    response = signed_in_with_key.get(ACROSS, {"q": FULL_KEY}, headers=ACROSS_REGION)

    assert response.status_code == 200
    assertContains(response, NOTICE)
    assert SECRET not in response.content.decode()
    assert response.context["query"].q == ""
    assert response["HX-Replace-Url"] == ACROSS
    assert the_box_is_emptied(response, "ws-search")
    join_jobs()
    assert not harness_saw_the_key(fake)


@pytest.mark.parametrize(
    ("step", "name"),
    [("template", "template"), ("repository", "git-connector"), ("variables", "secret")],
)
def test_a_key_pasted_into_a_wizard_picker_search_is_not_shown_nor_searched(
    signed_in_with_key, user_with_key, fake, step, name
):
    draft = WorkspaceDraft.objects.create(owner=user_with_key, org="default", project="infra")

    response = signed_in_with_key.get(
        reverse("draft_picker", args=[draft.pk, step, name]),
        {f"{name}-q": FULL_KEY},
        headers=htmx(),
    )

    assert response.status_code == 200
    assertContains(response, NOTICE)
    assert SECRET not in response.content.decode()
    assert not harness_saw_the_key(fake)
    assert "HX-Replace-Url" not in response  # a picker's answer is no page: the address stays
    assert the_box_is_emptied(response, f"{name}-q")


def test_nothing_the_answer_builds_from_the_request_holds_the_key(signed_in_with_key, fake):
    # The pager's links and the Try again are made from the request's query string: the view
    # answers as for the address without the search.
    orgs = [{"org": {"identifier": f"org_{i}", "name": f"Org {i}"}} for i in range(20)]
    fake.inject("v1.orgs.list", status=200, body=json.dumps(orgs))
    paged = signed_in_with_key.get(ORGS, {"q": FULL_KEY, "page": "2"}, headers=htmx())
    fake.inject("v1.orgs.list", status=503, times=10)

    failed = signed_in_with_key.get(ORGS, {"q": FULL_KEY, "page": "2"}, headers=htmx())

    assertContains(paged, 'rel="next" href="?page=3"')
    assertContains(failed, f'<a class="button" href="{ORGS}?page=2">Try again</a>', html=True)
    assert SECRET not in paged.content.decode() + failed.content.decode()
    assert not harness_saw_the_key(fake)


def test_a_key_longer_than_a_search_is_refused_as_a_key(signed_in_with_key, fake):
    response = signed_in_with_key.get(
        LIST, {"q": FULL_KEY + "x" * 200}, headers=htmx("workspace-table")
    )

    assertContains(response, NOTICE)
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("search", ["pat", "sat.eu", "pat.de.la.cruz@example.com", "vpc-dev"])
def test_a_search_that_holds_no_key_is_searched_as_typed(signed_in_with_key, fake, search):
    response = signed_in_with_key.get(LIST, {"q": search}, headers=htmx("workspace-table"))

    assert NOTICE not in response.content.decode()
    assert "HX-Replace-Url" not in response
    assert fake.log(route="iacm.workspaces.list")[-1]["query"]["searchTerm"] == [search]
