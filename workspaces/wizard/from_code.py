"""Start from code: a pasted `harness_platform_workspace` resource (HCL) or create body (JSON)
read into the create body it describes, with what cannot be mapped listed line by line.

The resource is read the way `workspaces.export_terraform` writes it (its `ATTRIBUTES`, tags as
`"k:v"` strings, `terraform_variable` / `environment_variable` blocks with `key`, `value` and
`value_type`, `connector` blocks with `connector_ref` and `type`, `associated_template`): the
provider's schema as read in harness/terraform-provider-harness @cb1a059
(`internal/service/platform/workspace/resource_workspace.go`). Checked again for this importer
against the older copies the code search holds (that file at 2d94cdf and b1b5f6e,
`docs/resources/platform_workspace.md` at 03f0e00, `examples/resources/harness_platform_workspace/
resource.tf`): the same attribute names, `terraform_variable` / `environment_variable` /
`terraform_variable_file` as block sets with `key` / `value` / `value_type`, `tags` a set of
strings, `default_pipelines` a map; `connector`, `associated_template` and the Terragrunt
attributes are newer than those copies, so cb1a059 (export's reading) is followed for them.
The JSON body has the field names of contract §2.1 (IaCM `POST .../workspaces`); it is read in
`code_json`.

HCL is parsed with python-hcl2 (`hcl2.parses`): its tree keeps each attribute's and block's line,
its serializer gives the values, and an expression Terraform would evaluate (`var.x`, a resource
reference, a function call, an interpolation) is recognised by its rule in that tree. No HTTP:
`CodeForm` reads a paste, `drafts.draft_start_from_code` writes it into a draft.
"""

from __future__ import annotations

import re
from typing import Any

import hcl2
from django import forms
from hcl2.rules.base import AttributeRule, BlockRule
from hcl2.rules.whitespace import NewLineOrCommentRule
from lark.exceptions import LarkError, UnexpectedInput

from workspaces.export_terraform import ATTRIBUTES, UNMANAGED_HEADER, UNMANAGED_ITEM
from workspaces.wizard import steps
from workspaces.wizard.code_body import (
    NOT_IN_WIZARD_REASON,
    VARIABLE_BLOCKS,
    BodyReader,
    CodeImport,
    CodeLine,
    CodeRefused,
    add_group,
    first_lines,
)
from workspaces.wizard.code_json import read_json
from workspaces.wizard.form_base import ShownRedactedField
from workspaces.wizard.hcl_literals import VALUES, literal, unclosed_escape
from workspaces.wizard.hcl_work import check_work
from workspaces.wizard.paste import MAX_PASTE_CHARS

RESOURCE = "harness_platform_workspace"
# An exported resource with every variable a workspace may hold is longer than a .tfvars paste.
MAX_CODE_CHARS = 4 * MAX_PASTE_CHARS
MAX_NESTING = 32
# The resource's plain attributes -> body field (export_terraform.ATTRIBUTES, read back).
HCL_FIELDS = {attribute: body_field for body_field, attribute in ATTRIBUTES}
# In the schema, but not something the wizard sets: said so, never dropped silently.
NOT_IN_WIZARD = {
    "terraform_variable_file": "terraform_variable_files",
    "provisioner_config": "provisioner_configuration",
    "default_pipelines": "default_pipelines",
    "variable_sets": "variable_sets",
}
# The attributes of the resource's nested blocks (its schema at cb1a059, as read above): another
# one is listed, as Terraform refuses it ("Unsupported argument").
BLOCK_ATTRIBUTES = {
    **dict.fromkeys(VARIABLE_BLOCKS, ("key", "value", "value_type")),
    "connector": ("connector_ref", "type"),
    "associated_template": ("template_id", "version"),
}
# Each item of that comment says why when the resource has the attribute (a tag with a colon, a
# text Terraform would change): not "no attribute in its schema" here.
UNMANAGED_REASON = (
    "listed in the export's comment as not managed by the resource, so the code does not set "
    "it: not read. Set it on its step, or in Harness once the workspace exists."
)
META_ARGUMENTS = ("count", "for_each", "depends_on", "provider", "lifecycle", "provisioner")


