"""Writes for workspace drafts: create, save a step (with template/clone prefill), delete.

Every function is keyword-only and named `draft_<verb>`. Harness is called only through the
`HarnessClient` passed in; the draft never holds a key or a secret value. Submitting lives in
`submit.py`.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from workspaces.clients import NoHarnessCredential, harness_account_of
from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.models import WorkspaceDraft
from workspaces.wizard import (
    code_prefill,
    forms,
    from_code,
    pickers,
    prefill,
    sources,
    steps,
    validation,
    versions,
)
from workspaces.wizard.outcomes import refusal_answered
from workspaces.wizard.sources import PrefillFailed

Status = WorkspaceDraft.Status
OPEN = (Status.DRAFT, Status.FAILED)
# A deletion whose page was opened but never confirmed: a page, not a request yet (not listed in
# My requests, not counted against the limit, reused by the next visit). Confirming sets
# `submitted_at` (the claim before the DELETE, or the approval gate), and it stays set when the
# request comes back to its author as a draft (changed in Harness, a 401, withdrawn from approval):
# that one is a request to confirm again.
UNCONFIRMED_DELETION = Q(
    kind=WorkspaceDraft.Kind.DELETE, status=Status.DRAFT, submitted_at__isnull=True
)


class DraftNotEditable(Exception):
    """The draft is being submitted or was created; it cannot change any more."""


class TooManyDrafts(Exception):
    """The user already keeps `WIZARD_MAX_OPEN_DRAFTS` open drafts."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def draft_create(*, owner: AbstractBaseUser, org: str, project: str) -> WorkspaceDraft:
    """A new, empty draft for a workspace in `org`/`project`, in the Harness account of
    `owner`'s key. Raises TooManyDrafts (see `drafts_check_limit`), and NoHarnessCredential
    without a key: a request in no account could later be sent with a key for any.

    Never an earlier empty one: another tab may be showing it (two tabs would become one
    request). A double click on "Start a new request" is held by the button; a draft left empty
    is listed in My requests to continue or delete, and expires (`drafts_expire`).
    """
    account_id = harness_account_of(owner)
    if not account_id:
        raise NoHarnessCredential
    with transaction.atomic():
        # Starts at the same moment (two tabs, a script): the owner's row is locked for the
        # check-then-create (PostgreSQL; SQLite serialises writes), as for a change or a
        # deletion, so no more drafts than the limit are ever created.
        get_user_model().objects.select_for_update().get(pk=owner.pk)
        drafts_check_limit(owner=owner)
        return WorkspaceDraft.objects.create(
            owner=owner,
            org=org,
            project=project,
            account_id=account_id,
            current_step=steps.STEPS[0],
        )


def drafts_check_limit(*, owner: AbstractBaseUser) -> None:
    """Raise TooManyDrafts when `owner` keeps `WIZARD_MAX_OPEN_DRAFTS` open (draft or failed)
    drafts of any kind: each is stored and re-validated, so their number is bounded per user.
    A deletion never confirmed (`UNCONFIRMED_DELETION`: an open confirmation page, not listed
    in My requests) does not count: the person could not see or delete it. A check before a
    create holds only with the owner's row locked in the same transaction (`draft_create`)."""
    open_drafts = (
        WorkspaceDraft.objects.filter(owner=owner, status__in=OPEN)
        .exclude(UNCONFIRMED_DELETION)
        .count()
    )
    if open_drafts >= settings.WIZARD_MAX_OPEN_DRAFTS:
        raise TooManyDrafts(
            f"You already have {open_drafts} open requests, the most one person can keep. "
            "Finish or delete some in My requests before starting another."
        )


def drafts_expire(*, max_age_days: int) -> int:
    """Delete open (draft or failed) drafts untouched for `max_age_days` days; how many.

    Drafts being submitted and created ones (the record of what was sent) are kept, a draft
    submitted while this runs too (`drafts_delete`).
    """
    cutoff = timezone.now() - timedelta(days=max_age_days)
    return len(
        drafts_delete(drafts=WorkspaceDraft.objects.filter(status__in=OPEN, updated_at__lt=cutoff))
    )


