from django.http import HttpRequest

from workspaces.context_processors import header_value
from workspaces.favourites.selectors import saved_views_menu


def favourites(request: HttpRequest) -> dict:
    """The header menu's saved views (one query, when the menu is shown)."""
    return header_value(request, "saved_views_menu", lambda user: saved_views_menu(user=user))
