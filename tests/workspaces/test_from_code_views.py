"""Start from code in the wizard: the Start from step's paste (full page and htmx), refusals on
the field with nothing saved, and the round trip: a workspace exported as code, pasted, reviewed,
gives the body its export and its clone give."""

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_htmx.http import HttpResponseClientRefresh
from pytest_django.asserts import assertContains, assertNotContains

from tests.conftest import ACCOUNT, FULL_KEY
from tests.workspaces.test_drafts import (
    choose_template,
    make_draft,
    valid_data,
    workspace_with_uncopied_settings,
)
from tests.workspaces.test_export import seeded
from workspaces.clients import harness_client_for
from workspaces.export import (
    draft_export,
    harness_workspace_export,
    workspace_body,
    workspace_export,
)
from workspaces.models import WorkspaceDraft
from workspaces.wizard import code_json, drafts, from_code, sources, steps, validation
from workspaces.wizard.body import build_body, leave_out_locked, stored_steps
from workspaces.wizard.prefill import MAX_PREFILL_CHARS

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
KEY_SECRET = FULL_KEY.rsplit(".", 1)[1]
TERRAGRUNT = "backup_dev_0083"  # seed `demo`: OpenTofu through Terragrunt, a secret reference
CODE = """\
resource "harness_platform_workspace" "pay_vpc_dev" {
  org_id                  = "default"
  project_id              = "infra"
  identifier              = "pay_vpc_dev"
  name                    = "pay-vpc-dev"
  provisioner_type        = "opentofu"
  provisioner_version     = "1.10.6"
  provider_connector      = "account.aws_prod"
  repository              = "infra-live"
  repository_connector    = "account.github_acme"
  repository_branch       = "main"
  repository_path         = "vpc/dev"
  cost_estimation_enabled = false
  tags                    = ["team:payments"]
  colour                  = "blue"

  terraform_variable {
    key        = "region"
    value      = var.region
    value_type = "string"
  }
}
"""


@pytest.fixture
def draft(user_with_key):
    return WorkspaceDraft.objects.create(owner=user_with_key, org="default", project="infra")


def step_url(draft, step="template"):
    return reverse("draft_step", args=[draft.pk, step])


def paste(client, draft, code, **extra):
    return client.post(step_url(draft), {"source": "code", "code": code, "action": "code"}, **extra)


# --- the step --------------------------------------------------------------------------------


def test_start_from_offers_code_with_a_labelled_paste_and_an_example(signed_in_with_key, draft):
    response = signed_in_with_key.get(step_url(draft))

    assertContains(response, 'value="code"')
    assertContains(response, "From code: a Terraform resource or a JSON body")
    assertContains(
        response,
        '<label for="id_code">Paste a harness_platform_workspace resource or a create body (JSON)',
    )
    assertContains(response, 'aria-describedby="id_code_helptext"')
    assertContains(response, "terraform_variable {")  # the example
    assertContains(response, "Fill in from the code")


def test_a_pasted_resource_fills_in_every_step_and_lists_what_it_did_not_use(
    signed_in_with_key, draft, fake
):
    response = paste(signed_in_with_key, draft, CODE)
    page = signed_in_with_key.get(step_url(draft))

    assert response.status_code == 302
    assert response["Location"] == step_url(draft)
    draft.refresh_from_db()
    assert draft.name == "pay-vpc-dev" and draft.identifier == "pay_vpc_dev"
    assert draft.data["repository"]["repository"] == "infra-live"
    # The main connector's type is looked up in Harness, as a clone's is.
    assert draft.data["provisioner"]["aws"] == "account.aws_prod"
    assert draft.data["variables"]["terraform"] == []
    assert draft.step_status == dict.fromkeys(steps.EDITABLE_STEPS[:4], "valid") | {
        "variables": "valid"
    }
    assertContains(page, "Filled in from the pasted Terraform resource")
    assertContains(page, "Lines of the code not used: 2")
    assertContains(page, "<td>15</td>", html=True)
    assertContains(page, "colour is not an attribute of harness_platform_workspace")
    assertContains(page, "<td>19</td>", html=True)
    assertContains(page, "An expression or reference")
    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))
    assertContains(review, "From code (Terraform resource)")
    assertContains(review, "&quot;repository_path&quot;: &quot;vpc/dev&quot;")


