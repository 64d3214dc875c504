"""Drafts saved with Terragrunt as a provisioner of its own move to the shape Harness takes.

Before: `provisioner: {"provisioner": "terragrunt", "version": <Terragrunt version>, ...}`.
After: OpenTofu run through Terragrunt, `{"provisioner": "opentofu", "version": "",
"terragrunt": true, "terragrunt_version": <that version>, ...}`; the OpenTofu version is left to
choose, so a provisioner step that was valid is flagged. A template lock on the old value is
dropped (a template cannot lock a provisioner Harness does not have).
"""

from django.db import migrations


def terragrunt_mode(data):
    """`data` with a stored Terragrunt provisioner in the new shape (None when unchanged)."""
    provisioner = data.get("provisioner")
    if not isinstance(provisioner, dict) or provisioner.get("provisioner") != "terragrunt":
        return None
    data = dict(data)
    data["provisioner"] = {
        **provisioner,
        "provisioner": "opentofu",
        "version": "",
        "terragrunt": True,
        "terragrunt_version": provisioner.get("version", ""),
    }
    template = data.get("template")
    if isinstance(template, dict) and isinstance(template.get("locked"), dict):
        locked = template["locked"]
        if locked.get("provisioner.provisioner") == "terragrunt":
            locked = {
                k: v for k, v in locked.items() if k not in ("provisioner.provisioner", "provisioner.version")
            }
            data["template"] = {**template, "locked": locked}
    return data


def forwards(apps, schema_editor):
    WorkspaceDraft = apps.get_model("workspaces", "WorkspaceDraft")
    for draft in WorkspaceDraft.objects.filter(data__provisioner__provisioner="terragrunt"):
        migrated = terragrunt_mode(draft.data)
        if migrated is None:
            continue
        draft.data = migrated
        if draft.step_status.get("provisioner") == "valid":
            draft.step_status = {**draft.step_status, "provisioner": "flagged"}
        draft.save(update_fields=["data", "step_status"])


class Migration(migrations.Migration):
    dependencies = [("workspaces", "0002_workspace_draft")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
