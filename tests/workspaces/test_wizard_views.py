"""Wizard views: each step as a full page and as htmx partials, validation, isolation, submit."""

import dataclasses
import html
import json
import re
import threading
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from tests.conftest import ACCOUNT, FULL_KEY, READ_KEY
from tests.samples import formset_rows
from tests.workspaces.test_drafts import (
    CREATE,
    NOT_COPIED,
    choose_template,
    described_workspace,
    existing_identifier,
    make_draft,
    valid_data,
    workspace_with_uncopied_settings,
)
from workspaces.clients import NoHarnessCredential, harness_client_for
from workspaces.harness import errors
from workspaces.models import WorkspaceDraft
from workspaces.services import credential_save
from workspaces.wizard import drafts, prefill, steps, validation
from workspaces.wizard.body import build_body, stored_steps

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def step_url(draft, step):
    return reverse("draft_step", args=[draft.pk, step])


@pytest.fixture
def draft(user_with_key):
    return WorkspaceDraft.objects.create(owner=user_with_key, org="default", project="infra")


def picker_url(draft, step, name):
    return reverse("draft_picker", args=[draft.pk, step, name])


def check_url(draft):
    return reverse("draft_identifier_check", args=[draft.pk])


def post_step(client, draft, step, data, **extra):
    return client.post(step_url(draft, step), data, **extra)


def described_by_its_error(response, control_id: str, error_id: str) -> bool:
    """The control is marked invalid and described by the error list, which has that id."""
    content = response.content.decode()
    tag = re.search(rf'<[^>]*\sid="{control_id}"[^>]*>', content)[0]
    return (
        'aria-invalid="true"' in tag
        and f'aria-describedby="{error_id}"' in tag
        and f'<ul class="field__errors" id="{error_id}">' in content
    )


# --- start, list, delete ---------------------------------------------------------------------


def test_start_page_and_post_creates_a_draft(signed_in_with_key, user_with_key, fake):
    url = reverse("draft_start", args=["default", "infra"])

    page = signed_in_with_key.get(url)
    response = signed_in_with_key.post(url)

    assertContains(page, "Start a new request")
    assertContains(page, "Six short steps: where to start from")
    draft = WorkspaceDraft.objects.get(owner=user_with_key)
    assertRedirects(response, step_url(draft, "template"), fetch_redirect_response=False)
    assert (draft.org, draft.project, draft.status) == ("default", "infra", "draft")
    assert draft.current_step == "template"


def test_starting_a_request_without_a_key_leads_to_the_key_page_and_creates_nothing(
    signed_in, user, fake
):
    # A request belongs to the account of the key it is started with: one started without a
    # key would belong to none, and could later be sent with a key for any account.
    response = signed_in.post(reverse("draft_start", args=["default", "infra"]))

    assertRedirects(response, reverse("harness_key"), fetch_redirect_response=False)
    assert not WorkspaceDraft.objects.filter(owner=user).exists()
    with pytest.raises(NoHarnessCredential):
        drafts.draft_create(owner=user, org="default", project="infra")


def test_a_new_draft_opens_on_start_from_and_next_goes_to_basics(
    signed_in_with_key, user_with_key, fake
):
    signed_in_with_key.post(reverse("draft_start", args=["default", "infra"]))
    draft = WorkspaceDraft.objects.get(owner=user_with_key)
    first = signed_in_with_key.get(step_url(draft, "template"))

    response = post_step(signed_in_with_key, draft, "template", {"source": "scratch"})

    nav = first.content.decode().split('aria-label="Steps"')[1]
    assert nav.index("Start from") < nav.index("Basics") < nav.index("Repository")
    assertNotContains(first, 'value="back"')  # the first step has no Back
    assertRedirects(response, step_url(draft, "basics"), fetch_redirect_response=False)
    basics = signed_in_with_key.get(step_url(draft, "basics"))
    assertContains(basics, 'value="back"')
    assertNotContains(basics, "Enter a name.")  # not visited yet: no errors


def test_a_clone_then_basics_shows_the_copied_description_editable_with_a_note(
    signed_in_with_key, draft, user_with_key, fake
):
    client = harness_client_for(user_with_key)
    source = described_workspace(client)

    chosen = {"source": "clone", "clone_identifier": source.identifier}
    signed_in_with_key.post(step_url(draft, "template") + "?autosave=1", chosen, **HTMX)
    post_step(signed_in_with_key, draft, "template", {**chosen, "action": "next"})
    basics = signed_in_with_key.get(step_url(draft, "basics"))

    field = basics.content.decode().split('name="description"')[1].split("</textarea>")[0]
    assert source.description in field
    assertContains(
        basics,
        f"Copied from the workspace {source.identifier}. Edit or clear it if it does not fit.",
    )
    assertContains(basics, 'aria-describedby="id_description_helptext"')
    assertNotContains(basics, "Enter a name.")  # filled in by the clone, not visited: no errors
    # Once changed, it is the user's own description: the note goes.
    post_step(signed_in_with_key, draft, "basics", {"name": "copy", "description": "Staging"})
    assertNotContains(signed_in_with_key.get(step_url(draft, "basics")), "Copied from")


def test_start_from_and_the_review_list_what_the_copy_will_not_get(
    signed_in_with_key, user_with_key, fake
):
    source = workspace_with_uncopied_settings(harness_client_for(user_with_key))
    draft = make_draft(user_with_key)
    chosen = {"source": "clone", "clone_identifier": source, "action": "next"}

    before = signed_in_with_key.get(step_url(draft, "template"))
    post_step(signed_in_with_key, draft, "template", chosen)
    start = signed_in_with_key.get(step_url(draft, "template"))
    review = signed_in_with_key.get(step_url(draft, "review"))

    # Before a workspace is picked: what a copy never gets.
    assertContains(before, "Prune sensitive data")
    assertContains(before, "variable sets")
    for page in (start, review):
        assertContains(page, f"{source} has settings the copy will not get")
        for setting in NOT_COPIED:
            assertContains(page, html.escape(setting, quote=False))


def test_the_review_follows_the_step_order(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)

    response = signed_in_with_key.get(step_url(draft, "review"))

    page = response.content.decode()
    order = [page.index(f'id="review-{step}"') for step in ("template", "basics", "repository")]
    assert order == sorted(order)


def test_my_requests_lists_only_my_drafts_with_status(
    signed_in_with_key, user_with_key, other_user, fake
):
    mine = make_draft(user_with_key)
    WorkspaceDraft.objects.create(owner=other_user, org="default", project="infra", name="theirs")

    response = signed_in_with_key.get(reverse("draft_list"))

    assertContains(response, mine.data["basics"]["name"])
    assertContains(response, "Draft")
    assertNotContains(response, "theirs")


def test_my_requests_never_drops_an_old_failed_request_behind_newer_created_ones(
    signed_in_with_key, user_with_key, fake
):
    where = {"owner": user_with_key, "org": "default", "project": "infra"}
    failed = WorkspaceDraft.objects.create(
        **where, name="old-failure", identifier="old_failure", status=WorkspaceDraft.Status.FAILED
    )
    WorkspaceDraft.objects.filter(pk=failed.pk).update(
        updated_at=timezone.now() - timedelta(days=5)
    )
    WorkspaceDraft.objects.bulk_create(
        WorkspaceDraft(
            **where,
            name=f"made-{i}",
            identifier=f"made_{i:03}",
            status=WorkspaceDraft.Status.CREATED,
        )
        for i in range(200)
    )
    url = reverse("draft_list")

    first = signed_in_with_key.get(url)
    listed, page = [], first
    while True:  # every page, by its pager's Next
        listed += re.findall(r"<code>(\w+)</code>", page.content.decode())
        following = re.search(r'rel="next" href="([^"]+)"', page.content.decode())
        if not following:
            break
        page = signed_in_with_key.get(url + html.unescape(following[1]))

    # The failed request still needs its owner: it is on the first page, not the 201st row.
    assertContains(first, "<code>old_failure</code>")
    assertContains(first, 'rel="next"')
    assert sorted(listed) == sorted(["old_failure", *(f"made_{i:03}" for i in range(200))])


def test_my_requests_empty_state(signed_in_with_key, fake):
    response = signed_in_with_key.get(reverse("draft_list"))

    assertContains(response, "You have no workspace requests yet.")


@pytest.mark.parametrize("second", ["start", "clone"])
def test_a_request_started_in_another_tab_is_a_request_of_its_own(
    signed_in_with_key, user_with_key, fake, second
):
    url = reverse("draft_start", args=["default", "infra"])
    first = signed_in_with_key.post(url)
    signed_in_with_key.get(first["Location"])  # the first tab shows its Start from step
    posted = {"clone": existing_identifier(harness_client_for(user_with_key))}

    other = signed_in_with_key.post(url, posted if second == "clone" else {})
    for response, name in ((first, "vpc-a"), (other, "vpc-b")):
        basics = response["Location"].replace("/template/", "/basics/")
        signed_in_with_key.post(basics, {"name": name, "action": "next"})

    assert first["Location"] != other["Location"]
    names = WorkspaceDraft.objects.filter(owner=user_with_key).values_list("name", flat=True)
    assert sorted(names) == ["vpc-a", "vpc-b"]


def test_a_clone_button_posting_a_harness_key_keeps_no_key(signed_in_with_key, user_with_key, fake):
    signed_in_with_key.post(reverse("draft_start", args=["default", "infra"]), {"clone": FULL_KEY})

    draft = WorkspaceDraft.objects.get(owner=user_with_key)
    assert FULL_KEY.rsplit(".", 1)[1] not in repr(draft.data)


def test_delete_asks_first_and_says_the_workspace_is_not_touched(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)
    url = reverse("draft_delete", args=[draft.pk])

    listed = signed_in_with_key.get(reverse("draft_list"))
    asked = signed_in_with_key.post(url)

    assertContains(listed, "Delete this request")
    assertNotContains(listed, "button--danger")
    assert asked.status_code == 200
    assertContains(asked, "Delete this request")
    assertContains(asked, 'name="confirm" value="1"')
    assertContains(asked, "No workspace in Harness is changed")
    assert WorkspaceDraft.objects.filter(pk=draft.pk).exists()


def test_delete_a_draft(signed_in_with_key, draft, fake):
    response = signed_in_with_key.post(reverse("draft_delete", args=[draft.pk]), {"confirm": "1"})

    assertRedirects(response, reverse("draft_list"), fetch_redirect_response=False)
    assert not WorkspaceDraft.objects.filter(pk=draft.pk).exists()


