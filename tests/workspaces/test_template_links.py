"""Start from a template: a Terragrunt template, and Harness's refusal of a template link.

Real HTTP against the fake Harness; faults come from the fake's injection, never from patching.
"""

import pytest

from tests.samples import template_answer
from tests.workspaces.test_drafts import choose_template, make_draft
from workspaces.wizard import body as body_module
from workspaces.wizard.body import build_body


def terragrunt_yaml(locked: bool = False) -> str:
    """A Workspace template (contract §3.1) whose provisioner type is `terragrunt` (§2.5)."""
    lock = "true" if locked else "false"
    return (
        "template:\n  name: TG app\n  identifier: k8s_namespace\n  versionLabel: v1\n"
        "  type: Workspace\n  projectIdentifier: infra\n  orgIdentifier: default\n  spec:\n"
        f"    provisioner:\n      type: terragrunt\n      version: 0.55.21\n      locked: {lock}\n"
        "    repository:\n      connector: github_infra\n      name: tg-app\n      branch: main\n"
        "      gitFetchType: branch\n      locked: false\n"
    )


TERRAGRUNT_YAML = terragrunt_yaml()


def test_a_terragrunt_template_is_not_refused_as_a_tool_the_steps_do_not_cover(user_with_key, fake):
    fake.inject("v1.templates.version", body=template_answer(TERRAGRUNT_YAML))
    saved = choose_template(make_draft(user_with_key), "copied", ("k8s_namespace", "v1"))
    assert "do not cover" not in (saved.notice or ""), saved.notice
    assert saved.draft.data["repository"]["repository"] == "tg-app"
    # OpenTofu run through Terragrunt, as a Terragrunt workspace is copied; the block's version is
    # Terragrunt's own.
    provisioner = saved.draft.data["provisioner"]
    assert provisioner["provisioner"] == "opentofu"
    assert provisioner["terragrunt"] is True
    assert provisioner["terragrunt_version"] == "0.55.21"
    assert provisioner["version"] != "0.55.21"
    body = build_body(body_module.stored_steps(saved.draft.data))
    assert (body["provisioner"], body["terragrunt_provider"]) == ("opentofu", True)
    assert body["terragrunt_version"] == "0.55.21"
    assert body["provisioner_version"] != "0.55.21"


@pytest.mark.parametrize("locked", [False, True])
def test_a_terragrunt_template_copied_is_opentofu_through_terragrunt_locked_or_not(
    user_with_key, fake, locked
):
    fake.inject("v1.templates.version", body=template_answer(terragrunt_yaml(locked)))
    saved = choose_template(make_draft(user_with_key), "copied", ("k8s_namespace", "v1"))
    assert not saved.notice, saved.notice
    provisioner = saved.draft.data["provisioner"]
    assert (provisioner["provisioner"], provisioner["terragrunt"]) == ("opentofu", True)
    assert not saved.draft.data["template"].get("locked")


def test_a_terragrunt_template_linked_with_its_provisioner_free_sends_what_it_shows(
    user_with_key, fake
):
    fake.inject("v1.templates.version", body=template_answer(TERRAGRUNT_YAML))
    saved = choose_template(make_draft(user_with_key), "linked", ("k8s_namespace", "v1"))
    assert not saved.notice, saved.notice
    data = saved.draft.data
    assert data["template"]["template_mode"] == "linked"
    assert not any(path.startswith("provisioner.") for path in data["template"]["locked"])
    shown = build_body(body_module.stored_steps(data), keep_locked=True)
    sent = build_body(body_module.stored_steps(data))
    for body in (shown, sent):
        assert (body["provisioner"], body["terragrunt_provider"]) == ("opentofu", True)
        assert body["terragrunt_version"] == "0.55.21"


def test_a_terragrunt_template_that_locks_its_provisioner_is_refused_linked_with_copy_offered(
    user_with_key, fake
):
    # Linked, the body would have to send the template's own locked type, `terragrunt`, where the
    # portal sends OpenTofu run through Terragrunt: Harness would refuse a locked field changed.
    fake.inject("v1.templates.version", body=template_answer(terragrunt_yaml(locked=True)))
    saved = choose_template(make_draft(user_with_key), "linked", ("k8s_namespace", "v1"))
    notice = saved.notice or ""
    assert "do not cover" not in notice, notice
    assert "cannot be linked" in notice and "Copy the template" in notice, notice
    assert "locked as terragrunt" in notice, notice
    data = saved.draft.data
    assert data["repository"]["repository"] != "tg-app"
    assert not data["template"].get("locked") and not data["template"].get("applied")


def test_a_workspaces_own_terragrunt_template_locks_terragrunt_not_the_tool_version():
    from workspaces.wizard import prefill, template_yaml

    parsed = template_yaml.load_template_yaml(terragrunt_yaml(locked=True))
    found = prefill.prefill_from_template_yaml(parsed, linked=True, any_tool=True)
    assert found.locked["provisioner.provisioner"] == "opentofu"
    assert found.locked["provisioner.terragrunt"] is True
    assert found.locked["provisioner.terragrunt_version"] == "0.55.21"
    assert found.locked.get("provisioner.version") != "0.55.21"


@pytest.mark.parametrize(
    "answer", [{"template_version": "v2"}, {"template_mode": "copied"}, {"source": "scratch"}]
)
def test_a_refused_template_link_is_answered_by_another_version_mode_or_source(
    user_with_key, fake, answer
):
    import json

    from workspaces.clients import harness_client_for
    from workspaces.wizard import drafts, submit

    draft = choose_template(make_draft(user_with_key), "linked", ("k8s_namespace", "v1")).draft
    message = "body.associated_template: version v1 of template k8s_namespace cannot be linked"
    goa = {
        "name": "bad_request",
        "id": "r1",
        "message": message,
        "temporary": False,
        "timeout": False,
        "fault": False,
    }
    fake.inject("iacm.workspaces.create", status=400, body=json.dumps(goa))
    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft
    assert (draft.harness_response["step"], draft.harness_response["field"]) == (
        "template",
        "template_ref",
    )
    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={**draft.data["template"], **answer},
        client=harness_client_for(user_with_key),
    ).draft
    for field, value in answer.items():
        assert saved.data["template"][field] == value
    assert saved.harness_response.get("step") is None, saved.harness_response