def test_the_htmx_paste_swaps_its_own_section_on_a_refusal(signed_in_with_key, draft, fake):
    response = paste(
        signed_in_with_key,
        draft,
        'resource "harness_platform_workspace" "w" {\n  name = var.name\n}\n',
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="code-paste"')
    assertContains(response, "Nothing was filled in from the code.")
    assertContains(response, '<a href="#id_code">Nothing in the code could be used')
    assertContains(response, 'aria-invalid="true"')
    assertContains(response, "Lines of the code that could not be used: 1")
    assertNotContains(response, "<nav")
    draft.refresh_from_db()
    assert draft.data == {} and draft.step_status == {}


def test_an_accepted_htmx_paste_reloads_the_step_with_its_report(signed_in_with_key, draft, fake):
    response = paste(signed_in_with_key, draft, CODE, headers=HTMX)

    # A reload of the step (an HX-Redirect to it plus #code-report would only scroll).
    assert isinstance(response, HttpResponseClientRefresh)
    draft.refresh_from_db()
    assert steps.code_applied(draft.data)


def test_the_paste_box_takes_a_longer_paste_for_the_server_to_refuse(signed_in_with_key, draft):
    """A `maxlength` on the box made a browser cut a longer paste silently: the server's "The
    code is N characters long" was never reached, and the cut code could still be read, its
    tail lost. The help text says the limit; the server refuses a longer paste
    (`test_a_refused_paste_is_an_error_on_the_field_and_saves_nothing`)."""
    response = signed_in_with_key.get(step_url(draft))

    box = re.search(r'<textarea[^>]*name="code"[^>]*>', response.content.decode())[0]
    assert "maxlength" not in box
    assertContains(response, f"At most {from_code.MAX_CODE_CHARS:,} characters.")


def test_the_code_box_is_not_marked_required_while_another_way_to_start_is_chosen(
    signed_in_with_key, draft
):
    """The box carried `required` whichever way to start was chosen: a screen reader announced
    it as required beside a template or a copy. The form asks for it when code is chosen
    (`test_code_without_a_paste_is_not_a_way_to_start_yet`)."""
    response = signed_in_with_key.get(step_url(draft))

    box = re.search(r'<textarea[^>]*name="code"[^>]*>', response.content.decode())[0]
    assert "required" not in box


@pytest.fixture
def csrf_checked(user_with_key):
    """A signed-in client whose POSTs pass Django's CSRF check, as a browser's do: the check
    reads the form before any view runs."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_key)
    return client


def _too_big_paste(client, draft, step="template", **extra):
    client.get(step_url(draft))  # the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    code = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 500_000)
    headers = {"X-CSRFToken": token, **extra}
    return client.post(
        step_url(draft, step), {"source": "code", "code": code, "action": "code"}, headers=headers
    )


def test_an_htmx_paste_too_large_to_receive_is_said_beside_the_box_left_as_it_is(
    csrf_checked, draft, fake
):
    response = _too_big_paste(csrf_checked, draft, **HTMX)

    # htmx swaps a 200 only; into a region of its own, so the box keeps what was pasted.
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#code-paste-alert"
    assert response["HX-Reswap"] == "innerHTML"
    assertContains(response, "Nothing was filled in from the code.")
    assertContains(response, f"paste at most {from_code.MAX_CODE_CHARS:,} characters")
    assertNotContains(response, "xxxx")
    draft.refresh_from_db()
    assert draft.data == {}
    # Elsewhere, where no field can grow so large, it stays Django's 400.
    assert _too_big_paste(csrf_checked, draft, "basics", **HTMX).status_code == 400


def test_a_paste_too_large_to_receive_without_htmx_comes_back_to_the_step_saying_so(
    csrf_checked, draft, fake
):
    response = _too_big_paste(csrf_checked, draft)

    assert response.status_code == 302
    assert response["Location"] == step_url(draft)
    page = csrf_checked.get(step_url(draft))
    assertContains(page, f"paste at most {from_code.MAX_CODE_CHARS:,} characters")
    draft.refresh_from_db()
    assert draft.data == {}


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("", "Paste a harness_platform_workspace resource or the JSON body."),
        ('resource "harness_platform_workspace" "w" {\n  name = \n}', "line 2, column"),
        ('resource "harness_platform_project" "p" {\n  name = "x"\n}', "No harness_platform"),
        ('resource {\n  name = "x"\n}', "A resource needs two labels"),
        ("x" * (from_code.MAX_CODE_CHARS + 1), "paste at most"),
        # Python reads whole numbers of at most 4,300 digits (ValueError, not JSONDecodeError).
        ('{"name": "w", "budget": 1' + "0" * 5000 + "}", "a number too long to read"),
    ],
)
def test_a_refused_paste_is_an_error_on_the_field_and_saves_nothing(
    signed_in_with_key, draft, fake, code, says
):
    fake.clear_log()

    response = paste(signed_in_with_key, draft, code)

    assert response.status_code == 200
    assertContains(response, "Nothing was filled in from the code.")
    assertContains(response, says)
    assertContains(response, '<nav class="steps"')  # the full page
    draft.refresh_from_db()
    assert draft.data == {} and draft.step_status == {} and draft.name == ""
    assert not {"iacm.workspaces.get", "iacm.workspaces.create"} & set(fake.counters())


def test_the_report_a_paste_leaves_in_the_draft_is_bounded(signed_in_with_key, draft, fake):
    # 6,500 lines not used (a JSON paste: read in a fraction of a second) were all kept: 650 kB.
    keys = [f"k{i:04d}" for i in range(6_500)]
    code = '{"name": "w",\n' + ",\n".join(f'"{key}": 1' for key in keys) + "\n}"
    assert len(code) <= from_code.MAX_CODE_CHARS

    response = paste(signed_in_with_key, draft, code)
    page = signed_in_with_key.get(step_url(draft))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert len(json.dumps(draft.data)) < MAX_PREFILL_CHARS
    report = draft.data["template"]["code_report"]
    assert [line["number"] for line in report["unmapped"]] == list(range(2, 202))
    assert report["more"] == 6_300
    assertContains(page, "Lines of the code not used: 6,500")
    assertContains(page, "k0199 is not a field of the create body.")
    assertNotContains(page, "k0200 is not a field")
    assertContains(page, "…and 6,300 more lines not used.")


def test_a_refused_paste_lists_its_first_lines_and_counts_the_others(
    signed_in_with_key, draft, fake
):
    response = paste(signed_in_with_key, draft, "a = 1\n" * 250)

    assertContains(response, "No harness_platform_workspace resource was found in the code.")
    assertContains(response, "Lines of the code that could not be used: 250")
    assertContains(response, "<td>200</td>", html=True)
    assertNotContains(response, "<td>201</td>", html=True)
    assertContains(response, "…and 50 more lines not used.")


def test_save_and_continue_with_code_pasted_reads_it(signed_in_with_key, draft, fake):
    response = signed_in_with_key.post(
        step_url(draft), {"source": "code", "code": CODE, "action": "next"}
    )

    assert response["Location"] == step_url(draft)
    draft.refresh_from_db()
    assert draft.data["template"]["source"] == "code"


def test_code_without_a_paste_is_not_a_way_to_start_yet(signed_in_with_key, draft, fake):
    response = signed_in_with_key.post(step_url(draft), {"source": "code", "action": "next"})

    assertContains(response, "Paste the code, then choose Fill in from the code.")
    draft.refresh_from_db()
    assert draft.step_status["template"] == "invalid"


def test_saving_start_from_again_keeps_what_the_code_filled_in(signed_in_with_key, draft, fake):
    paste(signed_in_with_key, draft, CODE)

    autosave = signed_in_with_key.post(
        step_url(draft) + "?autosave=1", {"source": "code", "code": ""}, headers=HTMX
    )
    response = signed_in_with_key.post(step_url(draft), {"source": "code", "action": "next"})

    assert autosave.status_code == 200
    assert response["Location"] == step_url(draft, "basics")
    draft.refresh_from_db()
    assert steps.code_applied(draft.data)
    assert draft.data["template"]["code_report"]["mapped"] == 11


@pytest.mark.parametrize("passed", ["clone", "template"])
def test_moving_through_the_ways_to_start_keeps_what_the_code_filled_in(
    signed_in_with_key, draft, fake, passed
):
    paste(signed_in_with_key, draft, CODE)

    # Arrow keys through the radios: each one is saved, none with anything picked.
    for source in (passed, "code"):
        signed_in_with_key.post(
            step_url(draft) + "?autosave=1",
            {"source": source, "template_mode": "linked"},
            headers=HTMX,
        )
    page = signed_in_with_key.get(step_url(draft))

    draft.refresh_from_db()
    assert draft.data["repository"]["repository"] == "infra-live"
    assert steps.code_applied(draft.data)
    assertNotContains(page, "Paste the code, then choose Fill in from the code.")
    assertContains(page, "Filled in from the pasted")


def test_moving_through_the_ways_to_start_keeps_a_linked_templates_locks(
    signed_in_with_key, user_with_key, fake
):
    draft = choose_template(
        WorkspaceDraft.objects.create(owner=user_with_key, org="default", project="infra"),
        "linked",
    ).draft
    chosen = {key: draft.data["template"][key] for key in ("template_ref", "template_version")}

    for source in ("code", "template"):
        signed_in_with_key.post(
            step_url(draft) + "?autosave=1",
            {**chosen, "source": source, "template_mode": "linked"},
            headers=HTMX,
        )

    draft.refresh_from_db()
    assert "repository.repository" in steps.locked_map(draft.data)
    assert "repository" not in build_body(draft.data)  # locked: inherited, never sent


def test_choosing_another_way_to_start_later_drops_the_code_report(signed_in_with_key, draft, fake):
    paste(signed_in_with_key, draft, CODE)
    clone = signed_in_with_key.post(step_url(draft), {"source": "clone", "action": "next",
                                                      "clone_identifier": TERRAGRUNT})  # fmt: skip

    page = signed_in_with_key.get(step_url(draft))

    assert clone.status_code == 302
    assertNotContains(page, "Filled in from the pasted")
    basics = signed_in_with_key.get(step_url(draft, "basics"))
    assertNotContains(basics, "Copied from the pasted")


LINKED = CODE.replace(
    'colour                  = "blue"',
    'associated_template {\n    template_id = "k8s_namespace"\n    version = "v2"\n  }',
)


def test_a_template_link_starts_from_that_template_linked(signed_in_with_key, draft, fake):
    paste(signed_in_with_key, draft, LINKED)

    page = signed_in_with_key.get(step_url(draft))

    draft.refresh_from_db()
    template = draft.data["template"]
    assert (template["source"], template["template_mode"]) == ("template", "linked")
    assert template["template_ref"] == "k8s_namespace"  # as the picker lists it
    assert template["locked"]  # read from Harness, as choosing the template would
    assertContains(page, "the template <code>k8s_namespace</code> v2 it links is chosen below")
    assertContains(page, 'value="template" id="id_source_1" required checked')


@pytest.mark.parametrize(("stated", "cost_estimation"), [("", True), ("false", False)])
def test_a_template_link_keeps_the_templates_values_the_code_leaves_out(
    signed_in_with_key, draft, fake, stated, cost_estimation
):
    paste(
        signed_in_with_key,
        draft,
        'resource "harness_platform_workspace" "w" {\n  identifier = "from_tpl"\n'
        '  name = "from-tpl"\n  associated_template {\n    template_id = "k8s_namespace"\n'
        '    version = "v2"\n  }\n'
        + (f"  cost_estimation_enabled = {stated}\n" if stated else "")
        + "}\n",
    )

    draft.refresh_from_db()
    # As choosing the template would: v2 turns cost estimation on (unless the code says false).
    assert draft.data["provisioner"]["cost_estimation_enabled"] is cost_estimation
    # Its region variable is not locked, and the code has no terraform_variable block: the
    # provider sends {} for it, so the request has no Terraform variable either.
    assert draft.data["variables"]["terraform"] == []
    assert draft.data["basics"]["name"] == "from-tpl"


LINKED_ELSEWHERE = """\
resource "harness_platform_workspace" "w" {
  identifier          = "from_tpl"
  name                = "from-tpl"
  provisioner_type    = "opentofu"
  provisioner_version = "1.9.0"
  repository          = "other-repo"
  repository_path     = "x/y"
  repository_commit   = "v9"
  connector {
    connector_ref = "account.aws_other"
    type          = "aws"
  }
  associated_template {
    template_id = "k8s_namespace"
    version     = "v1"
  }
}
"""


def test_a_pasted_value_the_linked_template_locks_otherwise_is_listed_not_counted_as_used(
    signed_in_with_key, draft, fake
):
    paste(signed_in_with_key, draft, LINKED_ELSEWHERE)

    page = signed_in_with_key.get(step_url(draft))
    draft.refresh_from_db()
    report = draft.data["template"]["code_report"]
    # k8s_namespace v1 locks the provisioner (opentofu 1.9.1) with the additional provider
    # connectors, not the main one, and the repository (infra-live, branch main, and a path
    # its YAML does not name): the draft holds and the review sends the template's values,
    # never these.
    # The pasted AWS connector is the workspace's main one, the user's to choose.
    assert draft.data["repository"]["repository"] == "infra-live"
    assert draft.data["provisioner"]["aws"] == "account.aws_other"
    used = "; the template's value is used."
    assert {line["number"]: line["reason"] for line in report["unmapped"]} == {
        5: f'provisioner_version: locked by the template to "1.9.1"{used}',
        6: f'repository: locked by the template to "infra-live"{used}',
        7: f"repository_path: locked by the template{used}",
        8: f'repository_commit: locked by the template to the branch "main"{used}',
    }
    # Used: the identifier, the name, the link, the type it states as the template does and the
    # AWS connector.
    assert report["mapped"] == 5
    assertContains(page, "repository_path: locked by the template;")


def test_a_template_link_that_cannot_be_read_refuses_the_paste(signed_in_with_key, draft, fake):
    fake.inject("v1.templates.version", status=503, times=5)
    code = LINKED

    response = paste(signed_in_with_key, draft, code)

    assertContains(response, "the code links the template k8s_namespace (version v2)")
    assertContains(response, "Try again, or leave the link out")
    draft.refresh_from_db()
    assert draft.data == {}


# --- the round trip --------------------------------------------------------------------------


def _import(user, code: str):
    """A new draft started from `code`, and the body its review would send."""
    client = harness_client_for(user)
    draft = drafts.draft_create(owner=user, org="default", project="infra")
    imported = from_code.read_code(code, org="default", project="infra")
    saved = drafts.draft_start_from_code(draft=draft, imported=imported, client=client)
    # The identifier is the exported workspace's own: taken, as Basics and the review say.
    identifier = imported.body["identifier"]
    assert validation.draft_problems(saved.draft.data) == {
        "basics": {
            "identifier": [
                f"A workspace with the identifier {identifier} already exists in this project. "
                "Choose another identifier."
            ]
        }
    }
    return saved.draft, build_body(stored_steps(saved.draft.data))


def _clone_body(user, workspace) -> dict:
    """The review body of a clone of `workspace` given the workspace's own name and identifier."""
    client = harness_client_for(user)
    draft = WorkspaceDraft.objects.create(owner=user, org="default", project="infra")
    draft = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={"source": "clone", "clone_identifier": workspace.identifier},
        client=client,
    ).draft
    draft.data["basics"] |= {"name": workspace.name, "identifier": workspace.identifier}
    return build_body(stored_steps(draft.data))


