"""The review's "Send my change anyway", after the workspace was changed in Harness meanwhile:
it sends what the "Changed in Harness" panel says it sends, and the panel shows what changed.

Real HTTP against the fake Harness (the views with the Django test client); the change in
Harness meanwhile is a direct PUT or, for what the API cannot do in one PUT, a write to the
fake's store.
"""

import copy
import re

import pytest
from django.urls import reverse

from tests.conftest import ACCOUNT
from tests.harness_fake.support import store_variable
from tests.workspaces.test_change import ORG, PROJECT, UPDATE, direct_put, edit, seeded_workspace
from tests.workspaces.test_change import start as start_change
from workspaces.clients import harness_client_for
from workspaces.models import WorkspaceDraft
from workspaces.wizard import change, steps, validation, versions

pytestmark = pytest.mark.django_db


def _store(fake):
    return fake.server.app.state.workspaces[(ACCOUNT, ORG, PROJECT)]


def _panel(review) -> str:
    """The review's "Changed in Harness" panel ("" when it shows none)."""
    html = review.content.decode()
    if 'id="changed-in-harness"' not in html:
        return ""
    return html.split('id="changed-in-harness"')[1].split("</section>")[0]


def _shown_updated(panel: str) -> str:
    return re.search(r'name="updated" value="(\d+)"', panel)[1]


def _without_variable(fake, identifier: str, key: str) -> dict:
    """A direct PUT's changes that remove the Terraform variable `key` the workspace holds."""
    held = _store(fake).by_id[identifier].data["terraform_variables"]
    fields = ("key", "value", "value_type")
    kept = {k: {f: v[f] for f in fields} for k, v in held.items() if k != key}
    return {"terraform_variables": kept}


# (what Harness holds when the change starts, what it is changed to meanwhile): values the
# portal's rules take only because Harness holds them.
HELD_THEN_CHANGED = {
    "name": ({"name": "Payments (EU)"}, {"name": "Payments (EU) v2"}),
    "latest": ({"provisioner_version": "latest"}, {"provisioner_version": "1.9.1"}),
    "tag key": ({"tags": {"Cost Center": "1234"}}, {"tags": {}}),
    "budget": (
        {"cost_estimation_enabled": True, "budget": 99.999},
        {"cost_estimation_enabled": True, "budget": 50.0},
    ),
}


def _send_anyway(client, user, fake, workspace, meanwhile) -> tuple[str, object]:
    """A change of the description only, Harness changed `meanwhile`, submitted, then sent
    anyway from the review's panel: (the panel, the answer to Send anyway)."""
    draft = edit(start_change(user, workspace), basics={"description": "Only this"})
    direct_put(workspace.identifier, **meanwhile)
    client.post(reverse("draft_submit", args=[draft.pk]))
    panel = _panel(client.get(reverse("draft_review", args=[draft.pk])))
    fake.clear_log()
    sent = client.post(
        reverse("draft_send_anyway", args=[draft.pk]), {"updated": _shown_updated(panel)}
    )
    return panel, sent


@pytest.mark.parametrize("case", list(HELD_THEN_CHANGED))
def test_send_anyway_sends_what_the_panel_says_it_sends(
    signed_in_with_key, user_with_key, fake, case
):
    """The panel said "Your change sends: Payments (EU) (replaces Harness's value)"; Send anyway
    swapped in what Harness holds now, where that value is no longer held, and the portal's own
    rules refused it: nothing was sent, and the page said to fix Basics."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    held, meanwhile = HELD_THEN_CHANGED[case]
    direct_put(workspace.identifier, **held)

    panel, sent = _send_anyway(signed_in_with_key, user_with_key, fake, workspace, meanwhile)

    draft = WorkspaceDraft.objects.get(kind="edit")
    [put] = fake.log(route=UPDATE)
    assert "replaces Harness" in panel
    assert sent["Location"] == reverse("draft_result", args=[draft.pk])
    assert draft.status == WorkspaceDraft.Status.UPDATED, draft.harness_response
    assert {field: put["body"][field] for field in held} == held


def test_send_anyway_sends_a_variable_key_with_a_dash_harness_held_at_the_start(
    signed_in_with_key, user_with_key, fake
):
    """The portal's rule refused the key once Harness no longer held it; now it is sent, as the
    panel says. The fake refuses a "-" key the workspace does not hold (contract §2.4: it may
    not come back out): that is Harness's answer, on the variable's row."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    store_variable(fake, workspace.identifier, "instance-type")
    meanwhile = _without_variable(fake, workspace.identifier, "instance-type")

    panel, _sent = _send_anyway(signed_in_with_key, user_with_key, fake, workspace, meanwhile)

    draft = WorkspaceDraft.objects.get(kind="edit")
    [put] = fake.log(route=UPDATE)
    assert "replaces Harness" in panel
    assert put["body"]["terraform_variables"]["instance-type"]["value"] == "t3.small"
    assert draft.harness_response["row"] == "instance-type"
    assert draft.harness_response["message"].startswith("Harness refused")


