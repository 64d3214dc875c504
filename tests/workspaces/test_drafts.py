"""Draft services: life cycle, payload building, and a submit that never creates twice.

Real HTTP against the fake Harness; faults come from the fake's injection, never from patching.
"""

import copy
import time

import pytest

from tests.concurrency import submit_together
from tests.conftest import ACCOUNT, FULL_KEY, READ_KEY
from tests.samples import complete_draft, template_answer
from workspaces.clients import harness_client_for
from workspaces.models import WorkspaceDraft
from workspaces.services import credential_save
from workspaces.wizard import body as body_module
from workspaces.wizard import (
    drafts,
    forms,
    pages,
    paste,
    prefill,
    steps,
    submit,
    template_yaml,
    validation,
)
from workspaces.wizard import review as wizard_review
from workspaces.wizard.body import build_body, refusal

CREATE = "iacm.workspaces.create"
# A variable key's rule as a row and a pasted line say it (contract §2.4: no "-").
KEY_RULE = (
    "The key must start with a letter or _ and use only letters, digits and _ "
    "(not -: Harness does not give a key with - back)."
)


def valid_data(identifier: str = "pay_vpc_dev", **overrides) -> dict:
    """A complete, valid draft for default/infra, `step__field=value` overrides applied."""
    data = complete_draft(identifier)
    for path, value in overrides.items():
        step, _, field = path.partition("__")
        data[step][field] = value
    return data


def step_problems(step: str, data: dict) -> dict[str, list[str]]:
    """The step's form bound with the draft's stored values: its problems."""
    return validation.bind_step(step, data).problems()


def existing_identifier(client) -> str:
    """The identifier of a seeded workspace in default/infra."""
    return client.list_workspaces(org="default", project="infra", limit=1).items[0].identifier


def described_workspace(client):
    """A seeded workspace of default/infra that has a description."""
    for item in client.list_workspaces(org="default", project="infra", limit=50).items:
        workspace = client.get_workspace(org="default", project="infra", identifier=item.identifier)
        if workspace.description:
            return workspace
    raise AssertionError("the fake seeds no workspace with a description")


def make_draft(owner, **overrides) -> WorkspaceDraft:
    data = valid_data(**overrides)
    return WorkspaceDraft.objects.create(
        owner=owner,
        org="default",
        project="infra",
        data=data,
        name=data["basics"]["name"],
        identifier=data["basics"]["identifier"],
    )


# --- payload building (pure) -----------------------------------------------------------------


def test_body_from_scratch_with_branch_and_secret_variable():
    body = build_body(valid_data())

    assert body == {
        "identifier": "pay_vpc_dev",
        "name": "pay-vpc-dev",
        "description": "VPC for payments",
        "tags": {"team": "payments", "env": "dev"},
        "provisioner": "opentofu",
        "provisioner_version": "1.10.6",
        "provider_connector": "account.aws_prod",
        "provider_connectors": [
            {"connector_ref": "account.aws_prod", "type": "aws"},
            {"connector_ref": "account.vault_main", "type": "vault"},
        ],
        "repository": "infra-live",
        "repository_connector": "account.github_acme",
        "repository_branch": "main",
        "repository_path": "vpc/dev",
        "repository_submodules": "false",
        "cost_estimation_enabled": False,
        "terraform_variables": {
            "region": {"key": "region", "value": "eu-west-1", "value_type": "string"}
        },
        "environment_variables": {
            "TF_TOKEN": {"key": "TF_TOKEN", "value": "account.tf_token", "value_type": "secret"}
        },
    }


@pytest.mark.parametrize(
    ("fetch", "ref", "field"),
    [
        ("branch", "develop", "repository_branch"),
        ("tag", "v1.2.0", "repository_commit"),
        ("commit", "0123abcd0123abcd", "repository_sha"),
    ],
)
def test_body_sends_only_the_chosen_git_reference(fetch, ref, field):
    data = valid_data(repository__fetch_type=fetch)
    data["repository"].update(branch="main", tag="v0.9", commit="deadbeef")
    data["repository"][fetch] = ref

    body = build_body(data)

    assert body[field] == ref
    others = {"repository_branch", "repository_commit", "repository_sha"} - {field}
    assert not others & body.keys()


@pytest.mark.parametrize(
    ("provisioner", "version", "extra"),
    [
        ("opentofu", "1.10.6", {}),
        ("terraform", "1.5.7", {}),
    ],
)
def test_body_for_each_provisioner(provisioner, version, extra):
    data = valid_data(provisioner__provisioner=provisioner, provisioner__version=version)
    data["provisioner"]["run_all"] = True

    body = build_body(data)

    assert body["provisioner"] == provisioner
    assert body["provisioner_version"] == version
    for key in ("terragrunt_provider", "terragrunt_version", "run_all"):
        assert body.get(key) == extra.get(key)


@pytest.mark.parametrize("tool", ["terraform", "opentofu"])
def test_terragrunt_runs_the_tool_with_its_own_version(tool):
    version = {"terraform": "1.5.6", "opentofu": "1.10.6"}[tool]
    data = valid_data(
        provisioner__provisioner=tool,
        provisioner__version=version,
        provisioner__terragrunt=True,
        provisioner__terragrunt_version="0.80.4",
        provisioner__run_all=True,
    )

    body = build_body(data)

    assert (body["provisioner"], body["provisioner_version"]) == (tool, version)
    assert body["terragrunt_provider"] is True
    assert body["terragrunt_version"] == "0.80.4"
    assert body["run_all"] is True
    assert step_problems("provisioner", data) == {}


def test_terragrunt_is_not_a_provisioner_of_its_own():
    data = valid_data(provisioner__provisioner="terragrunt", provisioner__version="0.80.4")

    assert step_problems("provisioner", data)["provisioner"] == ["Choose OpenTofu or Terraform."]


def test_terraform_newer_than_harness_allows_is_refused():
    data = valid_data(provisioner__provisioner="terraform", provisioner__version="1.6.0")

    errors = step_problems("provisioner", data)

    assert errors["version"] == ["Harness supports Terraform up to 1.5.7; choose 1.5.7 or older."]
    assert steps.allowed_versions("terraform", ["1.5.6", "1.5.7", "1.6.0"]) == ["1.5.6", "1.5.7"]


def test_budget_only_with_cost_estimation():
    off = valid_data(provisioner__budget="500")
    on = valid_data(provisioner__budget="500", provisioner__cost_estimation_enabled=True)

    assert "budget" not in build_body(off)
    assert build_body(on)["budget"] == 500.0


def test_variable_rules_flag_duplicates_patterns_and_secret_references():
    data = valid_data()
    data["variables"]["terraform"] = [
        {"key": "region", "value": "a", "value_type": "string"},
        {"key": "region", "value": "b", "value_type": "string"},
        {"key": "9lives", "value": "c", "value_type": "string"},
        {"key": "token", "value": "not a ref!", "value_type": "secret"},
        {"key": "my-var", "value": "d", "value_type": "string"},
        {"key": "", "value": "", "value_type": "string"},  # an empty row is ignored
    ]

    errors = step_problems("variables", data)

    assert errors == {
        "terraform.1.key": ["Duplicate key: region is already row 1."],
        "terraform.2.key": [KEY_RULE],
        "terraform.3.value": [
            "A secret reference looks like account.<id>, org.<id> or <id>; "
            "choose one from the secret list."
        ],
        # Harness takes a "-" in a key but does not give it back (contract §2.4).
        "terraform.4.key": [KEY_RULE],
    }


def test_a_secret_reference_is_stored_without_spaces_and_a_line_break_is_refused():
    row = {"key": "token", "value": " account.tf_token\n", "value_type": "secret"}
    posted = validation.step_data("variables", {"terraform": [row], "environment": []})
    broken = valid_data()
    broken["variables"]["environment"][0]["value"] = "account.tf_token\n"  # e.g. prefilled

    read = forms.VariablesForm(data=posted).values()

    assert read["terraform"][0]["value"] == "account.tf_token"
    assert step_problems("variables", broken) == {
        "environment.0.value": [
            "A secret reference looks like account.<id>, org.<id> or <id>; "
            "choose one from the secret list."
        ]
    }


def _dashed_rows(data: dict) -> dict:
    data["variables"]["terraform"] = [
        {"key": "instance-type", "value": "t3.small", "value_type": "string"},
        {"key": "new-key", "value": "x", "value_type": "string"},
    ]
    data["variables"]["environment"] = [{"key": "TF-LOG", "value": "x", "value_type": "string"}]
    return data


def test_a_key_with_a_dash_the_workspace_holds_is_kept_only_new_ones_are_refused():
    data = _dashed_rows(valid_data())
    # The workspace a change edits, as read: it holds instance-type (created by Terraform, the
    # API or the portal before), as a Terraform variable; TF-LOG in no group.
    snapshot = {
        "terraform_variables": {
            "instance-type": {"key": "instance-type", "value": "t3", "value_type": "string"}
        },
        "environment_variables": {},
    }

    held = validation.bind_step("variables", data, snapshot=snapshot).problems()

    assert held == {"terraform.1.key": [KEY_RULE], "environment.0.key": [KEY_RULE]}
    assert step_problems("variables", data)["terraform.0.key"] == [KEY_RULE]  # a create


