"""Turns Harness failures that escape a view into a designed page, never a 500."""

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django_htmx.http import reswap, retarget

from workspaces.clients import NoHarnessCredential
from workspaces.crypto import TokenDecryptionError
from workspaces.feedback import (
    OtherAccount,
    harness_error_heading,
    harness_error_message,
    retry_after_seconds,
)
from workspaces.harness import errors
from workspaces.htmx import go

logger = logging.getLogger("workspaces")


def _to_key_page(request: HttpRequest, message: str) -> HttpResponse:
    # Why the person was sent to the key page, not the page they asked for: an error message,
    # which that page shows as an alert and focuses (includes/messages.html, portal.js).
    messages.error(request, message)
    return go(request, reverse("harness_key"))


class HarnessErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NoHarnessCredential):
            return _to_key_page(request, "Connect your Harness API key to continue.")
        if isinstance(exception, TokenDecryptionError):
            logger.warning("stored Harness key could not be decrypted")
            return _to_key_page(
                request,
                "Your stored Harness key can no longer be read by the portal. Enter it again.",
            )
        if isinstance(exception, errors.HarnessUnauthorized):
            return _to_key_page(
                request, harness_error_message(exception) + " Enter a new key to continue."
            )
        if not isinstance(exception, errors.HarnessError):
            return None
        logger.info("Harness error reached the middleware: %s", type(exception).__name__)
        status = {errors.HarnessForbidden: 403, errors.HarnessNotFound: 404, OtherAccount: 403}.get(
            type(exception), 503
        )
        context = {
            "heading": harness_error_heading(exception),
            "message": harness_error_message(exception),
            "status": status,
        }
        if getattr(request, "htmx", False):
            response = TemplateResponse(request, "includes/harness_alert.html", context)
            return reswap(retarget(response, "#global-alert"), "innerHTML")
        response = TemplateResponse(request, "harness_error.html", context, status=status)
        if (seconds := retry_after_seconds(exception)) is not None:
            response["Retry-After"] = str(seconds)  # Harness's own wait, on our 503
        return response
