"""Change views: Edit on the workspace page, the edit draft's steps and review (full pages and
htmx partials), the submit that finds a change made in Harness, send anyway, My requests, and
a read-only key."""

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.conftest import ACCOUNT, READ_KEY
from tests.stacked import stacked_tables, unlabelled_cells
from tests.workspaces.browserlike import form_fields
from tests.workspaces.test_change import (
    GET,
    HELD_KEY_SHAPE,
    ORG,
    PROJECT,
    UPDATE,
    direct_put,
    edit,
    seeded_workspace,
    start,
)
from workspaces.clients import harness_client_for
from workspaces.models import WorkspaceDraft
from workspaces.services import credential_save
from workspaces.wizard import diff
from workspaces.wizard.validation import step_data

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def detail_url(identifier):
    return reverse("workspace_detail", args=[ORG, PROJECT, identifier])


def start_url(identifier):
    return reverse("workspace_change_start", args=[ORG, PROJECT, identifier])


def step_url(draft, step):
    return reverse("draft_step", args=[draft.pk, step])


@pytest.fixture
def workspace(user_with_key):
    return seeded_workspace(harness_client_for(user_with_key))


def test_edit_on_the_workspace_page_opens_its_basics(signed_in_with_key, workspace, fake):
    page = signed_in_with_key.get(detail_url(workspace.identifier))

    response = signed_in_with_key.post(start_url(workspace.identifier))

    assertContains(page, f'action="{start_url(workspace.identifier)}"')
    assertContains(page, ">Edit<")
    draft = WorkspaceDraft.objects.get(kind="edit")
    assertRedirects(response, step_url(draft, "basics"), fetch_redirect_response=False)
    basics = signed_in_with_key.get(step_url(draft, "basics"))
    assertContains(basics, f'Change to <a href="{detail_url(workspace.identifier)}">')
    assertContains(basics, "The identifier of an existing workspace cannot change.")
    identifier = re.search(r'<input[^>]*name="identifier"[^>]*>', basics.content.decode())[0]
    assert f'value="{workspace.identifier}"' in identifier
    assert " disabled" in identifier
    assertNotContains(basics, reverse("draft_identifier_check", args=[draft.pk]))
    nav = basics.content.decode().split('aria-label="Steps"')[1].split("</nav>")[0]
    assert "Start from" not in nav
    assertNotContains(basics, 'value="back"')  # Basics is the first step of a change


def test_the_workspace_page_says_when_a_change_is_in_progress(
    signed_in_with_key, user_with_key, workspace, fake
):
    start(user_with_key, workspace)

    page = signed_in_with_key.get(detail_url(workspace.identifier))

    assertContains(page, "Continue your change")
    assertContains(page, "You have a change to this workspace in progress")


def test_a_change_step_autosaves_as_a_partial(signed_in_with_key, user_with_key, workspace, fake):
    draft = start(user_with_key, workspace)
    data = {"connector": draft.data["repository"]["connector"], "repository": "other-repo"}
    data |= {"fetch_type": "branch", "branch": "release", "path": "", "submodules": "false"}

    response = signed_in_with_key.post(
        step_url(draft, "repository") + "?autosave=1", data, headers=HTMX
    )

    assertContains(response, 'id="save-state"')
    assertNotContains(response, "<html")
    draft.refresh_from_db()
    assert draft.data["repository"]["branch"] == "release"


def test_line_breaks_posted_as_crlf_are_kept_as_harness_holds_them(
    signed_in_with_key, user_with_key, workspace, fake
):
    """A browser posts a textarea's line breaks as CRLF: saved, they are LF again, so the
    description and a variable of several lines pass through their steps unchanged."""
    hcl_map = "{\n  a = 1\n  b = 2\n}"
    direct_put(
        workspace.identifier,
        description="Line one\nLine two",
        terraform_variables={"labels": {"key": "labels", "value": hcl_map, "value_type": "string"}},
    )
    draft = start(user_with_key, workspace)
    basics = step_data("basics", draft.data["basics"]) | {"description": "Line one\r\nLine two"}
    variables = step_data("variables", draft.data["variables"])
    variables["terraform-0-value"] = hcl_map.replace("\n", "\r\n")

    page = signed_in_with_key.get(step_url(draft, "variables"))
    signed_in_with_key.post(step_url(draft, "basics") + "?autosave=1", basics, headers=HTMX)
    signed_in_with_key.post(step_url(draft, "variables") + "?autosave=1", variables, headers=HTMX)

    draft.refresh_from_db()
    assert draft.data["basics"]["description"] == "Line one\nLine two"
    assert draft.data["variables"]["terraform"][0]["value"] == hcl_map
    assert diff.change_review(draft)["changes"] == []
    assertContains(page, 'rows="4" autocomplete="off" spellcheck="false" class="row__multiline"')
    assertContains(page, '<label for="terraform-0-value">Value 1</label>')
    assertContains(page, f"\n{hcl_map}</textarea>")