def test_a_key_with_a_dash_a_linked_template_locks_is_kept():
    data = _dashed_rows(valid_data())
    data["template"] |= {
        "source": "template",
        "template_ref": "vpc",
        "template_mode": "linked",
        "locked": {"variables.terraform.instance-type": {"value": "t3", "value_type": "string"}},
    }

    problems = step_problems("variables", data)

    assert problems == {"terraform.1.key": [KEY_RULE], "environment.0.key": [KEY_RULE]}


def test_pasted_tfvars_and_env_lines_are_parsed_with_errors_per_line():
    text = (
        '# comment\nregion = "eu-west-1"\nexport TF_LOG=debug\ncount = 3  # inline\n'
        "tags = {a = 1}\n9bad = x\nno equals sign\nmy-var = 1\n"
    )

    lines = paste.parse_pasted_variables(text)

    assert [(line.number, line.key, line.value, bool(line.error)) for line in lines] == [
        (2, "region", "eu-west-1", False),
        (3, "TF_LOG", "debug", False),
        (4, "count", "3", False),
        (5, "tags", "{a = 1}", True),
        (6, "9bad", "", True),
        (7, "", "", True),
        (8, "my-var", "", True),
    ]
    assert lines[-1].error == KEY_RULE


def test_a_pasted_quoted_value_is_read_once_left_to_right_and_may_end_in_a_comment():
    text = "\n".join(
        [
            'region = "eu-west-1" # the main region',
            r'path = "C:\\new"',
            r'motd = "say \"hi\"\nbye"',
            "name = 'it''s'",
            'open = "not closed',
        ]
    )

    lines = paste.parse_pasted_variables(text)

    assert [(line.key, line.value, line.error) for line in lines] == [
        ("region", "eu-west-1", ""),
        ("path", "C:\\new", ""),
        ("motd", 'say "hi"\nbye', ""),
        ("name", "'it''s'", "Only a # comment may follow the closing quote."),
        ("open", '"not closed', "The quote is not closed."),
    ]


def test_a_pasted_value_spelling_a_harness_key_with_escapes_is_neither_added_nor_shown():
    escaped = FULL_KEY.replace(".", "\\u002e")

    (line,) = paste.parse_pasted_variables(f'token = "{escaped}"')

    assert (line.key, line.value, line.error) == ("token", "", paste.VALUE_KEY_ERROR)


@pytest.mark.parametrize(
    ("line", "terraform_reads"),
    [
        ("policy = <<EOT", None),
        ("policy = <<-EOT", None),
        ("count = 3 // three", "3"),
        ("count = 3 # three", "3"),
        ("url = http://example.com", "http://example.com"),  # no comment (.env)
        ("zone = null", None),
    ],
)
def test_a_tfvars_line_is_never_added_with_a_value_terraform_would_not_read(line, terraform_reads):
    (pasted, *_rest) = paste.parse_pasted_variables(line + "\n")

    assert pasted.error or pasted.value == terraform_reads
    assert bool(pasted.error) is (terraform_reads is None)


LISTS_AND_MAPS = "Lists and maps are not supported here; add this variable by hand."


def test_the_lines_of_a_pasted_heredoc_are_not_added_as_variables():
    text = 'policy = <<-EOT\n  region = "in-the-text"\n  EOT\nzone = "a"\n'

    lines = paste.parse_pasted_variables(text)

    assert [(line.number, line.key, line.value, bool(line.error)) for line in lines] == [
        (1, "policy", "<<-EOT", True),
        (2, "", "", True),
        (3, "", "", True),
        (4, "zone", "a", False),
    ]
    assert "add this variable by hand" in lines[0].error
    assert paste.add_pasted([], lines).rows == [
        {"key": "zone", "value": "a", "value_type": "string"}
    ]


def test_the_lines_of_a_pasted_list_or_map_are_its_variables_not_variables_of_their_own():
    text = 'tags = {\n  team = "a}" # }\n  env  = "dev"\n}\nzone = "a"\nports = [\n  80,\n'

    lines = paste.parse_pasted_variables(text)

    assert [(line.number, line.key, line.error) for line in lines] == [
        (1, "tags", f"{LISTS_AND_MAPS} Its value is lines 1 to 4."),
        (5, "zone", ""),
        (
            6,
            "ports",
            f"{LISTS_AND_MAPS} Its value runs on to the end: its closing bracket is missing.",
        ),
    ]


def test_adding_a_paste_says_of_each_line_it_leaves_out_why():
    lines = paste.parse_pasted_variables("a = 1\nb = 2\na = 3\nc = 4\nd = 5\n")

    added = paste.add_pasted([{"key": "b", "value": "0", "value_type": "string"}], lines, limit=3)

    assert [row["key"] for row in added.rows] == ["b", "a", "c"]
    assert [(line.key, line.error) for line in added.lines] == [
        ("a", ""),
        ("b", paste.ALREADY_THERE),
        ("a", "Line 1 has this key: its value is the one added."),
        ("c", ""),
        ("d", "Not added: a group holds at most 3 variables."),
    ]
    assert (added.added, added.already_there, added.repeated, added.over_limit) == (2, 1, 1, 1)


def test_identifier_is_derived_from_the_name():
    assert steps.identifier_from_name("Payments VPC (dev)") == "payments_vpc_dev"
    assert steps.identifier_from_name("42 things") == "_42_things"


@pytest.mark.django_db
@pytest.mark.parametrize("first", ["template", "basics"])
def test_the_copy_needs_its_own_identifier_whichever_step_is_saved_first(user_with_key, first):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    values = {
        # As a read of the workspace (with a client) leaves it: applied.
        "template": {
            "source": "clone",
            "clone_identifier": "pay_vpc_dev",
            "applied": "clone:pay_vpc_dev",
        },
        "basics": {**valid_data()["basics"], "identifier": "pay_vpc_dev"},
    }
    second = "basics" if first == "template" else "template"
    drafts.draft_save_step(draft=draft, step=first, values=values[first])

    saved = drafts.draft_save_step(draft=draft, step=second, values=values[second])

    basics = validation.bind_step("basics", saved.draft.data)
    assert basics.problems() == {
        "identifier": [
            "pay_vpc_dev is the workspace you are copying: the copy needs an identifier of its own."
        ]
    }
    assert saved.draft.step_status["basics"] in {"invalid", "flagged"}
    assert saved.draft.step_status["template"] == "valid"
    assert not validation.bind_step("basics", valid_data(template__source="clone")).problems()


def test_a_locked_field_keeps_the_templates_value_whatever_is_posted():
    form = forms.ProvisionerForm(
        data={"provisioner": "terraform", "version": "1.5.7"},
        locked={"provisioner": "opentofu", "version": "1.10.6"},
    )

    assert form.values()["provisioner"] == "opentofu"
    assert form.is_valid()
    assert (form.cleaned_data["provisioner"], form.cleaned_data["version"]) == (
        "opentofu",
        "1.10.6",
    )
    assert form.fields["provisioner"].disabled


def test_row_limits_are_the_formsets_max_num():
    data = valid_data()
    data["basics"]["tags"] = [{"key": f"k{i}", "value": ""} for i in range(51)]
    data["variables"]["terraform"] = [
        {"key": f"k{i}", "value": "", "value_type": "string"} for i in range(201)
    ]

    assert step_problems("basics", data) == {"tags": ["Use at most 50 tags."]}
    assert step_problems("variables", data) == {"terraform": ["Use at most 200 variables."]}


def test_stored_values_round_trip_through_the_form():
    for step in steps.EDITABLE_STEPS:
        values = steps.step_values(valid_data(), step)
        values.pop("applied", None), values.pop("locked", None)

        form = forms.STEP_FORMS[step](data=validation.step_data(step, values))

        assert form.values() == values, step


# --- life cycle ------------------------------------------------------------------------------


def test_draft_life_cycle_saves_each_step_and_flags_later_steps(user_with_key, fake):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    for step in ("basics", "template", "repository", "provisioner", "variables"):
        saved = drafts.draft_save_step(
            draft=draft, step=step, values=valid_data()[step], client=None
        )
        assert saved.errors == {}
    draft.refresh_from_db()
    assert set(draft.step_status.values()) == {"valid"}
    assert draft.identifier == "pay_vpc_dev"

    # Back to the provisioner: Terraform cannot run the chosen OpenTofu version.
    drafts.draft_save_step(
        draft=draft,
        step="provisioner",
        values={**valid_data()["provisioner"], "provisioner": "terraform"},
    )
    # Back to basics: the name changes, the rest stays as it was.
    saved = drafts.draft_save_step(
        draft=draft, step="basics", values={**valid_data()["basics"], "name": "renamed"}
    )

    draft = saved.draft
    assert draft.step_status["provisioner"] in {"invalid", "flagged"}
    assert draft.step_status["repository"] == "valid"
    assert draft.data["repository"] == {
        **steps.DEFAULTS["repository"],
        **valid_data()["repository"],
    }
    assert draft.name == "renamed"
    assert drafts.draft_delete(draft_id=draft.pk, owner=user_with_key)
    assert not WorkspaceDraft.objects.filter(pk=draft.pk).exists()