def test_another_users_draft_is_a_404_everywhere(client, other_user, user_with_key, fake):
    theirs = make_draft(user_with_key)
    client.force_login(other_user)

    urls = [step_url(theirs, s) for s in ("basics", "variables", "review")] + [
        reverse("draft_result", args=[theirs.pk])
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    for name in ("draft_submit", "draft_delete"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert post_step(client, theirs, "basics", {"name": "hijack"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.data["basics"]["name"] == "pay-vpc-dev"
    assert fake.log(route=CREATE) == []


def test_unknown_step_is_a_404(signed_in_with_key, draft, fake):
    assert signed_in_with_key.get(step_url(draft, "nope")).status_code == 404


# --- basics ----------------------------------------------------------------------------------


def test_basics_full_page(signed_in_with_key, draft, fake):
    response = signed_in_with_key.get(step_url(draft, "basics"))

    assertContains(response, "<h2>Basics</h2>", html=True)
    assertContains(response, 'id="identifier-status"')
    assertContains(response, 'id="tag-rows"')
    assertContains(response, 'aria-current="step"')
    assertContains(response, "wizard.css")


def test_basics_next_saves_and_goes_on(signed_in_with_key, draft, fake):
    response = post_step(
        signed_in_with_key,
        draft,
        "basics",
        {
            "name": "Team cache",
            "identifier": "",
            "description": "Redis",
            **formset_rows("tag", {"key": "team", "value": "web"}, {"key": "", "value": ""}),
            "action": "next",
        },
    )

    assertRedirects(response, step_url(draft, "repository"), fetch_redirect_response=False)
    draft.refresh_from_db()
    assert draft.data["basics"]["identifier"] == "team_cache"
    assert draft.step_status["basics"] == "valid"


def test_a_tag_key_with_a_colon_is_a_field_error(signed_in_with_key, draft, fake):
    """Harness lists and filters tags as `key:value` (W7, W1): a key with ":" cannot be told
    apart from its value there, and the fake refuses it."""
    response = post_step(
        signed_in_with_key,
        draft,
        "basics",
        {
            "name": "n",
            **formset_rows("tag", {"key": "cost:center", "value": "cc-9"}),
            "action": "next",
        },
    )

    assert response.status_code == 200
    assertContains(response, "A tag key cannot contain “:”")
    assertContains(response, 'value="cost:center"')
    draft.refresh_from_db()
    assert draft.step_status["basics"] == "invalid"


def test_basics_errors_rerender_with_status_200_and_keep_values(signed_in_with_key, draft, fake):
    response = post_step(
        signed_in_with_key,
        draft,
        "basics",
        {"name": "", "identifier": "1bad", "identifier_edited": "1", "action": "next"},
    )

    assert response.status_code == 200
    assertContains(response, "Enter a name.")
    assertContains(response, "Start with a letter or _ (not a digit or symbol).")
    assertContains(response, 'value="1bad"')
    assertContains(response, "field--error")
    draft.refresh_from_db()
    assert draft.data["basics"]["identifier"] == "1bad"


def test_a_taken_identifier_blocks_basics_and_shows_on_the_review(
    signed_in_with_key, user_with_key, fake
):
    taken = existing_identifier(harness_client_for(user_with_key))
    draft = make_draft(user_with_key)
    data = {"name": "Taken one", "identifier": taken, "identifier_edited": "1", "action": "next"}

    response = post_step(signed_in_with_key, draft, "basics", data)
    review = signed_in_with_key.get(step_url(draft, "review"))

    assert response.status_code == 200
    assertContains(response, f"A workspace with the identifier {taken} already exists")
    draft.refresh_from_db()
    assert draft.step_status["basics"] == "invalid"
    assertContains(review, f"A workspace with the identifier {taken} already exists")


def test_autosave_returns_the_save_status_partial(signed_in_with_key, draft, fake):
    response = signed_in_with_key.post(
        step_url(draft, "basics") + "?autosave=1",
        {"name": "half typed", "identifier": ""},
        headers=HTMX,
    )

    assert response.content.decode().lstrip().startswith('<span id="save-state"')
    assertContains(response, "Saved")
    draft.refresh_from_db()
    assert draft.data["basics"]["name"] == "half typed"


def test_autosave_names_the_errors_it_clears(signed_in_with_key, draft, fake):
    response = signed_in_with_key.post(
        step_url(draft, "basics") + "?autosave=1",
        {"name": "", "identifier": "", **formset_rows("tag", {"key": "team", "value": "x"})},
        headers=HTMX,
    )

    cleared = response.context["cleared"]
    assert "id_description_error" in cleared
    assert "tag-0-error" in cleared
    assert "id_name_error" not in cleared  # still invalid: its message stays


def test_tag_rows_are_added_and_removed_in_place(signed_in_with_key, draft, fake):
    added = post_step(
        signed_in_with_key,
        draft,
        "basics",
        {"name": "n", "action": "add-tag", "partial": "tag-rows"}
        | formset_rows("tag", {"key": "team", "value": "web"}),
        headers=HTMX,
    )
    removed = post_step(
        signed_in_with_key,
        draft,
        "basics",
        {"name": "n", "action": "remove-tag:0", "partial": "tag-rows"}
        | formset_rows("tag", {"key": "team", "value": "web"}, {"key": "env", "value": "dev"}),
        headers=HTMX,
    )

    assert added.content.decode().lstrip().startswith('<fieldset id="tag-rows"')
    assertContains(added, 'id="tag-1-key"')
    assertContains(added, "data-autofocus")
    assertNotContains(removed, 'value="team"')
    assertContains(removed, 'value="env"')
    draft.refresh_from_db()
    assert draft.data["basics"]["tags"] == [{"key": "env", "value": "dev"}]


def test_tag_rows_without_javascript_redirect_back(signed_in_with_key, draft, fake):
    response = post_step(signed_in_with_key, draft, "basics", {"name": "n", "action": "add-tag"})

    assertRedirects(
        response, step_url(draft, "basics") + "#tag-0-key", fetch_redirect_response=False
    )


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("brand_new_ws", "is free in default / infra"),
        ("9bad", "Start with a letter or _"),
        (None, "already exists here"),
    ],
)
def test_identifier_check_partial(
    signed_in_with_key, draft, user_with_key, fake, identifier, expected
):
    if identifier is None:
        identifier = existing_identifier(harness_client_for(user_with_key))

    response = signed_in_with_key.get(check_url(draft), {"identifier": identifier}, headers=HTMX)

    assert response.content.decode().lstrip().startswith('<span id="identifier-check"')
    assertContains(response, expected)


def test_identifier_check_when_harness_fails(signed_in_with_key, draft, fake):
    fake.inject("iacm.workspaces.get", status=503, times=5)

    response = signed_in_with_key.get(check_url(draft), {"identifier": "abc"}, headers=HTMX)

    assertContains(response, "check with Harness right now; it will be checked when you submit")


def test_without_javascript_the_identifier_follows_the_name_until_edited(
    signed_in_with_key, draft, fake
):
    basics = step_url(draft, "basics")
    signed_in_with_key.post(basics, {"name": "pay vpc", "identifier": "", "action": "back"})
    # The page posts back the identifier it shows (derived from the stored name), unedited.
    signed_in_with_key.post(
        basics,
        {
            "name": "billing vpc",
            "identifier": "pay_vpc",
            "identifier_edited": "",
            "description": "",
            **formset_rows("tag"),
            "action": "next",
        },
    )

    draft.refresh_from_db()
    assert draft.data["basics"]["identifier"] == "billing_vpc"
    assert not draft.data["basics"]["identifier_edited"]
    # With JavaScript the page posts what it derived from the new name: still following.
    signed_in_with_key.post(
        basics + "?autosave=1",
        {"name": "cache vpc", "identifier": "cache_vpc", "identifier_edited": "", "description": ""}
        | formset_rows("tag"),
        headers=HTMX,
    )
    draft.refresh_from_db()
    assert draft.data["basics"]["identifier"] == "cache_vpc"
    assert not draft.data["basics"]["identifier_edited"]


def test_without_javascript_an_identifier_the_person_edited_stays_when_the_name_changes(
    signed_in_with_key, draft, fake
):
    basics = step_url(draft, "basics")
    signed_in_with_key.post(basics, {"name": "pay vpc", "identifier": "", "action": "back"})
    for name in ("billing vpc", "cache vpc"):
        signed_in_with_key.post(
            basics,
            {
                "name": name,
                "identifier": "my_id",
                # As the page shows it: the stored mark once the identifier was edited.
                "identifier_edited": "1" if name == "cache vpc" else "",
                "description": "",
                **formset_rows("tag"),
                "action": "back",
            },
        )
        draft.refresh_from_db()
        assert draft.data["basics"]["identifier"] == "my_id"
        assert draft.data["basics"]["identifier_edited"]
    page = signed_in_with_key.get(basics)
    assertContains(page, 'name="identifier_edited" value="1"')


# --- template --------------------------------------------------------------------------------


def test_template_full_page_lists_templates_and_workspaces(signed_in_with_key, draft, fake):
    response = signed_in_with_key.get(step_url(draft, "template"))

    assertContains(response, 'id="template-options"')
    assertContains(response, "account.aws_service")
    assertContains(response, 'id="clone-workspace-options"')
    assertContains(response, 'name="clone_identifier"')


def test_the_template_picker_filters_workspace_templates_itself(signed_in_with_key, draft, fake):
    # `entity_types=Workspace` is not in the documented enum (contract §3.2): the fake refuses
    # it with a 400, so the picker must keep `entity_type == "Workspace"` on its own.
    page = signed_in_with_key.get(step_url(draft, "template"))
    search = signed_in_with_key.get(
        picker_url(draft, "template", "template"), {"template-q": "service"}, headers=HTMX
    )

    assertContains(page, "account.aws_service")
    assertNotContains(page, "deploy_pipeline")
    assertContains(search, "account.aws_service")
    calls = fake.log(route="v1.templates.list")
    assert calls and all(call["status"] == 200 for call in calls)
    assert not any({"entity_types", "entity_types[]"} & set(call["query"]) for call in calls)


@pytest.mark.parametrize(
    ("data", "control", "error"),
    [
        ({"source": "<nope>"}, "id_source_0", "id_source_error"),
        ({"source": "template", "template_ref": ""}, "template-q", "id_template_ref_error"),
        (
            {"source": "clone", "clone_identifier": ""},
            "clone-workspace-q",
            "id_clone_identifier_error",
        ),
        (
            {
                "source": "template",
                "template_ref": "account.aws_service",
                "template_version": "v2",
                "template_mode": "<nope>",
            },
            "id_template_mode_0",
            "id_template_mode_error",
        ),
    ],
)
def test_template_step_errors_describe_the_controls_focused(
    signed_in_with_key, draft, fake, data, control, error
):
    response = post_step(signed_in_with_key, draft, "template", data | {"action": "next"})

    assert described_by_its_error(response, control, error)


def test_template_versions_partial(signed_in_with_key, draft, fake):
    response = signed_in_with_key.get(
        picker_url(draft, "template", "template-version"),
        {"template_ref": "account.aws_service"},
        headers=HTMX,
    )

    assert response.content.decode().lstrip().startswith('<div id="template-version-options"')
    assertContains(response, '<option value="v2" selected>v2 (stable)</option>', html=True)
    assertContains(response, "v1")


def test_a_pickers_options_leave_out_the_errors_of_the_choice_they_replace(
    signed_in_with_key, draft, fake
):
    fake.inject("v1.templates.get", status=503, times=5)  # its stable version cannot be read
    signed_in_with_key.post(step_url(draft, "template") + "?autosave=1", PICKED_TEMPLATE, **HTMX)
    fake.clear_faults()
    page = signed_in_with_key.get(step_url(draft, "template"))

    versions = signed_in_with_key.get(
        picker_url(draft, "template", "template-version"),
        {"template_ref": "org.gcp_bucket"},
        headers=HTMX,
    )

    assertContains(page, "Choose a version of the template.")  # the stored error, on the page
    # Not in the new template's versions: wizard.js would take the focus from the radio to them.
    assertNotContains(versions, "Choose a version of the template.")
    assertNotContains(versions, "field--error")
    assertNotContains(versions, 'aria-invalid="true"')


@pytest.mark.parametrize(
    ("status", "reason"),
    [(404, "Harness answered “not found” (HTTP 404)"), (503, "HTTP 503")],
)
def test_template_versions_failure_says_what_happened(
    signed_in_with_key, draft, fake, status, reason
):
    fake.inject("v1.templates.list", status=status, times=5)

    response = signed_in_with_key.get(
        picker_url(draft, "template", "template-version"),
        {"template_ref": "account.aws_service"},
        headers=HTMX,
    )

    assertContains(response, "Could not list the versions of account.aws_service")
    assertContains(response, reason)
    assertContains(response, "Try again")
    assertNotContains(response, "may have been deleted")


PICKED_TEMPLATE = {
    "source": "template",
    "template_ref": "account.aws_service",
    "template_mode": "copied",  # an account template is copied, never linked
}


def selected_options(response, select_id: str) -> list[str]:
    """The values of the options shown selected in the select `select_id`."""
    select = re.search(
        rf'<select id="{select_id}"[^>]*>(.*?)</select>', response.content.decode(), re.S
    )
    return re.findall(r'<option value="([^"]*)"[^>]*\sselected', select[1]) if select else []


def test_a_template_picked_before_its_versions_load_is_saved_at_the_version_shown(
    signed_in_with_key, draft, fake
):
    # Picking the template autosaves at once: its version select is not in the page yet.
    signed_in_with_key.post(step_url(draft, "template") + "?autosave=1", PICKED_TEMPLATE, **HTMX)
    versions = signed_in_with_key.get(
        picker_url(draft, "template", "template-version"),
        {"template_ref": "account.aws_service"},
        headers=HTMX,
    )
    review = signed_in_with_key.get(step_url(draft, "review"))  # left by the step links

    draft.refresh_from_db()
    assert draft.data["template"]["template_version"] == "v2"
    assert draft.data["template"]["applied"] == "template:account.aws_service:v2:copied"
    assert selected_options(versions, "template-version") == ["v2"]
    assertNotContains(review, "Choose a version of the template.")


def test_another_templates_radio_posts_the_old_version_select_which_is_not_its_version(
    signed_in_with_key, draft, fake
):
    url = step_url(draft, "template") + "?autosave=1"
    signed_in_with_key.post(url, PICKED_TEMPLATE | {"template_version": "v2"}, **HTMX)

    # The aws_service version select is still in the page when gcp_bucket's radio autosaves.
    saved = signed_in_with_key.post(
        url,
        PICKED_TEMPLATE
        | {
            "template_ref": "org.gcp_bucket",
            "template_version": "v2",
            "template_version_of": "account.aws_service",
        },
        **HTMX,
    )

    draft.refresh_from_db()
    assertNotContains(saved, "could not find it")
    assert draft.data["template"]["applied"] == "template:org.gcp_bucket:v1:copied"
    assert draft.data["template"]["template_version"] == "v1"


def test_a_template_version_that_could_not_be_chosen_is_not_shown_chosen(
    signed_in_with_key, draft, fake
):
    fake.inject("v1.templates.get", status=503, times=5)  # its stable version cannot be read
    signed_in_with_key.post(step_url(draft, "template") + "?autosave=1", PICKED_TEMPLATE, **HTMX)
    fake.clear_faults()

    page = signed_in_with_key.get(step_url(draft, "template"))

    draft.refresh_from_db()
    assert draft.data["template"]["template_version"] == ""
    assert selected_options(page, "template-version") == []
    assertContains(page, "Choose a version of the template.")


def test_no_template_chosen_is_one_error_not_also_a_version_error(signed_in_with_key, draft, fake):
    response = post_step(
        signed_in_with_key, draft, "template", {"source": "template", "action": "next"}
    )

    assertContains(response, "Choose a template.")
    # No version list is shown until a template is chosen: no error for it either.
    assertNotContains(response, "Choose a version of the template.")


def test_the_provisioner_versions_shown_chosen_are_the_ones_saved(signed_in_with_key, draft, fake):
    url = step_url(draft, "provisioner")

    page = signed_in_with_key.get(url)  # a first visit: no version stored yet
    draft.refresh_from_db()
    shown = selected_options(page, "version")
    # Checking Terragrunt autosaves at once: its version select is not in the page yet.
    signed_in_with_key.post(
        url + "?autosave=1", {"provisioner": "opentofu", "version": "1.10.6", "terragrunt": "on"},
        **HTMX,
    )  # fmt: skip
    terragrunt = signed_in_with_key.get(
        picker_url(draft, "provisioner", "terragrunt-version"), {"terragrunt": "on"}, headers=HTMX
    )

    assert draft.data["provisioner"]["version"] == "1.10.6"
    assert shown == ["1.10.6"]
    draft.refresh_from_db()
    assert draft.data["provisioner"]["terragrunt_version"] == "0.80.4"
    assert selected_options(terragrunt, "terragrunt_version") == ["0.80.4"]


@pytest.mark.parametrize("source", ["template", "clone"])
def test_a_choice_that_could_not_be_read_says_so_on_its_picker_with_a_try_again(
    signed_in_with_key, draft, user_with_key, fake, source
):
    if source == "template":
        chosen = {"source": "template", "template_ref": "account.aws_service",
                  "template_version": "v2", "template_mode": "copied"}  # fmt: skip
        route, control, field = "v1.templates.version", "template-q", "template_ref"
    else:
        identifier = existing_identifier(harness_client_for(user_with_key))
        chosen = {"source": "clone", "clone_identifier": identifier}
        route, control, field = "iacm.workspaces.get", "clone-workspace-q", "clone_identifier"
    fake.inject(route, status=503, times=5)
    post_step(signed_in_with_key, draft, "template", chosen | {"action": "next"})
    fake.clear_faults()

    page = signed_in_with_key.get(step_url(draft, "template"))
    retried = post_step(signed_in_with_key, draft, "template", chosen | {"action": "retry"})

    assertContains(page, "could not be read from Harness")
    assertContains(page, 'name="action" value="retry"')
    assert described_by_its_error(page, control, f"id_{field}_error")
    assertRedirects(retried, step_url(draft, "template"), fetch_redirect_response=False)
    draft.refresh_from_db()
    assert draft.data["template"]["applied"].startswith(f"{source}:")
    assert validation.bind_step("template", draft.data).problems() == {}
    assertNotContains(signed_in_with_key.get(step_url(draft, "template")), 'value="retry"')


def test_linked_template_locks_fields_on_later_steps(signed_in_with_key, draft, fake):
    post_step(
        signed_in_with_key,
        draft,
        "template",
        {
            "source": "template",
            "template_ref": "k8s_namespace",
            "template_version": "v1",
            "template_mode": "linked",
            "action": "next",
        },
    )

    repository = signed_in_with_key.get(step_url(draft, "repository"))
    provisioner = signed_in_with_key.get(step_url(draft, "provisioner"))
    # A POST that tries to change a locked value cannot.
    post_step(
        signed_in_with_key,
        draft,
        "provisioner",
        {"provisioner": "terraform", "version": "1.5.7", "aws": "aws_infra", "action": "next"},
    )

    assertContains(repository, "Locked")
    assertContains(repository, 'name="repository" value="infra-live"')
    assertContains(repository, "disabled")
    # The locked provisioner locks the additional provider connectors (Vault's), not the main
    # cloud one: the step offers it, and says why the others are locked.
    assertContains(provisioner, '<input type="hidden" name="vault" value="">')
    assertContains(provisioner, "Harness sets it from the linked template", count=1)
    assertContains(provisioner, 'id="aws-connector-q"')
    assertContains(provisioner, "The linked template locks the provisioner")
    assertNotContains(provisioner, 'name="main"')  # one cloud connector: the main one
    draft.refresh_from_db()
    assert draft.data["provisioner"]["provisioner"] == "opentofu"
    assert draft.data["provisioner"]["aws"] == "aws_infra"


def test_the_provisioner_step_says_which_cloud_connector_is_the_main_one(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key, provisioner__gcp="account.gcp_main")
    before = signed_in_with_key.get(step_url(draft, "provisioner"))

    post_step(
        signed_in_with_key,
        draft,
        "provisioner",
        {**draft.data["provisioner"], "main": "gcp", "action": "next"},
    )
    page = signed_in_with_key.get(step_url(draft, "provisioner"))
    review = signed_in_with_key.get(step_url(draft, "review"))

    # A labelled group of radio buttons (a keyboard moves between them): the first chosen, the
    # rule of a request older than the choice, until another is chosen.
    content = before.content.decode()
    assert re.search(
        r'<fieldset [^>]*id="main-connector"[^>]*>\s*<legend>Main cloud connector<', content
    )
    for value, label in steps.MAIN_CHOICES.items():
        assert re.search(
            rf'<label class="check" for="id_main_\d">\s*<input type="radio" name="main" '
            rf'value="{value}"[^>]*>\s*{re.escape(html.escape(label))}</label>',
            content,
        ), label
    assert re.search(r'name="main" value=""[^>]* checked', content)
    assert re.search(r'name="main" value="gcp"[^>]* checked', page.content.decode())
    draft.refresh_from_db()
    assert draft.data["provisioner"]["main"] == "gcp"
    assertContains(review, "<dt>Main cloud connector</dt><dd>account.gcp_main</dd>")
    assertContains(review, "&quot;provider_connector&quot;: &quot;account.gcp_main&quot;")


def test_a_tag_a_linked_template_locks_without_its_value_is_shown_as_the_templates(
    signed_in_with_key, user_with_key, fake
):
    """A locked repository block naming a tag fetch locked the fetch type only: the step asked
    for a tag ("Enter the tag.") that the body left out while the review showed it."""
    block = {"connector": "account.github_acme", "name": "infra-live", "gitFetchType": "tag"}
    spec = {"repository": block | {"locked": True}}
    found = prefill.prefill_from_template_yaml({"template": {"spec": spec}}, linked=True)
    link = {"source": "template", "template_mode": "linked", "template_ref": "k8s_namespace"}
    link |= {"template_version": "v1", "locked": found.locked}
    repository = {f"repository__{field}": v for field, v in found.values["repository"].items()}
    draft = make_draft(
        user_with_key, **{f"template__{k}": v for k, v in link.items()}, **repository
    )

    page = signed_in_with_key.get(step_url(draft, "repository"))
    saved = post_step(signed_in_with_key, draft, "repository", {"action": "next"})
    review = signed_in_with_key.get(step_url(draft, "review"))

    assert re.search(r'<input type="text" name="tag"[^>]*disabled', page.content.decode())
    assertContains(page, 'id="id_tag_helptext">Locked: Harness sets it from the linked template.')
    assertContains(page, 'id="id_path_helptext">Locked: Harness sets it from the linked template.')
    assertRedirects(saved, step_url(draft, "provisioner"), fetch_redirect_response=False)
    assertContains(review, "<dt>Tag</dt><dd>Harness sets it from the linked template</dd>")
    assertContains(review, "<dt>Folder</dt><dd>Harness sets it from the linked template</dd>")
    assertNotContains(review, "&quot;repository_commit&quot;")


def test_a_linked_drafts_no_provider_connector_warning_can_be_acted_on(
    signed_in_with_key, draft, fake
):
    linked = {"source": "template", "template_ref": "k8s_namespace", "template_version": "v1"}
    post_step(
        signed_in_with_key,
        draft,
        "template",
        linked | {"template_mode": "linked", "action": "next"},
    )
    before = signed_in_with_key.get(step_url(draft, "review"))
    draft.refresh_from_db()

    post_step(
        signed_in_with_key,
        draft,
        "provisioner",
        {**draft.data["provisioner"], "aws": "aws_infra", "action": "next"},
    )
    after = signed_in_with_key.get(step_url(draft, "review"))

    assertContains(before, "No provider connector is chosen")
    assertNotContains(after, "No provider connector is chosen")
    assertContains(after, "&quot;provider_connector&quot;: &quot;aws_infra&quot;")
    assertNotContains(after, "&quot;provider_connectors&quot;")


def test_an_account_template_is_offered_to_copy_and_refused_linked_in_words(
    signed_in_with_key, draft, fake
):
    picker = signed_in_with_key.get(picker_url(draft, "template", "template"), headers=HTMX)
    response = post_step(
        signed_in_with_key,
        draft,
        "template",
        {
            "source": "template",
            "template_ref": "account.aws_service",
            "template_version": "v2",
            "template_mode": "linked",
            "action": "next",
        },
    )

    assertContains(picker, "Copy only: Harness links only this project&#x27;s templates.", count=2)
    assertContains(response, "an account or org template can be copied, not linked")
    assert described_by_its_error(response, "id_template_mode_0", "id_template_mode_error")
    draft.refresh_from_db()
    assert draft.data["template"]["locked"] == {}


def input_tag(response, control_id: str) -> str:
    return re.search(rf'<input[^>]*\sid="{control_id}"[^>]*>', response.content.decode())[0]


def shows_copy_only(response, ref: str) -> bool:
    """Template use shown for `ref`, an account or org template: "copied" chosen, "linked" not
    offered (disabled, described by why), and the radios named as shown for `ref`."""
    linked, copied = (
        input_tag(response, "id_template_mode_0"),
        input_tag(response, "id_template_mode_1"),
    )
    content = response.content.decode()
    return (
        " disabled" in linked
        and " checked" not in linked
        and 'aria-describedby="template-mode-refused"' in linked
        and " checked" in copied
        and " disabled" not in copied
        and re.search(r'id="template-mode-refused"[^>]*>[^<]*can be copied, not linked', content)
        is not None
        and f'<input type="hidden" name="template_mode_of" value="{ref}">' in content
    )


def test_an_account_template_picked_without_touching_template_use_is_copied_not_refused(
    signed_in_with_key, draft, fake
):
    page = signed_in_with_key.get(step_url(draft, "template"))
    # Picking the template autosaves the form as that page shows it: Template use on its default.
    picked = signed_in_with_key.post(
        step_url(draft, "template") + "?autosave=1",
        {"source": "template", "template_ref": "account.aws_service", "template_mode": "linked",
         "template_mode_of": ""},
        **HTMX,
    )  # fmt: skip
    # Then Save and continue, with the radios the save drew again.
    onward = post_step(
        signed_in_with_key,
        draft,
        "template",
        {"source": "template", "template_ref": "account.aws_service", "template_version": "v2",
         "template_mode": "copied", "template_mode_of": "account.aws_service", "action": "next"},
    )  # fmt: skip

    assert " checked" in input_tag(page, "id_template_mode_0")  # linked, the default
    assertContains(page, '<input type="hidden" name="template_mode_of" value="">', html=True)
    assertNotContains(picked, "Choose “Copy the template”")
    assertContains(picked, '<fieldset id="template-mode" class="field" hx-swap-oob="true">')
    assert shows_copy_only(picked, "account.aws_service")
    assertContains(picked, "account.aws_service will be copied, not linked")  # and said so
    assertRedirects(onward, step_url(draft, "basics"), fetch_redirect_response=False)
    draft.refresh_from_db()
    assert draft.data["template"]["template_mode"] == "copied"
    assert draft.data["template"]["applied"] == "template:account.aws_service:v2:copied"
    assert validation.bind_step("template", draft.data).problems() == {}


@pytest.mark.parametrize("ref", ["account.aws_service", "org.gcp_bucket"])
def test_without_javascript_an_account_or_org_template_is_copied_on_save_and_continue(
    signed_in_with_key, draft, fake, ref
):
    # The page showed Template use (on its default, linked) for no template yet.
    response = post_step(
        signed_in_with_key,
        draft,
        "template",
        {"source": "template", "template_ref": ref, "template_mode": "linked",
         "template_mode_of": "", "action": "next"},
    )  # fmt: skip
    page = signed_in_with_key.get(step_url(draft, "template"))

    assertRedirects(response, step_url(draft, "basics"), fetch_redirect_response=False)
    draft.refresh_from_db()
    assert draft.data["template"]["template_mode"] == "copied"
    assert draft.data["template"]["locked"] == {}
    assert shows_copy_only(page, ref)
    assertNotContains(page, "field--error")


@pytest.mark.parametrize("shown_for", [None, "account.aws_service"])
def test_linked_chosen_for_an_account_template_is_still_refused(
    signed_in_with_key, draft, fake, shown_for
):
    # No radios named (an old page, a crafted POST), or radios shown for this very template,
    # whose linked one was not offered: linked is what was asked for, and it cannot be had.
    posted = {"source": "template", "template_ref": "account.aws_service",
              "template_version": "v2", "template_mode": "linked", "action": "next"}  # fmt: skip
    if shown_for is not None:
        posted["template_mode_of"] = shown_for

    response = post_step(signed_in_with_key, draft, "template", posted)

    assertContains(response, "an account or org template can be copied, not linked")
    assert described_by_its_error(response, "id_template_mode_0", "id_template_mode_error")
    draft.refresh_from_db()
    assert draft.data["template"]["template_mode"] == "linked"
    assert draft.data["template"]["locked"] == {}


@pytest.mark.parametrize(
    ("mode", "shown_for", "saved_mode"),
    [
        # The copy an account template forced (its linked radio not offered) gives way to the
        # default once a template that can be linked is picked (arrow keys through the list).
        ("copied", "account.aws_service", "linked"),
        ("copied", "k8s_namespace", "copied"),  # a copy chosen for a project template stays
        ("copied", "", "copied"),
        ("linked", "", "linked"),
    ],
)
def test_template_use_for_a_project_template_is_linked_unless_copy_was_chosen(
    signed_in_with_key, draft, fake, mode, shown_for, saved_mode
):
    signed_in_with_key.post(
        step_url(draft, "template") + "?autosave=1",
        {"source": "template", "template_ref": "k8s_namespace", "template_mode": mode,
         "template_mode_of": shown_for},
        **HTMX,
    )  # fmt: skip
    page = signed_in_with_key.get(step_url(draft, "template"))

    draft.refresh_from_db()
    assert draft.data["template"]["template_mode"] == saved_mode
    assert draft.data["template"]["applied"] == f"template:k8s_namespace:v1:{saved_mode}"
    linked = input_tag(page, "id_template_mode_0")
    assert " disabled" not in linked
    assert (" checked" in linked) == (saved_mode == "linked")


# --- repository ------------------------------------------------------------------------------


def test_repository_full_page_and_search_partial(signed_in_with_key, draft, fake):
    page = signed_in_with_key.get(step_url(draft, "repository"))
    search = signed_in_with_key.get(
        picker_url(draft, "repository", "git-connector"),
        {"git-connector-q": "gitlab"},
        headers=HTMX,
    )

    assertContains(page, 'id="git-connector-options"')
    assertContains(page, "account.github_acme")
    assertContains(page, "org.github_default")
    assertContains(page, 'class="scope scope--project"')
    assert search.content.decode().lstrip().startswith('<div id="git-connector-options"')
    assertContains(search, "account.gitlab_acme")
    assertNotContains(search, "account.github_acme")
    listed = fake.log(route="ng.connectors.list")[-1]
    assert listed["query"]["searchTerm"] == ["gitlab"]
    assert set(listed["body"]["types"]) >= {"Github", "Gitlab", "Bitbucket", "Git"}


def test_a_picker_search_without_javascript_saves_the_step_and_shows_it_searched(
    signed_in_with_key, draft, fake
):
    # Enter sends the form's first button (`action=enter`), whichever field it is pressed in.
    url = step_url(draft, "repository")
    typed = {
        **valid_data()["repository"],
        "repository": "payments-infra",
        "git-connector-searched": "",
        "action": "enter",
    }

    searched = post_step(
        signed_in_with_key, draft, "repository", typed | {"git-connector-q": "gitlab "}
    )
    page = signed_in_with_key.get(searched["Location"])
    shown = typed | {"git-connector-q": "gitlab", "git-connector-searched": "gitlab"}
    enter_elsewhere = post_step(signed_in_with_key, draft, "repository", shown)
    keyed = post_step(
        signed_in_with_key, draft, "repository", typed | {"git-connector-q": FULL_KEY}
    )

    assert searched["Location"] == f"{url}?git-connector-q=gitlab#git-connector-q"
    draft.refresh_from_db()
    assert draft.data["repository"]["repository"] == "payments-infra"
    assertContains(page, 'name="git-connector-q" value="gitlab"')
    assertContains(page, "account.gitlab_acme")
    assertNotContains(page, "org.github_default")
    assert enter_elsewhere["Location"] == step_url(draft, "provisioner")  # Save and continue
    assert keyed["Location"] == f"{url}#git-connector-q"  # never searched nor in the address
    assert FULL_KEY not in str(fake.log(route="ng.connectors.list"))


@pytest.mark.parametrize(
    ("step", "picker", "searched"),
    [("repository", "git-connector", "?git-connector-q=gitlab"), ("provisioner", "version", "")],
)
def test_a_pickers_try_again_without_javascript_saves_the_step_and_keeps_its_search(
    signed_in_with_key, draft, fake, step, picker, searched
):
    posted = {
        "repository": "payments-infra",
        "git-connector-q": "typed, never searched",
        "git-connector-searched": "gitlab",
        "action": f"retry:{picker}",
    }

    response = post_step(signed_in_with_key, draft, step, posted)

    assert response["Location"] == f"{step_url(draft, step)}{searched}#{picker}-options"
    draft.refresh_from_db()
    assert step in draft.step_status  # saved


def test_a_connector_not_in_harnesss_list_is_flagged_on_its_picker(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key, repository__connector="account.gone_connector")

    page = signed_in_with_key.get(step_url(draft, "repository"))
    search = signed_in_with_key.get(
        picker_url(draft, "repository", "git-connector"),
        {"git-connector-q": "gitlab"},
        headers=HTMX,
    )

    assertContains(page, "account.gone_connector is not among the connectors Harness lists here")
    # A search shows part of the list: it cannot tell.
    assertNotContains(search, "is not among the connectors")


def test_a_linked_templates_locked_repository_block_locks_the_submodules_it_does_not_name(
    signed_in_with_key, user_with_key, fake
):
    # k8s_namespace locks its repository block and names no submodules: the body leaves
    # repository_submodules out (body.LOCKED_BODY_FIELDS), so the step must not offer it.
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    choose_template(draft, "linked")

    page = signed_in_with_key.get(step_url(draft, "repository")).content.decode()

    assert "disabled" in re.search(r'<select name="submodules"[^>]*>', page)[0]


def test_the_repository_name_is_not_labelled_optional(signed_in_with_key, draft, fake):
    page = signed_in_with_key.get(step_url(draft, "repository")).content.decode()

    label = re.search(r'<label for="id_repository">(.*?)</label>', page)[1]
    assert label == "Repository name"
    assert re.search(r'<label for="id_path">Folder path <span class="optional">', page)


def test_repository_validation(signed_in_with_key, draft, fake):
    response = post_step(
        signed_in_with_key,
        draft,
        "repository",
        {"connector": "", "repository": "", "fetch_type": "commit", "commit": "xyz"}
        | {"action": "next"},
    )

    assertContains(response, "Choose the git connector")
    assertContains(response, "Enter the repository name.")
    assertContains(response, "A commit SHA has 7 to 64 hexadecimal characters.")
    # The picker's search box, focused first (portal.js), says why.
    assert described_by_its_error(response, "git-connector-q", "id_connector_error")


def test_a_failing_picker_shows_a_retry_without_breaking_the_step(signed_in_with_key, draft, fake):
    fake.inject("ng.connectors.list", status=500)

    response = signed_in_with_key.get(step_url(draft, "repository"))
    retry = signed_in_with_key.get(picker_url(draft, "repository", "git-connector"), headers=HTMX)

    assert response.status_code == 200
    assertContains(response, "Try again")
    assertContains(response, 'id="id_repository"')  # the rest of the step still works
    assertContains(retry, "account.github_acme")


# --- provisioner -----------------------------------------------------------------------------


def test_provisioner_pickers_are_loaded_in_parallel_and_one_can_fail(
    signed_in_with_key, draft, fake
):
    fake.inject("iacm.provisioners.versions", status=503, times=3)

    response = signed_in_with_key.get(step_url(draft, "provisioner"))

    assertContains(response, 'id="version-options"')
    assertContains(response, "Harness answered with an error (HTTP 503).")
    for slot in ("aws", "gcp", "azure", "vault"):
        assertContains(response, f'id="{slot}-connector-options"')
    assertContains(response, "account.vault_main")


def test_slow_picker_times_out_alone(signed_in_with_key, draft, fake, settings):
    settings.WIZARD_PICKER_TIMEOUT = 0.5
    fake.inject("iacm.provisioners.versions", delay_ms=1500)

    response = signed_in_with_key.get(step_url(draft, "provisioner"))

    assertContains(response, "Harness took too long to answer for this list.")
    assertContains(response, "account.vault_main")


def test_picker_threads_are_kept_and_reused(signed_in_with_key, draft, fake):
    def picker_threads() -> set[int]:
        return {t.ident for t in threading.enumerate() if t.name.startswith("harness")}

    signed_in_with_key.get(step_url(draft, "provisioner"))  # five pickers in parallel
    first = picker_threads()
    for _ in range(3):
        assert signed_in_with_key.get(step_url(draft, "provisioner")).status_code == 200
    assert first and picker_threads() == first


def test_a_steps_pickers_are_loaded_together_and_joined(user_with_key, fake):
    """Two slow pickers take about as long as one: they run in parallel, both are complete."""
    from workspaces.wizard.pickers import PickerRequest, wizard_pickers

    fake.inject("iacm.workspaces.list", delay_ms=600)
    fake.inject("v1.templates.list", delay_ms=600)
    started = time.monotonic()
    loaded = wizard_pickers(
        client=harness_client_for(user_with_key),
        org="default",
        project="infra",
        requests=[PickerRequest("clone-workspace"), PickerRequest("template")],
    )
    elapsed = time.monotonic() - started

    assert 0.6 <= elapsed < 1.1  # in series it would be 1.2 s or more
    assert len(loaded["clone-workspace"].options) == 20
    assert "account.aws_service" in loaded["template"].values
    assert not loaded["template"].error and not loaded["clone-workspace"].error


def test_queued_pickers_wait_within_their_own_timeout(
    signed_in_with_key, draft, fake, settings, monkeypatch
):
    """With every picker thread busy, a step's pickers wait in the queue; the wait counts
    against their timeout, so the step still answers in time, with a retry in each list."""
    import concurrent.futures

    from workspaces import harness_threads

    settings.WIZARD_PICKER_TIMEOUT = 0.5
    one_thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="harness")
    monkeypatch.setattr(harness_threads, "_pool", one_thread)
    blocker = threading.Event()
    one_thread.submit(blocker.wait, 5)
    try:
        started = time.monotonic()
        response = signed_in_with_key.get(step_url(draft, "provisioner"))
        assert time.monotonic() - started < 2
        assertContains(response, "Harness took too long to answer for this list.", count=5)
    finally:
        blocker.set()
        one_thread.shutdown(wait=True)


def test_terraform_versions_are_capped(signed_in_with_key, draft, fake):
    response = signed_in_with_key.get(
        picker_url(draft, "provisioner", "version"),
        {"provisioner": "terraform"},
        headers=HTMX,
    )

    assert response.content.decode().lstrip().startswith('<div id="version-options"')
    assertContains(response, "1.5.7 (latest)")
    assertNotContains(response, "1.6.0")


def test_run_through_terragrunt_loads_its_own_versions(signed_in_with_key, draft, fake):
    checked = signed_in_with_key.get(
        picker_url(draft, "provisioner", "terragrunt-version"), {"terragrunt": "on"}, headers=HTMX
    )
    unchecked = signed_in_with_key.get(
        picker_url(draft, "provisioner", "terragrunt-version"), headers=HTMX
    )

    assertContains(checked, '<label for="terragrunt_version">Terragrunt version</label>')
    # Shown chosen, and saved so (what a version list shows chosen is what is saved).
    assertContains(checked, '<option value="0.80.4" selected>0.80.4 (latest)</option>')
    draft.refresh_from_db()
    assert draft.data["provisioner"]["terragrunt_version"] == "0.80.4"
    assertContains(checked, 'name="run_all"')
    assert checked.content.decode().lstrip().startswith('<div id="terragrunt-version-options"')
    assertNotContains(unchecked, 'id="terragrunt_version"')  # no list: its version is kept
    assertContains(unchecked, '<input type="hidden" name="terragrunt_version" value="0.80.4">')
    assert [c["path"] for c in fake.log(route="iacm.provisioners.versions")] == [
        "/iacm/api/provisioners/supported/terragrunt"
    ]


def test_provisioner_page_offers_terragrunt_on_top_of_the_tool(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(
        user_with_key,
        provisioner__terragrunt=True,
        provisioner__terragrunt_version="0.80.4",
        provisioner__run_all=True,
    )

    response = signed_in_with_key.get(step_url(draft, "provisioner"))

    assertNotContains(response, 'value="terragrunt"')  # not a provisioner of its own
    assertContains(response, 'name="terragrunt"')
    assertContains(response, "Run through Terragrunt")
    assertContains(response, '<select id="version" name="version"')
    assertContains(response, '<option value="0.80.4" selected>0.80.4 (latest)</option>')
    assertContains(response, 'name="run_all" checked')
    paths = {c["path"] for c in fake.log(route="iacm.provisioners.versions")}
    assert paths == {
        "/iacm/api/provisioners/supported/opentofu",
        "/iacm/api/provisioners/supported/terragrunt",
    }


def test_terragrunt_without_its_version_is_refused(signed_in_with_key, draft, fake):
    # Its latest would be chosen (as its picker shows it) if Harness listed them.
    fake.inject("iacm.provisioners.versions", status=503, times=20)

    response = post_step(
        signed_in_with_key,
        draft,
        "provisioner",
        {"provisioner": "opentofu", "version": "1.10.6", "terragrunt": "on", "action": "next"},
    )

    assertContains(response, "Choose a Terragrunt version.")


def test_provisioner_validation_rejects_newer_terraform(signed_in_with_key, draft, fake):
    # Terraform already chosen: a version it does not offer is refused, not replaced (as the
    # select of the tool chosen before is, `test_another_tool_keeps_the_posted_version_...`).
    draft.data = {"provisioner": {"provisioner": "terraform", "version": "1.5.7"}}
    draft.save()

    response = post_step(
        signed_in_with_key,
        draft,
        "provisioner",
        {"provisioner": "terraform", "version": "1.9.0", "action": "next"},
    )

    assertContains(response, "Harness supports Terraform up to 1.5.7")


def test_a_missing_fetch_type_says_so_on_its_radios(signed_in_with_key, draft, fake):
    response = post_step(
        signed_in_with_key,
        draft,
        "repository",
        {"connector": "account.github_acme", "repository": "infra", "fetch_type": "nope"}
        | {"action": "next"},
    )

    assertContains(response, "Choose branch, tag or commit.")
    for radio in ("id_fetch_type_0", "id_fetch_type_1", "id_fetch_type_2"):
        assert described_by_its_error(response, radio, "id_fetch_type_error")


def test_provisioner_errors_describe_the_controls_focused(signed_in_with_key, draft, fake):
    response = post_step(
        signed_in_with_key,
        draft,
        "provisioner",
        {"provisioner": "<nope>", "aws": "bad ref!", "action": "next"},
    )

    # Every radio of the group (the first is focused), and the picker's search box.
    for radio in ("id_provisioner_0", "id_provisioner_1"):
        assert described_by_its_error(response, radio, "id_provisioner_error")
    assert described_by_its_error(response, "aws-connector-q", "id_aws_error")


# --- variables -------------------------------------------------------------------------------


def test_variables_full_page(signed_in_with_key, draft, fake):
    response = signed_in_with_key.get(step_url(draft, "variables"))

    assertContains(response, 'id="variable-editor"')
    assertContains(response, '<datalist id="secret-datalist" data-complete="true">')
    assertContains(response, "account.tf_token")


def test_variable_rows_add_remove_and_retype(signed_in_with_key, draft, fake):
    added = post_step(
        signed_in_with_key,
        draft,
        "variables",
        {"action": "add-var:environment", "partial": "variable-editor"},
        headers=HTMX,
    )
    retyped = post_step(
        signed_in_with_key,
        draft,
        "variables",
        {
            **formset_rows("environment", {"key": "TOKEN", "value_type": "secret", "value": ""}),
            "action": "retype",
            "partial": "variable-editor",
        },
        headers=HTMX,
    )

    assert added.content.decode().lstrip().startswith('<div id="variable-editor"')
    assertContains(added, 'id="environment-0-key"')
    assertContains(retyped, 'list="secret-datalist"')
    draft.refresh_from_db()
    assert draft.data["variables"]["environment"] == [
        {"key": "TOKEN", "value_type": "secret", "value": ""}
    ]


@pytest.mark.parametrize(
    ("step", "posted", "field"),
    [
        (
            "variables",
            formset_rows("terraform", {"key": "policy", "value_type": "string", "value": "x"})
            | formset_rows("environment"),
            "terraform.0.value",
        ),
        ("basics", {"name": "long-one", "description": "x"}, "description"),
    ],
    ids=["variable value", "description"],
)
def test_a_value_past_the_text_limit_is_refused_on_its_field_never_kept_cut(
    signed_in_with_key, draft, fake, step, posted, field
):
    too_long = "x" * (steps.TEXT_LIMIT + 904)
    posted = {name: too_long if value == "x" else value for name, value in posted.items()}

    response = post_step(signed_in_with_key, draft, step, posted | {"action": "next"})

    assertContains(response, "Use at most 4,096 characters.")
    draft.refresh_from_db()
    problems = validation.bind_step(step, draft.data).problems()
    assert problems[field] == ["Use at most 4,096 characters."]


def test_duplicate_keys_are_flagged_as_you_type(signed_in_with_key, draft, fake):
    response = post_step(
        signed_in_with_key,
        draft,
        "variables",
        {
            **formset_rows(
                "terraform",
                {"key": "region", "value_type": "string", "value": "a"},
                {"key": "region", "value_type": "string", "value": "b"},
            ),
            "action": "check",
            "partial": "variable-checks",
        },
        headers=HTMX,
    )

    assert response.content.decode().lstrip().startswith('<div id="variable-checks"')
    assertContains(response, "Duplicate key: region is already row 1.")
    assertContains(response, 'id="terraform-1-error" hx-swap-oob="true"')


def test_the_checks_as_you_type_are_swapped_inside_live_regions_that_stay(
    signed_in_with_key, draft, fake
):
    """A live region swapped in with its text is not reliably announced: each check replaces
    only the element inside its region, never the region (role=status) itself."""
    rows = formset_rows("terraform", {"key": "region", "value_type": "string", "value": "a"})
    swapped = {
        "variable-checks": post_step(
            signed_in_with_key,
            draft,
            "variables",
            rows | {"action": "check", "partial": "variable-checks"},
            headers=HTMX,
        ),
        "identifier-check": signed_in_with_key.get(
            check_url(draft), {"identifier": "free_one"}, headers=HTMX
        ),
        "save-state": signed_in_with_key.post(
            step_url(draft, "basics") + "?autosave=1", {"name": "n"}, headers=HTMX
        ),
    }
    pages = signed_in_with_key.get(step_url(draft, "variables")).content.decode()
    pages += signed_in_with_key.get(step_url(draft, "basics")).content.decode()

    for target, response in swapped.items():
        assert f'id="{target}"' in response.content.decode()
        assertNotContains(response, 'role="status"')
        # In the page, the region that stays is the swapped element's parent.
        region = re.search(rf'<(\w+)[^>]*role="status"[^>]*>\s*<\w+ id="{target}"', pages)
        assert region, f"#{target} is not the child of a live region"


def test_paste_preview_and_add(signed_in_with_key, draft, fake):
    text = 'region = "eu-west-1"\n9bad = 1\ncount = 3\nmy-var = 4\n'
    preview = post_step(
        signed_in_with_key,
        draft,
        "variables",
        {"paste_text": text, "paste_group": "terraform", "action": "paste-preview"}
        | {"partial": "variable-paste"},
        headers=HTMX,
    )
    added = post_step(
        signed_in_with_key,
        draft,
        "variables",
        {"paste_text": text, "paste_group": "terraform", "action": "paste-add"}
        | {"partial": "variable-editor"},
        headers=HTMX,
    )

    assert preview.content.decode().lstrip().startswith('<details id="variable-paste"')
    assertContains(preview, "2 of 4 lines can be added")
    assertContains(preview, "The key must start with a letter", count=2)
    # Harness takes "-" in a key but does not give it back (contract §2.4): the line says so.
    assertContains(preview, "(not -: Harness does not give a key with - back)", count=2)
    assertContains(preview, "Add 2 variables")
    assertContains(added, 'value="region"')
    draft.refresh_from_db()
    assert [row["key"] for row in draft.data["variables"]["terraform"]] == ["region", "count"]


def preview_tfvars(client, draft, text):
    """Preview `text` pasted as Terraform variables, as the page's Preview button posts it."""
    pasted = {"paste_text": text, "paste_group": "terraform", "action": "paste-preview"}
    return post_step(client, draft, "variables", pasted)


def add_tfvars(client, draft, text):
    """Add `text` pasted as Terraform variables, as the preview's Add button posts it."""
    pasted = {"paste_text": text, "paste_group": "terraform", "action": "paste-add"}
    return post_step(
        client, draft, "variables", pasted | {"partial": "variable-editor"}, headers=HTMX
    )


def terraform_rows(draft) -> dict[str, str]:
    draft.refresh_from_db()
    return {row["key"]: row["value"] for row in draft.data["variables"]["terraform"]}


def test_tfvars_lines_inside_a_block_comment_are_not_added_as_variables(
    signed_in_with_key, draft, fake
):
    """Only lines starting with # or // were skipped: the lines of a /* */ comment were added."""
    text = (
        'region = "eu-west-1"\n/*\ninstance_type = "m5.24xlarge"\n*/\n/* one line */ zone = "a"\n'
    )

    add_tfvars(signed_in_with_key, draft, text)

    assert terraform_rows(draft) == {"region": "eu-west-1", "zone": "a"}


def test_the_entries_of_a_multi_line_tfvars_map_are_one_refused_variable(
    signed_in_with_key, draft, fake
):
    """The `tags = {` line was refused, but the map's entries became variables of their own and
    its closing } a line "Expected key = value."."""
    text = 'region = "eu-west-1"\ntags = {\n  team = "payments"\n  env  = "dev"\n}\nzone = "a"\n'
    preview = preview_tfvars(signed_in_with_key, draft, text)

    add_tfvars(signed_in_with_key, draft, text)

    assert terraform_rows(draft) == {"region": "eu-west-1", "zone": "a"}
    assertContains(preview, "2 of 3 lines can be added")
    assertContains(preview, "Lists and maps are not supported here; add this variable by hand")
    assertContains(preview, "Its value is lines 2 to 5.")
    assertNotContains(preview, "Expected key = value.")


@pytest.mark.parametrize(
    ("line", "terraform_reads"),
    [
        ('name = "caf\\u00e9"', "café"),
        ('name = "\\U0001F600"', "\U0001f600"),
        ('cmd = "echo $${HOME}"', "echo ${HOME}"),
        ('tpl = "100%%{x}"', "100%{x}"),
        ('name = "Cafe\\u0301"', "Caf\u00e9"),  # HCL's NFC form, as Start from reads it
    ],
)
def test_a_tfvars_value_is_added_as_terraform_reads_it(
    signed_in_with_key, draft, fake, line, terraform_reads
):
    """\\u, \\U, $${ and %%{ were kept as typed: the variable held what Terraform never reads."""
    add_tfvars(signed_in_with_key, draft, line + "\n")

    assert list(terraform_rows(draft).values()) == [terraform_reads]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('home = "${HOME}"', "An expression or reference (Terraform would work it out)"),
        ('nul = "a\\u0000b"', "The value contains a NUL character."),
    ],
)
def test_a_tfvars_value_terraform_would_work_out_or_a_draft_cannot_hold_is_not_added(
    signed_in_with_key, draft, fake, line, says
):
    preview = preview_tfvars(signed_in_with_key, draft, line)

    add_tfvars(signed_in_with_key, draft, line + "\n")

    assert terraform_rows(draft) == {}
    assertContains(preview, "0 of 1 line can be added")
    assertContains(preview, says)


