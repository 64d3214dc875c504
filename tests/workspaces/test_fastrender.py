"""The list's Python-built markup: same text as Django's filters, every value escaped."""

import datetime
import random

import pytest
from django.utils.timesince import timesince

from workspaces import fastrender
from workspaces.harness import WorkspaceSummary

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 28, 23, 0, tzinfo=UTC)


def test_since_matches_django_timesince_everywhere():
    rnd = random.Random(8)
    for _ in range(20_000):
        now = NOW + datetime.timedelta(seconds=rnd.randint(-(10**8), 10**8))
        ago = rnd.choice(
            [
                rnd.randint(-100, 100),
                rnd.randint(0, 10**5),
                rnd.randint(0, 10**7),
                rnd.randint(0, 10**9),
            ]
        )
        offset = datetime.timezone(datetime.timedelta(hours=rnd.randint(-12, 12)))
        value = (now - datetime.timedelta(seconds=ago)).astimezone(offset)
        assert fastrender.since(value, now) == str(timesince(value, now)), (value, now)


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (datetime.timedelta(seconds=30), "0\xa0minutes"),
        (datetime.timedelta(minutes=1), "1\xa0minute"),
        (datetime.timedelta(days=3, hours=4, minutes=5), "3\xa0days, 4\xa0hours"),
        (datetime.timedelta(days=14, minutes=5), "2\xa0weeks"),
        (datetime.timedelta(days=400), "1\xa0year, 1\xa0month"),
        (-datetime.timedelta(days=1), "0\xa0minutes"),
    ],
)
def test_since_reads_like_django(ago, text):
    assert fastrender.since(NOW - ago, NOW) == text


HOSTILE = '<script>alert("x")</script>&\'"'


def test_rows_escape_every_value_from_harness():
    workspace = WorkspaceSummary(
        identifier='ws"><img src=x>',
        name=HOSTILE,
        status='active" onclick="x',
        org="default",
        project="infra",
        description=HOSTILE * 10,
        updated=datetime.datetime.now(UTC) - datetime.timedelta(hours=2, seconds=30),
    )
    html = fastrender.workspace_rows([workspace], base_url='/o/"p/', tz=UTC)
    assert "<script>" not in html and "<img" not in html
    assert 'onclick="' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;&quot;" in html
    assert 'href="/o/&quot;p/ws&quot;&gt;&lt;img src=x&gt;/"' in html
    assert "2\xa0hours ago</time>" in html
    # The description is cut to 80 characters like truncatechars:80, the title keeps it whole.
    short = html.split('<span title="')[1].split(">", 1)[1].split("</span>")[0]
    assert short.endswith("…")


def test_rows_without_description_or_update_show_a_dash():
    workspace = WorkspaceSummary(identifier="a", name="a", status="active", org="o", project="p")
    html = fastrender.workspace_rows([workspace], base_url="/w/", tz=UTC)
    assert html.count('<span class="muted">—</span>') == 2


def test_chart_is_a_labelled_group_of_escaped_links():
    rows = [("active", 1200, 100, "?status=active"), ('x"><b', 1, 0, '?a="b"')]
    html = fastrender.status_chart(rows)
    assert html.startswith('<svg class="chart" role="group"')
    assert '<desc id="chart-desc">Active: 1200, X&quot;&gt;&lt;b: 1</desc>' in html
    assert 'aria-label="Show 1200 active workspaces"' in html
    assert 'aria-label="Show 1 x&quot;&gt;&lt;b workspace"' in html
    assert 'href="?a=&quot;b&quot;"' in html
    assert ">1,200</text>" in html
    assert 'viewBox="0 0 360 56"' in html
