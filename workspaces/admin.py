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
