"""Start from code, the importer alone: a pasted `harness_platform_workspace` resource or create
body read into the create body it describes, and every line it cannot use, with its number."""

import json
import time

import pytest

from workspaces.wizard import steps
from workspaces.wizard.code_prefill import code_prefill
from workspaces.wizard.from_code import (
    MAX_CODE_CHARS,
    CodeForm,
    CodeRefused,
    code_requested,
    read_code,
)
from workspaces.wizard.picker_search import posted_action

RESOURCE = """\
resource "harness_platform_workspace" "pay_vpc_dev" {
  org_id                  = "default"
  project_id              = "infra"
  identifier              = "pay_vpc_dev"
  name                    = "pay-vpc-dev"
  description             = "VPC \\"payments\\" $${not_a_ref}"
  provisioner_type        = "opentofu"
  provisioner_version     = "1.10.6"
  provider_connector      = "account.aws_prod"
  repository              = "infra-live"
  repository_connector    = "account.github_acme"
  repository_commit       = "v1.2.0"
  repository_path         = "vpc/dev"
  cost_estimation_enabled = true
  tags                    = ["team:payments", "env:dev", "pci"]

  terraform_variable {
    key        = "region"
    value      = "eu-west-1"
    value_type = "string"
  }

  environment_variable {
    key        = "TF_TOKEN"
    value      = "account.tf_token"
    value_type = "secret"
  }

  connector {
    connector_ref = "account.vault_main"
    type          = "vault"
  }
}
"""


def read(text: str):
    return read_code(text, org="default", project="infra")


def unmapped(text: str) -> dict[int, str]:
    return {line.number: line.reason for line in read(text).unmapped}


def test_a_resource_maps_to_the_create_body_under_harness_field_names():
    imported = read(RESOURCE)

    assert imported.kind == "hcl"
    assert imported.unmapped == ()
    assert imported.body == {
        "identifier": "pay_vpc_dev",
        "name": "pay-vpc-dev",
        "description": 'VPC "payments" ${not_a_ref}',
        "provisioner": "opentofu",
        "provisioner_version": "1.10.6",
        "provider_connector": "account.aws_prod",
        "repository": "infra-live",
        "repository_connector": "account.github_acme",
        "repository_commit": "v1.2.0",
        "repository_path": "vpc/dev",
        "cost_estimation_enabled": True,
        "tags": {"team": "payments", "env": "dev", "pci": ""},
        "terraform_variables": {
            "region": {"key": "region", "value": "eu-west-1", "value_type": "string"}
        },
        # A secret variable stays a reference.
        "environment_variables": {
            "TF_TOKEN": {"key": "TF_TOKEN", "value": "account.tf_token", "value_type": "secret"}
        },
        "provider_connectors": [{"connector_ref": "account.vault_main", "type": "vault"}],
    }


def test_the_body_becomes_the_step_values_a_clone_would_give_plus_name_and_identifier():
    found = code_prefill(read(RESOURCE))

    assert found.values["basics"]["name"] == "pay-vpc-dev"
    assert found.values["basics"]["identifier"] == "pay_vpc_dev"
    assert found.values["basics"]["identifier_edited"] is True
    assert found.values["basics"]["tags"][-1] == {"key": "pci", "value": ""}
    assert found.values["repository"]["fetch_type"] == "tag"
    assert found.values["repository"]["tag"] == "v1.2.0"
    assert found.values["provisioner"]["vault"] == "account.vault_main"
    assert found.values["provisioner"]["cost_estimation_enabled"] is True
    # The main connector's type is not in the code: looked up in Harness, as a clone's is.
    assert found.provider_refs == ("account.aws_prod",)


UNMAPPABLE = """\
variable "region" {}
resource "harness_platform_workspace" "w" {
  org_id      = "other_org"
  identifier  = "1bad"
  name        = var.name
  description = "made by ${var.team}"
  repository  = harness_platform_connector_github.foo.id
  cost_estimation_enabled = "yes"
  colour      = "blue"
  default_pipelines = { plan = "p" }
  provisioner_type = "awscdk"
  repository_path = "ok/path"
  lifecycle {
    ignore_changes = [name]
  }
  terraform_variable_file {
    repository = "vars"
  }
  terraform_variable {
    key        = "region"
    value      = "eu-west-1"
    value_type = "number"
  }
  environment_variable {
    key        = "A"
    value      = "1"
    value_type = "string"
  }
  environment_variable {
    key        = "A"
    value      = "2"
    value_type = "string"
  }
  provider_connector_block {
    type = "aws"
  }
}
resource "harness_platform_workspace" "second" {
  name = "x"
}
resource "harness_platform_connector_github" "foo" {
  name = "github"
}
"""


