"""My requests: the user's workspace requests (drafts, submissions, changes, deletions), paged,
and "Delete this request".

Nothing is left out: the records of created workspaces never expire, so a cap on the newest few
hundred would hide an older request that still needs its owner. Those still open (a draft, a
failure to try again, one waiting for approval or rejected, one being sent) come first, then the
finished ones; each group most recently changed first.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from workspaces.audit import USER_TRAIL_LIMIT, user_trail
from workspaces.htmx import HtmxHttpRequest, go
from workspaces.models import HarnessCredential, WorkspaceDraft
from workspaces.wizard import drafts
from workspaces.wizard.drafts import UNCONFIRMED_DELETION
from workspaces.wizard.outcomes import may_still_land, of_another_account, was_sent

Status = WorkspaceDraft.Status
#: Requests on one page of My requests.
REQUESTS_PER_PAGE = 50
#: Finished: nothing is left for the owner to do (listed after the open ones).
FINISHED = (Status.CREATED, Status.UPDATED, Status.DELETED)
#: Not finished, and not being sent: an earlier write of one may still land.
UNFINISHED = (Status.DRAFT, Status.FAILED, Status.AWAITING_APPROVAL, Status.REJECTED)


def outcome_unclear(draft: WorkspaceDraft) -> bool:
    """Whether My requests and the delete page say "Outcome unclear" of a request: not finished
    (a draft, failed, waiting for approval or rejected), but a write sent for it may have landed
    or may still land (`outcomes.may_still_land`), as its result page says. Sent again for
    approval, or withdrawn, a request's earlier write still may."""
    return draft.status in UNFINISHED and may_still_land(draft)


def deletion_sent(draft: WorkspaceDraft) -> bool:
    """Whether a deletion request sent its DELETE to Harness (deleted, failed once sent, or an
    earlier attempt that may still land): deleting it then deletes its record, and the audit
    trail keeps what was sent. One waiting for approval, rejected, back to its author or
    stopped before its DELETE was sent has sent nothing."""
    if draft.status == Status.DELETED:
        return True
    if draft.status == Status.FAILED and was_sent(draft.harness_response or {}):
        return True
    return may_still_land(draft)


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
    # One more than shown: the page then says it shows only the latest (the admin has them all).
    trail = list(user_trail(user=request.user, limit=USER_TRAIL_LIMIT + 1))
    context = {
        "page": page,
        "drafts": page.object_list,
        "trail": trail[:USER_TRAIL_LIMIT],
        "trail_cut": len(trail) > USER_TRAIL_LIMIT,
        "trail_limit": USER_TRAIL_LIMIT,
    }
    # Sent and maybe landed: said as the result page says it, never "Failed" (the status of one
    # waiting for approval, rejected or a draft again stays, with a word on it).
    context["unclear"] = {d.pk for d in page.object_list if outcome_unclear(d)}
    # Requests of another Harness account than the key's: the same names there are another
    # workspace, so no link by org/project/identifier is offered (it would open, or delete
    # again, this account's); the row says the account, and its own pages (by its id) still
    # open it, and it can still be deleted.
    context["elsewhere"] = {d.pk for d in page.object_list if of_another_account(d, request.user)}
    if credential and credential.current_org and credential.current_project:
        # The header's "New workspace" link: the project the user last opened.
        context.update(
            current_org=credential.current_org, current_project=credential.current_project
        )
    return TemplateResponse(request, "workspaces/my_requests.html", context)


@require_http_methods(["GET", "POST"])
def draft_delete(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    """Asks first (a page saying what is and is not deleted); deletes on a POST with confirm=1.

    Any kind: My requests offers it on deletions too (their record only; the audit stays).
    Another user's request is a 404."""
    draft = get_object_or_404(WorkspaceDraft, pk=draft_id, owner=request.user)
    # A deletion: its record once its DELETE was sent; else a request approvers may still see.
    sent = draft.kind == WorkspaceDraft.Kind.DELETE and deletion_sent(draft)
    if request.method == "GET" or request.POST.get("confirm") != "1":
        context = {
            "draft": draft,
            "sent": sent,
            # Its write may have landed: the page says so, never that Harness is untouched,
            # and links the project's list (unless the request is of another account).
            "unclear": outcome_unclear(draft),
            "elsewhere": of_another_account(draft, request.user),
        }
        return TemplateResponse(request, "workspaces/draft_delete.html", context)
    if drafts.draft_delete(draft_id=draft.pk, owner=request.user):
        messages.success(request, _deleted_message(draft, sent=sent))
    else:
        messages.warning(request, "This request is being submitted and cannot be deleted now.")
    return go(request, reverse("draft_list"))


def _deleted_message(draft: WorkspaceDraft, *, sent: bool) -> str:
    """What deleting the request `draft` says it deleted (`sent`: a deletion whose DELETE was
    sent, `deletion_sent`); one that was waiting for approval is gone from approvers' queue."""
    name = draft.name or draft.identifier
    waiting = draft.status == Status.AWAITING_APPROVAL
    if draft.kind != WorkspaceDraft.Kind.DELETE:
        what = f"Deleted the request {draft.name or 'without a name'}"
    elif sent:  # waiting again after an attempt that may still land: approvers see it too
        what = f"Deleted the record of the deletion of {name}"
    elif waiting:
        return f"Cancelled the request to delete {name}: approvers no longer see it."
    else:
        return f"Deleted the request to delete {name}; nothing was sent to Harness."
    return f"{what}: approvers no longer see it." if waiting else f"{what}."
