"""Stars, My workspaces and saved views: thin views over `selectors` and `services`."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from workspaces.clients import NoHarnessCredential, harness_account_of, harness_client_for
from workspaces.favourites import selectors, services
from workspaces.favourites.forms import FavouriteForm, FavouriteRowForm, SavedViewForm
from workspaces.favourites.models import FAVOURITE_LIMIT, Favourite, SavedView
from workspaces.htmx import HtmxHttpRequest, current_url_abs_path


def _back(request: HtmxHttpRequest, fallback: str) -> HttpResponse:
    """Where a form post returns without JavaScript: the page it came from (its Referer, sent
    for this site's own pages: SECURE_REFERRER_POLICY is same-origin), else `fallback`."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(referer)
    return redirect(fallback)


@require_POST
def workspace_favourite(request: HtmxHttpRequest, org: str, project: str) -> HttpResponse:
    """Star (`add=<identifier> <name>`) or unstar (`remove=…`) a workspace of the project.

    htmx gets the star back as its page shows it; a form post returns to the page it came from.
    """
    form = FavouriteForm(request.POST)
    if not form.is_valid():
        raise BadRequest("malformed star")
    account_id = harness_account_of(request.user)
    if not account_id:
        raise NoHarnessCredential
    identifier, layout = form.cleaned_data["identifier"], form.cleaned_data["layout"]
    name = form.cleaned_data["name"]
    where = {"user": request.user, "account_id": account_id, "org": org, "project": project}
    starred, error, removed = form.cleaned_data["starred"], "", None
    if starred:
        try:
            services.favourite_add(**where, identifier=identifier, name=name)
        except services.FavouriteLimitReached:
            starred, error = (
                False,
                (
                    f"You have {FAVOURITE_LIMIT} workspaces in My workspaces for this Harness "
                    "account, the most one person can keep: remove one first."
                ),
            )
    else:
        removed = services.favourite_remove(**where, identifier=identifier)
    name = name or identifier
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif starred:
            messages.success(request, f"{name} is in My workspaces.")
        else:
            messages.success(request, f"{name} was removed from My workspaces.")
        # Without a Referer, back to where the star was: a row of My workspaces, whose
        # workspace may be gone from Harness (its page a 404), or the workspace page.
        if layout == "mine":
            return _back(request, reverse("my_workspaces"))
        return _back(request, reverse("workspace_detail", args=[org, project, identifier]))
    if layout == "mine":
        return TemplateResponse(
            request,
            "workspaces/my_workspaces.html#favourite-removed",
            {"fav_name": name, "fav_pk": removed},
        )
    context = {
        "org": org,
        "project": project,
        "fav_name": name,
        "fav_identifier": identifier,
        "fav_error": error,
        "starred": {identifier} if starred else set(),
    }
    return TemplateResponse(request, "includes/favourite_answer.html", context)


@require_GET
@vary_on_headers("HX-Request")
def my_workspaces(request: HtmxHttpRequest) -> HttpResponse:
    """The user's favourites with their live status, a page at a time (`?page=`); `?favourite=<id>`
    with htmx reads one row again (its "Try again"). A name read keeps the favourite's name as
    last seen."""
    client = harness_client_for(request.user)
    form = FavouriteRowForm(request.GET)
    if not form.is_valid():
        raise BadRequest("malformed favourite")
    one = form.cleaned_data["favourite"]
    if request.htmx and one is not None:
        favourite = Favourite.objects.filter(
            pk=one, user=request.user, account_id=client.account_id
        ).first()
        if favourite is None:
            # Removed meanwhile (another tab): the row says so, as its Remove would. htmx 2
            # swaps no 404, so the row would stay with a Try again that does nothing. Another
            # person's star gets the same answer: nothing says it exists.
            return TemplateResponse(
                request,
                "workspaces/my_workspaces.html#favourite-removed",
                {"fav_name": "This workspace", "fav_pk": one},
            )
        row = selectors.favourite_row(client=client, favourite=favourite)
        # Read again on request: its error is announced (on the page, each row's is not).
        context = {"row": row, "announce": True}
        template = "workspaces/my_workspaces.html#favourite-row"
        rows = [row]
    else:
        shown = selectors.favourite_page(
            client=client, user=request.user, page=request.GET.get("page")
        )
        rows = shown.rows
        elsewhere = selectors.favourites_elsewhere(user=request.user, account_id=client.account_id)
        context = {"rows": rows, "page": shown.page, "elsewhere": elsewhere}
        template = "workspaces/my_workspaces.html"
    for row in rows:
        if row.workspace is not None:
            services.favourite_seen(favourite=row.favourite, name=row.workspace.name)
    return TemplateResponse(request, template, context)


@require_http_methods(["GET", "POST"])
def saved_view_list(request: HtmxHttpRequest) -> HttpResponse:
    """The user's saved views (GET); POST saves the list the request came from as a new one.

    htmx gets the saved link, put into the control's status region, or the control back with
    the name's error; a form post is redirected to the list, or shown this page with the error.
    """
    form = None
    if request.method == "POST":
        current = current_url_abs_path(request)
        form = SavedViewForm(request.POST, owner=request.user, current_url=current)
        saved = None
        if form.is_valid():
            try:
                saved = services.saved_view_create(
                    owner=request.user,
                    name=form.cleaned_data["name"],
                    path=form.cleaned_data["path"],
                    query=form.cleaned_data["query"],
                )
            except IntegrityError:  # the same name from a second request at the same moment
                form.add_error("name", "You already have a view with this name.")
        # The list to go back to, re-read as a save would: only a workspace list is linked.
        path, query = form.data.get("path", ""), form.data.get("query", "")
        back = selectors.list_target(f"{path}?{query}" if query else path)
        view_path, view_query = back or ("", "")
        context = {
            "save_form": form,
            "saved_view": saved,
            "view_path": view_path,
            "view_query": view_query,
        }
        if request.htmx and saved is not None:
            # Into the status region that stays in the page (includes/save_view.html).
            response = TemplateResponse(request, "includes/save_view.html#saved", context)
            return reswap(retarget(response, "#save-view-status"), "innerHTML")
        if request.htmx:
            return TemplateResponse(request, "includes/save_view.html", context)
        if saved is not None:
            messages.success(request, f"Saved the view “{saved.name}”.")
            return redirect(saved.url)
        return TemplateResponse(
            request, "workspaces/saved_view_list.html", {**context, "views": []}
        )
    views = selectors.saved_views_of(user=request.user)
    return TemplateResponse(request, "workspaces/saved_view_list.html", {"views": views})


@require_GET
def saved_view(request: HtmxHttpRequest, view_id: uuid.UUID) -> HttpResponse:
    """Open a saved view: anyone signed in is redirected to its list, which is then read with
    their own key. A stored address that is not a workspace list is never followed."""
    view = get_object_or_404(SavedView, pk=view_id)
    target = selectors.list_target(view.url)
    if target is None:
        raise Http404("saved view points outside the workspace lists")
    path, query = target
    return redirect(f"{path}?{query}" if query else path)


@require_http_methods(["GET", "POST"])
def saved_view_delete(request: HtmxHttpRequest, view_id: uuid.UUID) -> HttpResponse:
    """Asks first (GET); a POST deletes. Only the owner: anyone else gets a 404."""
    view = get_object_or_404(SavedView, pk=view_id, owner=request.user)
    if request.method == "POST":
        services.saved_view_delete(owner=request.user, view_id=view.pk)
        messages.success(request, f"Deleted the view “{view.name}”.")
        return redirect("saved_view_list")
    return TemplateResponse(request, "workspaces/saved_view_delete.html", {"view": view})
