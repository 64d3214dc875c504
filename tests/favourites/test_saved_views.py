"""Saved views: saving a list's filters (htmx and form post), the name's rules, the stored
address checked on the way in and out, opening someone else's view, deleting one's own."""

import uuid
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.contrib.messages import get_messages
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.concurrency import run_together
from tests.conftest import ACCOUNT, FULL_KEY
from tests.favourites.conftest import SANDBOX, htmx
from workspaces.favourites import services
from workspaces.favourites.models import SAVED_VIEW_LIMIT, SavedView, saved_view_name_key
from workspaces.favourites.selectors import list_target
from workspaces.services import credential_save

pytestmark = pytest.mark.django_db
VIEWS = "/views/"
FILTERED = SANDBOX + "?status=failed&status=active&q=dev&sort=updated%2CDESC&page=2&limit=10"
# 200 tags: about 5,000 characters, more than a saved view keeps (2,048).
MANY_TAGS = "&".join(f"tags=team%3Aplatform-{i:03}" for i in range(200))


def save(client, name: str, *, path=SANDBOX, query="", current_url="", **kw):
    headers = htmx(current_url="http://testserver" + current_url) if current_url else {}
    return client.post(VIEWS, {"name": name, "path": path, "query": query}, headers=headers, **kw)


@pytest.fixture
def bob(other_user, fake):
    credential_save(user=other_user, account_id=ACCOUNT, api_key=FULL_KEY)
    return other_user


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (SANDBOX, (SANDBOX, "")),
        (FILTERED, (SANDBOX, "q=dev&sort=updated%2CDESC&status=failed&status=active&limit=10")),
        (
            SANDBOX + "?window=7d&tags=env%3Aprod&evil=1&page=3",
            (SANDBOX, "tags=env%3Aprod&window=7d"),
        ),
        (
            SANDBOX + "?q=&sort=name%2CASC&status=failed&limit=30&window=all",
            (SANDBOX, "status=failed"),
        ),
        (
            "/workspaces/?org=platform&project=default%2Fsandbox&status=failed&page=2&after=3",
            ("/workspaces/", "status=failed&org=platform&project=default%2Fsandbox"),
        ),
        ("/my-workspaces/", None),
        ("/admin/", None),
        ("/views/", None),
        ("https://evil.example" + SANDBOX, None),
        ("//evil.example" + SANDBOX, None),
        ("javascript:alert(1)", None),
        ("orgs/default/projects/sandbox/workspaces/", None),
        ("/orgs/default/projects/sandbox/workspaces/iam_prod_0001/", None),
        # A Harness key pasted into the search (or any value holding one) is never kept.
        (f"{SANDBOX}?q={FULL_KEY}&status=failed", (SANDBOX, "status=failed")),
        (f"{SANDBOX}?q=my+key+{FULL_KEY}&tags={FULL_KEY}", (SANDBOX, "")),
        (f"/workspaces/?q=vpc&project={FULL_KEY}", ("/workspaces/", "q=vpc")),
    ],
)
def test_only_a_workspace_list_and_its_own_parameters_are_kept(url, expected):
    assert list_target(url) == expected


def test_htmx_saves_the_address_the_browser_shows_and_answers_with_the_link(
    signed_in_with_key, user_with_key
):
    # The hidden fields were rendered with the page; filters changed since (htmx pushed them).
    response = save(signed_in_with_key, "Dev failures", query="", current_url=FILTERED)

    view = SavedView.objects.get(owner=user_with_key)
    assert (view.name, view.path) == ("Dev failures", SANDBOX)
    assert view.query == "q=dev&sort=updated%2CDESC&status=failed&status=active&limit=10"
    assertContains(response, f'href="/views/{view.pk}/"', count=2)  # the notice and the menu
    assertContains(response, 'id="my-views-panel" class="header-menu__panel" hx-swap-oob="true"')
    assertNotContains(response, "<html")
    # The notice goes into the status region that stays in the page, where a change of its text
    # is announced (swapped in with the whole control, it was not); the form, and the focus in
    # it, stay as they are.
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#save-view-status", "innerHTML")
    assertContains(response, "Saved “Dev failures” under <strong>My views</strong>.")
    assertNotContains(response, "<form")
    page = signed_in_with_key.get(SANDBOX).content.decode()
    control = page.split('<div id="save-view"')[1].split("</form>")[0]
    assert '<div id="save-view-status" role="status"></div>' in control


