"""HTML for the workspace list's repeated parts, built in Python.

The table rows and the status chart repeat the same few cells for every row. Through the template
engine each `{{ }}` costs tens of microseconds on a small machine, and for a filter change the
30-row table was the largest part of the portal's own time (issue 8: the portal must add almost
nothing to Harness's latency). These functions produce the markup the template had; every value
from Harness goes through `html.escape` (quotes included), and the callers mark the result safe.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from html import escape as _html_escape

from workspaces.harness import WorkspaceSummary

_SPECIAL = re.compile(r"[&<>\"']")


def escape(text: str) -> str:
    """`html.escape(text)` (quotes included); most values have nothing to escape, and one search
    costs less than html.escape's five replacements."""
    return _html_escape(text) if _SPECIAL.search(text) else text


CHART_ROW_HEIGHT = 28
CHART_BAR_MAX = 190

_UNITS = ("year", "month", "week", "day", "hour", "minute")
_CHUNKS = (604800, 86400, 3600, 60)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def status_label(status: str) -> str:
    """`apply_needed` → `Apply needed`: Harness status values as people read them."""
    return str(status).replace("_", " ").capitalize()


def intcomma(value: int) -> str:
    return f"{value:,}"


def since(value: datetime.datetime, now: datetime.datetime) -> str:
    """What Django's `timesince(value, now)` gives in English ("2 weeks, 3 days", non-breaking
    spaces, up to two adjacent units), by the same calendar-aware algorithm, without its lazy
    translation objects (a fifth of the table's rendering time)."""
    if value.tzinfo is not None and now.tzinfo is not None:
        now = now.astimezone(value.tzinfo)
    delta = now - value
    if delta.days * 86400 + delta.seconds <= 0:
        return "0\xa0minutes"
    total_months = (now.year - value.year) * 12 + (now.month - value.month)
    if value.day > now.day or (value.day == now.day and value.time() > now.time()):
        total_months -= 1
    years, months = divmod(total_months, 12)
    pivot = value
    if years or months:
        year, month = value.year + years, value.month + months
        if month > 12:
            month, year = month - 12, year + 1
        pivot = datetime.datetime(
            year,
            month,
            min(_MONTH_DAYS[month - 1], value.day),
            value.hour,
            value.minute,
            value.second,
            tzinfo=value.tzinfo,
        )
    remaining = (now - pivot).total_seconds()
    counts = [years, months]
    for chunk in _CHUNKS:
        count = int(remaining // chunk)
        counts.append(count)
        remaining -= chunk * count
    parts: list[str] = []
    for unit, count in zip(_UNITS, counts, strict=True):
        if count:
            parts.append(f"{count}\xa0{unit}{'' if count == 1 else 's'}")
            if len(parts) == 2:
                break
        elif parts:
            break
    return ", ".join(parts) or "0\xa0minutes"


def time_since(value: datetime.datetime, now: datetime.datetime) -> str:
    """`<time datetime="…" title="Y-m-d H:i:s TZ">3 days ago</time>` for a local time."""
    title = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d} {value.tzname() or ''}"
    )
    return (
        f'<time datetime="{value.isoformat()}" title="{escape(title)}">'
        f"{escape(since(value, now))} ago</time>"
    )


def workspace_rows(items: Iterable[WorkspaceSummary], *, base_url: str, tz: datetime.tzinfo) -> str:
    """The `<tr>` of each workspace: name linked to its page, identifier, status, description,
    last update. `base_url` is the list's URL (a workspace's page is `base_url + identifier/`)."""
    now = datetime.datetime.now(tz)
    out = []
    for ws in items:
        identifier = escape(ws.identifier)
        if ws.description:
            short = ws.description if len(ws.description) <= 80 else ws.description[:79] + "…"
            description = f'<span title="{escape(ws.description)}">{escape(short)}</span>'
        else:
            description = '<span class="muted">—</span>'
        if ws.updated:
            updated = time_since(ws.updated.astimezone(tz), now)
        else:
            updated = '<span class="muted">—</span>'
        status = escape(ws.status)
        out.append(
            f'<tr><td><a href="{escape(base_url)}{identifier}/">{escape(ws.name)}</a></td>'
            f"<td><code>{identifier}</code></td>"
            f'<td><span class="badge badge--{status}">{escape(status_label(ws.status))}</span></td>'
            f'<td class="col-description">{description}</td>'
            f"<td>{updated}</td></tr>"
        )
    return "\n".join(out)


def bar_width(percent: int) -> int:
    """Bar length for a share of the largest count; a non-zero count is always visible."""
    return max(2 if percent else 0, round(CHART_BAR_MAX * percent / 100))


def status_chart(rows: list[tuple[str, int, int, str]]) -> str:
    """The status overview's SVG: one labelled bar per (status, count, percent, href) row, each
    a link that filters the list by that status (a labelled group, readable without colour)."""
    height = max(1, len(rows)) * CHART_ROW_HEIGHT
    desc = ", ".join(f"{status_label(status)}: {count}" for status, count, _pct, _href in rows)
    out = [
        '<svg class="chart" role="group" aria-labelledby="chart-title" '
        f'aria-describedby="chart-desc" viewBox="0 0 360 {height}" width="100%" '
        'preserveAspectRatio="xMinYMin meet">',
        '<title id="chart-title">Workspaces per status</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
    ]
    for index, (status, count, percent, href) in enumerate(rows):
        label = escape(status_label(status))
        width = bar_width(percent)
        plural = "" if count == 1 else "s"
        href = escape(href)
        out.append(
            f'<a href="{href}" class="chart__link" hx-get="{href}" hx-target="#workspace-browser" '
            f'hx-swap="outerHTML" hx-push-url="true" '
            f'aria-label="Show {count} {label.lower()} workspace{plural}">'
            f'<g transform="translate(0 {index * CHART_ROW_HEIGHT})">'
            '<rect x="0" y="0" width="360" height="26" class="chart__hit"></rect>'
            f'<text x="0" y="18" class="chart__label">{label}</text>'
            f'<rect x="118" y="4" height="18" width="{width}" rx="3" '
            f'class="chart__bar chart__bar--{escape(status)}"></rect>'
            f'<text x="{width + 124}" y="18" class="chart__count">{intcomma(count)}</text>'
            "</g></a>"
        )
    out.append("</svg>")
    return "\n".join(out)


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