def test_values_harness_holds_in_the_shape_of_a_key_are_kept_through_the_steps_and_sent_back(
    signed_in_with_key, user_with_key, workspace, fake
):
    """Saving Basics turned a tag Harness holds into [redacted] (and the change would then have
    sent that): what Harness holds is kept as it holds it and sent back, never refused; the
    portal did not put it there, and the PUT must carry it to keep it."""
    held = HELD_KEY_SHAPE
    direct_put(
        workspace.identifier,
        description=f"Deployed with {held}",
        tags={"owner": held},
        terraform_variables={"token": {"key": "token", "value": held, "value_type": "string"}},
    )
    draft = start(user_with_key, workspace)
    basics = step_data("basics", draft.data["basics"]) | {"name": "Renamed"}
    variables = step_data("variables", draft.data["variables"])

    for step, posted in (("basics", basics), ("variables", variables)):
        response = signed_in_with_key.post(step_url(draft, step), posted | {"action": "next"})
        assert response.status_code == 302, step

    draft.refresh_from_db()
    assert draft.data["basics"]["description"] == f"Deployed with {held}"
    assert draft.data["basics"]["tags"] == [{"key": "owner", "value": held}]
    assert draft.data["variables"]["terraform"][0]["value"] == held
    assert [change.label for change in diff.change_review(draft)["changes"]] == ["Name"]
    # A new value of that shape is still refused: only what Harness holds is kept.
    variables["terraform-0-value"] = held + "x"
    signed_in_with_key.post(step_url(draft, "variables"), variables | {"action": "next"})
    draft.refresh_from_db()
    assert draft.data["variables"]["terraform"][0]["value"] == "[redacted]"


def test_the_provisioner_step_says_which_main_connector_is_kept_though_no_slot_shows_it(
    signed_in_with_key, user_with_key, workspace, fake
):
    direct_put(
        workspace.identifier,
        provider_connector="account.aws_prod",
        provider_connectors=[{"connector_ref": "account.aws_dev", "type": "aws"}],
    )
    draft = start(user_with_key, workspace)

    page = signed_in_with_key.get(step_url(draft, "provisioner"))

    note = re.search(r'<p [^>]*id="main-connector-kept".*?</p>', page.content.decode(), re.S)[0]
    assert "<code>account.aws_prod</code>" in note
    assert "the aws connector account.aws_dev is the one used" in note
    assert "stays the workspace's main connector while the connectors below" in note


def test_the_version_select_offers_latest_as_harness_holds_it(
    signed_in_with_key, user_with_key, workspace, fake
):
    direct_put(workspace.identifier, provisioner_version="latest")
    draft = start(user_with_key, workspace)

    page = signed_in_with_key.get(step_url(draft, "provisioner"))
    other_tool = signed_in_with_key.get(
        reverse("draft_picker", args=[draft.pk, "provisioner", "version"]),
        {"provisioner": "terraform"},
        headers=HTMX,
    )

    for shown in (page, other_tool):
        assertContains(shown, '<option value="latest" selected>latest (as Harness holds it)')
        assertNotContains(shown, "(not supported)")
    draft.refresh_from_db()
    assert draft.data["provisioner"]["version"] == "latest"  # no pinned version saved for it


def test_a_change_awaiting_approval_is_the_one_edit_opens(
    signed_in_with_key, user_with_key, workspace, fake
):
    from tests.approvals.support import GROUP, prod_rule

    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    draft = edit(start(user_with_key, workspace), repository={"branch": "release"})
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "awaiting_approval"

    page = signed_in_with_key.get(detail_url(workspace.identifier))
    opened = signed_in_with_key.post(start_url(workspace.identifier), follow=True)

    assert WorkspaceDraft.objects.filter(kind="edit").count() == 1
    assertContains(page, "See your change")
    assertContains(page, "Your change to this workspace is awaiting approval")
    assertRedirects(opened, reverse("draft_result", args=[draft.pk]))
    assertContains(opened, "Your change to this workspace is awaiting approval")


