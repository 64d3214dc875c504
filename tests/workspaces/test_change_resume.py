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


def test_edit_of_a_recreated_workspace_does_not_reopen_the_change_of_the_deleted_one(
    signed_in_with_key, user_with_key, fake
):
    """The re-created workspace's page offered "Continue your change", which opened the change
    of the deleted one (its data, its snapshot; the review said the workspace no longer
    exists), whose Send anyway would write the old settings over the new workspace."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    old = edit(start(user_with_key, workspace), basics={"description": "Old change"})
    store = fake.server.app.state.workspaces[(ACCOUNT, ORG, PROJECT)]
    record = copy.deepcopy(store.by_id[workspace.identifier].data)
    store.remove(workspace.identifier)
    signed_in_with_key.post(reverse("draft_submit", args=[old.pk]))
    old.refresh_from_db()
    assert old.harness_response["outcome"] == "gone"
    record |= {
        "name": "Recreated",
        "created": record["created"] + 1,
        "updated": record["updated"] + 1,
    }
    store.put(record)

    page = signed_in_with_key.get(
        reverse("workspace_detail", args=[ORG, PROJECT, workspace.identifier])
    )
    opened = signed_in_with_key.post(
        reverse("workspace_change_start", args=[ORG, PROJECT, workspace.identifier])
    )

    assert "Continue your change" not in page.content.decode()
    assert str(old.pk) not in opened["Location"]
    started = WorkspaceDraft.objects.exclude(pk=old.pk).get(kind="edit")
    assert started.workspace_snapshot["name"] == "Recreated"
    # The old request stays in My requests, as it was: it says the workspace was gone.
    old.refresh_from_db()
    assert old.harness_response["outcome"] == "gone"
