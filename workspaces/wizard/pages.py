"""What the wizard's templates get: the step navigation, a step's form with its pickers and
rows (the review's sections are in `review`). Data only; the templates render it.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from workspaces.models import WorkspaceDraft
from workspaces.wizard import forms, prefill, sources, start_form, steps, validation
from workspaces.wizard.from_code import CodeForm
from workspaces.wizard.held import held_bases, holds_latest
from workspaces.wizard.outcomes import of_another_account, outcome_said
from workspaces.wizard.paste import PasteBox
from workspaces.wizard.pickers import IdentifierCheck, Picker, PickerRequest

Status = WorkspaceDraft.Status

ADD_LABELS = {"terraform": "Add a Terraform variable", "environment": "Add an environment variable"}
# A value a linked template locks without saying it (a ref or path of a locked repository block,
# `prefill.prefill_from_template_yaml`): never sent, Harness keeps the template's.
TEMPLATE_SETS = "Harness sets it from the linked template"


def step_url(draft: WorkspaceDraft, step: str) -> str:
    return reverse("draft_step", args=[draft.pk, step])


def shows_step(draft: WorkspaceDraft, step: str) -> bool:
    """Whether `step` is a page of the draft: a change has no Start from (`steps.CHANGE_STEPS`)."""
    return step in steps.EDITABLE_STEPS and step in steps.step_order(draft.kind)


def fix_url(draft: WorkspaceDraft, step: str) -> str:
    """Where a problem of `step` is fixed: its page, or the review for a step the draft does not
    show (a change's hidden Start from, or none), which says what the problem is."""
    return step_url(draft, step if shows_step(draft, step) else "review")


def problems_to_fix(
    draft: WorkspaceDraft, problems: dict[str, dict[str, list[str]]]
) -> tuple[str, str]:
    """What a submit that found `problems` says, and where it goes: the first step shown that has
    one, else the review (the problem is in a step the draft does not show)."""
    shown = [step for step in problems if shows_step(draft, step)]
    if shown:
        title = steps.STEP_TITLES[shown[0]]
        return f"Fix {title} before submitting; nothing was sent to Harness.", step_url(
            draft, shown[0]
        )
    return (
        "This change cannot be sent as it is, for the reason below; nothing was sent to Harness.",
        step_url(draft, "review"),
    )


def reopen_url(draft: WorkspaceDraft) -> str:
    """Where a request that is a draft again is taken up: a deletion's confirmation page (it has
    no wizard steps), else the review step."""
    if draft.kind == WorkspaceDraft.Kind.DELETE:
        return reverse("workspace_delete", args=[draft.org, draft.project, draft.identifier])
    return step_url(draft, "review")


def picker_url(draft: WorkspaceDraft, step: str, name: str) -> str:
    return reverse("draft_picker", args=[draft.pk, step, name])


def picker_requests(
    step: str, values: dict[str, Any], searches: dict[str, str] | None = None
) -> list[PickerRequest]:
    """The pickers a step's page loads, with what they depend on (provisioner, template) and
    the searches asked for (`picker_search`)."""
    params = {
        "provisioner": str(values.get("provisioner", "")),
        "template_ref": str(values.get("template_ref", "")),
        "terragrunt": "on" if steps.as_bool(values.get("terragrunt", False)) else "",
    }
    # A picker that depends on another choice loads only once that choice is made.
    needs = {"template-version": "template_ref", "terragrunt-version": "terragrunt"}
    return [
        PickerRequest(name, (searches or {}).get(name, ""), params)
        for name in steps.STEP_PICKERS.get(step, ())
        if name not in needs or params[needs[name]]
    ]


def step_form(draft: WorkspaceDraft, step: str) -> forms.StepForm:
    """The form a step's page shows: bound (with its errors) once the step was visited."""
    response = draft.harness_response or {}
    if step in draft.step_status or response.get("step") == step:
        return validation.bind_step(step, draft.data, snapshot=draft.workspace_snapshot)
    return validation.unbound_step(step, draft.data, snapshot=draft.workspace_snapshot)


def picker_form(draft: WorkspaceDraft, step: str) -> forms.StepForm:
    """The form one picker's options are shown with (a search, a template's versions): unbound.
    The stored errors concern the choice being replaced; shown in the new options, they would
    read as a failure of this choice (and wizard.js would take the focus to them)."""
    return validation.unbound_step(step, draft.data, snapshot=draft.workspace_snapshot)


def picker_context(
    draft: WorkspaceDraft, step: str, name: str, loaded: Picker, params: dict[str, str]
) -> dict[str, Any]:
    """The context of one picker's options (`picker_form`), loaded for `params` (what it depends
    on: the provisioner, the template, Terragrunt ticked), with the choice they show."""
    context = step_context(draft, step, picker_form(draft, step), pickers={name: loaded})
    context["count_oob"] = True  # the search box's live region says what the search found
    values = context["values"]
    if name == "version":
        # Another provisioner was chosen: a version it does not have gives way to its latest.
        kept = {*loaded.values, context["version_held"]} - {""}  # "latest" as Harness holds it
        version = values.get("version") if values.get("version") in kept else ""
        context["values"] = {**values, "provisioner": params["provisioner"], "version": version}
    if name == "template-version":
        # Another template was picked: its save chooses the stable version, shown chosen here.
        version = values.get("template_version", "")
        if params["template_ref"] != values.get("template_ref"):
            version = loaded.extra.get("stable", "")
        context["values"] = {
            **values,
            "template_ref": params["template_ref"],
            "template_version": version,
        }
    if name == "terragrunt-version":
        context["values"] = {**values, "terragrunt": steps.as_bool(params["terragrunt"])}
    return context


def cleared_error_ids(form: forms.StepForm) -> list[str]:
    """The ids of the error messages an autosave clears: every field and row now valid."""
    form.is_valid()
    ids = [f"id_{name}_error" for name in form.fields if name not in form.errors]
    ids += [
        f"{row.prefix}-error" for rows in form.formsets.values() for row in rows if not row.errors
    ]
    return ids


def autosaved_context(
    draft: WorkspaceDraft, step: str, form: forms.StepForm, *, notice: str, redrawn: bool
) -> dict[str, Any]:
    """An autosave's answer: the save status (`form` bound with what was stored), and with
    `redrawn` Start from's Template use radios too, drawn for the template saved."""
    context = step_context(draft, step, form) if redrawn else {"draft": draft}
    problems = form.problems()
    if not redrawn:
        _place_standing_refusal(draft, step, form)  # as `step_context`: not cleared
    cleared = cleared_error_ids(form)
    return context | {"saved": True, "step_errors": problems, "notice": notice, "cleared": cleared}


def common_context(draft: WorkspaceDraft, step: str) -> dict[str, Any]:
    order = steps.step_order(draft.kind)
    nav = [
        {
            "slug": slug,
            "title": steps.STEP_TITLES[slug],
            "number": number,
            "status": draft.step_status.get(slug, ""),
            "url": step_url(draft, slug),
            "current": slug == step,
        }
        for number, slug in enumerate(order, start=1)
    ]
    response = draft.harness_response or {}
    if draft.status == Status.FAILED and response.get("step") in steps.EDITABLE_STEPS:
        # The step Harness refused needs attention until the next submit, whatever its form says.
        for item in nav:
            if item["slug"] == response["step"]:
                item["status"] = "refused"
    elsewhere = of_another_account(draft, draft.owner)  # the session's user (`views._own_draft`)
    return {
        "draft": draft,
        "step": step,
        "step_title": steps.STEP_TITLES[step],
        "steps": nav,
        "step_url": step_url(draft, step),
        "previous_url": step_url(draft, steps.previous_step(step, order))
        if step != order[0]
        else "",
        "is_change": draft.kind == WorkspaceDraft.Kind.EDIT,
        "org": draft.org,
        "project": draft.project,
        # A request of another Harness account than the key's: the same names in the key's
        # account are another project, so neither the page nor the header links them.
        "elsewhere": elsewhere,
        # The header's org/project links (the context processor reads them from the URL).
        "current_org": "" if elsewhere else draft.org,
        "current_project": "" if elsewhere else draft.project,
        "harness_error": response if draft.status == Status.FAILED else {},
        # The last write may have landed or may still land: the review says "Outcome unclear.",
        # as the result page does, never that it did not change (or create) the workspace.
        **(outcome_said(draft) if draft.status == Status.FAILED else {"unclear": False}),
        "locked": steps.locked_map(draft.data),
    }


def step_context(
    draft: WorkspaceDraft,
    step: str,
    form: forms.StepForm,
    *,
    focus: str = "",
    paste: PasteBox | None = None,
    pickers: dict[str, Picker] | None = None,
    code_form: CodeForm | None = None,
) -> dict[str, Any]:
    """A step page's (or one of its partials') context around `form`; on Start from,
    `code_form` is a refused paste (else an empty one); on Variables, `paste` is the paste box
    after Preview or Add."""
    paste = paste or PasteBox()
    if paste.text and form.is_bound:
        # The preview's Add button posts the form as shown: the pasted text and group stay.
        kept = {"paste_text": paste.text, "paste_group": paste.group}
        form = validation.bind_step(
            step, draft.data, transient=kept, snapshot=draft.workspace_snapshot
        )
    context = common_context(draft, step)
    problems = form.problems() if form.is_bound else {}
    if form.is_bound:
        # Where Harness's complaint lands: on the field (or row) it concerns, said once there
        # (after `problems`, so the variables' summary of the form's own rules does not repeat it).
        context["harness_error_placed"] = _place_standing_refusal(draft, step, form)
    values = steps.step_values(draft.data, step)
    context.update(
        {
            "form": form,
            "values": values,
            "errors": form.errors if form.is_bound else {},
            "focus": focus,
            "pickers": {name.replace("-", "_"): p for name, p in (pickers or {}).items()},
            "picker_urls": {
                name.replace("-", "_"): picker_url(draft, step, name)
                for name in steps.STEP_PICKERS.get(step, ())
            },
            "is_locked": dict.fromkeys(form.locked, True),
            "row_problems": [
                (key, messages[0])
                for key, messages in problems.items()
                if "." in key and key.split(".")[0] in validation.ROW_FIELDS
            ],
        }
    )
    for name in form.locked.keys() & {"branch", "tag", "commit", "path"}:
        if not values.get(name):  # shown as the template's, not as empty
            form.fields[name].help_text = form[name].help_text = f"Locked: {TEMPLATE_SETS}."
    if step == "basics":
        # A template's or a clone's description is shown, editable, saying where it came from.
        note = prefill.prefilled_note(values, "description")
        if note:
            form.fields["description"].help_text = form["description"].help_text = note
        if "identifier" in form.locked:
            # A change to an existing workspace: the identifier is its name in Harness's URLs.
            # A create whose earlier POST may still land: it holds the identifier that one sent.
            identifier = form.fields["identifier"]
            identifier.help_text = form["identifier"].help_text = (
                steps.HELD_IDENTIFIER
                if steps.identifier_held(draft.data)
                else "The identifier of an existing workspace cannot change."
            )
            # Shown as set (not "optional"), and not as a template's lock (wizard.css).
            identifier.required = True
            identifier.widget.attrs["data-fixed"] = ""
        else:
            # Checked as the page loads, unless the page already says what is wrong with it
            # (taken, refused by Harness): a check then could only say that again, or less.
            on_load = "" if form.is_bound and form.has_error("identifier") else ", load"
            form.fields["identifier"].widget.attrs.update(
                {
                    "hx-get": reverse("draft_identifier_check", args=[draft.pk]),
                    "hx-trigger": f"input changed delay:400ms{on_load}",
                    "hx-target": "#identifier-check",
                    "hx-swap": "outerHTML",
                    "hx-sync": "this:replace",
                    "hx-indicator": "#identifier-status",
                    "aria-describedby": "identifier-status id_identifier_helptext",
                }
            )
    if step == "template":
        context["code_form"] = code_form or CodeForm(org=draft.org, project=draft.project)
        context["code_report"] = steps.code_report(values)
        context["not_copied"] = sources.copy_leaves_out(values)
        # A choice Harness failed to give: its picker offers a Try again.
        context["retry"] = {
            field: form.is_bound and form.has_error(field, code=start_form.NOT_APPLIED)
            for field in ("template_ref", "clone_identifier")
        }
        # Linked is not offered for a template that cannot be linked, once its use is the copy
        # (a linked use stays shown, chosen, with the form's error: `steps.template_mode_for`).
        context["link_refused"] = form["template_mode"].value() == "copied" and not (
            steps.template_linkable(values["template_ref"])
        )
        context["link_rule"] = steps.LINK_RULE
    if step == "provisioner":
        for field, picker in (("provisioner", "version"), ("terragrunt", "terragrunt-version")):
            form.fields[field].widget.attrs.update(
                {
                    "hx-get": context["picker_urls"][picker.replace("-", "_")],
                    "hx-target": f"#{picker}-options",
                    "hx-swap": "outerHTML",
                    "hx-indicator": f"#{picker}-options",
                }
            )
        context["provider_slots"] = [
            {"slot": slot, "label": label, "picker": f"{slot}_connector"}
            for slot, (_kind, label) in steps.PROVIDER_TYPES.items()
        ]
        # The version a change of a workspace that follows the latest keeps, now or as an earlier
        # base held it (`held.holds_latest`, the rule of `forms.clean_version`).
        bases = held_bases(draft.data, draft.workspace_snapshot)
        context["version_held"] = steps.LATEST if holds_latest(bases) else ""
        # A change's main connector that no slot below holds (`change.draft_start_change`).
        context["main_connector_kept"] = steps.step_values(draft.data, "template").get(
            "main_connector_kept"
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
                "rows": form.formsets[group],
                "locked_keys": [key for g, key in locked_keys if g == group],
            }
            for group, label in steps.VARIABLE_GROUPS.items()
        ]
        context["paste_lines"] = paste.lines
        context["paste_note"] = paste.note
        context["paste_held"] = paste.held
        context["paste_ok"] = sum(1 for line in paste.lines or [] if not line.error)
    return context


