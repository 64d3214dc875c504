"""The status strip of every project at once (`/workspaces/status/`), shown whole."""

from urllib.parse import urlencode, urlsplit

from django import forms
from django.http import HttpResponse, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from workspaces.across.forms import OrgRetryForm
from workspaces.across.status import status_across as status_across_read
from workspaces.clients import harness_client_for
from workspaces.forms import (
    IDENTIFIER_PATTERN,
    METRICS_WINDOW_LABELS,
    METRICS_WINDOWS,
    WINDOW_PHRASES,
)
from workspaces.htmx import HtmxHttpRequest, current_url_abs_path, partial_for

TEMPLATE = "workspaces/status_across.html"


class StatusAcrossForm(forms.Form):
    """The strip's query string; an invalid value falls back to its default (never sent)."""

    window = forms.ChoiceField(required=False, choices=[(w, w) for w in METRICS_WINDOWS])
    # A project read again ("org/project"): its row's "Try again".
    project = forms.RegexField(
        required=False,
        regex=rf"^{IDENTIFIER_PATTERN}/{IDENTIFIER_PATTERN}$",
    )
    refresh = forms.BooleanField(required=False)

    def value(self, name: str, default):
        self.is_valid()
        return self.cleaned_data.get(name) or default


def _host_page(request: HtmxHttpRequest) -> tuple[str, QueryDict] | None:
    """The page the strip is loaded into (its path and query, from `HX-Current-URL`), when it
    is another page of this site; None on the strip's own page, without htmx, or for a URL
    of another origin or one that is not a plain path here."""
    current = current_url_abs_path(request)  # same origin only
    if not current or not url_has_allowed_host_and_scheme(
        current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(current)
    if not parts.path.startswith("/") or parts.path.startswith("//") or parts.path == request.path:
        return None
    return parts.path, QueryDict(parts.query)


def host_window_links(path: str, query: QueryDict, *, swap: bool = False) -> list[dict]:
    """The window links of the strip loaded into the page at `path` with `query`: that page
    again with only its `window` changed (its note, filters and saved view then follow it:
    `swap` False). Pressed, such a link asks for `path` with the page's filter form as it is
    then (the template): `href`, from `query`, is for a new tab. Also sent by All workspaces
    with each filter answer, for its new address (the strip itself is not swapped then)."""
    query = query.copy()
    query.pop("directory", None)  # an org's "Try again" (`OrgRetryForm`): once, not kept
    query.pop("after", None)  # a long poll's version: a window chosen asks for the list again
    links = []
    for value, label in METRICS_WINDOW_LABELS:
        query["window"] = value
        href = f"{path}?{query.urlencode()}"
        links.append({"value": value, "label": label, "href": href, "path": path, "swap": swap})
    return links


def _window_links(request: HtmxHttpRequest) -> list[dict]:
    """The time window's links: on the strip's own page they swap the strip and change the
    address; loaded into another page, they open that page again (`host_window_links`);
    anywhere else they swap the strip alone."""
    if host := _host_page(request):
        return host_window_links(*host)
    return host_window_links(reverse("status_across"), QueryDict(), swap=True)


@require_GET
@vary_on_headers("HX-Request", "HX-Current-URL")
def status_across(request: HtmxHttpRequest) -> HttpResponse:
    form = StatusAcrossForm(request.GET)
    window = form.value("window", "all")
    window_params = {"window": window} if window != "all" else {}
    # `refresh` reads every project again; with `project` (a row's "Try again") that one
    # only, and the strip is still shown whole: its totals and order take the new numbers in.
    # `directory=refresh` (an org's "Try again", as on All workspaces) lists the orgs that
    # failed again, and reads only the numbers not cached.
    refresh, project = form.value("refresh", False), form.value("project", "")
    retried, retry_orgs = project if refresh else "", OrgRetryForm(request.GET).wanted
    strip = status_across_read(
        client=harness_client_for(request.user),
        fingerprint=request.user.harness_credential.key_fingerprint,
        window=window,
        force=refresh and not project,
        refresh=retried,
        retry_orgs=retry_orgs,
    )
    context = {
        "strip": strip,
        "window": window,
        "window_phrase": WINDOW_PHRASES[window],
        "window_links": _window_links(request),
        # What a Try again asked for: its error, failing again, is an alert (read out as the
        # strip is swapped in); a load or a Refresh does not read every error out again.
        "retried_project": retried,
        "retried_orgs": retry_orgs,
        # The strip's own links name its path: it is loaded into other pages.
        "strip_url": reverse("status_across"),
        "window_params": window_params,
        "window_query": f"?{urlencode(window_params)}" if window_params else "",
        # Loaded into another page, the strip's own links must not change that page's URL.
        "push_url": not request.htmx
        or urlsplit(current_url_abs_path(request) or "").path == request.path,
    }
    return TemplateResponse(request, partial_for(request, TEMPLATE, "status-across"), context)