def test_every_line_that_cannot_be_mapped_is_listed_with_its_number_and_why():
    lines = unmapped(UNMAPPABLE)

    assert "only a harness_platform_workspace resource" in lines[1].lower() or "not a" in lines[1]
    assert "this request is for default / infra" in lines[3]
    assert "Harness would refuse this identifier" in lines[4]
    assert "expression or reference" in lines[5]
    assert "expression or reference" in lines[6]  # an interpolation
    assert "expression or reference" in lines[7]  # another resource's attribute
    assert "expects true or false" in lines[8]
    assert "colour is not an attribute of harness_platform_workspace" in lines[9]
    assert "The wizard does not set this" in lines[10]
    assert "OpenTofu or Terraform" in lines[11]
    assert "meta-argument" in lines[13]
    assert "The wizard does not set this" in lines[16]
    assert "value_type must be string or secret" in lines[19]
    assert "A second variable with the key A" in lines[29]
    assert "Provider connectors are connector blocks" in lines[34]
    assert "A second workspace resource" in lines[38]
    assert "harness_platform_connector_github resource" in lines[41]
    assert set(lines) == {1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 16, 19, 29, 34, 38, 41}
    # What could be read was read: the path, the first variable A.
    assert read(UNMAPPABLE).body == {
        "repository_path": "ok/path",
        "environment_variables": {"A": {"key": "A", "value": "1", "value_type": "string"}},
    }


def test_the_unmapped_line_shows_the_code_it_is_about():
    (line,) = [line for line in read(UNMAPPABLE).unmapped if line.number == 9]

    assert line.text == 'colour      = "blue"'


def test_only_the_items_of_an_exports_not_managed_comment_are_listed():
    header = "# Not managed by this resource (no attribute in its schema); set them in Harness:"
    code = (
        f'// mine\n{header}\n#   - budget = 1.5\n#   - repository_submodules = "true"\n\n'
        "#   - not under the header\n"
        + RESOURCE.replace("  org_id", f"  {header}\n  #   - inside the resource\n  org_id")
    )

    found = unmapped(code)

    assert set(found) == {3, 4}
    assert found[3].startswith("budget = 1.5: listed in the export's comment as not managed")
    assert found[4].startswith('repository_submodules = "true": listed')


def test_a_resource_of_another_type_is_refused_with_its_line():
    with pytest.raises(CodeRefused) as refused:
        read('\n\nresource "harness_platform_project" "p" {\n  name = "x"\n}\n')

    assert refused.value.message == "No harness_platform_workspace resource was found in the code."
    assert [(line.number, line.reason) for line in refused.value.lines] == [
        (3, "A harness_platform_project resource, not a harness_platform_workspace resource: "
            "not read.")
    ]  # fmt: skip


@pytest.mark.parametrize(
    "opening", ['resource "harness_platform_workspace" {', "resource {", 'resource "a" "b" "c" {']
)
def test_a_resource_without_its_two_labels_is_refused_as_terraform_would(opening):
    with pytest.raises(CodeRefused) as refused:
        read(f'{opening}\n  name = "x"\n}}\n')

    assert refused.value.message == "No harness_platform_workspace resource was found in the code."
    assert [(line.number, line.reason) for line in refused.value.lines] == [
        (1, 'A resource needs two labels, its type and its name '
            '(resource "harness_platform_workspace" "name" {): not read.')
    ]  # fmt: skip


def test_a_resource_that_maps_nothing_is_refused_and_says_which_lines():
    with pytest.raises(CodeRefused) as refused:
        read('resource "harness_platform_workspace" "w" {\n  name = var.name\n}\n')

    assert refused.value.message.startswith("Nothing in the code could be used")
    assert [line.number for line in refused.value.lines] == [2]


def test_an_oversize_paste_is_refused_before_it_is_parsed():
    text = RESOURCE + "#" * MAX_CODE_CHARS

    with pytest.raises(CodeRefused) as refused:
        read(text)

    assert f"paste at most {MAX_CODE_CHARS:,}" in refused.value.message


def test_the_paste_limit_counts_what_was_pasted_not_the_browsers_line_ends():
    blocks = "".join(
        f'  terraform_variable {{\n    key        = "k{i}"\n    value      = "{"x" * 300}"\n'
        '    value_type = "string"\n  }\n'
        for i in range(200)
    )
    code = f'resource "harness_platform_workspace" "w" {{\n  name = "w"\n{blocks}}}\n'
    assert len(code) < MAX_CODE_CHARS < len(code) + code.count("\n")
    posted = code.replace("\n", "\r\n")  # what the form receives from a browser

    form = CodeForm({"code": posted}, org="default", project="infra")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["code"].body == read(code).body


