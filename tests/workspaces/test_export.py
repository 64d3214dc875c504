"""Export as code: the Terraform resource parsed back with python-hcl2, the curl, the JSON body,
and the downloads, for requests (review) and workspaces (their page), against the fake."""

import base64
import json
import os
import pty
import re
import select
import shutil
import subprocess
import time

import hcl2
import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from tests.conftest import ACCOUNT, FULL_KEY, ORG_KEY, OTHER_KEY, READ_KEY
from tests.workspaces.test_drafts import (
    choose_template,
    existing_identifier,
    make_draft,
    valid_data,
)
from workspaces.clients import harness_client_for
from workspaces.export import (
    draft_export,
    harness_workspace_export,
    workspace_body,
    workspace_export,
)
from workspaces.export_terraform import ATTRIBUTES
from workspaces.models import WorkspaceDraft
from workspaces.wizard import drafts
from workspaces.wizard.from_code import read_code

pytestmark = pytest.mark.django_db

# The resource's attributes and nested blocks, as harness/terraform-provider-harness @cb1a059
# declares them (internal/service/platform/workspace/resource_workspace.go, ResourceWorkspace).
PROVIDER_ATTRIBUTES = {
    "identifier", "name", "org_id", "project_id", "description", "provisioner_type",
    "provisioner_version", "terragrunt_provider", "terragrunt_version", "run_all",
    "provider_connector", "repository", "repository_branch", "repository_commit", "repository_sha",
    "repository_connector", "repository_path", "cost_estimation_enabled", "terraform_variable",
    "environment_variable", "terraform_variable_file", "default_pipelines", "variable_sets",
    "connector", "associated_template", "provisioner_config", "tags",
}  # fmt: skip
KEYS = (FULL_KEY, READ_KEY, ORG_KEY, OTHER_KEY)


