"""Operators set approval rules here and browse approval records (read-only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from workspaces.approvals.models import Approval, ApprovalRule


class ApprovalRuleForm(forms.ModelForm):
    class Meta:
        model = ApprovalRule
        fields = (
            "name",
            "active",
            "for_create",
            "for_edit",
            "for_delete",
            "org",
            "project",
            "tag_key",
            "tag_value",
            "approver_groups",
            "approver_users",
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("for_create", "for_edit", "for_delete")):
            self.add_error("for_create", "Choose at least one action the rule holds.")
        if cleaned.get("project") and not cleaned.get("org"):
            self.add_error("org", "Name the organisation of the project.")
        if cleaned.get("tag_value") and not cleaned.get("tag_key"):
            self.add_error("tag_key", "Name the tag whose value must match.")
        if not (cleaned.get("approver_groups") or cleaned.get("approver_users")):
            self.add_error(
                "approver_users",
                "Name at least one approving group or person, or nobody can "
                "approve what this rule holds.",
            )
        return cleaned


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    """A rule holds matching requests until one of its approvers decides."""

    form = ApprovalRuleForm
    list_display = ("name", "active", "condition", "updated_at")
    list_filter = ("active", "for_create", "for_edit", "for_delete", "org")
    search_fields = ("name", "org", "project", "tag_key", "tag_value")
    filter_horizontal = ("approver_groups", "approver_users")
    fieldsets = (
        (None, {"fields": ("name", "active")}),
        (
            "Which requests",
            {
                "description": "A request waits when it matches every part below.",
                "fields": (
                    ("for_create", "for_edit", "for_delete"),
                    ("org", "project"),
                    ("tag_key", "tag_value"),
                ),
            },
        ),
        (
            "Who approves",
            {
                "description": (
                    "Any one of them may approve or reject; nobody approves their own request. "
                    "The portal sends an approved request with the approver's own Harness key."
                ),
                "fields": ("approver_groups", "approver_users"),
            },
        ),
    )


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    """Who approved or rejected which request, when and why. Read-only: a record (a pending
    one is not deleted either)."""

    list_display = ("draft", "kind", "decision", "decided_by", "decided_at", "requested_at")
    list_filter = ("decision", "kind")
    search_fields = ("draft__identifier", "draft__name", "decided_by__username", "reason")
    date_hierarchy = "requested_at"
    readonly_fields = (
        "draft",
        "kind",
        "rules",
        "rule_names",
        "requested_at",
        "decision",
        "decided_by",
        "decided_at",
        "reason",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A pending approval is what its request waits for: without it the request is in no
        # approver's queue. Nor is a request waiting for one deleted here, or its author's
        # account (Django asks this of the approvals that would go with them); its author
        # withdraws or deletes it. A decided approval goes with its request.
        if obj is not None and obj.decision == Approval.Decision.PENDING:
            return False
        return super().has_delete_permission(request, obj)