def _as_the_wizard_sends(exported: dict, locked: dict) -> dict:
    """The exported body less what a new workspace's create necessarily leaves out: the fields
    the wizard never sets while they are unset (`code_json.JSON_UNSET`), and the fields a linked
    template locks (Harness refuses them; the workspace inherits them)."""
    body = {
        key: value
        for key, value in exported.items()
        if not (key in code_json.JSON_UNSET and value in code_json.JSON_UNSET[key])
    }
    return leave_out_locked(body, locked) if locked else body


@pytest.mark.parametrize("kind", ["scratch", "linked", "terragrunt"])
def test_an_exported_workspace_pasted_back_reviews_as_the_same_body(user_with_key, fake, kind):
    client = harness_client_for(user_with_key)
    workspace = seeded(
        client,
        {
            "scratch": lambda w: not w.associated_template and not w.terragrunt_provider,
            "linked": lambda w: w.associated_template is not None,
            "terragrunt": lambda w: w.identifier == TERRAGRUNT,
        }[kind],
    )
    export = harness_workspace_export(workspace=workspace, account_id=ACCOUNT, client=client)
    exported = json.loads(export.body_json)
    exported.pop("budget", None)  # not in the resource's schema: a comment of the HCL

    draft, body = _import(user_with_key, export.hcl)

    locked = steps.locked_map(draft.data)
    assert bool(locked) is (kind == "linked")
    expected = _as_the_wizard_sends(exported, locked)
    # The wizard sends the provider connectors by slot: the main one's type was looked up.
    main = {"connector_ref": exported["provider_connector"], "type": "aws"}
    if not locked:
        expected["provider_connectors"] = [main, *exported["provider_connectors"]]
    assert body == expected
    # A linked export's `lifecycle` block (so that an import is not replaced) is Terraform's,
    # not the workspace's: listed as not used, the body unchanged.
    reasons = [line["reason"] for line in draft.data["template"]["code_report"]["unmapped"]]
    meta = "lifecycle is a Terraform meta-argument, not a workspace setting."
    assert (meta in reasons) is (kind == "linked")
    if kind != "linked":  # a clone copies values but never a template link
        clone = _clone_body(user_with_key, workspace)
        clone.pop("budget", None)
        assert body == clone


