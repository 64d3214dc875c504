"""Writes for workspace drafts: create, save a step, submit exactly once, delete.

Every function is keyword-only and named `draft_<verb>`. Harness is called only through the
`HarnessClient` passed in; the draft never holds a key or a secret value.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from workspaces import wizard
from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.models import WorkspaceDraft

logger = logging.getLogger("workspaces.drafts")
Status = WorkspaceDraft.Status


def reconcile_seconds() -> float:
    """How long a submit that timed out keeps checking whether Harness created it anyway."""
    return float(getattr(settings, "WIZARD_RECONCILE_SECONDS", 3.0))


def stale_submit_seconds() -> float:
    """A draft left "submitting" this long (a crashed worker) is checked again on its page."""
    return float(getattr(settings, "WIZARD_STALE_SUBMIT_SECONDS", 120))


class DraftNotEditable(Exception):
    """The draft is being submitted or was created; it cannot change any more."""


class PrefillFailed(Exception):
    """The template or workspace to start from could not be read from Harness."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def draft_create(*, owner: AbstractBaseUser, org: str, project: str) -> WorkspaceDraft:
    """A new, empty draft for a workspace in `org`/`project`."""
    return WorkspaceDraft.objects.create(
        owner=owner, org=org, project=project, current_step=wizard.STEPS[0]
    )


def draft_delete(*, draft_id, owner: AbstractBaseUser) -> bool:
    """Delete one of `owner`'s drafts unless it is being submitted. Returns whether it was."""
    deleted, _ = (
        WorkspaceDraft.objects.filter(pk=draft_id, owner=owner)
        .exclude(status=Status.SUBMITTING)
        .delete()
    )
    return bool(deleted)


@dataclass(frozen=True)
class StepSaved:
    draft: WorkspaceDraft
    errors: dict[str, list[str]]
    notice: str = ""


def draft_save_step(
    *,
    draft: WorkspaceDraft,
    step: str,
    values: dict[str, Any],
    client: HarnessClient | None = None,
) -> StepSaved:
    """Save a step's values as typed (valid or not), and re-check every step.

    Locked values of a linked template are forced back. Saving the template step with a new
    choice reads the template (v1 `GET .../templates/{id}/versions/{v}`) or the workspace to
    clone (IaCM `GET .../workspaces/{id}`) and prefills the later steps; if that read fails the
    choice is saved, nothing is prefilled and `notice` says why. Later steps that are no longer
    valid are flagged. Raises DraftNotEditable once the draft is submitting or created.
    """
    if step not in wizard.EDITABLE_STEPS:
        raise ValueError(f"unknown step {step!r}")
    notice = ""
    prefill: wizard.Prefill | None = None
    if step == "template" and client is not None:
        marker = _prefill_marker(values)
        current = wizard.step_values(draft.data, "template")
        if marker and marker != current.get("applied"):
            try:
                prefill = _prefill_for(client=client, draft=draft, values=values)
            except PrefillFailed as err:
                notice = err.message
            else:
                values = {**values, "applied": marker, "locked": prefill.locked}
        elif marker:
            values = {**values, "applied": marker, "locked": current.get("locked", {})}
        else:
            values = {**values, "applied": "", "locked": {}}
    with transaction.atomic():
        locked_draft = WorkspaceDraft.objects.select_for_update().get(pk=draft.pk)
        if not locked_draft.is_editable:
            raise DraftNotEditable
        data = dict(locked_draft.data)
        before = data.get(step)
        values = wizard.apply_locks(data, step, {**wizard.step_values(data, step), **values})
        if step == "basics" and not values.get("identifier_edited") and not values["identifier"]:
            values["identifier"] = wizard.identifier_from_name(str(values["name"]))
        data[step] = values
        if prefill is not None:
            data = wizard.apply_prefill(data, prefill)
            for later in ("repository", "provisioner", "variables"):
                data[later] = wizard.apply_locks(data, later, wizard.step_values(data, later))
        locked_draft.data = data
        locked_draft.step_status = wizard.step_statuses(data, locked_draft.step_status)
        locked_draft.current_step = step
        basics = wizard.step_values(data, "basics")
        locked_draft.name = str(basics["name"])[:128]
        locked_draft.identifier = str(basics["identifier"])[:128]
        response = dict(locked_draft.harness_response)
        if response.get("step") == step and before != values:
            # The user changed the step Harness complained about: the complaint is stale.
            response.pop("step", None)
            response.pop("field", None)
        locked_draft.harness_response = response
        locked_draft.save()
    return StepSaved(
        draft=locked_draft, errors=wizard.validate_step(step, locked_draft.data), notice=notice
    )


def draft_paste_variables(
    *, draft: WorkspaceDraft, group: str, lines: list[wizard.PastedLine]
) -> StepSaved:
    """Add the error-free pasted lines to a variable group (as text values), replacing an
    existing row with the same key only when that row is empty."""
    rows = wizard.step_values(draft.data, "variables")[group]
    rows = [row for row in rows if row.get("key") or row.get("value")]
    keys = {row.get("key") for row in rows}
    for line in lines:
        if line.error or line.key in keys:
            continue
        rows.append({"key": line.key, "value": line.value, "value_type": "string"})
        keys.add(line.key)
    values = wizard.step_values(draft.data, "variables")
    values[group] = rows
    return draft_save_step(draft=draft, step="variables", values=values)