def test_invalid_values_are_kept_as_typed(user_with_key, fake):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")

    saved = drafts.draft_save_step(
        draft=draft,
        step="basics",
        values={"name": "x", "identifier": "9 bad id", "identifier_edited": True, "tags": []},
    )

    assert saved.draft.data["basics"]["identifier"] == "9 bad id"
    assert saved.errors["identifier"] == ["Start with a letter or _ (not a digit or symbol)."]
    assert saved.draft.step_status["basics"] == "invalid"


def test_identifier_derived_on_save_when_not_edited(user_with_key, fake):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")

    saved = drafts.draft_save_step(
        draft=draft, step="basics", values={"name": "Team Cache", "identifier": "", "tags": []}
    )

    assert saved.draft.data["basics"]["identifier"] == "team_cache"


def test_a_submitted_draft_cannot_be_edited_or_deleted_while_submitting(user_with_key, fake):
    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(status="submitting")

    with pytest.raises(drafts.DraftNotEditable):
        drafts.draft_save_step(draft=draft, step="basics", values=valid_data()["basics"])
    assert not drafts.draft_delete(draft_id=draft.pk, owner=user_with_key)


def test_another_users_draft_cannot_be_deleted(user_with_key, other_user, fake):
    draft = make_draft(user_with_key)

    assert not drafts.draft_delete(draft_id=draft.pk, owner=other_user)
    assert WorkspaceDraft.objects.filter(pk=draft.pk).exists()


# --- templates and clones --------------------------------------------------------------------


# Linked: default/infra's own template (only a project template is linked, `steps.LINK_RULE`).
TEMPLATES = {
    "copied": ("account.aws_service", "v2"),
    "linked": ("k8s_namespace", "v1"),
}


def choose_template(draft, mode: str, ref_version: tuple[str, str] | None = None):
    ref, version = ref_version or TEMPLATES[mode]
    return drafts.draft_save_step(
        draft=draft,
        step="template",
        values={
            "source": "template",
            "template_ref": ref,
            "template_version": version,
            "template_mode": mode,
            "clone_identifier": "",
        },
        client=harness_client_for(draft.owner),
    )


@pytest.mark.parametrize(
    ("mode", "then"),
    [("copied", ("org.gcp_bucket", "v1", "copied")), ("linked", ("k8s_namespace", "v2", "linked"))],
)
def test_choosing_another_template_replaces_what_the_first_one_filled_in(
    user_with_key, fake, mode, then
):
    first = choose_template(
        drafts.draft_create(owner=user_with_key, org="default", project="infra"), mode
    )
    ref, version, then_mode = then

    second = choose_template(first.draft, then_mode, (ref, version))

    assert not second.notice
    data = second.draft.data
    template = prefill.prefill_from_template_yaml(
        template_yaml.load_template_yaml(
            harness_client_for(user_with_key)
            .get_template(org="default", project="infra", identifier=ref, version=version)
            .yaml
        ),
        linked=then_mode == "linked",
    )
    for step in ("repository", "provisioner"):
        for field, value in template.values[step].items():
            assert data[step][field] == value, (step, field)
    assert data["template"]["locked"] == template.locked


def test_a_copied_template_after_a_linked_one_locks_nothing(user_with_key, fake):
    first = choose_template(
        drafts.draft_create(owner=user_with_key, org="default", project="infra"), "linked"
    )
    assert first.draft.data["template"]["locked"]

    second = choose_template(first.draft, "copied")

    assert second.draft.data["template"]["locked"] == {}
    assert second.draft.data["repository"]["connector"] == "account.github_acme"
    body = build_body(second.draft.data)
    assert body["repository"] == "infra-modules"  # sent: nothing is left to a template
    assert "associated_template" not in body


def test_back_to_scratch_drops_what_the_template_filled_in_but_keeps_edits(user_with_key, fake):
    first = choose_template(
        drafts.draft_create(owner=user_with_key, org="default", project="infra"), "copied"
    )
    rows = first.draft.data["variables"]["terraform"]
    mine = {"key": "mine", "value": "1", "value_type": "string"}
    drafts.draft_save_step(
        draft=first.draft, step="variables", values={"terraform": [*rows, mine], "environment": []}
    )
    drafts.draft_save_step(
        draft=first.draft,
        step="repository",
        values={**first.draft.data["repository"], "path": "stacks/mine"},
    )

    back = drafts.draft_save_step(
        draft=first.draft,
        step="template",
        values={**steps.DEFAULTS["template"], "source": "scratch"},
        client=harness_client_for(user_with_key),
    )

    data = back.draft.data
    assert data["provisioner"]["aws"] == ""
    assert data["provisioner"]["cost_estimation_enabled"] is False
    assert data["repository"]["connector"] == ""
    assert data["repository"]["path"] == "stacks/mine"  # edited: kept
    assert data["variables"]["terraform"] == [mine]
    assert data["template"]["filled"] == {}


def test_another_template_keeps_the_variables_the_user_added_or_typed_over(user_with_key, fake):
    first = choose_template(
        drafts.draft_create(owner=user_with_key, org="default", project="infra"), "copied"
    )
    # A template fills in no variable (contract §3.1: their entry shapes are UNCONFIRMED).
    rows = [{"key": "region", "value": "typed-by-me", "value_type": "string"}]
    mine = {"key": "mine", "value": "1", "value_type": "string"}
    drafts.draft_save_step(
        draft=first.draft, step="variables", values={"terraform": [*rows, mine], "environment": []}
    )

    second = drafts.draft_save_step(
        draft=first.draft,
        step="template",
        values={**steps.DEFAULTS["template"], "source": "template",
                "template_ref": "org.gcp_bucket", "template_version": "v1"},
        client=harness_client_for(user_with_key),
    )  # fmt: skip

    assert first.draft.data["variables"]["terraform"] == []
    assert second.draft.data["variables"]["terraform"] == [*rows, mine]


def test_a_template_chosen_without_a_version_is_saved_at_its_stable_one(user_with_key, fake):
    draft = make_draft(user_with_key)

    # Picking a template autosaves before its version select is in the page.
    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={**steps.DEFAULTS["template"], "source": "template", "template_mode": "copied",
                "template_ref": "account.aws_service", "template_version": ""},
        client=harness_client_for(user_with_key),
    )  # fmt: skip

    template = saved.draft.data["template"]
    assert saved.problems == {}
    assert template["template_version"] == "v2"  # the stable one, as the picker shows it
    assert template["applied"] == "template:account.aws_service:v2:copied"
    assert saved.draft.data["provisioner"]["version"] == "1.10.6"  # v2's, filled in


def test_a_provisioner_version_left_empty_is_saved_as_the_latest_the_picker_shows(
    user_with_key, fake
):
    draft = make_draft(user_with_key, provisioner__version="")

    # Checking Terragrunt autosaves before its version select is in the page.
    saved = drafts.draft_save_step(
        draft=draft,
        step="provisioner",
        values={**draft.data["provisioner"], "terragrunt": True, "terragrunt_version": ""},
        client=harness_client_for(user_with_key),
    )

    assert saved.problems == {}
    assert saved.draft.data["provisioner"]["version"] == "1.10.6"
    assert saved.draft.data["provisioner"]["terragrunt_version"] == "0.80.4"


@pytest.mark.parametrize(("posted", "saved_as"), [("1.10.6", "1.5.7"), ("1.5.5", "1.5.5")])
def test_another_tool_keeps_the_posted_version_only_when_it_has_it(
    user_with_key, fake, posted, saved_as
):
    draft = make_draft(user_with_key)  # OpenTofu 1.10.6

    # The OpenTofu version select is still in the page when the Terraform radio autosaves.
    saved = drafts.draft_save_step(
        draft=draft,
        step="provisioner",
        values={**draft.data["provisioner"], "provisioner": "terraform", "version": posted},
        client=harness_client_for(user_with_key),
    )

    assert saved.draft.data["provisioner"]["version"] == saved_as
    assert saved.problems == {}