def test_an_exported_json_body_pasted_back_reviews_as_the_same_body(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded(client, lambda w: w.budget and not w.associated_template)
    exported = workspace_body(workspace)

    _draft, body = _import(user_with_key, json.dumps(exported, indent=2))

    expected = _as_the_wizard_sends(exported, {})
    main = {"connector_ref": exported["provider_connector"], "type": "aws"}
    expected["provider_connectors"] = [main, *exported["provider_connectors"]]
    assert body["budget"] == workspace.budget
    assert body == expected
    assert body == _clone_body(user_with_key, workspace)


@pytest.mark.parametrize("form", ["json", "tf"])
def test_a_linked_request_without_the_templates_variable_pastes_back_as_the_same_body(
    user_with_key, fake, form
):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    drafts.draft_save_step(draft=draft, step="basics", values=valid_data()["basics"])
    draft = choose_template(draft, "linked").draft
    draft = drafts.draft_save_step(
        draft=draft, step="variables", values={**draft.data["variables"], "terraform": []}
    ).draft
    original = build_body(stored_steps(draft.data))
    assert original["terraform_variables"] == {}  # what "Create workspace" sends
    export = draft_export(draft=draft, account_id=ACCOUNT)

    pasted = drafts.draft_start_from_code(
        draft=drafts.draft_create(owner=user_with_key, org="default", project="infra"),
        imported=from_code.read_code(export.text(form), org="default", project="infra"),
        client=harness_client_for(user_with_key),
    ).draft

    # The JSON says {} outright; the provider sends {} for a resource with no
    # terraform_variable block (terraform-provider-harness `buildVariables`): the template's
    # region variable does not come back.
    assert build_body(stored_steps(pasted.data)) == original


@pytest.mark.parametrize(
    ("code", "line", "says"),
    [
        (
            'resource "harness_platform_workspace" "w" {\n  description = "ok"\n  name = 1'
            + "0" * 5000
            + "\n}\n",
            3,
            "name: a number too long to read",
        ),
        ('{\n  "description": "ok",\n  "name": "w\\ud800"\n}', 3, "name: contains an escaped half"),
        ('{\n  "description": "ok",\n  "\\udc00": 1\n}', 3, "\\udc00 is not a field"),
    ],
)
def test_a_value_the_page_or_the_draft_cannot_hold_is_a_line_not_used(
    signed_in_with_key, draft, fake, code, line, says
):
    response = paste(signed_in_with_key, draft, code)

    assert response.status_code == 302
    page = signed_in_with_key.get(step_url(draft))
    assertContains(page, says)
    draft.refresh_from_db()
    assert draft.data["basics"]["description"] == "ok" and draft.name == ""


@pytest.mark.parametrize(
    "line",
    [
        'harness_platform_api_key = "{key}"',
        'provider "harness" {{ platform_api_key = "{key}" }}',
    ],
)
def test_a_pasted_line_holding_a_harness_key_is_neither_kept_nor_shown(
    signed_in_with_key, draft, fake, line
):
    """A line not used was kept (its first 160 characters) in the draft's report and shown on
    the page: a provider block or a .tfvars line pasted along put the key in both."""
    paste(signed_in_with_key, draft, line.format(key=FULL_KEY) + "\n\n" + CODE)

    page = signed_in_with_key.get(step_url(draft))

    draft.refresh_from_db()
    assert draft.name == "pay-vpc-dev"
    assert KEY_SECRET not in json.dumps(draft.data)
    assertNotContains(page, KEY_SECRET)
    assertContains(page, "[redacted]")  # the line is still listed


@pytest.mark.parametrize(
    ("code", "line"),
    [
        (CODE.replace('"1.10.6"', '"{key}"'), 7),
        (CODE.replace("var.region", '"{key}"'), 17),  # the variable's block
        # A paste shown again redacted, then sent as it was shown
        (CODE.replace('"1.10.6"', '"[redacted]"'), 7),
        ('{\n  "name": "w",\n  "description": "{key}"\n}', 3),
        ('{\n  "name": "w",\n  "environment_variables": [\n'
         '    {"key": "K", "value": "{key}", "value_type": "string"}\n  ]\n}', 3),
    ],
)  # fmt: skip
def test_a_pasted_value_holding_a_harness_key_is_a_line_not_used(
    signed_in_with_key, draft, fake, code, line
):
    """A key is kept only encrypted, as the user's key: as a workspace value it would sit in the
    draft in plain text and be sent to Harness as a plain (not secret) value."""
    paste(signed_in_with_key, draft, code.replace("{key}", FULL_KEY))

    page = signed_in_with_key.get(step_url(draft))

    draft.refresh_from_db()
    assert draft.name in ("pay-vpc-dev", "w")
    assert KEY_SECRET not in json.dumps(draft.data)
    assertNotContains(page, KEY_SECRET)
    assertContains(page, f"<td>{line}</td>", html=True)
    assertContains(page, "holds a Harness API key")


def test_a_refused_paste_holding_a_key_is_not_shown_back(signed_in_with_key, draft, fake):
    code = f'resource "harness_platform_workspace" "w" {{\n  name =\n  token = "{FULL_KEY}"\n}}\n'

    response = paste(signed_in_with_key, draft, code)

    assertContains(response, "Nothing was filled in from the code.")
    assertNotContains(response, KEY_SECRET)
    assertContains(response, "token = &quot;[redacted]&quot;")  # the rest is shown to be fixed


# --- a paste over a draft that already holds values -------------------------------------------


def test_pasted_values_the_draft_already_holds_otherwise_are_used_or_listed(user_with_key, fake):
    client = harness_client_for(user_with_key)
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    basics = {
        "name": "mine",
        "identifier": "mine",
        "identifier_edited": True,
        "description": "typed",
        "tags": [{"key": "team", "value": "mine"}],
    }
    draft = drafts.draft_save_step(draft=draft, step="basics", values=basics).draft
    typed = [
        {"key": "region", "value": "us-east-1", "value_type": "string"},
        {"key": "zone", "value": "a", "value_type": "string"},
    ]
    draft = drafts.draft_save_step(
        draft=draft, step="variables", values={"terraform": typed, "environment": []}
    ).draft
    code = CODE.replace("var.region", '"eu-west-1"')  # line 4 identifier, 5 name, 17 region

    saved = drafts.draft_start_from_code(
        draft=draft, imported=from_code.read_code(code, org="default", project="infra"),
        client=client,
    ).draft  # fmt: skip

    # A paste is an explicit choice: what it states replaces what was typed.
    body = build_body(stored_steps(saved.data))
    assert body["name"] == "pay-vpc-dev"
    assert body["identifier"] == "pay_vpc_dev"
    assert body["tags"] == {"team": "payments"}
    assert body["terraform_variables"]["region"]["value"] == "eu-west-1"
    # What it does not state stays as typed: the description, a variable of another key.
    assert body["description"] == "typed"
    assert body["terraform_variables"]["zone"]["value"] == "a"
    assert saved.data["template"]["code_report"]["unmapped"] == [
        {"number": 15, "text": 'colour                  = "blue"',
         "reason": "colour is not an attribute of harness_platform_workspace."},
    ]  # fmt: skip


@pytest.mark.parametrize(
    "code",
    [
        'resource "harness_platform_workspace" "w" {\n  description = "from code"\n}\n',
        '{"name": "from-code"}',
    ],
)
def test_a_paste_leaves_the_repository_and_provisioner_it_does_not_state_as_typed(
    user_with_key, fake, code
):
    typed = {
        "provisioner__terragrunt": True,
        "provisioner__terragrunt_version": "0.67.0",
        "provisioner__cost_estimation_enabled": True,
        "provisioner__budget": "250",
        "repository__submodules": "recursive",
    }
    draft = make_draft(user_with_key, **typed)
    before = {step: steps.step_values(draft.data, step) for step in ("repository", "provisioner")}

    pasted = drafts.draft_start_from_code(
        draft=draft,
        imported=from_code.read_code(code, org="default", project="infra"),
        client=harness_client_for(user_with_key),
    ).draft

    after = {step: steps.step_values(pasted.data, step) for step in ("repository", "provisioner")}
    assert after == before
    assert after["repository"]["repository"] == "infra-live"
    assert after["provisioner"]["version"] == "1.10.6"


def test_a_paste_sets_the_repository_and_provisioner_values_it_states(user_with_key, fake):
    draft = make_draft(user_with_key, provisioner__terragrunt=True)
    code = (
        'resource "harness_platform_workspace" "w" {\n  repository_commit = "v2"\n'
        '  provisioner_type = "terraform"\n  terragrunt_provider = false\n}\n'
    )

    pasted = drafts.draft_start_from_code(
        draft=draft,
        imported=from_code.read_code(code, org="default", project="infra"),
        client=harness_client_for(user_with_key),
    ).draft

    repository = steps.step_values(pasted.data, "repository")
    provisioner = steps.step_values(pasted.data, "provisioner")
    assert (repository["fetch_type"], repository["tag"]) == ("tag", "v2")
    assert (provisioner["provisioner"], provisioner["terragrunt"]) == ("terraform", False)
    # What it does not state stays as typed.
    assert (repository["repository"], repository["path"]) == ("infra-live", "vpc/dev")
    assert provisioner["aws"] == "account.aws_prod"


# --- the main provider connector -------------------------------------------------------------


def test_a_main_provider_connector_and_a_block_of_its_type_are_both_kept_or_one_is_listed(
    user_with_key, fake
):
    code = CODE.replace(
        '  colour                  = "blue"\n',
        '  connector {\n    connector_ref = "account.aws_dev"\n    type          = "aws"\n  }\n',
    )  # line 8: provider_connector = "account.aws_prod"; line 15: the aws connector block

    saved = drafts.draft_start_from_code(
        draft=drafts.draft_create(owner=user_with_key, org="default", project="infra"),
        imported=from_code.read_code(code, org="default", project="infra"),
        client=harness_client_for(user_with_key),
    ).draft

    kept = {c["connector_ref"] for c in build_body(stored_steps(saved.data))["provider_connectors"]}
    report = saved.data["template"]["code_report"]
    reasons = {line["number"]: line["reason"] for line in report["unmapped"]}
    # The block says which connector is the AWS one; the main one, also AWS, cannot be a second.
    assert kept == {"account.aws_dev"}
    assert reasons[8] == (
        "provider_connector: account.aws_prod is of type aws, and the aws connector "
        "account.aws_dev is the one used: a workspace has one connector of each type."
    )
    assert 15 not in reasons
    assert report["mapped"] == 11  # 12 values read, the main connector not used


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("account.aws_nosuch", "no AWS, GCP, Azure or Vault connector account.aws_nosuch is"),
        ("aws prod", "aws prod is not a connector reference"),
    ],
)
def test_a_main_provider_connector_that_cannot_be_placed_is_listed_not_dropped(
    user_with_key, fake, ref, says
):
    code = CODE.replace("account.aws_prod", ref)  # line 8

    saved = drafts.draft_start_from_code(
        draft=drafts.draft_create(owner=user_with_key, org="default", project="infra"),
        imported=from_code.read_code(code, org="default", project="infra"),
        client=harness_client_for(user_with_key),
    ).draft

    body = build_body(stored_steps(saved.data))
    report = saved.data["template"]["code_report"]
    reasons = {line["number"]: line["reason"] for line in report["unmapped"]}
    assert body["provider_connector"] == "" and body["provider_connectors"] == []
    assert says in reasons[8]
    assert report["mapped"] == 10  # as the pasted resource's 11, less the connector


