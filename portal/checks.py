"""System checks for the operations settings.

Checks tagged `CONFIGURATION` find settings the portal cannot work with (every request would fail);
`/readyz` runs them too, so a replica with such a mistake is never taken into service.
"""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from portal.metrics import _allowed_networks
from portal.proxies import forwarding_networks
from portal.sso import _trusted_networks

CONFIGURATION = "configuration"


@register(CONFIGURATION)
def metrics_networks(app_configs, **kwargs):
    try:
        _allowed_networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    except ImproperlyConfigured as err:
        return [Error(str(err), id="portal.E001")]
    return []


@register(CONFIGURATION)
def sso_trusted_proxies(app_configs, **kwargs):
    try:
        _trusted_networks(tuple(settings.SSO_TRUSTED_PROXIES))
    except ImproperlyConfigured as err:
        return [
            Error(str(err), hint="Use addresses or CIDRs such as 10.0.0.0/8.", id="portal.E002")
        ]
    return []


@register(CONFIGURATION)
def forwarded_allow_ips(app_configs, **kwargs):
    try:
        forwarding_networks(tuple(settings.FORWARDED_ALLOW_IPS))
    except ImproperlyConfigured as err:
        return [
            Error(
                str(err), hint="Use addresses or CIDRs such as 10.0.0.10, or *.", id="portal.E003"
            )
        ]
    return []