def test_linked_template_prefills_locks_and_links(user_with_key, fake):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    drafts.draft_save_step(draft=draft, step="basics", values=valid_data()["basics"])

    saved = choose_template(draft, "linked")
    # Try to change a locked value: it is forced back.
    again = drafts.draft_save_step(
        draft=saved.draft,
        step="provisioner",
        values={
            **saved.draft.data["provisioner"],
            "provisioner": "terraform",
            "version": "1.5.7",
            "aws": "aws_infra",
            "vault": "account.vault_main",
        },
    )

    data = again.draft.data
    assert saved.notice == ""
    assert data["provisioner"]["provisioner"] == "opentofu"
    assert data["provisioner"]["version"] == "1.9.1"
    # The locked provisioner locks the additional connectors (a Vault one is never the main
    # one), not the main one: the Terraform provider's locked-fields test sets it.
    assert data["provisioner"]["aws"] == "aws_infra"
    assert data["provisioner"]["vault"] == ""
    assert data["provisioner"]["cost_estimation_enabled"] is False
    assert data["repository"]["connector"] == "github_infra"
    assert data["repository"]["repository"] == "infra-live"
    assert (data["repository"]["fetch_type"], data["repository"]["branch"]) == ("branch", "main")
    # No path and no variables are read from a template (no documented YAML shape): the locked
    # repository block still locks the path, which Harness keeps at the template's.
    assert data["repository"]["path"] == ""
    assert data["template"]["locked"]["repository.path"] == ""
    assert steps.step_values(data, "variables")["terraform"] == []
    assert "provisioner.provisioner" in data["template"]["locked"]
    assert "provisioner.cost_estimation_enabled" not in data["template"]["locked"]
    body = build_body(data)
    assert body["associated_template"] == {"template_id": "k8s_namespace", "version": "v1"}
    assert body["provider_connector"] == "aws_infra"
    assert "provider_connectors" not in body


def test_a_linked_template_s_locked_provisioner_takes_one_main_provider_connector(
    user_with_key, fake
):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    drafts.draft_save_step(draft=draft, step="basics", values=valid_data()["basics"])
    chosen = choose_template(draft, "linked").draft.data["provisioner"]

    two = drafts.draft_save_step(
        draft=draft,
        step="provisioner",
        values={**chosen, "aws": "aws_infra", "gcp": "account.gcp_main"},
    )
    one = drafts.draft_save_step(
        draft=draft, step="provisioner", values={**chosen, "gcp": "account.gcp_main"}
    )
    body = build_body(one.draft.data)
    client = harness_client_for(user_with_key)
    client.create_workspace(org="default", project="infra", body=body)

    # Only the main connector is sent: a second cloud connector would be dropped silently.
    assert two.errors["gcp"] == [
        "The linked template locks the provisioner, and with it the additional provider "
        "connectors: choose one cloud connector (AWS, GCP or Azure), the workspace's main one."
    ]
    assert one.problems == {}
    assert (body["provider_connector"], "provider_connectors" in body) == (
        "account.gcp_main",
        False,
    )
    created = client.get_workspace(org="default", project="infra", identifier=body["identifier"])
    assert created.provider_connector == "account.gcp_main"
    assert created.associated_template.template_id == "k8s_namespace"


def test_linked_body_leaves_out_every_field_the_version_locks(user_with_key, fake):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    drafts.draft_save_step(draft=draft, step="basics", values=valid_data()["basics"])
    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={
            "source": "template",
            "template_ref": "k8s_namespace",
            "template_version": "v2",  # not the stable one: opentofu 1.10.6, on GCP
            "template_mode": "linked",
            "clone_identifier": "",
        },
        client=harness_client_for(draft.owner),
    )

    body = build_body(saved.draft.data)

    assert body["associated_template"] == {"template_id": "k8s_namespace", "version": "v2"}
    assert body["provisioner"] == "opentofu"  # required: the template's own type
    locked = {"provisioner_version", "provider_connectors", "repository", "repository_connector"}
    locked |= {"repository_branch", "repository_path", "repository_submodules"}
    assert not locked & body.keys()
    assert body["provider_connector"] == ""
    assert body["cost_estimation_enabled"] is True  # not locked: v2's value, the user's to set
    assert saved.draft.data["provisioner"]["version"] == "1.10.6"  # shown read-only
    response = harness_client_for(draft.owner).create_workspace(
        org="default", project="infra", body=body
    )
    assert response.policy_evaluation is None


def test_copied_template_prefills_without_link_or_locks(user_with_key, fake):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")

    saved = choose_template(draft, "copied")
    changed = drafts.draft_save_step(
        draft=saved.draft,
        step="provisioner",
        values={**saved.draft.data["provisioner"], "provisioner": "terraform", "version": "1.5.7"},
    )

    assert saved.draft.data["template"]["locked"] == {}
    assert changed.draft.data["provisioner"]["provisioner"] == "terraform"
    assert "associated_template" not in build_body(changed.draft.data)
    assert changed.draft.data["repository"]["repository"] == "infra-modules"
    assert changed.draft.data["repository"]["path"] == ""  # not read from a template


@pytest.mark.parametrize(
    ("ref", "version"), [("account.aws_service", "v2"), ("org.gcp_bucket", "v1")]
)
def test_an_account_or_org_template_can_be_copied_but_not_linked(user_with_key, fake, ref, version):
    """`associated_template.template_id` names a template of the workspace's project (contract
    §6.3); no public source says how it names an org or account one."""
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    values = {"source": "template", "template_ref": ref, "template_version": version}

    linked = drafts.draft_save_step(
        draft=draft,
        step="template",
        values=values | {"template_mode": "linked"},
        client=harness_client_for(user_with_key),
    )
    refused = linked.errors["template_mode"]
    copied = drafts.draft_save_step(
        draft=draft,
        step="template",
        values=values | {"template_mode": "copied"},
        client=harness_client_for(user_with_key),
    )

    assert refused == [
        "Harness links only a template of this project: an account or org template can be "
        "copied, not linked. Choose “Copy the template”, or a template of this project."
    ]
    assert linked.draft.data["template"]["locked"] == {}
    assert not copied.errors.get("template_mode")
    assert copied.draft.data["provisioner"]["version"]  # prefilled
    assert "associated_template" not in build_body(copied.draft.data)


def test_a_linked_project_template_is_sent_by_its_identifier(user_with_key, fake):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")

    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={
            "source": "template",
            "template_ref": "k8s_namespace",
            "template_version": "v1",
            "template_mode": "linked",
        },
        client=harness_client_for(user_with_key),
    )

    assert not saved.errors.get("template_mode")
    assert build_body(saved.draft.data)["associated_template"] == {
        "template_id": "k8s_namespace",
        "version": "v1",
    }


def test_dropping_the_template_drops_the_link_and_the_locks(user_with_key, fake):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    saved = choose_template(draft, "linked")

    back = drafts.draft_save_step(
        draft=saved.draft,
        step="template",
        values={**saved.draft.data["template"], "source": "scratch"},
        client=harness_client_for(user_with_key),
    )

    assert steps.locked_map(back.draft.data) == {}
    assert "associated_template" not in build_body(back.draft.data)


def test_clone_prefills_an_existing_workspace(user_with_key, fake):
    client = harness_client_for(user_with_key)
    source = client.get_workspace(
        org="default", project="infra", identifier=existing_identifier(client)
    )
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    drafts.draft_save_step(
        draft=draft, step="basics", values={**valid_data()["basics"], "tags": []}
    )

    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={"source": "clone", "clone_identifier": source.identifier},
        client=client,
    )

    body = build_body(saved.draft.data)
    assert body["identifier"] == "pay_vpc_dev"
    assert body["repository"] == source.repository
    assert body["repository_connector"] == source.repository_connector
    assert body["provisioner"] == source.provisioner
    assert body["tags"] == source.tags
    assert set(body["terraform_variables"]) == set(source.terraform_variables)
    assert "associated_template" not in body


def test_a_copy_of_a_workspace_without_a_ref_asks_for_one_before_anything_is_sent(
    user_with_key, fake
):
    """Harness refuses a create with no branch, tag or SHA and no template (contract §2.1). A
    workspace Harness holds without one (made before that rule, or by another tool) is copied
    with an empty branch: the Repository step asks for it, and submit sends nothing."""
    client = harness_client_for(user_with_key)
    store = fake.server.app.state.workspaces[(ACCOUNT, "default", "infra")]
    held = copy.deepcopy(store.by_id[existing_identifier(client)].data)
    held |= {"identifier": "no_ref_src", "name": "no-ref-src", "associated_template": None}
    store.put(held | {"repository_branch": "", "repository_commit": "", "repository_sha": ""})
    draft = make_draft(user_with_key)
    chosen = {"source": "clone", "clone_identifier": "no_ref_src"}
    drafts.draft_save_step(draft=draft, step="template", values=chosen, client=client)
    draft.refresh_from_db()

    submitted = submit.draft_submit(draft=draft, client=client)

    assert step_problems("repository", draft.data) == {"branch": ["Enter the branch."]}
    assert "repository" in submitted.problems
    assert not fake.log(route="iacm.workspaces.create")


