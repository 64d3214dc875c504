from django.db import migrations, models

# What `outcomes.UNCLEAR` held when this migration was written (a migration keeps its own copy).
UNCLEAR = ("unknown", "unavailable")


def hold_unclear_creates(apps, schema_editor):
    """A create whose last POST got no clear answer (open, or waiting for an approval) keeps that
    body as an attempt that may still land, and Basics holds the identifier it sent: before
    this, a retry compared a 409 only with the edited draft, and Basics let the identifier
    change while the earlier POST could still create the workspace under the old one."""
    drafts = apps.get_model("workspaces", "WorkspaceDraft")
    unclear = drafts.objects.filter(
        kind="create",
        status__in=("draft", "failed", "awaiting_approval", "rejected"),
        harness_response__outcome__in=UNCLEAR,
        submitted_body__isnull=False,
    )
    for draft in unclear.iterator():
        sent = draft.submitted_body
        if not isinstance(sent, dict) or not sent.get("identifier"):
            continue
        basics = {**(draft.data.get("basics") or {}), "identifier_held": sent["identifier"]}
        draft.unsettled_bodies = [sent]
        draft.data = {**draft.data, "basics": basics}
        draft.save(update_fields=["unsettled_bodies", "data"])


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0012_favourite_order_by_identifier")]

    operations = [
        migrations.AddField(
            model_name="workspacedraft",
            name="unsettled_bodies",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(hold_unclear_creates, migrations.RunPython.noop),
    ]