@pytest.mark.parametrize("form", ["json", "tf"])
def test_an_exported_workspace_whose_main_connector_is_gcp_pastes_back_with_it(
    user_with_key, fake, form
):
    body = build_body(valid_data())
    body["provider_connector"] = "account.gcp_main"
    body["provider_connectors"] = [
        {"connector_ref": "account.aws_prod", "type": "aws"},
        {"connector_ref": "account.gcp_main", "type": "gcp"},
    ]
    exported = workspace_export(
        body=body, org="default", project="infra", account_id=ACCOUNT,
        download=("workspace_export", ["default", "infra", body["identifier"]]),
    )  # fmt: skip
    imported = from_code.read_code(exported.text(form), org="default", project="infra")
    saved = drafts.draft_start_from_code(
        draft=drafts.draft_create(owner=user_with_key, org="default", project="infra"),
        imported=imported,
        client=harness_client_for(user_with_key),
    )
    again = build_body(stored_steps(saved.draft.data))
    listed = [line["reason"] for line in saved.draft.data["template"]["code_report"]["unmapped"]]
    assert again["provider_connector"] == "account.gcp_main" or any(
        "provider_connector" in reason for reason in listed
    )
    # Kept, not listed: the whole body comes back.
    assert again["provider_connector"] == "account.gcp_main"
    assert again["provider_connectors"] == body["provider_connectors"]
    assert listed == []


