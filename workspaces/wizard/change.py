"""Changing an existing workspace: an edit draft started from Harness (sending it is
`change_send`).

An edit draft (`WorkspaceDraft.kind == "edit"`) goes through the create wizard's step forms
(`steps.CHANGE_STEPS`: every step but "Start from"), prefilled by `prefill.workspace_values`
from IaCM `GET .../workspaces/{identifier}`. It keeps the workspace as read
(`workspace_snapshot`, Harness's own field names, secret values as references only) and its
`updated` (unix ms, `workspace_updated`). The identifier is fixed (`template.fixed`); a linked
template's locks are read from its version and kept in `template.locked` as for a create.

Before the PUT, `change_send.change_write` reads the workspace again: if its `updated` moved,
nothing is sent and the draft shows what changed in Harness, until the user sends it anyway
(`draft_rebase`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from workspaces.clients import harness_account_of
from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import Workspace
from workspaces.models import WorkspaceDraft
from workspaces.wizard import drafts, prefill, sources, steps, validation
from workspaces.wizard.body import locked_body_fields
from workspaces.wizard.outcomes import CHANGED_IN_HARNESS, GONE
from workspaces.wizard.rebase import link_moved, link_moved_message, rebased
from workspaces.wizard.update import updated_ms, workspace_snapshot

Status = WorkspaceDraft.Status
Kind = WorkspaceDraft.Kind


class ChangedAgain(Exception):
    """ "Send my change anyway" confirmed another state of the workspace in Harness than the
    one the draft holds now (a newer change found since, in another tab); `message` says so."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ChangeRefused(Exception):
    """The workspace cannot be changed through the steps; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- starting an edit ------------------------------------------------------------------------


def change_in_progress(
    *, owner: AbstractBaseUser, org: str, project: str, identifier: str
) -> WorkspaceDraft | None:
    """The owner's open (draft or failed) change to this workspace, or the one awaiting
    approval (a second change would be made on top of it), the latest if several: one started
    in the Harness account of their key (the same names in another account are another
    workspace), or before requests carried their account. Not one that found the workspace gone
    from Harness (`GONE`): a workspace created since under its identifier is another one, which
    that change's data and snapshot would overwrite."""
    return (
        WorkspaceDraft.objects.filter(
            owner=owner,
            kind=Kind.EDIT,
            org=org,
            project=project,
            identifier=identifier,
            account_id__in=[harness_account_of(owner), ""],
            status__in=(*drafts.OPEN, Status.AWAITING_APPROVAL),
        )
        # `has_key` first: a key missing compares as NULL, and NOT (NULL = ...) excludes it too.
        .exclude(Q(harness_response__has_key="outcome") & Q(harness_response__outcome=GONE))
        .order_by("-updated_at")
        .first()
    )


def change_refusal(workspace: Workspace) -> str:
    """Why the portal's steps cannot change `workspace` ("" when they can): the workspace page
    then offers no Edit, and a change started anyway is refused with it."""
    if workspace.provisioner in (*steps.PROVISIONERS, "terragrunt"):
        return ""
    return (
        f"{workspace.name} is provisioned with {workspace.provisioner or 'an unknown tool'}, "
        "which the portal's steps do not cover (OpenTofu or Terraform, optionally through "
        "Terragrunt). Change it in Harness."
    )


