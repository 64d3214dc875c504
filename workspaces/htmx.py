"""htmx helpers shared by the views."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """The request as HtmxMiddleware leaves it (for type checkers)."""

    htmx: HtmxDetails


def go(request: HttpRequest, url: str) -> HttpResponse:
    """To `url`: a client-side redirect for htmx (a plain one would be swapped in), a plain
    redirect otherwise. A request HtmxMiddleware has not seen (an error before it) is plain."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def swaps_partial(request: HtmxHttpRequest) -> bool:
    """Whether the response swaps a region of the page (htmx, not a history restore)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def partial_for(request: HtmxHttpRequest, template: str, partial: str) -> str:
    """`template#partial` for htmx swaps; the whole page otherwise and for history restores."""
    return f"{template}#{partial}" if swaps_partial(request) else template


def current_url_abs_path(request: HtmxHttpRequest) -> str | None:
    """The address of the page an htmx request came from (`HX-Current-URL`), as a path and
    query, when it is of this site; None without htmx, for another origin, and for a header
    that is not a URL at all (django-htmx's `current_url_abs_path` raises ValueError there,
    e.g. for an unclosed IPv6 bracket: the header is the browser's to send, anyone's to forge)."""
    if not request.htmx:
        return None
    try:
        return request.htmx.current_url_abs_path
    except ValueError:
        return None