def read_code(text: str, *, org: str, project: str) -> CodeImport:
    """The create body a pasted resource or JSON body describes, in `org`/`project`.

    Raises CodeRefused when the paste is too long, cannot be parsed, or maps nothing.
    """
    # A browser posts a textarea's line ends as CRLF (HTML's form data: a lone CR too): one line
    # end each, so the limit counts what was pasted, and the lines are numbered as they show.
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_CODE_CHARS:
        raise CodeRefused(
            f"The code is {len(text):,} characters long; paste at most {MAX_CODE_CHARS:,}."
        )
    if not text.strip():
        raise CodeRefused(f"Paste a {RESOURCE} resource or the JSON body of a create call.")
    if _nests_deeper(text, MAX_NESTING):
        raise CodeRefused(
            f"The code nests brackets more than {MAX_NESTING} deep; a workspace does not."
        )
    reader = BodyReader(text, org, project)
    if text.lstrip().startswith(("{", "[")):  # JSON; HCL starts with a name
        read_json(reader)
        return reader.result("json")
    check_work(text)  # python-hcl2 is slow on many tokens: a bound before it runs
    _read_hcl(reader)
    return reader.result("hcl")


def _nests_deeper(text: str, limit: int) -> bool:
    """Whether `[`, `{` and `(` nest deeper than `limit`, counted without reading strings (at
    worst an over-count, for values full of unbalanced brackets). A bound, not a parse: parsing
    slows down more than linearly with nesting (30,000 levels: seconds), a resource nests 3 deep."""
    depth = 0
    for char in text:
        if char in "[{(":
            depth += 1
            if depth > limit:
                return True
        elif char in "]})":
            depth = max(depth - 1, 0)
    return False


# --- HCL -------------------------------------------------------------------------------------


def _line(node: Any) -> int:
    return node.to_lark().meta.line


# `$${` or `%%{`, and what follows it up to a `}` or the end of its quoted string (`"`, escapes
# skipped): found in one pass over a line (`finditer`, the `*+` gives nothing back), not started
# again at each `$${` of a long line.
_UNCLOSED_ESCAPE = re.compile(r'(?:\$\$|%%)\{(?:[^}"\\]|\\.)*+(?P<end>["}]?)')


def _labels(block: BlockRule) -> list[str]:
    return [str(label.serialize(VALUES)) for label in block.labels]


def _read_hcl(reader: BodyReader) -> None:
    try:
        tree = hcl2.parses(reader.text)
    except UnexpectedInput as err:
        for number, line in enumerate(reader.lines, start=1):
            if any(found["end"] == '"' for found in _UNCLOSED_ESCAPE.finditer(line)):
                # Valid HCL (a literal `${` or `%{`), but python-hcl2 reads `$${` only up to a
                # `}`: it would read on past the string, or fail as here.
                raise unclosed_escape(number) from err
        raise CodeRefused(
            f"The code is not valid HCL: line {err.line}, column {err.column}. Check for a "
            "missing quote, brace or = near there."
        ) from err
    except (LarkError, RuntimeError, ValueError, RecursionError) as err:
        raise CodeRefused("The code is not valid HCL (python-hcl2 could not read it).") from err
    resource = None
    _unmanaged_comments(reader, tree)
    for node in tree.body.children:
        if isinstance(node, AttributeRule):
            reader.skip(_line(node), f"Outside the {RESOURCE} resource: only the resource is read.")
        elif isinstance(node, BlockRule):
            labels = _labels(node)
            if labels[0] == "resource" and len(labels) != 3:
                reader.skip(
                    _line(node),
                    "A resource needs two labels, its type and its name "
                    f'(resource "{RESOURCE}" "name" {{): not read.',
                )
            elif labels[:2] != ["resource", RESOURCE]:
                what = f"A {labels[1]} resource" if labels[0] == "resource" else "A block"
                reader.skip(_line(node), f"{what}, not a {RESOURCE} resource: not read.")
            elif resource is not None:
                reader.skip(_line(node), "A second workspace resource: paste one at a time.")
            else:
                resource = node
    if resource is None:
        raise CodeRefused(f"No {RESOURCE} resource was found in the code.", tuple(reader.unmapped))
    for node in resource.body.children:
        if isinstance(node, AttributeRule):
            _hcl_attribute(reader, node)
        elif isinstance(node, BlockRule):
            _hcl_block(reader, node)


