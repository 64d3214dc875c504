import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    """Header context: the org/project in the URL, and how sign-in works here."""
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    return {
        "current_org": kwargs.get("org", ""),
        "current_project": kwargs.get("project", ""),
        "portal_auth": settings.PORTAL_AUTH,
    }


def header_value(request: HttpRequest, name: str, read: Callable[[Any], Any]) -> dict:
    """`{name: lazy}` for a signed-in user (`{}` otherwise): `lazy()` is `read(user)`, called at
    most once per request and only when a template (or `read_header_early`) asks, so htmx
    partials, which never render the header, do not pay for its query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    values = request.__dict__.setdefault("_header_values", {})
    if name not in values:
        values[name] = functools.cache(lambda: read(user))
    return {name: values[name]}


def read_header_early(request: HttpRequest) -> None:
    """Run the signed-in header's queries now: a view that waits on Harness calls this while it
    waits, and the page then renders without them."""
    from workspaces.approvals.context_processors import approvals
    from workspaces.favourites.context_processors import favourites

    for processor in (approvals, favourites):
        for value in processor(request).values():
            value()
