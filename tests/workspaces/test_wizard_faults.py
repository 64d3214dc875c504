"""The wizard's Harness calls times every fault the fake can inject.

Pickers fail inside the picker with a retry; the identifier check says it will check again at
submit; submit never loses the draft and never creates twice. 401 always leads to the key page.
"""

import pytest
from django.urls import reverse

from tests.workspaces.test_drafts import make_draft
from tests.workspaces.test_fault_matrix import FAULTS
from workspaces.models import WorkspaceDraft

pytestmark = pytest.mark.django_db

PICKERS = {
    # picker name: (step, fake route)
    "template": ("template", "v1.templates.list"),
    "clone-workspace": ("template", "iacm.workspaces.list"),
    "git-connector": ("repository", "ng.connectors.list"),
    "version": ("provisioner", "iacm.provisioners.versions"),
    "template-version": ("template", "v1.templates.versions"),
    "aws-connector": ("provisioner", "ng.connectors.list"),
    "gcp-connector": ("provisioner", "ng.connectors.list"),
    "azure-connector": ("provisioner", "ng.connectors.list"),
    "vault-connector": ("provisioner", "ng.connectors.list"),
    "secret": ("variables", "ng.secrets.list"),
}


@pytest.fixture(autouse=True)
def _short_timeouts(settings):
    settings.HARNESS_READ_TIMEOUT = 0.5
    settings.WIZARD_RECONCILE_SECONDS = 0.5


def _is_key_page_redirect(response) -> bool:
    target = response.get("HX-Redirect") or response.get("Location")
    return target == reverse("harness_key")


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("picker", PICKERS)
def test_picker_times_fault(signed_in_with_key, user_with_key, fake, picker, fault):
    step, route = PICKERS[picker]
    draft = make_draft(user_with_key)
    fake.inject(route, times=5, **FAULTS[fault])

    response = signed_in_with_key.get(
        reverse("draft_step", args=[draft.pk, step]),
        {"picker": picker, "q": "a", "template_ref": "account.aws_service"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code != 500
    if fault == "401":
        assert _is_key_page_redirect(response)
        return
    assert response.status_code == 200
    body = response.content.decode()
    assert "Try again" in body or "Retry" in body, (picker, fault)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("step", ["template", "repository", "provisioner", "variables"])
def test_whole_step_renders_when_its_pickers_fail(
    signed_in_with_key, user_with_key, fake, step, fault
):
    draft = make_draft(user_with_key)
    for picker_step, route in PICKERS.values():
        if picker_step == step:
            fake.inject(route, times=20, **FAULTS[fault])

    response = signed_in_with_key.get(reverse("draft_step", args=[draft.pk, step]))

    assert response.status_code != 500
    if fault == "401":
        assert _is_key_page_redirect(response)
        return
    assert response.status_code == 200
    assert "Save and continue" in response.content.decode() or "Continue" in (
        response.content.decode()
    )


@pytest.mark.parametrize("fault", FAULTS)
def test_identifier_check_times_fault(signed_in_with_key, user_with_key, fake, fault):
    draft = make_draft(user_with_key)
    fake.inject("iacm.workspaces.get", times=5, **FAULTS[fault])

    response = signed_in_with_key.get(
        reverse("draft_step", args=[draft.pk, "basics"]),
        {"check": "identifier", "identifier": "some_new_ws"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code != 500
    if fault == "401":
        assert _is_key_page_redirect(response)
        return
    body = response.content.decode()
    if fault in {"404", "malformed"}:  # a malformed 404 is still Harness saying "not found"
        assert "is free" in body
    else:
        assert "checked when you submit" in body or "already exists" in body, fault


@pytest.mark.parametrize("fault", FAULTS)
def test_submit_times_fault(signed_in_with_key, user_with_key, fake, fault):
    draft = make_draft(user_with_key, identifier=f"fault_{fault}")
    fake.inject("iacm.workspaces.create", times=1, **FAULTS[fault])

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assert response.status_code != 500
    if fault == "401":
        assert _is_key_page_redirect(response)
    draft = WorkspaceDraft.objects.get(pk=draft.pk)  # the draft is never lost
    assert draft.data["basics"]["identifier"] == f"fault_{fault}"
    creates = len(fake.log(route="iacm.workspaces.create"))
    assert creates == 1
    exists = any(
        e["status"] == 200 and e["path"].endswith(f"/fault_{fault}")
        for e in fake.log(route="iacm.workspaces.get")
    )
    if draft.status == "created":
        assert exists or fault in {"malformed"}
    else:
        assert draft.status in {"draft", "failed", "submitting"}, draft.status
        # Retrying after the fault has passed creates it exactly once in total.
        signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))
        draft.refresh_from_db()
        listed = [
            e
            for e in fake.log(route="iacm.workspaces.create")
            if e["status"] == 200 and e["body"]["identifier"] == f"fault_{fault}"
        ]
        assert len(listed) <= 1