def test_after_send_anyway_a_value_harness_never_held_is_still_refused(
    signed_in_with_key, user_with_key, fake
):
    """Only what Harness held at the start or holds now passes as held: another such value,
    typed after the rebase, is still refused by the portal's rules."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    direct_put(workspace.identifier, name="Payments (EU)")
    draft = edit(start_change(user_with_key, workspace), basics={"description": "Only this"})
    direct_put(workspace.identifier, name="Payments (EU) v2")
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    panel = _panel(signed_in_with_key.get(reverse("draft_review", args=[draft.pk])))
    draft.refresh_from_db()
    change.draft_rebase(draft=draft, shown_updated=int(_shown_updated(panel)))
    draft.refresh_from_db()
    typed = edit(draft, basics={"name": "Payments (US)"})

    refused = validation.draft_problems(typed.data, snapshot=typed.workspace_snapshot)

    assert list(refused["basics"]) == ["name"]


def test_after_send_anyway_a_change_that_still_holds_latest_is_shown_latest(
    signed_in_with_key, user_with_key, fake
):
    """The step's rule lets "latest" pass when any earlier base held it (`clean_version`), but
    the version list offered it only when Harness holds it now: after Send anyway moved the base
    to a pinned 1.9.1, a change still holding "latest" was shown a list without it, and the
    version picker's own list silently showed another version chosen."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    direct_put(workspace.identifier, provisioner_version="latest")
    draft = edit(start_change(user_with_key, workspace), basics={"description": "Only this"})
    direct_put(workspace.identifier, provisioner_version="1.9.1")
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    panel = _panel(signed_in_with_key.get(reverse("draft_review", args=[draft.pk])))
    draft.refresh_from_db()
    change.draft_rebase(draft=draft, shown_updated=int(_shown_updated(panel)))
    draft.refresh_from_db()
    provisioner = draft.data["provisioner"]["provisioner"]

    page = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "provisioner"]))
    options = signed_in_with_key.get(
        reverse("draft_picker", args=[draft.pk, "provisioner", "version"]),
        {"provisioner": provisioner},
        headers={"HX-Request": "true"},
    )

    assert draft.workspace_snapshot["provisioner_version"] == "1.9.1"
    assert draft.data["provisioner"]["version"] == "latest"
    assert validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot) == {}
    held = '<option value="latest" selected>latest (as Harness holds it)</option>'
    for response in (page, options):
        assert held in response.content.decode()
        assert "(not supported)" not in response.content.decode()
    # Another tool chosen: the change keeps following the latest, as when Harness holds it now.
    other = next(tool for tool in steps.PROVISIONERS if tool != provisioner)
    client = harness_client_for(user_with_key)
    values = {"provisioner": other, "version": "latest"}
    assert "version" not in versions.versions_to_choose(client=client, draft=draft, values=values)


# --- a template link changed in Harness meanwhile -------------------------------------------

# What a workspace takes from its template when linked to it (besides the locks' values).
LINK_FIELDS = (
    "associated_template",
    "repository",
    "repository_connector",
    "repository_branch",
    "repository_path",
    "provisioner",
    "provisioner_version",
    "default_pipelines",
)


def _relink_in_harness(fake, identifier: str, like: str | None = None) -> None:
    """The workspace's template link changed in Harness (contract §3.3: the association API
    links, relinks or unlinks): unlinked (`like` None), or linked as the workspace `like` is."""
    store = _store(fake)
    data = copy.deepcopy(store.by_id[identifier].data)
    if like is None:
        data.pop("associated_template", None)
    else:
        source = store.by_id[like].data
        data |= {f: copy.deepcopy(source[f]) for f in LINK_FIELDS if f in source}
    data["updated"] += 1000
    store.put(data)