def draft_delete(*, draft_id, owner: AbstractBaseUser) -> bool:
    """Delete one of `owner`'s drafts unless it is being submitted. Returns whether it was."""
    return bool(drafts_delete(drafts=WorkspaceDraft.objects.filter(pk=draft_id, owner=owner)))


def drafts_delete(*, drafts: QuerySet[WorkspaceDraft]) -> list[uuid.UUID]:
    """Delete those of `drafts` not being submitted; the ids of the drafts deleted (with them
    go their approvals and rule links).

    `QuerySet.delete` alone reads the rows, then deletes them by id: a submit or an approval
    claiming one in between (`submitting`) would see its request deleted on its way to Harness.
    Here one transaction first locks the rows that still match (PostgreSQL's FOR UPDATE, which
    reads a row again once a claim holding it commits; on SQLite the transaction holds the
    write lock from its start, `transaction_mode` IMMEDIATE), then deletes those: a claim
    committed first keeps its draft, a later one waits, then finds the draft gone.
    """
    with transaction.atomic():
        deletable = drafts.exclude(status=Status.SUBMITTING).select_for_update(of=("self",))
        ids = list(deletable.values_list("pk", flat=True))
        WorkspaceDraft.objects.filter(pk__in=ids).delete()  # locked: each one goes
    return ids


def _identifier_taken(
    *, client: HarnessClient, draft: WorkspaceDraft, values: dict[str, Any]
) -> dict[str, str]:
    """Basics' `identifier_checked`/`identifier_taken` for the identifier being saved.

    The live check's IaCM `GET .../workspaces/{identifier}`, made only when the identifier
    changed since the last check, and never of one held for an unclear create (the earlier
    attempt's workspace is not "taken": the submit looks for it); a check that could not be made
    records nothing (made again on the next save, and at submit). HarnessUnauthorized propagates.
    """
    basics = steps.step_values(draft.data, "basics")
    identifier = steps.identifier_follows_name(basics, values)["identifier"]
    if steps.identifier_held(draft.data) or identifier in ("", basics.get("identifier_checked")):
        return {}
    check = pickers.identifier_check(
        client=client, org=draft.org, project=draft.project, identifier=identifier
    )
    if check.state not in {"ok", "taken"}:
        return {}
    taken = identifier if check.state == "taken" else ""
    return {"identifier_checked": identifier, "identifier_taken": taken}


@dataclass(frozen=True)
class StepSaved:
    """The saved draft and the step's form bound with what was stored (validated once)."""

    draft: WorkspaceDraft
    form: forms.StepForm
    problems: dict[str, list[str]]
    notice: str = ""

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.problems