# --- an export's own comments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("over", "field", "comment"),
    [
        (
            {"provisioner__cost_estimation_enabled": True, "provisioner__budget": "250.5"},
            "budget",
            "#   - budget = 250.5",
        ),
        (
            {"repository__submodules": "recursive"},
            "repository_submodules",
            '#   - repository_submodules = "recursive"',
        ),
        (
            {"basics__tags": [{"key": "url", "value": "https://example.com"}]},
            "tags",
            '#   - tag "url:https://example.com" (the provider splits at colons)',
        ),
    ],
)
def test_a_requests_terraform_export_pasted_back_is_the_same_body_or_says_what_it_lost(
    user_with_key, fake, over, field, comment
):
    draft = make_draft(user_with_key, **over)
    original = build_body(stored_steps(draft.data))
    exported = draft_export(draft=draft, account_id=ACCOUNT).hcl

    pasted = drafts.draft_start_from_code(
        draft=drafts.draft_create(owner=user_with_key, org="default", project="infra"),
        imported=from_code.read_code(exported, org="default", project="infra"),
        client=harness_client_for(user_with_key),
    ).draft

    body = build_body(stored_steps(pasted.data))
    report = pasted.data["template"]["code_report"]
    # The value the resource cannot hold is the comment's line, listed by its number.
    number = exported.split("\n").index(comment) + 1
    assert [(line["number"], line["text"]) for line in report["unmapped"]] == [(number, comment)]
    assert "not read" in report["unmapped"][0]["reason"]
    assert body.get(field) != original[field]
    assert {k: v for k, v in body.items() if k != field} == {
        k: v for k, v in original.items() if k != field
    }