def draft_start_change(
    *, owner: AbstractBaseUser, org: str, project: str, identifier: str, client: HarnessClient
) -> WorkspaceDraft:
    """An edit draft of the workspace `identifier`, or the one `owner` already has open for it
    (`change_in_progress`: possibly awaiting approval, not editable).

    Reads the workspace (IaCM `GET .../workspaces/{identifier}`), looks up a provider
    connector whose type is unknown (NG connectors listV2) and, when the workspace is linked to
    a template, reads that version (v1 `GET .../templates/{id}/versions/{v}`) for what it locks.
    Raises ChangeRefused (a workspace the steps cannot hold, a lookup that failed: retry),
    TooManyDrafts, and the workspace read's HarnessNotFound, HarnessForbidden,
    HarnessUnauthorized, HarnessUnavailable.
    """
    open_change = change_in_progress(owner=owner, org=org, project=project, identifier=identifier)
    if open_change is not None:
        return open_change
    drafts.drafts_check_limit(owner=owner)
    workspace = client.get_workspace(org=org, project=project, identifier=identifier)
    if refusal := change_refusal(workspace):
        raise ChangeRefused(refusal)
    draft = WorkspaceDraft(
        owner=owner,
        kind=Kind.EDIT,
        org=org,
        project=project,
        account_id=client.account_id,
        name=workspace.name[:128],
        identifier=workspace.identifier,
        current_step=steps.CHANGE_STEPS[0],
        workspace_snapshot=workspace_snapshot(workspace),
        workspace_updated=updated_ms(workspace),
    )
    try:
        found = prefill.check_prefill_size(
            prefill.prefill_from_workspace(workspace), max_tags=prefill.MAX_HELD_TAGS
        )
        found, unplaced = sources.place_provider_refs(
            client=client, draft=draft, found=found, advice="."
        )
    except prefill.PrefillRefused as err:
        raise ChangeRefused(f"{workspace.name} cannot be changed here: {err.message}.") from err
    except errors.HarnessUnauthorized:
        raise
    except errors.HarnessForbidden as err:  # trying again does not help
        raise ChangeRefused(
            f"Your Harness key may not list the connectors of {org} / {project} (HTTP 403), "
            f"which the portal reads to fill in the provider connectors of {workspace.name}. "
            "Ask a Harness admin for permission to view connectors, or change the workspace "
            "in Harness."
        ) from err
    except errors.HarnessError as err:
        raise ChangeRefused(
            f"The portal could not look up the connectors of {workspace.name}: "
            f"{harness_error_message(err)} Try again."
        ) from err
    data: dict[str, Any] = {step: dict(values) for step, values in found.values.items()}
    data["basics"] |= {
        "name": workspace.name,
        "identifier": workspace.identifier,
        "identifier_edited": True,
        "identifier_checked": workspace.identifier,
        "identifier_taken": "",
    }
    if steps.follows_latest(draft.workspace_snapshot):
        # It follows Harness's latest version (`prefill` pins a copy's): the change keeps it so.
        data["provisioner"]["version"] = steps.LATEST
    data["template"] = _template_values(client=client, draft=draft, workspace=workspace)
    # The connectors as placed: while the change leaves them so, the PUT keeps the main one
    # Harness holds (`update.main_connector_held`), even one no slot shows (the Provisioner step
    # says which and why).
    data["template"]["held_connectors"] = {
        slot: data["provisioner"].get(slot, "") for slot in steps.HELD_CONNECTOR_FIELDS
    }
    if workspace.provider_connector in unplaced:
        data["template"]["main_connector_kept"] = {
            "ref": workspace.provider_connector,
            "why": unplaced[workspace.provider_connector],
        }
    locked = data["template"].get("locked", {})
    _locked_as_held(data, locked)
    if "provider_connectors" in locked_body_fields(locked):
        # The additional connectors it keeps out of the PUT are also the cloud ones Harness
        # lists beside the main one: locked as held; the main one is the change's to choose.
        for slot in steps.CLOUD_SLOTS:
            ref = data["provisioner"].get(slot, "")
            if ref and ref != workspace.provider_connector:
                locked[f"provisioner.{slot}"] = ref
    if workspace.repository and not workspace.repository_connector:
        # A Harness Code repository has no git connector (contract §2.1): the change may keep it
        # so. Only a change: a new workspace still chooses a connector.
        data["repository"]["harness_code"] = True
    for step in ("repository", "provisioner", "variables"):
        data[step] = prefill.apply_locks(data, step, steps.step_values(data, step))
    draft.data = data
    # Steps whose Harness values break a rule (a legacy Terragrunt version to choose) are marked
    # once opened, as after a clone.
    draft.step_status = validation.step_statuses(
        validation.draft_problems(data, snapshot=draft.workspace_snapshot),
        data,
        {},
        unvisited=frozenset(steps.EDITABLE_STEPS),
    )
    with transaction.atomic():
        # Two Edit clicks or tabs at once: the owner's row is locked for the check-then-create
        # (PostgreSQL; SQLite serialises writes), as for a deletion, so the second reuses the
        # first's change. The Harness reads above stay outside the lock.
        get_user_model().objects.select_for_update().get(pk=owner.pk)
        open_change = change_in_progress(
            owner=owner, org=org, project=project, identifier=identifier
        )
        if open_change is not None:
            return open_change
        drafts.drafts_check_limit(owner=owner)
        draft.save()
    return draft


