"""A create Harness did not answer clearly, then a retry: one request never makes two workspaces.

While an earlier POST may still land, Basics holds the identifier it sent (and the submit refuses
another), and a 409 to the retry is checked against every attempt that may have landed, not only
the edited draft. Real HTTP against the fake Harness; faults come from its injection.
"""

import copy
import importlib

import pytest
from django.urls import reverse

from tests.harness.conftest import after_the_first_look_that_misses, wait_until_logged
from tests.workspaces.test_drafts import make_draft
from workspaces.clients import harness_client_for
from workspaces.harness import errors
from workspaces.models import AuditEntry, WorkspaceDraft
from workspaces.wizard import drafts, submit
from workspaces.wizard.outcomes import EARLIER_MAY_LAND

pytestmark = pytest.mark.django_db
CREATE = "iacm.workspaces.create"
HELD = "Held as your earlier attempt sent it"


def _exists(client, identifier):
    try:
        client.get_workspace(org="default", project="infra", identifier=identifier)
    except errors.HarnessNotFound:
        return False
    return True


def _lost_first_post(user, fake, settings):
    settings.WIZARD_RECONCILE_SECONDS = 0
    fake.inject(CREATE, drop=True)
    client = harness_client_for(user)
    draft = submit.draft_submit(draft=make_draft(user), client=client).draft
    assert (draft.status, draft.harness_response["outcome"]) == ("failed", "unknown")
    return client, draft


def test_a_retry_after_an_unclear_create_never_makes_a_second_workspace(
    user_with_key, fake, settings
):
    """README: "so a slow Harness never ends with two workspaces". Told the workspace "does not
    exist yet", the person gives it another identifier and submits again, while the first POST
    is still on its way: Basics keeps the identifier that POST sent."""
    settings.HARNESS_READ_TIMEOUT = 0.4
    settings.WIZARD_RECONCILE_SECONDS = 0
    fake.inject(CREATE, delay_ms=1500)  # Harness creates it, after the portal gave up
    client = harness_client_for(user_with_key)
    draft = submit.draft_submit(draft=make_draft(user_with_key), client=client).draft
    assert draft.harness_response["outcome"] == "unknown"
    assert "never created twice" in draft.harness_response["message"]

    basics = {**draft.data["basics"], "identifier": "pay_vpc_dev_2", "identifier_edited": True}
    try:
        saved = drafts.draft_save_step(draft=draft, step="basics", values=basics, client=client)
        again = submit.draft_submit(draft=saved.draft, client=client).draft
    finally:
        wait_until_logged(fake, CREATE, count=2)  # the first POST lands (Harness answers it 409)

    assert saved.draft.data["basics"]["identifier"] == "pay_vpc_dev"  # held as sent
    assert saved.form.fields["identifier"].disabled
    assert not _exists(client, "pay_vpc_dev_2")
    assert [p["body"]["identifier"] for p in fake.log(route=CREATE)] == ["pay_vpc_dev"] * 2
    assert (again.status, again.identifier) == ("created", "pay_vpc_dev")


def test_the_submit_refuses_an_identifier_other_than_the_one_an_unclear_post_sent(
    user_with_key, fake, settings
):
    """Defence in depth: a draft whose identifier changed without Basics' hold (its data saved
    without the held identifier) is not sent under another one while the earlier POST may land."""
    client, draft = _lost_first_post(user_with_key, fake, settings)
    assert draft.data["basics"]["identifier_held"] == "pay_vpc_dev"
    data = copy.deepcopy(draft.data)
    data["basics"] |= {"identifier": "pay_vpc_dev_2", "identifier_held": ""}
    WorkspaceDraft.objects.filter(pk=draft.pk).update(data=data, identifier="pay_vpc_dev_2")
    draft.refresh_from_db()

    again = submit.draft_submit(draft=draft, client=client).draft

    assert len(fake.log(route=CREATE)) == 1  # nothing sent
    assert (again.status, again.harness_response["outcome"]) == ("failed", "unknown")
    message = again.harness_response["message"]
    assert "nothing was sent" in message and "pay_vpc_dev" in message
    assert (again.harness_response["step"], again.harness_response["field"]) == (
        "basics",
        "identifier",
    )
    assert not _exists(client, "pay_vpc_dev_2")


def test_basics_shows_the_held_identifier_read_only_and_says_why(
    signed_in_with_key, user_with_key, fake, settings
):
    _client, draft = _lost_first_post(user_with_key, fake, settings)

    page = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "basics"])).content.decode()

    field = page.split('id="id_identifier"')[0].rsplit("<input", 1)[1]
    assert "disabled" in field
    assert HELD in page
    assert "cannot change" not in page  # not the sentence of an existing workspace's identifier