@pytest.mark.parametrize("line_end", ["\r\n", "\r"])
def test_a_paste_with_other_line_ends_reads_as_with_newlines(line_end):
    code = UNMAPPABLE.replace("\n", line_end)

    imported = read(code)

    # The same values and the same lines listed, each line's text without a CR.
    assert imported.body == read(UNMAPPABLE).body
    assert imported.unmapped == read(UNMAPPABLE).unmapped


@pytest.mark.parametrize("open_close", ["[]", "{}"])
def test_deep_nesting_is_refused_before_it_is_parsed(open_close):
    opening, closing = open_close
    text = 'resource "harness_platform_workspace" "w" {\n  name = "x"\n  tags = '
    text += opening * 30_000 + closing * 30_000 + "\n}\n"

    with pytest.raises(CodeRefused) as refused:
        read(text)

    assert "nests brackets more than 32 deep" in refused.value.message


@pytest.mark.parametrize(
    "written",
    [
        '"Cafe\\u0301"',  # an HCL escape
        '"Cafe\u0301"',  # the combining mark itself
        '"$${x} Cafe\u0301"',
        "<<EOT\nCafe\u0301\nEOT",
        "<<-EOT\n  Cafe\u0301\n  EOT",
    ],
)
def test_a_pasted_text_is_read_in_the_unicode_form_terraform_reads_it(written):
    text = (
        'resource "harness_platform_workspace" "w" {\n  name = "w"\n'
        f'  description = {written}\n  tags = ["team:Cafe\u0301"]\n'
        '  terraform_variable {\n    key = "greeting"\n    value = "Cafe\u0301"\n'
        '    value_type = "string"\n  }\n}\n'
    )

    body = read(text).body

    # `terraform console` reads each of them in NFC form: "Caf\u00e9" (a heredoc with its "\n").
    assert body["description"].rstrip("\n").endswith("Caf\u00e9")
    assert body["tags"] == {"team": "Caf\u00e9"}
    assert body["terraform_variables"]["greeting"]["value"] == "Caf\u00e9"


def test_a_heredoc_is_a_value_unless_it_interpolates():
    lines = unmapped(
        'resource "harness_platform_workspace" "w" {\n'
        '  name = "w"\n'
        "  description = <<-EOT\n    two\n    lines\n    EOT\n"
        "  repository_path = <<EOT\n${var.path}\nEOT\n"
        "}\n"
    )

    # Terraform keeps the newline that ends the last line (`terraform console`).
    assert read(
        'resource "harness_platform_workspace" "w" {\n'
        "  description = <<-EOT\n    two\n    lines\n    EOT\n}\n"
    ).body == {"description": "two\nlines\n"}
    assert list(lines) == [7]


def _heredoc_variable(body: str):
    return read(
        'resource "harness_platform_workspace" "w" {\n  name = "w"\n'
        '  terraform_variable {\n    key        = "k"\n'
        f"    value      = <<EOT\n{body}EOT\n"
        '    value_type = "string"\n  }\n}\n'
    )


# Each as `terraform console` reads it: jsonencode(<<EOT ... EOT).
@pytest.mark.parametrize(
    ("body", "terraform_reads"),
    [
        ("line1\nline2\n", "line1\nline2\n"),
        ("blank line after\n\n", "blank line after\n\n"),
        ("\n", "\n"),
        ("", ""),
        ("lit $${x} and %%{y} and 100%% and $$$\n", "lit ${x} and %{y} and 100%% and $$$\n"),
        ("dollar3 $$${var.unit}\n", "dollar3 $${var.unit}\n"),
        ("$$$${x}\n", "$$${x}\n"),
        ("pct3 %%%{if true}Z\n", "pct3 %%{if true}Z\n"),
    ],
)
def test_a_heredoc_value_is_read_as_terraform_reads_it(body, terraform_reads):
    imported = _heredoc_variable(body)

    assert imported.body["terraform_variables"]["k"]["value"] == terraform_reads
    assert imported.unmapped == ()


HEAD = 'resource "harness_platform_workspace" "w" {\n  name = "w"\n'


# Each as `terraform console` reads it (Terraform 1.x): HCL trims a `<<-` heredoc by the fewest
# leading spaces, tabs included, of its lines that are not blank, and keeps a blank line as it is
# (hashicorp/hcl, hclsyntax/parser_template.go, flushHeredocTemplateParts).
@pytest.mark.parametrize(
    ("heredoc", "terraform_reads"),
    [
        ("\thello\n\t\tworld\n\tEOT", "hello\n\tworld\n"),
        ("  \thello\n  EOT", "hello\n"),
        ("    a\n    \n    b\n    EOT", "a\n    \nb\n"),
        ("  \u00a0a\n   b\n  EOT", "a\nb\n"),  # a no-break space is a space to HCL
        ("    a\n\n  $${b}\n    EOT", "  a\n\n${b}\n"),
    ],
)
def test_an_indented_heredoc_is_read_as_terraform_reads_it(heredoc, terraform_reads):
    imported = read_code(
        HEAD + "  description = <<-EOT\n" + heredoc + "\n}\n", org="default", project="infra"
    )

    assert imported.unmapped == ()
    assert imported.body["description"] == terraform_reads