@pytest.mark.parametrize("now", ["unlinked", "linked"])
def test_a_link_changed_in_harness_is_shown_and_the_change_started_again(
    signed_in_with_key, user_with_key, fake, now
):
    """Unlinked meanwhile, the panel's table was empty and Send anyway left out the fields the
    old template locked ("repository name can't be empty"); linked meanwhile, the panel did not
    show the link and Harness refused the fields the new template locks. Submitting again failed
    the same: only deleting the request got out of it."""
    client = harness_client_for(user_with_key)
    linked = seeded_workspace(client, linked=True)
    workspace = linked if now == "unlinked" else seeded_workspace(client)
    draft = edit(start_change(user_with_key, workspace), basics={"description": "Only this"})
    _relink_in_harness(
        fake, workspace.identifier, like=None if now == "unlinked" else linked.identifier
    )
    fake.clear_log()

    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))
    panel = _panel(review)
    refused = signed_in_with_key.post(
        reverse("draft_send_anyway", args=[draft.pk]),
        {"updated": _shown_updated(panel) if "updated" in panel else "0"},
        follow=True,
    )
    again = signed_in_with_key.post(reverse("draft_change_again", args=[draft.pk]))

    rows = re.findall(r'<tr><th scope="row">([^<]*)</th>', panel)
    assert "Template link" in rows, "the panel does not show the link changed"
    assert "template link changed in Harness" in panel
    assert "Send my change anyway" not in panel
    assert f'action="{reverse("draft_change_again", args=[draft.pk])}"' in panel
    assert "template link changed in Harness" in refused.content.decode()
    assert fake.log(route=UPDATE) == []  # nothing sent
    # Started again: the request is gone, a new change holds the workspace as Harness does now.
    assert not WorkspaceDraft.objects.filter(pk=draft.pk).exists()
    started = WorkspaceDraft.objects.get(kind="edit")
    assert again["Location"] == reverse("draft_step", args=[started.pk, "basics"])
    link = started.workspace_snapshot.get("associated_template")
    assert link == _store(fake).by_id[workspace.identifier].data.get("associated_template")


# --- a write in Harness the comparison table would not show ------------------------------------


def test_a_write_in_harness_that_changed_no_setting_is_sent_without_a_comparison(
    signed_in_with_key, user_with_key, fake
):
    """A write in Harness that changed nothing a PUT sends (only `updated` moved) led to "was
    changed in Harness since you started... compare, then send your change anyway" over an
    empty table, and an extra step."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    draft = edit(start_change(user_with_key, workspace), basics={"description": "Only this"})
    direct_put(workspace.identifier)  # the same workspace written again: `updated` moves
    fake.clear_log()

    sent = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    draft.refresh_from_db()
    assert sent["Location"] == reverse("draft_result", args=[draft.pk])
    assert draft.status == WorkspaceDraft.Status.UPDATED, draft.harness_response
    [put] = fake.log(route=UPDATE)
    assert put["body"]["description"] == "Only this"


def test_a_change_in_harness_no_labelled_setting_shows_is_named_in_the_comparison(
    signed_in_with_key, user_with_key, fake
):
    """A change the table's settings do not show (a connector's `terragrunt_provider` flag)
    made an empty table under "compare, then send your change anyway"."""
    workspace = seeded_workspace(harness_client_for(user_with_key))
    aws = {"connector_ref": "account.aws_dev", "type": "aws"}
    direct_put(
        workspace.identifier, provider_connector="account.aws_dev", provider_connectors=[aws]
    )
    draft = edit(start_change(user_with_key, workspace), basics={"description": "Only this"})
    direct_put(workspace.identifier, provider_connectors=[aws | {"terragrunt_provider": True}])

    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    panel = _panel(signed_in_with_key.get(reverse("draft_review", args=[draft.pk])))

    rows = re.findall(r'<tr><th scope="row">([^<]*)</th>', panel)
    assert rows == ["Provider connectors"], panel
    assert "terragrunt_provider" in panel