def test_a_409_to_a_retry_is_checked_against_the_earlier_attempt_not_the_edited_draft(
    user_with_key, fake, settings
):
    """The earlier POST lands between the retry's GET and its POST; only the name was edited:
    the workspace is this request's, created by the earlier attempt with the earlier name."""
    settings.HARNESS_READ_TIMEOUT = 1.0
    settings.WIZARD_RECONCILE_SECONDS = 0
    fake.inject(CREATE, delay_ms=1600)  # lands 1.6 s after it was sent
    client = harness_client_for(user_with_key)
    draft = submit.draft_submit(draft=make_draft(user_with_key), client=client).draft
    assert draft.harness_response["outcome"] == "unknown"

    basics = {**draft.data["basics"], "name": "pay-vpc-dev-renamed"}
    draft = drafts.draft_save_step(draft=draft, step="basics", values=basics, client=client).draft
    fake.inject(CREATE, delay_ms=800)  # the retry's POST is handled after the first lands
    again = submit.draft_submit(draft=draft, client=client).draft

    assert [p["status"] for p in fake.log(route=CREATE)] == [200, 409]  # the race happened
    response = again.harness_response
    assert (again.status, response["outcome"]) == ("created", "created"), response["message"]
    assert response["message"].startswith("Created on an earlier attempt, as it was then")
    assert "not in it: Name." in response["message"]
    workspace = client.get_workspace(org="default", project="infra", identifier="pay_vpc_dev")
    assert workspace.name == "pay-vpc-dev"  # the earlier attempt's values
    assert not again.data["basics"].get("identifier_taken")


def test_a_409_after_the_look_is_matched_with_the_earlier_body_deterministically(
    signed_in_with_key, user_with_key, fake, settings
):
    """As above, the race made certain: the lost POST lands just after the retry's look. The
    result page offers to edit the workspace (what was edited since is not in it)."""
    client, draft = _lost_first_post(user_with_key, fake, settings)
    first_body = draft.submitted_body
    drafts.draft_save_step(
        draft=draft,
        step="basics",
        values={**draft.data["basics"], "name": "renamed", "description": "Later"},
        client=client,
    )

    def lands():  # the lost POST, just after the retry's look
        client.create_workspace(org="default", project="infra", body=first_body)

    with after_the_first_look_that_misses(lands) as armed:
        signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    draft.refresh_from_db()

    assert not armed.is_set()
    assert fake.log(route=CREATE)[-1]["status"] == 409
    assert draft.status == "created"
    assert "not in it: Name, Description." in draft.harness_response["message"]
    entry = AuditEntry.objects.get(action="create", outcome="created")
    assert entry.body == first_body  # what Harness holds, not the renamed body posted
    page = signed_in_with_key.get(reverse("draft_result", args=[draft.pk])).content.decode()
    edit = reverse("workspace_change_start", args=["default", "infra", "pay_vpc_dev"])
    assert f'action="{edit}"' in page


def test_a_409_from_someone_elses_workspace_releases_the_identifier(user_with_key, fake, settings):
    """The way out when the earlier POST never lands: the retry (same identifier) gets a clear
    answer about it. Someone else's workspace took it: no earlier attempt can land any more, so
    Basics lets the identifier change again, and says it is taken."""
    client, draft = _lost_first_post(user_with_key, fake, settings)

    def someone_else_takes_it():
        body = {**draft.submitted_body, "name": "someone-else", "repository": "other"}
        client.create_workspace(org="default", project="infra", body=body)

    with after_the_first_look_that_misses(someone_else_takes_it):
        again = submit.draft_submit(draft=draft, client=client).draft

    assert (again.status, again.harness_response["outcome"]) == ("failed", "conflict")
    assert again.data["basics"]["identifier_taken"] == "pay_vpc_dev"
    assert not again.data["basics"].get("identifier_held")
    basics = {**again.data["basics"], "identifier": "pay_vpc_dev_2", "identifier_edited": True}
    saved = drafts.draft_save_step(draft=again, step="basics", values=basics, client=client)
    assert saved.draft.identifier == "pay_vpc_dev_2"
    assert submit.draft_submit(draft=saved.draft, client=client).draft.status == "created"


def test_a_refused_retry_keeps_the_identifier_held_and_the_next_submit_looks_first(
    user_with_key, fake, settings
):
    """A 400 to the retry says nothing about the earlier POST: it may still land. The
    identifier stays held, and when the earlier POST has landed, the next submit finds it."""
    client, draft = _lost_first_post(user_with_key, fake, settings)
    fake.inject(CREATE, status=400)
    refused = submit.draft_submit(draft=draft, client=client).draft
    assert refused.status == "failed"
    assert refused.harness_response["outcome"] == "invalid"
    assert refused.data["basics"]["identifier_held"] == "pay_vpc_dev"

    client.create_workspace(org="default", project="infra", body=draft.submitted_body)  # lands
    again = submit.draft_submit(draft=refused, client=client).draft

    assert again.status == "created", (again.harness_response, again.unsettled_bodies)
    assert again.harness_response["message"].startswith("Created on an earlier attempt")
    assert len(fake.log(route=CREATE)) == 3  # lost, refused, landed: no fourth


