"""The Harness key page: checking, saving encrypted, replacing, deleting, and each failure."""

import contextlib
import re
import threading

import pytest
from django.db import connection
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.concurrency import run_together
from tests.conftest import ACCOUNT, FULL_KEY, OTHER_KEY, READ_KEY
from workspaces import services
from workspaces.crypto import decrypt_token
from workspaces.models import HarnessCredential

pytestmark = pytest.mark.django_db


def test_first_visit_without_key_is_sent_to_the_key_page(signed_in, fake):
    response = signed_in.get(reverse("home"))

    assertRedirects(response, reverse("harness_key"))


def test_key_page_shows_the_form(signed_in, fake):
    response = signed_in.get(reverse("harness_key"))

    assertContains(response, "Your Harness API key")
    assertContains(response, 'name="api_key"')
    assertNotContains(response, "Delete key")


def test_with_a_project_chosen_the_key_page_leads_back_to_its_list(signed_in_with_key, user):
    HarnessCredential.objects.filter(user=user).update(
        current_org="default", current_project="infra"
    )

    response = signed_in_with_key.get(reverse("harness_key"))

    assertContains(response, f'href="{reverse("home")}">Go to the workspace list</a>')


def test_the_key_field_is_never_filled_in_with_a_saved_password(signed_in, fake):
    """`autocomplete="off"` on a password field is ignored by browsers, which then offered to
    fill in the portal's saved sign-in password there; "new-password" is the value they honour
    (a field for a new secret, never filled from a saved one)."""
    response = signed_in.get(reverse("harness_key"))

    field = re.search(r'<input type="password" name="api_key"[^>]*>', response.text)[0]
    assert 'autocomplete="new-password"' in field
    assert "value=" not in field


@pytest.mark.postgres  # credential_save: select_for_update, then insert or update
def test_valid_key_is_checked_with_harness_and_stored_encrypted(signed_in, user, fake):
    response = signed_in.post(reverse("harness_key"), {"api_key": FULL_KEY})

    assertRedirects(response, reverse("org_list"), fetch_redirect_response=False)
    credential = HarnessCredential.objects.get(user=user)
    assert credential.account_id == ACCOUNT
    assert credential.account_name == "Acme Demo"
    assert credential.key_last4 == FULL_KEY[-4:]
    assert FULL_KEY not in credential.encrypted_key
    assert decrypt_token(credential.encrypted_key) == FULL_KEY
    checks = fake.log(route="ng.accounts.get")
    assert len(checks) == 1
    assert checks[0]["path"] == f"/ng/api/accounts/{ACCOUNT}"


@pytest.mark.django_db(transaction=True)  # row locks: rerun on PostgreSQL (tests/conftest.py)
def test_a_first_key_saved_twice_at_once_saves_both_times(user, monkeypatch):
    """Two first saves at once (a double click, two tabs) both found no row to lock, both
    inserted, and the second failed on the unique user: a 500 on PostgreSQL."""
    barrier = threading.Barrier(2, timeout=5)
    encrypt = services.encrypt_token

    def encrypt_together(api_key):
        # Both saves inside their transactions, neither written yet; with the fix the second
        # waits on the lock, so the first is released by the barrier's timeout.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return encrypt(api_key)

    monkeypatch.setattr(services, "encrypt_token", encrypt_together)
    keys = iter([FULL_KEY, READ_KEY])
    lock = threading.Lock()

    def save():
        with lock:
            api_key = next(keys)
        services.credential_save(user=user, account_id=ACCOUNT, api_key=api_key)
        return "saved"

    results, failures = run_together(2, save)

    assert failures == []
    assert results == ["saved", "saved"]
    assert HarnessCredential.objects.filter(user=user).count() == 1


def test_database_holds_no_plaintext_key(signed_in, user, fake):
    signed_in.post(reverse("harness_key"), {"api_key": FULL_KEY})

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM workspaces_harnesscredential")
        rows = cursor.fetchall()
    assert rows
    dump = repr(rows)
    assert FULL_KEY not in dump
    assert FULL_KEY.split(".")[-1] not in dump


def test_saved_key_is_shown_masked_only(signed_in_with_key):
    response = signed_in_with_key.get(reverse("harness_key"))

    assertContains(response, "•••• " + FULL_KEY[-4:])
    assertContains(response, "Acme Demo")
    assertNotContains(response, FULL_KEY)
    assertNotContains(response, FULL_KEY.split(".")[-1])


