"""The literal values of a pasted HCL resource (Start from code), read with python-hcl2.

python-hcl2 (8.1) resolves a quoted string's escapes (`\\"`, `\\\\`, `\\n`, `\\uXXXX`) in its
literal text only, and keeps an escaped template sequence (`$${...}`, `%%{...}`) as written,
escapes inside it included. In HCL that sequence is literal text like the rest (hashicorp/hcl,
hclsyntax spec, "Template Literals"): `"$${FOO:-\\"x\\"}"` is `${FOO:-"x"}`. So a string is read
part by part here, each part's escapes resolved with python-hcl2's own `process_escape_sequences`.
"""

from __future__ import annotations

import re
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


def unclosed_escape(number: int) -> CodeRefused:
    return CodeRefused(
        f"Line {number} has a $${{ or %%{{ with no }} after it in its string, which the "
        "portal's HCL reader cannot read: leave that value out of the paste and fill it in on "
        "its step."
    )


def _text(value: str, rule: StringRule | HeredocTemplateRule, node: AttributeRule) -> str:
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
    # A heredoc is one token: a live ${...} or %{...} shows only in its text.
    if _LIVE_SEQUENCE.search(value):
        raise _Evaluated
    text = value.replace("$${", "${").replace("%%{", "%{")
    # python-hcl2 drops the newline that ends a heredoc's last line; Terraform keeps it
    # (`<<EOT\nline1\nline2\nEOT` is "line1\nline2\n"), and an empty heredoc is "".
    pattern = HEREDOC_TRIM_PATTERN if isinstance(rule, HeredocTrimTemplateRule) else HEREDOC_PATTERN
    match = pattern.match(rule.heredoc.serialize(VALUES))
    return text + "\n" if match and match.group(2).rstrip(" \t") else text
