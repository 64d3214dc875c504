"""Approval rules (set by operators) and the approval record of each request that waited.

Imported by `workspaces.models`, so the app registers these models and its migrations hold them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models


class ApprovalRule(models.Model):
    """Which requests wait for approval, and who may approve them."""

    name = models.CharField(
        max_length=120, help_text="What the rule is for, e.g. “Production workspaces”."
    )
    active = models.BooleanField(
        default=True,
        help_text=(
            "Untick to stop holding new requests with this rule. Requests already waiting keep "
            "their approvers."
        ),
    )
    for_create = models.BooleanField(
        "new workspaces", default=False, help_text="Hold requests to create a workspace."
    )
    for_edit = models.BooleanField(
        "changes", default=False, help_text="Hold requests to change a workspace."
    )
    for_delete = models.BooleanField(
        "deletions", default=False, help_text="Hold requests to delete a workspace."
    )
    org = models.CharField(
        "organisation",
        max_length=128,
        blank=True,
        help_text="Harness org identifier (e.g. default). Blank: every organisation.",
    )
    project = models.CharField(
        max_length=128,
        blank=True,
        help_text="Harness project identifier (e.g. infra). Blank: every project of the org.",
    )
    tag_key = models.CharField(
        "when tagged",
        max_length=128,
        blank=True,
        help_text=(
            "Hold only requests whose workspace carries this tag key (e.g. env). Blank: every "
            "request of the actions and place above."
        ),
    )
    tag_value = models.CharField(
        "with the value",
        max_length=256,
        blank=True,
        help_text=(
            "The tag's value (e.g. prod), compared exactly. Blank: any value of the tag above."
        ),
    )
    approver_groups = models.ManyToManyField(
        Group,
        blank=True,
        related_name="approval_rules",
        verbose_name="approving groups",
        help_text=(
            "Members of these groups may approve. With SSO these are the groups the proxy sends "
            "in the SSO_GROUPS_HEADER header, synced at every sign-in; a group is listed once a "
            "member has signed in, or add it by its exact name under Authentication › Groups."
        ),
    )
    approver_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="approval_rules",
        verbose_name="approving people",
        help_text="These people may approve, whatever their groups.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def covers(self, kind: str) -> bool:
        """Whether the rule holds requests of `kind` (a `WorkspaceDraft.Kind` value)."""
        return {"create": self.for_create, "edit": self.for_edit, "delete": self.for_delete}.get(
            kind, False
        )

    def matches(self, *, kind: str, org: str, project: str, tags: dict[str, str]) -> bool:
        """Whether a request of `kind` in `org`/`project` whose workspace has `tags` waits."""
        if not (self.active and self.covers(kind)):
            return False
        if (self.org and self.org != org) or (self.project and self.project != project):
            return False
        if not self.tag_key:
            return True
        return self.tag_key in tags and (not self.tag_value or tags[self.tag_key] == self.tag_value)

    @property
    def condition(self) -> str:
        """The rule in words, for the admin list and the request page."""
        actions = [
            label
            for flag, label in (
                (self.for_create, "new workspaces"),
                (self.for_edit, "changes"),
                (self.for_delete, "deletions"),
            )
            if flag
        ]
        where = f"{self.org or 'any org'} / {self.project or 'any project'}"
        if self.tag_key:
            tag = f"{self.tag_key}={self.tag_value}" if self.tag_value else f"a {self.tag_key} tag"
            when = f", tagged {tag}"
        else:
            when = ""
        return f"{', '.join(actions) or 'nothing'} in {where}{when}"


class Approval(models.Model):
    """One wait for approval of a request: the rules that held it and the decision taken.

    A request that Harness refused after approval goes back to its author; submitting it again
    opens a new `Approval`, so a draft's approvals are its approval history.
    """

    class Decision(models.TextChoices):
        PENDING = "pending", "Awaiting a decision"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn by the requester"

    draft = models.ForeignKey(
        "workspaces.WorkspaceDraft", on_delete=models.CASCADE, related_name="approvals"
    )
    kind = models.CharField(max_length=16)
    # The Harness account the request is for (its author's key's when it was submitted): only
    # an approver whose key is for this account sees it in their queue and may decide it.
    account = models.CharField(max_length=128, blank=True)
    rules = models.ManyToManyField(ApprovalRule, related_name="approvals")
    # The rules' names when the request was held: still shown if an operator deletes a rule.
    rule_names = models.JSONField(default=list)
    requested_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(
        max_length=16, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="approval_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ("-requested_at",)

    def __str__(self) -> str:
        return f"{self.draft} – {self.get_decision_display()}"
