"""htmx helpers shared by the views."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """The request as HtmxMiddleware leaves it (for type checkers)."""

    htmx: HtmxDetails


def swaps_partial(request: HtmxHttpRequest) -> bool:
    """Whether the response swaps a region of the page (htmx, not a history restore)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def partial_for(request: HtmxHttpRequest, template: str, partial: str) -> str:
    """`template#partial` for htmx swaps; the whole page otherwise and for history restores."""
    return f"{template}#{partial}" if swaps_partial(request) else template