def workspace_with_uncopied_settings(client) -> str:
    """The identifier of a new workspace in default/infra that has every setting (contract
    §2.1) a copy made by the wizard does not get."""
    client.create_workspace(
        org="default",
        project="infra",
        body={
            "identifier": "src_pruned",
            "name": "src-pruned",
            "provisioner": "opentofu",
            "provisioner_version": "latest",
            "provider_connector": "account.aws_prod",
            "provider_connectors": [
                {"connector_ref": "account.aws_prod", "type": "aws", "terragrunt_provider": True}
            ],
            "repository": "infra-live",  # Harness refuses a workspace with none (contract §2.1)
            "repository_connector": "account.github_acme",
            "repository_branch": "main",
            "terraform_variables": {},
            "environment_variables": {},
            "prune_sensitive_data": True,
            "ccm_cost_enabled": True,
            "variable_sets": ["shared_vars", "team_vars"],
            "terraform_variable_files": [
                {"repository": "infra-vars", "repository_path": "dev.tfvars"}
            ],
            "default_pipelines": {"plan": {"workspace_pipeline": "plan_pipe"}},
            "sparse_checkout": "modules/vpc",
        },
    )
    return "src_pruned"


NOT_COPIED = [
    "Prune sensitive data: on",
    "Cloud cost management: on",
    "Variable sets: shared_vars, team_vars",
    "Variable files: infra-vars/dev.tfvars",
    "Default pipelines: plan",
    "Sparse checkout: modules/vpc",
    "Terragrunt on the provider connector account.aws_prod",
    "Provisioner version “latest”: the copy gets a fixed version (the latest is chosen)",
]


def test_a_copy_says_which_settings_of_the_workspace_it_does_not_get(user_with_key, fake):
    client = harness_client_for(user_with_key)
    source = workspace_with_uncopied_settings(client)
    draft = make_draft(user_with_key)

    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={"source": "clone", "clone_identifier": source},
        client=client,
    )

    assert saved.draft.data["template"]["not_copied"] == NOT_COPIED
    assert "prune_sensitive_data" not in build_body(saved.draft.data)  # the body has no such field


def test_a_copy_says_which_main_provider_connector_it_does_not_get(user_with_key, fake):
    client = harness_client_for(user_with_key)
    client.create_workspace(
        org="default",
        project="infra",
        body={
            "identifier": "src_two_aws",
            "name": "src-two-aws",
            "provisioner": "opentofu",
            "provisioner_version": "1.10.6",
            "provider_connector": "account.aws_prod",
            "provider_connectors": [{"connector_ref": "account.aws_dev", "type": "aws"}],
            "repository": "infra-live",
            "repository_connector": "account.github_acme",
            "repository_branch": "main",
            "terraform_variables": {},
            "environment_variables": {},
        },
    )

    saved = drafts.draft_save_step(
        draft=drafts.draft_create(owner=user_with_key, org="default", project="infra"),
        step="template",
        values={"source": "clone", "clone_identifier": "src_two_aws"},
        client=client,
    )

    # One connector a type: the typed list's AWS one is kept, the main one listed.
    assert build_body(saved.draft.data)["provider_connectors"] == [
        {"connector_ref": "account.aws_dev", "type": "aws"}
    ]
    assert saved.draft.data["template"]["not_copied"] == [
        "The provider connector account.aws_prod: account.aws_prod is of type aws, and the aws "
        "connector account.aws_dev is the one used: a workspace has one connector of each type."
    ]


def test_a_copy_keeps_a_main_connector_that_is_not_the_first_cloud_one(user_with_key, fake):
    client = harness_client_for(user_with_key)
    client.create_workspace(
        org="default",
        project="infra",
        body={
            "identifier": "src_gcp_main",
            "name": "src-gcp-main",
            "provisioner": "opentofu",
            "provisioner_version": "1.10.6",
            "provider_connector": "account.gcp_main",
            "provider_connectors": [
                {"connector_ref": "account.aws_prod", "type": "aws"},
                {"connector_ref": "account.gcp_main", "type": "gcp"},
            ],
            "repository": "infra-live",
            "repository_connector": "account.github_acme",
            "repository_branch": "main",
            "terraform_variables": {},
            "environment_variables": {},
        },
    )

    saved = drafts.draft_save_step(
        draft=drafts.draft_create(owner=user_with_key, org="default", project="infra"),
        step="template",
        values={"source": "clone", "clone_identifier": "src_gcp_main"},
        client=client,
    )

    # GCP stays the main one, though AWS comes first: the copy is made as the workspace is.
    body = build_body(saved.draft.data)
    assert body["provider_connector"] == "account.gcp_main"
    assert body["provider_connectors"] == [
        {"connector_ref": "account.aws_prod", "type": "aws"},
        {"connector_ref": "account.gcp_main", "type": "gcp"},
    ]
    assert saved.draft.data["template"]["not_copied"] == []


def test_copying_an_aws_cdk_workspace_is_refused_not_turned_into_opentofu(user_with_key, fake):
    client = harness_client_for(user_with_key)
    source = next(
        workspace
        for item in client.list_workspaces(org="default", project="infra", limit=100).items
        if (
            workspace := client.get_workspace(
                org="default", project="infra", identifier=item.identifier
            )
        ).provisioner
        == "awscdk"
    )
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")

    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={"source": "clone", "clone_identifier": source.identifier},
        client=client,
    )

    # As Edit refuses it: the copy would be OpenTofu with the CDK's version.
    assert "awscdk" in saved.notice and "do not cover" in saved.notice
    assert "provisioner" not in saved.draft.data


CDK_YAML = (
    "template:\n  name: CDK app\n  identifier: k8s_namespace\n  versionLabel: v1\n"
    "  type: Workspace\n  projectIdentifier: infra\n  orgIdentifier: default\n  spec:\n"
    "    provisioner:\n      type: awscdk\n      version: 2.150.0\n      locked: true\n"
    "    repository:\n      connector: github_infra\n      name: cdk-app\n      branch: main\n"
    "      gitFetchType: branch\n      locked: true\n"
)


@pytest.mark.parametrize("mode", ["linked", "copied"])
def test_a_template_of_a_tool_the_steps_do_not_cover_is_not_turned_into_opentofu(
    user_with_key, fake, mode
):
    fake.inject("v1.templates.version", body=template_answer(CDK_YAML))

    saved = choose_template(make_draft(user_with_key), mode, ("k8s_namespace", "v1"))

    # Refused as copying such a workspace is: the notice names the tool, nothing is filled in.
    assert "awscdk" in saved.notice and "do not cover" in saved.notice
    data = saved.draft.data
    assert data["provisioner"]["version"] != "2.150.0"
    assert data["repository"]["repository"] != "cdk-app"
    assert not data["template"].get("locked") and not data["template"].get("applied")
    body = build_body(body_module.stored_steps(data), keep_locked=True)
    assert body["provisioner_version"] != "2.150.0"


def test_a_clones_description_is_prefilled_once_and_noted(user_with_key, fake):
    client = harness_client_for(user_with_key)
    source = described_workspace(client)
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")

    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={"source": "clone", "clone_identifier": source.identifier},
        client=client,
    )

    basics = saved.draft.data["basics"]
    assert basics["description"] == source.description
    assert prefill.prefilled_note(basics, "description") == (
        f"Copied from the workspace {source.identifier}. Edit or clear it if it does not fit."
    )
    typed = drafts.draft_save_step(
        draft=draft, step="basics", values={**basics, "description": "Staging copy"}
    )
    assert prefill.prefilled_note(typed.draft.data["basics"], "description") == ""


def test_a_later_prefill_replaces_only_what_an_earlier_one_filled():
    first = prefill.Prefill(
        {"basics": {"description": "prod", "tags": [{"key": "a", "value": "1"}]}}, {}
    )
    second = prefill.Prefill({"basics": {"description": "other", "tags": []}}, {})
    data = prefill.apply_prefill({}, first, source="the workspace prod_ws")

    untouched = prefill.apply_prefill(data, second, source="the workspace other_ws")
    typed = prefill.apply_prefill(
        {"basics": {**data["basics"], "description": "mine"}}, second, source="the workspace o"
    )

    assert untouched["basics"]["description"] == "other"
    assert untouched["basics"]["prefilled_from"] == "the workspace other_ws"
    assert typed["basics"]["description"] == "mine"
    assert prefill.prefilled_note(typed["basics"], "description") == ""


def test_a_template_that_cannot_be_read_is_saved_with_a_notice(user_with_key, fake):
    fake.inject("v1.templates.version", status=503, times=5)
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")

    saved = choose_template(draft, "linked")

    assert saved.notice.startswith("Nothing was prefilled")
    assert saved.draft.data["template"]["template_ref"] == "k8s_namespace"
    assert saved.draft.data["template"]["applied"] == ""


UNREAD_TEMPLATE = (
    "The template version could not be read from Harness, so nothing was filled in from it. "
    "Try again, or choose another one."
)


@pytest.mark.parametrize("earlier", ["none", "another version"])
def test_a_template_that_could_not_be_read_leaves_start_from_to_fix_and_sends_nothing(
    user_with_key, fake, earlier
):
    draft = make_draft(user_with_key)
    if earlier == "another version":  # applied and locked: stale once v2 is chosen
        draft = linked_draft(user_with_key)
    fake.inject("v1.templates.version", status=503, times=5)

    saved = choose_template(draft, "linked", ("k8s_namespace", "v2"))
    review = wizard_review.review_context(saved.draft)
    submitted = submit.draft_submit(draft=saved.draft, client=harness_client_for(user_with_key))

    assert saved.problems == {"template_ref": [UNREAD_TEMPLATE]}
    assert [problem["step"] for problem in review["problems"]] == ["template"]
    assert "template" in submitted.problems
    assert submitted.draft.status == "draft"
    assert fake.log(route=CREATE) == []


