"""The list's rows and status chart: selectors prepare plain values, templates escape them."""

import datetime
import re
from datetime import UTC

from django.template.loader import render_to_string

from workspaces.forms import ListQuery
from workspaces.harness import Page, WorkspaceSummary
from workspaces.selectors import Loaded, workspace_row
from workspaces.status_metrics import StatusMetrics

HOSTILE = '<script>alert("x")</script>&\'"'
NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def render_table(rf, rows) -> str:
    page = Page(items=tuple(rows), page=1, limit=30, total_items=len(rows), total_pages=1)
    context = {"result": Loaded(page=page), "query": ListQuery(), "org": "o", "project": "p"}
    return render_to_string(
        "workspaces/workspace_list.html#workspace-table", context, request=rf.get("/w/")
    )


def test_rows_escape_every_value_from_harness(rf):
    workspace = WorkspaceSummary(
        identifier='ws"><img src=x>',
        name=HOSTILE,
        status='active" onclick="x',
        org="default",
        project="infra",
        description=HOSTILE * 10,
        updated=NOW - datetime.timedelta(hours=2, seconds=30),
    )

    html = render_table(rf, [workspace_row(workspace, list_url='/o/"p/', now=NOW, tz=UTC)])

    assert "<script>" not in html and "<img" not in html
    assert 'onclick="' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#x27;&quot;" in html
    assert 'href="/o/&quot;p/ws%22%3E%3Cimg%20src%3Dx%3E/"' in html
    assert "2\xa0hours ago</time>" in html
    assert 'datetime="2026-03-10T09:59:30+00:00" title="2026-03-10 09:59:30 UTC"' in html
    # The description is cut to 80 characters like truncatechars:80, the title keeps it whole.
    short = html.split('<span title="')[1].split(">", 1)[1].split("</span>")[0]
    assert short.endswith("…")


def test_rows_without_description_or_update_show_a_dash(rf):
    workspace = WorkspaceSummary(identifier="a", name="a", status="active", org="o", project="p")

    html = render_table(rf, [workspace_row(workspace, list_url="/w/", now=NOW, tz=UTC)])

    assert html.count('<span class="muted">—</span>') == 2


def test_row_times_read_like_django_timesince():
    workspace = WorkspaceSummary(
        identifier="a",
        name="a",
        status="apply_needed",
        org="o",
        project="p",
        updated=NOW - datetime.timedelta(days=400),
    )

    row = workspace_row(workspace, list_url="/w/", now=NOW, tz=UTC)

    assert row["updated_ago"] == "1\xa0year, 1\xa0month ago"
    assert row["status_label"] == "Apply needed"
    assert row["url"] == "/w/a/"


def test_a_change_in_the_last_minute_reads_just_now():
    workspace = WorkspaceSummary(
        identifier="a",
        name="a",
        status="active",
        org="o",
        project="p",
        updated=NOW - datetime.timedelta(seconds=20),
    )

    assert workspace_row(workspace, list_url="/w/", now=NOW, tz=UTC)["updated_ago"] == "just now"


def test_row_link_ids_are_unique_and_need_no_css_escape():
    places = [("o", "p-q", "r"), ("o", "p", "q-r"), ("o", "p", "a_b"), ("o", "p", "a$b")]
    places += [("o", "p", "a_24_b"), ("o", "p", "a b"), ("o", "p", "ä")]

    ids = [
        workspace_row(
            WorkspaceSummary(identifier=ident, name="n", status="active", org=org, project=proj),
            list_url="/w/",
            now=NOW,
            tz=UTC,
        )["link_id"]
        for org, proj, ident in places
    ]

    assert len(set(ids)) == len(places)
    assert all(re.fullmatch(r"ws-[A-Za-z0-9_]+-[A-Za-z0-9_]+-[A-Za-z0-9_]+", id_) for id_ in ids)


def test_chart_is_a_labelled_group_of_escaped_links(rf):
    metrics = StatusMetrics(counts={"active": 1200, 'x"><b': 1}, fetched_at=0)
    context = {"metrics": metrics, "query": ListQuery(q='a"b')}

    html = render_to_string(
        "workspaces/workspace_list.html#status-chart", context, request=rf.get("/w/")
    )

    assert html.strip().startswith('<svg class="chart" role="group"')
    assert '<desc id="chart-desc">Active: 1200, X&quot;&gt;&lt;b: 1</desc>' in html
    assert 'aria-label="Active 1,200: filter the list by this status"' in html
    # A status the list cannot be filtered by is labelled (escaped), not a link.
    assert '<g role="img" aria-label="1 x&quot;&gt;&lt;b workspace (not a filter)">' in html
    assert html.count("<a ") == 1 and "status=x" not in html and "u0022" not in html
    assert 'href="?q=a%22b&amp;status=active"' in html
    # With JavaScript a bar sends the filter form as it is now, its status in place of any.
    assert 'hx-include="#workspace-filters"' in html
    assert """hx-vals='{"status": "active"}'""" in html
    assert ">1,200</text>" in html
    assert 'viewBox="0 0 360 56"' in html
    assert 'width="190"' in html and 'width="2"' in html  # the smallest count stays visible