SECRET = FULL_KEY.split(".")[-1]


@pytest.mark.parametrize("with_htmx", [False, True])
def test_a_view_saved_with_a_key_in_its_search_does_not_store_the_key(
    signed_in_with_key, user_with_key, with_htmx
):
    query = f"q={FULL_KEY}&status=failed"
    current_url = f"{SANDBOX}?{query}" if with_htmx else ""

    response = save(signed_in_with_key, "mine", query=query, current_url=current_url)

    view = SavedView.objects.get(owner=user_with_key)
    assert view.query == "status=failed"
    assert SECRET not in response.content.decode() + response.get("Location", "")
    assert SECRET not in signed_in_with_key.get(VIEWS).content.decode()


def test_a_view_stored_with_a_key_in_its_search_opens_without_it(signed_in_with_key, user_with_key):
    view = SavedView.objects.create(
        owner=user_with_key, name="old", path=SANDBOX, query=f"q={FULL_KEY}&status=failed"
    )

    response = signed_in_with_key.get(f"{VIEWS}{view.pk}/")

    assertRedirects(response, SANDBOX + "?status=failed", fetch_redirect_response=False)


@pytest.mark.postgres  # the data migration's updates
def test_the_migration_takes_keys_out_of_the_views_saved_before(user_with_key, bob):
    drop_keys = import_module(
        "workspaces.migrations.0014_saved_view_without_keys"
    ).drop_keys_from_saved_views
    stored = {
        "key": f"q={FULL_KEY}&status=failed",
        "key among words": f"q=my+key+{FULL_KEY}",
        "redacted": "q=%5Bredacted%5D&sort=updated%2CDESC",
        "no key": "q=pat.de.la.cruz%40example.com&status=active",
    }
    for name, query in stored.items():
        SavedView.objects.create(owner=user_with_key, name=name, path=SANDBOX, query=query)
    SavedView.objects.create(owner=bob, name="key", path="/workspaces/", query=f"tags={FULL_KEY}")

    drop_keys(django_apps, None)

    assert dict(SavedView.objects.filter(owner=user_with_key).values_list("name", "query")) == {
        "key": "status=failed",
        "key among words": "",
        "redacted": "sort=updated%2CDESC",
        "no key": "q=pat.de.la.cruz%40example.com&status=active",
    }
    assert SavedView.objects.get(owner=bob).query == ""


def test_a_malformed_current_url_is_as_if_htmx_sent_none(signed_in_with_key, user_with_key):
    # An unclosed IPv6 bracket: urlsplit raises ValueError (it was a 500).
    headers = htmx(current_url="http://[::1" + SANDBOX + "?status=active")

    response = signed_in_with_key.post(
        VIEWS, {"name": "Failed", "path": SANDBOX, "query": "status=failed"}, headers=headers
    )

    assert response.status_code == 200
    assert SavedView.objects.get(owner=user_with_key).query == "status=failed"  # as posted


def test_without_javascript_the_posted_list_is_saved_and_opened(signed_in_with_key, user_with_key):
    response = save(signed_in_with_key, "Failed", query="status=failed&page=4")

    assertRedirects(response, SANDBOX + "?status=failed", fetch_redirect_response=False)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Saved the view “Failed”."]
    assert SavedView.objects.get().query == "status=failed"


def test_a_list_loaded_with_long_filters_then_narrowed_with_htmx_is_saved(
    signed_in_with_key, user_with_key
):
    # The hidden query is the page's as loaded; the browser's address is the list as shown now.
    response = save(
        signed_in_with_key, "Failed", query=MANY_TAGS, current_url=SANDBOX + "?status=failed"
    )

    assert SavedView.objects.filter(name="Failed", query="status=failed").exists(), (
        response.content.decode()
    )
    assertContains(response, "Saved “Failed” under <strong>My views</strong>.")


def test_without_javascript_filters_too_long_to_save_say_so(signed_in_with_key, user_with_key):
    response = save(signed_in_with_key, "Many tags", query=MANY_TAGS)

    assertContains(response, "The view was not saved.")
    assertContains(
        response,
        '<p class="notice notice--error small" role="alert">These filters are too long to save: '
        "remove a few tags.</p>",
        html=True,
    )
    assert not SavedView.objects.exists()