def _unmanaged_comments(reader: BodyReader, tree: Any) -> None:
    """List each item of an export's "Not managed by this resource" comment (`export_terraform.
    UNMANAGED_HEADER`): a value the resource cannot hold (a budget, submodules, a tag with a
    colon, a text Terraform would change), which the pasted code therefore does not set. Only
    comments outside any block, as the export writes them (python-hcl2 keeps them, with the line
    they start on)."""
    header = 0
    for node in tree.body.children:
        if not isinstance(node, NewLineOrCommentRule):
            continue
        number = node.to_lark().meta.line
        for token in node.to_lark().children:
            text = str(token).strip()
            if text == f"# {UNMANAGED_HEADER}":
                header = number
            elif header and header + 1 == number and text.startswith(UNMANAGED_ITEM.strip()):
                header = number
                item = text.removeprefix(UNMANAGED_ITEM.strip()).strip()
                reader.skip(number, f"{item}: {UNMANAGED_REASON}")
            number += str(token).count("\n")


def _hcl_attribute(reader: BodyReader, node: AttributeRule) -> None:
    name, number = str(node.identifier.serialize()), _line(node)
    known = {**HCL_FIELDS, "org_id": "org_id", "project_id": "project_id", "tags": "tags"}
    if name in NOT_IN_WIZARD:
        reader.skip(number, f"{name}: {NOT_IN_WIZARD_REASON}")
        return
    if name in META_ARGUMENTS:
        reader.skip(number, f"{name} is a Terraform meta-argument, not a workspace setting.")
        return
    if name not in known:
        reader.skip(number, f"{name} is not an attribute of {RESOURCE}.")
        return
    refused, value = literal(node)
    if refused:
        reader.skip(number, f"{name}: {refused}")
    elif value is None:
        return  # `null`: not set, as in Terraform
    elif name == "tags":
        _tags(reader, number, value)
    else:
        reader.put(number, name, known[name], value)


def _tags(reader: BodyReader, number: int, value: Any) -> None:
    """`tags` as the provider's set of "key:value" strings (helpers.ExpandTags: split at `:`)."""
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        reader.skip(number, 'tags: expects a list of "key:value" texts.')
        return
    if len(value) > steps.MAX_TAGS:
        reader.skip(number, f"tags: at most {steps.MAX_TAGS} tags.")
        return
    tags: dict[str, str] = {}
    for tag in value:
        key, _sep, val = tag.partition(":")
        if ":" in val:
            # The provider splits at every colon and keeps the first two parts: not what it says.
            reader.skip(number, f"tags: {tag} has more than one colon; the provider would cut it.")
        elif key in tags:
            reader.skip(number, f"tags: {key} is set twice; the first value is used.")
        else:
            tags[key] = val
    if tags or not value:  # `tags = []` says "no tags"; a list of refused tags says nothing
        reader.put(number, "tags", "tags", tags)


def _hcl_block(reader: BodyReader, node: BlockRule) -> None:
    name, number = _labels(node)[0], _line(node)
    kinds = {**VARIABLE_BLOCKS, "connector": "connector", "associated_template": "template"}
    if name in NOT_IN_WIZARD:
        reader.skip(number, f"{name}: {NOT_IN_WIZARD_REASON}")
    elif name in META_ARGUMENTS:
        reader.skip(number, f"{name} is a Terraform meta-argument, not a workspace setting.")
    elif name == "dynamic":
        reader.skip(number, _dynamic(_labels(node)[1:]))
    elif name not in kinds:
        hint = " Provider connectors are connector blocks." if "connector" in name else ""
        reader.skip(number, f"{name} is not a block of {RESOURCE}.{hint}")
    elif len(_labels(node)) > 1:
        reader.skip(number, f"A {name} block takes no label ({name} {{): not read.")
    else:
        item: dict[str, Any] = {}
        for child in node.body.children:
            if isinstance(child, BlockRule):  # as an attribute it does not have: the rest is used
                nested = _labels(child)[0]
                reader.skip(
                    _line(child), f"{nested} is not a block of {_block_has(name)}: not read."
                )
                continue
            if isinstance(child, AttributeRule):
                attribute = str(child.identifier.serialize())
                if attribute not in BLOCK_ATTRIBUTES[name]:
                    reader.skip(_line(child), _not_in_block(name, attribute))
                    continue
                refused, value = literal(child)
                if refused:
                    reader.skip(_line(child), f"{name}: {refused}")
                    return
                if attribute in item:
                    reader.skip(_line(child), f"{attribute} is set twice; the first is used.")
                    continue
                item[attribute] = value
        add_group(reader, number, name, item, kinds[name])


