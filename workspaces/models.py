"""The portal's own records. Harness owns workspaces; we keep only what the portal needs."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class HarnessCredential(models.Model):
    """A user's Harness API key, encrypted at rest (see `workspaces.crypto`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="harness_credential"
    )
    account_id = models.CharField(max_length=128)
    account_name = models.CharField(max_length=256, blank=True)
    encrypted_key = models.TextField(help_text="Fernet token; never the plaintext key.")
    key_last4 = models.CharField(max_length=4)
    # Keyed hash of the plaintext key: cache keys carry it, so data fetched with one key's rights
    # is never served to a request made with another key.
    key_fingerprint = models.CharField(max_length=32)
    verified_at = models.DateTimeField()
    # The org and project the user chose last; every list URL also names them.
    current_org = models.CharField(max_length=128, blank=True)
    current_project = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Harness credential"

    def __str__(self) -> str:
        return f"{self.user} @ {self.account_id} (•••• {self.key_last4})"

    @property
    def masked_key(self) -> str:
        return f"•••• {self.key_last4}"


class WorkspaceDraft(models.Model):
    """A workspace request being filled in, then submitted to Harness exactly once.

    `data` holds one dict per wizard step (see `workspaces.wizard`), saved as typed so nothing is
    lost. It never holds an API key or a secret value: a secret variable holds only a reference
    such as `account.tf_token`.
    """

    class Kind(models.TextChoices):
        CREATE = "create", "New workspace"
        EDIT = "edit", "Change to a workspace"
        DELETE = "delete", "Deletion of a workspace"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        REJECTED = "rejected", "Rejected"
        SUBMITTING = "submitting", "Submitting"
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_drafts"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CREATE)
    org = models.CharField(max_length=128)
    project = models.CharField(max_length=128)
    # The Harness account of the key the request was started with: its org and project are that
    # account's, so it is sent only with a key for it ("" for requests older than this field).
    account_id = models.CharField(max_length=128, blank=True)
    # For a change or a deletion: the workspace as Harness returned it when the request started
    # (`GET .../workspaces/{id}`, secret values are references only), the base of the diff, and
    # its `updated` (unix ms), compared with a fresh read before the write is sent.
    workspace_snapshot = models.JSONField(null=True, blank=True)
    workspace_updated = models.BigIntegerField(null=True, blank=True)
    current_step = models.CharField(max_length=32, default="basics")
    data = models.JSONField(default=dict, blank=True)
    # step -> "valid" | "invalid" | "flagged" (was valid, a change elsewhere made it invalid)
    step_status = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    # What Harness answered at submit: outcome, message, the step/field it concerns, policy deny
    # messages or warnings. Never a key.
    harness_response = models.JSONField(default=dict, blank=True)
    # The exact body sent to Harness (secrets as references), for the owner and operators.
    submitted_body = models.JSONField(null=True, blank=True)
    # A create's earlier POSTs Harness did not answer clearly, which may still land: each body as
    # sent, all with one identifier, which Basics holds meanwhile (`wizard.create.attempts`);
    # emptied once the create is settled.
    unsettled_bodies = models.JSONField(default=list, blank=True)
    name = models.CharField(max_length=128, blank=True)
    identifier = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-updated_at",)
        indexes = [models.Index(fields=("owner", "-updated_at"))]

    def __str__(self) -> str:
        return f"{self.identifier or self.name or 'untitled'} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.FAILED}


class AuditTrailIsAppendOnly(Exception):
    """An attempt to change or delete an audit entry: the trail only grows."""


class AuditEntryQuerySet(models.QuerySet):
    """No bulk path rewrites or removes entries (`update`, `delete`, `bulk_update`)."""

    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("audit entries cannot be updated")

    def delete(self):
        raise AuditTrailIsAppendOnly("audit entries cannot be deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditTrailIsAppendOnly("audit entries cannot be updated")


class AuditEntry(models.Model):
    """One write the portal sent to Harness (or an approval decision), and what Harness answered.

    Append-only for the application: `save()` refuses to change an existing row and `delete()`
    refuses, as do the queryset's `update`/`delete`. Only the database's own `SET NULL` of a
    deleted user or request clears `actor`/`requester`/`draft` (the username and the workspace
    stay).
    `body` is the request body sent, with secret variables as references: never a key or a
    secret value. `approval` is the approval chain: a list of `{"by", "at", "decision",
    "reason"}` (empty when the request needed none).
    """

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        EDIT = "edit", "Edit"
        DELETE = "delete", "Delete"
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    # Kept when the user is deleted, so the trail still says who.
    actor_username = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    account = models.CharField(max_length=128, blank=True)
    org = models.CharField(max_length=128)
    project = models.CharField(max_length=128)
    identifier = models.CharField(max_length=128)
    # The request (draft) this write came from; None once that request is deleted.
    draft = models.ForeignKey(
        WorkspaceDraft,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    # Who made that request (its owner, when an approver sent it or decided on it): kept when
    # the request is deleted, so its author's trail (My requests) still shows it.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requested_audit_entries",
    )
    body = models.JSONField(null=True, blank=True)
    # Harness's HTTP status for the write (None: no answer, e.g. a timeout).
    harness_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # What came of it in one word (created, deleted, conflict, refused, ...), and in words.
    outcome = models.CharField(max_length=32, blank=True)
    message = models.TextField(blank=True)
    # Harness's request id for the call (Goa `id`, `correlationId` or `x-request-id`).
    request_id = models.CharField(max_length=128, blank=True)
    approval = models.JSONField(default=list, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        indexes = [
            models.Index(fields=("account", "org", "project", "identifier", "-created_at")),
            models.Index(fields=("actor", "-created_at")),
            models.Index(fields=("requester", "-created_at")),
        ]

    def __str__(self) -> str:
        return f"{self.actor_username} {self.action} {self.org}/{self.project}/{self.identifier}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("audit entries cannot be changed once written")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("audit entries cannot be deleted")


# Approval rules and records, favourites and saved views live in their own packages; imported
# here so the app registers them.
from workspaces.approvals.models import Approval, ApprovalRule  # noqa: E402, F401
from workspaces.favourites.models import Favourite, SavedView  # noqa: E402, F401
