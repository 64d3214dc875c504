"""The gate a submit passes before anything is sent: does an approval rule hold this request?

Kept apart from `services` (which calls the wizard's send path) so `wizard/submit.py` can call
it without an import cycle.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from workspaces.approvals import notify, selectors
from workspaces.approvals.models import Approval
from workspaces.clients import draft_account_of
from workspaces.models import WorkspaceDraft

Status = WorkspaceDraft.Status


def approval_gate(
    *,
    draft: WorkspaceDraft,
    body: dict[str, Any] | None,
    tags: dict[str, str],
) -> WorkspaceDraft | None:
    """Hold the request for approval when a rule matches; None when none does (send it).

    `body` is the validated body that would be sent (None for a deletion), `tags` the tags of
    the workspace concerned (for a create or an edit, the body's; for a deletion, the
    workspace's); a change is also held by a rule on the tags the workspace has now
    (`selectors.rules_holding`, which the review uses to say so first). On a match one atomic
    UPDATE moves the draft from draft/failed to awaiting_approval with the body frozen in
    `submitted_body`, an `Approval` records the rules and the Harness account of the author's
    key (the account the request is for), and the approvers are e-mailed once it is stored. A
    draft another request already moved is returned as it is now. Makes no Harness call.
    """
    rules = selectors.rules_holding(draft=draft, tags=tags)
    if not rules:
        return None
    body = body or {}
    now = timezone.now()
    with transaction.atomic():
        won = WorkspaceDraft.objects.filter(
            pk=draft.pk, owner=draft.owner, status__in=[Status.DRAFT, Status.FAILED]
        ).update(
            status=Status.AWAITING_APPROVAL,
            submitted_at=now,
            submitted_body=body or None,
            identifier=body.get("identifier", draft.identifier),
            name=body.get("name", draft.name),
            updated_at=now,
        )
        if won:
            approval = Approval.objects.create(
                draft=draft,
                kind=draft.kind,
                account=draft_account_of(draft, draft.owner),
                rule_names=[rule.name for rule in rules],
            )
            approval.rules.set(rules)
    draft.refresh_from_db()
    if won:
        notify.notify_waiting(approval=approval)
    return draft
