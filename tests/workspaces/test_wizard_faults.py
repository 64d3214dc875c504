"""The wizard's Harness calls under faults: one test per error branch of the wizard.

How the client maps each fault (status, timeout, malformed body, dropped connection, redirect)
to its error class is tested once, in `tests/harness/test_errors.py`; here each branch the
wizard takes on those errors is tested once. Pickers fail inside the picker with a retry; the
identifier check says it will check again at submit; submit never loses the draft and never
creates twice. 401 always leads to the key page.
"""

import re

import pytest
from django.urls import reverse

from tests.harness.conftest import after_the_first_look_that_misses, wait_until_logged
from tests.workspaces.test_drafts import choose_template, make_draft
from tests.workspaces.test_fault_matrix import FAULTS
from workspaces.clients import harness_client_for
from workspaces.harness import errors
from workspaces.models import WorkspaceDraft
from workspaces.wizard import drafts
from workspaces.wizard.body import build_body

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}

PICKERS = {
    # picker name: (step, fake route)
    "template": ("template", "v1.templates.list"),
    "clone-workspace": ("template", "iacm.workspaces.list"),
    "git-connector": ("repository", "ng.connectors.list"),
    "version": ("provisioner", "iacm.provisioners.versions"),
    "template-version": ("template", "v1.templates.list"),
    "terragrunt-version": ("provisioner", "iacm.provisioners.versions"),
    "aws-connector": ("provisioner", "ng.connectors.list"),
    "gcp-connector": ("provisioner", "ng.connectors.list"),
    "azure-connector": ("provisioner", "ng.connectors.list"),
    "vault-connector": ("provisioner", "ng.connectors.list"),
    "secret": ("variables", "ng.secrets.list"),
}
# Pickers a step shows for the sample draft (from scratch: no template versions to list).
STEP_PICKER_COUNT = {"template": 2, "repository": 1, "provisioner": 5, "variables": 1}


@pytest.fixture(autouse=True)
def _short_timeouts(settings):
    settings.HARNESS_READ_TIMEOUT = 0.5
    settings.WIZARD_RECONCILE_SECONDS = 0.5


def _is_key_page_redirect(response) -> bool:
    target = response.get("HX-Redirect") or response.get("Location")
    return target == reverse("harness_key")


def _picker(client, draft, picker):
    step, _route = PICKERS[picker]
    return client.get(
        reverse("draft_picker", args=[draft.pk, step, picker]),
        {f"{picker}-q": "a", "template_ref": "account.aws_service", "terragrunt": "on"},
        headers=HTMX,
    )


# --- pickers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("picker", PICKERS)
def test_a_failing_picker_answers_with_its_own_retry(
    signed_in_with_key, user_with_key, fake, picker
):
    draft = make_draft(user_with_key)
    fake.inject(PICKERS[picker][1], times=5, status=503)

    response = _picker(signed_in_with_key, draft, picker)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<div id="{picker}-options"')
    assert "Harness answered with an error (HTTP 503)." in body
    assert "Try again" in body
    assert reverse("draft_picker", args=[draft.pk, PICKERS[picker][0], picker]) in body


def test_a_picker_rate_limited_says_how_long_harness_asked_to_wait(
    signed_in_with_key, user_with_key, rate_limiting_harness, settings
):
    """Harness said "retry after 120 s"; the picker said "Wait a few seconds and try again" next
    to a Try again button, so every click in the next two minutes met another 429."""
    settings.HARNESS_BASE_URL = rate_limiting_harness
    draft = WorkspaceDraft.objects.create(owner=user_with_key, org="default", project="infra")

    response = signed_in_with_key.get(
        reverse("draft_picker", args=[draft.pk, "repository", "git-connector"]), headers=HTMX
    )

    body = response.content.decode()
    assert "Harness is limiting requests" in body
    assert "a few seconds" not in body
    assert "Try again in about 2 minutes" in body


def test_a_failing_version_list_keeps_the_chosen_template_version(
    signed_in_with_key, user_with_key, fake
):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    locked = choose_template(draft, "linked").draft.data["template"]["locked"]
    fake.inject("v1.templates.list", status=503, times=10)
    url = reverse("draft_step", args=[draft.pk, "template"])

    page = signed_in_with_key.get(url)
    shown = re.search(
        r'<select id="template-version" name="template_version">(.*?)</select>',
        page.content.decode(),
        re.S,
    )
    kept = re.findall(r'<option value="([^"]*)" selected>', shown.group(1) if shown else "")
    posted = {
        "source": "template",
        "template_ref": "k8s_namespace",
        "template_mode": "linked",
    }
    signed_in_with_key.post(f"{url}?autosave=1", posted | {"template_version": kept}, headers=HTMX)

    draft.refresh_from_db()
    assert kept == ["v1"]
    assert draft.data["template"]["template_version"] == "v1"
    assert draft.data["template"]["locked"] == locked


def test_a_picker_answered_with_401_leads_to_the_key_page(signed_in_with_key, user_with_key, fake):
    draft = make_draft(user_with_key)
    fake.inject("ng.connectors.list", times=5, status=401)

    response = _picker(signed_in_with_key, draft, "git-connector")

    assert _is_key_page_redirect(response)


