"""Reads for approvals: which rules hold a request, who may decide it, what waits for whom.

Every function is keyword-only. None calls Harness: a request waiting for approval carries the
exact body that will be sent (`WorkspaceDraft.submitted_body`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery

from workspaces.approvals.models import Approval, ApprovalRule
from workspaces.clients import harness_account_of
from workspaces.decommission.selectors import deletion_loss
from workspaces.models import WorkspaceDraft
from workspaces.selectors import provisioner_label
from workspaces.wizard.diff import baseline, body_diff, with_locked
from workspaces.wizard.outcomes import was_sent

Status = WorkspaceDraft.Status
Decision = Approval.Decision
#: Requests on one page of "Awaiting my approval".
APPROVALS_PER_PAGE = 50


def rules_matching(
    *, kind: str, org: str, project: str, tags: dict[str, str], also_tags: dict | None = None
) -> list[ApprovalRule]:
    """The active rules that hold a request of `kind` in `org`/`project` with these `tags`, or
    with `also_tags` (a change is held by the tags the workspace had as well as by the ones it
    gets: removing `env=prod` does not take a prod workspace past its rule)."""
    candidates = ApprovalRule.objects.filter(
        Q(org="") | Q(org=org), Q(project="") | Q(project=project), active=True
    )
    return [
        rule
        for rule in candidates
        if any(
            rule.matches(kind=kind, org=org, project=project, tags=tag_set)
            for tag_set in (tags, also_tags)
            if tag_set is not None
        )
    ]


def rules_holding(*, draft: WorkspaceDraft, tags: dict[str, str]) -> list[ApprovalRule]:
    """The active rules that hold `draft` submitted now with `tags` (a create's or a change's
    body tags, a deletion's workspace tags); a change is held by the tags its workspace has
    (`workspace_snapshot`) too. What the submit's gate applies and the review announces."""
    previous = (
        (draft.workspace_snapshot or {}).get("tags")
        if draft.kind == WorkspaceDraft.Kind.EDIT
        else None
    )
    return rules_matching(
        kind=draft.kind, org=draft.org, project=draft.project, tags=tags, also_tags=previous
    )


def rules_approved_by(*, user: AbstractBaseUser) -> QuerySet[ApprovalRule]:
    """The rules naming `user` as an approver, directly or through one of their groups."""
    return ApprovalRule.objects.filter(
        Q(approver_users=user) | Q(approver_groups__user=user)
    ).distinct()


def approvals_waiting(*, user: AbstractBaseUser) -> QuerySet[WorkspaceDraft]:
    """Requests `user` may approve now: waiting, held by a rule naming them, not their own, for
    the Harness account of their key (approving sends it with that key, into that account)."""
    return (
        WorkspaceDraft.objects.filter(
            status=Status.AWAITING_APPROVAL,
            approvals__decision=Decision.PENDING,
            approvals__rules__in=rules_approved_by(user=user).values("pk"),
            approvals__account=harness_account_of(user) or None,
        )
        .exclude(owner=user)
        .distinct()
    )


def approval_queue_page(*, user: AbstractBaseUser, page: str | int | None) -> Page:
    """One page of the requests waiting for `user`, oldest first: none left out, however many
    wait (Paginator.get_page: a page number that is not one, or past the end, gives the first
    or the last page). The count, then the page with its owners and approvals. Each request's
    `waiting_since` is when its pending approval was requested (not `submitted_at`, which an
    approval's send moves while it is under way)."""
    pending = Approval.objects.filter(draft=OuterRef("pk"), decision=Decision.PENDING)
    waiting = (
        approvals_waiting(user=user)
        .annotate(
            waiting_since=Subquery(pending.order_by("-requested_at").values("requested_at")[:1])
        )
        .select_related("owner")
        .prefetch_related("approvals")
        .order_by("waiting_since", "pk")  # pk: a stable order between pages
    )
    return Paginator(waiting, APPROVALS_PER_PAGE).get_page(page)


def approvals_waiting_count(*, user: AbstractBaseUser) -> int | None:
    """How many requests wait for `user`; None when no rule names them (no queue to show).

    One query for most people (the rules naming them: none), two for approvers.
    """
    if not list(rules_approved_by(user=user).values_list("pk", flat=True)[:1]):
        return None
    return approvals_waiting(user=user).count()


@dataclass(frozen=True)
class Approvers:
    """Who may decide an approval: groups by name, people by their user record."""

    groups: list[str] = field(default_factory=list)
    people: list[Any] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.groups or self.people)


