"""Signing out behind the SSO proxy: the browser reaches the proxy's own sign-out page."""

import pytest
from playwright.sync_api import expect

from tests.harness.local_server import QuietHandler, serving

SIGNED_OUT_PAGE = b"<!doctype html><title>Signed out</title><h1>You are signed out</h1>"


class SSOSignOutPage(QuietHandler):
    """The proxy's (or the identity provider's) sign-out page, on an origin of its own."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(SIGNED_OUT_PAGE)))
        self.end_headers()
        self.wfile.write(SIGNED_OUT_PAGE)


@pytest.fixture
def sso_sign_out_server():
    with serving(SSOSignOutPage) as url:
        yield url + "/oauth2/sign_out"


def test_sign_out_reaches_the_sso_sign_out_page(
    page, live_server, transactional_db, settings, sso_sign_out_server
):
    """Chrome applies the portal's CSP `form-action 'self'` to every redirect of a form
    submission: a redirect from the "Sign out" POST to the proxy's sign-out URL (another origin)
    was blocked, and the user stayed signed in at the proxy."""
    settings.PORTAL_AUTH = "sso"
    settings.AUTHENTICATION_BACKENDS = ["portal.sso.SSOHeaderBackend"]
    settings.SSO_USER_HEADER = "X-Forwarded-Email"
    settings.SSO_GROUPS_HEADER = ""
    settings.SSO_TRUSTED_PROXIES = ["127.0.0.1/32", "::1/128"]
    settings.SSO_LOGOUT_URL = sso_sign_out_server
    page.context.set_extra_http_headers({"X-Forwarded-Email": "alice@example.com"})
    page.goto(live_server.url + "/settings/harness-key/")

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
