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

from tests.workspaces.test_drafts import choose_template, make_draft
from tests.workspaces.test_fault_matrix import FAULTS
from workspaces.clients import harness_client_for
from workspaces.harness import errors
from workspaces.models import WorkspaceDraft
from workspaces.wizard import drafts

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
        {"q": "a", "template_ref": "account.aws_service", "terragrunt": "on"},
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
        "template_ref": "account.aws_service",
        "template_mode": "linked",
    }
    signed_in_with_key.post(f"{url}?autosave=1", posted | {"template_version": kept}, headers=HTMX)

    draft.refresh_from_db()
    assert kept == ["v2"]
    assert draft.data["template"]["template_version"] == "v2"
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
    assert body.count(">Try again</a>") == STEP_PICKER_COUNT[step]
    assert "Save and continue" in body


def test_a_step_whose_pickers_get_401_leads_to_the_key_page(
    signed_in_with_key, user_with_key, fake
):
    draft = make_draft(user_with_key)
    fake.inject("ng.connectors.list", times=20, status=401)

    response = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, "repository"]))

    assert _is_key_page_redirect(response)


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
    "409": ("failed", "conflict"),
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
    if fault == "409":
        # Harness said the identifier is taken: Basics keeps saying so, and the retry is held
        # there (nothing sent) until the identifier changes.
        signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
        assert len(fake.log(route="iacm.workspaces.create")) == 1
        identifier = f"{identifier}_b"
        drafts.draft_save_step(
            draft=WorkspaceDraft.objects.get(pk=draft.pk),
            step="basics",
            values={**first.data["basics"], "identifier": identifier},
            client=harness_client_for(user_with_key),
        )
    signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))  # the retry, if needed
    draft.refresh_from_db()

    assert (first.status, first.harness_response["outcome"]) == SUBMIT_OUTCOMES[fault]
    assert first.data["basics"]["identifier"] == f"fault_{fault}"  # the draft is never lost
    assert draft.status == "created"
    assert len(_created(fake, identifier)) == 1
    client = harness_client_for(user_with_key)
    assert client.get_workspace(org="default", project="infra", identifier=identifier).name


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