def test_the_start_from_step_of_a_change_is_not_there(
    signed_in_with_key, user_with_key, workspace, fake
):
    draft = start(user_with_key, workspace)

    assert signed_in_with_key.get(step_url(draft, "template")).status_code == 404
    assert signed_in_with_key.post(step_url(draft, "template"), {}).status_code == 404


def test_a_harness_code_workspace_offers_no_git_connector_on_its_repository_step(
    signed_in_with_key, user_with_key, workspace, fake
):
    direct_put(workspace.identifier, repository_connector="")
    draft = start(user_with_key, workspace)
    copy = WorkspaceDraft.objects.create(owner=user_with_key, org=ORG, project=PROJECT)

    page = signed_in_with_key.get(step_url(draft, "repository"))
    new = signed_in_with_key.get(step_url(copy, "repository"))

    assertContains(page, "None: the repository is in Harness Code")
    assertNotContains(new, "None: the repository is in Harness Code")


def test_another_users_change_is_a_404(client, other_user, user_with_key, workspace, fake):
    draft = start(user_with_key, workspace)
    client.force_login(other_user)

    assert client.get(step_url(draft, "basics")).status_code == 404
    assert client.get(reverse("draft_review", args=[draft.pk])).status_code == 404
    assert client.post(reverse("draft_send_anyway", args=[draft.pk])).status_code == 404


def test_the_review_shows_the_diff_and_the_exact_put(
    signed_in_with_key, user_with_key, workspace, fake
):
    draft = edit(start(user_with_key, workspace), repository={"branch": "release"})

    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))

    assertContains(review, "Your change")
    assertContains(
        review,
        f'<td class="diff-value" data-label="Now">{workspace.repository_branch}</td>'
        '<td class="diff-value" data-label="After">release</td>',
        html=False,
    )
    # On a phone its rows stack, each value beside its column's name: "After" was cut off.
    table = stacked_tables(review.content.decode())["table diff-table table--stack"]
    assert unlabelled_cells(table) == []
    assertContains(
        review, f"PUT /iacm/api/orgs/{ORG}/projects/{PROJECT}/workspaces/{workspace.identifier}"
    )
    assertContains(review, "&quot;repository_branch&quot;: &quot;release&quot;")
    assertNotContains(review, "&quot;identifier&quot;")
    assertContains(review, "Send the change")
    assertContains(review, "cannot be detected")


def test_a_change_made_in_harness_is_shown_then_sent_anyway(
    signed_in_with_key, user_with_key, workspace, fake
):
    draft = edit(start(user_with_key, workspace), repository={"branch": "release"})
    direct_put(workspace.identifier, description="Edited in Harness")
    fake.clear_log()

    submitted = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]), headers=HTMX)
    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))
    sent = signed_in_with_key.post(
        reverse("draft_send_anyway", args=[draft.pk]), {"updated": shown_updated(review)}
    )

    assert submitted.headers["HX-Redirect"] == reverse("draft_review", args=[draft.pk])
    assertContains(review, "Changed in Harness since you started")
    assertContains(review, "Edited in Harness")
    panel = review.content.decode().split('id="changed-in-harness"')[1].split("</section>")[0]
    [table] = stacked_tables(panel).values()  # on a phone too, "Your change sends" is shown
    assert unlabelled_cells(table) == []
    assertContains(review, "Send my change anyway")
    assertRedirects(sent, reverse("draft_result", args=[draft.pk]), fetch_redirect_response=False)
    assert [entry["route"] for entry in fake.log()] == [GET, GET, UPDATE]
    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))
    assertContains(result, "now holds your change")


def test_an_unclear_change_is_headlined_unclear_not_not_changed(
    signed_in_with_key, user_with_key, workspace, fake, settings
):
    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = edit(start(user_with_key, workspace), repository={"branch": "hotfix"})
    fake.inject(GET, delay_ms=1)  # the check before the PUT is answered
    fake.inject(UPDATE, body="malformed")  # Harness makes the change; its answer is cut
    fake.inject(GET, status=503, times=5)  # and the look after it fails (reads are retried)
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    page = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))
    partial = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]), headers=HTMX)

    after = harness_client_for(user_with_key).get_workspace(
        org=ORG, project=PROJECT, identifier=workspace.identifier
    )
    assert after.repository_branch == "hotfix"  # Harness holds the change
    for response in (page, partial):
        assertContains(response, "could not check whether the change landed")
        assertContains(response, "<strong>Outcome unclear.</strong>", html=False)
        assertNotContains(response, "Not changed.")
    assertContains(page, "<h1>")
    assertNotContains(partial, "<h1>")