def test_saving_again_applies_the_template_that_could_not_be_read(user_with_key, fake):
    draft = make_draft(user_with_key)
    fake.inject("v1.templates.version", status=503, times=5)
    choose_template(draft, "linked")
    fake.clear_faults()

    again = choose_template(draft, "linked")

    assert again.problems == {}
    assert again.draft.data["template"]["applied"] == "template:k8s_namespace:v1:linked"
    assert again.draft.data["repository"]["repository"] == "infra-live"


def test_a_workspace_to_copy_that_could_not_be_read_leaves_start_from_to_fix(user_with_key, fake):
    client = harness_client_for(user_with_key)
    source = existing_identifier(client)
    draft = make_draft(user_with_key)
    fake.inject("iacm.workspaces.get", status=503, times=5)

    saved = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={"source": "clone", "clone_identifier": source},
        client=client,
    )

    assert saved.notice.startswith("Nothing was prefilled")
    assert saved.problems == {
        "clone_identifier": [
            "The workspace could not be read from Harness, so nothing was copied from it. "
            "Try again, or choose another one."
        ]
    }


# --- submit ----------------------------------------------------------------------------------


def test_submit_creates_the_workspace_once(user_with_key, fake):
    draft = make_draft(user_with_key)

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert draft.status == "created"
    posts = fake.log(route=CREATE)
    assert len(posts) == 1
    assert posts[0]["body"] == build_body(valid_data())
    assert draft.submitted_body == posts[0]["body"]
    workspace = harness_client_for(user_with_key).get_workspace(
        org="default", project="infra", identifier="pay_vpc_dev"
    )
    assert workspace.environment_variables["TF_TOKEN"].value == "account.tf_token"


def test_submit_of_an_invalid_draft_sends_nothing(user_with_key, fake):
    draft = make_draft(user_with_key, basics__identifier="9nope")

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert draft.status == "draft"
    assert draft.step_status["basics"] == "invalid"
    assert fake.log(route=CREATE) == []


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submits_make_exactly_one_post(user, fake):
    credential_save(
        user=user,
        account_id=ACCOUNT,
        api_key="pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.dEmOfUlLaCcEsS00000001",
    )
    draft = make_draft(user)

    outcomes, failures = submit_together(20, draft, user, fake)

    assert failures == []
    assert len(outcomes) == 20
    assert len(fake.log(route=CREATE)) == 1
    print(f"\nconcurrent submit: {len(fake.log(route=CREATE))} POST for 20 threads")
    draft.refresh_from_db()
    assert draft.status == "created"
    assert set(outcomes) <= {"submitting", "created"}


def test_validation_error_is_attached_to_the_step_and_field(user_with_key, fake):
    data = valid_data()
    data["repository"]["connector"] = "account.no_such_connector"
    draft = WorkspaceDraft.objects.create(
        owner=user_with_key, org="default", project="infra", data=data
    )

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert draft.status == "failed"
    assert draft.harness_response["step"] == "repository"
    assert draft.harness_response["field"] == "connector"
    assert "no_such_connector" in draft.harness_response["message"]


def test_a_refused_provider_connector_lands_on_the_field_of_its_type(user_with_key, fake):
    draft = make_draft(user_with_key, provisioner__vault="account.vault_gone")

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert draft.status == "failed"
    assert draft.harness_response["harness_field"].startswith("provider_connectors[1]")
    assert (draft.harness_response["step"], draft.harness_response["field"]) == (
        "provisioner",
        "vault",
    )
    assert "vault_gone" in draft.harness_response["message"]
    shown = pages.step_context(draft, "provisioner", pages.step_form(draft, "provisioner"))
    assert list(shown["errors"]) == ["vault"]


@pytest.mark.parametrize("field", ["provider_connector", "provider_connectors"])
def test_a_refused_provider_connector_lands_on_the_connector_that_was_sent(field):
    data = valid_data()
    data["provisioner"].update(aws="", vault="", gcp="org.gcp_default")
    body = build_body(data)
    assert body["provider_connector"] == "org.gcp_default"

    where = refusal(
        field,
        f'body.{field} references connector "org.gcp_default" which does not exist',
        body,
    )

    # The GCP connector was sent; the AWS field is empty and not what Harness refused.
    assert (where["step"], where["field"]) == ("provisioner", "gcp")


def test_a_refused_provider_connector_not_among_the_slots_lands_on_aws():
    body = build_body(valid_data()) | {"provider_connector": "account.elsewhere"}

    where = refusal("provider_connector", "body.provider_connector is invalid", body)

    assert (where["step"], where["field"]) == ("provisioner", "aws")


def test_secret_reference_error_lands_on_the_variables_step(user_with_key, fake):
    data = valid_data()
    data["variables"]["environment"][0]["value"] = "account.missing_secret"
    draft = WorkspaceDraft.objects.create(
        owner=user_with_key, org="default", project="infra", data=data
    )

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert draft.harness_response["step"] == "variables"


def test_policy_denial_keeps_the_draft_with_the_deny_message(user_with_key, fake):
    draft = make_draft(user_with_key)
    draft.data["basics"]["tags"] = [{"key": "env", "value": "prod"}]
    draft.save()

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert draft.status == "failed"
    assert draft.harness_response["outcome"] == "policy_denied"
    assert draft.harness_response["deny_messages"] == [
        "Workspaces tagged env=prod must enable cost estimation"
    ]
    # Fixed and resubmitted.
    draft.data["provisioner"]["cost_estimation_enabled"] = True
    draft.save()
    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft
    assert draft.status == "created"
    assert len(fake.log(route=CREATE)) == 2


def test_a_request_started_in_another_harness_account_is_not_sent(user_with_key, fake):
    from tests.conftest import OTHER_KEY
    from workspaces.feedback import OtherAccount

    draft = make_draft(user_with_key)
    unclear = {"outcome": "unknown", "message": "Harness did not answer."}
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        account_id=ACCOUNT, status="failed", harness_response=unclear
    )
    credential_save(user=user_with_key, account_id="OtherAcct02", api_key=OTHER_KEY)
    user_with_key.refresh_from_db()  # as the next request loads it: with the new key
    draft.refresh_from_db()

    with pytest.raises(OtherAccount, match="started with a key for the Harness account Acme"):
        submit.draft_submit(draft=draft, client=harness_client_for(user_with_key))

    draft.refresh_from_db()
    assert (draft.status, draft.harness_response) == ("failed", unclear)  # still checked first
    assert fake.log(route=CREATE) == []


def test_the_submit_page_says_which_account_the_request_belongs_to(
    signed_in_with_key, user_with_key, fake
):
    from django.urls import reverse

    from tests.conftest import OTHER_KEY

    draft = make_draft(user_with_key)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(account_id=ACCOUNT)
    credential_save(user=user_with_key, account_id="OtherAcct02", api_key=OTHER_KEY)

    response = signed_in_with_key.post(reverse("draft_submit", args=[draft.pk]))

    assert response.status_code == 403
    assert "started with a key for the Harness account AcmeDemoAcct01" in response.content.decode()
    assert fake.log(route=CREATE) == []


def test_a_new_request_carries_the_account_of_the_key(user_with_key, fake):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")

    assert draft.account_id == ACCOUNT


def test_conflict_leads_back_to_basics(user_with_key, fake):
    taken = existing_identifier(harness_client_for(user_with_key))
    draft = make_draft(user_with_key, basics__identifier=taken)

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert draft.status == "failed"
    assert draft.harness_response["outcome"] == "conflict"
    assert (draft.harness_response["step"], draft.harness_response["field"]) == (
        "basics",
        "identifier",
    )


def test_a_409_the_portal_cannot_look_into_is_not_called_taken(user_with_key, fake):
    draft = make_draft(user_with_key)
    fake.inject(CREATE, status=409)
    fake.inject("iacm.workspaces.get", status=503, times=3)  # a read is tried 3 times

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert (draft.status, draft.harness_response["outcome"]) == ("failed", "refused")
    assert "could not look whether a workspace" in draft.harness_response["message"]
    assert "step" not in draft.harness_response
    assert not draft.data["basics"].get("identifier_taken")


def test_a_409_whose_look_is_refused_403_does_not_send_the_user_round_in_circles(
    user_with_key, fake
):
    draft = make_draft(user_with_key)
    fake.inject(CREATE, status=409, times=5)
    fake.inject("iacm.workspaces.get", status=403, times=5)

    first = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft
    again = submit.draft_submit(draft=first, client=harness_client_for(user_with_key)).draft

    assert "Submit again" not in again.harness_response["message"]
    for response in (first.harness_response, again.harness_response):
        # Harness's words, what the 403 most likely means, and the way out: Basics' identifier.
        assert response["message"].startswith("Harness refused to create the workspace (HTTP 409)")
        assert "probably taken by a workspace your key cannot see" in response["message"]
        assert (response["step"], response["field"]) == ("basics", "identifier")
        assert "taken" not in response
    assert not again.data["basics"].get("identifier_taken")