def test_the_paste_preview_counts_what_add_adds(signed_in_with_key, draft, fake):
    """A key given twice, or already among the variables, was counted in "2 of 2 lines can be
    added" / "Add 2 variables"; Add kept one and said "1 key already there was kept"."""
    zone = formset_rows("terraform", {"key": "zone", "value": "a", "value_type": "string"})
    text = 'region = "eu-west-1"\nregion = "us-east-1"\nzone = "b"\n'
    pasted = {"paste_text": text, "paste_group": "terraform"}
    preview = post_step(
        signed_in_with_key,
        draft,
        "variables",
        zone | pasted | {"action": "paste-preview", "partial": "variable-paste"},
        headers=HTMX,
    )

    added = post_step(
        signed_in_with_key,
        draft,
        "variables",
        zone | pasted | {"action": "paste-add", "partial": "variable-editor"},
        headers=HTMX,
    )

    assert terraform_rows(draft) == {"zone": "a", "region": "eu-west-1"}
    assertContains(preview, "1 of 3 lines can be added")
    assertContains(preview, "Add 1 variable<")
    assertContains(preview, "Line 1 has this key: its value is the one added.")
    assertContains(preview, "This key is among the variables already: it is kept as it is.")
    assertContains(
        added,
        "Added 1 variable. 1 key already there was kept as before. 1 line repeating a key above "
        "it was not added.",
    )


