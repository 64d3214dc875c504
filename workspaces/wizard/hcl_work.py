"""What reading a pasted HCL text would cost python-hcl2, measured before it is parsed.

python-hcl2 (8.1: a Lark LALR parser, then its own tree) spends about a fifth of a millisecond of
CPU on each token: `a=1` on 20,000 lines, within the paste's character limit, took 14 to 24
seconds, and so did 40,000 values in one list on one line. Its heredoc terminal
(`HEREDOC_TEMPLATE` in its `hcl2.lark`, `(?:(?:.|\\n)*?\\r?\\n)??\\s*MARKER\\r?\\n`) tries each
line of a run of blank lines against the rest of the run: 20,000 blank lines in a heredoc took
seconds, the 80,000 the limit allows minutes. So `check_work` refuses, before the parse:

- a paste of more than `MAX_PIECES` tokens (`pieces`, which counts at least as many as
  python-hcl2's lexer reads): the largest export of a workspace, 200 Terraform and 200
  environment variables and 50 tags, has about 9,900, and reading 20,000 takes about twice as
  long as reading it;
- more than `MAX_BLANK_LINES` blank lines in a row, which bounds that backtracking to a few
  million steps (an export has no two blank lines in a row).

`pieces` follows python-hcl2's lexer (its `hcl2.lark` terminals) where a piece of text is one
token or many: a quoted string's literal text, an escaped `$${...}` (read up to the next `}`,
as python-hcl2 reads it, past the string's end if need be), a heredoc and a comment are one;
in code, every name or number is one and every other sign is one (`>=` is counted as two: a
count above the lexer's, never below it). It stops where python-hcl2's lexer would stop with an
error: what the parser does up to there is counted.
"""

from __future__ import annotations

import re

from workspaces.wizard.code_body import CodeRefused

MAX_PIECES = 20_000
MAX_BLANK_LINES = 100

# Code (outside any string), one alternative a token; `[ \t\r]+` is what python-hcl2 ignores.
_CODE = re.compile(
    r"(?P<space>[ \t\r]+)"
    r"|(?P<heredoc><<-?(?P<marker>[a-zA-Z][a-zA-Z0-9._-]*)\r?\n)"
    r"|(?P<comment>#[^\n]*|//[^\n]*)"
    r"|(?P<block>/\*)"
    r'|(?P<quote>")'
    r'|(?P<template>\\"(?:[^"\\]|\\.)*\\")'  # python-hcl2's TEMPLATE_STRING
    r"|(?P<backslash>\\)"
    r"|(?P<open>\{)"
    r"|(?P<close>\})"
    r"|(?P<word>\w+)"
    r"|(?P<sign>[\s\S])"
)
# Inside a quoted string: python-hcl2's ESCAPED_INTERPOLATION, ESCAPED_DIRECTIVE and
# STRING_CHARS, then a live `${` or `%{`, or the closing quote.
_STRING = re.compile(
    r"(?P<text>\$\$\{[^}]*\}|%%\{[^}]*\}"
    r"|(?:(?!\$\$\{)(?!\$\{)(?!%%\{)(?!%\{)[^\"\\]|\\.|(?:\$(?!\$?\{))|(?:%(?!%?\{)))+)"
    r"|(?P<open>[$%]\{)"
    r'|(?P<quote>")'
)
# A line that could close a heredoc: its marker alone, after any spaces.
_CLOSING_LINE = re.compile(r"\n[^\S\n]*(?P<marker>[a-zA-Z][a-zA-Z0-9._-]*)(?=\n|\Z)")
_STRING_FRAME = -1  # on the stack of `pieces`: inside a quoted string


def check_work(text: str) -> None:
    """Raise CodeRefused when reading `text` (HCL, its line ends "\\n") would cost python-hcl2
    more than an exported workspace does by far."""
    blank = 0
    for number, line in enumerate(text.split("\n"), start=1):
        blank = blank + 1 if not line.strip() else 0
        if blank > MAX_BLANK_LINES:
            raise CodeRefused(
                f"The code has more than {MAX_BLANK_LINES} blank lines in a row (from line "
                f"{number - MAX_BLANK_LINES}): remove them and paste it again."
            )
    if pieces(text + "\n", MAX_PIECES) > MAX_PIECES:  # python-hcl2 reads a "\n" more
        raise CodeRefused(
            f"The code is too long to read: it has more than {MAX_PIECES:,} names, values and "
            "signs (`a = 1` on a line of its own is four: a, =, 1 and the line end); the export "
            "of a workspace with every variable it may hold has about half as many. Paste the "
            "workspace resource alone."
        )


def pieces(text: str, limit: int) -> int:
    """How many tokens python-hcl2's lexer reads in `text`, or more (see the module's
    docstring); the count stops once past `limit`."""
    count, at, end = 0, 0, len(text)
    # Each `${` / `%{` inside a string opens code that its `}` closes: the `{ }` pairs open in
    # that code, or _STRING_FRAME for a string (innermost last). Empty: top-level code.
    stack: list[int] = []
    while at < end and count <= limit:
        if stack and stack[-1] == _STRING_FRAME:
            match = _STRING.match(text, at)
            if match is None:  # a lone backslash, a `$${` never closed: python-hcl2 stops
                break
            if match["quote"]:
                stack.pop()
            elif match["open"]:
                stack.append(0)
            at = match.end()
        else:
            match = _CODE.match(text, at)
            assert match is not None  # `sign` takes any character
            kind = match.lastgroup
            at = match.end()
            if kind == "space":
                continue
            if kind == "heredoc":
                closing = _heredoc_end(text, match)
                if closing is None:  # never closed: python-hcl2 stops
                    break
                at = closing
            elif kind == "block":
                closing = text.find("*/", at)
                if closing < 0:  # a comment never closed, or `/` then `*`: python-hcl2 stops
                    break
                at = closing + 2
            elif kind == "backslash":  # no python-hcl2 token starts with it
                break
            elif kind == "quote":
                stack.append(_STRING_FRAME)
            elif kind == "open" and stack:
                stack[-1] += 1
            elif kind == "close" and stack:
                if stack[-1]:
                    stack[-1] -= 1
                else:
                    stack.pop()  # the `}` of a `${`: back in its string
        count += 1
    return count


def _heredoc_end(text: str, opening: re.Match[str]) -> int | None:
    """Where the heredoc `opening` starts ends: after the first line that holds its marker alone
    (python-hcl2's `\\s*MARKER\\r?\\n`), or None when no line does."""
    marker = opening["marker"]
    for line in _CLOSING_LINE.finditer(text, opening.end() - 1):
        if line["marker"] == marker:
            return line.end() + 1
    return None