def approval_approvers(*, approval: Approval) -> Approvers:
    """Who may approve `approval`: the approving groups and people of the rules that held it,
    other than its requester."""
    return rules_approvers(rules=approval.rules.all(), requester_id=approval.draft.owner_id)


def rules_approvers(*, rules, requester_id: int) -> Approvers:
    """Who may approve a request of the user `requester_id` held by `rules` (ApprovalRules):
    their approving people but the requester, and their approving groups but those whose only
    members are the requester (a group nobody has joined yet, an SSO group before its members
    sign in, is still named). Nobody approves their own request (`user_may_decide`): when no
    group or person is left, nobody could approve it. One query each, however many rules."""
    others = get_user_model().objects.exclude(pk=requester_id)
    groups = sorted(
        set(
            Group.objects.filter(approval_rules__in=rules)
            .filter(Q(user__isnull=True) | Q(user__in=others))
            .values_list("name", flat=True)
        )
    )
    people = others.filter(approval_rules__in=rules).distinct().order_by("username")
    return Approvers(groups=groups, people=list(people))


@dataclass(frozen=True)
class Hold:
    """The rules that would hold a request submitted now, and who could approve it."""

    rule_names: list[str]
    approvers: Approvers


def approval_hold(*, draft: WorkspaceDraft, tags: dict[str, str]) -> Hold | None:
    """What the review says before a submit: the rules that would hold `draft` with `tags`
    (`rules_holding`, the gate's own) and their approvers; None when it would be sent."""
    rules = rules_holding(draft=draft, tags=tags)
    if not rules:
        return None
    approvers = rules_approvers(rules=rules, requester_id=draft.owner_id)
    return Hold(rule_names=[rule.name for rule in rules], approvers=approvers)


def approval_recipients(*, approval: Approval) -> list[str]:
    """The e-mail addresses of everyone who may decide `approval`: not its requester, nor an
    approver without a key for its Harness account (none, or one for another account: they
    could not decide it, and it is not in their queue)."""
    rules = approval.rules.all()
    users = (
        get_user_model()
        .objects.filter(Q(approval_rules__in=rules) | Q(groups__approval_rules__in=rules))
        .exclude(pk=approval.draft.owner_id)
        .filter(harness_credential__account_id=approval.account)
        .exclude(email="")
        .filter(is_active=True)
        .distinct()
    )
    return sorted({user.email for user in users})


def approval_chain(approval: Approval) -> list[dict[str, str]]:
    """The decision as the audit trail records it: who, when, what, why, under which rules."""
    return [
        {
            "by": approval.decided_by.get_username() if approval.decided_by else "",
            "at": approval.decided_at.isoformat() if approval.decided_at else "",
            "decision": approval.decision,
            "reason": approval.reason,
            "rules": ", ".join(approval.rule_names or []),
        }
    ]


def approval_that_sent(*, draft: WorkspaceDraft) -> Approval | None:
    """The approval whose approver sent the draft's last write (approved when it was claimed);
    None when the author sent it themselves."""
    approval = draft.approvals.select_related("decided_by").first()  # the newest
    if (
        approval is None
        or approval.decision != Decision.APPROVED
        or draft.submitted_at is None
        or approval.decided_at < draft.submitted_at
    ):
        return None
    return approval


def user_may_decide(*, user: AbstractBaseUser, approval: Approval) -> bool:
    """Whether `user` is an approver of `approval` (whoever they are, the author never is)."""
    if approval.draft.owner_id == user.pk:
        return False
    return approval.rules.filter(pk__in=rules_approved_by(user=user).values("pk")).exists()