def _literal(value):
    """An HCL value as python-hcl2 gives it (quotes and escapes kept) back to the plain value (the
    export writes a literal `${` / `%{` as `$\\u007b` / `%\\u007b`, which JSON reads too)."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    if isinstance(value, list):
        return [_literal(item) for item in value]
    if isinstance(value, dict):
        return {_literal(k): _literal(v) for k, v in value.items() if k != "__is_block__"}
    return value


def parse(text: str) -> tuple[str, dict, list[str]]:
    """(resource name, its attributes and blocks, the comment lines) of an exported .tf."""
    tree = hcl2.loads(text)
    (resource,) = tree["resource"]
    ((kind, named),) = resource.items()
    ((name, body),) = named.items()
    assert _literal(kind) == "harness_platform_workspace"
    return _literal(name), _literal(body), [c["value"] for c in tree.get("__comments__", [])]


def seeded(client, predicate):
    """A seeded workspace of default/infra for which `predicate(workspace)` holds."""
    for item in client.list_workspaces(org="default", project="infra", limit=100).items:
        workspace = client.get_workspace(org="default", project="infra", identifier=item.identifier)
        if predicate(workspace):
            return workspace
    raise AssertionError("the fake seeds no such workspace in default/infra")


def _draft_hcl(body: dict, *, org: str = "o", project: str = "p") -> str:
    """The .tf of a request's export (a draft's download link)."""
    return workspace_export(
        body=body, org=org, project=project, account_id="a",
        download=("draft_export", ["00000000-0000-0000-0000-000000000000"]),
    ).hcl  # fmt: skip


def test_a_scratch_request_exports_every_field_under_the_providers_names(user_with_key, fake):
    draft = make_draft(user_with_key)

    name, resource, comments = parse(draft_export(draft=draft, account_id=ACCOUNT).hcl)

    assert name == "pay_vpc_dev"
    assert set(resource) <= PROVIDER_ATTRIBUTES
    assert {k: v for k, v in resource.items() if not isinstance(v, list)} == {
        "org_id": "default",
        "project_id": "infra",
        "identifier": "pay_vpc_dev",
        "name": "pay-vpc-dev",
        "description": "VPC for payments",
        "provisioner_type": "opentofu",
        "provisioner_version": "1.10.6",
        "provider_connector": "account.aws_prod",
        "repository": "infra-live",
        "repository_connector": "account.github_acme",
        "repository_branch": "main",
        "repository_path": "vpc/dev",
        "cost_estimation_enabled": False,
    }
    assert resource["tags"] == ["team:payments", "env:dev"]
    assert resource["terraform_variable"] == [
        {"key": "region", "value": "eu-west-1", "value_type": "string"}
    ]
    # A secret variable holds its reference, as the provider documents it.
    assert resource["environment_variable"] == [
        {"key": "TF_TOKEN", "value": "account.tf_token", "value_type": "secret"}
    ]
    assert resource["connector"] == [
        {"connector_ref": "account.aws_prod", "type": "aws"},
        {"connector_ref": "account.vault_main", "type": "vault"},
    ]
    assert "associated_template" not in resource
    assert not [c for c in comments if "Not managed" in c]
    assert any("terraform import harness_platform_workspace.pay_vpc_dev" in c for c in comments)


def test_a_linked_template_request_links_it_and_leaves_the_locked_fields_to_it(user_with_key, fake):
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    drafts.draft_save_step(draft=draft, step="basics", values=valid_data()["basics"])
    draft = choose_template(draft, "linked").draft

    _name, resource, _comments = parse(draft_export(draft=draft, account_id=ACCOUNT).hcl)

    assert resource["associated_template"] == [{"template_id": "k8s_namespace", "version": "v1"}]
    assert resource["provisioner_type"] == "opentofu"  # required: the template's own type
    inherited = {"provisioner_version", "connector", "repository"}
    inherited |= {"repository_connector", "repository_branch", "repository_path"}
    assert not inherited & resource.keys()


def test_a_clone_exports_the_copied_settings_under_its_own_identifier(user_with_key, fake):
    client = harness_client_for(user_with_key)
    source = seeded(client, lambda w: w.repository_branch and w.terraform_variables)
    draft = drafts.draft_create(owner=user_with_key, org="default", project="infra")
    drafts.draft_save_step(draft=draft, step="basics", values={**valid_data()["basics"]})
    draft = drafts.draft_save_step(
        draft=draft,
        step="template",
        values={"source": "clone", "clone_identifier": source.identifier},
        client=client,
    ).draft

    _name, resource, _comments = parse(draft_export(draft=draft, account_id=ACCOUNT).hcl)

    assert resource["identifier"] == "pay_vpc_dev"
    assert resource["repository"] == source.repository
    assert resource["repository_branch"] == source.repository_branch
    assert resource["provisioner_type"] == source.provisioner
    assert {v["key"] for v in resource["terraform_variable"]} == set(source.terraform_variables)
    assert "associated_template" not in resource


def test_a_terragrunt_request_sets_the_providers_terragrunt_attributes(user_with_key, fake):
    draft = make_draft(
        user_with_key,
        provisioner__terragrunt=True,
        provisioner__terragrunt_version="0.80.4",
        provisioner__run_all=True,
    )

    _name, resource, _comments = parse(draft_export(draft=draft, account_id=ACCOUNT).hcl)

    assert resource["terragrunt_provider"] is True
    assert resource["terragrunt_version"] == "0.80.4"
    assert resource["run_all"] is True
    assert resource["provisioner_type"] == "opentofu"  # the tool Terragrunt runs


def test_a_terragrunt_workspace_page_downloads_its_resource(signed_in_with_key, user_with_key):
    workspace = seeded(harness_client_for(user_with_key), lambda w: w.terragrunt_provider)
    url = reverse("workspace_export", args=["default", "infra", workspace.identifier, "tf"])

    response = signed_in_with_key.get(url)

    assert response["Content-Disposition"] == f'attachment; filename="{workspace.identifier}.tf"'
    _name, resource, _comments = parse(response.content.decode())
    assert resource["terragrunt_provider"] is True
    assert resource["terragrunt_version"] == workspace.terragrunt_version
    assert resource["identifier"] == workspace.identifier


def test_a_linked_workspace_page_exports_its_template_link(signed_in_with_key, user_with_key):
    workspace = seeded(harness_client_for(user_with_key), lambda w: w.associated_template)

    page = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "infra", workspace.identifier])
    )

    _name, resource, comments = parse(page.context["export"].hcl)
    assert resource["associated_template"] == [
        {
            "template_id": workspace.associated_template.template_id,
            "version": workspace.associated_template.version,
        }
    ]
    assert any("locks are left out: the workspace inherits them" in c for c in comments)


# The fields k8s_namespace (every version) locks: its provisioner block (with the additional
# provider connectors, not the main one), its repository block and its default pipelines (the
# fake's seed).
TEMPLATE_LOCKED = {
    "provisioner_version", "provider_connectors", "repository", "repository_connector",
    "repository_branch", "repository_commit", "repository_sha", "repository_path",
    "repository_submodules", "default_pipelines",
}  # fmt: skip
RESOURCE_LOCKED = {
    "provisioner_version", "connector", "repository", "repository_connector",
    "repository_branch", "repository_commit", "repository_sha", "repository_path",
    "default_pipelines",
}  # fmt: skip


def test_a_linked_workspaces_api_call_is_not_refused_for_its_templates_locks(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded(client, lambda w: w.associated_template is not None)
    script = harness_workspace_export(workspace=workspace, account_id=ACCOUNT, client=client).curl
    script = script.replace(f'"identifier": "{workspace.identifier}"', '"identifier": "again_ws"')

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HARNESS_API_KEY": FULL_KEY}
    run = subprocess.run(["sh"], input=script, env=env, capture_output=True, text=True, timeout=20)

    assert "Attempted to update locked fields" not in run.stdout, run.stdout
    assert run.returncode == 0, run.stdout
    again = client.get_workspace(org="default", project="infra", identifier="again_ws")
    assert again.repository == workspace.repository  # inherited from the template


def test_a_linked_workspaces_three_forms_leave_out_what_its_template_locks(user_with_key, fake):
    client = harness_client_for(user_with_key)
    workspace = seeded(client, lambda w: w.associated_template is not None)

    export = harness_workspace_export(workspace=workspace, account_id=ACCOUNT, client=client)

    body = json.loads(export.body_json)
    assert not TEMPLATE_LOCKED & body.keys()
    # The main connector is the workspace's own: a locked provisioner does not lock it.
    assert body["provider_connector"] == workspace.provider_connector != ""
    assert body["provisioner"] == workspace.provisioner  # required: the template's own
    _name, resource, _comments = parse(export.hcl)
    assert not RESOURCE_LOCKED & resource.keys()
    assert resource["provider_connector"] == workspace.provider_connector
    assert resource["provisioner_type"] == workspace.provisioner
    assert export.curl.count(json.dumps(body, indent=2)) == 1
    link = workspace.associated_template
    said = f"fields the template {link.template_id} {link.version} locks are left out"
    assert said in _comment_text(export.hcl)
    assert said in _notes_text(export.curl)
    assert export.notice == ""


def test_a_linked_workspaces_export_says_when_its_templates_locks_cannot_be_read(
    signed_in_with_key, user_with_key, fake
):
    client = harness_client_for(user_with_key)
    workspace = seeded(client, lambda w: w.associated_template is not None)
    fake.inject("v1.templates.version", status=503, times=10)

    export = harness_workspace_export(workspace=workspace, account_id=ACCOUNT, client=client)
    page = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "infra", workspace.identifier])
    )

    # The whole body, as Harness holds it, and in every form the warning.
    assert json.loads(export.body_json) == workspace_body(workspace)
    said = "locks could not be determined, so they are not left out"
    assert said in export.notice
    assert said in _comment_text(export.hcl)
    assert said in _notes_text(export.curl)
    assertContains(page, said)


def test_a_linked_workspaces_import_advice_does_not_replace_it(user_with_key, fake):
    # terraform-provider-harness @cb1a059: `template_id` is ForceNew, and read sets
    # `associated_template` only when the state has it (a fresh import has none), so the first
    # apply after `terraform import` would destroy and recreate the workspace.
    client = harness_client_for(user_with_key)
    workspace = seeded(client, lambda w: w.associated_template is not None)
    hcl = harness_workspace_export(workspace=workspace, account_id=ACCOUNT, client=client).hcl
    _name, resource, comments = parse(hcl)
    assert "associated_template" in resource
    assert any("terraform import" in c for c in comments)
    # The lifecycle block itself, not the note about it (which always says "replaces").
    (lifecycle,) = resource["lifecycle"]
    assert lifecycle["ignore_changes"] == ["associated_template"], hcl


def test_the_resource_says_it_needs_the_harness_provider_configured_in_the_module():
    # No required_providers block of its own (a module already declaring the provider would
    # clash): without one, Terraform looks for hashicorp/harness, so the header names the source.
    text = _draft_hcl({"identifier": "w", "name": "w", "provisioner": "opentofu"})

    said = _comment_text(text)
    assert 'Harness provider (source "harness/harness") configured in the module' in said
    assert "required_providers" not in hcl2.loads(text).get("terraform", [{}])[0]


def _comment_text(text: str) -> str:
    """The `#` comment lines of an exported file as one text (they wrap long sentences)."""
    return " ".join(line[1:].strip() for line in text.splitlines() if line.startswith("#"))


def _notes_text(script: str) -> str:
    """The notes of an exported API call (the text given to `:` before the command), as one
    text, each quote as written in it."""
    notes = script.split("\ncurl ", 1)[0].removeprefix(": '").removesuffix("'")
    return " ".join(line.strip() for line in notes.replace("'\\''", "'").splitlines()).strip()


def test_strings_keep_quotes_backslashes_newlines_and_template_sequences_literal():
    tricky = 'say "hi" \\ ${var.x} %{ if true }\nnext\tline'
    body = {
        "identifier": "odd",
        "name": tricky,
        "description": "$${already} %%{doubled}",
        "provisioner": "opentofu",
        "tags": {"owner": "${team}"},
        "terraform_variables": {"q": {"key": "q", "value": tricky, "value_type": "string"}},
    }

    text = _draft_hcl(body)

    _name, resource, _comments = parse(text)
    assert resource["name"] == tricky
    assert resource["description"] == "$${already} %%{doubled}"
    assert resource["tags"] == ["owner:${team}"]
    assert resource["terraform_variable"][0]["value"] == tricky
    assert "${var.x}" not in text.replace("$${var.x}", "")  # never a live interpolation


@pytest.mark.parametrize(
    ("org", "identifier", "imported"),
    [
        ("acme$prod", "w", "acme$prod/infra/w"),  # `$` is allowed in an org's identifier
        ("o", "w'\n$(echo pwned)`id`", "o/infra/w' $(echo pwned)`id`"),  # as a draft holds it
    ],
)
def test_the_import_command_in_the_comment_runs_in_a_shell_as_written(org, identifier, imported):
    text = _draft_hcl({"identifier": identifier, "name": "w"}, org=org, project="infra")

    (line,) = [line for line in text.splitlines() if "terraform import" in line]
    command = line.removeprefix("#").replace("terraform import", "printf '%s\\n'", 1)
    run = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True)

    assert run.stdout.splitlines()[1:] == [imported]


def test_fields_without_an_attribute_are_listed_as_not_managed():
    body = {
        "identifier": "budgeted",
        "name": "budgeted",
        "provisioner": "opentofu",
        "repository_submodules": "recursive",
        "budget": 250.0,
        "prune_sensitive_data": True,
        "tags": {"url": "https://example.com", "team": "core"},
        "default_pipelines": {"plan": {"project_pipeline": "p", "workspace_pipeline": "w"}},
    }

    text = _draft_hcl(body)

    _name, resource, comments = parse(text)
    listed = "\n".join(comments)
    assert 'repository_submodules = "recursive"' in listed
    assert "budget = 250.0" in listed
    assert "prune_sensitive_data = true" in listed
    assert "url:https://example.com" in listed
    assert "default_pipelines.plan.project_pipeline" in listed
    assert resource["tags"] == ["team:core"]
    assert resource["default_pipelines"] == {"plan": "w"}
    assert set(resource) <= PROVIDER_ATTRIBUTES


# Terraform reads every string literal in Unicode NFC form (`terraform console`: "lab-\u212b" is
# "lab-\u00c5", "Re\u0301sume\u0301" is "R\u00e9sum\u00e9"): written as it is, such a text would
# create something other than the body.
NOT_NFC = {
    "identifier": "w",
    "name": "lab-\u212b",
    "description": "a plain ${HOME and 100%{ text",
    "provisioner": "opentofu",
    "repository": "infra-live",
    "repository_path": "docs/Re\u0301sume\u0301",
    "tags": {"team": "caf\u00e9", "owner": "Zo\u0308e"},
}


def test_a_text_terraform_would_change_is_listed_as_not_managed_not_written():
    body = {
        **NOT_NFC,
        "terraform_variables": {
            "greeting": {"key": "greeting", "value": "Cafe\u0301", "value_type": "string"},
            "region": {"key": "region", "value": "eu-west-1", "value_type": "string"},
        },
        "terraform_variable_files": [
            {"repository": "vars", "repository_connector": "c", "repository_path": "E\u0301.tfvars"}
        ],
        "variable_sets": ["set_\u212b", "shared"],
        "default_pipelines": {"plan": {"workspace_pipeline": "p\u212b"}},
    }

    text = _draft_hcl(body, org="default", project="infra")

    _name, resource, comments = parse(text)
    listed = "\n".join(comments)
    assert "Not managed by this resource" in listed
    assert 'name = "lab-\\u212b" (Terraform would change it' in listed
    assert 'repository_path = "docs/Re\\u0301sume\\u0301" (Terraform would change it' in listed
    assert 'tag "owner:Zo\\u0308e" (Terraform would change it' in listed
    assert 'terraform_variable "greeting" (Terraform would change it' in listed
    assert "name" not in resource and "repository_path" not in resource
    assert resource["tags"] == ["team:caf\u00e9"]  # already NFC: written
    assert [v["key"] for v in resource["terraform_variable"]] == ["region"]
    assert resource["repository"] == "infra-live"
    assert 'terraform_variable_file "vars" (Terraform would change it' in listed
    assert "terraform_variable_file" not in resource
    assert resource["variable_sets"] == ["shared"]
    assert 'variable_sets "set_\\u212b" (Terraform' in listed
    assert "default_pipelines.plan.workspace_pipeline (Terraform" in listed
    assert "default_pipelines" not in resource
    # Pasted back, each is a line not used, never a value Terraform would not create.
    imported = read_code(text, org="default", project="infra")
    assert "name" not in imported.body and "repository_path" not in imported.body
    assert sum("Terraform would change" in line.reason for line in imported.unmapped) == 7


@pytest.mark.skipif(not shutil.which("terraform"), reason="needs the terraform CLI")
def test_terraform_reads_every_exported_text_as_the_body_holds_it(tmp_path):
    text = _draft_hcl(NOT_NFC, org="default", project="infra")
    # The resource's attributes as locals (it has no blocks here), for `terraform console`.
    written = [line.split()[0] for line in text.splitlines() if line.startswith("  ")]
    (tmp_path / "main.tf").write_text(
        text.replace('resource "harness_platform_workspace" "w" {', "locals {")
    )
    expression = ", ".join(f"{name} = local.{name}" for name in written)

    evaluated = subprocess.run(
        ["terraform", "console", "-no-color"],
        input=f"base64encode(jsonencode({{ {expression} }}))\n",
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    read = json.loads(base64.b64decode(evaluated.strip().strip('"')))
    attributes = dict(ATTRIBUTES)
    expected = {attributes[f]: v for f, v in NOT_NFC.items() if f in attributes}
    expected |= {"org_id": "default", "project_id": "infra", "tags": ["team:caf\u00e9"]}
    assert read == {name: value for name, value in expected.items() if name in written}
    assert set(written) == set(expected) - {"name", "repository_path"}


def test_the_api_call_uses_harness_api_key_and_never_a_key(signed_in_with_key, user_with_key):
    workspace = seeded(harness_client_for(user_with_key), lambda w: w.environment_variables)
    args = ["default", "infra", workspace.identifier]

    page = signed_in_with_key.get(reverse("workspace_detail", args=args))
    script = signed_in_with_key.get(reverse("workspace_export", args=[*args, "sh"]))
    body = signed_in_with_key.get(reverse("workspace_export", args=[*args, "json"]))

    text = script.content.decode()
    assert "-H @/dev/fd/3" in text
    assert "\nx-api-key: $HARNESS_API_KEY\nHEADER" in text  # a header read from fd 3
    assert f"-H 'Harness-Account: {ACCOUNT}'" in text
    assert "/iacm/api/orgs/default/projects/infra/workspaces " in text
    for response in (page, script, body):
        content = response.content.decode()
        for key in KEYS:
            assert key not in content
            assert key.rsplit(".", 1)[-1] not in content  # nor its secret part
    assert json.loads(body.content) == workspace_body(workspace)
    assert script["Content-Disposition"] == f'attachment; filename="{workspace.identifier}.sh"'


@pytest.mark.parametrize(("started_in", "named"), [("OtherAcct02", "OtherAcct02"), ("", ACCOUNT)])
def test_the_exported_api_call_targets_the_account_the_request_was_started_in(
    signed_in_with_key, user_with_key, started_in, named
):
    draft = make_draft(user_with_key)
    # Started with a key for another account, since replaced; "" for a request older than the
    # field, which has only the key's account to go by.
    draft.account_id = started_in
    draft.save(update_fields=["account_id"])

    script = signed_in_with_key.get(reverse("draft_export", args=[draft.pk, "sh"]))
    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))

    assert f"-H 'Harness-Account: {named}'" in script.content.decode()
    assertContains(review, f"Harness-Account: {named}")
    if named != ACCOUNT:
        assert ACCOUNT not in script.content.decode()


def test_the_exported_api_call_creates_the_workspace_in_harness(user_with_key, fake):
    draft = make_draft(user_with_key, basics__identifier="from_curl", basics__name="from-curl")
    script = draft_export(draft=draft, account_id=ACCOUNT).curl

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HARNESS_API_KEY": FULL_KEY}
    run = subprocess.run(["sh"], input=script, env=env, capture_output=True, text=True, timeout=20)

    assert run.returncode == 0, run.stderr
    created = harness_client_for(user_with_key).get_workspace(
        org="default", project="infra", identifier="from_curl"
    )
    assert created.name == "from-curl"
    assert created.environment_variables["TF_TOKEN"].value == "account.tf_token"


def test_the_exported_api_call_never_puts_the_key_on_curls_command_line(user_with_key, tmp_path):
    """A command's arguments are readable by every user of the machine (`ps`,
    `/proc/<pid>/cmdline`): `-H "x-api-key: $HARNESS_API_KEY"` showed the key to all of them."""
    shim = tmp_path / "curl"
    shim.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$ARGV_FILE"\ncat > /dev/null\n')
    shim.chmod(0o755)
    script = draft_export(draft=make_draft(user_with_key), account_id=ACCOUNT).curl
    env = {
        "PATH": f"{tmp_path}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HARNESS_API_KEY": FULL_KEY,
        "ARGV_FILE": str(tmp_path / "argv"),
    }

    subprocess.run(["sh"], input=script, env=env, capture_output=True, text=True, timeout=20)

    argv = (tmp_path / "argv").read_text()
    assert "--data-binary" in argv  # the script ran curl
    assert FULL_KEY.rsplit(".", 1)[1] not in argv


def _curl_shim(tmp_path) -> dict[str, str]:
    """An environment whose `curl` only says it ran (on standard error) and reads its input."""
    shim = tmp_path / "curl"
    shim.write_text("#!/bin/sh\necho CURL-RAN >&2\ncat > /dev/null\n")
    shim.chmod(0o755)
    return {"PATH": f"{tmp_path}:{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": str(tmp_path)}


# What a shell says of a pasted line it reads as something else than was meant: a `#` line run as
# a command (zsh without interactive_comments, its default), an apostrophe that opens a quote, a
# `!` taken for a history event (`#!/bin/sh`).
PASTE_ERRORS = ("command not found", "unmatched", "event not found", "parse error")


@pytest.mark.skipif(not shutil.which("zsh"), reason="needs zsh (macOS's default shell)")
def test_the_copied_api_call_runs_when_pasted_into_zsh(user_with_key, tmp_path):
    shim = tmp_path / "curl"
    shim.write_text("#!/bin/sh\necho CURL-RAN >&2\ncat > /dev/null\n")
    shim.chmod(0o755)
    copied = draft_export(draft=make_draft(user_with_key), account_id=ACCOUNT).curl.strip()
    env = {"PATH": f"{tmp_path}:{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": str(tmp_path)}
    run = subprocess.run(
        ["zsh", "-f", "-i"], input=copied + "\n", env=env, capture_output=True, text=True,
        timeout=20,
    )  # fmt: skip
    assert "CURL-RAN" in run.stderr, run.stderr[-600:]
    assert not [said for said in PASTE_ERRORS if said in run.stderr], run.stderr[-600:]


@pytest.mark.parametrize(
    "shell",
    [
        pytest.param(["bash", "--norc", "--noprofile", "-i"], id="bash"),
        pytest.param(
            ["zsh", "-f", "-i"],
            id="zsh",
            marks=pytest.mark.skipif(not shutil.which("zsh"), reason="needs zsh"),
        ),
    ],
)
def test_a_copied_api_call_with_quotes_and_bangs_in_its_notes_runs_pasted_into_a_shell(
    user_with_key, tmp_path, shell
):
    # The notes quote the request's identifier, and a template's locks note quotes its id and
    # Harness's words: any text a draft holds.
    draft = make_draft(user_with_key, basics__identifier="it's_mine!now")
    copied = draft_export(draft=draft, account_id=ACCOUNT).curl.strip()

    run = subprocess.run(
        shell, input=copied + "\n", env=_curl_shim(tmp_path), capture_output=True, text=True,
        timeout=20,
    )  # fmt: skip

    assert "CURL-RAN" in run.stderr, run.stderr[-600:]
    assert not [said for said in PASTE_ERRORS if said in run.stderr], run.stderr[-600:]


@pytest.mark.skipif(not shutil.which("zsh"), reason="needs zsh (macOS's default shell)")
def test_the_copied_api_call_runs_when_pasted_into_a_zsh_terminal(user_with_key, tmp_path):
    """As a terminal pastes it: bracketed paste puts the whole text in zsh's line editor, which
    reads it at once when Enter is pressed (an option set by its first line would be too late)."""
    copied = draft_export(draft=make_draft(user_with_key), account_id=ACCOUNT).curl.strip()
    fd, terminal = pty.openpty()
    zsh = subprocess.Popen(
        ["zsh", "-f", "-i"], stdin=terminal, stdout=terminal, stderr=terminal,
        env={**_curl_shim(tmp_path), "TERM": "xterm"}, start_new_session=True,
    )  # fmt: skip
    os.close(terminal)
    seen = b""

    def read_until(wanted: bytes, seconds: float) -> None:
        nonlocal seen
        end = time.monotonic() + seconds
        while wanted not in seen and time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    return

    try:
        read_until(b"\x1b[?2004h", 5)  # the line editor is ready, in bracketed paste mode
        os.write(fd, b"\x1b[200~" + copied.encode() + b"\x1b[201~\r")
        read_until(b"CURL-RAN", 10)
    finally:
        zsh.kill()
        zsh.wait()
        os.close(fd)
    said = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode(errors="replace"))  # no colours
    assert "CURL-RAN" in said, said[-600:]
    assert not [error for error in PASTE_ERRORS if error in said], said[-600:]


def test_the_copied_api_call_has_no_line_a_pasting_shell_misreads(user_with_key):
    """What the tests above rely on, checked without zsh: no `#` line (interactive zsh runs it
    as a command), and the notes one single-quoted text given to `:`, the no-op command, where
    neither a quote (each written as `'\\''`) nor a `!` nor a `$` is read."""
    draft = make_draft(user_with_key, basics__identifier="it's_mine!now")

    copied = draft_export(draft=draft, account_id=ACCOUNT).curl.strip()

    assert not [line for line in copied.splitlines() if line.lstrip().startswith("#")]
    notes, command = copied.split("\ncurl ", 1)
    assert re.fullmatch(r": '(?:[^']|'\\'')*'", notes, flags=re.DOTALL), notes
    assert "'" not in notes[3:-1].replace("'\\''", "")
    assert "!" not in command.split("<<'JSON'")[0]  # the command line itself; JSON is a heredoc
    assert "it's_mine!now" in _notes_text(copied)


def test_the_exported_api_call_exits_non_zero_when_harness_refuses_it(user_with_key, fake):
    taken = existing_identifier(harness_client_for(user_with_key))
    draft = make_draft(user_with_key, basics__identifier=taken)
    script = draft_export(draft=draft, account_id=ACCOUNT).curl

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HARNESS_API_KEY": FULL_KEY}
    run = subprocess.run(["sh"], input=script, env=env, capture_output=True, text=True, timeout=20)

    assert "already exists" in run.stdout  # Harness's answer (409) is still shown
    assert run.returncode == 22  # curl's exit status for an HTTP error


def test_a_newline_in_a_draft_value_cannot_end_the_scripts_comment(user_with_key, fake):
    # A draft stores what was typed, valid or not; its export must still be a harmless script.
    draft = make_draft(user_with_key, basics__identifier="x\ntouch pwned")

    script = draft_export(draft=draft, account_id=ACCOUNT).curl

    assert not [line for line in script.splitlines() if line.startswith("touch")]
    assert "x touch pwned" in script.splitlines()[1]


def test_the_review_and_the_workspace_page_show_the_export(signed_in_with_key, user_with_key):
    draft = make_draft(user_with_key)
    workspace = seeded(harness_client_for(user_with_key), lambda w: True)

    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))
    detail = signed_in_with_key.get(
        reverse("workspace_detail", args=["default", "infra", workspace.identifier])
    )

    assertContains(review, 'id="export-tf"')
    assertContains(review, f'href="{reverse("draft_export", args=[draft.pk, "json"])}"')
    assertContains(review, 'data-copy-target="export-sh"')
    assertContains(detail, "resource &quot;harness_platform_workspace&quot;")
    assertContains(detail, "x-api-key: $HARNESS_API_KEY")
    tf_url = reverse("workspace_export", args=["default", "infra", workspace.identifier, "tf"])
    assertContains(detail, f'href="{tf_url}" download="{workspace.identifier}.tf"')


def test_a_request_downloads_for_its_owner_only(
    client, signed_in_with_key, user_with_key, other_user
):
    draft = make_draft(user_with_key)
    url = reverse("draft_export", args=[draft.pk, "json"])

    mine = signed_in_with_key.get(url)
    client.force_login(other_user)
    theirs = client.get(url)

    assert json.loads(mine.content)["identifier"] == "pay_vpc_dev"
    assert mine["Content-Disposition"] == 'attachment; filename="pay_vpc_dev.json"'
    assert theirs.status_code == 404


def test_unknown_forms_and_workspaces_are_not_found(signed_in_with_key, user_with_key):
    draft = make_draft(user_with_key)

    odd_form = signed_in_with_key.get(reverse("draft_export", args=[draft.pk, "yaml"]))
    missing = signed_in_with_key.get(
        reverse("workspace_export", args=["default", "infra", "no_such_ws", "tf"])
    )
    post = signed_in_with_key.post(reverse("draft_export", args=[draft.pk, "tf"]))

    assert odd_form.status_code == 404
    assert missing.status_code == 404
    assert post.status_code == 405
    assert WorkspaceDraft.objects.filter(pk=draft.pk).exists()


def test_the_exported_text_is_escaped_on_the_page(signed_in_with_key, user_with_key):
    draft = make_draft(user_with_key, basics__description="<script>alert(1)</script>")

    review = signed_in_with_key.get(reverse("draft_review", args=[draft.pk]))

    assert b"<script>alert(1)</script>" not in review.content
    assertContains(review, "= &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;")


def test_a_change_request_has_no_export_of_its_own(signed_in_with_key, user_with_key):
    draft = make_draft(user_with_key)
    draft.kind = WorkspaceDraft.Kind.EDIT
    draft.save(update_fields=["kind"])

    response = signed_in_with_key.get(reverse("draft_export", args=[draft.pk, "tf"]))

    assert response.status_code == 404  # the workspace's page exports it


def test_a_variable_file_always_has_the_two_attributes_the_block_requires():
    body = {
        "identifier": "files",
        "name": "files",
        "provisioner": "opentofu",
        "terraform_variable_files": [
            {"repository": "vars", "repository_branch": "main", "repository_path": "dev.tfvars"}
        ],
    }

    text = _draft_hcl(body)

    _name, resource, _comments = parse(text)
    # resource_workspace.go: repository and repository_connector are Required in the block.
    assert resource["terraform_variable_file"] == [
        {
            "repository": "vars",
            "repository_connector": "",
            "repository_branch": "main",
            "repository_path": "dev.tfvars",
        }
    ]


def test_settings_harness_holds_as_strings_are_listed_as_not_managed():
    # `sparse_checkout` and `provisioner_configuration` are declared strings (contract §2.1).
    body = {
        "identifier": "sparse",
        "name": "sparse",
        "provisioner": "opentofu",
        "sparse_checkout": "modules/a\nmodules/b",
        "provisioner_configuration": "language=python",
    }

    text = workspace_export(
        body=body, org="o", project="p", account_id="a",
        download=("workspace_export", ["o", "p", "sparse"]),
    ).hcl  # fmt: skip

    _name, resource, comments = parse(text)
    listed = "\n".join(comments)
    assert 'sparse_checkout = "modules/a\\nmodules/b"' in listed
    assert 'provisioner_configuration = "language=python"' in listed
    assert "provisioner_config" not in resource
