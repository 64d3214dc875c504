"""A step of a request of another Harness account than the key's (`outcomes.of_another_account`).

The key's pickers would offer its own account's connectors, templates and workspaces, and a save
would store them in the request: the step shows no form and loads no picker, and a POST (an
autosave from a page opened before the key changed, Save and continue) saves nothing. The review,
which asks Harness nothing, still shows what the request holds; submit refuses it
(`submit.draft_submit`).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.template.response import TemplateResponse

from workspaces.clients import harness_account_of
from workspaces.feedback import OtherAccount
from workspaces.htmx import HtmxHttpRequest
from workspaces.models import WorkspaceDraft
from workspaces.wizard import pages
from workspaces.wizard.outcomes import REFUSED_SAVE, other_account_message


def elsewhere_step(request: HtmxHttpRequest, draft: WorkspaceDraft, step: str) -> HttpResponse:
    """The step's page saying which key opens it; a POST refused with why (OtherAccount: htmx
    shows it in the page's alert, `HarnessErrorMiddleware`; else this page, 403, says it)."""
    key_account = harness_account_of(request.user)
    refused = ""
    if request.method == "POST":
        refused = other_account_message(
            draft_account=draft.account_id, key_account=key_account, refused=REFUSED_SAVE
        )
        if request.htmx:
            raise OtherAccount(refused)
    context = pages.common_context(draft, step) | {"key_account": key_account, "refused": refused}
    status = 403 if refused else 200
    return TemplateResponse(request, "workspaces/wizard_elsewhere.html", context, status=status)
