"""My requests: the user's workspace requests (drafts, submissions, changes, deletions), paged.

Nothing is left out: the records of created workspaces never expire, so a cap on the newest few
hundred would hide an older request that still needs its owner. Those still open (a draft, a
failure to try again, one waiting for approval or rejected, one being sent) come first, then the
finished ones; each group most recently changed first.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from workspaces.audit import user_trail
from workspaces.htmx import HtmxHttpRequest
from workspaces.models import HarnessCredential, WorkspaceDraft
from workspaces.wizard.drafts import UNCONFIRMED_DELETION
from workspaces.wizard.outcomes import other_account
from workspaces.wizard.pages import may_still_land

Status = WorkspaceDraft.Status
#: Requests on one page of My requests.
REQUESTS_PER_PAGE = 50
#: Finished: nothing is left for the owner to do (listed after the open ones).
FINISHED = (Status.CREATED, Status.UPDATED, Status.DELETED)


def my_requests_page(*, user: AbstractBaseUser, page: str | int | None) -> Page:
    """One page of `user`'s requests, open ones first (Paginator.get_page: a page number that is
    not one, or past the end, gives the first or the last page). Two queries: the count, the
    page (with its approvals)."""
    requests = (
        WorkspaceDraft.objects.filter(owner=user)
        # A deletion is a request once confirmed (also when it came back to its author to
        # confirm again); one never confirmed is only an open page.
        .exclude(UNCONFIRMED_DELETION)
        .annotate(
            finished=Case(
                When(status__in=FINISHED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .prefetch_related("approvals__decided_by")
        .order_by("finished", "-updated_at", "-pk")  # pk: a stable order between pages
    )
    return Paginator(requests, REQUESTS_PER_PAGE).get_page(page)


@require_GET
def draft_list(request: HtmxHttpRequest) -> HttpResponse:
    page = my_requests_page(user=request.user, page=request.GET.get("page"))
    credential = HarnessCredential.objects.filter(user=request.user).first()
    context = {"page": page, "drafts": page.object_list, "trail": user_trail(user=request.user)}
    # Failed, but sent and maybe landed: said as the result page says it, never "Failed".
    context["unclear"] = {
        d.pk for d in page.object_list if d.status == Status.FAILED and may_still_land(d)
    }
    # Requests of another Harness account than the key's: the same names there are another
    # workspace, so no link by org/project/identifier is offered (it would open, or delete
    # again, this account's); the row says the account, and the request can still be deleted.
    key_account = credential.account_id if credential else ""
    context["elsewhere"] = {
        d.pk
        for d in page.object_list
        if other_account(draft_account=d.account_id, key_account=key_account)
    }
    if credential and credential.current_org and credential.current_project:
        # The header's "New workspace" link: the project the user last opened.
        context.update(
            current_org=credential.current_org, current_project=credential.current_project
        )
    return TemplateResponse(request, "workspaces/my_requests.html", context)
