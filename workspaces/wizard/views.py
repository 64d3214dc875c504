"""The create-a-workspace wizard's views: thin, over `drafts`/`submit` (writes) and `pickers`.

One URL per step (`/drafts/<id>/<step>/`): GET shows it, POST saves it (autosave, row actions,
searches without JavaScript: `picker_search`, next/back). The review, each picker's options
(`.../<step>/pickers/<name>/`, searched with `<name>-q`) and the identifier check are views of
their own. Every lookup is `get_object_or_404(WorkspaceDraft, pk=..., owner=request.user)`:
another user's draft is a 404. A change to an existing workspace (`draft.kind == "edit"`) uses
these views too, over its own steps (`steps.step_order`); starting one is in `change_views`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from workspaces.approvals import selectors as approval_selectors
from workspaces.clients import draft_account_of, harness_client_for
from workspaces.context_processors import read_header_early
from workspaces.forbidden import forbidden_forget, forbidden_remember, forbidden_remembered
from workspaces.forms import KEY_IN_SEARCH
from workspaces.htmx import HtmxHttpRequest, go
from workspaces.models import WorkspaceDraft
from workspaces.ratelimit import rate_limit_exceeded
from workspaces.search import refuses_keys_in_search
from workspaces.wizard import (
    drafts,
    elsewhere,
    pages,
    paste,
    picker_search,
    pickers,
    review,
    steps,
    submit,
    versions,
)
from workspaces.wizard.forms import STEP_FORMS, StepForm, TemplateForm
from workspaces.wizard.from_code import CodeForm, code_requested
from workspaces.wizard.outcomes import (
    REFUSED_LOOKUP,
    of_another_account,
    outcome_said,
    require_key_of,
)
from workspaces.wizard.rows import apply_row_action, plain

Status = WorkspaceDraft.Status
# htmx regions a POST may ask for, per step.
STEP_PARTIALS: dict[str, set[str]] = {
    "basics": {"tag-rows"},
    "variables": {"variable-editor", "variable-checks", "variable-paste"},
}

AUTOSAVED = "workspaces/wizard_base.html#save-state"


def _template(step: str) -> str:
    return f"workspaces/wizard_{step}.html"


# The wizard's views serve new workspaces and changes; a deletion has views of its own
# (`workspaces.decommission`) and is never opened, reviewed or submitted as a wizard draft.
WIZARD_KINDS = (WorkspaceDraft.Kind.CREATE, WorkspaceDraft.Kind.EDIT)


def _own_draft(
    request: HtmxHttpRequest, draft_id, kinds: tuple[str, ...] = WIZARD_KINDS
) -> WorkspaceDraft:
    draft = get_object_or_404(WorkspaceDraft, pk=draft_id, owner=request.user, kind__in=kinds)
    # The owner is the session's user, key and all (`PortalModelBackend`): whether the request
    # is of the key's account (`pages.common_context`) reads no row.
    draft.owner = request.user
    return draft


def _result_url(draft: WorkspaceDraft) -> str:
    return reverse("draft_result", args=[draft.pk])


# --- start (My requests, the list and deleting a request, is in `my_requests`) -----------------


@require_http_methods(["GET", "POST"])
def draft_start(request: HtmxHttpRequest, org: str, project: str) -> HttpResponse:
    """GET: the start page; POST: a new draft. A POST with `clone` (the workspace page's Clone)
    saves Start from as a copy of that workspace, as choosing it on the step would."""
    if request.method == "POST":
        client = harness_client_for(request.user)  # a request is in its key's account: no key, none
        try:
            draft = drafts.draft_create(owner=request.user, org=org, project=project)
        except drafts.TooManyDrafts as err:
            messages.error(request, err.message)
            return redirect(reverse("draft_start", args=[org, project]))
        clone = plain(request.POST.get("clone", "")[:128])  # never a key kept (`plain`)
        if clone:
            saved = drafts.draft_save_step(
                draft=draft,
                step="template",
                values={"source": "clone", "clone_identifier": clone},
                client=client,
            )
            if saved.notice:
                messages.warning(request, saved.notice)
        return redirect(pages.step_url(draft, steps.STEPS[0]))
    open_drafts = WorkspaceDraft.objects.filter(
        owner=request.user,
        org=org,
        project=project,
        kind=WorkspaceDraft.Kind.CREATE,
        status__in=[Status.DRAFT, Status.FAILED],
    )[:10]
    context = {
        "org": org,
        "project": project,
        "open_drafts": open_drafts,
        "create_forbidden": forbidden_remembered(
            request, action="create", org=org, project=project
        ),
    }
    return TemplateResponse(request, "workspaces/wizard_start.html", context)


# --- steps -----------------------------------------------------------------------------------


def _editable_draft(request: HtmxHttpRequest, draft_id, step: str) -> WorkspaceDraft:
    draft = _own_draft(request, draft_id)
    if step not in steps.EDITABLE_STEPS or step not in steps.step_order(draft.kind):
        raise Http404("No such step.")
    return draft


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def draft_step(request: HtmxHttpRequest, draft_id, step: str) -> HttpResponse:
    draft = _editable_draft(request, draft_id, step)
    if not draft.is_editable:
        return go(request, _result_url(draft))
    if of_another_account(draft, request.user):  # no call, no save with that key
        return elsewhere.elsewhere_step(request, draft, step)
    if request.method == "POST":
        return _step_post(request, draft, step)
    return _render_step(request, draft, step, pages.step_form(draft, step))


def _render_step(
    request: HtmxHttpRequest, draft: WorkspaceDraft, step: str, form: StepForm, **extra: Any
) -> HttpResponse:
    """The step's page: its pickers loaded together (the header's queries run meanwhile)."""
    searches = extra.pop("searches", None) or picker_search.step_searches(step, request.GET)
    loaded = pickers.wizard_pickers(
        client=harness_client_for(request.user),
        org=draft.org,
        project=draft.project,
        requests=pages.picker_requests(step, steps.step_values(draft.data, step), searches),
        meanwhile=lambda: read_header_early(request),
    )
    if step == "provisioner" and draft.is_editable:
        # The versions shown chosen are saved, whichever way the page is left.
        stored = versions.draft_default_versions(draft=draft, loaded=loaded)
        if stored is not draft:
            draft, form = stored, pages.step_form(stored, step)
    context = pages.step_context(draft, step, form, pickers=loaded, **extra)
    return TemplateResponse(request, _template(step), context)


def _code_post(request: HtmxHttpRequest, draft: WorkspaceDraft) -> HttpResponse:
    """Start from code: the paste read (`CodeForm`), then every step filled in at once; or the
    paste refused on its field, the lines it could not use listed, and nothing saved."""
    code_form = CodeForm(request.POST, org=draft.org, project=draft.project)
    if code_form.is_valid():
        try:
            drafts.draft_start_from_code(
                draft=draft,
                imported=code_form.cleaned_data["code"],
                client=harness_client_for(request.user),
            )
        except drafts.PrefillFailed as err:
            code_form.add_error("code", err.message)
        except drafts.DraftNotEditable:
            return go(request, _result_url(draft))
        else:  # a reload: a redirect to this URL plus a #fragment would not load the page
            return HttpResponseClientRefresh() if request.htmx else redirect(request.path)
    posted = STEP_FORMS["template"](data=request.POST, draft_data=draft.data)
    if request.htmx:
        context = pages.step_context(draft, "template", posted, code_form=code_form)
        return TemplateResponse(request, f"{_template('template')}#code-paste", context)
    return _render_step(request, draft, "template", posted, code_form=code_form)


def _step_post(request: HtmxHttpRequest, draft: WorkspaceDraft, step: str) -> HttpResponse:
    autosave = request.GET.get("autosave") == "1"
    action = picker_search.posted_action(step, request.POST)  # Enter: a search, or "next"
    if step == "template" and code_requested(request.POST, action, autosave=autosave):
        return _code_post(request, draft)
    posted = STEP_FORMS[step](
        data=request.POST,
        locked=steps.step_locks(draft.data, step) if step != "template" else {},
        draft_data=draft.data,
        snapshot=draft.workspace_snapshot,
    )
    values = posted.values()
    # The form's own htmx POST (on any change) names itself in the URL, never in inherited
    # values, so row buttons and key checks inside the form are never mistaken for it.
    limits = {name: rows.max_num for name, rows in posted.formsets.items()}
    searched = picker_search.focus_after(step, action)  # a picker's Search or Try again
    focus = "" if autosave else searched or apply_row_action(step, values, action, limits=limits)
    if focus is None:
        return HttpResponseBadRequest("Unknown action.")
    box = paste.PasteBox()
    if step == "variables" and not autosave:  # row buttons redraw the box: what it holds stays
        box = paste.posted_box(action, request.POST, values)
        focus = f"add-{box.added_to}" if box.added_to else focus
    client = (
        harness_client_for(request.user) if step in {"template", "basics", "provisioner"} else None
    )
    try:
        saved = drafts.draft_save_step(draft=draft, step=step, values=values, client=client)
    except drafts.DraftNotEditable:
        return go(request, _result_url(draft))
    draft = saved.draft
    # Start from: the Template use a save set for a template picked since (`template_mode_for`).
    mode_note = posted.mode_note() if isinstance(posted, TemplateForm) else ""
    if autosave:
        redrawn = isinstance(posted, TemplateForm) and posted.mode_redrawn()
        notice = " ".join(filter(None, (saved.notice, mode_note)))
        context = pages.autosaved_context(draft, step, saved.form, notice=notice, redrawn=redrawn)
        partial = f"{_template(step)}#autosaved" if redrawn else AUTOSAVED
        return TemplateResponse(request, partial, context)
    partial = request.POST.get("partial", "")
    if request.htmx and partial in STEP_PARTIALS.get(step, set()):
        context = pages.step_context(draft, step, saved.form, focus=focus, paste=box)
        context["oob"] = partial == "variable-checks"
        return TemplateResponse(request, f"{_template(step)}#{partial}", context)
    if saved.notice:
        messages.warning(request, saved.notice)
    if mode_note:
        messages.info(request, mode_note)
    searches, refused = picker_search.searches_after(step, action, request.POST)
    if refused:
        messages.warning(request, KEY_IN_SEARCH)
    order = steps.step_order(draft.kind)
    if box.held:  # Save and continue or Back with lines still in the paste box
        return _render_step(request, draft, step, saved.form, paste=box)
    if action == "back":
        return redirect(pages.step_url(draft, steps.previous_step(step, order)))
    if action == "next" and saved.notice:
        # The template (or workspace) could not be used: stay where the notice says why.
        return redirect(pages.step_url(draft, step))
    if action == "next" and not saved.problems:
        return redirect(pages.step_url(draft, steps.next_step(step, order)))
    if action == "next" or box.lines is not None or box.text:  # no redirect: the paste stays
        kept = {"paste": box, "focus": focus, "searches": searches}
        return _render_step(request, draft, step, saved.form, **kept)
    if box.note:
        messages.info(request, box.note)
    address = pages.step_url(draft, step) + picker_search.query_string(searches)
    return redirect(address + (f"#{focus}" if focus else ""))


@require_GET
@refuses_keys_in_search(box="{name}-q", param="{name}-q", address=False)
def draft_picker(request: HtmxHttpRequest, draft_id, step: str, name: str) -> HttpResponse:
    """One picker's options (a search, a retry, or a choice another picker depends on)."""
    draft = _editable_draft(request, draft_id, step)
    if name not in steps.STEP_PICKERS.get(step, ()):
        raise Http404("No such picker on this step.")
    if not draft.is_editable:
        return go(request, _result_url(draft))
    require_key_of(draft, request.user, REFUSED_LOOKUP)  # its connectors are of another account
    values = steps.step_values(draft.data, step)
    asked = picker_search.picker_request(name, request.GET, values)
    params = asked.params
    loaded = pickers.wizard_picker(
        client=harness_client_for(request.user), org=draft.org, project=draft.project, request=asked
    )
    if name == "terragrunt-version" or (
        name == "version" and params["provisioner"] == values.get("provisioner")
    ):
        # The version shown chosen is saved, as on the step's page (`_render_step`). Another tool's
        # list is left to the save of that choice, on its way (`versions.versions_to_choose`).
        draft = versions.draft_default_versions(draft=draft, loaded={name: loaded})
    context = pages.picker_context(draft, step, name, loaded, params)
    return TemplateResponse(request, f"{_template(step)}#{name}-options", context)


