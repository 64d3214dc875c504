"""Sign-in and sign-out for both modes: Django's form locally, the SSO proxy otherwise."""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from portal.signin import ThrottledAuthenticationForm


@login_not_required
def login(request: HttpRequest) -> HttpResponse:
    if settings.PORTAL_AUTH == "sso":
        # The proxy signs people in; reaching this page means it did not (or is misconfigured).
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return TemplateResponse(request, "registration/sso_required.html", status=401)
    return auth_views.LoginView.as_view(
        authentication_form=ThrottledAuthenticationForm, redirect_authenticated_user=True
    )(request)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    if settings.PORTAL_AUTH == "sso" and settings.SSO_LOGOUT_URL:
        return redirect(settings.SSO_LOGOUT_URL)
    return redirect(settings.LOGOUT_REDIRECT_URL)
