"""Local sign-in: Django's `AuthenticationForm` (what the login page uses) refuses every value of
the hostile-input corpus, and a few sign-ins through the page show the form again, escaped.

The corpus runs through the form itself: each value costs a password check, not a request.
"""

import re

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from tests.hostile_values import CORPUS

pytestmark = pytest.mark.django_db

RIGHT = {"username": "alice", "password": "s3cret-pass"}  # the `user` fixture's
SCRIPT = "<script>alert(1)</script>"
# One of each kind of refusal: a field error (required, too long, a NUL character) or a wrong
# login, and markup that must come back escaped.
SAMPLES = ["", "a" * 5000, "a\x00b", SCRIPT, '"><img src=x onerror=alert(1)>', "\u202eevil\u202c"]


def _error_codes(form: AuthenticationForm) -> dict[str, list[str]]:
    return {name: [e.code for e in errors] for name, errors in form.errors.as_data().items()}


@pytest.mark.parametrize("field", ["username", "password"])
def test_the_sign_in_form_refuses_every_hostile_value(rf, user, field):
    request = rf.post(reverse("login"))
    for value in CORPUS:
        form = AuthenticationForm(request, data={**RIGHT, field: value})

        assert not form.is_valid(), (field, value)
        assert form.get_user() is None
        errors = _error_codes(form)
        # Refused either by the field itself or as a wrong username/password pair.
        assert list(errors) == [field] or errors == {"__all__": ["invalid_login"]}, errors
        assert "<script>alert(1)" not in str(form[field])


def test_the_right_password_passes_the_form(rf, user):
    form = AuthenticationForm(rf.post(reverse("login")), data=RIGHT)

    assert form.is_valid(), form.errors
    assert form.get_user() == user


@pytest.mark.parametrize("field", ["username", "password"])
def test_hostile_sign_ins_show_the_page_again_escaped(client, user, field):
    for value in SAMPLES:
        response = client.post(reverse("login"), {**RIGHT, field: value})

        assert response.status_code == 200, (field, value)
        assert response.context["form"].errors, (field, value)
        assert b"<script>alert(1)" not in response.content
    assert "_auth_user_id" not in client.session


def test_a_hostile_username_is_shown_back_escaped_with_the_login_error(client, user):
    response = client.post(reverse("login"), {**RIGHT, "username": SCRIPT})

    assertContains(response, 'value="&lt;script&gt;alert(1)&lt;/script&gt;"')
    assertContains(response, "Please enter a correct username and password")


@pytest.mark.postgres  # the session is written to the database and the cache
def test_the_right_password_signs_in_and_sign_out_ends_the_session(client, user):
    response = client.post(reverse("login"), RIGHT)
    signed_in_as = client.session.get("_auth_user_id")
    signed_out = client.post(reverse("logout"))

    assertRedirects(response, reverse("home"), fetch_redirect_response=False)
    assert signed_in_as == str(user.pk)
    assertRedirects(signed_out, reverse("login"), fetch_redirect_response=False)
    assert "_auth_user_id" not in client.session


def test_signing_out_after_the_session_expired_ends_on_a_page_not_a_blank_405(client, user):
    """An expired session's "Sign out" went to the sign-in page with next=/accounts/logout/;
    signed in, the browser then asked for that address with a GET: a blank 405 page."""
    signed_out = client.post(reverse("logout"))

    assertRedirects(signed_out, reverse("login"), fetch_redirect_response=False)
    response = client.post(reverse("login"), {**RIGHT, "next": reverse("logout")}, follow=True)

    assert response.status_code == 200


def test_reloading_sign_out_after_a_stale_token_offers_to_sign_out(user):
    """The 403 page's "Reload the page" is a GET of the sign-out address: it answered a blank
    405 page and left the user signed in."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("harness_key"))

    refused = client.post(reverse("logout"), {"csrfmiddlewaretoken": "x" * 64})
    reloaded = client.get(reverse("logout"))

    assert refused.status_code == 403
    assert reloaded.status_code == 200
    assertContains(reloaded, "Sign out?")
    form = re.search(
        r'<form method="post" action="/accounts/logout/"[^>]*>.*?</form>', reloaded.text, re.S
    )[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    signed_out = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assertRedirects(signed_out, reverse("login"), fetch_redirect_response=False)
    assert "_auth_user_id" not in client.session


def test_sign_out_asked_for_while_signed_out_leads_to_sign_in(client):
    response = client.get(reverse("logout"))

    assertRedirects(response, reverse("login"), fetch_redirect_response=False)


@pytest.mark.parametrize("next_url", ["/accounts/login/", "/accounts/login/?next=/orgs/"])
def test_a_signed_in_user_sent_to_sign_in_with_itself_as_next_goes_home(client, user, next_url):
    """`/accounts/login/?next=/accounts/login/` was a 500 for a signed-in user: Django's
    LoginView raised "Redirection loop for authenticated user detected"."""
    client.force_login(user)
    client.raise_request_exception = False

    response = client.get(reverse("login"), {"next": next_url})

    assertRedirects(response, reverse("home"), fetch_redirect_response=False)


def test_signing_in_with_sign_out_as_next_goes_home_not_to_sign_out(client, user):
    """A `next` left over from a sign-out sent while the session had expired: signing in must
    not end on the "Sign out?" page."""
    response = client.post(reverse("login"), {**RIGHT, "next": reverse("logout")})

    assertRedirects(response, reverse("home"), fetch_redirect_response=False)


def test_signing_in_still_goes_to_the_page_asked_for(client, user):
    response = client.post(reverse("login"), {**RIGHT, "next": reverse("harness_key")})

    assertRedirects(response, reverse("harness_key"), fetch_redirect_response=False)


def test_signing_in_with_the_admin_as_next_still_goes_there(client, user):
    response = client.post(reverse("login"), {**RIGHT, "next": "/admin/login/"})

    assertRedirects(response, "/admin/login/", fetch_redirect_response=False)


def test_a_session_that_ended_during_an_htmx_request_comes_back_to_the_page_after_sign_in(
    client, user
):
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/drafts/?status=open"}

    response = client.get("/drafts/?page=2", headers=headers)
    signed_in = client.post(response["HX-Redirect"], RIGHT)

    assert response.status_code == 401
    assert response["HX-Redirect"] == reverse("login") + "?next=/drafts/%3Fstatus%3Dopen"
    assertRedirects(signed_in, "/drafts/?status=open", fetch_redirect_response=False)


@pytest.mark.parametrize("current", ["https://elsewhere.example/drafts/", "http://[::1/", ""])
def test_an_htmx_request_from_no_page_of_this_site_goes_to_plain_sign_in(client, current):
    response = client.get("/drafts/", headers={"HX-Request": "true", "HX-Current-URL": current})

    assert response.status_code == 401
    assert response["HX-Redirect"] == reverse("login")


def test_an_htmx_sign_out_of_an_expired_session_goes_to_sign_in_without_next(client):
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/drafts/"}

    response = client.get(reverse("logout"), headers=headers)

    assert response["HX-Redirect"] == reverse("login")
