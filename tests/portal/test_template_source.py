"""Template source rules that no rendering test would notice."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_short_comment_spans_lines():
    """Django's `{# … #}` ends on its own line: one that goes on is printed on the page."""
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {line.strip()[:60]}"
        for path in TEMPLATES.rglob("*.html")
        for line in path.read_text().splitlines()
        if re.search(r"\{#(?!.*#\})", line)
    ]

    assert not offenders
