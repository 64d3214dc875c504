"""Start from code, what a paste may cost: python-hcl2 spends about a fifth of a millisecond of
CPU on each token it reads, and its heredoc pattern backtracks over runs of blank lines, so a
hostile paste within the character limit (`a=1` on 20,000 lines) took seconds to read. Each
paste here is answered at once, without the slow parse running in the suite."""

import time

import pytest
from hcl2.parser import parser
from lark.exceptions import LarkError

from workspaces.export import workspace_export
from workspaces.wizard import steps
from workspaces.wizard.from_code import MAX_CODE_CHARS, CodeRefused, read_code
from workspaces.wizard.hcl_work import MAX_PIECES, check_work, pieces

HEAD = 'resource "harness_platform_workspace" "w" {\n  name = "w"\n'
TINY_ATTRIBUTES = HEAD + "a=1\n" * ((MAX_CODE_CHARS - len(HEAD) - 2) // 4) + "}\n"


def _fill(opening: str, item: str, closing: str) -> str:
    """A resource with one attribute holding as many `item`s as the character limit allows."""
    room = MAX_CODE_CHARS - len(HEAD) - len(opening) - len(closing) - 2
    return HEAD + opening + item * (room // len(item)) + closing + "}\n"


def _answered(text: str) -> tuple[float, str]:
    """(seconds read_code took, its refusal, or "" when it read the paste)."""
    assert len(text) <= MAX_CODE_CHARS
    started = time.perf_counter()
    try:
        read_code(text, org="default", project="infra")
    except CodeRefused as err:
        return time.perf_counter() - started, err.message
    return time.perf_counter() - started, ""


def test_a_near_limit_paste_of_tiny_attributes_is_answered_in_well_under_a_second():
    seconds, refusal = _answered(TINY_ATTRIBUTES)

    assert seconds < 2
    assert refusal.startswith("The code is too long to read: it has more than 20,000")


@pytest.mark.parametrize(
    "text",
    [
        _fill("  a = [", "1,", "1]\n"),  # one line, one `=`: 40,000 values
        _fill("  a = {", "b=1,", "}\n"),
        _fill('  a = "', "${a}", '"\n'),  # interpolations in one string
        HEAD + "  b " + "x " * ((MAX_CODE_CHARS - len(HEAD) - 10) // 2) + "{}\n}\n",  # labels
    ],
    ids=["list", "object", "interpolations", "block-labels"],
)
def test_a_paste_of_many_tiny_values_on_few_lines_is_answered_as_quickly(text):
    seconds, refusal = _answered(text)

    assert seconds < 2
    assert refusal.startswith("The code is too long to read")


def test_a_long_run_of_blank_lines_is_refused_with_its_line_before_it_is_parsed():
    # python-hcl2's heredoc pattern tries each of these lines against each later one: 20,000
    # of them took seconds, the 80,000 the limit allows minutes.
    text = HEAD + "  description = <<EOT\n" + "\n" * 20_000 + "x\nEOT\n}\n"

    seconds, refusal = _answered(text)

    assert seconds < 2
    assert refusal == (
        "The code has more than 100 blank lines in a row (from line 4): remove them and paste "
        "it again."
    )


def test_a_literal_dollar_brace_on_a_long_line_that_does_not_parse_is_answered_quickly():
    # Looking for an unclosed `$${` in the line used to start again at each one of them.
    text = HEAD + '  description = "' + "$${)" * 6_000 + "\n}\n"

    seconds, refusal = _answered(text)

    assert seconds < 2
    assert refusal.startswith("The code is not valid HCL")


def _largest_export() -> str:
    """The Terraform export of a workspace with every variable and tag it may hold, and each of
    its other settings."""
    variables = {
        group: {
            f"{group}_{i}": {"key": f"{group}_{i}", "value": f"value-{i}", "value_type": kind}
            for i in range(steps.MAX_VARIABLES)
        }
        for group, kind in (("terraform", "string"), ("environment", "secret"))
    }
    body = {
        "identifier": "payments_vpc",
        "name": "payments-vpc",
        "description": "The payments VPC, ${not} interpolated",
        "provisioner": "opentofu",
        "provisioner_version": "1.10.6",
        "provider_connector": "account.aws_prod",
        "provider_connectors": [{"connector_ref": "account.vault", "type": "vault"}],
        "repository": "infra-live",
        "repository_connector": "account.github",
        "repository_branch": "main",
        "repository_path": "vpc/dev",
        "cost_estimation_enabled": True,
        "tags": {f"tag{i}": f"value{i}" for i in range(steps.MAX_TAGS)},
        "terraform_variables": variables["terraform"],
        "environment_variables": variables["environment"],
        "associated_template": {"template_id": "vpc", "version": "v1"},
    }
    download = ("draft_export", ["00000000-0000-0000-0000-000000000000"])
    return workspace_export(
        body=body, org="default", project="infra", account_id="a", download=download
    ).hcl


def test_the_largest_export_of_a_workspace_is_well_within_the_bounds():
    hcl = _largest_export()

    check_work(hcl)  # not refused
    assert pieces(hcl + "\n", MAX_PIECES) < MAX_PIECES * 0.55


def _lexed(text: str) -> int:
    """How many tokens python-hcl2's parser reads in `text` before it ends or fails."""
    count = 0
    try:
        for _token in parser().parse_interactive(text + "\n").iter_parse():
            count += 1
    except LarkError:
        pass
    return count


TAIL = " + 1" * 50


@pytest.mark.parametrize(
    "text",
    [
        'a = "$${" }"' + TAIL,  # python-hcl2 reads `$${` up to the next `}`, past the string
        'a = "$${" }"\n' + "b = 1\n" * 50,
        'a = "${"}"}"' + TAIL,
        'a = "%{ if x }y%{ endif }"' + TAIL,
        'a = "${ {b = "}"}.b }"' + TAIL,
        'a = <<EOT\n"\n  EOT\n' + "b = 1\n" * 50,
        'a = <<-EOT\n  ${x}"\n  EOT\nb = 1' + TAIL,
        'a = 1 /* " */' + TAIL,
        '# "\na = 1' + TAIL,
        'a = "\\\\"' + TAIL,  # a backslash, escaped
        'a = "x\n y"' + TAIL,
        'a = "%{ for x in y }\\"z\\"%{ endfor }"' + TAIL,
    ],
)
def test_the_measure_counts_at_least_the_tokens_python_hcl2_reads(text):
    read = _lexed(text)

    assert read > 50  # the sample parses on into its tail
    assert pieces(text + "\n", 10**6) >= read
