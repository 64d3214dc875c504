"""Local sign-in: Django's `AuthenticationForm` (what the login page uses) refuses every value of
the hostile-input corpus, and a few sign-ins through the page show the form again, escaped.

The corpus runs through the form itself: each value costs a password check, not a request.
"""

import pytest
from django.contrib.auth.forms import AuthenticationForm
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
