"""The audit trail as CSV, for the admin's export action."""

import csv
import itertools
import json

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from workspaces.models import AuditEntry

COLUMNS = (
    "id",
    "created_at",
    "actor_username",
    "action",
    "account",
    "org",
    "project",
    "identifier",
    "request",
    "harness_status",
    "outcome",
    "message",
    "request_id",
    "body",
    "approval",
)
# A cell starting with one of these is a formula to a spreadsheet: quoted so it stays text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(entry: AuditEntry) -> list[str]:
    values = {
        "id": entry.pk,
        "created_at": entry.created_at.isoformat(),
        "request": entry.draft_id or "",
        "body": json.dumps(entry.body, sort_keys=True) if entry.body is not None else "",
        "approval": json.dumps(entry.approval, sort_keys=True) if entry.approval else "",
    }
    return [_cell(values[c] if c in values else getattr(entry, c)) for c in COLUMNS]


class _Echo:
    """csv.writer's file: hands each row back instead of storing it (Django's streaming CSV)."""

    def write(self, value: str) -> str:
        return value


def audit_csv_response(entries: QuerySet[AuditEntry]) -> StreamingHttpResponse:
    """A CSV download of `entries`, oldest first, streamed (an export of the whole trail does
    not sit in memory): one row each, bodies and approval chains as JSON, and cells that a
    spreadsheet would run as a formula quoted."""
    writer = csv.writer(_Echo())
    rows = entries.order_by("created_at", "id").iterator(chunk_size=500)
    lines = itertools.chain([writer.writerow(COLUMNS)], (writer.writerow(_row(e)) for e in rows))
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return StreamingHttpResponse(
        lines,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-trail-{stamp}.csv"'},
    )