def test_after_a_409_basics_still_says_the_identifier_is_taken(user_with_key, fake):
    client = harness_client_for(user_with_key)
    data = valid_data()
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    for step in ("template", "repository", "provisioner", "variables"):
        draft = drafts.draft_save_step(draft=draft, step=step, values=data[step]).draft
    # Basics saved while the identifier is free: the live check records it as checked.
    draft = drafts.draft_save_step(
        draft=draft, step="basics", values=data["basics"], client=client
    ).draft
    assert not validation.bind_step("basics", draft.data).problems()
    # Someone else creates a workspace with that identifier meanwhile.
    theirs = build_body(valid_data(basics__name="someone-else")) | {"repository": "another-repo"}
    client.create_workspace(org="default", project="infra", body=theirs)
    draft = submit.draft_submit(draft=draft, client=client).draft
    assert draft.harness_response["outcome"] == "conflict"

    # Back on Basics the user fixes the description (autosave); the identifier is still taken.
    saved = drafts.draft_save_step(
        draft=draft,
        step="basics",
        values={**draft.data["basics"], "description": "VPC for payments (eu)"},
        client=client,
    )

    assert "identifier" in saved.problems, (
        "the 409 is forgotten: Basics says the identifier is fine"
    )


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_reconciled_with_a_get_then_retried_without_duplicates(user_with_key, fake, status):
    fake.inject(CREATE, status=status)
    draft = make_draft(user_with_key)
    client = harness_client_for(user_with_key)

    draft = submit.draft_submit(draft=draft, client=client).draft

    assert draft.status == "failed"
    assert draft.harness_response["outcome"] == "unavailable"
    gets = [r for r in fake.log(route="iacm.workspaces.get") if r["path"].endswith("/pay_vpc_dev")]
    assert len(gets) == 1
    assert gets[0]["seq"] > fake.log(route=CREATE)[0]["seq"]

    draft = submit.draft_submit(draft=draft, client=client).draft

    assert draft.status == "created"
    assert len(fake.log(route=CREATE)) == 2  # the first one created nothing
    found = client.list_workspaces(org="default", project="infra", search="pay-vpc-dev")
    assert len(found.items) == 1


def test_a_create_while_harness_asked_the_account_to_wait_is_not_sent(user_with_key, fake):
    """A Retry-After holds the account's calls (the client raises HarnessRateLimited without a
    request): the create was not sent, as with an open circuit, not refused by Harness."""
    from workspaces.harness import breaker

    breaker.hold_calls(fake.base_url, ACCOUNT, seconds=60)

    draft = submit.draft_submit(
        draft=make_draft(user_with_key), client=harness_client_for(user_with_key)
    ).draft

    assert (draft.status, draft.harness_response["outcome"]) == ("failed", "not_sent")
    assert draft.harness_response["sent"] is False
    assert "Try again in about 1 minute" in draft.harness_response["message"]
    assert fake.log(route=CREATE) == []


@pytest.mark.parametrize("status", [502, 504])
def test_a_create_a_gateway_failed_may_still_land_and_the_retry_settles_it(
    user_with_key, fake, status
):
    """A gateway's 502/504 is no proof Harness did nothing: the outcome does not say the
    workspace was not created, and when it lands after the portal's GET, the retry finds it."""
    fake.inject(CREATE, status=status)
    draft = make_draft(user_with_key)
    client = harness_client_for(user_with_key)

    submit.draft_submit(draft=draft, client=client)
    first = WorkspaceDraft.objects.get(pk=draft.pk)
    client.create_workspace(org="default", project="infra", body=first.submitted_body)
    again = submit.draft_submit(draft=draft, client=client).draft

    assert (first.status, first.harness_response["outcome"]) == ("failed", "unavailable")
    assert "not created" not in first.harness_response["message"]
    assert "may still" in first.harness_response["message"]
    assert again.status == "created"
    assert len(fake.log(route=CREATE)) == 2  # the portal's one POST, and the one that landed


def test_after_a_5xx_someone_elses_workspace_with_the_identifier_is_a_conflict(user_with_key, fake):
    client = harness_client_for(user_with_key)
    fake.inject(CREATE, status=500)
    draft = submit.draft_submit(draft=make_draft(user_with_key), client=client).draft
    theirs = build_body(valid_data(basics__name="someone-else")) | {"repository": "another-repo"}
    client.create_workspace(org="default", project="infra", body=theirs)

    draft = submit.draft_submit(draft=draft, client=client).draft

    assert draft.status == "failed"
    assert draft.harness_response["outcome"] == "conflict"
    assert draft.harness_response["field"] == "identifier"


def test_a_5xx_with_someone_elses_workspace_at_the_identifier_is_not_counted_created(
    user_with_key, fake
):
    client = harness_client_for(user_with_key)
    theirs = build_body(valid_data(basics__name="someone-else")) | {"repository": "another-repo"}
    client.create_workspace(org="default", project="infra", body=theirs)
    fake.inject(CREATE, status=500)

    draft = submit.draft_submit(draft=make_draft(user_with_key), client=client).draft

    assert draft.status == "failed"
    assert draft.harness_response["outcome"] == "unavailable"


def test_a_create_left_submitting_is_not_taken_for_someone_elses_workspace(
    user_with_key, fake, settings
):
    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    client = harness_client_for(user_with_key)
    draft = make_draft(user_with_key)
    body = build_body(draft.data)
    theirs = body | {"name": "someone-else", "repository": "another-repo"}
    client.create_workspace(org="default", project="infra", body=theirs)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status="submitting", submitted_body=body, submitted_at=draft.created_at
    )
    draft.refresh_from_db()

    settled = submit.draft_reconcile_stale(draft=draft, client=client)

    assert settled.status == "failed"
    assert "Submit again" in settled.harness_response["message"]


def linked_draft(owner) -> WorkspaceDraft:
    """A complete draft linked to default/infra's k8s_namespace v1, which locks the repository:
    its body leaves the repository out."""
    draft = drafts.draft_save_step(
        draft=make_draft(owner),
        step="template",
        values={
            "source": "template",
            "template_ref": "k8s_namespace",
            "template_version": "v1",
            "template_mode": "linked",
            "clone_identifier": "",
        },
        client=harness_client_for(owner),
    ).draft
    assert "repository" not in build_body(draft.data)
    return draft


def test_a_linked_create_answered_by_a_5xx_once_it_exists_is_created(user_with_key, fake):
    client = harness_client_for(user_with_key)
    draft = linked_draft(user_with_key)
    client.create_workspace(org="default", project="infra", body=build_body(draft.data))
    fake.inject(CREATE, status=502)  # as if a gateway failed after Harness made it

    result = submit.draft_submit(draft=draft, client=client).draft

    assert result.status == "created"


def test_a_linked_create_left_submitting_is_settled_as_created(user_with_key, fake, settings):
    settings.WIZARD_STALE_SUBMIT_SECONDS = 0
    client = harness_client_for(user_with_key)
    draft = linked_draft(user_with_key)
    body = build_body(draft.data)
    client.create_workspace(org="default", project="infra", body=body)
    WorkspaceDraft.objects.filter(pk=draft.pk).update(
        status="submitting", submitted_body=body, submitted_at=draft.created_at
    )
    draft.refresh_from_db()

    settled = submit.draft_reconcile_stale(draft=draft, client=client)

    assert settled.status == "created"


def test_timeout_is_reconciled_by_get_and_counts_as_created(user_with_key, fake, settings):
    settings.WIZARD_RECONCILE_SECONDS = 3.0
    fake.inject(CREATE, delay_ms=2600)  # beyond the 2 s read timeout; Harness still creates it
    draft = make_draft(user_with_key)

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user_with_key)).draft

    assert draft.status == "created"
    assert len(fake.log(route=CREATE)) == 1
    assert fake.log(route="iacm.workspaces.get")


def test_timeout_with_unknown_outcome_checks_first_on_retry(user_with_key, fake, settings):
    settings.WIZARD_RECONCILE_SECONDS = 0
    fake.inject(CREATE, delay_ms=2600)
    draft = make_draft(user_with_key)
    client = harness_client_for(user_with_key)

    draft = submit.draft_submit(draft=draft, client=client).draft
    assert draft.status == "failed"
    assert draft.harness_response["outcome"] == "unknown"
    import time

    time.sleep(1.0)  # Harness finishes the slow create meanwhile
    draft = submit.draft_submit(draft=draft, client=client).draft

    assert draft.status == "created"
    assert len(fake.log(route=CREATE)) == 1


