"""What the deletion pages show: whether a workspace can be deleted, and what goes with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workspaces.harness.types import Workspace
from workspaces.models import WorkspaceDraft

DELETABLE_STATUS = "inactive"  # contract §2 W5 and DH delete-workspace.md


def deletion_blocker(*, workspace: Workspace, forbidden: bool = False) -> str:
    """Why `workspace` cannot be deleted from here now, in words; "" when it can.

    `forbidden`: Harness refused this key a deletion in the project (a 403 remembered for the
    session, `workspaces.forbidden`). Otherwise Harness deletes only `inactive` workspaces
    (contract W5; the fake answers 409 otherwise).
    """
    if forbidden:
        return (
            f"Your Harness key cannot delete workspaces in {workspace.org} / "
            f"{workspace.project}: Harness refused a deletion from it (HTTP 403) in this "
            "session. Ask a Harness admin of this project for the right to delete workspaces, "
            "or use a key that has it."
        )
    if workspace.status == DELETABLE_STATUS:
        return ""
    if workspace.status == "destroying":
        return (
            "A destroy is running. Once it finishes the workspace is inactive and can be "
            "deleted here."
        )
    return (
        f"Harness deletes only inactive workspaces, and this one is "
        f"{workspace.status.replace('_', ' ')}. Destroy its resources first in Harness (run "
        "a destroy on the workspace); once it is inactive, delete it here."
    )


@dataclass(frozen=True)
class LostVariable:
    group: str
    key: str
    value: str  # a secret's reference, never its value
    is_secret: bool


@dataclass(frozen=True)
class DeletionLoss:
    """What deleting the workspace removes, from the request's snapshot of it."""

    name: str
    identifier: str
    status: str
    variables: tuple[LostVariable, ...]
    tags: tuple[tuple[str, str], ...]
    template_id: str
    template_version: str
    variable_sets: tuple[str, ...]


_GROUPS = (("terraform_variables", "Terraform"), ("environment_variables", "Environment"))


def deletion_loss(*, draft: WorkspaceDraft) -> DeletionLoss:
    """The deletion request's snapshot (`WorkspaceDraft.workspace_snapshot`) as the page shows
    it: variables (secrets as references), tags, the template it is linked to."""
    snapshot: dict[str, Any] = draft.workspace_snapshot or {}
    variables = tuple(
        LostVariable(
            group=label,
            key=str(variable.get("key") or key),
            value=str(variable.get("value", "")),
            is_secret=variable.get("value_type") == "secret",
        )
        for field, label in _GROUPS
        for key, variable in sorted((snapshot.get(field) or {}).items())
    )
    template = snapshot.get("associated_template") or {}
    return DeletionLoss(
        name=str(snapshot.get("name") or draft.name),
        identifier=draft.identifier,
        status=str(snapshot.get("status", "")),
        variables=variables,
        tags=tuple(sorted((str(k), str(v)) for k, v in (snapshot.get("tags") or {}).items())),
        template_id=str(template.get("template_id", "")),
        template_version=str(template.get("version", "")),
        variable_sets=tuple(map(str, snapshot.get("variable_sets") or ())),
    )
