from django.contrib import admin

from workspaces.models import HarnessCredential


@admin.register(HarnessCredential)
class HarnessCredentialAdmin(admin.ModelAdmin):
    """Operators see who has a key and when it was verified, never the key itself."""

    list_display = (
        "user",
        "account_id",
        "masked_key",
        "verified_at",
        "current_org",
        "current_project",
    )
    search_fields = ("user__username", "account_id")
    readonly_fields = (
        "user",
        "account_id",
        "account_name",
        "masked_key",
        "verified_at",
        "created_at",
        "updated_at",
    )
    exclude = ("encrypted_key", "key_last4")

    def has_add_permission(self, request) -> bool:
        return False  # keys are added by their owners, checked against Harness


from workspaces.models import WorkspaceDraft  # noqa: E402


@admin.register(WorkspaceDraft)
class WorkspaceDraftAdmin(admin.ModelAdmin):
    """Operators see drafts and submissions (what was sent, what Harness answered); drafts are
    their owners' to edit, so everything is read-only here. Nothing in a draft is a secret."""

    list_display = (
        "identifier",
        "name",
        "kind",
        "owner",
        "org",
        "project",
        "status",
        "updated_at",
    )
    list_filter = ("kind", "status", "org")
    search_fields = ("identifier", "name", "owner__username", "project")
    date_hierarchy = "updated_at"
    readonly_fields = (
        "id",
        "owner",
        "kind",
        "org",
        "project",
        "status",
        "current_step",
        "name",
        "identifier",
        "data",
        "workspace_snapshot",
        "workspace_updated",
        "step_status",
        "submitted_body",
        "harness_response",
        "created_at",
        "updated_at",
        "submitted_at",
    )

    def has_add_permission(self, request) -> bool:
        return False