@pytest.mark.parametrize("step", list(STEP_PICKER_COUNT))
def test_whole_step_renders_when_all_its_pickers_fail(
    signed_in_with_key, user_with_key, fake, step
):
    draft = make_draft(user_with_key)
    for picker_step, route in PICKERS.values():
        if picker_step == step:
            fake.inject(route, times=20, status=503)

    response = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, step]))

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count(">Try again</button>") == STEP_PICKER_COUNT[step]
    assert "Save and continue" in body


def test_a_step_whose_pickers_get_401_leads_to_the_key_page(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)
    fake.inject("ng.connectors.list", times=20, status=401)

    response = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "repository"]))

    assert _is_key_page_redirect(response)


# step: (the fake route its save reads before writing, what is posted, a value typed to keep)
READ_ON_SAVE = {
    "provisioner": (
        "iacm.provisioners.versions",
        {"provisioner": "terraform", "version": "", "aws": "account.aws_prod"}
        | {"cost_estimation_enabled": "on", "budget": "750"},
        ("budget", "750"),
    ),
    "basics": (
        "iacm.workspaces.get",
        {"name": "Payments VPC", "identifier": "brand_new_ws", "identifier_edited": "on"}
        | {"description": "Typed just before the key was revoked"},
        ("description", "Typed just before the key was revoked"),
    ),
    "template": (
        "v1.templates.version",
        {"source": "template", "template_ref": "k8s_namespace", "template_version": "v1"}
        | {"template_mode": "copied"},
        ("template_ref", "k8s_namespace"),
    ),
}


@pytest.mark.parametrize("step", list(READ_ON_SAVE))
def test_a_save_whose_harness_read_gets_401_keeps_what_was_typed(
    signed_in_with_key, user_with_key, fake, step
):
    """The save asked Harness first (the versions, the identifier, the template) and wrote
    nothing when Harness answered 401: a revoked key lost everything posted."""
    draft = make_draft(user_with_key)
    route, posted, (field, typed) = READ_ON_SAVE[step]
    fake.inject(route, status=401, times=5)

    response = signed_in_with_key.post(
        reverse("draft_step", args=[draft.pk, step]), posted | {"action": "next"}
    )

    assert _is_key_page_redirect(response)
    draft.refresh_from_db()
    assert draft.data[step][field] == typed, draft.data[step]
    if step == "template":  # not read: nothing was filled in from it, and the step says so
        assert draft.data["template"]["applied"] == ""


# --- identifier check ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("503", "Couldn&#x27;t check with Harness right now; it will be checked when you submit."),
        ("401", None),
    ],
)
def test_identifier_check_when_harness_fails(
    signed_in_with_key, user_with_key, fake, fault, expected
):
    draft = make_draft(user_with_key)
    fake.inject("iacm.workspaces.get", times=5, **FAULTS[fault])

    response = signed_in_with_key.get(
        reverse("draft_identifier_check", args=[draft.pk]),
        {"identifier": "some_new_ws"},
        headers=HTMX,
    )

    if expected is None:
        assert _is_key_page_redirect(response)
    else:
        assert response.status_code == 200
        assert expected in response.content.decode()


# --- submit ----------------------------------------------------------------------------------

# fault: (status, outcome) after the first submit; every failed one is created by a retry.
SUBMIT_OUTCOMES = {
    "400": ("failed", "invalid"),  # field errors and policy denials: test_drafts.py
    "403": ("failed", "refused"),
    # No workspace holds the identifier (the portal looks): a refusal, not "taken".
    "409": ("failed", "refused"),
    "503": ("failed", "unavailable"),
    "timeout": ("created", "created"),  # Harness created it; the GET after the timeout says so
}


def _created(fake, identifier: str) -> list:
    return [
        e
        for e in fake.log(route="iacm.workspaces.create")
        if e["status"] == 200 and e["body"]["identifier"] == identifier
    ]


@pytest.mark.parametrize("fault", SUBMIT_OUTCOMES)
def test_submit_fault_keeps_the_draft_and_creates_exactly_once(
    signed_in_with_key, user_with_key, fake, fault
):
    identifier = f"fault_{fault}"
    draft = make_draft(user_with_key, identifier=identifier)
    fake.inject("iacm.workspaces.create", times=1, **FAULTS[fault])

    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    first = WorkspaceDraft.objects.get(pk=draft.pk)
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))  # the retry, if needed
    draft.refresh_from_db()

    assert (first.status, first.harness_response["outcome"]) == SUBMIT_OUTCOMES[fault]
    assert first.data["basics"]["identifier"] == f"fault_{fault}"  # the draft is never lost
    assert draft.status == "created"
    assert len(_created(fake, identifier)) == 1
    client = harness_client_for(user_with_key)
    assert client.get_workspace(org="default", project="infra", identifier=identifier).name


