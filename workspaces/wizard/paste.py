"""Pasted `.tfvars` / `.env` blocks: each line parsed into a key and a value, or an error."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workspaces.wizard.steps import MAX_LENGTH, VARIABLE_KEY_PATTERN

_VARIABLE_KEY_RE = re.compile(VARIABLE_KEY_PATTERN)


@dataclass(frozen=True)
class PastedLine:
    number: int
    text: str
    key: str = ""
    value: str = ""
    error: str = ""


_TFVARS_LINE = re.compile(r"^\s*([^=\s]+)\s*=\s*(.*?)\s*$")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([^=\s]+)\s*=\s*(.*?)\s*$")


def _unquote(value: str) -> tuple[str, str]:
    """(value, error) for a pasted value: quotes removed, simple escapes resolved."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in {'"', "'"}:
        inner = value[1:-1]
        if value[0] == '"':
            inner = inner.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        return inner, ""
    if value[:1] in {'"', "'"}:
        return value, "The quote is not closed."
    if value[:1] in {"[", "{"}:
        return value, "Lists and maps are not supported here; add this variable by hand."
    # Unquoted: a number, bool, or (in .env) a bare word; drop a trailing comment.
    return re.split(r"\s+#", value, maxsplit=1)[0].strip(), ""


def parse_pasted_variables(text: str) -> list[PastedLine]:
    """Lines of a pasted `.tfvars` or `.env` block, each with its key/value or its error.

    Blank lines and comments (`#`, `//`) are skipped.
    """
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        match = _ENV_LINE.match(raw) or _TFVARS_LINE.match(raw)
        if not match:
            lines.append(PastedLine(number, raw, error="Expected key = value."))
            continue
        key, value = match.group(1), match.group(2)
        if not _VARIABLE_KEY_RE.match(key) or len(key) > MAX_LENGTH:
            lines.append(
                PastedLine(
                    number,
                    raw,
                    key=key,
                    error="The key must start with a letter or _, then letters, digits, _ and -.",
                )
            )
            continue
        value, error = _unquote(value)
        lines.append(PastedLine(number, raw, key=key, value=value, error=error))
    return lines


def add_pasted(rows: list[dict[str, str]], lines: list[PastedLine]) -> list[dict[str, str]]:
    """`rows` with the error-free pasted lines added as text values; empty rows are dropped and
    a key already there is kept as it is."""
    rows = [row for row in rows if row.get("key") or row.get("value")]
    keys = {row.get("key") for row in rows}
    for line in lines:
        if line.error or line.key in keys:
            continue
        rows.append({"key": line.key, "value": line.value, "value_type": "string"})
        keys.add(line.key)
    return rows
