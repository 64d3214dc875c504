"""A workspace as code: the Terraform resource, the API call and the JSON body, from one body.

Every form starts from a Harness create body (contract §2.1): on the review step the one
`build_body` gives (what "Create workspace" sends), on a workspace page the one `workspace_body`
rebuilds from the workspace Harness holds. Templates render the text (`templates/exports/`);
this module only decides what goes in it.

The Terraform resource, written against the provider's schema, is `export_terraform`'s.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from workspaces.export_terraform import terraform_context
from workspaces.feedback import harness_error_message
from workspaces.harness import HarnessClient, errors
from workspaces.harness.types import Workspace
from workspaces.models import WorkspaceDraft
from workspaces.wizard.body import build_body, leave_out_locked, stored_steps
from workspaces.wizard.prefill import PrefillRefused
from workspaces.wizard.sources import template_locks
from workspaces.wizard.update import held_body, template_kept, workspace_snapshot

# The three forms: download suffix -> (content type, title on the page).
FORMS = {
    "tf": ("text/plain; charset=utf-8", "Terraform resource"),
    "sh": ("text/x-shellscript; charset=utf-8", "API call (curl)"),
    "json": ("application/json", "JSON body"),
}


@dataclass(frozen=True)
class WorkspaceExport:
    """The three forms of one workspace, and where each downloads from."""

    identifier: str
    hcl: str
    curl: str
    body_json: str
    download_urls: dict[str, str]
    #: What the page says beside the three forms (the JSON cannot say it): a linked template's
    #: locks that could not be read.
    notice: str = ""

    def text(self, form: str) -> str:
        return {"tf": self.hcl, "sh": self.curl, "json": self.body_json}[form]

    def filename(self, form: str) -> str:
        # Identifiers are `[A-Za-z0-9_$-]` (contract §2.4); a draft's may not be valid yet.
        return f"{re.sub(r'[^A-Za-z0-9_$-]', '_', self.identifier) or 'workspace'}.{form}"

    def forms(self) -> list[dict[str, str]]:
        """One entry a form, as the Export section lists them."""
        return [
            {
                "form": form,
                "title": title,
                "text": self.text(form),
                "url": self.download_urls[form],
                "filename": self.filename(form),
            }
            for form, (_type, title) in FORMS.items()
        ]


def draft_export(
    *, draft: WorkspaceDraft, account_id: str, body: dict[str, Any] | None = None
) -> WorkspaceExport:
    """A request's export on its review: the create body `build_body` gives (what is sent);
    `body` when the caller has built it already, `account_id` the owner's Harness account.
    Linked to a template, it has no field the template locks (`build_body`), and says so."""
    body = body if body is not None else build_body(stored_steps(draft.data))
    link = body.get("associated_template") or {}
    return workspace_export(
        body=body,
        org=draft.org,
        project=draft.project,
        account_id=account_id,
        download=("draft_export", [draft.pk]),
        locks=_left_out(f"{link.get('template_id', '')} {link.get('version', '')}") if link else "",
    )


def _left_out(template: str) -> str:
    return (
        f"The fields the template {template.strip()} locks are left out: the workspace inherits "
        "them (Harness refuses a create that sets one)."
    )


def harness_workspace_export(
    *, workspace: Workspace, account_id: str, client: HarnessClient
) -> WorkspaceExport:
    """An existing workspace's export on its page, from what Harness holds.

    A linked workspace's template version is read for its locks (v1 `GET .../templates/{id}/
    versions/{v}`, `sources.template_locks`): the fields it locks are left out of every form, as
    a create must leave them out (Harness refuses one that sets them, and the new workspace
    inherits them), as the review's export of a linked request does. When they cannot be read,
    the body is whole and every form (the page, for the JSON) says so. HarnessUnauthorized
    propagates."""
    body, locks, notice = workspace_body(workspace), "", ""
    link = workspace.associated_template
    if link is not None:
        named = f"{link.template_id} {link.version}".rstrip()
        try:
            _label, locked = template_locks(
                client=client, org=workspace.org, project=workspace.project, link=link
            )
        except errors.HarnessUnauthorized:
            raise
        except (errors.HarnessError, PrefillRefused) as err:
            reason = (
                f"{err.message[:1].upper()}{err.message[1:]}."
                if isinstance(err, PrefillRefused)
                else harness_error_message(err)
            )
            locks = notice = (
                f"The fields the template {named} locks could not be determined, so they are not "
                f"left out: its version could not be read. {reason} Harness refuses a create "
                "that sets one: remove them to inherit the template's values, or reload the page "
                "to try again."
            )
        else:
            body = without_locked(body, locked)
            locks = _left_out(named)
    return workspace_export(
        body=body,
        org=workspace.org,
        project=workspace.project,
        account_id=account_id,
        download=("workspace_export", [workspace.org, workspace.project, workspace.identifier]),
        locks=locks,
        notice=notice,
    )


def without_locked(body: dict[str, Any], locked: Mapping[str, Any]) -> dict[str, Any]:
    """A linked workspace's create `body` without what its template locks (`locked` as
    `sources.template_locks` reads it): `leave_out_locked`, as for a request, and the fields the
    steps do not edit that it locks (`update.template_kept`: its default pipelines)."""
    body = leave_out_locked(body, locked)
    for field in template_kept(locked):
        body.pop(field, None)
    return body


def workspace_body(workspace: Workspace) -> dict[str, Any]:
    """The create body (contract §2.1) that would make `workspace` as Harness holds it.

    `held_body` gives the update-shaped body the edit flow compares with; a create adds the
    identifier and the template link (both create-only).
    """
    held = held_body(workspace_snapshot(workspace))
    body = {"identifier": workspace.identifier, **held}
    if workspace.associated_template:
        body["associated_template"] = {
            "template_id": workspace.associated_template.template_id,
            "version": workspace.associated_template.version,
        }
    return body


def workspace_export(
    *,
    body: Mapping[str, Any],
    org: str,
    project: str,
    account_id: str,
    download: tuple[str, list[Any]],
    locks: str = "",
    notice: str = "",
) -> WorkspaceExport:
    """The HCL, the curl and the JSON of one create body (no Harness call).

    `download`: the URL name and arguments of the download view (the form is appended);
    `locks`: what the HCL and the curl say of a linked template's locks (the HCL's comment lines,
    the curl's quoted notes);
    `notice`: what the page says beside them.
    """
    body_json = json.dumps(body, indent=2)
    locks_lines = textwrap.wrap(locks, width=96)
    hcl = _text(
        "exports/workspace.tf",
        terraform_context(body, org=org, project=project) | {"locks": locks_lines},
    )
    url = (
        f"{settings.HARNESS_BASE_URL.rstrip('/')}{settings.HARNESS_IACM_PREFIX}"
        f"/orgs/{org}/projects/{project}/workspaces"
    )
    curl = _text(
        "exports/workspace.sh",
        {
            "url": url,
            "account_id": account_id,
            "body_json": body_json,
            "identifier": body.get("identifier", ""),
            "org": org,
            "project": project,
            "locks": locks_lines,
        },
    )
    name, args = download
    return WorkspaceExport(
        identifier=str(body.get("identifier", "")),
        hcl=hcl,
        curl=curl,
        body_json=body_json + "\n",
        download_urls={form: reverse(name, args=[*args, form]) for form in FORMS},
        notice=notice,
    )


def _text(template_name: str, context: dict[str, Any]) -> str:
    """A text template rendered as plain text. `render_to_string` marks its result safe HTML;
    this text is not HTML (a name may hold `<script>`), so the pages must escape it."""
    return str.__str__(render_to_string(template_name, context))  # a plain str, not SafeString