@pytest.mark.parametrize(
    "body", ["threshold 90%${var.unit}\n", "$%{if true}Z%{endif}\n", "${var.unit}\n"]
)
def test_a_heredoc_interpolation_after_the_other_sign_is_listed_as_an_expression(body):
    imported = _heredoc_variable(body)

    # Terraform evaluates it: `90%${local.unit}` is "threshold 90%X\n" in `terraform console`.
    assert "terraform_variables" not in imported.body
    assert [line.number for line in imported.unmapped] == [5]


JSON_BODY = {
    "identifier": "pay_vpc_dev",
    "name": "pay-vpc-dev",
    "provisioner": "terraform",
    "provisioner_version": "1.5.7",
    "repository_submodules": "recursive",
    "budget": 250.5,
    "cost_estimation_enabled": True,
    "terraform_variables": {
        "region": {"key": "region", "value": "eu-west-1", "value_type": "string"},
        "bad key": {"key": "bad key", "value": "x", "value_type": "string"},
    },
    "provider_connectors": [
        {"connector_ref": "account.aws_prod", "type": "aws"},
        {"connector_ref": "x", "type": "ibm"},
    ],
    "variable_sets": ["shared"],
    "ccm_cost_enabled": False,
    "associated_template": {"template_id": "aws_service", "version": "v2"},
    "lock": {"locked": True},
}


def test_a_json_body_maps_and_lists_what_it_cannot_by_line():
    text = json.dumps(JSON_BODY, indent=2)
    numbers = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip().startswith('"'):
            numbers.setdefault(raw.split('"')[1], number)

    imported = read(text)

    assert imported.kind == "json"
    assert imported.body["budget"] == 250.5
    assert imported.body["repository_submodules"] == "recursive"
    assert list(imported.body["terraform_variables"]) == ["region"]
    assert imported.body["provider_connectors"] == [
        {"connector_ref": "account.aws_prod", "type": "aws"}
    ]
    assert imported.template_link == {"template_id": "aws_service", "version": "v2"}
    reasons = {line.number: line.reason for line in imported.unmapped}
    assert "the key must start with a letter" in reasons[numbers["bad key"]]
    assert "type must be one of aws, gcp, azure, vault" in reasons[numbers["connector_ref"] + 4]
    assert "The wizard does not set this" in reasons[numbers["variable_sets"]]
    assert "lock is not a field of the create body" in reasons[numbers["lock"]]
    assert len(reasons) == 4  # ccm_cost_enabled false is "not set": nothing to say


def test_a_json_variable_named_by_another_key_than_its_own_is_listed_not_renamed():
    row = {"value": "a", "value_type": "string"}
    text = json.dumps(
        {
            "name": "w",
            "terraform_variables": {"region": {"key": "zone", **row}, "ok": {"key": "ok", **row}},
            "environment_variables": {"TOKEN": {"key": "token", **row}},
        },
        indent=2,
    )

    imported = read(text)

    # The map key is the variable's key (contract §2.4): which one was meant is not known.
    assert imported.body["terraform_variables"] == {"ok": {"key": "ok", **row}}
    assert not imported.body.get("environment_variables")
    named = "a variable's entry is named by its key."
    assert {line.number: line.reason for line in imported.unmapped} == {
        4: f"terraform_variables region: its key is zone; {named}",
        16: f"environment_variables TOKEN: its key is token; {named}",
    }
    assert imported.mapped == 2  # the name and ok


def test_a_json_key_given_twice_is_listed_and_the_first_value_used():
    code = (
        '{\n  "identifier": "dup",\n  "name": "first",\n  "name": "second",\n'
        '  "terraform_variables": {\n    "k": {\n      "key": "k",\n      "value": "one",\n'
        '      "value": "two",\n      "value_type": "string"\n    }\n  },\n'
        '  "tags": {"name": "x"}\n}\n'
    )

    imported = read(code)

    # As for HCL ("set twice; the first value is used"), never a value dropped unlisted; the
    # same key in another object (a tag "name") is no repeat.
    assert {line.number: line.reason for line in imported.unmapped} == {
        4: "name is set twice; the first value is used.",
        9: "value is set twice; the first value is used.",
    }
    assert imported.body["name"] == "first"
    assert imported.body["terraform_variables"]["k"]["value"] == "one"
    assert imported.body["tags"] == {"name": "x"}


