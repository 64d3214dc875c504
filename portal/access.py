"""Access decisions shared by every page: sign-in required, and what a refused request gets."""

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's sign-in requirement, with a 401 for htmx requests.

    A plain redirect would be followed by htmx and the sign-in page swapped into a table; a 401
    carrying HX-Redirect sends the whole browser to the sign-in page instead.
    """

    def handle_no_permission(self, request: HttpRequest, view_func) -> HttpResponse:
        if _is_htmx(request):
            return htmx_to_sign_in()
        return redirect_to_login(request.get_full_path(), self.get_login_url(view_func))


def htmx_to_sign_in() -> HttpResponse:
    """htmx's answer for someone signed out: 401, and the whole page goes to sign-in."""
    response = HttpResponseClientRedirect(reverse("login"))
    response.status_code = 401
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale or missing CSRF token: htmx reloads the page (getting a fresh token)."""
    if _is_htmx(request):
        response = HttpResponseClientRefresh()
        response.status_code = 403
        return response
    return TemplateResponse(request, "403_csrf.html", status=403)
