"""The audit trail: every write the portal sends to Harness, and every approval decision.

`audit_record` is the one way in; the selectors below are what the workspace page and My
requests show. Entries are append-only (`AuditEntry.save`/`delete` and the queryset refuse
changes); operators browse, filter and export them in the Django admin.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, transaction

from portal.logs import redact, redact_harness_keys
from workspaces.models import AuditEntry, HarnessCredential, WorkspaceDraft

logger = logging.getLogger("workspaces.audit")
Action = AuditEntry.Action
# How many entries a workspace page, and My requests, show; the admin has them all.
WORKSPACE_TRAIL_LIMIT = 20
USER_TRAIL_LIMIT = 50


def audit_record(
    *,
    actor: AbstractBaseUser,
    action: str,
    draft: WorkspaceDraft | None = None,
    org: str,
    project: str,
    identifier: str,
    body: Mapping[str, Any] | None = None,
    status: int | None = None,
    answer: Mapping[str, Any] | None = None,
    approval: list[dict[str, Any]] | dict[str, Any] | None = None,
    account: str | None = None,
) -> AuditEntry | None:
    """Append one entry to the trail: `actor` did `action` (an `AuditEntry.Action`) on the
    workspace `org`/`project`/`identifier`, through `draft` if it came from a request.

    `body` is the request body as sent (secret variables are references; the caller never
    passes a key or a secret value). `status` is Harness's HTTP status for the write (None when
    it did not answer); `answer` what came of it: `outcome`, `message` and/or
    `harness_message`, `request_id` (a draft's `harness_response` fits as it is). `approval` is
    the approval chain, a list of `{"by", "at", "decision", "reason"}` (one dict is taken as a
    chain of one). `account` defaults to the request's Harness account (`draft.account_id`),
    else (no request, or one started before requests kept it) the account of the actor's key.
    A whole Harness key in the body or the chain is stored as `[redacted]` (nothing else: the
    body is kept as Harness got it, and an approver's name, `by`, as it is), and whatever looks
    like a key or a token in the words.

    Makes no Harness call. The write has already happened when this runs, so a database error
    here is logged and swallowed (None is returned) rather than turned into a failed request.
    """
    answer = answer or {}
    if account is None and draft is not None:
        account = draft.account_id or None  # the request's account, whatever the actor's key is
    if account is None:  # no request, or one older than accounts on requests
        account = (
            HarnessCredential.objects.filter(user=actor)
            .values_list("account_id", flat=True)
            .first()
            or ""
        )
    message = str(answer.get("message") or "")
    if answer.get("harness_message") and answer["harness_message"] != message:
        message = f"{message} Harness said: {answer['harness_message']}".strip()
    if answer.get("deny_messages"):
        message = f"{message} Denied: {'; '.join(map(str, answer['deny_messages']))}".strip()
    entry = AuditEntry(
        actor=actor,
        actor_username=actor.get_username(),
        action=action,
        account=account,
        org=org,
        project=project,
        identifier=identifier,
        draft=draft,
        # Kept when the request is deleted: its author's trail still shows the entry.
        requester_id=draft.owner_id if draft is not None else None,
        # The client already scrubs its key out of Harness's words, and the wizard refuses a key
        # typed into a value; a second line of defence for an append-only trail, where a key
        # could never be taken back out: a whole key in any string of the body and the chain
        # (`_redacted`), anything shaped like a key or a token in the words (`redact`).
        body=_redacted(dict(body)) if body is not None else None,
        harness_status=status,
        outcome=str(answer.get("outcome", ""))[:32],
        message=redact(message),
        request_id=str(answer.get("request_id") or "")[:128],
        approval=[
            _redacted_step(step)
            for step in ([approval] if isinstance(approval, dict) else list(approval or []))
        ],
    )
    try:
        _store(entry)
    except DatabaseError:
        logger.exception("audit entry for %s %s/%s/%s not stored", action, org, project, identifier)
        return None
    return entry


def _store(entry: AuditEntry) -> None:
    """Insert `entry`, in a savepoint (a surrounding transaction goes on whatever happens).

    Its request may have been deleted while its write was sent (by an operator, or with its
    user): the entry is then stored without it (`draft` empty; the identifier says which
    workspace), and without its requester if they were deleted too. The request's row is locked
    while the entry goes in (PostgreSQL; SQLite's transactions take the write lock as they
    begin), so it cannot go between the look and the insert; should a foreign key fail anyway,
    the entry is inserted once more without them.
    """
    for last in (False, True):
        try:
            with transaction.atomic():
                if entry.draft_id is not None and not _request_locked(entry.draft_id):
                    _without_request(entry)
                entry.save()
            return
        except IntegrityError:
            if last or (entry.draft_id is None and entry.requester_id is None):
                raise
            logger.warning(
                "audit entry: request %s or its author deleted meanwhile, kept without them",
                entry.draft_id,
            )
            _without_request(entry)
            entry.pk = None
            entry._state.adding = True  # the failed insert is rolled back: insert it again


def _without_request(entry: AuditEntry) -> None:
    """`entry` without its request, deleted, nor its requester if they are deleted too (their
    requests go with them)."""
    entry.draft = None
    requester = entry.requester_id
    if requester is not None and not get_user_model().objects.filter(pk=requester).exists():
        entry.requester = None


def _redacted(value: Any) -> Any:
    """`value` (JSON: dicts, lists, strings, numbers) with each whole Harness key in any of its
    strings, keys included, replaced (`redact_harness_keys`). Not the logs' broader `redact`,
    which would also take `pat.smith` or the word after "bearer": the trail keeps the body as
    Harness got it and the chain as it was decided."""
    if isinstance(value, str):
        return redact_harness_keys(value)
    if isinstance(value, Mapping):
        return {redact_harness_keys(str(key)): _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def _redacted_step(step: Any) -> Any:
    """One step of an approval chain, `_redacted` but for who decided (`by`: a username, an
    e-mail address with single sign-on), kept as it is."""
    if not isinstance(step, Mapping):
        return _redacted(step)
    return {name: item if name == "by" else _redacted(item) for name, item in step.items()}


def _request_locked(draft_id: Any) -> bool:
    """Whether the request `draft_id` still exists, its row locked against deletion until the
    transaction ends (`SELECT ... FOR NO KEY UPDATE`; SQLite has no row locks, and holds the
    write lock anyway)."""
    return WorkspaceDraft.objects.select_for_update(no_key=True).filter(pk=draft_id).exists()


def workspace_trail(
    *, account: str, org: str, project: str, identifier: str, limit: int = WORKSPACE_TRAIL_LIMIT
) -> list[AuditEntry]:
    """The latest entries about one workspace, newest first (the workspace page's trail)."""
    return list(
        AuditEntry.objects.filter(
            account=account, org=org, project=project, identifier=identifier
        ).select_related("draft")[:limit]
    )


def user_trail(*, user: AbstractBaseUser, limit: int = USER_TRAIL_LIMIT) -> list[AuditEntry]:
    """The latest entries a user made, or made about their requests (an approval of one, or the
    write an approver sent), even once the request is deleted (`requester`), newest first (My
    requests asks for one more than it shows, to know whether there are more).

    Two reads, each the latest `limit` along its own index (actor, requester), merged: one
    query with the OR would sort every entry of the user's to find the latest."""
    entries = AuditEntry.objects.select_related("draft")
    made = entries.filter(actor=user)[:limit]
    about = entries.filter(requester=user).exclude(actor=user)[:limit]
    newest_first = sorted([*made, *about], key=lambda e: (e.created_at, e.pk), reverse=True)
    return newest_first[:limit]
