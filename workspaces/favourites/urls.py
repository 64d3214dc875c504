from django.urls import path

from workspaces.favourites import views

# Included at the root by `workspaces.urls` (the `hid` converter is registered there).
urlpatterns = [
    path(
        "orgs/<hid:org>/projects/<hid:project>/favourites/",
        views.workspace_favourite,
        name="workspace_favourite",
    ),
    path("my-workspaces/", views.my_workspaces, name="my_workspaces"),
    path("views/", views.saved_view_list, name="saved_view_list"),
    path("views/<uuid:view_id>/", views.saved_view, name="saved_view"),
    path("views/<uuid:view_id>/delete/", views.saved_view_delete, name="saved_view_delete"),
]
