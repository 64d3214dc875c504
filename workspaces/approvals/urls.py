from django.urls import path

from workspaces.approvals import views

urlpatterns = [
    path("", views.approval_queue, name="approval_queue"),
    path("<uuid:draft_id>/", views.approval_detail, name="approval_detail"),
    path("<uuid:draft_id>/withdraw/", views.approval_withdraw, name="approval_withdraw"),
]
