"""SSO header sign-in: trusted only from the configured proxies."""

import logging
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

pytestmark = pytest.mark.django_db

EMAIL_META = "HTTP_X_FORWARDED_EMAIL"
GROUPS_META = "HTTP_X_FORWARDED_GROUPS"


def group_names(user):
    return sorted(user.groups.values_list("name", flat=True))


@pytest.fixture
def sso(settings):
    settings.PORTAL_AUTH = "sso"
    settings.AUTHENTICATION_BACKENDS = ["portal.sso.SSOHeaderBackend"]
    settings.SSO_USER_HEADER = "X-Forwarded-Email"
    settings.SSO_GROUPS_HEADER = "X-Forwarded-Groups"
    settings.SSO_TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1/32"]
    settings.SSO_LOGOUT_URL = "https://sso.example.com/oauth2/sign_out"
    return settings


@pytest.mark.postgres  # get_or_create, then a session
def test_trusted_proxy_header_signs_the_user_in_and_creates_them(client, sso):
    response = client.get(
        reverse("harness_key"),
        REMOTE_ADDR="10.1.2.3",
        **{EMAIL_META: " Alice@Example.COM ", "HTTP_X_FORWARDED_GROUPS": "devs, platform"},
    )

    assert response.status_code == 200
    user = User.objects.get()
    assert user.username == "alice@example.com"
    assert group_names(user) == ["devs", "platform"]
    assert response.wsgi_request.user == user


@pytest.mark.postgres  # get_or_create, then a session
def test_groups_removed_at_the_idp_are_dropped_on_the_next_request(client, sso):
    from django.contrib.auth.models import Group

    from workspaces.approvals.models import ApprovalRule
    from workspaces.approvals.selectors import rules_approved_by

    client.get(
        reverse("harness_key"),
        REMOTE_ADDR="10.0.0.1",
        **{EMAIL_META: "a@example.com", GROUPS_META: "devs, approvers"},
    )
    user = User.objects.get(username="a@example.com")
    rule = ApprovalRule.objects.create(name="prod changes")
    rule.approver_groups.add(Group.objects.get(name="approvers"))
    assert list(rules_approved_by(user=user)) == [rule]

    client.get(
        reverse("harness_key"),
        REMOTE_ADDR="10.0.0.1",
        **{EMAIL_META: "a@example.com", GROUPS_META: "devs"},
    )

    assert group_names(user) == ["devs"]
    assert list(rules_approved_by(user=user)) == []


