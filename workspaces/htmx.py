"""htmx helpers shared by the views."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """The request as HtmxMiddleware leaves it (for type checkers)."""

    htmx: HtmxDetails


def partial_for(request: HtmxHttpRequest, template: str, partial: str) -> str:
    """`template#partial` for htmx swaps; the whole page otherwise and for history restores."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template