def shown_paste_box(page: str) -> dict[str, str]:
    """The paste box's text and group as a page shows them (what its Add button posts)."""
    textarea = re.search(r'<textarea[^>]*name="paste_text"[^>]*>(.*?)</textarea>', page, re.S)
    group = re.search(
        r'<select name="paste_group".*?<option value="(\w+)"[^>]*selected', page, re.S
    )
    return {
        "paste_text": html.unescape(textarea.group(1)).strip() if textarea else "",
        "paste_group": group.group(1) if group else "",
    }


KEYED_TFVARS = f'region = "eu-west-1"\nharness_platform_api_key = "{FULL_KEY}"\n'


def _preview_then_add(client, draft, pasted, *, headers):
    """Preview `pasted` on the Variables step (with `headers`), then press its Add with what the
    preview's box holds: the preview and that box's fields."""
    preview = post_step(
        client,
        draft,
        "variables",
        pasted | {"action": "paste-preview", "partial": "variable-paste"},
        headers=headers,
    )
    shown = shown_paste_box(preview.content.decode())
    post_step(
        client,
        draft,
        "variables",
        shown | {"action": "paste-add", "partial": "variable-editor"},
        headers=HTMX,
    )
    return preview, shown


def test_a_pasted_line_holding_a_harness_key_is_neither_shown_nor_added(
    signed_in_with_key, draft, fake
):
    """A .tfvars pasted whole (its `harness_platform_api_key = "pat…"` too) showed the key in
    the preview and in the box, and Add kept it in the draft as a plain variable's value."""
    secret = FULL_KEY.rsplit(".", 1)[1]
    pasted = {"paste_text": KEYED_TFVARS, "paste_group": "terraform"}

    preview, shown = _preview_then_add(signed_in_with_key, draft, pasted, headers=HTMX)

    assertNotContains(preview, secret)
    assertContains(preview, "1 of 2 lines can be added")
    assertContains(preview, "holds a Harness API key")
    assert "[redacted]" in shown["paste_text"]
    draft.refresh_from_db()
    assert [row["key"] for row in draft.data["variables"]["terraform"]] == ["region"]


