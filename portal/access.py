"""Access decisions shared by every page: sign-in required, and what a refused request gets."""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from workspaces.htmx import current_url_abs_path


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's sign-in requirement, with a 401 for htmx requests.

    A plain redirect would be followed by htmx and the sign-in page swapped into a table; a 401
    carrying HX-Redirect sends the whole browser to the sign-in page instead, with the page the
    request came from (`HX-Current-URL`, not the partial's own URL) as `next`.
    """

    def handle_no_permission(self, request: HttpRequest, view_func) -> HttpResponse:
        login_url = self.get_login_url(view_func)
        if _is_htmx(request):
            return htmx_to_sign_in(current_url_abs_path(request) or "", login_url)
        return redirect_to_login(request.get_full_path(), login_url)


def htmx_to_sign_in(next_url: str = "", login_url: str | None = None) -> HttpResponse:
    """htmx's answer for someone signed out: 401, and the whole page goes to sign-in, then back
    to `next_url` (a page of this site: `current_url_abs_path`); none after a sign-out."""
    if next_url:
        address = redirect_to_login(next_url, login_url).url
    else:
        address = resolve_url(login_url or settings.LOGIN_URL)
    response = HttpResponseClientRedirect(address)
    response.status_code = 401
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale or missing CSRF token: htmx reloads the page (getting a fresh token)."""
    if _is_htmx(request):
        response = HttpResponseClientRefresh()
        response.status_code = 403
        return response
    return TemplateResponse(request, "403_csrf.html", status=403)
