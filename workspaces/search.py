"""A Harness API key pasted into a search box: never searched, shown, kept in the address bar
(nor the browser's history, nor a Referer), nor saved in a view.

The key page sends people on to the org picker with the key still in their clipboard, and the
search boxes are where it gets pasted by mistake. `refuses_keys_in_search` guards the views
behind them:

- a page asked for without htmx is redirected to its address without the search, the notice
  in a message (so the notice survives the redirect);
- a request with htmx (or a POST) is answered as the same request without the search would be:
  the view never sees the key, so nothing it renders from the request (a pager's links, a Try
  again) can hold it. Its template says `search_notice`, htmx replaces the address it would push
  with the one without the search, and portal.js empties the box (`SEARCH_REFUSED_EVENT`).

The search forms refuse a key too (`forms.SearchField`), should a view lack this decorator;
saved views drop it (`favourites.selectors.list_target`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import SimpleTemplateResponse
from django_htmx.http import replace_url, trigger_client_event

from portal.logs import holds_harness_key
from workspaces.forms import KEY_IN_SEARCH
from workspaces.htmx import HtmxHttpRequest

#: What htmx triggers on the search box to empty (static/js/portal.js listens for it).
SEARCH_REFUSED_EVENT = "searchRefused"


def key_in_search(request: HtmxHttpRequest, param: str = "q") -> bool:
    """Whether the request's search (`param`, any of its values) holds a Harness key."""
    return any(holds_harness_key(q) for q in request.GET.getlist(param))


def _without_search(request: HtmxHttpRequest, param: str) -> QueryDict:
    query = request.GET.copy()
    query.pop(param, None)
    query._mutable = False
    return query


def refuses_keys_in_search(*, box: str, param: str = "q", address: bool = True) -> Callable:
    """A view guarded as the module says. `box` is the id of the search box to empty, `param`
    the search's name (both formatted with the view's keyword arguments: `"{name}-q"`);
    `address=False` for a view whose htmx answers are not a page's address (a wizard picker's
    options): the address is left as is."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
            search = param.format(**kwargs)
            if not key_in_search(request, search):
                return view(request, *args, **kwargs)
            query = _without_search(request, search)
            cleaned = f"{request.path}?{query.urlencode()}" if query else request.path
            if not request.htmx:
                messages.warning(request, KEY_IN_SEARCH)
                if request.method == "GET":
                    return redirect(cleaned)
            request.GET = query
            request.META["QUERY_STRING"] = query.urlencode()
            response = view(request, *args, **kwargs)
            if not request.htmx:
                return response
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.context_data = {
                    **(response.context_data or {}),
                    "search_notice": KEY_IN_SEARCH,
                }
            if address:
                replace_url(response, cleaned)
            return trigger_client_event(
                response, SEARCH_REFUSED_EVENT, {"target": "#" + box.format(**kwargs)}
            )

        return wrapped

    return decorator