def test_adding_a_paste_adds_none_of_its_lines_holding_a_harness_key(
    signed_in_with_key, draft, fake
):
    pasted = {"paste_text": KEYED_TFVARS, "paste_group": "terraform"}

    post_step(
        signed_in_with_key,
        draft,
        "variables",
        pasted | {"action": "paste-add", "partial": "variable-editor"},
        headers=HTMX,
    )

    draft.refresh_from_db()
    assert [row["key"] for row in draft.data["variables"]["terraform"]] == ["region"]
    assert FULL_KEY.rsplit(".", 1)[1] not in repr(draft.data)


@pytest.mark.parametrize("action", ["next", "back"])
def test_a_paste_left_in_the_box_is_not_dropped_by_save_and_continue_or_back(
    signed_in_with_key, user_with_key, fake, action
):
    """The box was read only by Preview and Add: "Save and continue" (or Back) with a paste
    still in it went on, and the pasted lines were gone without a word."""
    draft = make_draft(user_with_key)
    region = {"key": "region", "value_type": "string", "value": "eu-west-1"}
    token = {"key": "TF_TOKEN", "value_type": "secret", "value": "account.tf_token"}
    rows = formset_rows("terraform", region | {"value": "eu-central-1"})
    rows |= formset_rows("environment", token)
    pasted = {"paste_text": 'instance_type = "t3.micro"\n', "paste_group": "terraform"}

    response = post_step(signed_in_with_key, draft, "variables", rows | pasted | {"action": action})

    assert response.status_code == 200
    assertContains(response, "Add the pasted lines or clear the box first")
    assertContains(response, "1 of 1 line can be added")
    assertContains(response, 'id="paste-note" tabindex="-1" data-autofocus')
    assert shown_paste_box(response.content.decode()) == {
        "paste_text": 'instance_type = "t3.micro"',
        "paste_group": "terraform",
    }
    draft.refresh_from_db()  # the rows typed are saved all the same
    assert draft.data["variables"]["terraform"] == [region | {"value": "eu-central-1"}]


