"""System checks for the operations settings."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from portal.metrics import _allowed_networks


@register()
def metrics_networks(app_configs, **kwargs):
    try:
        _allowed_networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    except ImproperlyConfigured as err:
        return [Error(str(err), id="portal.E001")]
    return []
