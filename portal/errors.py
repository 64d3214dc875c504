"""The portal's 500 handler (`handler500`): a database that cannot be reached is a 503 that says
so, any other unexpected error the generic 500 page.

A handler rather than a middleware's `process_exception`: Django calls that only for exceptions
a view raises, and with PostgreSQL down the first query is usually made before the view runs (the
signed-in user, read by the login-required middleware). The handler is called for an uncaught
exception anywhere in the request. Like Django's own `server_error`, it renders its template
without the request: a context processor reading the user or the session would fail again.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

#: Seconds a client is asked to wait before trying again (a database restart, a fail-over).
DATABASE_RETRY_AFTER = 10


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """`503.html` (with `Retry-After`) when the error is the database's connection
    (OperationalError, InterfaceError: refused, timed out, dropped); else `500.html`."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