def _a_row_and_a_paste() -> tuple[dict, dict]:
    """A paste not added yet, and the Variables step posted with it and one Terraform row."""
    row = {"key": "region", "value_type": "string", "value": "eu-west-1"}
    pasted = {"paste_text": 'instance_type = "t3.micro"', "paste_group": "environment"}
    return pasted, formset_rows("terraform", row) | formset_rows("environment") | pasted


@pytest.mark.parametrize("action", ["add-var:terraform", "remove-var:terraform:0", "retype"])
def test_a_row_button_keeps_what_is_in_the_paste_box(
    signed_in_with_key, user_with_key, fake, action
):
    """The paste box is inside the rows' region: Add, Remove and a type change redrew it empty,
    and a paste not added yet was gone without a word."""
    draft = make_draft(user_with_key)
    pasted, posted = _a_row_and_a_paste()

    response = post_step(
        signed_in_with_key,
        draft,
        "variables",
        posted | {"action": action, "partial": "variable-editor"},
        headers=HTMX,
    )

    assert shown_paste_box(response.content.decode()) == pasted


def test_without_javascript_a_row_button_keeps_what_is_in_the_paste_box(
    signed_in_with_key, user_with_key, fake
):
    """A row button redirects back to the step, which would open with an empty box: while the
    box holds a paste, the step is shown at once instead, the rows saved and the paste kept."""
    draft = make_draft(user_with_key)
    pasted, posted = _a_row_and_a_paste()

    response = post_step(
        signed_in_with_key, draft, "variables", posted | {"action": "add-var:terraform"}
    )

    assert response.status_code == 200
    assert shown_paste_box(response.content.decode()) == pasted
    assertContains(response, 'id="terraform-1-key"')
    draft.refresh_from_db()
    assert len(draft.data["variables"]["terraform"]) == 2


def test_a_row_button_never_shows_a_key_in_the_paste_box_again(signed_in_with_key, draft, fake):
    pasted = {"paste_text": KEYED_TFVARS, "paste_group": "terraform"}
    posted = formset_rows("terraform") | formset_rows("environment") | pasted

    response = post_step(
        signed_in_with_key,
        draft,
        "variables",
        posted | {"action": "add-var:terraform", "partial": "variable-editor"},
        headers=HTMX,
    )

    shown = shown_paste_box(response.content.decode())["paste_text"]
    assert 'region = "eu-west-1"' in shown and "[redacted]" in shown
    assertNotContains(response, FULL_KEY.rsplit(".", 1)[1])


def test_a_box_holding_only_comments_does_not_hold_save_and_continue(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)
    pasted = {"paste_text": "# nothing but a comment\n\n", "paste_group": "terraform"}
    rows = validation.step_data("variables", draft.data["variables"])

    response = post_step(signed_in_with_key, draft, "variables", rows | pasted | {"action": "next"})

    assertRedirects(response, step_url(draft, "review"), fetch_redirect_response=False)


KEY_SECRET = FULL_KEY.rsplit(".", 1)[1]


@pytest.mark.parametrize("value_type", ["string", "secret"])
def test_a_harness_key_typed_into_a_variable_row_is_never_autosaved(
    signed_in_with_key, draft, fake, value_type
):
    """The paste box refused a line holding a key, but a row's own value field stored it as
    typed, in plain text, on every autosave."""
    row = {"key": "HARNESS_PLATFORM_API_KEY", "value_type": value_type, "value": FULL_KEY}
    posted = formset_rows("terraform") | formset_rows("environment", row)

    signed_in_with_key.post(step_url(draft, "variables") + "?autosave=1", posted, headers=HTMX)
    page = signed_in_with_key.get(step_url(draft, "variables"))

    draft.refresh_from_db()
    assert KEY_SECRET not in repr(draft.data)
    assert draft.data["variables"]["environment"][0]["value"] == "[redacted]"
    assertNotContains(page, KEY_SECRET)
    shown = page.content.decode()
    assert re.search(r'<input id="environment-0-value"[^>]*aria-invalid="true"', shown)
    error = re.search(r'<p class="row__error" id="environment-0-error">([^<]*)</p>', shown)
    message = html.unescape(error.group(1))
    assert "API key" in message and "is not kept" in message, message


def test_a_secret_row_refuses_a_value_that_is_not_a_secret_reference(
    signed_in_with_key, draft, fake
):
    """A secret row sends only a reference: anything else is kept as typed (a text row turned
    secret keeps its value) and refused on the row; a key in it is kept as [redacted] alone
    (`test_a_harness_key_typed_into_a_variable_row_is_never_autosaved`)."""
    row = {"key": "DB_PASSWORD", "value_type": "secret", "value": "t3.micro"}
    posted = formset_rows("terraform") | formset_rows("environment", row)

    response = post_step(signed_in_with_key, draft, "variables", posted | {"action": "next"})

    assert response.status_code == 200
    assertContains(response, "A secret reference looks like account.&lt;id&gt;")
    draft.refresh_from_db()
    assert draft.data["variables"]["environment"][0]["value"] == "t3.micro"
    assert "environment.0.value" in validation.bind_step("variables", draft.data).problems()
    # A reference is kept as typed, and passes.
    row["value"] = "account.db_password"
    post_step(
        signed_in_with_key,
        draft,
        "variables",
        formset_rows("terraform") | formset_rows("environment", row),
    )
    draft.refresh_from_db()
    assert draft.data["variables"]["environment"][0]["value"] == "account.db_password"


def test_switching_a_text_row_to_secret_and_back_keeps_its_value(
    signed_in_with_key, user_with_key, fake
):
    """The type select redraws the rows from what was stored, and a secret row stored anything
    but a reference as [redacted]: t3.micro came back as [redacted]."""
    draft = make_draft(user_with_key)
    value = "t3.micro"
    for value_type in ("secret", "string"):
        row = {"key": "instance_type", "value_type": value_type, "value": value}
        posted = formset_rows("terraform", row) | formset_rows("environment")
        response = post_step(
            signed_in_with_key,
            draft,
            "variables",
            posted | {"action": "retype", "partial": "variable-editor"},
            headers=HTMX,
        )
        shown = re.search(
            r'<input id="terraform-0-value"[^>]*value="([^"]*)"', response.content.decode()
        )
        value = html.unescape(shown.group(1))

    draft.refresh_from_db()
    assert draft.data["variables"]["terraform"][0]["value"] == "t3.micro"


@pytest.mark.parametrize("value", ["pat.de.la.cruz@example.com", "https://sat.eu.example.com/v1"])
def test_a_value_that_only_looks_like_a_harness_key_is_kept_as_typed(
    signed_in_with_key, user_with_key, fake, value
):
    """A whole-key pattern found inside an e-mail address or a host name took the whole value."""
    draft = make_draft(user_with_key)
    row = {"key": "endpoint", "value_type": "string", "value": value}
    posted = formset_rows("terraform", row) | formset_rows("environment")

    post_step(signed_in_with_key, draft, "variables", posted | {"action": "next"})

    draft.refresh_from_db()
    assert draft.data["variables"]["terraform"][0]["value"] == value


@pytest.mark.parametrize(
    "field",
    ["name", "description", "tag key", "tag value"],
)
def test_a_harness_key_typed_into_basics_is_never_saved_and_said_on_its_field(
    signed_in_with_key, draft, fake, field
):
    posted = {"name": "payments", "description": "", "action": "next"}
    tag = {"key": "team", "value": "web"}
    if field.startswith("tag"):
        tag[field.split()[1]] = FULL_KEY
    else:
        posted[field] = f"Deployed with {FULL_KEY}" if field == "description" else FULL_KEY

    response = post_step(signed_in_with_key, draft, "basics", posted | formset_rows("tag", tag))

    draft.refresh_from_db()
    assert KEY_SECRET not in repr(draft.data) + draft.name
    assert response.status_code == 200
    assertNotContains(response, KEY_SECRET)
    assertContains(response, "Harness API key")


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["partial", "full page"])
def test_the_paste_preview_keeps_the_text_and_group_its_add_button_posts(
    signed_in_with_key, draft, fake, headers
):
    text = 'AWS_REGION = "eu-west-1"\nLOG_LEVEL = "debug"'
    pasted = {"paste_text": text, "paste_group": "environment"}

    preview, shown = _preview_then_add(signed_in_with_key, draft, pasted, headers=headers)

    assertContains(preview, "Add 2 variables")
    assert shown == pasted
    draft.refresh_from_db()
    assert [row["key"] for row in draft.data["variables"]["environment"]] == [
        "AWS_REGION",
        "LOG_LEVEL",
    ]


def test_secret_picker_search_partial(signed_in_with_key, draft, fake):
    response = signed_in_with_key.get(
        picker_url(draft, "variables", "secret"), {"secret-q": "db"}, headers=HTMX
    )

    assert response.content.decode().lstrip().startswith('<div id="secret-options"')
    assertContains(response, "org.db_password")
    assertNotContains(response, "account.tf_token")
    # What the search found, said from the live region beside the search box (out of band).
    assertContains(
        response, '<p id="secret-count" hx-swap-oob="innerHTML">2 secrets.</p>', html=True
    )


def _add_copies(fake, collection, like, field, **values):
    """Copies of the row of the fake's `collection` that has the attributes `like`, one per
    identifier given, with `field` set to its value."""
    state = fake.server.app.state
    with state.lock:
        rows = getattr(state, collection)
        seeded = next(r for r in rows if all(getattr(r, k) == v for k, v in like.items()))
        for identifier, value in values.items():
            rows.append(dataclasses.replace(seeded, identifier=identifier, **{field: value}))


def _searches(step, picker, route, copied, texts, queries):
    """One case per query for the picker `picker` of the step `step`."""
    return [
        pytest.param(step, picker, route, copied, texts, query, id=f"{picker}:{query}")
        for query in queries
    ]


@pytest.mark.parametrize(
    ("step", "picker", "route", "copied", "texts", "query"),
    [
        # The v1 template list's search_term is a regex: "(" alone is an invalid one (a 500),
        # "." any character and "+" a quantifier.
        *_searches(
            "template",
            "template",
            "v1.templates.list",
            ("templates", {"identifier": "aws_service", "stable": True}, "name"),
            ("Service v1.2+ (legacy)", "Service v1x2 legacy"),
            ["(", "1.2", "V1.2+ (", "+"],
        ),
        # listV2's searchTerm too, after URL-decoding it again: "+" is a space.
        *_searches(
            "repository",
            "git-connector",
            "ng.connectors.list",
            ("connectors", {"identifier": "github_acme"}, "description"),
            ("GitHub v1.2+ (legacy)", "GitHub v1x2  legacy"),
            ["(", "1.2+ (", "V1.2+"],
        ),
        # The secrets list's searchTerm too; the fake refuses a "+" it might URL-decode again.
        *_searches(
            "variables",
            "secret",
            "ng.secrets.list",
            ("secrets", {"identifier": "tf_token"}, "name"),
            ("Vault a.b+ (legacy)", "Vault axb legacy"),
            ["(", "a.b", "A.B+ (", "+"],
        ),
    ],
)
def test_a_picker_search_finds_the_text_typed_not_a_regex(
    signed_in_with_key, draft, fake, step, picker, route, copied, texts, query
):
    # Each picker lists a copy of a seeded row holding the text searched and a lookalike that
    # the query, read as a regex, would find as well.
    collection, like, field = copied
    typed, lookalike = texts
    _add_copies(fake, collection, like, field, typed_copy=typed, lookalike_copy=lookalike)

    search = signed_in_with_key.get(
        picker_url(draft, step, picker), {f"{picker}-q": query}, headers=HTMX
    )

    assertContains(search, "account.typed_copy")
    assertNotContains(search, "account.lookalike_copy")
    assertNotContains(search, f"account.{like['identifier']}")
    assert fake.log(route=route)[-1]["status"] == 200