@pytest.mark.parametrize("form", ["json", "hcl"])
def test_more_tags_than_a_workspace_here_holds_are_a_line_not_used(form):
    tags = {f"t{i}": "v" for i in range(steps.MAX_TAGS + 1)}
    if form == "json":
        code = json.dumps({"name": "w", "tags": tags}, indent=0)
    else:
        listed = ", ".join(f'"{key}:{value}"' for key, value in tags.items())
        code = (
            f'resource "harness_platform_workspace" "w" {{\n  name = "w"\n  tags = [{listed}]\n}}\n'
        )

    imported = read(code)

    # Basics could not hold them: each save would post more fields than Django accepts.
    assert {line.number: line.reason for line in imported.unmapped} == {
        3: f"tags: at most {steps.MAX_TAGS} tags."
    }
    assert "tags" not in imported.body


def test_a_near_limit_json_paste_of_unknown_keys_is_listed_line_by_line_in_well_under_a_second():
    keys = [f"k{i:04d}" for i in range(6_500)]  # each key was looked for from line 1: ~10 s
    text = '{"name": "w",\n' + ",\n".join(f'"{key}": 1' for key in keys) + "\n}"
    assert MAX_CODE_CHARS - 3_000 < len(text) <= MAX_CODE_CHARS

    started = time.perf_counter()
    imported = read(text)
    seconds = time.perf_counter() - started

    assert [(line.number, line.text, line.reason) for line in imported.unmapped] == [
        (number, f'"{key}": 1,', f"{key} is not a field of the create body.")
        for number, key in enumerate(keys[:-1], start=2)
    ] + [(len(keys) + 1, f'"{keys[-1]}": 1', f"{keys[-1]} is not a field of the create body.")]
    assert seconds < 2


NUL_HCL = r"""resource "harness_platform_workspace" "w" {
  name        = "w\u0000"
  description = "ok"
  tags        = ["team:\u0000"]
  terraform_variable {
    key        = "region"
    value      = "eu\u0000"
    value_type = "string"
  }
}
"""
NUL_JSON = r"""{
  "name": "w\u0000",
  "description": "ok",
  "tags": {"team": "\u0000"},
  "terraform_variables": [{"key": "region", "value": "eu\u0000", "value_type": "string"}],
  "\u0000x": 1
}"""


NUL = "contains a NUL character."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (NUL_HCL, {2: f"name: {NUL}", 4: f"tags: {NUL}", 5: f"terraform_variable: {NUL}"}),
        (
            NUL_JSON,
            {
                2: f"name: {NUL}",
                4: f"tags: {NUL}",
                5: f"terraform_variables: {NUL}",
                6: "\\u0000x is not a field of the create body.",  # the key, quoted escaped
            },
        ),
    ],
)
def test_an_escaped_nul_is_a_line_not_used_never_a_value_the_draft_cannot_store(text, expected):
    imported = read(text)  # PostgreSQL's JSONB (the draft) refuses \u0000 in any text

    assert imported.body == {"description": "ok"}
    assert {line.number: line.reason for line in imported.unmapped} == expected
    assert all("\x00" not in line.text + line.reason for line in imported.unmapped)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('resource "harness_platform_workspace" "w" {\n  name = \n}\n', "not valid HCL: line 2"),
        ('resource "harness_platform_workspace" "w" {\n  name = "x"\n', "not valid HCL: line 3"),
        ('resource "harness_platform_workspace" "w" {\n\n  name = "x\n}\n', "HCL: line 3"),
        (
            '{\n  "name": "x",\n  "identifier" "y"\n}',
            "could not be read: Expecting ':' delimiter (line 3",
        ),
        ('{"name": 1}', "Nothing in the code could be used"),
        ("[1, 2]", "Expected a JSON object"),
    ],
)
def test_a_paste_that_cannot_be_read_says_why_and_where(text, says):
    with pytest.raises(CodeRefused) as refused:
        read(text)

    assert says in refused.value.message


def test_the_form_puts_a_refusal_on_the_code_field_and_keeps_the_lines():
    form = CodeForm({"code": 'resource "harness_platform_workspace" "w" {\n  name = var.n\n}'},
                    org="default", project="infra")  # fmt: skip

    assert not form.is_valid()
    assert form.errors["code"][0].startswith("Nothing in the code could be used")
    assert [line.number for line in form.lines] == [2]
    assert not CodeForm({"code": ""}, org="default", project="infra").is_valid()


