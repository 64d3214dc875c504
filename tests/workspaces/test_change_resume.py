"""Edit on the workspace page resumes the owner's open change of that workspace, never one of
a workspace of the same name deleted since.

Real HTTP against the fake Harness; the deletion and re-creation are writes to the fake's store.
"""

import copy

import pytest
from django.urls import reverse

from tests.conftest import ACCOUNT
from tests.workspaces.test_change import ORG, PROJECT, edit, seeded_workspace, start
from workspaces.clients import harness_client_for
from workspaces.models import WorkspaceDraft

pytestmark = pytest.mark.django_db


def _gone_change_and_a_recreated_workspace(signed_in, user, fake):
    """A change whose submit found its workspace deleted (gone), then a workspace created under
    the same identifier; returns (the change, the new workspace's record in the fake)."""
    workspace = seeded_workspace(harness_client_for(user))
    old = edit(start(user, workspace), basics={"description": "Old change"})
    store = fake.server.app.state.workspaces[(ACCOUNT, ORG, PROJECT)]
    record = copy.deepcopy(store.by_id[workspace.identifier].data)
    store.remove(workspace.identifier)
    signed_in.post(reverse("draft_submit", args=[old.pk]))
    old.refresh_from_db()
    assert old.harness_response["outcome"] == "gone"
    record |= {
        "name": "Recreated",
        "created": record["created"] + 1,
        "updated": record["updated"] + 1,
    }
    store.put(record)
    return old, record


def test_edit_of_a_recreated_workspace_does_not_reopen_the_change_of_the_deleted_one(
    signed_in_with_key, user_with_key, fake
):
    """The re-created workspace's page offered "Continue your change", which opened the change
    of the deleted one (its data, its snapshot; the review said the workspace no longer
    exists), whose Send anyway would write the old settings over the new workspace."""
    old, _ = _gone_change_and_a_recreated_workspace(signed_in_with_key, user_with_key, fake)

    page = signed_in_with_key.get(reverse("workspace_detail", args=[ORG, PROJECT, old.identifier]))
    opened = signed_in_with_key.post(
        reverse("workspace_change_start", args=[ORG, PROJECT, old.identifier])
    )

    assert "Continue your change" not in page.content.decode()
    assert str(old.pk) not in opened["Location"]
    started = WorkspaceDraft.objects.exclude(pk=old.pk).get(kind="edit")
    assert started.workspace_snapshot["name"] == "Recreated"
    # The old request stays in My requests, as it was: it says the workspace was gone.
    old.refresh_from_db()
    assert old.harness_response["outcome"] == "gone"


def test_my_requests_does_not_lead_a_change_of_a_deleted_workspace_onto_its_successor(
    signed_in_with_key, user_with_key, fake
):
    """My requests offered "Continue" on a change whose workspace was deleted; submitting it
    again found the re-created workspace "changed in Harness", and "Send anyway" then wrote
    the old change over the new workspace."""
    old, record = _gone_change_and_a_recreated_workspace(signed_in_with_key, user_with_key, fake)

    client = harness_client_for(user_with_key)
    listed = signed_in_with_key.get(reverse("draft_list")).content.decode()
    continue_url = reverse("draft_step", args=[old.pk, old.current_step])
    resumed = f'href="{continue_url}"' in listed
    resubmitted = signed_in_with_key.post(reverse("draft_submit", args=[old.pk]), follow=True)
    old.refresh_from_db()
    shown = (old.harness_response.get("harness_workspace") or {}).get("updated")
    anyway = signed_in_with_key.post(
        reverse("draft_send_anyway", args=[old.pk]), {"updated": shown or ""}, follow=True
    )

    now = client.get_workspace(org=ORG, project=PROJECT, identifier=old.identifier)
    assert (now.name, now.description) == ("Recreated", record.get("description"))
    assert not resumed, "My requests offers Continue on a change whose workspace was gone"
    assert old.harness_response["outcome"] == "gone"
    for page in (resubmitted, anyway):
        text = page.content.decode()
        assert "was deleted" in text, text
        assert reverse("draft_delete", args=[old.pk]) in text
