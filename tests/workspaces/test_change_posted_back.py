"""A change's step pages posted back as a browser posts them (`browserlike`) change nothing
Harness holds: what a field shows is what it sends back, spaces and line breaks included.

Real HTTP against the fake Harness; the values are put in Harness with a direct PUT.
"""

import pytest
from django.urls import reverse

from tests.workspaces.browserlike import posted
from tests.workspaces.test_change import UPDATE, direct_put, seeded_workspace, start
from workspaces.clients import harness_client_for
from workspaces.models import WorkspaceDraft
from workspaces.wizard import diff, steps

pytestmark = pytest.mark.django_db

HELD = {
    "name": {"name": "Payments VPC "},
    "tag key": {"tags": {"env": "dev", " owner": "alice"}},
    "tag value": {"tags": {"env": "dev", "note": "line one\nline two"}},
    "tag value crlf": {"tags": {"env": "dev", "note": "line one\r\nline two"}},
}


@pytest.mark.parametrize("case", list(HELD))
def test_pages_posted_back_as_shown_change_nothing_harness_holds(
    signed_in_with_key, user_with_key, fake, case
):
    """Changing only the description also showed "Name: 'Payments VPC ' → 'Payments VPC'", tag
    " owner" removed and "owner" added, or tag value "line one\\nline two" → "line oneline two":
    the name and tag keys were stripped, and a text input dropped the value's line break."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    direct_put(workspace.identifier, **HELD[case])
    draft = start(user_with_key, workspace)
    for step in steps.CHANGE_STEPS[:-1]:
        url = reverse("draft_step", args=[draft.pk, step])
        shown = posted(signed_in_with_key.get(url).content.decode())
        if step == "basics":
            shown["description"] = ["Only this changes"]
        signed_in_with_key.post(url, shown | {"action": ["next"]})
    draft = WorkspaceDraft.objects.get(pk=draft.pk)
    changes = [(c.label, c.before, c.after) for c in diff.change_review(draft)["changes"]]
    fake.clear_log()

    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assert [label for label, _before, _after in changes] == ["Description"], changes
    [put] = fake.log(route=UPDATE)
    assert put["body"].items() >= HELD[case].items()
