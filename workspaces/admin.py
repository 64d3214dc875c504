from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import model_ngettext
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

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
    # The fingerprint (a keyed hash of the key, in the cache keys of its data) is neither shown
    # nor editable: copied onto another user, it would share cached data across keys' rights.
    exclude = ("encrypted_key", "key_last4", "key_fingerprint")

    def has_add_permission(self, request) -> bool:
        return False  # keys are added by their owners, checked against Harness


from workspaces.models import WorkspaceDraft  # noqa: E402
from workspaces.wizard.drafts import drafts_delete  # noqa: E402


@admin.register(WorkspaceDraft)
class WorkspaceDraftAdmin(admin.ModelAdmin):
    """Operators see drafts and submissions (what was sent, what Harness answered); drafts are
    their owners' to edit, so nobody changes one here (its account included: a request moved to
    another account would be sent there). Nothing in a draft is a secret."""

    list_display = (
        "identifier",
        "name",
        "kind",
        "owner",
        "account_id",
        "org",
        "project",
        "status",
        "updated_at",
    )
    list_filter = ("kind", "status", "org")
    search_fields = ("identifier", "name", "owner__username", "account_id", "project")
    date_hierarchy = "updated_at"
    readonly_fields = (
        "id",
        "owner",
        "kind",
        "account_id",
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
    actions = ("delete_selected",)  # this admin's own, below, instead of the site's

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # shown read-only to those who may view or change drafts

    def has_delete_permission(self, request, obj=None) -> bool:
        # A request being sent is not deleted (nor is its user, whose deletion would take it):
        # its write may still land, and its audit entry points at it.
        if obj is not None and obj.status == WorkspaceDraft.Status.SUBMITTING:
            return False
        return super().has_delete_permission(request, obj)

    # The check above reads the draft before the delete: a submit or an approval may claim it
    # in between, so the delete itself locks and checks it again (`drafts_delete`).
    def delete_model(self, request, obj) -> None:
        if not drafts_delete(drafts=WorkspaceDraft.objects.filter(pk=obj.pk)):
            raise PermissionDenied("This request is being sent to Harness: it was not deleted.")

    @admin.action(permissions=["delete"], description=django_delete_selected.short_description)
    def delete_selected(self, request, queryset):
        """Django's "Delete selected" (its confirmation page, its checks), but the admin history
        and the message name only the requests deleted: Django's own logged and reported every
        selected one, even one `drafts_delete` kept (claimed after the confirmation's check)."""
        if request.POST.get("post"):
            perms_needed, protected = self.get_deleted_objects(queryset, request)[2:]
            if not perms_needed and not protected:
                return self._delete_selected_drafts(request, queryset)
        return django_delete_selected(self, request, queryset)  # asks first, or refuses

    def _delete_selected_drafts(self, request, queryset) -> None:
        selected = list(queryset)
        deleted = set(drafts_delete(drafts=queryset))
        self.log_deletions(request, [draft for draft in selected if draft.pk in deleted])
        if deleted:
            self.message_user(
                request,
                _("Successfully deleted %(count)d %(items)s.")
                % {"count": len(deleted), "items": model_ngettext(self.opts, len(deleted))},
                messages.SUCCESS,
            )
        if kept := len(selected) - len(deleted):
            self.message_user(
                request,
                f"{kept} of the {len(selected)} requests started being sent to Harness meanwhile: "
                "they were not deleted.",
                messages.WARNING,
            )


from django.db.models import Q  # noqa: E402

from workspaces.audit_export import audit_csv_response  # noqa: E402
from workspaces.models import AuditEntry  # noqa: E402
from workspaces.wizard.outcomes import UNCLEAR  # noqa: E402

# The audit list's filters offer fixed choices: one listing the values found (Django's for a
# field without choices) reads the whole trail, SELECT DISTINCT, on every load of the list.
WRITES = (AuditEntry.Action.CREATE, AuditEntry.Action.EDIT, AuditEntry.Action.DELETE)
LANDED = Q(outcome__in=("created", "updated", "deleted"))


class FixedListFilter(admin.SimpleListFilter):
    """A filter whose choices are `options`: value -> (label, the Q it selects)."""

    options: dict[str, tuple[str, Q]] = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _where) in self.options.items()]

    def queryset(self, request, queryset):
        chosen = self.options.get(self.value() or "")
        return queryset if chosen is None else queryset.filter(chosen[1])


class OutcomeFilter(FixedListFilter):
    title = "outcome"
    parameter_name = "outcome"
    options = {
        "landed": ("Landed (created, updated, deleted)", LANDED),
        "unclear": ("Unclear (may have landed)", Q(outcome__in=UNCLEAR)),
        "not_landed": (
            "Not landed (refused, failed)",
            Q(action__in=WRITES) & ~LANDED & ~Q(outcome__in=UNCLEAR),
        ),
    }


class HarnessStatusFilter(FixedListFilter):
    title = "Harness's HTTP status"
    parameter_name = "harness_status"
    options = {
        "2xx": ("2xx (done)", Q(harness_status__range=(200, 299))),
        "4xx": ("4xx (refused)", Q(harness_status__range=(400, 499))),
        "5xx": ("5xx (Harness failed)", Q(harness_status__range=(500, 599))),
        "none": ("No answer", Q(action__in=WRITES, harness_status__isnull=True)),
    }


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, read-only: nobody adds, changes or deletes an entry here (the model
    refuses it too). Filter by action, outcome, HTTP status or date; search by workspace, org,
    project, person, Harness account or request id; export the selection as CSV ("select all"
    exports every entry the filters match)."""

    list_display = (
        "created_at",
        "actor_username",
        "action",
        "account",
        "org",
        "project",
        "identifier",
        "outcome",
        "harness_status",
    )
    # Fixed choices only (no SELECT DISTINCT over the trail; no date hierarchy, whose links do
    # the same): an org or a project is found by searching.
    list_filter = ("action", OutcomeFilter, HarnessStatusFilter, "created_at")
    show_full_result_count = False  # a filtered page does not count the whole trail too
    search_fields = (
        "identifier",
        "actor_username",
        "account",
        "project",
        "org",
        "request_id",
        "message",
    )
    list_select_related = ("draft",)
    readonly_fields = (
        "created_at",
        "actor",
        "actor_username",
        "action",
        "account",
        "org",
        "project",
        "identifier",
        "draft",
        "requester",
        "harness_status",
        "outcome",
        "message",
        "request_id",
        "body",
        "approval",
    )
    actions = ("export_csv",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Export selected entries as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return audit_csv_response(queryset)


# Approval rules and records (their own package), registered with the admin here.
from workspaces.approvals import admin as approvals_admin  # noqa: E402, F401