def test_fix_and_submit_again_after_an_unclear_change_says_the_outcome_is_unclear(
    signed_in_with_key, user_with_key, workspace, fake, settings
):
    """The result page said "Outcome unclear."; its "Fix and submit again" opened a review that
    said "The last submit did not change the workspace", which Harness held."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = edit(start(user_with_key, workspace), repository={"branch": "hotfix"})
    fake.inject(GET, delay_ms=1)  # the check before the PUT is answered
    fake.inject(UPDATE, body="malformed")  # Harness makes the change; its answer is cut
    fake.inject(GET, status=503, times=5)  # and the look after it fails (reads are retried)
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))
    fix_url = re.search(r'href="([^"]*)">Fix and submit again', result.content.decode())[1]
    review = signed_in_with_key.get(fix_url)

    assert fix_url == step_url(draft, "review")
    assertNotContains(review, "did not change the workspace")
    outcome = re.search(r'<div [^>]*id="harness-outcome".*?</div>', review.content.decode(), re.S)
    assert "<strong>Outcome unclear.</strong>" in outcome[0]
    assert "could not check whether the change landed" in outcome[0]


def test_a_change_to_a_workspace_deleted_in_harness_offers_to_delete_the_request(
    signed_in_with_key, user_with_key, workspace, fake
):
    """It said "Delete this request." but offered only "Fix and submit again", which led back
    to the same answer."""
    draft = edit(start(user_with_key, workspace), repository={"branch": "hotfix"})
    fake.inject(GET, status=404)  # deleted in Harness since the change started
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))
    partial = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]), headers=HTMX)
    form = re.search(r"<form [^>]*>.*?</form>", partial.content.decode(), re.S)[0]
    deleted = signed_in_with_key.post(reverse("draft_delete", args=[draft.pk]), {"confirm": "1"})

    for response in (result, partial):
        assertContains(response, "no longer exists in Harness")
        assertNotContains(response, "Fix and submit again")
        assertNotContains(response, "kept as a draft")
    assert f'method="post" action="{reverse("draft_delete", args=[draft.pk])}"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<input type="hidden" name="confirm" value="1">' in form
    assert ">Delete this request</button>" in form
    assertRedirects(deleted, reverse("draft_list"), fetch_redirect_response=False)
    assert not WorkspaceDraft.objects.filter(pk=draft.pk).exists()


def test_a_change_whose_earlier_attempt_landed_says_so_on_its_review(
    signed_in_with_key, user_with_key, workspace, fake
):
    draft = edit(start(user_with_key, workspace), basics={"description": "Not sent yet"})
    message = "Your earlier attempt reached Harness after all: ... not sent yet: it is below."
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        harness_response={"outcome": "landed_earlier", "message": message}
    )

    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))

    notice = re.search(r'<div [^>]*id="landed-earlier".*?</div>', review.content.decode(), re.S)[0]
    assert "Your earlier attempt changed the workspace." in notice
    assert "not sent yet: it is below." in notice
    assertContains(review, '<th scope="row">Description</th>', html=False)


def shown_updated(review) -> str:
    """The `updated` of the workspace the review's "Changed in Harness" panel shows, as its
    "Send my change anyway" form carries it."""
    form = review.content.decode().split('id="changed-in-harness"')[1].split("</form>")[0]
    return re.search(r'<input type="hidden" name="updated" value="(\d+)">', form)[1]


def test_send_anyway_from_a_tab_showing_an_older_change_in_harness_sends_nothing(
    signed_in_with_key, user_with_key, workspace, fake
):
    """Two tabs show the panel for a first change in Harness; Harness is changed again, and
    "Send my change anyway" in the second tab finds that second change (stored, nothing sent).
    The same button in the first tab confirmed the second change unseen and sent over it."""
    draft = edit(start(user_with_key, workspace), repository={"branch": "release"})
    direct_put(workspace.identifier, description="First edit in Harness")
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    review_url = reverse("draft_review", args=[draft.pk])
    first_tab = shown_updated(signed_in_with_key.get(review_url))
    direct_put(workspace.identifier, description="Second edit in Harness")
    signed_in_with_key.post(reverse("draft_send_anyway", args=[draft.pk]), {"updated": first_tab})
    draft.refresh_from_db()
    stored = draft.harness_response["harness_workspace"]
    assert stored["description"] == "Second edit in Harness"
    fake.clear_log()

    refused = signed_in_with_key.post(
        reverse("draft_send_anyway", args=[draft.pk]), {"updated": first_tab}, follow=True
    )

    assertRedirects(refused, review_url)
    assertContains(refused, "changed in Harness again since the comparison you confirmed")
    panel = refused.content.decode().split('id="changed-in-harness"')[1].split("</section>")[0]
    assert "Second edit in Harness" in panel
    assert shown_updated(refused) == str(stored["updated"]) != first_tab
    draft.refresh_from_db()
    assert draft.harness_response["outcome"] == "changed_in_harness"  # still to confirm
    assert draft.workspace_snapshot["description"] != "Second edit in Harness"
    assert fake.log(route=UPDATE) == []
    # Confirmed from the panel that shows it, it is sent.
    signed_in_with_key.post(
        reverse("draft_send_anyway", args=[draft.pk]), {"updated": shown_updated(refused)}
    )
    assert [put["body"]["repository_branch"] for put in fake.log(route=UPDATE)] == ["release"]


@pytest.mark.parametrize("posted", [{}, {"updated": ""}, {"updated": "soon"}])
def test_send_anyway_that_does_not_say_what_it_confirms_sends_nothing(
    signed_in_with_key, user_with_key, workspace, fake, posted
):
    draft = edit(start(user_with_key, workspace), repository={"branch": "release"})
    direct_put(workspace.identifier, description="Edited in Harness")
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    fake.clear_log()

    refused = signed_in_with_key.post(reverse("draft_send_anyway", args=[draft.pk]), posted)

    assertRedirects(refused, reverse("draft_review", args=[draft.pk]), target_status_code=200)
    draft.refresh_from_db()
    assert draft.harness_response["outcome"] == "changed_in_harness"
    assert fake.log() == []


def test_send_anyway_with_a_key_for_another_account_keeps_the_change_to_confirm(
    signed_in_with_key, user_with_key, workspace, fake
):
    from tests.conftest import OTHER_KEY

    draft = edit(start(user_with_key, workspace), repository={"branch": "release"})
    direct_put(workspace.identifier, description="Edited in Harness")
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    credential_save(user=user_with_key, account_id="OtherAcct02", api_key=OTHER_KEY)
    fake.clear_log()

    refused = signed_in_with_key.post(reverse("draft_send_anyway", args=[draft.pk]))

    assertContains(refused, "started with a key for the Harness account", status_code=403)
    draft.refresh_from_db()
    assert draft.harness_response["outcome"] == "changed_in_harness"  # still to confirm
    assert fake.log(route=UPDATE) == []


def test_send_anyway_without_a_key_leads_to_the_key_page(
    signed_in_with_key, user_with_key, workspace, fake
):
    from workspaces.services import credential_delete

    draft = edit(start(user_with_key, workspace), repository={"branch": "release"})
    credential_delete(user=user_with_key)  # "Delete key" in another tab

    response = signed_in_with_key.post(reverse("draft_send_anyway", args=[draft.pk]))

    # As Submit does: the key page, not "your key is now for , so nothing was sent".
    assertRedirects(response, reverse("harness_key"), fetch_redirect_response=False)
    assert fake.log(route=UPDATE) == []


def test_send_anyway_without_a_change_in_harness_sends_nothing(
    signed_in_with_key, user_with_key, workspace, fake
):
    draft = edit(start(user_with_key, workspace), repository={"branch": "release"})
    fake.clear_log()

    response = signed_in_with_key.post(reverse("draft_send_anyway", args=[draft.pk]))

    assertRedirects(response, reverse("draft_review", args=[draft.pk]), target_status_code=200)
    assert fake.log(route=UPDATE) == []


def test_my_requests_lists_a_change_to_the_workspace(
    signed_in_with_key, user_with_key, workspace, fake
):
    start(user_with_key, workspace)

    page = signed_in_with_key.get(reverse("draft_list"))

    assertContains(page, f"Change to {workspace.name}")


def test_a_missing_workspace_is_said_and_nothing_started(signed_in_with_key, fake):
    response = signed_in_with_key.post(start_url("no_such_ws"), follow=True)

    assertContains(response, "Harness has no workspace no_such_ws")
    assert not WorkspaceDraft.objects.exists()


def test_harness_down_at_the_start_is_said_with_a_retry(signed_in_with_key, workspace, fake):
    fake.inject(GET, status=503, times=5)

    response = signed_in_with_key.post(start_url(workspace.identifier), follow=True)

    assertContains(response, "could not be read from Harness")
    assertContains(response, "try again")
    # An alert portal.js focuses as the page loads (in the page already, it is not announced).
    assertContains(response, '<p class="notice notice--error" role="alert" tabindex="-1">')
    assert not WorkspaceDraft.objects.exists()


def test_after_a_403_a_read_only_key_is_not_offered_edit(client, user, fake):
    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    client.force_login(user)
    workspace = seeded_workspace(harness_client_for(user))
    draft = edit(start(user, workspace), repository={"branch": "release"})
    before = client.get(detail_url(workspace.identifier))

    client.post(reverse("draft_submit", args=[draft.pk]))
    after = client.get(detail_url(workspace.identifier))

    assertContains(before, f'action="{start_url(workspace.identifier)}"')
    assertNotContains(after, f'action="{start_url(workspace.identifier)}"')
    assertContains(after, "cannot change workspaces in default / infra")
    assertContains(after, "Workspaces: Create/Edit")


def _refused_then_granted(client, user, fake):
    """A read-only key's change refused (403, remembered for the session), then a Harness admin
    gives the key the right."""
    import dataclasses

    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    client.force_login(user)
    workspace = seeded_workspace(harness_client_for(user))
    draft = edit(start(user, workspace), repository={"branch": "release"})
    client.post(reverse("draft_submit", args=[draft.pk]))
    state = fake.server.app.state
    with state.lock:
        state.keys[READ_KEY] = dataclasses.replace(state.keys[READ_KEY], access="full")
    return workspace, draft


def test_a_key_given_the_right_to_edit_after_a_403_is_offered_edit_again(client, user, fake):
    """Try again forgets the refusal (nothing is sent), and Edit is offered again."""
    workspace, _ = _refused_then_granted(client, user, fake)
    refused = client.get(detail_url(workspace.identifier))
    try_again = reverse("workspace_edit_try_again", args=["default", "infra", workspace.identifier])
    calls = len(fake.log())

    back = client.post(try_again)
    sent_by_try_again = len(fake.log()) - calls
    again = client.get(back["Location"])

    assertContains(refused, f'action="{try_again}"')
    assert back["Location"] == detail_url(workspace.identifier)
    assert sent_by_try_again == 0
    assertContains(again, f'action="{start_url(workspace.identifier)}"')
    assertNotContains(again, "cannot change workspaces in default / infra")


def test_a_change_that_lands_after_a_403_forgets_the_refusal(client, user, fake):
    """Submitted again from its review once the right was granted: it lands, and neither the
    workspace's page nor New workspace says the key cannot any more."""
    workspace, draft = _refused_then_granted(client, user, fake)

    client.post(reverse("draft_submit", args=[draft.pk]))
    draft.refresh_from_db()

    assert draft.status == WorkspaceDraft.Status.UPDATED
    page = client.get(detail_url(workspace.identifier))
    assertContains(page, f'action="{start_url(workspace.identifier)}"')
    new = client.get(reverse("draft_start", args=["default", "infra"]))
    assertNotContains(new, "cannot create workspaces in default / infra")


