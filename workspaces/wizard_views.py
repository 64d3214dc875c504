"""The create-a-workspace wizard: thin views over `drafts` (writes) and `wizard_selectors`.

One URL per step (`/drafts/<id>/<step>/`): GET shows it, POST saves it (autosave, row actions,
next/back). The same URL answers the step's htmx regions: `?picker=<name>` (a picker's options,
searched with `q`) and `?check=identifier`; POSTs name the region to return in `partial`.
Every lookup is `get_object_or_404(WorkspaceDraft, pk=..., owner=request.user)`: another
user's draft is a 404.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from workspaces import drafts, wizard, wizard_selectors
from workspaces.clients import harness_client_for
from workspaces.htmx import HtmxHttpRequest
from workspaces.models import HarnessCredential, WorkspaceDraft
from workspaces.ratelimit import rate_limit_exceeded
from workspaces.wizard_forms import STEP_FORMS, WizardStepForm
from workspaces.wizard_selectors import PickerRequest

Status = WorkspaceDraft.Status

# Pickers each step shows: picker name -> (step field holding the choice).
STEP_PICKERS: dict[str, dict[str, str]] = {
    "template": {
        "template": "template_ref",
        "template-version": "template_version",
        "clone-workspace": "clone_identifier",
    },
    "repository": {"git-connector": "connector"},
    "provisioner": {
        "version": "version",
        **{f"{slot}-connector": slot for slot in wizard.PROVIDER_TYPES},
    },
    "variables": {"secret": ""},
}
ADD_LABELS = {"terraform": "Add a Terraform variable", "environment": "Add an environment variable"}
# htmx regions a POST may ask for, per step.
STEP_PARTIALS: dict[str, set[str]] = {
    "basics": {"tag-rows"},
    "variables": {"variable-editor", "variable-checks", "variable-paste"},
}


def _template(step: str) -> str:
    return f"workspaces/wizard_{step}.html"


def _go(request: HtmxHttpRequest, url: str) -> HttpResponse:
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _step_url(draft: WorkspaceDraft, step: str) -> str:
    return reverse("draft_step", args=[draft.pk, step])


def _own_draft(request: HtmxHttpRequest, draft_id) -> WorkspaceDraft:
    return get_object_or_404(WorkspaceDraft, pk=draft_id, owner=request.user)


# --- start, list, delete ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def draft_start(request: HtmxHttpRequest, org: str, project: str) -> HttpResponse:
    if request.method == "POST":
        draft = drafts.draft_create(owner=request.user, org=org, project=project)
        return redirect(_step_url(draft, wizard.STEPS[0]))
    open_drafts = WorkspaceDraft.objects.filter(
        owner=request.user, org=org, project=project, status__in=[Status.DRAFT, Status.FAILED]
    )[:10]
    return TemplateResponse(
        request,
        "workspaces/wizard_start.html",
        {"org": org, "project": project, "open_drafts": open_drafts},
    )


@require_GET
def draft_list(request: HtmxHttpRequest) -> HttpResponse:
    rows = WorkspaceDraft.objects.filter(owner=request.user).order_by("-updated_at")[:200]
    credential = HarnessCredential.objects.filter(user=request.user).first()
    context = {"drafts": rows}
    if credential and credential.current_org and credential.current_project:
        # The header's "New workspace" link: the project the user last opened.
        context.update(
            current_org=credential.current_org, current_project=credential.current_project
        )
    return TemplateResponse(request, "workspaces/my_requests.html", context)


@require_POST
def draft_delete(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    draft = _own_draft(request, draft_id)
    if drafts.draft_delete(draft_id=draft.pk, owner=request.user):
        messages.success(request, f"Deleted the request {draft.name or 'without a name'}.")
    else:
        messages.warning(request, "This request is being submitted and cannot be deleted now.")
    return _go(request, reverse("draft_list"))


# --- steps -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def draft_step(request: HtmxHttpRequest, draft_id, step: str) -> HttpResponse:
    draft = _own_draft(request, draft_id)
    if step not in wizard.STEPS:
        raise Http404("No such step.")
    if not draft.is_editable:
        return _go(request, reverse("draft_result", args=[draft.pk]))
    if step == "review":
        if request.method != "GET":
            return _go(request, _step_url(draft, "review"))
        return _review(request, draft)
    if request.method == "POST":
        return _step_post(request, draft, step)
    if request.GET.get("check") == "identifier" and step == "basics":
        identifier = request.GET.get("identifier", "").strip()[:256]
        if rate_limit_exceeded(user_id=request.user.pk, action="identifier_check"):
            check = wizard_selectors.IdentifierCheck(
                identifier,
                "unknown",
                "Checking too often; pause a moment. It will be checked again when you submit.",
            )
        else:
            check = wizard_selectors.identifier_check(
                client=harness_client_for(request.user),
                org=draft.org,
                project=draft.project,
                identifier=identifier,
            )
        return TemplateResponse(request, _template(step) + "#identifier-status", {"check": check})
    picker = request.GET.get("picker")
    if picker:
        return _picker(request, draft, step, picker)
    values = wizard.step_values(draft.data, step)
    errors = wizard.validate_step(step, draft.data) if step in draft.step_status else {}
    return _render_step(request, draft, step, values, errors)


def _picker(request: HtmxHttpRequest, draft: WorkspaceDraft, step: str, name: str):
    if name not in STEP_PICKERS.get(step, {}):
        raise Http404("No such picker on this step.")
    values = wizard.step_values(draft.data, step)
    params = {key: request.GET.get(key, "")[:300] for key in ("provisioner", "template_ref")}
    if not params["provisioner"]:
        params["provisioner"] = values.get("provisioner", "")
    if not params["template_ref"]:
        params["template_ref"] = values.get("template_ref", "")
    loaded = wizard_selectors.wizard_picker(
        client=harness_client_for(request.user),
        org=draft.org,
        project=draft.project,
        request=PickerRequest(name, request.GET.get("q", "").strip()[:128], params),
    )
    context = _common_context(request, draft, step)
    context.update({"values": values, "pickers": {name.replace("-", "_"): loaded}})
    if name == "version":
        # Another provisioner was chosen: a version it does not have gives way to its latest.
        version = values.get("version") if values.get("version") in loaded.values else ""
        context["values"] = {**values, "provisioner": params["provisioner"], "version": version}
    if name == "template-version":
        context["values"] = {**values, "template_ref": params["template_ref"]}
    return TemplateResponse(request, f"{_template(step)}#{name}-options", context)


def _row_action(values: dict[str, Any], action: str) -> str:
    """Apply an add/remove row action to `values`; returns the id to focus afterwards."""
    kind, _, arg = action.partition(":")
    if kind == "add-tag":
        values["tags"].append({"key": "", "value": ""})
        return f"tag-{len(values['tags']) - 1}-key"
    if kind == "remove-tag":
        index = _index(arg)
        if index is not None and index < len(values["tags"]):
            values["tags"].pop(index)
        return "add-tag"
    group, _, index_text = arg.partition(":")
    if group not in wizard.VARIABLE_GROUPS:
        return ""
    if kind == "add-var":
        values[group].append({"key": "", "value_type": "string", "value": ""})
        return f"{group}-{len(values[group]) - 1}-key"
    if kind == "remove-var":
        index = _index(index_text)
        if index is not None and index < len(values[group]):
            values[group].pop(index)
        return f"add-{group}"
    return ""


def _index(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 5 else None


def _step_post(request: HtmxHttpRequest, draft: WorkspaceDraft, step: str) -> HttpResponse:
    form_class = STEP_FORMS[step]
    values = form_class.values_from(request.POST)
    action = request.POST.get("action", "next")[:64]
    # The form's own htmx POST (on any change) names itself in the URL, never in inherited
    # values, so row buttons and key checks inside the form are never mistaken for it.
    autosave = request.GET.get("autosave") == "1"
    focus = "" if autosave else _row_action(values, action)
    client = harness_client_for(request.user) if step == "template" else None
    try:
        saved = drafts.draft_save_step(draft=draft, step=step, values=values, client=client)
        paste_lines = None
        if step == "variables" and action in {"paste-preview", "paste-add"}:
            paste_lines = wizard.parse_pasted_variables(
                request.POST.get("paste_text", "")[:20000].replace("\x00", "")
            )
            group = request.POST.get("paste_group", "terraform")
            if action == "paste-add" and group in wizard.VARIABLE_GROUPS:
                saved = drafts.draft_paste_variables(
                    draft=saved.draft, group=group, lines=paste_lines
                )
                added = sum(1 for line in paste_lines if not line.error)
                focus, paste_lines = f"add-{group}", None
                messages.success(request, f"Added {added} variable{'s' if added != 1 else ''}.")
    except drafts.DraftNotEditable:
        return _go(request, reverse("draft_result", args=[draft.pk]))
    draft = saved.draft
    if autosave:
        return TemplateResponse(
            request,
            "workspaces/wizard_base.html#save-status",
            {"draft": draft, "saved": True, "step_errors": saved.errors, "notice": saved.notice},
        )
    partial = request.POST.get("partial", "")
    stored = wizard.step_values(draft.data, step)
    if request.htmx and partial in STEP_PARTIALS.get(step, set()):
        context = _step_context(
            request, draft, step, stored, saved.errors, focus=focus, paste_lines=paste_lines
        )
        context["oob"] = partial == "variable-checks"
        return TemplateResponse(request, f"{_template(step)}#{partial}", context)
    if saved.notice:
        messages.warning(request, saved.notice)
    if action == "back":
        return redirect(_step_url(draft, wizard.previous_step(step)))
    if action == "next":
        if saved.errors:
            return _render_step(request, draft, step, stored, saved.errors)
        return redirect(_step_url(draft, wizard.next_step(step)))
    if paste_lines is not None:
        return _render_step(request, draft, step, stored, saved.errors, paste_lines=paste_lines)
    return redirect(_step_url(draft, step) + (f"#{focus}" if focus else ""))


def _common_context(request: HtmxHttpRequest, draft: WorkspaceDraft, step: str) -> dict:
    nav = [
        {
            "slug": slug,
            "title": wizard.STEP_TITLES[slug],
            "number": number,
            "status": draft.step_status.get(slug, ""),
            "url": _step_url(draft, slug),
            "current": slug == step,
        }
        for number, slug in enumerate(wizard.STEPS, start=1)
    ]
    response = draft.harness_response or {}
    return {
        "draft": draft,
        "step": step,
        "step_title": wizard.STEP_TITLES[step],
        "steps": nav,
        "step_url": _step_url(draft, step),
        "previous_url": _step_url(draft, wizard.previous_step(step)) if step != "basics" else "",
        "org": draft.org,
        "project": draft.project,
        # The header's org/project links (the context processor reads them from the URL).
        "current_org": draft.org,
        "current_project": draft.project,
        "harness_error": response if draft.status == Status.FAILED else {},
        "locked": wizard.locked_map(draft.data),
    }


def _rows_with_errors(
    rows: list[dict], errors: dict[str, list[str]], prefix: str, id_prefix: str
) -> list[dict]:
    out = []
    for index, row in enumerate(rows):
        row_errors = {}
        for field in ("key", "value", "value_type"):
            messages_ = errors.get(f"{prefix}.{index}.{field}")
            if messages_:
                row_errors[field] = messages_[0]
        out.append(
            {
                **row,
                "index": index,
                "number": index + 1,
                "errors": row_errors,
                "message": next(iter(row_errors.values()), ""),
                "key_id": f"{id_prefix}-{index}-key",
            }
        )
    return out


def _step_context(
    request: HtmxHttpRequest,
    draft: WorkspaceDraft,
    step: str,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    *,
    focus: str = "",
    paste_lines: list | None = None,
    pickers: dict | None = None,
) -> dict:
    context = _common_context(request, draft, step)
    response = context["harness_error"]
    if response.get("step") == step and response.get("field"):
        field = response["field"]
        errors = {**errors, field: [*errors.get(field, []), response.get("message", "")]}
    form: WizardStepForm = STEP_FORMS[step](values, errors=errors, locked=context["locked"])
    context.update(
        {
            "form": form,
            "values": values,
            "errors": errors,
            "focus": focus,
            "pickers": pickers or {},
            "is_locked": {
                path.split(".")[1]: True
                for path in context["locked"]
                if path.startswith(f"{step}.") and path.count(".") == 1
            },
            "row_problems": [
                (key, messages_[0])
                for key, messages_ in errors.items()
                if "." in key and key.split(".")[0] in {"tags", *wizard.VARIABLE_GROUPS}
            ],
        }
    )
    if step == "basics":
        context["tags"] = _rows_with_errors(values["tags"], errors, "tags", "tag")
        form.fields["identifier"].widget.attrs.update(
            {
                "hx-get": f"{context['step_url']}?check=identifier",
                "hx-trigger": "input changed delay:400ms, load",
                "hx-target": "#identifier-status",
                "hx-swap": "outerHTML",
                "hx-sync": "this:replace",
                "hx-indicator": "#identifier-status",
                "aria-describedby": "identifier-status id_identifier_helptext",
            }
        )
    if step == "variables":
        locked_keys = {
            tuple(path.split(".")[1:]) for path in context["locked"] if path.count(".") == 2
        }
        context["variable_groups"] = [
            {
                "name": group,
                "label": label,
                "add_label": ADD_LABELS[group],
                "rows": [
                    {**row, "locked": (group, row.get("key")) in locked_keys}
                    for row in _rows_with_errors(values[group], errors, group, group)
                ],
            }
            for group, label in wizard.VARIABLE_GROUPS.items()
        ]
        context["paste_lines"] = paste_lines
        context["paste_ok"] = sum(1 for line in paste_lines or [] if not line.error)
        context["value_types"] = list(wizard.VALUE_TYPES.items())
    if step == "provisioner":
        context["provider_slots"] = [
            {"slot": slot, "label": label, "picker": f"{slot}_connector"}
            for slot, (_kind, label) in wizard.PROVIDER_TYPES.items()
        ]
    return context


def _render_step(
    request: HtmxHttpRequest,
    draft: WorkspaceDraft,
    step: str,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    *,
    paste_lines: list | None = None,
) -> HttpResponse:
    requests = []
    for name in STEP_PICKERS.get(step, {}):
        params = {
            "provisioner": values.get("provisioner", ""),
            "template_ref": values.get("template_ref", ""),
        }
        if name == "template-version" and not params["template_ref"]:
            continue
        requests.append(PickerRequest(name, "", params))
    # Started, not awaited: the page renders up to its first picker while Harness answers.
    loaded = wizard_selectors.start_pickers(
        client=harness_client_for(request.user),
        org=draft.org,
        project=draft.project,
        requests=requests,
    )
    pickers = {name.replace("-", "_"): picker for name, picker in loaded.items()}
    context = _step_context(
        request, draft, step, values, errors, paste_lines=paste_lines, pickers=pickers
    )
    return TemplateResponse(request, _template(step), context)


# --- review, submit, result ------------------------------------------------------------------


def _review(request: HtmxHttpRequest, draft: WorkspaceDraft) -> HttpResponse:
    context = _common_context(request, draft, "review")
    body = wizard.build_body(draft.data)
    problems = wizard.validate_draft(draft.data)
    context.update(
        {
            "body": body,
            "body_json": json.dumps(body, indent=2, sort_keys=False),
            "problems": [
                {
                    "step": step,
                    "title": wizard.STEP_TITLES[step],
                    "url": _step_url(draft, step),
                    "count": len(found),
                }
                for step, found in problems.items()
            ],
            "warnings": wizard.warnings(draft.data),
            "sections": _review_sections(draft, body),
        }
    )
    return TemplateResponse(request, "workspaces/wizard_review.html", context)


def _review_sections(draft: WorkspaceDraft, body: dict[str, Any]) -> list[dict]:
    template = wizard.step_values(draft.data, "template")
    provisioner = wizard.step_values(draft.data, "provisioner")
    repository = wizard.step_values(draft.data, "repository")
    fetch = repository["fetch_type"]
    if template["source"] == "template":
        start = (
            f"{wizard.TEMPLATE_MODES.get(template['template_mode'], '')}: "
            f"{template['template_ref']} {template['template_version']}"
        )
    elif template["source"] == "clone":
        start = f"Copy of {template['clone_identifier']}"
    else:
        start = "From scratch"
    providers = ", ".join(f"{c['type']}: {c['connector_ref']}" for c in body["provider_connectors"])
    cost = "On" if body["cost_estimation_enabled"] else "Off"
    if "budget" in body:
        cost += f", budget {body['budget']:g}"
    rows = {
        "basics": [
            ("Name", body["name"]),
            ("Identifier", body["identifier"]),
            ("Description", body["description"] or "—"),
            ("Tags", ", ".join(f"{k}={v}" for k, v in body["tags"].items()) or "—"),
        ],
        "template": [("Start", start)],
        "repository": [
            ("Connector", body["repository_connector"]),
            ("Repository", body["repository"]),
            (
                wizard.FETCH_TYPES.get(fetch, "Ref"),
                body.get(wizard.FETCH_FIELDS.get(fetch, ""), ""),
            ),
            ("Folder", body["repository_path"] or "(root)"),
            ("Submodules", wizard.SUBMODULES.get(body["repository_submodules"], "")),
        ],
        "provisioner": [
            (
                "Provisioner",
                f"{wizard.PROVISIONERS.get(body['provisioner'], body['provisioner'])} "
                f"{body['provisioner_version']}"
                + (" (run all modules)" if body.get("run_all") else ""),
            ),
            ("Provider connectors", providers or "None"),
            ("Cost estimation", cost),
        ],
    }
    del provisioner
    sections = [
        {"step": step, "title": wizard.STEP_TITLES[step], "rows": rows[step]}
        for step in ("basics", "template", "repository", "provisioner")
    ]
    sections.append(
        {
            "step": "variables",
            "title": wizard.STEP_TITLES["variables"],
            "variables": [
                (wizard.VARIABLE_GROUPS[group], list(body[f"{group}_variables"].values()))
                for group in wizard.VARIABLE_GROUPS
            ],
        }
    )
    for section in sections:
        section["url"] = _step_url(draft, section["step"])
    return sections


@require_POST
def draft_submit(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    draft = _own_draft(request, draft_id)
    result_url = reverse("draft_result", args=[draft.pk])
    if not draft.is_editable:
        return _go(request, result_url)
    if rate_limit_exceeded(user_id=request.user.pk, action="submit"):
        messages.error(
            request, "You have submitted many requests in a short time; wait a minute and retry."
        )
        return _go(request, _step_url(draft, "review"))
    draft = drafts.draft_submit(draft=draft, client=harness_client_for(request.user))
    if draft.is_editable:
        problems = wizard.validate_draft(draft.data)
        if problems:
            first = next(iter(problems))
            messages.error(
                request,
                f"Fix {wizard.STEP_TITLES[first]} before submitting; nothing was sent to Harness.",
            )
            return _go(request, _step_url(draft, first))
    if draft.status == Status.FAILED:
        step = draft.harness_response.get("step", "")
        if step in wizard.STEPS:
            messages.error(request, draft.harness_response.get("message", ""))
            return _go(request, _step_url(draft, step))
    return _go(request, result_url)


@require_GET
@vary_on_headers("HX-Request")
def draft_result(request: HtmxHttpRequest, draft_id) -> HttpResponse:
    draft = _own_draft(request, draft_id)
    if draft.status == Status.DRAFT:
        return redirect(_step_url(draft, "review"))
    if draft.status == Status.SUBMITTING:
        draft = drafts.draft_reconcile_stale(draft=draft, client=harness_client_for(request.user))
    template = "workspaces/draft_result.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#draft-outcome"
    context = {
        "draft": draft,
        "org": draft.org,
        "project": draft.project,
        "current_org": draft.org,
        "current_project": draft.project,
        "response": draft.harness_response or {},
        "fix_url": _step_url(draft, draft.harness_response.get("step") or "review")
        if draft.harness_response.get("step") in wizard.STEPS
        else _step_url(draft, "review"),
    }
    return TemplateResponse(request, template, context)
