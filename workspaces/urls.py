from django.urls import include, path, register_converter

from workspaces import export_views, views
from workspaces.across import status_views
from workspaces.across import views as across_views
from workspaces.decommission import views as decommission_views
from workspaces.forms import IDENTIFIER_PATTERN
from workspaces.wizard import change_views, my_requests
from workspaces.wizard import views as wizard_views


class HarnessIdentifierConverter:
    """Org, project and workspace identifiers as Harness allows them; anything else is a 404."""

    regex = IDENTIFIER_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(HarnessIdentifierConverter, "hid")

urlpatterns = [
    path("", views.home, name="home"),
    # Across projects: before any `workspaces/<...>` route, so "status" is never an identifier.
    path("workspaces/", across_views.all_workspaces, name="all_workspaces"),
    path("workspaces/status/", status_views.status_across, name="status_across"),
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
    path(
        "orgs/<hid:org>/projects/<hid:project>/workspaces/<hid:identifier>/export/<slug:form>/",
        export_views.workspace_export,
        name="workspace_export",
    ),
    path(
        "orgs/<hid:org>/projects/<hid:project>/workspaces/<hid:identifier>/delete/",
        decommission_views.workspace_delete,
        name="workspace_delete",
    ),
    path(
        "orgs/<hid:org>/projects/<hid:project>/workspaces/<hid:identifier>/delete/try-again/",
        decommission_views.deletion_try_again,
        name="deletion_try_again",
    ),
    path(
        "drafts/<uuid:draft_id>/deletion/",
        decommission_views.deletion_confirm,
        name="deletion_confirm",
    ),
    path(
        "orgs/<hid:org>/projects/<hid:project>/workspaces/<hid:identifier>/change/",
        change_views.workspace_change_start,
        name="workspace_change_start",
    ),
    path(
        "orgs/<hid:org>/projects/<hid:project>/workspaces/<hid:identifier>/change/try-again/",
        change_views.workspace_edit_try_again,
        name="workspace_edit_try_again",
    ),
    # The create-a-workspace wizard: drafts belong to their user and are addressed by UUID.
    # (Not under workspaces/, where "new" would shadow a workspace identified `new`.)
    path(
        "orgs/<hid:org>/projects/<hid:project>/new-workspace/",
        wizard_views.draft_start,
        name="draft_start",
    ),
    path("drafts/", my_requests.draft_list, name="draft_list"),
    path("approvals/", include("workspaces.approvals.urls")),
    path("drafts/<uuid:draft_id>/submit/", wizard_views.draft_submit, name="draft_submit"),
    path("drafts/<uuid:draft_id>/result/", wizard_views.draft_result, name="draft_result"),
    path("drafts/<uuid:draft_id>/delete/", my_requests.draft_delete, name="draft_delete"),
    path("drafts/<uuid:draft_id>/review/", wizard_views.draft_review, name="draft_review"),
    path(
        "drafts/<uuid:draft_id>/export/<slug:form>/", export_views.draft_export, name="draft_export"
    ),
    path(
        "drafts/<uuid:draft_id>/send-anyway/",
        change_views.draft_send_anyway,
        name="draft_send_anyway",
    ),
    path(
        "drafts/<uuid:draft_id>/change-again/",
        change_views.draft_change_again,
        name="draft_change_again",
    ),
    path(
        "drafts/<uuid:draft_id>/basics/identifier-check/",
        wizard_views.draft_identifier_check,
        name="draft_identifier_check",
    ),
    path(
        "drafts/<uuid:draft_id>/<slug:step>/pickers/<slug:name>/",
        wizard_views.draft_picker,
        name="draft_picker",
    ),
    path("drafts/<uuid:draft_id>/<slug:step>/", wizard_views.draft_step, name="draft_step"),
    # Stars, My workspaces and saved views.
    path("", include("workspaces.favourites.urls")),
]
