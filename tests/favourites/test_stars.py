"""Stars: the toggle (htmx and form post), the cap, CSRF, and the list's one query for stars."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.conftest import ACCOUNT
from tests.favourites.conftest import ACTIVE_WS, FAILED_WS, SANDBOX, favourite, htmx, star
from workspaces.favourites import services
from workspaces.favourites.models import FAVOURITE_LIMIT, Favourite

pytestmark = pytest.mark.django_db


STARS = "/orgs/default/projects/sandbox/favourites/"


def test_a_star_is_saved_and_htmx_gets_the_pages_star_back(signed_in_with_key, user_with_key):
    response = star(signed_in_with_key, *FAILED_WS, headers=htmx())

    assert response.status_code == 200
    assert response.templates[0].name == "includes/favourite_answer.html"
    assertContains(response, 'name="remove" value="lambda_dev_0006" id="star-lambda_dev_0006"')
    assertContains(response, 'class="button star star--on">Remove')
    assertNotContains(response, "<html")
    assert _global_alert(response) == ""  # an earlier refusal, if any, is cleared
    favourite = Favourite.objects.get(user=user_with_key)
    assert (favourite.account_id, favourite.org, favourite.project) == (
        ACCOUNT,
        "default",
        "sandbox",
    )
    assert (favourite.identifier, favourite.name) == FAILED_WS


def test_unstarring_removes_it_and_the_button_offers_to_add_it_again(signed_in_with_key, starred):
    response = star(signed_in_with_key, *FAILED_WS, starred=False, headers=htmx())

    assertContains(response, 'name="add" value="lambda_dev_0006"')
    assertContains(response, 'class="button star">Add')
    assertContains(response, 'Add <span class="visually-hidden">lambda-dev-0006 </span>to')
    assert list(Favourite.objects.values_list("identifier", flat=True)) == [ACTIVE_WS[0]]


def test_the_page_layout_says_it_in_words_and_swaps_its_own_star(signed_in_with_key, user_with_key):
    response = star(signed_in_with_key, *FAILED_WS, layout="page", headers=htmx())

    assertContains(response, 'Remove <span class="visually-hidden">lambda-dev-0006 </span>from')
    assertContains(response, 'class="button star star--on">Remove')
    assertContains(response, 'hx-target="closest .star-form" hx-swap="outerHTML"')
    assert Favourite.objects.get().name == FAILED_WS[1]


def test_starring_twice_keeps_one_favourite_and_the_latest_name(signed_in_with_key, starred):
    star(signed_in_with_key, FAILED_WS[0], "renamed", headers=htmx())
    star(signed_in_with_key, FAILED_WS[0], headers=htmx())  # without a name: the last one stays

    favourites = Favourite.objects.filter(identifier=FAILED_WS[0])
    assert [f.name for f in favourites] == ["renamed"]


def test_without_javascript_the_form_post_goes_back_to_the_list_with_a_message(
    signed_in_with_key, user_with_key
):
    list_url = "http://testserver" + SANDBOX + "?status=failed"

    response = star(signed_in_with_key, *FAILED_WS, headers={"Referer": list_url})

    assertRedirects(response, list_url, fetch_redirect_response=False)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "lambda-dev-0006 is in My workspaces."
    ]
    assert Favourite.objects.filter(user=user_with_key).count() == 1


def test_a_referer_on_another_site_is_replaced_by_the_workspace_page(signed_in_with_key, starred):
    response = star(
        signed_in_with_key, *FAILED_WS, starred=False, headers={"Referer": "https://evil.example/"}
    )

    assertRedirects(response, SANDBOX + "lambda_dev_0006/", fetch_redirect_response=False)


def test_without_javascript_remove_on_my_workspaces_returns_to_my_workspaces(
    signed_in_with_key, user_with_key, fake
):
    favourite(user_with_key, "deleted_meanwhile", "deleted-meanwhile")

    # No Referer (a browser or proxy may drop it): not the workspace page, which may be a 404.
    response = star(
        signed_in_with_key, "deleted_meanwhile", "deleted-meanwhile", starred=False, layout="mine"
    )

    assert not Favourite.objects.exists()
    landing = signed_in_with_key.get(response["Location"]).status_code
    assert response["Location"] == "/my-workspaces/", f"{response['Location']} answers {landing}"
    assert landing == 200


def test_without_javascript_a_star_on_another_site_referer_from_my_workspaces_stays_there(
    signed_in_with_key, starred
):
    response = star(
        signed_in_with_key,
        *FAILED_WS,
        starred=False,
        layout="mine",
        headers={"Referer": "https://evil.example/"},
    )

    assertRedirects(response, "/my-workspaces/", fetch_redirect_response=False)


def test_the_star_needs_a_post_with_a_csrf_token(user_with_key):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_key)

    refused = star(client, *FAILED_WS, headers=htmx())
    as_get = client.get(STARS, {"add": FAILED_WS[0]})

    assert refused.status_code == 403
    assert as_get.status_code == 405
    assert not Favourite.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"add": "a", "remove": "b"},
        {"add": "not/an/identifier"},
        {"add": "9starts_with_a_digit"},
        {"add": " leading_space"},
        {"add": "ok " + "n" * 129},
        {"add": "ok", "layout": "sideways"},
    ],
)
def test_a_malformed_star_is_a_bad_request(signed_in_with_key, user_with_key, data):
    response = signed_in_with_key.post(STARS, data)

    assert response.status_code == 400
    assert not Favourite.objects.exists()


def _fill_to_the_cap(user, count: int = FAVOURITE_LIMIT, *, account_id: str = ACCOUNT) -> None:
    Favourite.objects.bulk_create(
        Favourite(
            user=user, account_id=account_id, org="default", project="infra", identifier=f"w{i}"
        )
        for i in range(count)
    )


def test_the_cap_refuses_one_more_star_and_says_why(signed_in_with_key, user_with_key):
    _fill_to_the_cap(user_with_key)

    response = star(signed_in_with_key, *FAILED_WS, headers=htmx())

    assertContains(response, 'name="add" value="lambda_dev_0006" id="star-lambda_dev_0006"')
    assertContains(response, 'class="button star">Add')
    assertContains(
        response, '<div id="global-alert" role="alert" aria-live="assertive" hx-swap-oob'
    )
    assertContains(response, f"You have {FAVOURITE_LIMIT} workspaces in My workspaces")
    assert Favourite.objects.filter(user=user_with_key).count() == FAVOURITE_LIMIT
    with pytest.raises(services.FavouriteLimitReached):
        services.favourite_add(
            user=user_with_key,
            account_id=ACCOUNT,
            org="default",
            project="sandbox",
            identifier="another",
            name="",
        )


def _global_alert(response) -> str:
    """What a star's htmx answer puts in the page's #global-alert, out of band."""
    alert = re.search(
        r'<div id="global-alert" role="alert" aria-live="assertive" hx-swap-oob="innerHTML">'
        r"(.*?)</div>\n?\Z",
        response.content.decode(),
        re.DOTALL,
    )
    assert alert is not None, response.content.decode()
    return alert[1]