@require_GET
def draft_identifier_check(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    """The live check under Basics' identifier: well formed, and free in the project?"""
    draft = _own_draft(request, draft_id)
    if not draft.is_editable:
        return go(request, _result_url(draft))
    require_key_of(draft, request.user, REFUSED_LOOKUP)  # free there says nothing of its account
    identifier = request.GET.get("identifier", "").strip()[:256]
    stored = pages.stored_identifier_check(draft, identifier)
    if stored:  # the stored identifier's error (taken, refused by Harness), not Harness's "free"
        check = stored
    elif rate_limit_exceeded(user_id=request.user.pk, action="identifier_check"):
        check = pickers.IdentifierCheck(
            identifier,
            "unknown",
            "Checking too often; pause a moment. It will be checked again when you submit.",
        )
    else:
        check = pickers.identifier_check(
            client=harness_client_for(request.user),
            org=draft.org,
            project=draft.project,
            identifier=identifier,
        )
    return TemplateResponse(request, _template("basics") + "#identifier-check", {"check": check})


# --- review, submit, result ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def draft_review(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    draft = _own_draft(request, draft_id)
    if not draft.is_editable:
        return go(request, _result_url(draft))
    if request.method != "GET":
        return go(request, pages.step_url(draft, "review"))
    context = review.review_context(draft, account_id=draft_account_of(draft, request.user))
    return TemplateResponse(request, "workspaces/wizard_review.html", context)


@require_POST
def draft_submit(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    draft = _own_draft(request, draft_id)
    if not draft.is_editable:
        return go(request, _result_url(draft))
    if rate_limit_exceeded(user_id=request.user.pk, action="submit"):
        messages.error(
            request, "You have submitted many requests in a short time; wait a minute and retry."
        )
        return go(request, pages.step_url(draft, "review"))
    submitted = submit.draft_submit(draft=draft, client=harness_client_for(request.user))
    draft = submitted.draft
    if draft.status == Status.FAILED and draft.harness_response.get("forbidden"):
        forbidden_remember(request, action="create", org=draft.org, project=draft.project)
    elif draft.status in (Status.CREATED, Status.UPDATED):  # the key may now, whatever it was
        forbidden_forget(request, action="create", org=draft.org, project=draft.project)
    if submitted.problems:  # never to a step the draft does not show (a change's Start from)
        message, url = pages.problems_to_fix(draft, submitted.problems)
        messages.error(request, message)
        return go(request, url)
    if draft.status == Status.DRAFT:
        # A change that found the workspace changed in Harness: the review shows both.
        return go(request, pages.step_url(draft, "review"))
    if draft.status == Status.FAILED:
        step = draft.harness_response.get("step", "")
        if step in steps.STEPS:
            # Said once, on the step (its banner, or the field or row it concerns), or on the
            # review for a step the draft does not show: no flash.
            return go(request, pages.fix_url(draft, step))
    return go(request, _result_url(draft))


@require_GET
@vary_on_headers("HX-Request")
def draft_result(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    draft = _own_draft(request, draft_id, kinds=tuple(WorkspaceDraft.Kind))
    if draft.status == Status.DRAFT:  # back to its author (a poll too: the whole page goes)
        return go(request, pages.reopen_url(draft))
    if draft.status == Status.SUBMITTING:
        draft = submit.draft_reconcile_stale(draft=draft, client=harness_client_for(request.user))
    template = "workspaces/draft_result.html"
    if request.htmx and not request.htmx.history_restore_request:
        if draft.status == Status.SUBMITTING:  # the poll: no swap, nothing read out again
            return HttpResponse(status=204)
        template += "#draft-outcome"
    step = draft.harness_response.get("step")
    # Made under another Harness account than the key's: the same names in this one are another
    # workspace, so neither the page nor the header links them (the page says the account).
    elsewhere = of_another_account(draft, request.user)
    context = {
        "draft": draft,
        "org": draft.org,
        "project": draft.project,
        "elsewhere": elsewhere,
        "current_org": "" if elsewhere else draft.org,
        "current_project": "" if elsewhere else draft.project,
        "response": draft.harness_response or {},
        # The write may have landed or may still land: "Outcome unclear.", not "Not created.".
        **outcome_said(draft),
        "fix_url": pages.fix_url(draft, step or "review"),
        "review": approval_selectors.approval_state(draft=draft),
    }
    return TemplateResponse(request, template, context)