def test_an_autosave_read_before_the_paste_was_saved_keeps_what_the_paste_filled_in(user_with_key):
    """Typing code then pressing "Fill in from the code" sends the step's autosave (the
    textarea's change) and the paste at once. An autosave that read the draft before the paste
    was saved, and writes after it, keeps what the paste applied and its report: it does not
    put back the "nothing applied" it read."""
    client = harness_client_for(user_with_key)
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    before_the_paste = WorkspaceDraft.objects.get(pk=draft.pk)
    imported = from_code.read_code(CODE, org="default", project="infra")
    pasted = drafts.draft_start_from_code(draft=draft, imported=imported, client=client).draft
    report = steps.code_report(steps.step_values(pasted.data, "template"))
    assert report

    autosaved = drafts.draft_save_step(
        draft=before_the_paste, step="template", values={"source": "code"}, client=client
    ).draft

    template = steps.step_values(autosaved.data, "template")
    assert template["applied"] == f"code:{imported.digest}"
    assert steps.code_report(template) == report


def test_an_exported_latest_provisioner_version_is_listed_not_counted_as_used(
    signed_in_with_key, draft, fake, user_with_key
):
    """An export's `provisioner_version = "latest"` was counted among the settings in the next
    steps, but the Provisioner step held no version and chose the newest fixed one: as a copy,
    the workspace gets a fixed version, and the line says so."""
    client = harness_client_for(user_with_key)
    source = workspace_with_uncopied_settings(client)
    workspace = client.get_workspace(org="default", project="infra", identifier=source)
    hcl = harness_workspace_export(workspace=workspace, account_id=ACCOUNT, client=client).hcl
    number = hcl.split("\n").index('  provisioner_version     = "latest"') + 1

    assert paste(signed_in_with_key, draft, hcl).status_code == 302

    draft.refresh_from_db()
    listed = {
        line["number"]: line["reason"] for line in draft.data["template"]["code_report"]["unmapped"]
    }
    assert listed[number] == f"provisioner_version: “latest”: {sources.LATEST_BECOMES_FIXED}."
    assert draft.data["provisioner"]["version"] == ""