def _locked_as_held(data: dict[str, Any], locked: dict[str, Any]) -> None:
    """A linked template's `locked` (changed in place) with what the workspace holds (`data`,
    prefilled from it): the template's YAML gives its own values, or says nothing (a path, the
    provider connectors: `prefill.prefill_from_template_yaml` locks step defaults), while the
    PUT leaves those fields out and Harness keeps the workspace's. A locked repository block
    keeps every repository field out, so each is locked. A version the workspace does not hold
    (no value in the steps) stays the template's, the one the step can show; one that follows
    the latest is locked as `latest`."""
    if any(path.startswith("repository.") for path in locked):
        locked |= {f"repository.{field}": None for field in steps.DEFAULTS["repository"]}
    for path in list(locked):
        step, _, field = path.partition(".")
        if step in ("repository", "provisioner") and field in steps.DEFAULTS[step]:
            held = data[step].get(field, steps.DEFAULTS[step][field])
            if path != "provisioner.version" or held:
                locked[path] = held


def _template_values(
    *, client: HarnessClient, draft: WorkspaceDraft, workspace: Workspace
) -> dict[str, Any]:
    """The hidden "Start from" step of an edit: the fixed identifier and a template's locks."""
    values: dict[str, Any] = {
        "source": "scratch",
        "applied": f"workspace:{workspace.identifier}",
        "fixed": {"basics.identifier": workspace.identifier},
    }
    link = workspace.associated_template
    if link is None:
        return values
    try:
        label, locked = sources.template_locks(
            client=client, org=draft.org, project=draft.project, link=link
        )
    except errors.HarnessUnauthorized:
        raise
    except (errors.HarnessError, prefill.PrefillRefused) as err:
        reason = (
            err.message if isinstance(err, prefill.PrefillRefused) else harness_error_message(err)
        )
        raise ChangeRefused(
            f"{workspace.name} is linked to the template {link.template_id} "
            f"{link.version}, which could not be read, so the portal cannot tell which fields "
            f"it locks: {reason} Try again, or change the workspace in Harness."
        ) from err
    return values | {
        "source": "template",
        "template_ref": link.template_id,
        "template_version": link.version or label,
        "template_mode": "linked",
        "locked": locked,
    }