def user_may_view(*, user: AbstractBaseUser, draft: WorkspaceDraft) -> bool:
    """The author, and anyone who may decide (or decided) one of the draft's approvals."""
    if draft.owner_id == user.pk:
        return True
    return draft.approvals.filter(
        Q(rules__in=rules_approved_by(user=user).values("pk")) | Q(decided_by=user)
    ).exists()


@dataclass(frozen=True)
class Review:
    """What an approver (or the author) sees of a request that waits or waited."""

    draft: WorkspaceDraft
    approval: Approval | None
    approvers: Approvers
    history: list[Approval]
    body_json: str
    summary: list[tuple[str, str]]
    # For a change: what changes, old -> new. None for a new workspace (the body is all of it).
    change: Any = None

    @property
    def sent_by_approver(self) -> bool:
        """Whether the last send was an approval's (not a later submit of the author's own)."""
        approval, submitted = self.approval, self.draft.submitted_at
        return bool(
            approval
            and approval.decision == Decision.APPROVED
            and submitted
            and approval.decided_at >= submitted
        )

    @property
    def approved_not_sent(self) -> bool:
        """Whether the approval's own send stopped before its write went out (the workspace was
        changed in Harness meanwhile): the review must not say it was sent."""
        return self.sent_by_approver and not was_sent(self.draft.harness_response or {})


def approval_review(*, draft: WorkspaceDraft, history: list[Approval] | None = None) -> Review:
    """The review of a held request: its body, a summary, its approvers and history (its
    approvals, newest first; read here unless the caller has them)."""
    if history is None:
        history = list(draft.approvals.select_related("decided_by"))
    approval = history[0] if history else None
    body = draft.submitted_body or {}
    return Review(
        draft=draft,
        approval=approval,
        approvers=approval_approvers(approval=approval) if approval else Approvers(),
        history=history,
        body_json=json.dumps(body, indent=2),
        summary=body_summary(body or draft.workspace_snapshot or {}),
        change=request_change(draft=draft),
    )


def approval_state(*, draft: WorkspaceDraft) -> Review | None:
    """The review of a request that waited at some point; None (one query) when it never did."""
    history = list(draft.approvals.select_related("decided_by"))
    return approval_review(draft=draft, history=history) if history else None


def request_change(*, draft: WorkspaceDraft) -> dict[str, Any] | None:
    """The change a request makes, for the review; None when the body says it all (create).

    A change: each setting, tag and variable that differs between the workspace as it was when
    the change started and the frozen PUT body, with the fields a linked template locks (left
    out of it) as the template keeps them: the edit review's diff. A deletion: what goes with
    the workspace (its variables, tags, template link).
    """
    if draft.kind == WorkspaceDraft.Kind.EDIT:
        sent = with_locked(draft, draft.submitted_body or {})
        return {"kind": "edit", "changes": body_diff(baseline(draft), sent)}
    if draft.kind == WorkspaceDraft.Kind.DELETE:
        return {"kind": "delete", "loss": deletion_loss(draft=draft)}
    return None


def body_summary(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The facts an approver looks at first; the full body is shown below them."""
    tags = body.get("tags") or {}
    variables = len(body.get("terraform_variables") or {}) + len(
        body.get("environment_variables") or {}
    )
    rows = [
        ("Name", body.get("name", "")),
        ("Identifier", body.get("identifier", "")),
        ("Tags", ", ".join(f"{k}={v}" for k, v in tags.items()) or "—"),
        ("Repository", body.get("repository", "") or "—"),
        (
            "Provisioner",
            f"{provisioner_label(body.get('provisioner', ''))} "
            f"{body.get('provisioner_version', '')}".strip()
            or "—",
        ),
        ("Cost estimation", "On" if body.get("cost_estimation_enabled") else "Off"),
        # As the review and the workspace page say it (their variable lists: "None.").
        ("Variables", str(variables) if variables else "None."),
    ]
    return [(label, value) for label, value in rows if value]
