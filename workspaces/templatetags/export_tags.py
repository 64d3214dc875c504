"""Filters for the text templates of `templates/exports/` (HCL and shell, autoescape off)."""

import shlex
from typing import Any

from django import template

register = template.Library()

# HCL's quoted-template escapes (hashicorp/hcl hclsyntax spec: "Template Literals"): `\` and `"`
# are escaped with a backslash. `${` / `%{` (interpolation and directives) are written
# `$\u007b` / `%\u007b`: a `$` or `%` then an escaped `{`, which Terraform reads as the literal
# `${` / `%{` (`terraform console`) and which is no template sequence to any reader. Terraform's
# own escape, `$${`, is not used: python-hcl2 reads it on to the next `}`, so a value with a
# `${` never closed (`echo ${HOME`) could not be pasted back into Start from code.
_HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def hcl_string(value: str) -> str:
    """`value` as an HCL quoted string, every character kept literally."""
    out = []
    for char in value:
        if char in _HCL_ESCAPES:
            out.append(_HCL_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out).replace("${", "$\\u007b").replace("%{", "%\\u007b") + '"'


@register.filter
def hcl(value: Any) -> str:
    """A Python value as an HCL expression: a string, a bool, or a list of strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(hcl_string(str(item)) for item in value) + "]"
    return hcl_string(str(value))


@register.filter
def comment(value: Any) -> str:
    """`value` on one line, fit for a `#` comment: control characters become spaces."""
    return "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in str(value))


@register.filter
def note(value: Any) -> str:
    """`value` on one line, fit for the single-quoted notes of a shell script (`exports/
    workspace.sh`): control characters become spaces (as for `comment`), and each `'` is written
    `'\\''` (the quote closed, a quote escaped, the quote opened again): nothing in it ends the
    notes, and inside single quotes no shell expands `$`, a backquote or (interactive) a `!`."""
    return comment(value).replace("'", "'\\''")


@register.filter
def shquote(value: Any) -> str:
    """`value` quoted for a POSIX shell (`shlex.quote`): no expansion happens inside."""
    return shlex.quote(str(value))