@pytest.mark.parametrize(
    ("data", "autosave", "expected"),
    [
        ({"action": "code"}, False, True),
        ({"action": "next", "source": "code", "code": "x"}, False, True),
        ({"source": "code", "code": "x"}, False, True),
        ({"action": "next", "source": "code", "code": "  "}, False, False),
        ({"action": "next", "source": "clone", "code": "x"}, False, False),
        ({"action": "back", "source": "code", "code": "x"}, False, False),
        ({"action": "enter", "source": "code", "code": "x"}, False, True),
        ({"action": "enter", "source": "code", "code": "x", "template-q": "vpc"}, False, False),
        ({"action": "code"}, True, False),
    ],
)
def test_which_posts_read_the_paste(data, autosave, expected):
    action = posted_action("template", data)
    assert code_requested(data, action, autosave=autosave) is expected


# An escaped `$${` keeps everything up to its `}` as written in python-hcl2: the quotes,
# backslashes and newlines inside are resolved here as anywhere else in the string.
@pytest.mark.parametrize(
    "value",
    [
        '${FOO:-"bar"}',
        "${a\nb}",
        '%{"}',
        "x\\y ${z\\w}",
        "$${already} %%{doubled}",
        "90%${unit} $%{x}",
        "ends with a newline\n",
        "line1\nline2",
    ],
)
def test_an_exported_value_with_template_sequences_reads_back_the_same(value):
    from workspaces.export import workspace_export

    body = {
        "identifier": "odd",
        "name": "odd",
        "provisioner": "opentofu",
        "description": value,
        "terraform_variables": {"q": {"key": "q", "value": value, "value_type": "string"}},
    }
    text = workspace_export(
        body=body, org="default", project="infra", account_id="a",
        download=("draft_export", ["00000000-0000-0000-0000-000000000000"]),
    ).hcl  # fmt: skip

    imported = read(text)

    assert imported.body["description"] == value
    assert imported.body["terraform_variables"]["q"]["value"] == value
    assert imported.unmapped == ()


@pytest.mark.parametrize("value", ["echo ${HOME", "costs 100%{", "${"])
def test_an_exported_value_with_an_unclosed_sequence_pastes_back(value):
    # Written `$${` / `%%{`, python-hcl2 read on to the next `}`: the whole export was refused.
    from workspaces.export import workspace_export

    body = {"identifier": "w", "name": "w", "provisioner": "opentofu", "description": value}
    hcl = workspace_export(
        body=body, org="default", project="infra", account_id="a",
        download=("draft_export", ["00000000-0000-0000-0000-000000000000"]),
    ).hcl  # fmt: skip

    imported = read_code(hcl, org="default", project="infra")

    assert imported.body["description"] == value
    assert imported.unmapped == ()


@pytest.mark.parametrize(
    ("written", "value"),
    [("$${HOME}", "${HOME}"), ("%%{ if x }", "%{ if x }"), ("$$${x}", "$${x}"), ("$\\u007b", "${")],
)
def test_a_hand_written_escape_reads_as_terraform_reads_it(written, value):
    imported = read(RESOURCE.replace("$${not_a_ref}", written))

    assert imported.body["description"] == f'VPC "payments" {value}'


def test_a_literal_dollar_brace_never_closed_is_refused_with_its_line():
    text = RESOURCE.replace('"VPC \\"payments\\" $${not_a_ref}"', '"costs 100%%{"')

    with pytest.raises(CodeRefused) as refused:
        read(text)

    assert refused.value.message.startswith("Line 6 has a $${ or %%{ with no } after it")


def test_a_line_separator_inside_a_value_does_not_shift_the_lines_listed():
    text = RESOURCE.replace("$${not_a_ref}", "first\u2028second").replace(
        '  repository_path         = "vpc/dev"\n',
        '  repository_path         = "vpc/dev"\n  colour                  = "blue"\n',
    )

    (line,) = read(text).unmapped

    assert (line.number, line.text) == (14, 'colour                  = "blue"')


def test_a_repeated_tag_key_or_a_second_colon_is_listed_not_dropped():
    text = RESOURCE.replace('["team:payments", "env:dev", "pci"]', '["a:1", "a:2", "k:v:w", "b"]')

    imported = read(text)

    assert imported.body["tags"] == {"a": "1", "b": ""}
    assert [line.reason for line in imported.unmapped] == [
        "tags: a is set twice; the first value is used.",
        "tags: k:v:w has more than one colon; the provider would cut it.",
    ]