def draft_save_step(
    *,
    draft: WorkspaceDraft,
    step: str,
    values: dict[str, Any],
    client: HarnessClient | None = None,
    prefilled: prefill.Prefill | None = None,
) -> StepSaved:
    """Save a step's values as typed (valid or not), and re-check every step.

    Locked values of a linked template are forced back. Saving the template step with a new
    choice reads the template (v1 `GET .../templates/{id}/versions/{v}`) or the workspace to
    clone (IaCM `GET .../workspaces/{id}`) and prefills the later steps; if that read fails the
    choice is saved, nothing is prefilled and `notice` says why. Later steps that are no longer
    valid are flagged. Saving Basics with a client asks Harness whether its identifier is taken
    (see `_identifier_taken`), so a taken one fails the step's rules. Raises DraftNotEditable
    once the draft is submitting or created. HarnessUnauthorized from any of these reads is
    raised once the values are saved without what it would have added (a revoked key loses
    nothing typed). `prefilled`: what the caller read for the template step's `values` (pasted
    code, `draft_start_from_code`).
    """
    if step not in steps.EDITABLE_STEPS:
        raise ValueError(f"unknown step {step!r}")
    notice = ""
    unauthorized: errors.HarnessUnauthorized | None = None
    found: prefill.Prefill | None = prefilled if step == "template" else None
    if step == "template" and found is None and client is not None:
        # Only a choice whose values pass the step's rules is read from Harness.
        current = steps.step_values(draft.data, "template")
        chosen = forms.TemplateForm(
            data=validation.step_data(step, {**current, **values}), draft_data=draft.data
        ).choice_complete()
        marker = sources.prefill_marker(values) if chosen else ""
        if marker and marker != current.get("applied"):
            try:
                found = sources.prefill_for(client=client, draft=draft, values=values)
            except PrefillFailed as err:
                # Not applied: Start from says so (`TemplateForm`) until a save reads it.
                notice = err.message
            except errors.HarnessUnauthorized as err:  # not applied either; raised once saved
                unauthorized = err
            else:
                # The marker of what was read (a bare template id becomes its scoped ref).
                marker = sources.prefill_marker(values)
                values = {**values, "applied": marker, "locked": found.locked}
        elif marker:
            values = {**values, "applied": marker, "locked": current.get("locked", {})}
        elif values.get("source") in {"code", "template", "clone"}:
            # Nothing new applied: code fills the draft in only when pasted
            # (`draft_start_from_code`), a template or a workspace once picked (arrow keys through
            # the radios save each one on the way). What was applied, and what a linked template
            # locks, stay until another choice is applied or scratch is chosen: they are read
            # from the row as locked below, so a paste saved meanwhile (this save being the
            # textarea's autosave, sent with it) is kept.
            kept = ("applied", "code_report", "locked")
            values = {k: v for k, v in values.items() if k not in kept}
        else:
            values = {**values, "applied": "", "locked": {}}
            found = prefill.Prefill({}, {})  # none chosen: what the earlier one filled in goes
    try:
        if step == "basics" and client is not None:
            values = {**values, **_identifier_taken(client=client, draft=draft, values=values)}
        if step == "provisioner" and client is not None:
            values = {
                **values,
                **versions.versions_to_choose(client=client, draft=draft, values=values),
            }
    except errors.HarnessUnauthorized as err:  # raised once what was typed is saved
        unauthorized = err
    with transaction.atomic():
        locked_draft = WorkspaceDraft.objects.select_for_update().get(pk=draft.pk)
        locked_draft.owner = draft.owner  # as the caller has it (`views._own_draft`): no re-read
        if not locked_draft.is_editable:
            raise DraftNotEditable
        data = dict(locked_draft.data)
        before = data.get(step)
        values = prefill.apply_locks(data, step, {**steps.step_values(data, step), **values})
        if step == "basics" and "basics.identifier" not in steps.fixed_or_held(data):
            values = steps.identifier_follows_name(before or {}, values)
        data[step] = values
        if found is not None:
            data = prefill.apply_prefill(
                data, found, source=sources.prefill_source(values), previous=before
            )
            for later in ("basics", "repository", "provisioner", "variables"):
                data[later] = prefill.apply_locks(data, later, steps.step_values(data, later))
        # Every step is validated once, on what is stored: the statuses and this step's form.
        bound = {
            name: validation.bind_step(name, data, snapshot=locked_draft.workspace_snapshot)
            for name in steps.EDITABLE_STEPS
        }
        problems = {name: form.problems() for name, form in bound.items()}
        locked_draft.data = data
        locked_draft.step_status = validation.step_statuses(
            {name: found_ for name, found_ in problems.items() if found_},
            data,
            locked_draft.step_status,
            # Steps a template or clone filled in are not marked invalid before they are opened.
            unvisited=frozenset(steps.EDITABLE_STEPS) - {step},
        )
        locked_draft.current_step = step
        basics = steps.step_values(data, "basics")
        locked_draft.name = str(basics["name"])[:128]
        locked_draft.identifier = str(basics["identifier"])[:128]
        response = dict(locked_draft.harness_response)
        if response.get("step") == step and refusal_answered(response, step, before, values):
            # The user changed what Harness complained about: the complaint is stale.
            for key in ("step", "field", "row", "row_field"):
                response.pop(key, None)
        locked_draft.harness_response = response
        locked_draft.save()
    if unauthorized is not None:
        raise unauthorized
    return StepSaved(draft=locked_draft, form=bound[step], problems=problems[step], notice=notice)