def test_a_star_that_works_after_the_cap_refused_it_clears_the_refusal(
    signed_in_with_key, user_with_key
):
    _fill_to_the_cap(user_with_key)
    refused = star(signed_in_with_key, *FAILED_WS, layout="page", headers=htmx())
    Favourite.objects.filter(identifier="w0").delete()  # one removed, in another tab

    added = star(signed_in_with_key, *FAILED_WS, layout="page", headers=htmx())

    assert "remove one first." in _global_alert(refused)
    assertContains(added, 'class="button star star--on">Remove')
    assert _global_alert(added) == ""
    assertNotContains(added, "remove one first")


def test_at_the_cap_a_form_post_returns_with_the_message(signed_in_with_key, user_with_key):
    _fill_to_the_cap(user_with_key)

    response = star(signed_in_with_key, *FAILED_WS, headers={"Referer": "http://testserver/x/"})

    assertRedirects(response, "http://testserver/x/", fetch_redirect_response=False)
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error" and "remove one first" in str(message)


def test_unstarring_at_the_cap_still_works(signed_in_with_key, user_with_key):
    _fill_to_the_cap(user_with_key)

    signed_in_with_key.post(
        "/orgs/default/projects/infra/favourites/", {"remove": "w0"}, headers=htmx()
    )

    assert Favourite.objects.filter(user=user_with_key).count() == FAVOURITE_LIMIT - 1


def test_stars_kept_for_another_account_do_not_block_this_accounts(
    signed_in_with_key, user_with_key
):
    _fill_to_the_cap(user_with_key, account_id="OtherAcct02")

    mine = signed_in_with_key.get("/my-workspaces/")
    response = star(signed_in_with_key, *FAILED_WS, headers=htmx())

    assertContains(mine, "No starred workspace in this account.")
    assertNotContains(response, "remove one first")
    assertContains(response, 'class="button star star--on">Remove')
    assert Favourite.objects.filter(user=user_with_key, account_id=ACCOUNT).count() == 1


# --- the list and the workspace page show the stars ----------------------------------------


def test_a_filter_change_reads_no_stars(signed_in_with_key, starred, django_assert_num_queries):
    """Stars are on the workspace page, not on the list's rows: the list partial (its CPU is
    watched) stays at the session's one query, favourites or not."""
    signed_in_with_key.get(SANDBOX)  # remembers the project (an UPDATE) once

    with django_assert_num_queries(1) as queries:
        response = signed_in_with_key.get(
            SANDBOX + "?status=failed", headers=htmx("workspace-table")
        )

    assert not any("favourite" in query["sql"] for query in queries.captured_queries)
    assert not re.search(r'class="[^"]*\bstar\b', response.content.decode())


def test_the_workspace_page_shows_its_star_and_keeps_the_name_as_last_seen(
    signed_in_with_key, user_with_key
):
    favourite(user_with_key, FAILED_WS[0], "old name")

    starred_page = signed_in_with_key.get(f"{SANDBOX}{FAILED_WS[0]}/")
    other_page = signed_in_with_key.get(f"{SANDBOX}{ACTIVE_WS[0]}/")

    assertContains(starred_page, 'class="button star star--on">Remove')
    assertContains(other_page, 'class="button star">Add')
    assertContains(other_page, 'action="/orgs/default/projects/sandbox/favourites/"')
    assertContains(other_page, f'name="add" value="{ACTIVE_WS[0]}" id="star-{ACTIVE_WS[0]}"')
    assert Favourite.objects.get().name == FAILED_WS[1]


def test_stars_are_per_user(client, starred, other_user, fake):
    from tests.conftest import READ_KEY
    from workspaces.services import credential_save

    credential_save(user=other_user, account_id=ACCOUNT, api_key=READ_KEY)
    client.force_login(other_user)

    response = client.get(f"{SANDBOX}{FAILED_WS[0]}/")

    assertContains(response, 'class="button star">Add')
    assertNotContains(response, "star--on")
