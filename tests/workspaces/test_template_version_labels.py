"""Template version labels as Harness allows them: a letter or digit, then up to 63 characters
that are not spaces (harness-core `NGRegexValidatorConstants.VERSION_LABEL_PATTERN`,
`^[0-9a-zA-Z][^\\s]{0,63}$`; the Harness UI's `regexVersionLabel`, `/^[0-9a-zA-Z][\\S]*$/`).
The fake seeds default/infra's k8s_namespace at `1.0+rc1`. A change never sends its reader to
the Start from step it does not show.
"""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.workspaces.test_change import ORG, PROJECT, UPDATE, edit, seeded_workspace, start
from tests.workspaces.test_drafts import choose_template, make_draft
from workspaces.clients import harness_client_for
from workspaces.models import WorkspaceDraft
from workspaces.wizard import submit, validation
from workspaces.wizard.body import build_body

pytestmark = pytest.mark.django_db
LABEL = "1.0+rc1"


def step_url(draft, step):
    return reverse("draft_step", args=[draft.pk, step])


def linked_at_the_label(user) -> str:
    """The identifier of a workspace of default/infra the portal created linked to k8s_namespace
    at `LABEL`."""
    draft = make_draft(user, basics__identifier="rc_linked")
    draft = choose_template(draft, "linked", ("k8s_namespace", LABEL)).draft
    assert submit.draft_submit(draft=draft, client=harness_client_for(user)).draft.status == (
        "created"
    )
    return draft.identifier


# --- creating from such a version ----------------------------------------------------------


def test_a_version_labelled_as_harness_allows_is_linked_and_created(user_with_key, fake):
    draft = make_draft(user_with_key)

    saved = choose_template(draft, "linked", ("k8s_namespace", LABEL))
    result = submit.draft_submit(draft=saved.draft, client=harness_client_for(user_with_key))

    assert saved.problems == {}
    assert saved.draft.data["template"]["applied"] == f"template:k8s_namespace:{LABEL}:linked"
    assert build_body(saved.draft.data)["associated_template"]["version"] == LABEL
    assert result.draft.status == "created"
    created = harness_client_for(user_with_key).get_workspace(
        org=ORG, project=PROJECT, identifier=draft.identifier
    )
    assert created.associated_template.version == LABEL


def test_the_version_picker_lists_the_label_and_choosing_it_is_not_refused(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)
    posted = {
        "source": "template",
        "template_ref": "k8s_namespace",
        "template_mode": "linked",
        "template_version_of": "k8s_namespace",
    }

    versions = signed_in_with_key.get(
        reverse("draft_picker", args=[draft.pk, "template", "template-version"]),
        {"template_ref": "k8s_namespace"},
        headers={"HX-Request": "true"},
    )
    chosen = signed_in_with_key.post(
        step_url(draft, "template"), posted | {"template_version": LABEL, "action": "next"}
    )

    assertContains(versions, f'<option value="{LABEL}"')
    assertRedirects(chosen, step_url(draft, "basics"), fetch_redirect_response=False)
    draft.refresh_from_db()
    assert draft.data["template"]["template_version"] == LABEL
    assert validation.draft_problems(draft.data) == {}


@pytest.mark.parametrize("label", ["release/2024", "v2:beta", "v1(eu)", "9.x?y#z"])
def test_any_label_of_harness_s_shape_passes_the_step_and_is_read_from_harness(
    user_with_key, fake, label
):
    # None of these is a version of k8s_namespace: read (its segment percent-encoded), not found.
    saved = choose_template(make_draft(user_with_key), "linked", ("k8s_namespace", label))

    assert "template_version" not in saved.errors
    assert "could not be read from Harness" in saved.errors["template_ref"][0]
    assert len(fake.log(route="v1.templates.version")) == 1


@pytest.mark.parametrize("label", ["a b", "+1.0", "-rc", "é1", "v" * 65])
def test_a_label_harness_would_not_make_is_refused(user_with_key, fake, label):
    saved = choose_template(make_draft(user_with_key), "linked", ("k8s_namespace", label))

    assert saved.errors["template_version"] == ["Choose a version of the template from the list."]
    assert not fake.log(route="v1.templates.version")


# --- changing a workspace linked to such a version -----------------------------------------------


def test_submitting_a_change_linked_to_a_harness_version_label_does_not_404(
    signed_in_with_key, user_with_key, fake
):
    workspace = seeded_workspace(harness_client_for(user_with_key), linked=True)
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})
    draft = edit(draft, template={"template_version": LABEL})

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.id]), follow=True)

    assert response.status_code != 404, response.redirect_chain
    assert WorkspaceDraft.objects.get(pk=draft.pk).status == "updated"


def test_a_workspace_linked_at_such_a_label_is_changed(signed_in_with_key, user_with_key, fake):
    identifier = linked_at_the_label(user_with_key)
    workspace = harness_client_for(user_with_key).get_workspace(
        org=ORG, project=PROJECT, identifier=identifier
    )
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})
    fake.clear_log()

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assert draft.data["template"]["template_version"] == LABEL
    assertRedirects(
        response, reverse("draft_result", args=[draft.pk]), fetch_redirect_response=False
    )
    (put,) = fake.log(route=UPDATE)
    assert put["body"]["description"] == "Only this changes"


def test_a_change_keeps_the_label_harness_holds_whatever_it_looks_like(user_with_key, fake):
    # A label the portal's rule refuses (an older Harness's, say) is the workspace's own link: a
    # change never edits it, so it never blocks one.
    workspace = seeded_workspace(harness_client_for(user_with_key), linked=True)
    draft = start(user_with_key, workspace)
    draft.workspace_snapshot["associated_template"]["version"] = "legacy label"
    draft = edit(draft, template={"template_version": "legacy label"})

    problems = validation.draft_problems(draft.data, snapshot=draft.workspace_snapshot)

    assert problems == {}


# --- a change never goes to the Start from step it does not show --------------------------------


def test_a_problem_in_the_hidden_start_from_of_a_change_is_said_on_its_review(
    signed_in_with_key, user_with_key, fake
):
    workspace = seeded_workspace(harness_client_for(user_with_key), linked=True)
    draft = edit(start(user_with_key, workspace), basics={"description": "Only this changes"})
    draft = edit(draft, template={"template_version": "not a label"})  # nor the one it holds

    submitted = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    htmx = signed_in_with_key.post(
        reverse("draft_submit", args=[draft.pk]), headers={"HX-Request": "true"}
    )
    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))

    assertRedirects(
        submitted, reverse("draft_review", args=[draft.pk]), fetch_redirect_response=False
    )
    assert htmx.headers["HX-Redirect"] == reverse("draft_review", args=[draft.pk])
    assertContains(review, "Choose a version of the template from the list.")
    assertContains(review, "the template this workspace is linked to")
    assertNotContains(review, step_url(draft, "template"))
    assert not fake.log(route=UPDATE)


def test_a_harness_refusal_of_the_template_link_of_a_change_is_fixed_from_its_review(
    signed_in_with_key, user_with_key, fake
):
    workspace = seeded_workspace(harness_client_for(user_with_key), linked=True)
    draft = start(user_with_key, workspace)
    draft.status = WorkspaceDraft.Status.FAILED
    draft.harness_response = {
        "outcome": "invalid",
        "step": "template",
        "field": "template_ref",
        "message": "Harness refused associated_template: no such version",
    }
    draft.save()

    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))

    assertContains(result, f'href="{reverse("draft_review", args=[draft.pk])}"')
    assertNotContains(result, step_url(draft, "template"))
