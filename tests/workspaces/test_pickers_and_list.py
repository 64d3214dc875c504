"""Org and project pickers and the first workspace list (full pages and htmx partials)."""

import dataclasses
import html
import json
import re

import pytest
import requests
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from tests.conftest import duplicate_ids
from workspaces.models import HarnessCredential

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_anonymous_user_is_sent_to_sign_in(client, fake):
    for url in (reverse("home"), reverse("org_list"), reverse("harness_key")):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_health_needs_no_sign_in(client):
    response = client.get(reverse("healthz"))

    assert response.json() == {"status": "ok"}


def test_org_list_full_page(signed_in_with_key, fake):
    response = signed_in_with_key.get(reverse("org_list"))

    assertContains(response, "Choose an organisation")
    assertContains(response, 'id="org-results"')
    for name in ("Default", "Platform", "Payments"):
        assertContains(response, name)
    assertContains(response, reverse("project_list", args=["platform"]))


def test_org_list_search_partial(signed_in_with_key, fake):
    response = signed_in_with_key.get(reverse("org_list"), {"q": "plat"}, headers=HTMX)

    assert response.content.decode().lstrip().startswith('<div id="org-results"')
    assertNotContains(response, "<html")
    assertContains(response, "Platform")
    assertNotContains(response, "Payments")
    assert fake.log(route="v1.orgs.list")[-1]["query"]["search_term"] == ["plat"]


def test_org_list_with_no_match_says_so(signed_in_with_key, fake):
    response = signed_in_with_key.get(reverse("org_list"), {"q": "zzz-nothing"}, headers=HTMX)

    assertContains(response, "No organisation matches")
    assertContains(
        response,
        '<p id="org-count" hx-swap-oob="innerHTML">No organisation matches “zzz-nothing”.</p>',
    )


def test_an_invalid_page_does_not_drop_the_picker_search(signed_in_with_key, fake):
    response = signed_in_with_key.get(reverse("org_list"), {"q": "plat", "page": "0"})

    assert fake.log(route="v1.orgs.list")[-1]["query"]["search_term"] == ["plat"]
    assertContains(response, "Platform")
    assertNotContains(response, "Payments")
    assertContains(response, 'name="q" value="plat"')


def test_the_picker_search_box_shows_the_search_made(signed_in_with_key, fake):
    too_long = "p" * 129  # not sent: the box does not claim it was

    response = signed_in_with_key.get(
        reverse("project_list", args=["default"]), {"q": too_long}, headers=HTMX
    )
    page = signed_in_with_key.get(reverse("project_list", args=["default"]), {"q": too_long})

    assert not any("search_term" in call["query"] for call in fake.log(route="v1.projects.list"))
    assertNotContains(response, too_long)
    assertContains(page, 'name="q" value=""')


@pytest.mark.parametrize(
    ("url", "live"),
    [
        (reverse("org_list"), "org-count"),
        (reverse("project_list", args=["default"]), "project-count"),
    ],
)
def test_a_picker_search_over_128_characters_is_not_shown_as_everything(
    signed_in_with_key, fake, url, live
):
    typed = "no-such-thing-" * 10  # from an address: the box takes no more than 128

    response = signed_in_with_key.get(url, {"q": typed}, headers=HTMX)

    assertNotContains(response, "<strong>Default</strong>")
    assertNotContains(response, "<strong>Infrastructure</strong>")
    said = "A search has at most 128 characters, so this one was not made: shorten it."
    assertContains(response, f'<p class="notice notice--warning">{said}</p>')
    assertContains(response, f'<p id="{live}" hx-swap-oob="innerHTML">{said} </p>')