def test_with_htmx_filters_too_long_to_save_say_so(signed_in_with_key, user_with_key):
    response = save(signed_in_with_key, "Many tags", current_url=f"{SANDBOX}?{MANY_TAGS}")

    assertContains(response, "These filters are too long to save: remove a few tags.")
    assert response.templates[0].name == "includes/save_view.html"
    assert not SavedView.objects.exists()


def test_the_same_list_saved_twice_under_its_name_is_saved_once_without_an_error(
    signed_in_with_key, user_with_key
):
    # A double-submitted form (no JavaScript, or a second tab): the second post finds its view.
    data = {"name": "Sandbox failures", "path": SANDBOX, "query": "status=failed"}

    first = signed_in_with_key.post(VIEWS, data)
    second = signed_in_with_key.post(VIEWS, data)

    assertRedirects(first, SANDBOX + "?status=failed", fetch_redirect_response=False)
    assert SavedView.objects.count() == 1
    assertNotContains(second, "The view was not saved.", status_code=302)
    assertRedirects(second, SANDBOX + "?status=failed", fetch_redirect_response=False)


def test_with_htmx_the_same_list_saved_again_answers_with_its_link(
    signed_in_with_key, user_with_key
):
    current = SANDBOX + "?status=failed"
    save(signed_in_with_key, "Sandbox failures", current_url=current)

    again = save(signed_in_with_key, "sandbox FAILURES", current_url=current)

    view = SavedView.objects.get()
    assert view.name == "Sandbox failures"  # the one kept, as first named
    assertNotContains(again, "You already have a view")
    assertContains(again, f'href="/views/{view.pk}/"', count=2)  # the notice and the menu


def test_the_same_name_for_another_list_is_still_refused(signed_in_with_key, user_with_key):
    save(signed_in_with_key, "Sandbox failures", current_url=SANDBOX + "?status=failed")

    other = save(signed_in_with_key, "Sandbox failures", current_url=SANDBOX + "?status=active")

    assert SavedView.objects.count() == 1
    assertContains(other, "You already have a view named “Sandbox failures”")


@pytest.mark.django_db(transaction=True)
def test_the_same_save_from_requests_at_the_same_moment_keeps_one_view(user_with_key):
    def save_once() -> str:
        view = services.saved_view_create(
            owner=user_with_key, name="Sandbox failures", path=SANDBOX, query="status=failed"
        )
        return str(view.pk)

    results, failures = run_together(8, save_once)

    assert failures == []
    assert len(results) == 8 and len(set(results)) == 1
    assert SavedView.objects.count() == 1


@pytest.mark.postgres  # a unique index over a key the portal computes
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Prod", "prod"),
        ("Équipe", "ÉQUIPE"),
        ("ΣΑΣ", "σας"),
        ("Failed in infra", "failed  in infra"),
    ],
)
def test_the_database_keeps_names_unique_as_they_read(user_with_key, first, second):
    # The form compares names as they read; two requests at the same moment pass it together.
    SavedView.objects.create(owner=user_with_key, name=first, path=SANDBOX)

    with pytest.raises(IntegrityError), transaction.atomic():
        SavedView.objects.create(owner=user_with_key, name=second, path=SANDBOX, query="q=x")

    assert SavedView.objects.count() == 1


