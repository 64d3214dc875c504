from django.http import HttpRequest

from workspaces.approvals.selectors import approvals_waiting_count
from workspaces.context_processors import header_value


def approvals(request: HttpRequest) -> dict:
    """The header's "Awaiting my approval" count (a query, when the header is shown)."""
    return header_value(
        request, "approvals_waiting", lambda user: approvals_waiting_count(user=user)
    )