@pytest.mark.parametrize(
    ("url", "live", "results", "found"),
    [
        (reverse("org_list"), "org-count", "org-results", "3 organisations"),
        (reverse("project_list", args=["default"]), "project-count", "project-results", "project"),
    ],
)
def test_a_picker_search_tells_screen_readers_the_count_from_a_region_that_stays(
    signed_in_with_key, fake, url, live, results, found
):
    # A live region is announced when its content changes, not when it is inserted with it:
    # the count goes into one outside the swapped results, out of band.
    page = signed_in_with_key.get(url).content.decode()
    search = signed_in_with_key.get(url, {"q": "a"}, headers=HTMX).content.decode()

    region = f'<p id="{live}" class="visually-hidden" role="status" data-live-for="{results}"></p>'
    assert region in page
    assert page.index(region) < page.index(f'<div id="{results}"')
    assert 'aria-live="polite"' not in page[page.index(f'<div id="{results}"') :]
    assert search.count(f'id="{live}"') == 1
    count = search[search.index(f'<p id="{live}" hx-swap-oob="innerHTML">') :]
    assert found in count[: count.index("</p>")]


def test_the_project_picker_pages_with_next_and_previous(signed_in_with_key, settings):
    from urllib.parse import urljoin

    from harness_fake.testing import start_fake

    url = reverse("project_list", args=["teams"])
    with start_fake(extra_projects=25) as many:  # 25 projects: two pages of 20
        settings.HARNESS_BASE_URL = many.base_url
        first = signed_in_with_key.get(url)
        after_next = urljoin(url, _pager_link(first, "next"))  # as a browser resolves it
        second = signed_in_with_key.get(after_next)
        after_previous = urljoin(after_next, _pager_link(second, "prev"))

    assertContains(first, "Page 1 of 2")
    assertContains(second, "Page 2 of 2")
    assertContains(second, "Team 25")
    assertNotContains(second, "Team 01")
    assert after_previous == url + "?page=1"


def _pager_link(response, rel: str) -> str:
    found = re.search(rf'rel="{rel}" href="([^"]*)"', response.content.decode())
    assert found, f"no {rel} link"
    return html.unescape(found[1])


def test_a_picker_page_past_the_end_says_so_with_a_way_back(signed_in_with_key, fake):
    response = signed_in_with_key.get(reverse("org_list"), {"page": "50"})

    assertContains(response, "There is no page 50")
    assertContains(response, 'href="?"')  # this page without its page number
    assertNotContains(response, "Your key cannot see any organisation")


def test_the_org_picker_without_harness_totals_does_not_invent_them(signed_in_with_key, fake):
    # Raw bodies: no X-Total-Elements. A full page of 20 may have a next one.
    orgs = [{"org": {"identifier": f"org_{i}", "name": f"Org {i}"}} for i in range(20)]
    fake.inject("v1.orgs.list", status=200, body=json.dumps(orgs))
    full = signed_in_with_key.get(reverse("org_list"), {"page": "2"}, headers=HTMX)
    fake.inject("v1.orgs.list", status=200, body="[]")

    past = signed_in_with_key.get(reverse("org_list"), {"page": "3"}, headers=HTMX)

    assertContains(full, "20 organisations on page 2.")
    assertContains(full, "<span>Page 2</span>")
    assertContains(full, 'rel="next" href="?page=3"')
    assertContains(past, "There is no page 3.")
    assertNotContains(past, "this list has")


def test_org_limited_key_sees_only_its_org(client, user, fake):
    from tests.conftest import ACCOUNT, ORG_KEY
    from workspaces.services import credential_save

    credential_save(user=user, account_id=ACCOUNT, api_key=ORG_KEY)
    client.force_login(user)

    response = client.get(reverse("org_list"))

    assertContains(response, "Platform")
    assertNotContains(response, "Payments")


def test_org_list_failure_shows_message_with_retry(signed_in_with_key, fake):
    fake.inject("v1.orgs.list", status=503, times=10)

    response = signed_in_with_key.get(reverse("org_list"))

    assert response.status_code == 200
    assertContains(response, "Harness answered with an error (HTTP 503)")
    assertContains(response, "Try again")


def test_project_list_full_page_and_partial(signed_in_with_key, fake):
    full = signed_in_with_key.get(reverse("project_list", args=["default"]))
    partial = signed_in_with_key.get(
        reverse("project_list", args=["default"]), {"q": "sand"}, headers=HTMX
    )

    assertContains(full, "Choose a project in default")
    assertContains(full, "Infrastructure")
    assertContains(full, reverse("workspace_list", args=["default", "infra"]))
    assertNotContains(partial, "<html")
    assertContains(partial, "Sandbox")
    assertNotContains(partial, "Infrastructure")


