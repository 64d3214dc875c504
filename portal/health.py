"""Health endpoints for load balancers and orchestrators: no sign-in, no secrets."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving; checks no dependency."""
    return JsonResponse({"status": "ok"})