def test_rejected_key_gets_a_clear_message_and_is_not_saved(signed_in, user, fake):
    bad_key = f"pat.{ACCOUNT}.65a1f0c0d1e2f3a4b5c6d7e8.wrongsecret000000000"

    response = signed_in.post(reverse("harness_key"), {"api_key": bad_key})

    assert response.status_code == 200
    assertContains(response, "Harness did not accept this key (401)")
    assertNotContains(response, bad_key)
    assert not HarnessCredential.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "Harness did not accept this key (401)"),
        (404, "Harness has no account AcmeDemoAcct01"),
        (429, "Harness is limiting requests right now"),
        (500, "Harness answered with an error (HTTP 500)"),
        (503, "Harness answered with an error (HTTP 503)"),
    ],
)
def test_each_harness_failure_on_the_key_form(signed_in, user, fake, status, message):
    fake.inject("ng.accounts.get", status=status, times=5)

    response = signed_in.post(reverse("harness_key"), {"api_key": FULL_KEY})

    assert response.status_code == 200
    assertContains(response, message)
    assert not HarnessCredential.objects.filter(user=user).exists()


@pytest.mark.parametrize("status", [429, 503])
def test_a_key_harness_could_not_check_is_asked_for_again_with_the_focus_on_it(
    signed_in, fake, status
):
    fake.inject("ng.accounts.get", status=status, times=5)

    response = signed_in.post(reverse("harness_key"), {"api_key": FULL_KEY})

    # The key field comes back empty (it is never shown again): the message says to paste it.
    content = response.content.decode()
    assert "Nothing was saved; paste the key again and submit to retry." in content
    key_input = re.search(r'<input[^>]*name="api_key"[^>]*>', content)[0]
    assert "autofocus" in key_input and FULL_KEY not in content


def test_unreachable_harness_on_the_key_form(signed_in, user, fake, settings):
    settings.HARNESS_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens

    response = signed_in.post(reverse("harness_key"), {"api_key": FULL_KEY})

    assertContains(response, "Harness is not responding right now")
    assert not HarnessCredential.objects.filter(user=user).exists()


def test_key_without_account_asks_for_the_account_id(signed_in, fake):
    response = signed_in.post(reverse("harness_key"), {"api_key": "opaque-token-1234567890"})

    assertContains(response, "The account cannot be read from this key")
    assert not fake.log(route="ng.accounts.get")


def test_a_form_sent_back_with_an_error_says_the_key_must_be_pasted_again(signed_in, fake):
    """The key is never shown again (render_value=False): after an account-ID error the key
    field came back empty without a word, and the corrected form then said "This field is
    required." about the key."""
    response = signed_in.post(reverse("harness_key"), {"api_key": "abcdefgh12345678XYZ"})

    assertContains(response, "enter the account ID")
    assertContains(response, "paste the key again")
    key_errors = re.search(
        r'<ul class="field__errors" id="id_api_key_error">.*?</ul>', response.text
    )
    assert key_errors and "paste the key again" in key_errors[0]
    assertNotContains(response, "abcdefgh12345678XYZ")


def test_typed_account_must_match_the_key(signed_in, fake):
    response = signed_in.post(
        reverse("harness_key"), {"api_key": FULL_KEY, "account_id": "SomeoneElse"}
    )

    assertContains(response, "This key belongs to account AcmeDemoAcct01")
    assert not fake.log(route="ng.accounts.get")


@pytest.mark.parametrize("api_key", ["", FULL_KEY])
def test_a_key_pasted_into_the_account_field_is_not_rendered_back(signed_in, fake, api_key):
    """The account field re-rendered what was typed in it, so a key pasted there by mistake
    came back in the page (and in the browser's form history)."""
    response = signed_in.post(reverse("harness_key"), {"api_key": api_key, "account_id": FULL_KEY})

    assert response.status_code == 200
    assertNotContains(response, FULL_KEY.split(".")[-1])
    assertContains(response, "That looks like an API key: paste it in the API key field above")
    assert re.search(r'<input type="text" name="account_id"(?![^>]*value=)', response.text)
    assert not fake.log(route="ng.accounts.get")


def test_empty_key_is_a_field_error(signed_in, fake):
    response = signed_in.post(reverse("harness_key"), {"api_key": "  "})

    assertContains(response, "This field is required")


@pytest.mark.postgres  # credential_save: select_for_update, then insert or update
def test_replacing_the_key_keeps_project_choice_for_same_account(signed_in_with_key, user, fake):
    HarnessCredential.objects.filter(user=user).update(
        current_org="default", current_project="infra"
    )

    signed_in_with_key.post(reverse("harness_key"), {"api_key": READ_KEY})

    credential = HarnessCredential.objects.get(user=user)
    assert decrypt_token(credential.encrypted_key) == READ_KEY
    assert (credential.current_org, credential.current_project) == ("default", "infra")