def test_a_401_on_the_look_after_an_unanswered_post_keeps_the_outcome_unclear(
    user_with_key, fake, settings
):
    """The key was revoked while Harness worked on the POST: it may have landed, so the request
    stays failed with an unclear outcome, and the retry with a valid key looks first."""
    from workspaces.harness import errors

    settings.HARNESS_READ_TIMEOUT = 0.3
    fake.inject(CREATE, delay_ms=600)  # Harness creates it after the portal gave up
    fake.inject("iacm.workspaces.get", status=401)
    client = harness_client_for(user_with_key)

    with pytest.raises(errors.HarnessUnauthorized):
        submit.draft_submit(draft=make_draft(user_with_key), client=client)

    draft = WorkspaceDraft.objects.get()
    assert (draft.status, draft.harness_response["outcome"]) == ("failed", "unknown")
    assert draft.harness_response["sent"] is True
    assert "refused your key" in draft.harness_response["message"]
    deadline = time.monotonic() + 3
    while not fake.log(route=CREATE) and time.monotonic() < deadline:
        time.sleep(0.05)  # Harness finishes the slow create meanwhile
    draft = submit.draft_submit(draft=draft, client=client).draft

    assert draft.status == "created"
    assert len(fake.log(route=CREATE)) == 1


def test_an_unclear_create_is_looked_up_by_the_identifier_it_sent(user_with_key, fake, settings):
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(user_with_key)
    fake.inject(CREATE, drop=True, times=1)
    draft = submit.draft_submit(draft=make_draft(user_with_key), client=client).draft
    client.create_workspace(org="default", project="infra", body=draft.submitted_body)  # landed
    data = copy.deepcopy(draft.data)
    # Changed since, in a draft Basics does not hold it in (saved before the hold existed).
    data["basics"] |= {"identifier": "pay_vpc_dev2", "identifier_held": ""}
    WorkspaceDraft.objects.filter(pk=draft.pk).update(data=data, identifier="pay_vpc_dev2")
    draft.refresh_from_db()

    again = submit.draft_submit(draft=draft, client=client).draft

    assert again.status == "created"
    assert len(fake.log(route=CREATE)) == 2  # the lost POST and the one that landed, no third
    assert again.identifier == "pay_vpc_dev"  # the workspace that exists, as the result names it
    assert "not in it: Identifier." in again.harness_response["message"]


def test_a_create_that_landed_unclear_says_what_was_edited_since(user_with_key, fake, settings):
    """The workspace exists as the earlier POST made it: settled as created, the result says
    which edits made since are not in it (a change applies them), instead of dropping them."""
    settings.WIZARD_RECONCILE_SECONDS = 0
    client = harness_client_for(user_with_key)
    fake.inject(CREATE, drop=True, times=1)
    draft = submit.draft_submit(draft=make_draft(user_with_key), client=client).draft
    client.create_workspace(org="default", project="infra", body=draft.submitted_body)  # landed
    data = copy.deepcopy(draft.data)
    data["basics"]["description"] = "Written after the attempt"
    WorkspaceDraft.objects.filter(pk=draft.pk).update(data=data)
    draft.refresh_from_db()

    again = submit.draft_submit(draft=draft, client=client).draft

    assert again.status == "created"
    assert len(fake.log(route=CREATE)) == 2  # the lost POST and the one that landed, no third
    message = again.harness_response["message"]
    assert message.startswith("Created on an earlier attempt, as it was then")
    assert "not in it: Description." in message


def test_forbidden_key_fails_with_a_message(user, fake):
    credential_save(user=user, account_id=ACCOUNT, api_key=READ_KEY)
    draft = make_draft(user)

    draft = submit.draft_submit(draft=draft, client=harness_client_for(user)).draft

    assert draft.status == "failed"
    assert "not allowed" in draft.harness_response["message"]


def test_drafts_never_store_secret_values(user_with_key, fake):
    draft = make_draft(user_with_key)
    submit.draft_submit(draft=draft, client=harness_client_for(user_with_key))
    draft.refresh_from_db()

    stored = repr(copy.deepcopy([draft.data, draft.submitted_body, draft.harness_response])).lower()

    assert "pat." not in stored
    assert "account.tf_token" in stored  # only the reference


def test_a_templates_description_is_prefilled_and_noted_too():
    found = prefill.prefill_from_template_yaml(
        {"template": {"spec": {"description": "Orders service"}}}, linked=True
    )

    data = prefill.apply_prefill({}, found, source="the template account.svc (version v1)")

    assert data["basics"]["description"] == "Orders service"
    assert "basics.description" not in found.locked  # never locked: always editable
    assert prefill.prefilled_note(data["basics"], "description") == (
        "Copied from the template account.svc (version v1). Edit or clear it if it does not fit."
    )


# The provider and provisioner blocks of the only public Workspace template YAML (the Terraform
# provider's `resource_workspace_associated_template_test.go`): `provider` is the git-provider
# card of Harness's UI, not a connector.
ATTESTED_SPEC = {
    "provider": {
        "type": "others",
        "title": "thirdPartyGitProvider",
        "info": "thirdPartyGitProviderInfo",
        "icon": "service-github",
        "size": 20,
        "disabled": False,
    },
    "provisioner": {"type": "opentofu", "version": "1.12.3", "locked": True},
}


def test_a_locked_provisioner_block_locks_the_additional_provider_connectors_only():
    """The Terraform provider's `TestAccResourceWorkspaceAssociatedTemplate_LockedFields`: under
    this locked provisioner block the workspace sets `provider_connector` and the create
    succeeds; nothing public shows `provider_connectors` sent under one (the doubtful side)."""
    linked = prefill.prefill_from_template_yaml({"template": {"spec": ATTESTED_SPEC}}, linked=True)
    copied = prefill.prefill_from_template_yaml({"template": {"spec": ATTESTED_SPEC}}, linked=False)

    link = {"source": "template", "template_mode": "linked", "template_ref": "t"}
    provisioner = linked.values["provisioner"] | {"aws": "account.aws_prod"}
    body = build_body(
        {
            "template": link | {"template_version": "v1"},
            **linked.values,
            "provisioner": provisioner,
        },
        locked=linked.locked,
    )

    assert "provisioner.vault" in linked.locked  # a Vault connector is only ever an additional one
    assert not {f"provisioner.{slot}" for slot in steps.CLOUD_SLOTS} & linked.locked.keys()
    assert linked.provider_refs == copied.provider_refs == ()  # the card is no connector
    assert copied.locked == {}
    assert "provider_connectors" not in body
    assert body["provider_connector"] == "account.aws_prod"
    assert {"provisioner_version", "provider_connectors"} <= body_module.locked_body_fields(
        {"provisioner.version": "1.12.3"}
    )


@pytest.mark.parametrize("linked", [True, False])
def test_a_templates_repository_path_and_variable_entries_are_not_copied(linked):
    """Contract §3.1: no repository `path` key is documented (the only public YAML has none) and
    the entries of `variables` / `terraform_variables` are UNCONFIRMED, so the portal reads
    neither (they are added on the Repository and Variables steps); a locked repository block
    still locks the path, which Harness keeps at the template's."""
    spec = {
        "repository": {
            "isHarnessCode": False,
            "connector": "account.github_acme",
            "name": "infra-modules",
            "branch": "main",
            "gitFetchType": "branch",
            "path": "aws/service",
            "locked": True,
        },
        "variables": [{"key": "TF_LOG", "value": "debug", "locked": True}],
        "terraform_variables": [{"key": "region", "value": "eu-west-1", "value_type": "string"}],
    }

    found = prefill.prefill_from_template_yaml({"template": {"spec": spec}}, linked=linked)

    assert found.values["repository"] | {"path": ""} == {
        "connector": "account.github_acme",
        "repository": "infra-modules",
        "fetch_type": "branch",
        "branch": "main",
        "path": "",
    } | ({"submodules": "false", "tag": "", "commit": ""} if linked else {})
    assert found.values["repository"].get("path", "") == ""
    assert "variables" not in found.values
    assert not [path for path in found.locked if path.startswith("variables.")]
    assert ("repository.path" in found.locked) is linked


@pytest.mark.parametrize("fetch", ["tag", "commit", "branch"])
def test_a_locked_fetch_type_never_asks_for_a_ref_that_is_not_sent(fetch):
    """A locked repository block naming a tag (or commit) fetch, or a branch fetch without its
    branch, locked the fetch type but not the ref: the step insisted on a ref ("Enter the tag.")
    that the body then left out (Harness keeps the template's), while the review showed it."""
    block = {"isHarnessCode": False, "connector": "account.github_acme", "name": "infra-live"}
    spec = {"repository": block | {"gitFetchType": fetch, "locked": True}}
    found = prefill.prefill_from_template_yaml({"template": {"spec": spec}}, linked=True)
    data = valid_data()
    link = {"source": "template", "template_mode": "linked", "template_ref": "k8s_namespace"}
    data["template"] = link | {"template_version": "v1", "applied": "", "locked": found.locked}
    data["repository"] |= found.values["repository"]

    assert {f"repository.{ref}" for ref in steps.FETCH_TYPES} <= found.locked.keys()
    assert step_problems("repository", data) == {}
    assert (
        not {"repository_branch", "repository_commit", "repository_sha"} & build_body(data).keys()
    )
