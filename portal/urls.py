from django.contrib import admin
from django.urls import include, path

from portal import auth_views, health, metrics

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("accounts/login/", auth_views.login, name="login"),
    path("accounts/logout/", auth_views.logout, name="logout"),
    path("admin/", admin.site.urls),
    path("", include("workspaces.urls")),
]
