"""Start from code, a paste too large to receive: a form over `DATA_UPLOAD_MAX_MEMORY_SIZE` is
refused by Django (RequestDataTooBig) as the CSRF check reads it, before any view runs, so
`portal.errors.bad_request` (handler400) asks `code_too_big` for the answer. The box has no
`maxlength` (a browser would cut a paste silently): a paste over `MAX_CODE_CHARS` but under the
limit is refused by `read_code`, saying how long it is; this answers one larger still."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django_htmx.http import reswap, retarget

from workspaces.wizard.from_code import MAX_CODE_CHARS

TOO_BIG = (
    f"The code is longer than the portal can receive: paste at most {MAX_CODE_CHARS:,} characters."
)


def code_too_big(request: HttpRequest) -> HttpResponse | None:
    """The answer to a POST of Start from too large to read (the paste, or its autosave), or
    None for another request. Nothing is saved, and the form is never read. htmx: the refusal
    in the paste's alert region (`#code-paste-alert`) alone, with a 200 (htmx swaps no 4xx), so
    the box keeps what was pasted (it could not be shown back). Else back to the step, the
    refusal a message."""
    match = request.resolver_match
    if match is None or match.url_name != "draft_step" or match.kwargs.get("step") != "template":
        return None
    if getattr(request, "htmx", False):
        context = {"errors": [TOO_BIG], "field_id": "id_code"}
        response = TemplateResponse(
            request, "workspaces/wizard_template.html#code-refused", context
        )
        return reswap(retarget(response, "#code-paste-alert"), "innerHTML")
    messages.error(request, f"Nothing was filled in from the code. {TOO_BIG}")
    return redirect(request.path)