def test_values_the_wizard_would_not_read_are_listed_not_counted_as_used():
    text = json.dumps(
        {
            "name": "x",
            "repository_branch": "main",
            "repository_sha": "abc123",
            "budget": 100,
            "terragrunt_version": "0.45.0",
            "run_all": True,
        },
        indent=2,
    )

    imported = read(text)

    assert imported.body == {"name": "x", "repository_sha": "abc123"}
    assert imported.mapped == 2
    assert [(line.number, line.reason) for line in imported.unmapped] == [
        (3, "repository_branch: one of branch, tag or commit is followed: repository_sha."),
        (5, "budget: used only with cost estimation on (cost_estimation_enabled)."),
        (6, "terragrunt_version: used only with Terragrunt on (terragrunt_provider)."),
        (7, "run_all: used only with Terragrunt on (terragrunt_provider)."),
    ]


def test_a_resource_with_a_branch_and_a_tag_follows_the_tag_and_lists_the_branch():
    text = RESOURCE.replace(
        '  repository_commit       = "v1.2.0"\n',
        '  repository_commit       = "v1.2.0"\n  repository_branch       = "main"\n',
    )

    imported = read(text)

    assert imported.body["repository_commit"] == "v1.2.0"
    assert "repository_branch" not in imported.body
    assert [(line.number, line.reason) for line in imported.unmapped] == [
        (13, "repository_branch: one of branch, tag or commit is followed: repository_commit.")
    ]


def test_a_key_twice_in_a_block_or_a_labelled_block_is_listed_as_terraform_would_refuse_it():
    region = '    value      = "eu-west-1"\n'
    text = RESOURCE.replace(region, region + '    value      = "us-east-1"\n').replace(
        "  connector {", '  connector "vault" {'
    )

    imported = read(text)

    assert imported.body["terraform_variables"]["region"]["value"] == "eu-west-1"
    assert "provider_connectors" not in imported.body
    assert [(line.number, line.reason) for line in imported.unmapped] == [
        (20, "value is set twice; the first is used."),
        (30, "A connector block takes no label (connector {): not read."),
    ]


def test_a_variable_key_with_a_dash_is_listed_with_why_it_is_not_used():
    # Harness takes "-" in a key but does not give it back (contract §2.4): not mapped.
    text = RESOURCE.replace('key        = "region"', 'key        = "my-var"')

    imported = read(text)

    assert "terraform_variables" not in imported.body
    assert [(line.number, line.reason) for line in imported.unmapped] == [
        (
            17,
            "terraform_variable: the key must start with a letter or _ and use only letters, "
            "digits and _ (not -: Harness does not give a key with - back).",
        )
    ]


def test_a_variable_key_ending_in_a_newline_is_listed_not_used():
    """A `$`-anchored pattern's `match` let "region\n" through as a key (Python's `$` also
    matches before a final newline): the draft held a key the steps then showed cut."""
    text = RESOURCE.replace('key        = "region"', 'key        = "region\\n"')

    imported = read(text)

    assert "terraform_variables" not in imported.body
    assert [line.number for line in imported.unmapped] == [17]
    assert "the key must start with a letter" in imported.unmapped[0].reason


def test_an_attribute_a_block_does_not_have_is_listed_with_its_line():
    code = (
        'resource "harness_platform_workspace" "w" {\n'
        '  name = "w"\n'
        "  terraform_variable {\n"
        '    key        = "k"\n'
        '    value      = "v"\n'
        '    value_type = "string"\n'
        "    sensitive  = true\n"
        "  }\n"
        "  connector {\n"
        '    connector_ref       = "account.aws_prod"\n'
        '    type                = "aws"\n'
        "    terragrunt_provider = true\n"
        "  }\n"
        "  associated_template {\n"
        '    template_id = "aws_service"\n'
        '    version     = "v2"\n'
        "    mode        = var.mode\n"
        "  }\n"
        "}\n"
    )

    imported = read(code)

    # The provider's blocks have neither `sensitive` nor a connector terragrunt_provider (the
    # JSON body's is listed as "The wizard does not set this"), nor a template `mode`: Terraform
    # refuses them. The rest of each block is used.
    lines = {line.number: line.reason for line in imported.unmapped}
    assert lines == {
        7: "sensitive is not an attribute of terraform_variable blocks (they have key, value, "
        "value_type).",
        12: "terragrunt_provider of a connector: The wizard does not set this; add it in Harness "
        "once the workspace exists. (The resource's connector block has no such attribute: "
        "Terraform would refuse it.)",
        17: "mode is not an attribute of associated_template blocks (they have template_id, "
        "version).",
    }
    assert imported.body["terraform_variables"] == {
        "k": {"key": "k", "value": "v", "value_type": "string"}
    }
    assert imported.body["provider_connectors"] == [
        {"connector_ref": "account.aws_prod", "type": "aws"}
    ]
    assert imported.template_link == {"template_id": "aws_service", "version": "v2"}