@pytest.mark.postgres  # credential_save: select_for_update, then insert or update
def test_key_for_another_account_resets_project_choice(signed_in_with_key, user, fake):
    HarnessCredential.objects.filter(user=user).update(
        current_org="default", current_project="infra"
    )

    signed_in_with_key.post(reverse("harness_key"), {"api_key": OTHER_KEY})

    credential = HarnessCredential.objects.get(user=user)
    assert credential.account_id == "OtherAcct02"
    assert (credential.current_org, credential.current_project) == ("", "")


@pytest.mark.postgres
def test_delete_key(signed_in_with_key, user):
    response = signed_in_with_key.post(reverse("harness_key_delete"), {"confirm": "1"})

    assertRedirects(response, reverse("harness_key"), fetch_redirect_response=False)
    assert not HarnessCredential.objects.filter(user=user).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_deleting_the_key_asks_first(signed_in_with_key, user, method):
    response = getattr(signed_in_with_key, method)(reverse("harness_key_delete"))

    assertContains(response, "Delete your Harness key")
    assertContains(response, 'name="confirm" value="1"')
    assertContains(response, "revoke it there")
    assert HarnessCredential.objects.filter(user=user).exists()


def test_401_anywhere_sends_the_user_to_the_key_page(signed_in_with_key, fake):
    fake.inject("v1.orgs.list", status=401)

    response = signed_in_with_key.get(reverse("org_list"), follow=True)

    assertRedirects(response, reverse("harness_key"))
    assertContains(response, "Harness did not accept your API key")


def said_in_the_focused_alert(response, text: str) -> bool:
    """Whether `text` is a message the page's alert form holds (role="alert", tabindex="-1":
    portal.js focuses it), the way the reason someone was sent here must be said."""
    alerts = re.findall(
        r'<p class="notice notice--error" role="alert" tabindex="-1">([^<]*)</p>',
        response.content.decode(),
    )
    return any(text in alert for alert in alerts)


def test_a_key_harness_stopped_accepting_is_said_in_the_focused_alert_on_the_key_page(
    signed_in_with_key, fake
):
    fake.inject("v1.orgs.list", status=401, times=5)

    response = signed_in_with_key.get(reverse("org_list"), follow=True)

    assertRedirects(response, reverse("harness_key"))
    assert said_in_the_focused_alert(response, "Harness did not accept your API key")


def test_a_page_that_needs_a_key_says_so_in_the_focused_alert_on_the_key_page(signed_in, fake):
    response = signed_in.post(reverse("draft_start", args=["default", "infra"]), follow=True)

    assertRedirects(response, reverse("harness_key"))
    assert said_in_the_focused_alert(response, "Connect your Harness API key to continue.")


def test_a_stored_key_the_portal_cannot_read_is_said_in_the_focused_alert(
    signed_in_with_key, settings, fake
):
    settings.HARNESS_TOKEN_KEYS = ["bmV3LWtleS10aGF0LWRvZXMtbm90LWZpdC0wMDAwMDA="]

    response = signed_in_with_key.get(reverse("org_list"), follow=True)

    assert said_in_the_focused_alert(response, "can no longer be read by the portal")


