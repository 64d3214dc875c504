from django.http import HttpRequest

from workspaces.context_processors import once_per_request
from workspaces.favourites.selectors import saved_views_menu


def favourites(request: HttpRequest) -> dict:
    """The header menu's saved views, read only when a template shows the menu.

    Partials never render the header, so htmx swaps do not pay for the query.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "saved_views_menu": once_per_request(
            request, "saved_views_menu", lambda: saved_views_menu(user=user)
        )
    }
