"""Sign-in and sign-out for both modes: Django's form locally, the SSO proxy otherwise."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from portal import sso
from portal.access import htmx_to_sign_in
from portal.signin import ThrottledAuthenticationForm


@login_not_required
def login(request: HttpRequest) -> HttpResponse:
    if settings.PORTAL_AUTH == "sso":
        return _sso_login(request)
    return PortalLoginView.as_view()(request)


class PortalLoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        """The safe `next`, unless it leads to sign-in or sign-out (`_not_sign_in_or_out`)."""
        return _not_sign_in_or_out(super().get_redirect_url())


def _not_sign_in_or_out(url: str) -> str:
    """`url`, unless it leads to sign-in or sign-out: for a signed-in user a `next` back to the
    sign-in page was a redirection loop (Django raises: a 500), and one to sign-out (left by a
    sign-out sent after the session expired) would end a sign-in on "Sign out?". Those are ""
    (LOGIN_REDIRECT_URL instead)."""
    try:
        match = resolve(urlsplit(url).path) if url else None
    except Resolver404:
        return url
    if match and match.view_name in {"login", "logout"}:  # not the admin's own
        return ""
    return url


@login_not_required
@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    """POST signs out, signed in or not: a session that expired while the page was open still
    ends on the sign-in page (no `next` back here), or, with SSO_LOGOUT_URL, on a page moving on
    to the proxy's sign-out. GET (a reload after a stale CSRF token, an old `next`) asks first,
    with a fresh token; nobody is signed out by following a link. Signing out renews the CSRF
    secret (Django's logout keeps it): whoever uses the browser next sees one that was never
    the user's (and SSO's owner cookie goes: `portal.sso.forget_csrf_owner`)."""
    if request.method == "GET":
        if not request.user.is_authenticated:
            return _to_sign_in(request)
        return TemplateResponse(request, "registration/sign_out.html")
    auth.logout(request)
    rotate_token(request)
    if settings.PORTAL_AUTH == "sso" and settings.SSO_LOGOUT_URL:
        # A page that moves on, not a redirect: Chrome holds a form submission's redirects to
        # the CSP's `form-action 'self'`, and blocked the one to the proxy's sign-out URL.
        response = TemplateResponse(
            request,
            "registration/sso_signing_out.html",
            {"sso_logout_url": settings.SSO_LOGOUT_URL},
        )
        add_never_cache_headers(response)  # signed out now: no-store is not set for us
        return response
    response = redirect(settings.LOGOUT_REDIRECT_URL)
    if settings.PORTAL_AUTH == "sso":
        sso.mark_signed_out(response)  # else the proxy's header signs the user straight back in
    return response


def _sso_login(request: HttpRequest) -> HttpResponse:
    """The proxy signs people in; reaching this page means it did not (or is misconfigured), or
    the user signed out of the portal (`portal.sso.is_signed_out`): a POST ("Sign in again")
    lets the proxy's header sign them in again. Someone the header signed in already (on
    this very request: "Sign in again" pressed once the signed-out marker had expired) goes on
    to the safe `next` too."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    next_url = _not_sign_in_or_out(next_url)
    if request.user.is_authenticated:
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    if request.method == "POST":
        response = redirect(next_url or settings.LOGIN_REDIRECT_URL)
        sso.clear_signed_out(response)
        return response
    if sso.is_signed_out(request):
        return TemplateResponse(request, "registration/sso_signed_out.html", {"next": next_url})
    refusal = getattr(request, sso.SSO_REFUSAL, "")
    if refusal == "deactivated":
        return TemplateResponse(request, "registration/sso_deactivated.html", status=403)
    if refusal == "invalid":  # through the proxy, but its header is set up wrong
        context = {"user_header": settings.SSO_USER_HEADER}
        return TemplateResponse(
            request, "registration/sso_invalid_header.html", context, status=401
        )
    return TemplateResponse(request, "registration/sso_required.html", status=401)


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    """The sign-in page, as `portal.access` sends anyone signed out (htmx: the whole page)."""
    if request.headers.get("HX-Request") == "true":
        return htmx_to_sign_in()
    return redirect(settings.LOGIN_URL)
