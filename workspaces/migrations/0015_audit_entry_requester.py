import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_requesters(apps, schema_editor):
    """Entries still linked to their request name its owner as their requester: before this,
    My requests found an approver's write (or decision) for a request through that link only,
    and lost it once its author deleted the request. Entries whose request is already deleted
    keep no requester (their own actor still finds them)."""
    entries = apps.get_model("workspaces", "AuditEntry")
    drafts = apps.get_model("workspaces", "WorkspaceDraft")
    # The historical model's plain manager: the application's refuses every update (append-only).
    entries.objects.filter(draft__isnull=False, requester__isnull=True).update(
        requester=models.Subquery(
            drafts.objects.filter(pk=models.OuterRef("draft_id")).values("owner_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0014_saved_view_without_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="requester",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="requested_audit_entries",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                fields=["requester", "-created_at"], name="workspaces__request_6dba3a_idx"
            ),
        ),
        migrations.RunPython(fill_requesters, migrations.RunPython.noop),
    ]