def test_the_page_offers_no_edit_for_a_provisioner_the_steps_do_not_cover(
    signed_in_with_key, user_with_key, fake
):
    from tests.workspaces.test_export import seeded

    client = harness_client_for(user_with_key)
    cdk = seeded(client, lambda w: w.provisioner == "awscdk")
    edit = start_url(cdk.identifier)

    page = signed_in_with_key.get(detail_url(cdk.identifier))

    # A click could only bounce back to this page with the refusal: it is said up front.
    assertNotContains(page, f'action="{edit}"')
    assertContains(page, "which the portal&#x27;s steps do not cover")
    refused = signed_in_with_key.post(edit, follow=True)
    assertContains(refused, "which the portal&#x27;s steps do not cover")


def rendered_inputs(page) -> dict[str, str]:
    """What a browser posts from the step form (`browserlike`), one value a field."""
    return dict(form_fields(page.content.decode()))


@pytest.mark.parametrize("held", [55, 65])
def test_a_workspace_holding_more_tags_than_a_new_one_may_is_changed_keeping_them(
    signed_in_with_key, user_with_key, workspace, fake, held
):
    """Basics said "Use at most 50 tags." for a change that only edited the description, and
    above 60 tags saving it cut the draft's tags to 60: the tags Harness holds are the change's
    to keep, only tags added beyond them count against the limit."""
    tags = {f"team{i:02d}": f"v{i}" for i in range(held)}
    direct_put(workspace.identifier, tags=tags)
    draft = start(user_with_key, workspace)
    page = signed_in_with_key.get(step_url(draft, "basics"))
    posted = rendered_inputs(page) | {"description": "Only this changes"}

    signed_in_with_key.post(step_url(draft, "basics") + "?autosave=1", posted, headers=HTMX)
    autosaved = WorkspaceDraft.objects.get(pk=draft.pk).data["basics"]["tags"]
    response = signed_in_with_key.post(step_url(draft, "basics"), posted | {"action": "next"})
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assert len(autosaved) == held
    assert response.status_code == 302, re.findall(r"<li>Use at most[^<]*", response.text)
    draft.refresh_from_db()
    assert draft.status == "updated", draft.harness_response
    after = harness_client_for(user_with_key).get_workspace(
        org=ORG, project=PROJECT, identifier=workspace.identifier
    )
    assert after.tags == tags
    assert after.description == "Only this changes"