def _said(client, user, draft) -> tuple[str, str]:
    """What `draft`'s result page and its status in My requests (its only request) say."""
    client.force_login(user)
    page = client.get(reverse("draft_result", args=[draft.pk])).content.decode()
    mine = client.get(reverse("draft_list")).content.decode()
    return page, mine.split('data-label="Status"')[1].split("</td>")[0]


def test_a_busy_retry_after_a_refused_one_still_says_the_earlier_post_may_land(
    user_with_key, fake, settings, client
):
    """README: while the write may still land, the result page headlines "Outcome unclear.",
    not "Not created.": a 400 then a 429 say nothing about the lost POST."""
    harness, draft = _lost_first_post(user_with_key, fake, settings)
    fake.inject(CREATE, status=400)
    refused = submit.draft_submit(draft=draft, client=harness).draft
    fake.inject(CREATE, status=429)

    busy = submit.draft_submit(draft=refused, client=harness).draft

    assert busy.unsettled_bodies
    assert busy.data["basics"]["identifier_held"] == "pay_vpc_dev"
    page, row = _said(client, user_with_key, busy)
    assert "Not created." not in page
    assert "Outcome unclear." in page, busy.harness_response
    assert "limiting requests" in page and EARLIER_MAY_LAND in page  # this attempt, and the first
    assert "Outcome unclear" in row and "Failed" not in row


def test_a_refused_retry_still_says_the_earlier_post_may_land(
    user_with_key, fake, settings, client
):
    """A 400 to the retry is said on its step, and the earlier POST may still land: the result
    page and My requests say the outcome is unclear, with Harness's words for the retry."""
    harness, draft = _lost_first_post(user_with_key, fake, settings)
    fake.inject(CREATE, status=400)

    refused = submit.draft_submit(draft=draft, client=harness).draft

    assert refused.harness_response["outcome"] == "invalid"  # still placed on its step
    page, row = _said(client, user_with_key, refused)
    assert "Not created." not in page
    assert "Outcome unclear." in page and EARLIER_MAY_LAND in page
    assert refused.harness_response["message"] in page
    assert "Outcome unclear" in row and "Failed" not in row


def test_a_failed_look_after_a_refused_retry_keeps_the_earlier_post_unclear(
    user_with_key, fake, settings
):
    """The look before the next retry fails: nothing is sent, and the outcome is unclear, not
    the 400 the last retry got (its field refusal is not what the request holds now)."""
    harness, draft = _lost_first_post(user_with_key, fake, settings)
    fake.inject(CREATE, status=400)
    refused = submit.draft_submit(draft=draft, client=harness).draft
    fake.inject("iacm.workspaces.get", status=503, times=5)  # reads are retried

    again = submit.draft_submit(draft=refused, client=harness).draft

    assert len(fake.log(route=CREATE)) == 2  # nothing sent
    assert (again.status, again.harness_response["outcome"]) == ("failed", "unknown")
    assert (
        "could not check whether your earlier attempt landed" in again.harness_response["message"]
    )
    assert again.data["basics"]["identifier_held"] == "pay_vpc_dev"


def test_creates_left_unclear_before_the_hold_are_held_by_the_migration(user_with_key):
    from django.apps import apps

    migration = importlib.import_module("workspaces.migrations.0013_draft_unsettled_bodies")
    sent = {"identifier": "pay_vpc_dev", "name": "pay-vpc-dev"}
    unclear = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=unclear.pk).update(
        status="failed", submitted_body=sent, harness_response={"outcome": "unavailable"}
    )
    refused = make_draft(user_with_key, identifier="other_vpc")
    WorkspaceDraft.objects.filter(pk=refused.pk).update(
        status="failed", submitted_body=sent, harness_response={"outcome": "invalid"}
    )

    migration.hold_unclear_creates(apps, None)

    unclear.refresh_from_db()
    refused.refresh_from_db()
    assert unclear.unsettled_bodies == [sent]
    assert unclear.data["basics"]["identifier_held"] == "pay_vpc_dev"
    assert unclear.data["basics"]["name"] == "pay-vpc-dev"  # the rest is kept
    assert refused.unsettled_bodies == []
    assert "identifier_held" not in refused.data["basics"]
