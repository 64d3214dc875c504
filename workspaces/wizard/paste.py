"""Pasted `.tfvars` / `.env` blocks: each line parsed into a key and a value, or an error.

A paste is read up to `MAX_PASTE_CHARS` (whole lines; what was left out is said), and adding
it never takes a group past `MAX_VARIABLES` rows (what was not added is said), so a draft never
holds more rows than one save of the step can carry.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from portal.logs import holds_harness_key, redact
from workspaces.wizard.code_body import unstorable
from workspaces.wizard.hcl_literals import EXPRESSION_REASON, quoted_text
from workspaces.wizard.steps import (
    MAX_LENGTH,
    MAX_VARIABLES,
    VARIABLE_GROUPS,
    VARIABLE_KEY_PATTERN,
    VARIABLE_KEY_RULE,
)

_VARIABLE_KEY_RE = re.compile(VARIABLE_KEY_PATTERN)
MAX_PASTE_CHARS = 20_000
_NEVER_KEPT = (
    "which the portal never keeps in a request: keep it in a Harness secret and add a secret "
    "reference variable instead."
)
KEY_ERROR = f"This line holds a Harness API key (shown as [redacted]), {_NEVER_KEPT}"
# A key written with escapes (`\u002e`): the line does not show it, its value would.
VALUE_KEY_ERROR = f"The value holds a Harness API key, {_NEVER_KEPT}"
# Save and continue or Back with a paste still in the box: the step stays, the paste previewed.
LEFT_IN_BOX = (
    "Add the pasted lines or clear the box first: they are not among the variables yet (the "
    "rows above are saved)."
)
# What the box does on each action of the Variables step (`paste_box`).
BOX_ACTIONS = frozenset({"paste-preview", "paste-add", "next", "back"})


@dataclass(frozen=True)
class PastedLine:
    number: int
    text: str
    key: str = ""
    value: str = ""
    error: str = ""


_TFVARS_LINE = re.compile(r"^\s*([^=\s]+)\s*=\s*(.*?)\s*$")
_HEREDOC = re.compile(r"<<-?\s*([A-Za-z_][\w-]*)?")  # its delimiter, where the line says one
_COMMENT = re.compile(r"\s+(?:#|//)")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([^=\s]+)\s*=\s*(.*?)\s*$")
# A quoted string (its brackets are text), a comment to the end of the line, or a bracket.
_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|#.*|//.*|(?P<open>[\[{])|(?P<close>[\]}])')


def _quoted(value: str) -> tuple[str, str] | None:
    """(what is between the quotes, what follows the closing quote) of a value that opens with
    a quote, read left to right so that an escaped quote (`\\"`) does not close it; None when
    the quote is not closed. Single quotes (.env) have no escapes."""
    quote, index = value[0], 1
    while index < len(value):
        char = value[index]
        if char == quote:
            return value[1:index], value[index + 1 :].strip()
        index += 2 if char == "\\" and quote == '"' else 1
    return None


def _unquote(value: str) -> tuple[str, str]:
    """(value, error) for a pasted value: quotes removed, a double-quoted text read as
    Terraform reads it (`hcl_literals.quoted_text`: its escapes, `$${`), a comment after the
    closing quote dropped."""
    if value[:1] in {'"', "'"}:
        read = _quoted(value)
        if read is None:
            return value, "The quote is not closed."
        text, after = read
        if after and not after.startswith(("#", "//")):
            return value, "Only a # comment may follow the closing quote."
        if value[0] == "'":
            return text, ""
        literal = quoted_text(text)
        return (value, EXPRESSION_REASON) if literal is None else (literal, "")
    if value[:1] in {"[", "{"}:
        return value, "Lists and maps are not supported here; add this variable by hand."
    if _HEREDOC.match(value):
        return value, "Heredocs (<<EOT) are not supported here; add this variable by hand."
    # Unquoted: a number, bool, or (in .env) a bare word; drop a trailing comment (`#` or `//`
    # after a space: `http://x` is a value).
    value = _COMMENT.split(value, maxsplit=1)[0].strip()
    if value == "null":  # Terraform reads "not set", never the text null
        return value, "null means not set: leave this variable out, or add it by hand."
    return value, ""


def _outside_comment(raw: str, inside: bool) -> tuple[str, bool]:
    """The text of a line outside `/* */` comments, and whether one is still open after it
    (`inside`: one was open before it). Only a comment the line starts with (or that ends on it)
    is one: `GLOB=src/*.py` in a `.env` is a value."""
    while inside or raw.lstrip().startswith("/*"):
        text = raw if inside else raw.lstrip()[2:]
        _comment, closed, rest = text.partition("*/")
        if not closed:
            return "", True
        raw, inside = rest, False
    return raw, inside


def _open_brackets(text: str, depth: int = 0) -> int:
    """How many brackets of a list or map are open after `text`, `depth` being open before it:
    0 once the one that opened the value is closed."""
    for found in _BRACKET.finditer(text):
        depth += bool(found["open"]) - bool(found["close"])
        if depth <= 0:
            return 0
    return depth


def _spanning(line: PastedLine, last: int | None) -> PastedLine:
    """`line`, whose list or map value goes on up to line `last` (None: its closing bracket is
    missing), saying so."""
    runs = (
        f"Its value is lines {line.number} to {last}."
        if last
        else "Its value runs on to the end: its closing bracket is missing."
    )
    return dataclasses.replace(line, error=f"{line.error} {runs}")


def parse_pasted_variables(text: str) -> list[PastedLine]:
    """Lines of a pasted `.tfvars` or `.env` block, each with its key/value or its error.

    Blank lines and comments (`#`, `//`, and `/* */` over one line or several) are skipped. The
    lines of a heredoc, up to its delimiter, are its variable's (an error with it), never
    variables of their own; so are the lines of a list or map, up to its closing bracket (not
    listed: its variable's error says which they are).
    """
    lines: list[PastedLine] = []
    heredoc: tuple[int, str] | None = None  # (its line, its delimiter) while in one
    in_comment = False  # in a `/* */` comment
    depth, spanning = 0, 0  # while in a list or map: its open brackets, the index of its line
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if heredoc is not None:
            if stripped:
                shown = redact(raw) if holds_harness_key(raw) else raw
                error = f"Part of the heredoc of line {heredoc[0]}; add that variable by hand."
                lines.append(PastedLine(number, shown, error=error))
            if stripped == heredoc[1]:
                heredoc = None
            continue
        if depth:
            depth = _open_brackets(raw, depth)
            if not depth:
                lines[spanning] = _spanning(lines[spanning], number)
            continue
        raw, in_comment = _outside_comment(raw, in_comment)
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        match = _ENV_LINE.match(raw) or _TFVARS_LINE.match(raw)
        opened = _HEREDOC.match(match.group(2)) if match else None
        if opened and opened.group(1):
            heredoc = (number, opened.group(1))
        if match and match.group(2)[:1] in {"[", "{"}:
            # A list or map left open on this line: its next lines are its own. This line is the
            # next one listed, whatever is wrong with it.
            depth, spanning = _open_brackets(match.group(2)), len(lines)
        if holds_harness_key(raw):  # never added (kept in plain text) nor shown again
            key = redact(match.group(1)) if match else ""
            lines.append(PastedLine(number, redact(raw), key=key, error=KEY_ERROR))
            continue
        if not match:
            lines.append(PastedLine(number, raw, error="Expected key = value."))
            continue
        key, value = match.group(1), match.group(2)
        if not _VARIABLE_KEY_RE.fullmatch(key) or len(key) > MAX_LENGTH:
            lines.append(
                PastedLine(
                    number,
                    raw,
                    key=key,
                    error=f"The key {VARIABLE_KEY_RULE}.",
                )
            )
            continue
        value, error = _unquote(value)
        if not error and holds_harness_key(value):  # never added, nor shown
            value, error = "", VALUE_KEY_ERROR
        elif not error and (problem := unstorable(value)):  # an escaped NUL (`\\u0000`)
            value, error = "", f"The value {problem}"
        lines.append(PastedLine(number, raw, key=key, value=value, error=error))
    if depth:
        lines[spanning] = _spanning(lines[spanning], None)
    return lines


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


@dataclass(frozen=True)
class PastedBlock:
    """The lines read from a paste, and how many lines past `MAX_PASTE_CHARS` were not read."""

    lines: list[PastedLine]
    total_lines: int
    cut_lines: int = 0

    @property
    def cut_note(self) -> str:
        if not self.cut_lines:
            return ""
        read = self.total_lines - self.cut_lines
        return (
            f"Only the first {MAX_PASTE_CHARS:,} characters of a paste are read: lines 1 to "
            f"{read:,} of {self.total_lines:,}. The last {_plural(self.cut_lines, 'line')} "
            f"{_was(self.cut_lines)} not read; paste them separately."
        )


def read_pasted_block(text: str) -> PastedBlock:
    """The whole lines of `text` that fit in `MAX_PASTE_CHARS`, parsed; NUL characters dropped."""
    raw_lines = text.replace("\x00", "").splitlines()
    used, kept = 0, 0
    for raw in raw_lines:
        used += len(raw) + 1
        if used > MAX_PASTE_CHARS + 1:
            break
        kept += 1
    return PastedBlock(
        parse_pasted_variables("\n".join(raw_lines[:kept])),
        total_lines=len(raw_lines),
        cut_lines=len(raw_lines) - kept,
    )


# Why Add leaves out a pasted line it could read (`add_pasted`), as the preview says it.
ALREADY_THERE = "This key is among the variables already: it is kept as it is."


@dataclass(frozen=True)
class PasteAdded:
    """The group's rows after adding a paste, what was added, kept or left out, and the pasted
    lines as Add takes them: each one it leaves out has its error, so a preview that shows
    them promises what Add adds."""

    rows: list[dict[str, str]]
    added: int
    already_there: int = 0
    repeated: int = 0
    over_limit: int = 0
    lines: tuple[PastedLine, ...] = ()

    @property
    def note(self) -> str:
        parts = [f"Added {_plural(self.added, 'variable')}."]
        if self.already_there:
            parts.append(
                f"{_plural(self.already_there, 'key')} already there {_was(self.already_there)} "
                "kept as before."
            )
        if self.repeated:
            above = "it" if self.repeated == 1 else "them"
            parts.append(
                f"{_plural(self.repeated, 'line')} repeating a key above {above} "
                f"{_was(self.repeated)} not added."
            )
        if self.over_limit:
            parts.append(
                f"{_plural(self.over_limit, 'variable')} {_was(self.over_limit)} not added: a "
                f"group holds at most {MAX_VARIABLES} variables."
            )
        return " ".join(parts)


def add_pasted(
    rows: list[dict[str, str]], lines: list[PastedLine], *, limit: int = MAX_VARIABLES
) -> PasteAdded:
    """`rows` with the error-free pasted lines added as text values, up to `limit` rows; empty
    rows are dropped, a key already there is kept as it is, and a key pasted again keeps the
    value of its first line."""
    rows = [row for row in rows if row.get("key") or row.get("value")]
    keys = {row.get("key") for row in rows}
    added_at: dict[str, int] = {}  # a key added -> its pasted line
    taken = []
    added = already_there = repeated = over_limit = 0
    for line in lines:
        error = line.error
        if error:
            pass
        elif line.key in added_at:
            error = f"Line {added_at[line.key]} has this key: its value is the one added."
            repeated += 1
        elif line.key in keys:
            error = ALREADY_THERE
            already_there += 1
        elif len(rows) >= limit:
            error = f"Not added: a group holds at most {limit} variables."
            over_limit += 1
        else:
            rows.append({"key": line.key, "value": line.value, "value_type": "string"})
            added_at[line.key] = line.number
            added += 1
        taken.append(dataclasses.replace(line, error=error))
    return PasteAdded(rows, added, already_there, repeated, over_limit, tuple(taken))


@dataclass(frozen=True)
class PasteBox:
    """The paste box after Preview or Add: the lines read (None: no preview), a note, the text
    and group it still holds, the group Add put the lines in ("" when none), and whether the
    paste holds the step (left in the box on Save and continue or Back)."""

    lines: list[PastedLine] | None = None
    note: str = ""
    text: str = ""
    group: str = ""
    added_to: str = ""
    held: bool = False


def paste_box(action: str, text: str, group: str, values: dict) -> PasteBox:
    """What Preview (`paste-preview`), Add (`paste-add`), Save and continue (`next`) or Back
    (`back`) makes of a paste (`BOX_ACTIONS`).

    A preview keeps the pasted text and group in the box, so its Add button posts them again,
    and shows each line as Add would take it (`PasteAdded.lines`); Add puts the error-free
    lines into `values[group]` (the step's values, changed in place) and empties the box, with
    a note of what was added. Save and continue or Back with lines still in the box is a
    preview that holds the step (`LEFT_IN_BOX`): they are never dropped without a word. A box
    of blank lines and comments holds nothing.
    """
    block = read_pasted_block(text)
    if action == "paste-add" and group in VARIABLE_GROUPS:
        pasted = add_pasted(values[group], block.lines)
        values[group] = pasted.rows
        note = " ".join(filter(None, [pasted.note, block.cut_note]))
        return PasteBox(note=note, added_to=group)
    held = action in {"next", "back"}
    if held and not block.lines:
        return PasteBox()
    lines = block.lines
    if group in VARIABLE_GROUPS:  # each line as Add would take it
        lines = list(add_pasted(values[group], lines).lines)
    note = " ".join(filter(None, [LEFT_IN_BOX if held else "", block.cut_note]))
    return PasteBox(lines, note, text.replace("\x00", ""), group, held=held)


def posted_box(action: str, posted: Mapping[str, str], values: dict) -> PasteBox:
    """The paste box after any action of the Variables step: what `paste_box` makes of it on
    the box's own actions (`BOX_ACTIONS`); on any other (a row's Add or Remove, a type change)
    the text and group as posted, so that the rows' region, which holds the box, is redrawn
    with them: a paste not added yet is never dropped without a word. (A key in the text is
    never shown again: the box's field shows it redacted.)"""
    text, group = posted.get("paste_text", ""), posted.get("paste_group", "")
    if action in BOX_ACTIONS:
        return paste_box(action, text, group or "terraform", values)
    return PasteBox(text=text.replace("\x00", ""), group=group)