def stored_identifier_check(draft: WorkspaceDraft, identifier: str) -> IdentifierCheck | None:
    """What Basics says of `identifier` when it is the one stored and the step refuses it (taken
    when last checked or by a submit's 409, refused by Harness, a rule of the step's), for the
    live check to say the same instead of asking Harness: its answer ("free") would hide why
    the step is held. None: another identifier, or one the step takes."""
    basics = steps.step_values(draft.data, "basics")
    if not identifier or identifier != basics["identifier"]:
        return None
    form = validation.bind_step("basics", draft.data, snapshot=draft.workspace_snapshot)
    _place_standing_refusal(draft, "basics", form)  # as `step_context`
    if not form.has_error("identifier"):
        return None
    state = "taken" if identifier == basics.get("identifier_taken") else "invalid"
    return IdentifierCheck(identifier, state, form.errors["identifier"][0])


def _place_standing_refusal(draft: WorkspaceDraft, step: str, form: forms.StepForm) -> bool:
    """Place Harness's refusal of the last submit on `form` while it still stands (the draft
    failed on `step`; a save that answers it clears it); False when it does not, or names no
    field or row."""
    response = draft.harness_response or {}
    if draft.status != Status.FAILED or response.get("step") != step:
        return False
    return _place_refusal(form, response)


def _place_refusal(form: forms.StepForm, response: dict[str, Any]) -> bool:
    """Add Harness's refusal to the field or the row it names; False when it names neither."""
    field, message = response.get("field", ""), response.get("message", "")
    if field in form.fields:
        form.add_error(field, message)
        return True
    rows = form.formsets.get(field)
    if rows is None or not response.get("row"):
        return False
    for row in rows:
        if row["key"].value() == response["row"]:
            name = response.get("row_field") if response.get("row_field") in row.fields else "value"
            row.add_error(name, message)
            return True
    return False
