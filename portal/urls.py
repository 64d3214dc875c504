from django.contrib import admin
from django.urls import include, path

from portal import auth_views, health, metrics
from portal.signin import ThrottledAdminAuthenticationForm

# The admin's own sign-in page would otherwise take unlimited password guesses.
admin.site.login_form = ThrottledAdminAuthenticationForm

# A database outage is a 503 that says so, not the generic 500 (`portal.errors`).
handler500 = "portal.errors.server_error"
# A paste too large to receive says so on Start from (`portal.errors.bad_request`).
handler400 = "portal.errors.bad_request"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("accounts/login/", auth_views.login, name="login"),
    path("accounts/logout/", auth_views.logout, name="logout"),
    path("admin/", admin.site.urls),
    path("", include("workspaces.urls")),
]