# --- template and clone prefill --------------------------------------------------------------


def _prefill_marker(values: dict[str, Any]) -> str:
    source = values.get("source")
    if source == "template" and values.get("template_ref") and values.get("template_version"):
        mode = values.get("template_mode", "linked")
        return f"template:{values['template_ref']}:{values['template_version']}:{mode}"
    if source == "clone" and values.get("clone_identifier"):
        return f"clone:{values['clone_identifier']}"
    return ""


def _prefill_for(
    *, client: HarnessClient, draft: WorkspaceDraft, values: dict[str, Any]
) -> wizard.Prefill:
    try:
        if values["source"] == "template":
            template = client.get_template(
                org=draft.org,
                project=draft.project,
                identifier=values["template_ref"],
                version=values["template_version"],
            )
            try:
                parsed = yaml.safe_load(template.yaml)
            except yaml.YAMLError as err:
                raise PrefillFailed("The template's YAML could not be read.") from err
            prefill = wizard.prefill_from_template_yaml(
                parsed if isinstance(parsed, dict) else {},
                linked=values.get("template_mode") == "linked",
            )
        else:
            workspace = client.get_workspace(
                org=draft.org, project=draft.project, identifier=values["clone_identifier"]
            )
            prefill = wizard.prefill_from_workspace(workspace)
        return _place_provider_refs(client=client, draft=draft, prefill=prefill)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessNotFound as err:
        raise PrefillFailed(
            "Harness could not find it any more; choose another one. Your choice is saved."
        ) from err
    except errors.HarnessError as err:
        raise PrefillFailed(
            f"Nothing was prefilled: {harness_error_message(err)} Save the step again to retry."
        ) from err


def _place_provider_refs(
    *, client: HarnessClient, draft: WorkspaceDraft, prefill: wizard.Prefill
) -> wizard.Prefill:
    """Put provider connector refs whose type is unknown into their slot (aws, gcp, ...)."""
    for ref in prefill.provider_refs:
        identifier = ref.rsplit(".", 1)[-1]
        page = client.list_connectors(
            org=draft.org,
            project=draft.project,
            types=[kind for kind, _label in wizard.PROVIDER_TYPES.values()],
            search=identifier,
            limit=50,
        )
        for connector in page.items:
            if connector.ref == ref:
                slot = next(
                    s for s, (k, _l) in wizard.PROVIDER_TYPES.items() if k == connector.type
                )
                prefill = prefill.with_provider(slot, ref)
                break
    return prefill


# --- submit ----------------------------------------------------------------------------------


def draft_submit(*, draft: WorkspaceDraft, client: HarnessClient) -> WorkspaceDraft:
    """Create the workspace in Harness exactly once: IaCM `POST .../workspaces`.

    Every step is validated again first (an invalid draft is not sent and its steps are
    flagged). Then one atomic UPDATE moves the draft from draft/failed to submitting: only the
    request that wins it calls Harness, every other one just returns the draft as it is.
    After a timeout or a 5xx, `GET .../workspaces/{identifier}` decides what happened before
    anything else; a retry after an unclear outcome checks first too. Harness 400s (field
    errors, policy denials) and 409s put the draft back to `failed` with the message attached
    to the step and field concerned. HarnessUnauthorized returns the draft to `draft` and
    propagates (the user must enter a new key).
    """
    problems = wizard.validate_draft(draft.data)
    if problems:
        draft.step_status = wizard.step_statuses(draft.data, draft.step_status)
        draft.save(update_fields=["step_status", "updated_at"])
        return draft
    body = wizard.build_body(draft.data)
    now = timezone.now()
    won = WorkspaceDraft.objects.filter(
        pk=draft.pk, owner=draft.owner, status__in=[Status.DRAFT, Status.FAILED]
    ).update(
        status=Status.SUBMITTING,
        submitted_at=now,
        submitted_body=body,
        identifier=body["identifier"],
        name=body["name"],
        updated_at=now,
    )
    if not won:
        draft.refresh_from_db()
        return draft
    previous = draft.harness_response or {}
    outcome: dict[str, Any] | None = None
    status = Status.FAILED
    try:
        if previous.get("outcome") in {"unavailable", "unknown"}:
            # The last attempt may have created it: look before posting again.
            found = _find(client=client, draft=draft, identifier=body["identifier"])
            if found:
                status, outcome = Status.CREATED, _created("Created on an earlier attempt.")
        if outcome is None:
            status, outcome = _post(client=client, draft=draft, body=body, previous=previous)
    except errors.HarnessUnauthorized:
        WorkspaceDraft.objects.filter(pk=draft.pk).update(status=Status.DRAFT)
        raise
    finally:
        if outcome is None:  # an unexpected error: never leave the draft stuck in submitting
            outcome = {
                "outcome": "error",
                "message": "Something went wrong while submitting. Try again.",
            }
        WorkspaceDraft.objects.filter(pk=draft.pk, status=Status.SUBMITTING).update(
            status=status, harness_response=outcome, updated_at=timezone.now()
        )
    draft.refresh_from_db()
    logger.info("draft %s submitted: %s", draft.pk, outcome.get("outcome"))
    return draft


