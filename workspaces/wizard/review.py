"""What the wizard's review page gets: the exact body, the steps still to fix, and one section
of values a step. Data only; the template renders it.
"""

from __future__ import annotations

import json
from typing import Any

from workspaces.approvals.selectors import approval_hold
from workspaces.export import draft_export
from workspaces.models import WorkspaceDraft
from workspaces.wizard import budgets, diff, pages, sources, steps, validation
from workspaces.wizard.body import build_body, stored_steps, warnings
from workspaces.wizard.rebase import rebased


def review_context(draft: WorkspaceDraft, *, account_id: str = "") -> dict[str, Any]:
    """The review page: the exact body, the steps still to fix, warnings, one section a step;
    `account_id` (the owner's Harness account) goes into the exported API call."""
    context = pages.common_context(draft, "review")
    body = build_body(stored_steps(draft.data))
    # The review's sections show every value, the locked ones too (the JSON is what is sent).
    shown = build_body(stored_steps(draft.data), keep_locked=True)
    problems = validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot)
    for item in context["steps"]:
        # The step list agrees with the review's list of steps to fix, opened yet or not.
        if item["slug"] in problems and item["status"] != "refused":
            item["status"] = "invalid"
    context.update(
        {
            "body": body,
            "body_json": json.dumps(body, indent=2, sort_keys=False),
            "problems": [_problem(draft, step, found) for step, found in problems.items()],
            "warnings": warnings(shown),
            "sections": review_sections(draft, shown),
            # A rule that would hold it is said before the submit, not only after it.
            "hold": approval_hold(draft=draft, tags=body.get("tags") or {}),
            "not_copied": sources.copy_leaves_out(steps.step_values(draft.data, "template")),
        }
    )
    if draft.kind == WorkspaceDraft.Kind.EDIT:
        # The PUT body replaces the create body; the sections above show the same values.
        context.update(diff.change_review(draft))
        if context["changed_in_harness"]:
            # The panel's "Send my change anyway" submits the change rebased on the workspace
            # Harness showed: the gate reads that one's tags (a rule may hold those, not these).
            fresh = draft.harness_response["harness_workspace"]
            context["hold"] = approval_hold(
                draft=rebased(draft, fresh), tags=body.get("tags") or {}
            )
    else:
        # A new workspace as code (a change's workspace is exported from its own page).
        context["export"] = draft_export(draft=draft, account_id=account_id, body=body)
    return context


# A step a draft does not show (a change's Start from holds the workspace's template link): its
# problem is said on the review, with no link to a page that is not there.
HIDDEN_STEPS = {
    "template": (
        "Template link",
        "the template this workspace is linked to in Harness, which a change does not edit: "
        "change the link in Harness, or delete this request",
    )
}


def _problem(draft: WorkspaceDraft, step: str, found: dict[str, list[str]]) -> dict[str, Any]:
    """One line of the review's steps to fix: a link to the step, or, for a step the draft does
    not show, what it is instead (`HIDDEN_STEPS`)."""
    shown = pages.shows_step(draft, step)
    title, note = (steps.STEP_TITLES[step], "")
    if not shown:
        title, note = HIDDEN_STEPS.get(step, (title, "a setting a change does not edit"))
    return {
        "step": step,
        "title": title,
        "note": note,
        "url": pages.step_url(draft, step) if shown else "",
        "count": len(found),
        "first": next(iter(found.values()))[0],
    }


def _start_label(template: dict[str, Any]) -> str:
    if template["source"] == "template":
        return (
            f"{steps.TEMPLATE_MODES.get(template['template_mode'], '')}: "
            f"{template['template_ref']} {template['template_version']}"
        )
    if template["source"] == "clone":
        return f"Copy of {template['clone_identifier']}"
    if template["source"] == "code":
        return f"From code ({(template.get('code_report') or {}).get('kind', 'pasted')})"
    return "From scratch"


def review_sections(draft: WorkspaceDraft, body: dict[str, Any]) -> list[dict]:
    fetch = steps.step_values(draft.data, "repository")["fetch_type"]
    # A repository value a linked template locks empty is the template's (`pages.TEMPLATE_SETS`).
    locks = steps.step_locks(draft.data, "repository")
    ref, path = body.get(steps.FETCH_FIELDS.get(fetch, ""), ""), body["repository_path"]
    ref = ref or (pages.TEMPLATE_SETS if fetch in locks else "")
    path = path or (pages.TEMPLATE_SETS if "path" in locks else "(root)")
    providers = ", ".join(f"{c['type']}: {c['connector_ref']}" for c in body["provider_connectors"])
    cost = "On" if body["cost_estimation_enabled"] else "Off"
    if "budget" in body:
        cost += f", budget {budgets.budget_shown(body['budget'])} a month"
    kind = steps.PROVISIONERS.get(body["provisioner"], body["provisioner"])
    terragrunt = ""
    if body.get("terragrunt_provider"):
        run_all = ", run all modules" if body.get("run_all") else ""
        terragrunt = f" through Terragrunt {body['terragrunt_version']}{run_all}"
    rows = {
        "template": [("Start", _start_label(steps.step_values(draft.data, "template")))],
        "basics": [
            ("Name", body["name"]),
            ("Identifier", body["identifier"]),
            ("Description", body["description"] or "—"),
            ("Tags", ", ".join(f"{k}={v}" for k, v in body["tags"].items()) or "—"),
        ],
        "repository": [
            ("Connector", body["repository_connector"]),
            ("Repository", body["repository"]),
            (steps.FETCH_TYPES.get(fetch, "Ref"), ref),
            ("Folder", path),
            ("Submodules", steps.SUBMODULES.get(body["repository_submodules"], "")),
        ],
        "provisioner": [
            ("Provisioner", f"{kind} {body['provisioner_version']}{terragrunt}"),
            ("Provider connectors", providers or "None"),
            ("Main cloud connector", body.get("provider_connector") or "None"),
            ("Cost estimation", cost),
        ],
    }
    sections = [
        {"step": step, "title": steps.STEP_TITLES[step], "rows": rows[step]}
        for step in steps.step_order(draft.kind)
        if step in rows
    ]
    sections.append(
        {
            "step": "variables",
            "title": steps.STEP_TITLES["variables"],
            "variables": [
                (steps.VARIABLE_GROUPS[group], list(body[f"{group}_variables"].values()))
                for group in steps.VARIABLE_GROUPS
            ],
        }
    )
    for section in sections:
        section["url"] = pages.step_url(draft, section["step"])
    return sections
