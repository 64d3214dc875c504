from django.http import HttpRequest

from workspaces.approvals.selectors import approvals_waiting_count
from workspaces.context_processors import once_per_request


def approvals(request: HttpRequest) -> dict:
    """The header's "Awaiting my approval" count, computed only when a template shows it.

    Partials never render the header, so htmx swaps do not pay for the query.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "approvals_waiting": once_per_request(
            request, "approvals_waiting", lambda: approvals_waiting_count(user=user)
        )
    }