@pytest.mark.parametrize(
    ("step", "name", "query", "said"),
    [
        ("repository", "git-connector", "gitlab", "2 connectors."),
        ("repository", "git-connector", "zzz", "Nothing matches “zzz”."),
        ("template", "clone-workspace", "zzz", "Nothing matches “zzz”."),
        ("variables", "secret", "zzz", "No secret matches “zzz”."),
    ],
)
def test_a_picker_search_is_said_in_the_live_region_that_stays_beside_its_box(
    signed_in_with_key, draft, fake, step, name, query, said
):
    page = signed_in_with_key.get(step_url(draft, step))

    response = signed_in_with_key.get(
        picker_url(draft, step, name), {f"{name}-q": query}, headers=HTMX
    )

    region = (
        f'<p id="{name}-count" class="visually-hidden" role="status"'
        f' data-live-for="{name}-options"></p>'
    )
    assertContains(page, region, html=True)
    assertNotContains(page, "hx-swap-oob")
    assertContains(response, f'<p id="{name}-count" hx-swap-oob="innerHTML">{said}</p>', html=True)


# --- review and submit -----------------------------------------------------------------------


def test_review_shows_every_value_the_json_body_and_warnings(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)
    draft.data["provisioner"].update(aws="", vault="")
    draft.save()

    response = signed_in_with_key.get(step_url(draft, "review"))

    assertContains(response, "pay_vpc_dev")
    assertContains(response, "secret <code>account.tf_token</code>", html=False)
    assertContains(response, "&quot;provisioner&quot;: &quot;opentofu&quot;")
    assertContains(response, "No provider connector is chosen")
    assertContains(response, "Edit")
    assertContains(response, 'data-copy-target="request-body-json"')


def test_review_of_an_incomplete_draft_links_to_the_steps(signed_in_with_key, draft, fake):
    response = signed_in_with_key.get(step_url(draft, "review"))

    assertContains(response, "Some steps need attention")
    assertContains(response, step_url(draft, "basics"))
    # The step list on the same page flags each step the review lists, never opened or not: with
    # "!" and words for screen readers, not a plain number (or a ✓) beside "2 problems".
    content = response.content.decode()
    listed = re.findall(r'<li><a href="[^"]*/(\w+)/">[^<]*</a> \(\d+ problem', content)
    assert "repository" in listed, listed
    for step in listed:
        item = re.search(
            rf'<li class="steps__item ([^"]*)">\s*<a href="[^"]*/{step}/".*?</li>', content, re.S
        )
        assert "steps__item--invalid" in item[1], (step, item[1])
        assert ">!</span>" in item[0] and "(incomplete)" in item[0], item[0]


def test_submit_creates_and_shows_the_result(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]), headers=HTMX)
    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))
    again = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    step = signed_in_with_key.get(step_url(draft, "basics"))

    assert response["HX-Redirect"] == reverse("draft_result", args=[draft.pk])
    assertContains(result, "Created.")
    assertContains(result, reverse("workspace_detail", args=["default", "infra", "pay_vpc_dev"]))
    assertRedirects(again, reverse("draft_result", args=[draft.pk]), fetch_redirect_response=False)
    assertRedirects(step, reverse("draft_result", args=[draft.pk]), fetch_redirect_response=False)
    assert len(fake.log(route=CREATE)) == 1


def test_submit_of_incomplete_draft_goes_to_the_first_bad_step(signed_in_with_key, draft, fake):
    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assertRedirects(response, step_url(draft, "basics"), fetch_redirect_response=False)
    assert fake.log(route=CREATE) == []


def test_submit_validation_error_lands_on_the_field(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)
    draft.data["repository"]["connector"] = "account.no_such_connector"
    draft.save()

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    page = signed_in_with_key.get(step_url(draft, "repository"))

    assertRedirects(response, step_url(draft, "repository"), fetch_redirect_response=False)
    assertContains(page, "Harness did not create the workspace.")
    assertContains(page, "no_such_connector")
    assertContains(page, "picker field--error")


def test_a_refused_row_is_said_once_in_words_on_its_row_and_step(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)
    draft.data["variables"]["environment"][0]["value"] = "account.no_such_secret"
    draft.save()

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]), follow=True)

    assertRedirects(response, step_url(draft, "variables"))
    page = response.content.decode()
    assert page.count("The secret account.no_such_secret of environment variable TF_TOKEN") == 1
    assert "body.environment_variables" not in page
    assertContains(response, "does not exist in Harness, or your key cannot see it")
    row = page.split('id="environment-0-value"')[0].rsplit('<div class="row row--', 1)[1]
    assert row.startswith("variable row--error")
    assert 'aria-invalid="true"' in page.split('id="environment-0-value"')[1].split(">")[0]
    nav = page.split('aria-label="Steps"')[1].split("</nav>")[0]
    variables = nav.split("Variables")[1].split("</a>")[0]
    assert "(done)" not in variables
    assert "Harness refused a value here" in variables


def test_a_refused_row_once_changed_is_no_longer_marked(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)
    draft.data["variables"]["environment"][0]["value"] = "account.no_such_secret"
    draft.save()
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    fixed = {
        **formset_rows("terraform"),
        **formset_rows(
            "environment", {"key": "TF_TOKEN", "value": "account.tf_token", "value_type": "secret"}
        ),
        "action": "check",
    }

    post_step(signed_in_with_key, draft, "variables", fixed)
    page = signed_in_with_key.get(step_url(draft, "variables"))

    assertNotContains(page, "The secret account.no_such_secret")
    assertNotContains(page, "row--error")
    assertNotContains(page, "Harness refused a value here")


def goa_400(message):
    return json.dumps(
        {
            "name": "bad_request",
            "id": "r1",
            "message": message,
            "temporary": False,
            "timeout": False,
            "fault": False,
        }
    )


@pytest.mark.parametrize(
    ("message", "control"),
    [
        (
            "body.cost_estimation_enabled: cost estimation is not available in this account",
            "id_cost_estimation_enabled",
        ),
        ("body.terragrunt_provider: Terragrunt is not enabled for this account", "id_terragrunt"),
        ("body.run_all: run_all is not supported with this Terragrunt version", "id_run_all"),
    ],
)
def test_a_refused_checkbox_shows_what_harness_said(
    signed_in_with_key, user_with_key, fake, message, control
):
    draft = make_draft(
        user_with_key,
        provisioner__cost_estimation_enabled=True,
        provisioner__terragrunt=True,
        provisioner__terragrunt_version="0.55.21",
        provisioner__run_all=True,
    )
    fake.inject(CREATE, status=400, body=goa_400(message))

    submitted = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    page = signed_in_with_key.get(submitted["Location"])

    assert submitted["Location"] == reverse("draft_step", args=[draft.pk, "provisioner"])
    assertContains(page, "What it refused is marked below.")
    assertContains(page, message.split(": ", 1)[1], count=1)
    # On the checkbox Harness named, which is marked and described by it (portal.js focuses it).
    assert described_by_its_error(page, control, f"{control}_error")


def test_a_refused_main_connector_of_a_linked_draft_lands_on_the_slot_that_holds_it(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(
        user_with_key,
        provisioner__aws="",
        provisioner__vault="",
        provisioner__gcp="account.gcp_retired",
    )
    draft = choose_template(draft, "linked", ("k8s_namespace", "v1")).draft
    assert "provider_connectors" not in fake_body(draft)  # the template locks them

    submitted = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    page = signed_in_with_key.get(submitted["Location"])

    assert submitted["Location"] == step_url(draft, "provisioner")
    content = page.content.decode()
    gcp = content.split("<legend>GCP connector")[1].split("</fieldset>")[0]
    aws = content.split("<legend>AWS connector")[1].split("</fieldset>")[0]
    assert "does not exist in Harness" in gcp
    assert "does not exist in Harness" not in aws
    assert 'id="id_gcp_error"' in gcp


def fake_body(draft):
    """The body a submit of `draft` sends."""
    return build_body(stored_steps(draft.data))


TOKEN_GONE = "The secret account.tf_token_gone of environment variable TF_TOKEN does not exist"


def refused_token(signed_in_with_key, user_with_key):
    """A draft whose TF_TOKEN row Harness refused, and its Variables step's URL."""
    draft = make_draft(user_with_key)
    draft.data["variables"]["environment"][0]["value"] = "account.tf_token_gone"
    draft.save()
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    url = step_url(draft, "variables")
    assertContains(signed_in_with_key.get(url), TOKEN_GONE)
    return draft, url


def test_harness_complaint_about_a_row_stays_while_another_row_is_edited(
    signed_in_with_key, user_with_key, fake
):
    draft, url = refused_token(signed_in_with_key, user_with_key)

    autosaved = signed_in_with_key.post(
        url + "?autosave=1",
        {
            **formset_rows(
                "terraform", {"key": "region", "value_type": "string", "value": "eu-west-2"}
            ),
            **formset_rows(
                "environment",
                {"key": "TF_TOKEN", "value_type": "secret", "value": "account.tf_token_gone"},
            ),
        },
        headers=HTMX,
    )

    # wizard.js clears the messages an autosave names: not the refused row's, still standing.
    cleared = re.search(r'data-cleared-errors="([^"]*)"', autosaved.content.decode())[1].split()
    assert "terraform-0-error" in cleared and "environment-0-error" not in cleared
    draft.refresh_from_db()
    assert draft.data["variables"]["terraform"][0]["value"] == "eu-west-2"  # saved
    page = signed_in_with_key.get(url)
    assertContains(page, TOKEN_GONE)
    assertContains(page, "Harness refused a value here")


def test_harness_complaint_about_a_row_goes_once_that_row_changes(
    signed_in_with_key, user_with_key, fake
):
    _draft, url = refused_token(signed_in_with_key, user_with_key)

    signed_in_with_key.post(
        url + "?autosave=1",
        {
            **formset_rows(
                "terraform", {"key": "region", "value_type": "string", "value": "eu-west-1"}
            ),
            **formset_rows(
                "environment",
                {"key": "TF_TOKEN", "value_type": "secret", "value": "account.tf_token"},
            ),
        },
        headers=HTMX,
    )

    page = signed_in_with_key.get(url)
    assertNotContains(page, TOKEN_GONE)
    assertNotContains(page, "Harness refused a value here")


def test_harness_complaint_about_a_connector_stays_while_another_is_chosen(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key, provisioner__vault="account.vault_gone")
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    def choose(**slots):
        values = {**draft.data["provisioner"], **slots}
        drafts.draft_save_step(draft=draft, step="provisioner", values=values)
        draft.refresh_from_db()

    choose(gcp="org.gcp_default")  # another connector
    assert draft.harness_response["field"] == "vault"
    choose(vault="")  # the one Harness refused
    assert "field" not in draft.harness_response and "step" not in draft.harness_response


def test_submit_policy_denial_shows_the_deny_message(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)
    draft.data["basics"]["tags"] = [{"key": "env", "value": "prod"}]
    draft.save()

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    review = signed_in_with_key.get(step_url(draft, "review"))

    assertRedirects(response, step_url(draft, "review"), fetch_redirect_response=False)
    assertContains(review, "Workspaces tagged env=prod must enable cost estimation")


def test_a_read_only_key_is_told_before_the_next_wizard_starts(client, user, fake):
    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    client.force_login(user)
    draft = make_draft(user)
    start = reverse("draft_start", args=["default", "infra"])
    before = client.get(start)

    client.post(reverse("draft_submit", args=[draft.pk]))
    after = client.get(start)
    other_project = client.get(reverse("draft_start", args=["default", "other"]))

    assertNotContains(before, "cannot create workspaces")
    assertContains(after, "Your Harness key cannot create workspaces in default / infra")
    assertContains(after, "Create/Edit")
    assertNotContains(other_project, "cannot create workspaces")


def test_submit_conflict_leads_to_basics(signed_in_with_key, user_with_key, fake):
    taken = existing_identifier(harness_client_for(user_with_key))
    draft = make_draft(user_with_key, basics__identifier=taken)

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    basics = signed_in_with_key.get(step_url(draft, "basics"))

    assertRedirects(response, step_url(draft, "basics"), fetch_redirect_response=False)
    assertContains(basics, f"A workspace with the identifier {taken} already exists")
    # ... on the identifier field itself (added to its form with `add_error`), shown once, where
    # its live check speaks.
    status = basics.content.decode().split('id="identifier-status"')[1].split("</p>")[0]
    assert f"{taken} already exists in this project. Choose another identifier." in status
    assertNotContains(basics, 'id="id_identifier_error"')


@pytest.mark.parametrize("status", [409, 423])
def test_a_conflict_at_create_is_not_said_to_be_a_taken_identifier_when_none_exists(
    signed_in_with_key, user_with_key, fake, status
):
    draft = make_draft(user_with_key, basics__identifier="pay_vpc_free")
    fake.inject(CREATE, status=status)

    submitted = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    # The portal looked (counted before the test's own look): no workspace holds the identifier.
    looks = len(fake.log(route="iacm.workspaces.get"))
    with pytest.raises(errors.HarnessNotFound):
        harness_client_for(user_with_key).get_workspace(
            org="default", project="infra", identifier="pay_vpc_free"
        )
    assert looks >= 1
    basics = signed_in_with_key.get(step_url(draft, "basics"))
    assertNotContains(basics, "already exists")
    draft.refresh_from_db()
    assert not draft.data["basics"].get("identifier_taken")
    assert not validation.bind_step("basics", draft.data).problems()
    # Harness's refusal is said, with a way to submit again.
    result = signed_in_with_key.get(submitted["Location"])
    assertContains(result, f"HTTP {status}")
    assertContains(result, "Fix and submit again")
    assertNotContains(result, "already exists")
    fake.clear_faults()
    again = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    assert again["Location"] == reverse("draft_result", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == "created"


@pytest.mark.parametrize("status", [500, 503])
def test_submit_5xx_shows_a_retry(signed_in_with_key, user_with_key, fake, status):
    fake.inject(CREATE, status=status)
    draft = make_draft(user_with_key)

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))

    assertRedirects(
        response, reverse("draft_result", args=[draft.pk]), fetch_redirect_response=False
    )
    # A 5xx is no proof nothing was created: the outcome is unclear, and says so first.
    assertContains(result, "<strong>Outcome unclear.</strong>", html=False)
    assertNotContains(result, "Not created.")
    assertContains(result, "Harness may still create it")
    assertContains(result, "Fix and submit again")
    assert fake.log(route="iacm.workspaces.get")  # reconciled before anything else