@pytest.mark.postgres  # get_or_create, then a session
def test_an_unchanged_groups_header_costs_no_group_query_and_no_session_save(client, sso):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {EMAIL_META: "a@example.com", GROUPS_META: "devs, approvers"}
    client.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.1", **headers)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.1", **headers)

    assert response.status_code == 200
    assert not response.wsgi_request.session.modified
    sql = [query["sql"] for query in queries.captured_queries]
    assert not [q for q in sql if '"auth_group"."name"' in q]  # no group looked up by name
    assert not [q for q in sql if q.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert group_names(response.wsgi_request.user) == ["approvers", "devs"]


@pytest.mark.postgres  # groups created, then a session
def test_a_user_in_hundreds_of_groups_keeps_every_one(client, sso):
    directory = [f"dir-group-{index:03}" for index in range(300)]

    client.get(
        reverse("harness_key"),
        REMOTE_ADDR="10.0.0.1",
        **{EMAIL_META: "a@example.com", GROUPS_META: ",".join([*directory, "platform-approvers"])},
    )

    user = User.objects.get(username="a@example.com")
    assert group_names(user) == sorted([*directory, "platform-approvers"])


@pytest.mark.postgres  # groups created, then a session
def test_a_long_idp_group_is_not_cut_into_the_name_of_an_approving_group(client, sso, caplog):
    from django.contrib.auth.models import Group

    from workspaces.approvals.models import ApprovalRule
    from workspaces.approvals.selectors import rules_approved_by

    approvers = "platform-approvers-" + "x" * 131  # 150 characters, a rule's approving group
    rule = ApprovalRule.objects.create(name="prod", for_create=True)
    rule.approver_groups.add(Group.objects.create(name=approvers))

    with caplog.at_level(logging.WARNING, logger="portal.sso"):
        client.get(
            reverse("harness_key"),
            REMOTE_ADDR="10.0.0.1",
            **{EMAIL_META: "mallory@example.com", GROUPS_META: f"devs, {approvers}-readonly"},
        )

    user = User.objects.get(username="mallory@example.com")
    assert list(rules_approved_by(user=user)) == []
    assert group_names(user) == ["devs"]  # the long name is left out, the others kept
    assert "longer than 150 characters" in caplog.text
    assert "readonly" not in caplog.text  # the name itself is not logged


@pytest.mark.postgres  # get_or_create, then a session
def test_same_user_is_found_again_not_duplicated(client, sso):
    for _ in range(2):
        client.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.9", **{EMAIL_META: "a@example.com"})

    assert User.objects.count() == 1


def test_header_from_untrusted_address_is_ignored_and_logged(client, sso, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.sso"):
        response = client.get(
            reverse("harness_key"), REMOTE_ADDR="192.0.2.50", **{EMAIL_META: "mallory@example.com"}
        )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not User.objects.exists()
    assert "untrusted address 192.0.2.50" in caplog.text
    assert "mallory" not in caplog.text


def test_missing_header_is_not_signed_in(client, sso):
    response = client.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_in_sso_mode_explains_the_proxy(client, sso):
    response = client.get(reverse("login"), REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 401
    assert b"single sign-on" in response.content


def test_invalid_email_is_refused(client, sso):
    client.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.1", **{EMAIL_META: "not-an-email"})

    assert not User.objects.exists()


@pytest.mark.parametrize("value", ["alice", "a" * 140 + "@example.com", "<b>x</b>@@example.com"])
def test_sso_header_from_the_trusted_proxy_that_is_no_email_is_not_called_a_bypass(
    client, sso, value
):
    # SSO_USER_HEADER pointed at X-Forwarded-User ("alice"), or a name over 150 characters: the
    # request did come through the proxy, which is set up to send something else.
    first = client.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.1", **{EMAIL_META: value})
    signin = client.get(first["Location"], REMOTE_ADDR="10.0.0.1", **{EMAIL_META: value})

    text = " ".join(signin.content.decode().split())
    assert not User.objects.exists()
    assert "did not come through the sign-on proxy" not in text
    assert "sent no usable e-mail address" in text
    assert "SSO_USER_HEADER (now X-Forwarded-Email)" in text
    assert value not in signin.content.decode(), "the header's value is not shown"
    assert signin.status_code == 401


def test_a_deactivated_user_is_refused_and_keeps_the_groups_an_admin_left(client, sso, caplog):
    from django.contrib.auth.models import Group

    user = User.objects.create(username="gone@example.com", is_active=False)
    user.groups.add(Group.objects.create(name="devs"))

    response = client.get(
        reverse("harness_key"),
        REMOTE_ADDR="10.0.0.1",
        **{EMAIL_META: "gone@example.com", GROUPS_META: "approvers, platform"},
    )

    assert response.status_code != 200
    assert not response.wsgi_request.user.is_authenticated
    assert group_names(user) == ["devs"]
    assert not Group.objects.filter(name__in=["approvers", "platform"]).exists()
    assert "the portal user is deactivated" in caplog.text
    assert "invalid email" not in caplog.text
    # The sign-in page the refusal leads to says why, not that the proxy was bypassed.
    signin = client.get(response.url, REMOTE_ADDR="10.0.0.1", **{EMAIL_META: "gone@example.com"})
    assert signin.status_code == 403
    assert b"Your portal account is turned off" in signin.content
    assert b"did not come through the sign-on proxy" not in signin.content


def test_session_ends_when_the_header_disappears(client, sso):
    client.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.1", **{EMAIL_META: "a@example.com"})

    response = client.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 302


def test_switching_header_switches_user(client, sso):
    client.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.1", **{EMAIL_META: "a@example.com"})

    response = client.get(
        reverse("harness_key"), REMOTE_ADDR="10.0.0.1", **{EMAIL_META: "b@example.com"}
    )

    assert response.wsgi_request.user.username == "b@example.com"


def test_sign_out_ends_session_and_moves_on_to_sso_logout_without_a_redirect(client, sso):
    """Not a redirect: Chrome applies the CSP `form-action 'self'` to the redirects of a form
    submission, and would block one to the proxy's sign-out URL. A page moves on instead, by a
    meta refresh and a link (navigations that are no form submission)."""
    sso.SSO_LOGOUT_URL = "https://sso.example.com/oauth2/sign_out?rd=%2F&x=1"
    client.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.1", **{EMAIL_META: "a@example.com"})

    response = client.post(
        reverse("logout"), REMOTE_ADDR="10.0.0.1", **{EMAIL_META: "a@example.com"}
    )

    assert response.status_code == 200
    assertContains(response, "Signing you out")
    assertContains(
        response,
        '<meta http-equiv="refresh" '
        'content="0; url=https://sso.example.com/oauth2/sign_out?rd=%2F&amp;x=1">',
        html=True,
    )
    assertContains(
        response, 'href="https://sso.example.com/oauth2/sign_out?rd=%2F&amp;x=1"', count=1
    )
    assert "no-store" in response["Cache-Control"]
    assert "_auth_user_id" not in client.session
    assert not response.cookies.get("portal_sso_signed_out")  # the proxy signs out, not a marker


def test_header_with_underscore_variant_is_dropped_by_the_server(live_server, sso):
    """`X_Forwarded_Email` must not pass for `X-Forwarded-Email` (it maps to the same WSGI key)."""
    import requests

    response = requests.get(
        live_server.url + reverse("harness_key"),
        headers={"X_Forwarded_Email": "mallory@example.com"},
        allow_redirects=False,
        timeout=5,
    )

    assert response.status_code == 302
    assert "/accounts/login/" in response.headers["Location"]
    assert not User.objects.exists()


def test_header_over_real_http_from_trusted_loopback_signs_in(live_server, sso):
    import requests

    response = requests.get(
        live_server.url + reverse("harness_key"),
        headers={"X-Forwarded-Email": "carol@example.com"},
        allow_redirects=False,
        timeout=5,
    )

    assert response.status_code == 200
    assert User.objects.filter(username="carol@example.com").exists()


def test_a_group_name_the_proxy_sends_in_utf8_keeps_its_spelling(live_server, sso):
    import requests

    requests.get(
        live_server.url + reverse("harness_key"),
        headers={
            "X-Forwarded-Email": "jo@example.com",
            "X-Forwarded-Groups": "Équipe-Prod".encode(),
        },
        allow_redirects=False,
        timeout=5,
    )

    assert group_names(User.objects.get(username="jo@example.com")) == ["Équipe-Prod"]


@pytest.mark.postgres  # get_or_create, then a session
def test_a_user_header_in_utf8_keeps_its_spelling_and_latin1_is_kept_as_sent(client, sso):
    """WSGI hands header bytes over as latin-1 text: UTF-8 is read back as UTF-8; bytes that are
    not UTF-8 stay as they came."""
    as_wsgi_gives_it = "jo@exämple.com".encode().decode("latin-1")

    client.get(
        reverse("harness_key"),
        REMOTE_ADDR="10.0.0.1",
        **{EMAIL_META: as_wsgi_gives_it, GROUPS_META: "Caf\xe9, devs"},
    )

    user = User.objects.get()
    assert user.username == "jo@exämple.com"
    assert group_names(user) == ["Caf\xe9", "devs"]


def test_local_mode_ignores_the_header(client, settings):
    settings.PORTAL_AUTH = "local"

    response = client.get(reverse("harness_key"), REMOTE_ADDR="127.0.0.1", **{EMAIL_META: "a@b.co"})

    assert response.status_code == 302
    assert not User.objects.exists()


PROXY = {"REMOTE_ADDR": "10.0.0.1", EMAIL_META: "a@example.com"}


@pytest.mark.postgres  # get_or_create, then a session; the marker outlives the session
def test_sign_out_without_an_sso_logout_url_stays_signed_out(client, sso):
    """Without SSO_LOGOUT_URL the proxy still sends the header after "Sign out", and the next
    request signed the user straight back in: "Sign out" did nothing."""
    sso.SSO_LOGOUT_URL = ""
    client.get(reverse("harness_key"), **PROXY)

    signed_out = client.post(reverse("logout"), **PROXY)
    landed = client.get(signed_out["Location"], **PROXY)

    assert signed_out.status_code == 302
    assert not landed.wsgi_request.user.is_authenticated
    assert landed.status_code == 200
    assert b"Signed out of the portal" in landed.content
    assert b"Sign in again" in landed.content
    # Every page stays signed out until "Sign in again".
    elsewhere = client.get(reverse("harness_key"), **PROXY)
    assert not elsewhere.wsgi_request.user.is_authenticated
    assert elsewhere["Location"].startswith(reverse("login"))


@pytest.mark.postgres  # get_or_create, then a session
def test_sign_in_again_after_signing_out_without_an_sso_logout_url(client, sso):
    sso.SSO_LOGOUT_URL = ""
    client.get(reverse("harness_key"), **PROXY)
    client.post(reverse("logout"), **PROXY)

    again = client.post(reverse("login"), {"next": reverse("harness_key")}, **PROXY)
    page = client.get(again["Location"], **PROXY)

    assert again["Location"] == reverse("harness_key")
    assert page.status_code == 200
    assert page.wsgi_request.user.username == "a@example.com"


def test_the_signed_out_marker_is_signed(client, sso):
    """A marker anyone could write would not matter much (it only keeps its own browser signed
    out), but only the portal's counts."""
    sso.SSO_LOGOUT_URL = ""
    client.cookies["portal_sso_signed_out"] = "1"

    response = client.get(reverse("harness_key"), **PROXY)

    assert response.wsgi_request.user.is_authenticated


@pytest.mark.postgres  # get_or_create, then a session
def test_an_sso_session_renewed_by_the_proxy_does_not_refuse_the_open_page_next_action(sso):
    """The session ended (SESSION_COOKIE_AGE) while a page was open; the proxy's header signed
    the same user straight back in on the page's next action, and that sign-in renewed the CSRF
    secret: every later action of the open page was refused (403, and a reload lost its work)."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("harness_key"), **PROXY)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.content.decode())[1]
    del browser.cookies[settings.SESSION_COOKIE_NAME]
    hx = {"HX-Request": "true", "X-CSRFToken": token}

    first = browser.post(reverse("harness_key_delete"), headers=hx, **PROXY)
    second = browser.post(reverse("harness_key_delete"), headers=hx, **PROXY)

    assert first.wsgi_request.user.username == "a@example.com"
    assert first.status_code == 302
    assert second.status_code == 302
    assert second.wsgi_request.user.username == "a@example.com"


@pytest.mark.postgres  # get_or_create, then a session
@pytest.mark.parametrize("seen_by", ["nobody signed in", "b@example.com"])
def test_a_csrf_secret_from_before_a_header_sign_in_is_renewed_unless_it_was_the_users(
    sso, seen_by
):
    """Django renews the CSRF secret at sign-in so that a secret someone saw before (on a shared
    browser: signed out, or signed in as themselves) is worthless once another user signs in.
    The header sign-in keeps that: only the same user's own secret is kept."""
    browser = Client()
    if seen_by == "nobody signed in":
        browser.get(reverse("login"), REMOTE_ADDR="10.0.0.1")  # "Sign-in required", a token
    else:
        browser.get(reverse("harness_key"), REMOTE_ADDR="10.0.0.1", **{EMAIL_META: seen_by})
        del browser.cookies[settings.SESSION_COOKIE_NAME]
    seen = browser.cookies[settings.CSRF_COOKIE_NAME].value

    signed_in = browser.get(reverse("harness_key"), **PROXY)

    assert signed_in.wsgi_request.user.username == "a@example.com"
    assert browser.cookies[settings.CSRF_COOKIE_NAME].value != seen


def test_a_csrf_secret_seen_after_the_user_signed_out_is_renewed_at_their_next_sign_in(sso):
    """The owner cookie outlived "Sign out": on a shared browser the next person read the
    secret, the user signed in again later, and the header sign-in kept that secret."""
    sso.SSO_LOGOUT_URL = ""
    browser = Client()
    browser.get(reverse("harness_key"), **PROXY)
    browser.post(reverse("logout"), **PROXY)
    seen = browser.cookies[settings.CSRF_COOKIE_NAME].value
    browser.post(reverse("login"), **PROXY)

    signed_in = browser.get(reverse("harness_key"), **PROXY)

    assert signed_in.wsgi_request.user.username == "a@example.com"
    assert browser.cookies[settings.CSRF_COOKIE_NAME].value != seen


def test_a_csrf_secret_seen_after_the_proxy_signed_the_user_out_is_renewed_at_sign_in(sso):
    """Signed out at the proxy (its sign-out URL, or the identity provider's session ended):
    requests come without the header, and whoever uses the browser then reads the secret."""
    browser = Client()
    browser.get(reverse("harness_key"), **PROXY)
    browser.get(reverse("login"), REMOTE_ADDR="10.0.0.1")  # no header: the session ends
    seen = browser.cookies[settings.CSRF_COOKIE_NAME].value

    signed_in = browser.get(reverse("harness_key"), **PROXY)

    assert signed_in.wsgi_request.user.username == "a@example.com"
    assert browser.cookies[settings.CSRF_COOKIE_NAME].value != seen


@pytest.mark.postgres  # get_or_create, then a session
def test_sign_in_again_after_the_signed_out_marker_expired_keeps_the_deep_link(client, sso):
    """The marker expired while "Signed out of the portal" stayed open: the header signed the
    user in on the "Sign in again" POST itself, which then went home, not to the page they
    came for."""
    sso.SSO_LOGOUT_URL = ""
    client.get(reverse("harness_key"), **PROXY)
    client.post(reverse("logout"), **PROXY)
    del client.cookies["portal_sso_signed_out"]  # expired

    again = client.post(reverse("login"), {"next": reverse("draft_list")}, **PROXY)

    assert again.wsgi_request.user.is_authenticated
    assert again["Location"] == reverse("draft_list")


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/drafts/", "/drafts/"),
        ("https://evil.example.com/", "/"),
        ("/accounts/login/", "/"),
        ("/accounts/logout/", "/"),
    ],
)
@pytest.mark.postgres  # get_or_create, then a session
def test_the_sign_in_page_sends_a_signed_in_user_to_a_safe_next(client, sso, next_url, lands_on):
    response = client.get(reverse("login"), {"next": next_url}, **PROXY)

    assert response.wsgi_request.user.is_authenticated
    assert response["Location"] == lands_on