def test_a_change_of_a_workspace_holding_55_tags_may_add_one_tag(
    signed_in_with_key, user_with_key, workspace, fake
):
    """A change of a workspace holding more than 50 tags could add none ("Use at most 55
    tags."): only tags beyond those Harness holds count against the limit of 50."""
    direct_put(workspace.identifier, tags={f"team{i:02d}": f"v{i}" for i in range(55)})
    draft = start(user_with_key, workspace)
    posted = rendered_inputs(signed_in_with_key.get(step_url(draft, "basics")))
    posted |= {"tag-TOTAL_FORMS": "56", "tag-55-key": "owner", "tag-55-value": "me"}

    response = signed_in_with_key.post(step_url(draft, "basics"), posted | {"action": "next"})

    assert response.status_code == 302, re.findall(r"<li>Use at most[^<]*", response.text)
    draft.refresh_from_db()
    assert len(draft.data["basics"]["tags"]) == 56
    assert draft.data["basics"]["tags"][55] == {"key": "owner", "value": "me"}


def test_a_change_of_a_workspace_on_an_azure_repo_connector_says_why_harness_refused_it(
    signed_in_with_key, user_with_key, fake, workspace
):
    """The picker offers Github, Gitlab, Bitbucket and Git (contract §6.1) and the fake refuses an
    AzureRepo repository connector; a workspace Harness already holds on one (made elsewhere) can
    still be opened, its steps shown, and its change refused with Harness's words on the
    connector, where another one is chosen: never a server error."""
    import copy

    from harness_fake.state import Connector

    state = fake.server.app.state
    with state.lock:
        state.connectors.append(
            Connector(ACCOUNT, None, None, "az_repo", name="AZ", type="AzureRepo")
        )
        store = state.workspaces[(ACCOUNT, ORG, PROJECT)]
        held = copy.deepcopy(store.by_id[workspace.identifier].data)
        on_azure = {"repository_connector": "account.az_repo", "repository": "Platform Infra"}
        store.put(held | on_azure)
    opened = signed_in_with_key.post(start_url(workspace.identifier))
    draft = WorkspaceDraft.objects.get(kind="edit", identifier=workspace.identifier)
    for step in ("basics", "repository", "provisioner", "variables", "review"):
        assert signed_in_with_key.get(step_url(draft, step)).status_code == 200, step
    edit(draft, basics={"description": "Only this changes"})

    submitted = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assert opened.status_code == 302
    assert submitted["Location"] == step_url(draft, "repository")
    draft.refresh_from_db()
    assert (draft.harness_response["step"], draft.harness_response["field"]) == (
        "repository",
        "connector",
    )
    page = signed_in_with_key.get(submitted["Location"])
    assertContains(page, "Harness refused repository_connector: must reference a code repository")
    assertContains(page, "is of type AzureRepo")