def test_the_review_after_a_5xx_says_the_outcome_is_unclear(
    signed_in_with_key, user_with_key, fake
):
    # A 5xx is no proof nothing was created: the review says so as the result page does.
    fake.inject(CREATE, status=503)
    draft = make_draft(user_with_key)
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))

    assertNotContains(review, "did not create the workspace")
    outcome = re.search(r'<div [^>]*id="harness-outcome".*?</div>', review.content.decode(), re.S)
    assert "<strong>Outcome unclear.</strong>" in outcome[0]
    assert "Harness may still create it" in outcome[0]


def test_submit_timeout_is_reconciled(signed_in_with_key, user_with_key, fake, settings):
    settings.WIZARD_RECONCILE_SECONDS = 3.0
    fake.inject(CREATE, delay_ms=2600)
    draft = make_draft(user_with_key)

    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))

    assertContains(result, "Created.")
    assertContains(result, "slow to answer")
    assert len(fake.log(route=CREATE)) == 1


def test_a_create_harness_never_answered_is_headlined_unclear(
    signed_in_with_key, user_with_key, fake, settings
):
    settings.WIZARD_RECONCILE_SECONDS = 0
    fake.inject(CREATE, drop=True)  # no answer: it may still be created
    draft = make_draft(user_with_key)

    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    result = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]))

    assertContains(result, "<strong>Outcome unclear.</strong>", html=False)
    assertNotContains(result, "Not created.")
    assertContains(result, "never created twice")


def test_result_page_polls_while_submitting(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(status="submitting")
    url = reverse("draft_result", args=[draft.pk])

    full = signed_in_with_key.get(url)
    unchanged = signed_in_with_key.get(url, headers=HTMX)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(status="created")
    changed = signed_in_with_key.get(url, headers=HTMX)

    assertContains(full, 'hx-trigger="every 1s"')
    assertContains(full, "Harness is creating")
    # Nothing to swap (htmx swaps no 204): "Harness is creating…" is not read out each second.
    assert unchanged.status_code == 204
    assert unchanged.content == b""
    assert changed.content.decode().lstrip().startswith('<div id="draft-outcome">')
    assertContains(changed, "<strong>Created.</strong>", html=False)


def test_the_submitted_body_is_printed(signed_in_with_key, user_with_key, fake):
    """Not an assertion of shape (test_drafts does that): prints what the fake received."""
    import json

    draft = make_draft(user_with_key)
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    (request,) = fake.log(route=CREATE)
    print("\nbody the fake received:\n" + json.dumps(request["body"], indent=2))
    assert request["body"]["environment_variables"]["TF_TOKEN"]["value"] == "account.tf_token"
    assert valid_data()["basics"]["identifier"] == request["body"]["identifier"]


@pytest.mark.parametrize(
    ("step", "action"),
    [
        ("variables", "paste"),
        ("variables", "add-tag"),  # a Basics button posted to Variables
        ("basics", "add-var:terraform"),
        ("variables", "add-var:nope"),
        ("variables", "remove-var:terraform:x"),
        ("basics", "remove-tag:"),
        ("repository", "explode"),
    ],
)
def test_unknown_row_actions_answer_400_and_save_nothing(
    signed_in_with_key, user_with_key, fake, step, action
):
    draft = make_draft(user_with_key)
    before = WorkspaceDraft.objects.get(pk=draft.pk).data

    response = post_step(signed_in_with_key, draft, step, {"name": "changed", "action": action})

    assert response.status_code == 400
    assert WorkspaceDraft.objects.get(pk=draft.pk).data == before


def test_picker_and_check_urls_of_another_step_or_picker_are_404(signed_in_with_key, draft, fake):
    wrong_step = signed_in_with_key.get(picker_url(draft, "basics", "git-connector"))
    unknown = signed_in_with_key.get(picker_url(draft, "repository", "nope"))

    assert wrong_step.status_code == 404
    assert unknown.status_code == 404


def test_review_is_a_view_of_its_own_and_a_post_to_it_goes_back_to_it(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)

    response = signed_in_with_key.post(step_url(draft, "review"))

    assert reverse("draft_review", args=[draft.pk]) == step_url(draft, "review")
    assertRedirects(response, step_url(draft, "review"), fetch_redirect_response=False)


def test_each_picker_call_keeps_the_request_id():
    """Picker threads run in a copy of the request's context: their Harness calls are logged
    with the request id. (A stub client: the fake cannot see the portal's context.)"""
    from portal.logs import request_id_var
    from workspaces.harness.types import Page
    from workspaces.wizard.pickers import PickerRequest, wizard_pickers

    seen = []

    class Client:
        def list_secrets(self, **kwargs):
            seen.append(request_id_var.get())
            return Page(items=(), page=1, limit=20, total_items=0, total_pages=0)

        list_templates = list_secrets

    token = request_id_var.set("req-123")
    try:
        wizard_pickers(
            client=Client(),
            org="default",
            project="infra",
            requests=[PickerRequest("secret"), PickerRequest("template")],
        )
    finally:
        request_id_var.reset(token)

    assert seen == ["req-123", "req-123"]


def test_an_autosave_never_applies_a_row_action(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)

    response = signed_in_with_key.post(
        step_url(draft, "basics") + "?autosave=1",
        {"name": "typed", "identifier": "typed", "action": "paste-add", "paste_text": "a = 1"},
        headers=HTMX,
    )

    assert response.content.decode().lstrip().startswith('<span id="save-state"')
    stored = WorkspaceDraft.objects.get(pk=draft.pk).data
    assert stored["basics"]["name"] == "typed"
    assert stored["variables"] == make_draft(user_with_key).data["variables"]


def test_a_steps_header_queries_run_while_its_pickers_wait_on_harness(
    signed_in_with_key, draft, fake, monkeypatch
):
    from workspaces.favourites import context_processors as favourites

    fake.inject("v1.templates.list", delay_ms=400, times=2)  # account and project templates
    read_at: list[float] = []
    reader = favourites.saved_views_menu
    monkeypatch.setattr(
        favourites,
        "saved_views_menu",
        lambda **kw: read_at.append(time.monotonic()) or reader(**kw),
    )
    started = time.monotonic()

    response = signed_in_with_key.get(step_url(draft, "template"))

    assert response.status_code == 200
    assertContains(response, "My views")
    # Read once, and before the templates answered: not after, in series with them.
    assert len(read_at) == 1
    assert read_at[0] - started < 0.4 <= time.monotonic() - started


# --- the result page and My requests ------------------------------------------------------------


def test_a_polled_result_that_went_back_to_a_draft_redirects_the_whole_page(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status="draft", harness_response={"outcome": "changed_in_harness", "message": "changed"}
    )

    polled = signed_in_with_key.get(reverse("draft_result", args=[draft.pk]), headers=HTMX)

    # A plain 302 would be followed by the poll's XHR, and the review swapped into the outcome.
    assert polled.status_code == 200
    assert polled["HX-Redirect"] == step_url(draft, "review")


def test_my_requests_does_not_call_an_unclear_outcome_failed(
    signed_in_with_key, user_with_key, fake
):
    WorkspaceDraft.objects.create(
        owner=user_with_key,
        org="default",
        project="infra",
        name="maybe",
        identifier="maybe",
        status="failed",
        harness_response={"outcome": "unknown", "message": "Harness may still create it."},
    )

    listed = signed_in_with_key.get(reverse("draft_list"))

    # The result page headlines it "Outcome unclear." and never "Not created."
    assertNotContains(listed, '<span class="badge badge--request-failed">Failed</span>')
    assertContains(listed, '<span class="badge badge--request-unclear">Outcome unclear</span>')


def test_the_outcome_replacing_submitting_is_inside_a_live_region_that_stays(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(status="submitting")

    full = signed_in_with_key.get(reverse("draft_result", args=[draft.pk])).content.decode()

    # #draft-outcome is swapped whole: a live region inside it would be a new one each time,
    # which screen readers do not announce ("Created." never read out).
    assert re.search(r'<div aria-live="polite">\s*<div id="draft-outcome"', full)


# --- a request of another Harness account than the key's ---------------------------------------


@pytest.fixture
def old_accounts_draft(user_with_key, fake):
    """A request started in AcmeDemoAcct01, whose owner's key is now for OtherAcct02; the fake's
    log holds only the calls made after."""
    from tests.conftest import OTHER_KEY

    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(account_id=ACCOUNT)
    credential_save(user=user_with_key, account_id="OtherAcct02", api_key=OTHER_KEY)
    fake.clear_log()
    draft.refresh_from_db()
    return draft


def calls_with_the_new_key(fake) -> list[dict]:
    return [
        e
        for e in fake.log()
        if e["headers"].get("harness-account") == "OtherAcct02"
        or "OtherAcct02" in e["query"].get("accountIdentifier", [])
    ]


def test_a_request_of_the_old_account_offers_none_of_the_new_keys_connectors(
    signed_in_with_key, old_accounts_draft, fake
):
    draft = old_accounts_draft
    url = step_url(draft, "provisioner")

    page = signed_in_with_key.get(url)
    posted = {**draft.data["provisioner"], "aws": "account.aws_main"}
    posted.pop("cost_estimation_enabled")
    signed_in_with_key.post(url + "?autosave=1", posted, headers=HTMX)

    draft.refresh_from_db()
    assert 'value="account.aws_main"' not in page.content.decode()
    assert draft.data["provisioner"]["aws"] == "account.aws_prod"
    assert calls_with_the_new_key(fake) == []


@pytest.mark.parametrize("step", ["template", "basics", "repository", "provisioner", "variables"])
def test_a_step_of_a_request_of_another_account_says_which_key_opens_it(
    signed_in_with_key, old_accounts_draft, fake, step
):
    page = signed_in_with_key.get(step_url(old_accounts_draft, step))

    text = " ".join(html.unescape(page.content.decode()).split())
    assert page.status_code == 200
    assert "your key is for OtherAcct02" in text
    assert 'id="step-form"' not in text, "a form that saves into the request"
    assert f'href="{reverse("harness_key")}"' in text
    assert f'href="{step_url(old_accounts_draft, "review")}"' in text
    assert calls_with_the_new_key(fake) == []


def test_saving_a_step_of_a_request_of_another_account_saves_nothing_and_says_why(
    signed_in_with_key, old_accounts_draft, fake
):
    draft = old_accounts_draft
    before = (draft.data, draft.step_status, draft.updated_at)

    response = post_step(
        signed_in_with_key,
        draft,
        "template",
        {"source": "clone", "clone_identifier": "redis_prod_0004", "action": "next"},
    )

    draft.refresh_from_db()
    text = " ".join(html.unescape(response.content.decode()).split())
    assert response.status_code == 403
    assert (draft.data, draft.step_status, draft.updated_at) == before
    assert "started with a key for the Harness account AcmeDemoAcct01" in text
    assert "your change was not saved" in text
    assert calls_with_the_new_key(fake) == []


def test_an_htmx_save_of_a_step_of_a_request_of_another_account_is_refused_in_the_alert(
    signed_in_with_key, old_accounts_draft, fake
):
    draft = old_accounts_draft

    response = signed_in_with_key.post(
        step_url(draft, "basics") + "?autosave=1",
        {**draft.data["basics"], "name": "renamed"},
        headers=HTMX,
    )

    draft.refresh_from_db()
    assert draft.data["basics"]["name"] != "renamed"
    assert response["HX-Retarget"] == "#global-alert"
    assert "started with a key for the Harness account AcmeDemoAcct01" in html.unescape(
        response.content.decode()
    )


@pytest.mark.parametrize(
    "step,name",
    [("template", "template"), ("template", "clone-workspace"), ("provisioner", "version")],
)
def test_a_picker_of_a_request_of_another_account_asks_harness_nothing(
    signed_in_with_key, old_accounts_draft, fake, step, name
):
    response = signed_in_with_key.get(picker_url(old_accounts_draft, step, name), headers=HTMX)

    assert "started with a key for the Harness account AcmeDemoAcct01" in html.unescape(
        response.content.decode()
    )
    assert calls_with_the_new_key(fake) == []


def test_the_identifier_check_of_a_request_of_another_account_asks_harness_nothing(
    signed_in_with_key, old_accounts_draft, fake
):
    response = signed_in_with_key.get(
        check_url(old_accounts_draft), {"identifier": "fresh_one"}, headers=HTMX
    )

    assert response["HX-Retarget"] == "#global-alert"
    assert calls_with_the_new_key(fake) == []