def draft_start_from_code(
    *, draft: WorkspaceDraft, imported: from_code.CodeImport, client: HarnessClient
) -> StepSaved:
    """Start `draft` from pasted code (`from_code.read_code`): the values it states fill in the
    steps, in one save of Start from; what it leaves out stays as typed. Code that links a
    template starts from that template, linked, as choosing it would (v1
    `GET .../templates/{id}/versions/{v}`; its locks hold), with the code's values over the
    template's. A provider connector whose type the code does not say is looked up as a clone's
    is (`place_provider_refs`), and its identifier checked as Basics' is (IaCM
    `GET .../workspaces/{identifier}`). Raises PrefillFailed, with nothing saved, when the
    template cannot be read, a lookup fails or the values do not fit a draft;
    DraftNotEditable and HarnessUnauthorized propagate.
    """
    found = code_prefill.code_prefill(imported)
    # Only what the code states is written: the rest stays as typed, or the linked template's.
    pasted = code_prefill.pasted_values(imported, found)
    values: dict[str, Any] = {"source": "code", "applied": f"code:{imported.digest}", "locked": {}}
    link = imported.template_link
    if not link:
        found = dataclasses.replace(found, values=pasted)
    else:
        values = {
            "source": "template",
            "template_ref": link["template_id"],
            "template_version": link["version"],
            "template_mode": "linked",
        }
        try:
            template = sources.prefill_for(client=client, draft=draft, values=values)
        except PrefillFailed as err:
            raise PrefillFailed(
                f"Nothing was filled in: the code links the template {link['template_id']} "
                f"(version {link['version']}), which could not be used. {err.reason} Try again, "
                "or leave the link out to start without the template."
            ) from err
        merged = {
            step: {**template.values.get(step, {}), **pasted.get(step, {})}
            for step in {*template.values, *found.values}
        }
        # Only what the code states replaces what was typed (not the template's description).
        stated = {f"{step}.{name}" for step, fields in pasted.items() for name in fields}
        found = prefill.Prefill(
            merged, template.locked, found.provider_refs, found.overrides & stated
        )
        values |= {"applied": sources.prefill_marker(values), "locked": found.locked}
    # Pasted back, an export names its own workspace: Basics says so at once (the live check of
    # the identifier Basics will hold).
    basics = found.values.setdefault("basics", {})
    typed = steps.step_values(draft.data, "basics")
    checked = _identifier_taken(client=client, draft=draft, values={**typed, **basics})
    basics |= checked
    found = dataclasses.replace(found, overrides=found.overrides | {f"basics.{f}" for f in checked})
    try:
        found, unplaced = sources.place_provider_refs(client=client, draft=draft, found=found)
        found = prefill.check_prefill_size(found)
    except prefill.PrefillRefused as err:
        raise PrefillFailed(f"Nothing was filled in: {err.message}.") from err
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessError as err:
        raise PrefillFailed(
            "Nothing was filled in: the type of the code's provider connector could not be "
            f"looked up. {harness_error_message(err)} Try again."
        ) from err
    # A main provider connector not placed, or a pasted value a lock replaces (the template's
    # value is sent), is a line not used.
    main = imported.body.get("provider_connector")
    if main in unplaced:
        imported = imported.not_used({"provider_connector": unplaced[main]})
    imported = code_prefill.locked_out(imported, found)
    values["code_report"] = {**imported.report(), "applied": values["applied"]}
    return draft_save_step(draft=draft, step="template", values=values, prefilled=found)