def _dynamic(labels: list[str]) -> str:
    """Why a `dynamic "<block>"` block (labelled `labels`) is not read: Terraform takes it, and
    works out the blocks it writes from expressions the portal does not read."""
    if len(labels) != 1:
        return (
            'A dynamic block takes one label, the block it writes (dynamic "terraform_variable" '
            "{): not read."
        )
    if labels[0] in NOT_IN_WIZARD:
        return f"{labels[0]}: {NOT_IN_WIZARD_REASON}"
    if labels[0] not in BLOCK_ATTRIBUTES:
        return f"A dynamic block: {labels[0]} is not a block of {RESOURCE}."
    return f"A dynamic block (Terraform works it out); write each {labels[0]} block out."


def _not_in_block(name: str, attribute: str) -> str:
    if (name, attribute) == ("connector", "terragrunt_provider"):
        # As the JSON body's is (`code_json`); the resource's block has no such attribute.
        return (
            f"terragrunt_provider of a connector: {NOT_IN_WIZARD_REASON} (The resource's "
            "connector block has no such attribute: Terraform would refuse it.)"
        )
    return f"{attribute} is not an attribute of {_block_has(name)}."


def _block_has(name: str) -> str:
    return f"{name} blocks (they have {', '.join(BLOCK_ATTRIBUTES[name])})"


class CodeForm(forms.Form):
    """The paste on Start from; a valid form's `cleaned_data["code"]` is the `CodeImport`."""

    # The box is on the page whichever way to start is chosen: marked `required`, a screen
    # reader says so beside a template or a copy. It is asked for only when code is read.
    use_required_attribute = False

    code = ShownRedactedField(
        label=f"Paste a {RESOURCE} resource or a create body (JSON)",
        strip=False,
        error_messages={"required": f"Paste a {RESOURCE} resource or the JSON body."},
        # No `maxlength`: a browser would cut a longer paste silently, and code cut short may
        # still be read, its tail lost. `read_code` refuses it, saying how long it is; a form
        # too large to receive is answered by `wizard.too_big`.
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false", "autocomplete": "off"}),
        help_text="What the workspace page's Export gives (Terraform resource or JSON body). "
        "Values must be written out: references such as var.region are listed, not read. "
        f"At most {MAX_CODE_CHARS:,} characters.",
    )

    def __init__(self, *args: Any, org: str, project: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.org, self.project = org, project
        # A refusal's lines not used: the first `REPORT_LINES`, and how many more.
        self.lines: tuple[CodeLine, ...] = ()
        self.more = 0

    def clean_code(self) -> CodeImport:
        try:
            return read_code(self.cleaned_data["code"], org=self.org, project=self.project)
        except CodeRefused as err:
            self.lines, self.more = first_lines(err.lines)
            raise forms.ValidationError(err.message) from err


def code_requested(data: Any, action: str, *, autosave: bool) -> bool:
    """Whether a POST of Start from (`data`, its button `action` as `picker_search.posted_action`
    reads it) asks to read its paste: "Fill in from the code", or "Save and continue" (Enter
    too, but in a picker's search box) with code pasted and the code source chosen (never an
    autosave)."""
    if autosave:
        return False
    pasted = data.get("source") == "code" and data.get("code", "").strip()
    return action == "code" or bool(pasted and action == "next")
