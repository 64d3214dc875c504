"""The portal sends a provisioner version or leaves the key out, never "": Harness applies its
default ("latest") only to a key left out (goadesign/goa `docs/FAQ.md`), and the fake refuses ""
(harness_fake/provisioner_checks.py)."""

from __future__ import annotations

from tests.samples import complete_draft
from workspaces.clients import harness_client_for
from workspaces.models import WorkspaceDraft
from workspaces.wizard import submit, validation

CREATE = "iacm.workspaces.create"


def test_an_empty_version_is_refused_on_the_provisioner_step():
    data = complete_draft("no_version_ws")
    data["provisioner"]["version"] = ""

    assert "version" in validation.bind_step("provisioner", data).problems()


def test_a_draft_without_a_version_is_not_sent(user_with_key, fake):
    data = complete_draft("no_version_ws")
    data["provisioner"]["version"] = ""
    draft = WorkspaceDraft.objects.create(
        owner=user_with_key, org="default", project="infra", data=data
    )

    submit.draft_submit(draft=draft, client=harness_client_for(user_with_key))

    assert fake.log(route=CREATE) == []