def test_401_on_an_htmx_request_redirects_the_whole_page(signed_in_with_key, fake):
    fake.inject("v1.orgs.list", status=401)

    response = signed_in_with_key.get(
        reverse("org_list"), {"q": "x"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("harness_key")


def test_undecryptable_key_asks_to_reenter_and_never_reaches_harness(
    signed_in_with_key, settings, fake
):
    settings.HARNESS_TOKEN_KEYS = ["bmV3LWtleS10aGF0LWRvZXMtbm90LWZpdC0wMDAwMDA="]

    response = signed_in_with_key.get(reverse("org_list"), follow=True)

    assertRedirects(response, reverse("harness_key"))
    assertContains(response, "can no longer be read by the portal")
    assert fake.counters() == {} or sum(fake.counters().values()) == 0


@pytest.mark.parametrize(
    ("api_key", "message"),
    [
        (f"pat.{ACCOUNT}.65a1f0c0d1e2f3a4b5c6d7e8.été0000000000", "only unaccented letters"),
        ("pat.Acme\u2013demo.65a1.secret000000", "only unaccented letters"),
        (f"pat.{ACCOUNT}.65a1f0c0d1e2f3a4b5c6d7e8", "looks like pat.&lt;account&gt;"),
        ("pat.<script>.65a1f0c0d1e2.secret00000000", "looks like pat.&lt;account&gt;"),
        (f"sat.{ACCOUNT}..secret00000000", "looks like pat.&lt;account&gt;"),
        ("pat." + "a" * 200 + ".id.secret", "looks like pat.&lt;account&gt;"),
    ],
)
def test_a_key_of_the_wrong_shape_is_refused_before_any_harness_call(
    signed_in, user, fake, api_key, message
):
    response = signed_in.post(reverse("harness_key"), {"api_key": api_key})

    assert response.status_code == 200
    assertContains(response, message)
    assert not fake.log(route="ng.accounts.get")
    assert not HarnessCredential.objects.filter(user=user).exists()


def test_the_harness_page_where_keys_are_made_has_one_name(signed_in, fake):
    response = signed_in.get(reverse("harness_key"))

    assert response.content.decode().count("My Profile → My API Keys") == 2  # intro, field help
    assertNotContains(response, "→ API keys")


PROJECT_KEY = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7eb.dEmOpRoJeCtOnLy00000005"


def test_a_key_limited_to_one_project_is_accepted_and_says_what_it_reaches(signed_in, user, fake):
    response = signed_in.post(reverse("harness_key"), {"api_key": PROJECT_KEY}, follow=True)

    assertContains(response, "It may not read account AcmeDemoAcct01")
    assertContains(response, "the project default / sandbox")
    credential = HarnessCredential.objects.get(user=user)
    assert credential.account_id == ACCOUNT
    assert [c["status"] for c in fake.log(route="ng.accounts.get")] == [403]
    assert fake.log(route="v1.orgs.list")


def test_a_key_that_can_reach_nothing_is_refused(signed_in, user, fake):
    fake.inject("ng.accounts.get", status=403, times=1)
    fake.inject("v1.orgs.list", status=403, times=1)

    response = signed_in.post(reverse("harness_key"), {"api_key": FULL_KEY})

    assertContains(response, "can see neither account AcmeDemoAcct01 nor any of its organisations")
    assert not HarnessCredential.objects.filter(user=user).exists()


def test_a_harness_outage_while_reading_what_a_key_reaches_is_not_called_a_403(
    signed_in, user, fake
):
    fake.inject("v1.projects.list", status=503, times=5)

    response = signed_in.post(reverse("harness_key"), {"api_key": PROJECT_KEY})

    assertNotContains(response, "can see neither account")
    assertNotContains(response, "Ask a Harness admin for a role")
    assertContains(response, "503")
    assertContains(response, "Nothing was saved; paste the key again and submit to retry.")
    assert not HarnessCredential.objects.filter(user=user).exists()


def test_the_admin_shows_who_has_a_key_but_neither_the_key_nor_its_fingerprint(
    admin_client, user_with_key
):
    # The fingerprint is in the cache keys of the key's data: editable, it could be copied onto
    # another user, who would then be served data fetched with someone else's rights.
    credential = HarnessCredential.objects.get(user=user_with_key)

    page = admin_client.get(
        reverse("admin:workspaces_harnesscredential_change", args=[credential.pk])
    )

    assertContains(page, credential.account_id)
    assertNotContains(page, credential.key_fingerprint)
    assertNotContains(page, 'name="key_fingerprint"')
    assertNotContains(page, FULL_KEY.split(".")[-1])


def v1_page_of(kind: str, count: int, total: int | None) -> dict:
    """An injected v1 list reply (`fake.inject`'s body and headers): `count` orgs or projects,
    with Harness's paging headers (contract §5: `X-Total-Elements`, `X-Page-Number`,
    `X-Page-Size`) when `total` is given."""
    import json

    items = [{kind: {"identifier": f"{kind}{n:02d}", "name": f"{kind} {n}"}} for n in range(count)]
    headers = {"X-Total-Elements": str(total), "X-Page-Number": "0", "X-Page-Size": "20"}
    return {"body": json.dumps(items), "headers": headers if total is not None else None}


@pytest.mark.parametrize(
    ("kind", "total", "not_said", "said"),
    [
        ("org", 25, "20 organisations:", "25 organisations"),
        ("org", None, "20 organisations:", "at least 20 organisations"),
        ("project", 31, "(20 projects)", "the organisation default (31 projects)"),
        ("project", None, "(20 projects)", "the organisation default (at least 20 projects)"),
    ],
)
def test_a_key_reaching_more_organisations_or_projects_than_one_page_is_not_said_to_reach_twenty(
    signed_in, fake, kind, total, not_said, said
):
    # Without a total (Harness sends one: the branch for a reply that has none), a full page
    # may have a next one.
    fake.inject(f"v1.{kind}s.list", status=200, **v1_page_of(kind, 20, total))

    response = signed_in.post(reverse("harness_key"), {"api_key": PROJECT_KEY}, follow=True)

    text = " ".join(response.content.decode().split())
    assert not_said not in text
    assert said in text
    assert HarnessCredential.objects.filter(account_id=ACCOUNT).exists()
