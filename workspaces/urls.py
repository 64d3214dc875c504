from django.urls import path, register_converter

from workspaces import views


class HarnessIdentifierConverter:
    """Org, project and workspace identifiers as Harness allows them; anything else is a 404."""

    regex = r"[A-Za-z_][A-Za-z0-9_$-]{0,127}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(HarnessIdentifierConverter, "hid")

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/harness-key/", views.harness_key, name="harness_key"),
    path("settings/harness-key/delete/", views.harness_key_delete, name="harness_key_delete"),
    path("orgs/", views.org_list, name="org_list"),
    path("orgs/<hid:org>/projects/", views.project_list, name="project_list"),
    path(
        "orgs/<hid:org>/projects/<hid:project>/workspaces/",
        views.workspace_list,
        name="workspace_list",
    ),
    path(
        "orgs/<hid:org>/projects/<hid:project>/workspaces/<hid:identifier>/",
        views.workspace_detail,
        name="workspace_detail",
    ),
]