def _created(message: str = "", warnings: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"outcome": "created", "message": message, "warnings": list(warnings)}


def _post(
    *, client: HarnessClient, draft: WorkspaceDraft, body: dict[str, Any], previous: dict
) -> tuple[str, dict[str, Any]]:
    try:
        result = client.create_workspace(org=draft.org, project=draft.project, body=body)
    except errors.HarnessValidationError as err:
        deny = list(err.deny_messages)
        if deny:
            return Status.FAILED, {
                "outcome": "policy_denied",
                "message": "Harness policies denied this workspace.",
                "deny_messages": deny,
                "step": "review",
            }
        step, field = wizard.field_location(err.field)
        return Status.FAILED, {
            "outcome": "invalid",
            "message": harness_error_message(err),
            "harness_field": err.field or "",
            "step": step,
            "field": field,
        }
    except errors.HarnessConflict as err:
        if previous.get("outcome") in {"unavailable", "unknown"}:
            found = _find(client=client, draft=draft, identifier=body["identifier"])
            if found and _looks_like(found, body):
                return Status.CREATED, _created("Created on an earlier attempt.")
        return Status.FAILED, {
            "outcome": "conflict",
            "message": (
                f"A workspace with the identifier {body['identifier']} already exists in this "
                "project. Choose another identifier."
            ),
            "harness_message": err.message,
            "step": "basics",
            "field": "identifier",
        }
    except errors.HarnessUnavailable as err:
        return _reconcile(client=client, draft=draft, body=body, err=err)
    except (errors.HarnessForbidden, errors.HarnessNotFound, errors.HarnessRateLimited) as err:
        return Status.FAILED, {"outcome": "refused", "message": harness_error_message(err)}
    return Status.CREATED, _created(warnings=result.warnings)


def _reconcile(
    *,
    client: HarnessClient,
    draft: WorkspaceDraft,
    body: dict[str, Any],
    err: errors.HarnessUnavailable,
) -> tuple[str, dict[str, Any]]:
    """After a timeout or 5xx: did Harness create it? GET the identifier before anything else.

    A timeout (no answer at all) may mean Harness is still working, so it is checked for a few
    seconds; a 5xx is an answer and is checked once.
    """
    deadline = time.monotonic() + (reconcile_seconds() if err.status is None else 0)
    while True:
        try:
            found = _find(client=client, draft=draft, identifier=body["identifier"])
        except errors.HarnessUnauthorized:
            raise
        except errors.HarnessError:
            return Status.FAILED, {
                "outcome": "unknown",
                "message": (
                    "Harness did not answer, and the portal could not check whether the "
                    "workspace was created. Submit again: the portal checks first, so it is "
                    "never created twice."
                ),
            }
        if found:
            return Status.CREATED, _created("Harness was slow to answer, but it was created.")
        if time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    return Status.FAILED, {
        "outcome": "unknown" if err.status is None else "unavailable",
        "message": (
            "Harness did not answer in time and the workspace does not exist yet. "
            "Submit again when you are ready: the portal checks first, so it is never "
            "created twice."
            if err.status is None
            else "Harness had a problem and the workspace was not created. Submit again."
        ),
    }


def _find(*, client: HarnessClient, draft: WorkspaceDraft, identifier: str):
    """The workspace if it exists (IaCM `GET .../workspaces/{identifier}`), else None."""
    try:
        return client.get_workspace(org=draft.org, project=draft.project, identifier=identifier)
    except errors.HarnessNotFound:
        return None


def _looks_like(workspace, body: dict[str, Any]) -> bool:
    return (
        workspace.name == body["name"]
        and workspace.repository == body["repository"]
        and workspace.provisioner == body["provisioner"]
    )


def draft_reconcile_stale(*, draft: WorkspaceDraft, client: HarnessClient) -> WorkspaceDraft:
    """A draft stuck in `submitting` (its worker died): decide by a GET of the identifier."""
    if draft.status != Status.SUBMITTING or draft.submitted_at is None:
        return draft
    age = (timezone.now() - draft.submitted_at).total_seconds()
    if age < stale_submit_seconds():
        return draft
    try:
        found = _find(client=client, draft=draft, identifier=draft.identifier)
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError:
        return draft
    status, outcome = (
        (Status.CREATED, _created())
        if found
        else (
            Status.FAILED,
            {"outcome": "unknown", "message": "The submit did not finish. Submit again."},
        )
    )
    WorkspaceDraft.objects.filter(pk=draft.pk, status=Status.SUBMITTING).update(
        status=status, harness_response=outcome
    )
    draft.refresh_from_db()
    return draft