def _add_scopes(fake, scopes, seeded, **names):
    """Copies of the `seeded` org or project (a key of `scopes`), one per identifier and name."""
    state = fake.server.app.state
    with state.lock:
        base = getattr(state, scopes)[seeded]
        for identifier, name in names.items():
            key = (*seeded[:-1], identifier)
            copy = dataclasses.replace(base, identifier=identifier, name=name)
            getattr(state, scopes)[key] = copy


@pytest.mark.parametrize("query", ["(", "a.b", "(EU) a.b+"])
@pytest.mark.parametrize(
    ("scopes", "seeded", "url", "route", "link"),
    [
        (
            "orgs",
            ("AcmeDemoAcct01", "payments"),
            reverse("org_list"),
            "v1.orgs.list",
            "project_list",
        ),
        (
            "projects",
            ("AcmeDemoAcct01", "default", "sandbox"),
            reverse("project_list", args=["default"]),
            "v1.projects.list",
            "workspace_list",
        ),
    ],
)
def test_an_org_or_project_picker_search_finds_the_text_typed_not_a_regex(
    signed_in_with_key, fake, query, scopes, seeded, url, route, link
):
    # Harness reads the org and project lists' search_term as a regex: "(" alone is an invalid
    # one (a 500), "." any character and "+" a quantifier.
    _add_scopes(fake, scopes, seeded, ops_eu="Ops (EU) a.b+", ops_lookalike="Ops EU axbb")
    args = [*seeded[1:-1]]

    search = signed_in_with_key.get(url, {"q": query}, headers=HTMX)

    assertContains(search, reverse(link, args=[*args, "ops_eu"]))
    assertNotContains(search, reverse(link, args=[*args, "ops_lookalike"]))
    assertNotContains(search, "Harness answered with an error")
    assert fake.log(route=route)[-1]["status"] == 200


def test_project_list_forbidden_org(client, user, fake):
    from tests.conftest import ACCOUNT, ORG_KEY
    from workspaces.services import credential_save

    credential_save(user=user, account_id=ACCOUNT, api_key=ORG_KEY)
    client.force_login(user)

    response = client.get(reverse("project_list", args=["payments"]))

    assert response.status_code == 200
    assertContains(response, "not allowed")


def test_workspace_list_first_page(signed_in_with_key, user, fake):
    response = signed_in_with_key.get(reverse("workspace_list", args=["default", "infra"]))

    assertTemplateUsed(response, "workspaces/workspace_list.html")
    page = response.context["result"].page
    assert len(page.items) == 30
    assert page.total_items == 1800
    assertContains(response, "Showing 1–30 of 1,800")
    assertContains(response, page.items[0]["identifier"])
    assertContains(response, 'rel="next"')
    assertNotContains(response, 'rel="prev"')
    call = fake.log(route="iacm.workspaces.list")[-1]
    assert call["query"]["page"] == ["1"]
    assert call["query"]["limit"] == ["30"]
    credential = HarnessCredential.objects.get(user=user)
    assert (credential.current_org, credential.current_project) == ("default", "infra")


def test_workspace_list_second_page_partial(signed_in_with_key, fake):
    response = signed_in_with_key.get(
        reverse("workspace_list", args=["default", "infra"]),
        {"page": "2"},
        headers={**HTMX, "HX-Target": "workspace-table"},
    )

    assertNotContains(response, "<html")
    assertContains(response, "Showing 31–60 of 1,800")
    assertContains(response, 'rel="prev"')
    assert fake.log(route="iacm.workspaces.list")[-1]["query"]["page"] == ["2"]