def draft_rebase(*, draft: WorkspaceDraft, shown_updated: int | None) -> bool:
    """ "Send my change anyway": the workspace Harness showed at the last submit becomes the
    base of the change (`workspace_snapshot`, `workspace_updated`, and in the steps what
    `rebase.rebased` moves with it), so the PUT is what the review's "Your change sends" column
    showed. Returns False when the draft shows no such difference (already sent, rebased in
    another tab, or not an edit). Raises ChangedAgain, and nothing changes, when that workspace
    is not the one the panel confirmed showed (`shown_updated`, its `updated`; None: unknown):
    another tab found a newer change, which the person has not seen. Raises ChangeRefused, and
    nothing changes, when the workspace's template link changed (`rebase.link_moved`): start a
    new change (`link_changed_in_harness`)."""
    with transaction.atomic():
        locked = WorkspaceDraft.objects.select_for_update().get(pk=draft.pk)
        response = locked.harness_response or {}
        fresh = response.get("harness_workspace")
        if (
            not locked.is_editable
            or response.get("outcome") != CHANGED_IN_HARNESS
            or not isinstance(fresh, dict)
        ):
            return False
        if shown_updated is None or fresh.get("updated") != shown_updated:
            raise ChangedAgain(
                f"{locked.name or locked.identifier} was changed in Harness again since the "
                "comparison you confirmed, so nothing was sent. Compare what Harness holds now "
                "below, then send your change anyway or edit it first."
            )
        if link_moved(locked.workspace_snapshot or {}, fresh):
            raise ChangeRefused(link_moved_message(locked.name or locked.identifier))
        base = rebased(locked, fresh)
        locked.workspace_snapshot = base.workspace_snapshot
        locked.workspace_updated = base.workspace_updated
        locked.data = base.data
        locked.harness_response = {}
        locked.save(
            update_fields=[
                "data",
                "workspace_snapshot",
                "workspace_updated",
                "harness_response",
                "updated_at",
            ]
        )
    return True


def unconfirmed_change(*, draft: WorkspaceDraft) -> WorkspaceDraft | None:
    """A submit of an edit draft that found the workspace changed in Harness, not yet sent
    anyway (`draft_rebase`): nothing is sent, nor held for approval (an approval of it would
    find the same change and send nothing, every time), and the review's panel says so. The
    draft as it is then; None for any other draft (submit it)."""
    response = draft.harness_response or {}
    if draft.kind != Kind.EDIT or response.get("outcome") != CHANGED_IN_HARNESS:
        return None
    name = draft.name or draft.identifier
    message = (
        link_moved_message(name)
        if link_changed_in_harness(draft)
        else f"Nothing was sent, nor submitted for approval: {name} was changed in Harness "
        "since you started this change. Compare below, then send your change anyway (edit it "
        "first to keep what was changed there)."
    )
    WorkspaceDraft.objects.filter(
        pk=draft.pk,
        status__in=[Status.DRAFT, Status.FAILED],
        harness_response__outcome=CHANGED_IN_HARNESS,
    ).update(harness_response={**response, "message": message}, updated_at=timezone.now())
    draft.refresh_from_db()
    return draft


def gone_change(*, draft: WorkspaceDraft) -> WorkspaceDraft | None:
    """A submit (or "Send my change anyway") of an edit draft whose last write found its
    workspace gone from Harness (`GONE`): nothing is sent, ever again, as a workspace created
    since under its identifier is another one, which the change's data and snapshot would
    overwrite (`change_in_progress` does not resume it either). Its message says so and its
    result page offers to delete it. The draft as it is then; None for any other draft."""
    response = draft.harness_response or {}
    if draft.kind != Kind.EDIT or response.get("outcome") != GONE:
        return None
    message = (
        f"Nothing was sent: the workspace {draft.identifier} this change was made for was "
        "deleted from Harness. A workspace created since under that identifier is another one, "
        "which this change would overwrite. Delete this request; to change a workspace of that "
        "name now, open it from the project's workspaces and choose Edit."
    )
    WorkspaceDraft.objects.filter(
        pk=draft.pk, status__in=[Status.DRAFT, Status.FAILED], harness_response__outcome=GONE
    ).update(harness_response={**response, "message": message}, updated_at=timezone.now())
    draft.refresh_from_db()
    return draft


def link_changed_in_harness(draft: WorkspaceDraft) -> bool:
    """Whether the edit `draft`, open, found its workspace's template link changed in Harness
    at its last submit (`rebase.link_moved`): it cannot be sent, only started again."""
    response = draft.harness_response or {}
    fresh = response.get("harness_workspace")
    return (
        draft.is_editable
        and response.get("outcome") == CHANGED_IN_HARNESS
        and isinstance(fresh, dict)
        and link_moved(draft.workspace_snapshot or {}, fresh)
    )