def test_an_empty_tag_or_commit_does_not_win_over_a_branch():
    # The shape of a Harness answer: every ref field present, the ones not followed empty.
    refs = {"repository_branch": "main", "repository_commit": "", "repository_sha": ""}
    text = json.dumps({"name": "x", **refs, "terragrunt_version": "", "run_all": False})

    imported = read(text)

    assert imported.body["repository_branch"] == "main"
    assert imported.unmapped == ()


def test_an_unclosed_escape_that_parses_is_refused_not_read_into_the_next_attribute():
    # python-hcl2 reads `$${` up to the next `}`, here in the next line's string.
    text = RESOURCE.replace("$${not_a_ref}", "use $${HOME").replace('"vpc/dev"', '"a}"')

    with pytest.raises(CodeRefused) as refused:
        read(text)

    assert refused.value.message.startswith("Line 6 has a $${ or %%{ with no } after it")


def test_tags_that_are_all_refused_are_not_counted_as_used():
    text = 'resource "harness_platform_workspace" "w" {\n  name = "w"\n  tags = ["a:b:c"]\n}\n'

    imported = read(text)

    assert "tags" not in imported.body and imported.mapped == 1


def test_each_text_of_a_list_is_read_from_its_own_string():
    import hcl2

    from workspaces.wizard.hcl_literals import literal

    attribute = hcl2.parses('a = [1, null, "x $${y\\"}", "z"]\n').body.children[0]

    assert literal(attribute) == ("", [1, None, 'x ${y"}', "z"])


def test_the_values_a_paste_states_are_its_own_even_when_an_empty_paste_gives_them_too():
    from workspaces.wizard.code_prefill import pasted_values

    imported = read(
        'resource "harness_platform_workspace" "w" {\n  name = "w"\n'
        '  provisioner_type = "opentofu"\n  repository_branch = "main"\n'
        "  cost_estimation_enabled = false\n}\n"
    )

    pasted = pasted_values(imported, code_prefill(imported))

    assert pasted["provisioner"] == {"provisioner": "opentofu", "cost_estimation_enabled": False}
    assert pasted["repository"] == {"fetch_type": "branch", "branch": "main"}
    assert pasted["basics"]["name"] == "w" and "description" not in pasted["basics"]
    # No variable block: no variables, as the provider sends `{}` (never the template's).
    assert pasted["variables"] == {"terraform": [], "environment": []}


def test_a_variable_a_linked_template_locks_to_another_value_is_listed_not_counted_as_used():
    from workspaces.wizard.code_prefill import locked_out
    from workspaces.wizard.prefill import Prefill

    imported = read(RESOURCE)
    locked = {
        "variables.terraform.region": {"value": "us-east-1", "value_type": "string"},
        "variables.environment.TF_TOKEN": {"value": "account.tf_token", "value_type": "secret"},
    }

    found = locked_out(imported, Prefill(code_prefill(imported).values, locked))

    # The region the template locks is put back (`prefill.apply_locks`); TF_TOKEN is the same.
    assert {line.number: line.reason for line in found.unmapped} == {
        17: 'terraform_variable region: locked by the template to "us-east-1" (string); '
        "the template's value is used."
    }
    assert found.mapped == imported.mapped - 1


def test_a_link_to_an_account_or_org_template_is_a_line_not_used():
    code = (
        'resource "harness_platform_workspace" "w" {\n'
        '  name = "w"\n'
        "  associated_template {\n"
        '    template_id = "account.aws_service"\n'
        '    version     = "v2"\n'
        "  }\n"
        "}\n"
    )

    imported = read(code)

    assert not imported.template_link
    assert unmapped(code) == {
        3: "associated_template: template_id names an account or org template. Harness links "
        "only a template of this project: an account or org template can be copied, not linked."
    }


@pytest.mark.parametrize(
    ("opening", "reason"),
    [
        (
            'dynamic "connector" {',
            "A dynamic block (Terraform works it out); write each connector block out.",
        ),
        (
            'dynamic "colour" {',
            "A dynamic block: colour is not a block of harness_platform_workspace.",
        ),
        (
            'dynamic "variable_sets" {',
            "variable_sets: The wizard does not set this; add it in Harness once the workspace "
            "exists.",
        ),
        (
            "dynamic {",
            'A dynamic block takes one label, the block it writes (dynamic "terraform_variable" '
            "{): not read.",
        ),
    ],
)
def test_a_dynamic_block_is_listed_with_the_block_it_writes(opening, reason):
    code = f'resource "harness_platform_workspace" "w" {{\n  name = "w"\n  {opening}\n  }}\n}}\n'

    assert unmapped(code) == {3: reason}