def test_a_taken_identifier_holds_the_retry_on_basics_until_it_changes(
    signed_in_with_key, user_with_key, fake
):
    client = harness_client_for(user_with_key)
    draft = make_draft(user_with_key, identifier="taken_by_another")
    theirs = build_body(draft.data) | {"name": "someone-else", "repository": "another-repo"}
    client.create_workspace(org="default", project="infra", body=theirs)

    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    first = WorkspaceDraft.objects.get(pk=draft.pk)
    # Harness said the identifier is taken, and the look found it: Basics keeps saying so, and
    # the retry is held there (nothing sent) until the identifier changes.
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    posts = len(fake.log(route="iacm.workspaces.create"))
    drafts.draft_save_step(
        draft=WorkspaceDraft.objects.get(pk=draft.pk),
        step="basics",
        values={**first.data["basics"], "identifier": "taken_by_another_b"},
        client=client,
    )
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    draft.refresh_from_db()

    assert (first.status, first.harness_response["outcome"]) == ("failed", "conflict")
    assert posts == 2  # theirs, then this request's one POST
    assert draft.status == "created"
    assert len(_created(fake, "taken_by_another_b")) == 1


def test_resubmit_after_a_timeout_never_calls_our_own_workspace_taken(
    signed_in_with_key, user_with_key, fake, settings
):
    """First submit: the POST times out, Harness creates the workspace a moment later.
    The user submits again: the portal looks first (GET: not there yet), then POSTs. If the
    first POST lands between that GET and the new POST, Harness answers 409 for *our own*
    workspace. The portal must see that it is ours (as it does on a first-attempt 409 after
    an unclear outcome), not tell the user to choose another identifier: doing that creates
    a second workspace from the same request."""
    settings.HARNESS_READ_TIMEOUT = 0.5
    settings.WIZARD_RECONCILE_SECONDS = 0.3
    draft = make_draft(user_with_key, identifier="race_after_timeout")
    fake.inject("iacm.workspaces.create", times=1, delay_ms=2500)  # lands after 2.5 s

    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    first = WorkspaceDraft.objects.get(pk=draft.pk)
    assert (first.status, first.harness_response["outcome"]) == ("failed", "unknown")

    # The re-submit's look (GET -> 404) is done: the slow first POST now lands in Harness,
    # before the re-submit's own POST reaches it.
    def lands():
        wait_until_logged(fake, "iacm.workspaces.create", count=1, seconds=10)

    with after_the_first_look_that_misses(lands) as armed:
        signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    draft.refresh_from_db()

    assert not armed.is_set()  # the race happened: the first POST landed after the look
    assert len(_created(fake, "race_after_timeout")) == 1  # one workspace from this request...
    # ...and the request says so, instead of "already exists: choose another identifier".
    assert draft.harness_response.get("outcome") != "conflict", draft.harness_response
    assert draft.status == "created"


def test_a_409_to_a_resubmit_harness_cannot_check_is_not_called_taken(
    signed_in_with_key, user_with_key, fake, settings
):
    """The first POST got no answer; the re-submit's POST meets a 409 (the first one landed
    after the look), and the GET that would tell whether it is ours fails: the outcome stays
    unclear (Basics does not call the identifier taken) and the next submit settles it."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    draft = make_draft(user_with_key, identifier="race_unchecked")
    fake.inject("iacm.workspaces.create", drop=True)
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    def first_post_lands_then_harness_fails():
        harness_client_for(user_with_key).create_workspace(
            org="default", project="infra", body=build_body(draft.data)
        )
        fake.inject("iacm.workspaces.get", status=503, times=3)  # a read is tried 3 times

    with after_the_first_look_that_misses(first_post_lands_then_harness_fails) as armed:
        signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    second = WorkspaceDraft.objects.get(pk=draft.pk)
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
    draft.refresh_from_db()

    assert not armed.is_set()
    assert [e["status"] for e in fake.log(route="iacm.workspaces.create")][-1] == 409
    assert (second.status, second.harness_response["outcome"]) == ("failed", "unknown")
    assert "Submit again" in second.harness_response["message"]
    assert not second.data["basics"].get("identifier_taken")
    assert draft.status == "created"
    assert len(_created(fake, "race_unchecked")) == 1


def test_submit_answered_with_an_unmapped_4xx_fails_in_words_not_a_503_page(
    signed_in_with_key, user_with_key, fake
):
    """A 413 has no error class of its own: the draft fails with Harness's status, like a 403."""
    draft = make_draft(user_with_key, identifier="fault_413")
    fake.inject("iacm.workspaces.create", times=1, status=413)

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]), follow=True)

    assert response.status_code == 200
    assert "HTTP 413" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.harness_response["outcome"]) == ("failed", "refused")
    assert draft.harness_response["http_status"] == 413


def test_submit_answered_with_401_sends_the_user_to_the_key_page(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key, identifier="fault_401")
    fake.inject("iacm.workspaces.create", times=1, status=401)

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assert _is_key_page_redirect(response)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert _created(fake, "fault_401") == []
    with pytest.raises(errors.HarnessNotFound):
        harness_client_for(user_with_key).get_workspace(
            org="default", project="infra", identifier="fault_401"
        )
