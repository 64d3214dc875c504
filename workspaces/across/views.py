"""`/workspaces/`: every workspace the key can see, across its projects."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url, reswap, retarget

from workspaces.across.directory import Directory, visible_projects
from workspaces.across.forms import AcrossListForm, OrgRetryForm
from workspaces.across.listing import across_page, across_tag_choices
from workspaces.across.status_views import host_window_links
from workspaces.clients import harness_client_for
from workspaces.feedback import PortalBusy, harness_error_message
from workspaces.forms import PAGE_SIZES
from workspaces.htmx import HtmxHttpRequest
from workspaces.search import refuses_keys_in_search
from workspaces.selectors import looks_like_identifier

# The swappable regions: the results (filters, sort, pages) and, inside, what the long polls
# and "Try again" replace.
REGIONS = ("across-results", "across-live")


class RetryForm(forms.Form):
    """ "Try again" for one failed project of the list: its `org/project`."""

    retry = forms.ChoiceField()

    def __init__(self, data, *, project_keys: list[str]):
        super().__init__(data)
        self.fields["retry"].choices = [(key, key) for key in project_keys]


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-Target")
@refuses_keys_in_search(box="ws-search")
def all_workspaces(request: HtmxHttpRequest) -> HttpResponse:
    """The merged list (GET); POST `retry=<org/project>` reads that failed project again."""
    client = harness_client_for(request.user)
    fingerprint = request.user.harness_credential.key_fingerprint
    retry_orgs = OrgRetryForm(request.GET).wanted
    directory = visible_projects(client=client, fingerprint=fingerprint, retry=retry_orgs)
    region = request.htmx.target if request.htmx else None
    if request.htmx.history_restore_request or region not in REGIONS:
        region = None
    tags = (
        []
        if region
        else across_tag_choices(client=client, fingerprint=fingerprint, directory=directory)
    )
    filters = AcrossListForm(request.GET, directory=directory, tag_choices=tags)
    retry = ""
    if request.method == "POST":
        form = RetryForm(request.POST, project_keys=[ref.key for ref in directory.projects])
        retry = form.cleaned_data["retry"] if form.is_valid() else ""
    try:
        result = across_page(
            client=client,
            fingerprint=fingerprint,
            directory=directory,
            query=filters.query,
            after=filters.poll_after,
            retry=retry,
            # The page shows at once (its first long poll brings the rows); a swap keeps the rows
            # on screen until the new ones exist; a poll or a Refresh (`after`) waits for more.
            wait=region is not None or filters.poll_after is not None,
            # A page loaded (not a swap, a poll nor a Try again) reads again the projects that
            # failed once Harness's Retry-After (or a few seconds) has passed.
            reread_failed=request.method == "GET" and region is None and filters.poll_after is None,
        )
    except PortalBusy as busy:
        if region is None:
            raise  # a page: the middleware's "The portal is busy", with its Try again
        # A swap or a poll: the results region is replaced whole by the refusal. Retargeted to
        # #global-alert, the previous list's rows stayed on screen under the new URL, polling.
        return _busy_results(request, filters=filters, directory=directory, busy=busy)
    if request.method == "POST" and not request.htmx:
        return redirect(request.get_full_path())
    context = {
        "directory": directory,
        "filters": filters,
        "query": filters.query,
        "result": result,
        "page_sizes": PAGE_SIZES,
        "oob": region == "across-results",
        # A swap tells screen readers the list's new count, once it is complete, in the live
        # region that stays; the page itself is read as a whole.
        "count_oob": region is not None,
        # Harness's searchTerm matches names; unlike a project's list, this one does not look
        # an identifier up (one more call per project): its empty state says where to find it.
        "identifier_search": looks_like_identifier(filters.query.q),
    }
    if region is None or context["oob"]:
        # The status strip's window links for this address: the page's strip loader shows them
        # (a window chosen opens the page again in #main, and htmx keeps the focus on the new
        # copy of the link); a filter answer sends them out of band for the address it pushes.
        context["window_links"] = host_window_links(request.path, request.GET)
    template = "workspaces/all_workspaces.html"
    return TemplateResponse(request, f"{template}#{region}" if region else template, context)


def _busy_results(
    request: HtmxHttpRequest, *, filters: AcrossListForm, directory: Directory, busy: PortalBusy
) -> HttpResponse:
    """The results region saying the list was refused (`slots`: the key's or the process's
    lists loading), with a Try again of the same list, in place of the rows and their poll. The
    address is left as it was: the list asked for is not shown."""
    context = {
        "directory": directory,
        "filters": filters,
        "query": filters.query,
        "busy": harness_error_message(busy),
        "oob": True,  # the form says the query asked for, as the Try again does
        # The strip's window links are sent out of band with the form's state: without them
        # the out-of-band nav would empty the strip's window choice. For the query asked for,
        # as the form and the Try again say it (a window chosen asks for it again; a refused
        # long poll's `after` is left out by `host_window_links`).
        "window_links": host_window_links(request.path, request.GET),
    }
    response = TemplateResponse(request, "workspaces/all_workspaces.html#across-results", context)
    return push_url(reswap(retarget(response, "#across-results"), "outerHTML"), False)
