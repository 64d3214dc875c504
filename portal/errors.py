"""The portal's 500 handler (`handler500`): a database that cannot be reached is a 503 that says
so, any other unexpected error the generic 500 page. And its 400 handler (`handler400`), for a
paste too large to receive.

A handler rather than a middleware's `process_exception`: Django calls that only for exceptions
a view raises, and with PostgreSQL down the first query is usually made before the view runs (the
signed-in user, read by the login-required middleware). The handler is called for an uncaught
exception anywhere in the request. Like Django's own `server_error`, it renders its template
without the request: a context processor reading the user or the session would fail again.
"""

import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from workspaces.wizard.too_big import code_too_big

#: Seconds a client is asked to wait before trying again (a database restart, a fail-over).
DATABASE_RETRY_AFTER = 10


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """`503.html` (with `Retry-After`) when the error is the database's connection
    (OperationalError, InterfaceError: refused, timed out, dropped); else `500.html`. Neither
    may be cached (`NoStoreForSignedInMiddleware` cannot tell whether the user is signed in
    when the database is down)."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    else:
        response = HttpResponseServerError(loader.get_template("500.html").render())
    add_never_cache_headers(response)
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 page (`defaults.bad_request`), but for a form too large to read
    (RequestDataTooBig: over DATA_UPLOAD_MAX_MEMORY_SIZE) on Start from, where a pasted text can
    grow that large: it says so beside the paste (`wizard.too_big.code_too_big`). A handler, as
    for `server_error`: the CSRF check reads the form, and raises, before any view runs."""
    if isinstance(exception, RequestDataTooBig) and (answer := code_too_big(request)):
        return answer
    return defaults.bad_request(request, exception)
