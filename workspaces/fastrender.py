"""HTML for the workspace list's repeated parts, built in Python.

The table rows and the status chart repeat the same few cells for every row. Through the template
engine each `{{ }}` costs tens of microseconds on a small machine, and for a filter change the
30-row table was the largest part of the portal's own time (issue 8: the portal must add almost
nothing to Harness's latency). These functions produce the markup the template had; every value
from Harness goes through `html.escape` (quotes included), and the callers mark the result safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape as _html_escape

_SPECIAL = re.compile(r"[&<>\"']")


def escape(text: str) -> str:
    """`html.escape(text)` (quotes included); most values have nothing to escape, and one search
    costs less than html.escape's five replacements."""
    return _html_escape(text) if _SPECIAL.search(text) else text


def picker_options(
    options: Iterable, *, field: str, selected: str, trigger_url: str = "", trigger_target: str = ""
) -> str:
    """A wizard picker's options: one radio per option with its label, scope, reference and
    detail; the selected one checked; `trigger_url` (if any) loads what depends on the choice."""
    field = escape(field)
    trigger = (
        f' hx-get="{escape(trigger_url)}" hx-target="{escape(trigger_target)}" hx-swap="outerHTML"'
        if trigger_url
        else ""
    )
    out = []
    for option in options:
        value = escape(option.value)
        checked = " checked" if option.value == selected else ""
        scope = (
            f'<span class="scope scope--{escape(option.scope)}" '
            f'title="Defined at {escape(option.scope)} level">{escape(option.scope)}</span>'
            if option.scope
            else ""
        )
        detail = (
            f'<span class="picker__detail">{escape(option.detail)}</span>' if option.detail else ""
        )
        out.append(
            f'<li><label class="picker__option"><input type="radio" name="{field}" '
            f'value="{value}"{checked}{trigger}>'
            f'<span class="picker__label">{escape(option.label)}</span>'
            f'{scope}<code class="picker__ref">{value}</code>{detail}</label></li>'
        )
    return "\n".join(out)


def choice_input(data: dict) -> str:
    """The `<input>` of one radio or checkbox option (a BoundWidget's `data`), exactly as Django's
    `django/forms/widgets/input.html` and `attrs.html` write it, without three template renders
    per option through the form renderer."""
    out = [f'<input type="{escape(str(data["type"]))}" name="{escape(str(data["name"]))}"']
    if data["value"] is not None:
        out.append(f' value="{escape(str(data["value"]))}"')
    for name, value in data["attrs"].items():
        if value is True:
            out.append(f" {escape(str(name))}")
        elif value is not False:
            out.append(f' {escape(str(name))}="{escape(str(value))}"')
    out.append(">")
    return "".join(out)
