from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    """Header context: the org/project in the URL, and how sign-in works here."""
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    return {
        "current_org": kwargs.get("org", ""),
        "current_project": kwargs.get("project", ""),
        "portal_auth": settings.PORTAL_AUTH,
    }