def saved_by_the_previous_release(owner, name: str, query: str) -> None:
    """An INSERT that does not know `name_key`, as the previous release's pods send it during a
    rolling update (the database's default fills it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO workspaces_savedview (id, owner_id, name, path, query, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [uuid.uuid4().hex, owner.pk, name, SANDBOX, query, timezone.now()],
        )


@pytest.mark.postgres  # the column's database default
def test_views_the_previous_release_saves_during_an_update_are_compared_by_name(
    signed_in_with_key, user_with_key
):
    saved_by_the_previous_release(user_with_key, "Prod", "status=failed")
    saved_by_the_previous_release(user_with_key, "Dev", "status=active")

    response = save(signed_in_with_key, "prod", current_url=SANDBOX)

    assert list(SavedView.objects.values_list("name_key", flat=True)) == ["", ""]
    assertContains(response, "You already have a view named “prod”")


@pytest.mark.postgres  # the data migration's updates
def test_the_migration_to_name_keys_keeps_views_that_read_the_same_apart(user_with_key, bob):
    fill_name_keys = import_module("workspaces.migrations.0011_saved_view_name_key").fill_name_keys
    # Saved before names were compared as they read: told apart by case, white space, or
    # nothing visible at all. Written as they were, past `save` and its key.
    old = ["Équipe infra", "équipe  INFRA", "\x07\x1b", "Failed\tin infra", "équipe infra (2)"]
    start = timezone.now() - timedelta(days=1)
    for i, name in enumerate(old):
        view = SavedView.objects.create(owner=user_with_key, name=f"v{i}", path=SANDBOX)
        SavedView.objects.filter(pk=view.pk).update(
            name=name, name_key=f"old{i}", created_at=start + timedelta(minutes=i)
        )
    SavedView.objects.create(owner=bob, name="Équipe infra", path=SANDBOX)

    fill_name_keys(django_apps, None)

    views = SavedView.objects.filter(owner=user_with_key).order_by("created_at")
    assert [view.name for view in views] == [
        "Équipe infra",
        "équipe INFRA (2)",
        "Unnamed view",
        "Failed in infra",
        "équipe infra (2) (2)",  # its own name was taken by the second's new one
    ]
    assert all(view.name_key == saved_view_name_key(view.name) for view in views)
    assert SavedView.objects.get(owner=bob).name == "Équipe infra"


@pytest.mark.postgres  # the data migration's updates
def test_the_migration_to_name_keys_keeps_a_name_nfkc_lengthens_within_the_column(user_with_key):
    fill_name_keys = import_module("workspaces.migrations.0011_saved_view_name_key").fill_name_keys
    # The first release stored names as typed, up to 80 characters; written out, "½…" is
    # "1⁄2..." (6 characters for 2).
    old = "Failed in infra, half of them " + "x" * 48 + "½…"
    assert len(old) == 80
    view = SavedView.objects.create(owner=user_with_key, name="v", path=SANDBOX)
    SavedView.objects.filter(pk=view.pk).update(name=old, name_key="")

    fill_name_keys(django_apps, None)

    view.refresh_from_db()
    assert len(view.name) <= SavedView._meta.get_field("name").max_length, len(view.name)
    assert view.name == "Failed in infra, half of them " + "x" * 48 + "1⁄"
    assert view.name_key == saved_view_name_key(view.name)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 81, "Ensure this value has at most 80 characters (it has 81)."),
        ("mine", "You already have a view named “mine”"),
        ("MINE", "You already have a view named “MINE”"),
        ("\ufdfa" * 5, "at most 80 characters once written out (it has 90)."),
    ],
)
def test_a_bad_name_is_an_error_on_the_field(signed_in_with_key, user_with_key, name, error):
    SavedView.objects.create(owner=user_with_key, name="mine", path=SANDBOX, query="status=failed")

    response = save(signed_in_with_key, name, current_url=SANDBOX)

    assert response.status_code == 200
    assertContains(response, '<ul class="field__errors" id="save-view-name-error">')
    assertContains(response, error)
    assertContains(response, 'aria-describedby="save-view-name-help save-view-name-error"')
    assertContains(response, 'aria-invalid="true"')
    # After the swap the name gets the focus (portal.js), and with it its error.
    assertContains(response, '<div id="save-view" class="save-view" data-refocus="save-view-name">')
    assert SavedView.objects.count() == 1


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200d\u2060", "\u202e", "\ufeff\u200b"])
def test_a_name_with_nothing_visible_is_refused(signed_in_with_key, user_with_key, name):
    response = save(signed_in_with_key, name, current_url=SANDBOX)

    # The header menu would list a link with no text (no accessible name).
    assert not SavedView.objects.exists()
    assertContains(response, '<ul class="field__errors" id="save-view-name-error">')
    assertContains(response, "This name has nothing visible in it")


@pytest.mark.parametrize("name", ["\x07", "\x1b\x7f", "\x01\x02\x03"])
def test_a_name_of_control_characters_only_is_refused(signed_in_with_key, user_with_key, name):
    response = save(signed_in_with_key, name, current_url=SANDBOX)

    # Saved, it was a link with no text in the header menu.
    assert not SavedView.objects.exists()
    assertContains(response, "This name has nothing visible in it")


@pytest.mark.parametrize("second", ["Failed  in infra", "Failed\tin infra", "Failed\nin infra"])
def test_a_name_that_only_differs_by_whitespace_is_a_duplicate(
    signed_in_with_key, user_with_key, second
):
    save(signed_in_with_key, "Failed in infra", current_url=SANDBOX + "?status=failed")

    response = save(signed_in_with_key, second, current_url=SANDBOX + "?status=active")

    assert SavedView.objects.count() == 1
    assertContains(response, "You already have a view named “Failed in infra”")


@pytest.mark.parametrize(
    ("first", "second"),
    [("Équipe infra", "équipe INFRA"), ("ΣΑΣ", "σας"), ("Straße", "STRASSE")],
)
def test_names_differing_only_in_non_ascii_case_are_one(
    signed_in_with_key, user_with_key, first, second
):
    save(signed_in_with_key, first, current_url=SANDBOX + "?status=failed")

    response = save(signed_in_with_key, second, current_url=SANDBOX + "?status=active")

    # SQLite's LOWER() and LIKE fold ASCII letters only: the portal compares its own key.
    assert SavedView.objects.count() == 1
    assertContains(response, "You already have a view named")


def test_a_name_that_only_differs_by_an_invisible_character_is_a_duplicate(
    signed_in_with_key, user_with_key
):
    SavedView.objects.create(
        owner=user_with_key, name="Failed in infra", path=SANDBOX, query="status=failed"
    )

    response = save(signed_in_with_key, "\u202eFailed in infra\u200b", current_url=SANDBOX)

    # "Names are unique per person" (README): two menu entries that read the same are not.
    assert SavedView.objects.count() == 1
    assertContains(response, "You already have a view named “Failed in infra”")


def test_a_name_is_saved_without_its_invisible_characters(signed_in_with_key, user_with_key):
    save(
        signed_in_with_key,
        "\u200bFailed\u00a0in \uff49\uff4e\uff46\uff52\uff41\ufeff",
        current_url=SANDBOX,
    )

    assert SavedView.objects.get().name == "Failed in infra"  # NFKC: full-width letters, nbsp


def test_a_name_is_saved_with_each_run_of_white_space_one_space(signed_in_with_key, user_with_key):
    save(signed_in_with_key, " Failed \t\n in\x07  infra\u3000", current_url=SANDBOX)

    assert SavedView.objects.get().name == "Failed in infra"


def test_the_same_name_is_free_for_someone_else(signed_in_with_key, user_with_key, bob):
    SavedView.objects.create(owner=bob, name="Failed", path=SANDBOX)

    save(signed_in_with_key, "Failed", current_url=SANDBOX)

    assert SavedView.objects.filter(name="Failed").count() == 2


def test_the_cap_is_an_error_on_the_name(signed_in_with_key, user_with_key):
    SavedView.objects.bulk_create(
        SavedView(owner=user_with_key, name=f"v{i}", path=SANDBOX) for i in range(SAVED_VIEW_LIMIT)
    )

    response = save(signed_in_with_key, "one more", current_url=SANDBOX)

    assertContains(response, f"You have {SAVED_VIEW_LIMIT} saved views")
    assert SavedView.objects.count() == SAVED_VIEW_LIMIT


@pytest.mark.parametrize(
    "path", ["/admin/", "https://evil.example/", "/my-workspaces/", "javascript:alert(1)//"]
)
def test_anything_but_a_list_is_refused(signed_in_with_key, user_with_key, path):
    as_htmx = save(signed_in_with_key, "x", path=path, current_url="/views/")
    as_form = save(signed_in_with_key, "x", path=path)

    assertContains(as_htmx, "Only a workspace list and its filters can be saved.")
    assertContains(as_form, "Only a workspace list and its filters can be saved.")
    assertContains(as_form, '<h1 id="saved-views-title">Saved views</h1>')
    # Nothing posted is linked back to, or carried on, unless it is a workspace list.
    for response in (as_htmx, as_form):
        assertNotContains(response, f'value="{path}"')
        assertNotContains(response, 'href="javascript:')
    assertNotContains(as_form, "Back to the list")
    assert not SavedView.objects.exists()


def test_saving_and_deleting_need_a_csrf_token(user_with_key):
    view = SavedView.objects.create(owner=user_with_key, name="mine", path=SANDBOX)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_key)

    saved = save(client, "new", current_url=SANDBOX)
    deleted = client.post(f"{VIEWS}{view.pk}/delete/")

    assert (saved.status_code, deleted.status_code) == (403, 403)
    assert list(SavedView.objects.values_list("name", flat=True)) == ["mine"]


def test_anyone_signed_in_opens_a_view_with_their_own_key(client, user_with_key, bob, fake):
    view = SavedView.objects.create(
        owner=user_with_key, name="Failed", path=SANDBOX, query="status=failed"
    )
    client.force_login(bob)

    response = client.get(f"{VIEWS}{view.pk}/", follow=True)

    assert response.redirect_chain == [(SANDBOX + "?status=failed", 302)]
    assertContains(response, '<span class="badge badge--failed">Failed</span>')
    assert response.context["query"].status == ("failed",)


def test_only_the_owner_deletes_a_view(client, user_with_key, bob):
    view = SavedView.objects.create(owner=user_with_key, name="Failed", path=SANDBOX)
    client.force_login(bob)

    asked = client.get(f"{VIEWS}{view.pk}/delete/")
    posted = client.post(f"{VIEWS}{view.pk}/delete/")

    assert (asked.status_code, posted.status_code) == (404, 404)
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_the_owner_is_asked_then_the_view_is_deleted(signed_in_with_key, user_with_key):
    view = SavedView.objects.create(owner=user_with_key, name="Failed", path=SANDBOX)

    asked = signed_in_with_key.get(f"{VIEWS}{view.pk}/delete/")
    deleted = signed_in_with_key.post(f"{VIEWS}{view.pk}/delete/")

    assertContains(asked, "Delete the view “Failed”?")
    assertRedirects(deleted, VIEWS, fetch_redirect_response=False)
    assert not SavedView.objects.exists()


def test_a_stored_address_that_is_not_a_list_is_never_followed(signed_in_with_key, user_with_key):
    outside = SavedView.objects.create(owner=user_with_key, name="a", path="//evil.example/")
    admin = SavedView.objects.create(owner=user_with_key, name="b", path="/admin/")

    for view in (outside, admin):
        assert signed_in_with_key.get(f"{VIEWS}{view.pk}/").status_code == 404


def test_signed_out_a_view_asks_to_sign_in_first(client, user_with_key):
    view = SavedView.objects.create(owner=user_with_key, name="a", path=SANDBOX)

    response = client.get(f"{VIEWS}{view.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_saved_views_page_and_the_header_menu_list_the_users_views(
    signed_in_with_key, user_with_key, bob
):
    mine = SavedView.objects.create(owner=user_with_key, name="Sandbox failures", path=SANDBOX)
    SavedView.objects.create(owner=bob, name="Bob's view", path=SANDBOX)

    page = signed_in_with_key.get(VIEWS)

    assertContains(
        page, f'<a class="header-menu__item" href="/views/{mine.pk}/">Sandbox failures</a>'
    )
    assertContains(page, f'href="/views/{mine.pk}/delete/"')
    assertContains(page, f'<code class="wrap">{SANDBOX}</code>')
    assertNotContains(page, "Bob&#x27;s view")


def test_without_views_the_page_says_how_to_save_one(signed_in_with_key, user_with_key):
    response = signed_in_with_key.get(VIEWS)

    assertContains(response, "No saved views yet.")
    assertContains(response, "None yet: “Save view” on a workspace list adds one.")
    assertContains(response, 'href="/">Go to the workspace list</a>')


def test_the_list_page_offers_save_view_with_its_current_filters(signed_in_with_key, user_with_key):
    response = signed_in_with_key.get(SANDBOX + "?status=failed")
    table = signed_in_with_key.get(SANDBOX + "?status=failed", headers=htmx("workspace-table"))

    assertContains(response, '<input type="hidden" name="path" value="' + SANDBOX + '">')
    assertContains(response, '<input type="hidden" name="query" value="status=failed">')
    assertNotContains(table, 'id="save-view"')


def test_a_full_page_reads_the_menu_in_one_query_and_a_partial_not_at_all(
    signed_in_with_key, user_with_key, django_assert_max_num_queries
):
    for name in ("a", "b", "c"):
        SavedView.objects.create(owner=user_with_key, name=name, path=SANDBOX)
    signed_in_with_key.get(SANDBOX)  # remembers the project (an UPDATE) once

    with django_assert_max_num_queries(10) as page_queries:
        page = signed_in_with_key.get(SANDBOX)
    with django_assert_max_num_queries(10) as table_queries:
        signed_in_with_key.get(SANDBOX, headers=htmx("workspace-table"))

    assertContains(page, 'class="header-menu__item" href="/views/', count=3)
    menu_reads = [q for q in page_queries.captured_queries if "savedview" in q["sql"]]
    assert len(menu_reads) == 1
    assert not [q for q in table_queries.captured_queries if "savedview" in q["sql"]]