def test_the_lists_links_swapped_by_htmx_have_ids_once_on_the_page(signed_in_with_key, fake):
    # htmx puts the focus back on the new copy of the link pressed, found by its id.
    response = signed_in_with_key.get(
        reverse("workspace_list", args=["default", "infra"]), {"page": "2"}
    )

    content = response.content.decode()
    for link in ("ws-sort-name", "ws-sort-updated", "ws-first", "ws-previous", "ws-next"):
        assert f'id="{link}"' in content
    assert 'id="ws-last"' in content and 'id="window-7d"' in content
    assert duplicate_ids(content) == []


def test_workspace_list_invalid_page_is_not_sent_to_harness(signed_in_with_key, fake):
    response = signed_in_with_key.get(
        reverse("workspace_list", args=["default", "infra"]), {"page": "-3", "limit": "5000"}
    )

    assert response.status_code == 200
    call = fake.log(route="iacm.workspaces.list")[-1]
    assert call["query"]["page"] == ["1"]
    assert call["query"]["limit"] == ["30"]


def filter_form(response) -> str:
    return re.search(r'<form id="workspace-filters"[^>]*>', response.content.decode())[0]


def test_workspace_list_empty_project(signed_in_with_key, fake):
    url = reverse("workspace_list", args=["default", "empty"])

    response = signed_in_with_key.get(url)
    counts = signed_in_with_key.get(
        url, headers={"HX-Request": "true", "HX-Target": "status-overview"}
    )
    searched = signed_in_with_key.get(url, {"q": "vpc"})

    assertContains(response, "This project has no workspaces yet", count=1)
    assertContains(response, "Create the first workspace")
    # Said once on the page: the status counts, loaded into it, do not say it again.
    assertNotContains(counts, "This project has no workspaces yet")
    # Nothing to filter: no filters (kept in the page, hidden, for the parts that refer to it).
    assert " hidden" in filter_form(response)
    assert " hidden" not in filter_form(searched)


def test_workspace_list_failure_keeps_page_with_retry(signed_in_with_key, fake):
    fake.inject("iacm.workspaces.list", status=502, times=10)

    response = signed_in_with_key.get(reverse("workspace_list", args=["default", "infra"]))

    assert response.status_code == 200
    assertContains(response, "Harness answered with an error (HTTP 502)")
    assertContains(response, '<a id="ws-retry" class="button"')


def test_home_goes_to_the_remembered_project(signed_in_with_key, user, fake):
    HarnessCredential.objects.filter(user=user).update(
        current_org="platform", current_project="data"
    )

    response = signed_in_with_key.get(reverse("home"))

    assert response["Location"] == reverse("workspace_list", args=["platform", "data"])


def test_malformed_identifiers_in_the_url_are_404(signed_in_with_key, fake):
    response = signed_in_with_key.get("/orgs/..%2F..%2Fetc/projects/")

    assert response.status_code == 404
    assert fake.counters() == {} or sum(fake.counters().values()) == 0


@pytest.mark.parametrize(
    ("route", "harness_path", "url", "linked"),
    [
        ("v1.orgs.list", "/v1/orgs", reverse("org_list"), "/orgs/default/projects/"),
        (
            "v1.projects.list",
            "/v1/orgs/default/projects",
            reverse("project_list", args=["default"]),
            "/orgs/default/projects/infra/workspaces/",
        ),
    ],
)
def test_identifiers_our_urls_cannot_hold_are_listed_without_a_link(
    signed_in_with_key, fake, route, harness_path, url, linked
):
    from tests.conftest import ACCOUNT, FULL_KEY

    real = requests.get(
        fake.base_url + harness_path,
        headers={"x-api-key": FULL_KEY, "Harness-Account": ACCOUNT},
        timeout=5,
    )
    body = real.json()
    wrapper = next(iter(body[0]))  # v1 lists wrap each item: [{"org": {...}}, ...]
    body.append({wrapper: {**body[0][wrapper], "identifier": "odd.id", "name": "Odd one"}})
    fake.inject(route, status=200, body=json.dumps(body))

    response = signed_in_with_key.get(url)

    assert response.status_code == 200
    assertContains(response, "Odd one")
    assertContains(response, "This identifier cannot be opened in the portal")
    assertContains(response, f'href="{linked}"')