def test_a_nested_block_of_a_variable_is_listed_and_the_variable_kept(
    signed_in_with_key, draft, fake
):
    """A `validation {}` inside a terraform_variable dropped the whole variable, and only the
    nested block's line was listed: nothing said region was not used. As an attribute a block
    does not have, the nested block is listed and the rest of the block used."""
    code = (
        'resource "harness_platform_workspace" "w" {\n  name = "w"\n  terraform_variable {\n'
        '    key        = "region"\n    value      = "eu-west-1"\n    value_type = "string"\n'
        "    validation {\n    }\n  }\n}\n"
    )

    paste(signed_in_with_key, draft, code)

    draft.refresh_from_db()
    assert draft.data["variables"]["terraform"] == [
        {"key": "region", "value": "eu-west-1", "value_type": "string"}
    ]
    report = draft.data["template"]["code_report"]
    assert [(line["number"], line["reason"]) for line in report["unmapped"]] == [
        (
            7,
            "validation is not a block of terraform_variable blocks (they have key, value, "
            "value_type): not read.",
        )
    ]


def test_a_dynamic_variable_block_is_said_to_be_worked_out_by_terraform(
    signed_in_with_key, draft, fake
):
    """A `dynamic "terraform_variable"` block was said to be "not a block of" the resource:
    Terraform takes it; what the portal cannot read is what it works out."""
    code = (
        'resource "harness_platform_workspace" "w" {\n  name = "w"\n'
        '  dynamic "terraform_variable" {\n    for_each = var.tf_vars\n    content {\n'
        "      key        = terraform_variable.key\n      value      = terraform_variable.value\n"
        '      value_type = "string"\n    }\n  }\n}\n'
    )

    paste(signed_in_with_key, draft, code)

    draft.refresh_from_db()
    [line] = draft.data["template"]["code_report"]["unmapped"]
    assert (line["number"], line["reason"]) == (
        3,
        "A dynamic block (Terraform works it out); write each terraform_variable block out.",
    )
