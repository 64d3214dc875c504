"""The literal values of a pasted HCL resource (Start from code), read with python-hcl2.

python-hcl2 (8.1) resolves a quoted string's escapes (`\\"`, `\\\\`, `\\n`, `\\uXXXX`) in its
literal text only, and keeps an escaped template sequence (`$${...}`, `%%{...}`) as written,
escapes inside it included. In HCL that sequence is literal text like the rest (hashicorp/hcl,
hclsyntax spec, "Template Literals"): `"$${FOO:-\\"x\\"}"` is `${FOO:-"x"}`. So a string is read
part by part here, each part's escapes resolved with python-hcl2's own `process_escape_sequences`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from hcl2.rules.base import AttributeRule
from hcl2.rules.containers import TupleRule
from hcl2.rules.expressions import ExprTermRule, UnaryOpRule
from hcl2.rules.literal_rules import FloatLitRule, IntLitRule, LiteralValueRule
from hcl2.rules.strings import (
    HeredocTemplateRule,
    HeredocTrimTemplateRule,
    StringPartRule,
    StringRule,
)
from hcl2.utils import (
    HEREDOC_PATTERN,
    HEREDOC_TRIM_PATTERN,
    SerializationOptions,
    process_escape_sequences,
)
from hcl2.walk import walk_semantic

from workspaces.wizard.code_body import NUMBER_REASON, CodeRefused

EXPRESSION_REASON = (
    "An expression or reference (Terraform would work it out); the portal reads only literal "
    "values: write the value itself."
)
VALUES = SerializationOptions(
    with_comments=False,
    explicit_blocks=False,
    strip_string_quotes=True,
    preserve_heredocs=False,
    preserve_scientific_notation=False,
)
_LITERALS = (
    ExprTermRule,
    StringRule,
    StringPartRule,
    LiteralValueRule,
    IntLitRule,
    FloatLitRule,
    TupleRule,
    HeredocTemplateRule,
    UnaryOpRule,
)
_ESCAPED_SEQUENCES = ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE")
# A `${` or `%{` Terraform evaluates: one not escaped by doubling its own sign (`$${`, `%%{`;
# `$$${x}` is `$` then a literal `${x}`). A `%` before `${` (or `$` before `%{`) escapes nothing:
# `90%${var.unit}` interpolates (`terraform console`).
_LIVE_SEQUENCE = re.compile(r"(?<!\$)\$\{|(?<!%)%\{")
# What Go's `unicode.IsSpace` takes for a space (Python's `str.isspace` also takes U+001C-U+001F).
_SPACES = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
# A newline, or a quote no backslash escapes: what a quoted string never holds.
_OUT_OF_STRING = re.compile(r'\n|(?<!\\)(?:\\\\)*"')


class _Evaluated(Exception):
    """A heredoc that interpolates: Terraform would work its value out."""


def literal(node: AttributeRule) -> tuple[str, Any]:
    """("", value) for a literal value (a string, number, bool, null or a list of them); (why
    not, None) for anything Terraform would evaluate, or a number too long to read. Raises
    CodeRefused when python-hcl2 read an unclosed `$${` on into the code after its string."""
    rules = list(walk_semantic(node.expression))
    if not all(isinstance(rule, _LITERALS) for rule in rules):
        return EXPRESSION_REASON, None
    try:
        value = node.expression.serialize(VALUES)
    except ValueError:  # Python reads whole numbers of at most 4,300 digits
        return NUMBER_REASON, None
    # Each text of the value comes from one string or heredoc, in the order of the code.
    texts = iter([rule for rule in rules if isinstance(rule, StringRule | HeredocTemplateRule)])

    def read(item: Any) -> Any:
        rule = next(texts, None) if isinstance(item, str) else None
        return item if rule is None else _text(item, rule, node)

    try:
        return "", [read(item) for item in value] if isinstance(value, list) else read(value)
    except _Evaluated:
        return EXPRESSION_REASON, None


def quoted_text(inner: str) -> str | None:
    """The text of a double-quoted string whose content, between its quotes, is `inner` (a
    pasted `.tfvars` value), as Terraform reads it: a `$${` or `%%{` is a literal `${` or `%{`,
    the escapes are python-hcl2's (`process_escape_sequences`), the text in NFC form (`_text`).
    None when it holds a live `${` or `%{`, which Terraform would work out."""
    if _LIVE_SEQUENCE.search(inner):
        return None
    written = inner.replace("$${", "${").replace("%%{", "%{")
    return unicodedata.normalize("NFC", process_escape_sequences(written))


def unclosed_escape(number: int) -> CodeRefused:
    return CodeRefused(
        f"Line {number} has a $${{ or %%{{ with no }} after it in its string, which the "
        "portal's HCL reader cannot read: leave that value out of the paste and fill it in on "
        "its step."
    )


def _text(value: str, rule: StringRule | HeredocTemplateRule, node: AttributeRule) -> str:
    """The text of a string or heredoc as Terraform reads it: in Unicode NFC form, as HCL
    normalizes every string literal and heredoc (`terraform console`: `"Cafe\\u0301"`, an
    escape or the combining mark itself, is "Caf\u00e9"; the export lists such a text instead
    of writing it, `export_terraform.CHANGED`)."""
    return unicodedata.normalize("NFC", _written(value, rule, node))


def _written(value: str, rule: StringRule | HeredocTemplateRule, node: AttributeRule) -> str:
    if isinstance(rule, StringRule):
        parts = []
        for part in rule.string_parts:
            text = part.serialize(VALUES)
            if part.content.lark_name() in _ESCAPED_SEQUENCES:
                if _OUT_OF_STRING.search(text):
                    # python-hcl2 reads `$${` up to the next `}`, past the string's end if need
                    # be: this one had none, and took in the code after it.
                    raise unclosed_escape(node.to_lark().meta.line)
                text = text[1:]  # `$${` is a literal `${`, `%%{` a literal `%{`
            parts.append(process_escape_sequences(text))
        return "".join(parts)
    # Read from the heredoc's own text, not python-hcl2's value: python-hcl2 drops the newline
    # that ends the last line, which Terraform keeps (`<<EOT\nline1\nline2\nEOT` is
    # "line1\nline2\n"; an empty heredoc is ""), and trims a `<<-` heredoc otherwise (`_flush`).
    trim = isinstance(rule, HeredocTrimTemplateRule)
    match = (HEREDOC_TRIM_PATTERN if trim else HEREDOC_PATTERN).match(
        rule.heredoc.serialize(VALUES)
    )
    if match is None:  # python-hcl2's own serialize matched it already
        return value
    # Its lines, each with its "\n", up to the closing marker's (and that line's indentation).
    lines = match.group(2)[: match.group(2).rfind("\n") + 1]
    # A heredoc is one token: a live ${...} or %{...} shows only in its text.
    if _LIVE_SEQUENCE.search(lines):
        raise _Evaluated
    return (_flush(lines) if trim else lines).replace("$${", "${").replace("%%{", "%{")


def _flush(lines: str) -> str:
    """A `<<-` heredoc's `lines` as HCL trims them (hashicorp/hcl @34bf67d, hclsyntax/
    parser_template.go, `flushHeredocTemplateParts`): the fewest leading spaces of a line that is
    not blank, a tab or any other Unicode space counting as one (Go's `unicode.IsSpace`), are
    taken off each line that is not blank; a blank line (spaces alone) is kept as it is.
    python-hcl2 counts spaces only and empties blank lines. (HCL counts grapheme clusters: a
    combining mark after an indenting space is not followed here.)"""
    rows = lines.split("\n")[:-1]  # each ended by its "\n"
    trim = min(
        (len(row) - len(row.lstrip(_SPACES)) for row in rows if row.strip(_SPACES)), default=0
    )
    return "".join((row[trim:] if row.strip(_SPACES) else row) + "\n" for row in rows)
