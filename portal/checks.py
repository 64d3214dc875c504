"""System checks for the operations settings.

Checks tagged `CONFIGURATION` find settings the portal cannot work with (every request would fail)
or, in production, must not run with (a key published in this repository); `/readyz` runs them
too, so a replica with such a mistake is never taken into service.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import mailers

from portal.envparse import host_bits_set
from portal.metrics import _allowed_networks
from portal.proxies import forwarding_networks
from portal.public_secrets import PUBLIC_METRICS_TOKENS, PUBLIC_SECRET_KEYS
from portal.sso import _trusted_networks

CONFIGURATION = "configuration"


@register(CONFIGURATION)
def metrics_networks(app_configs, **kwargs):
    try:
        _allowed_networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    except ImproperlyConfigured as err:
        return [Error(str(err), id="portal.E001")]
    return []


@register(deploy=True)
def metrics_networks_host_bits(app_configs, **kwargs):
    """Not an error (SSO_TRUSTED_PROXIES and FORWARDED_ALLOW_IPS refuse host bits): refused, the
    value would make every replica unready, where it has long opened its whole network."""
    return [
        Warning(
            f"METRICS_ALLOWED_NETWORKS holds {value}, a CIDR with host bits set: /metrics is open "
            f"to its whole network, {network}.",
            hint=f"Write {network} if the whole network is meant, or {value.partition('/')[0]} "
            "for that one address.",
            id="portal.W005",
        )
        for value, network in host_bits_set(settings.METRICS_ALLOWED_NETWORKS)
    ]


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
def sso_needs_trusted_proxies(app_configs, **kwargs):
    if settings.PORTAL_AUTH != "sso" or settings.SSO_TRUSTED_PROXIES:
        return []
    return [
        Error(
            "PORTAL_AUTH is sso but SSO_TRUSTED_PROXIES is empty: the sign-on proxy's header is "
            "trusted from no address, so every sign-in is refused.",
            hint="Set SSO_TRUSTED_PROXIES to the proxy's addresses or CIDRs, e.g. 10.0.0.0/8.",
            id="portal.E005",
        )
    ]


@register(deploy=True)
def sso_logout_url(app_configs, **kwargs):
    if settings.PORTAL_AUTH != "sso" or settings.SSO_LOGOUT_URL:
        return []
    return [
        Warning(
            'PORTAL_AUTH is sso but SSO_LOGOUT_URL is empty: "Sign out" ends only the portal\'s '
            "session, not the proxy's, and the browser stays signed out of the portal only until "
            '"Sign in again" (or for an hour).',
            hint="Set SSO_LOGOUT_URL to the proxy's sign-out address (oauth2-proxy: "
            "/oauth2/sign_out?rd=%2F).",
            id="portal.W003",
        )
    ]


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


_REPLACE_HINT = (
    "Generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
    '(README, "Rotating keys").'
)


@register(deploy=True)
def public_secret_key(app_configs, **kwargs):
    named = [
        name
        for name, keys in (
            ("SECRET_KEY", [settings.SECRET_KEY]),
            ("SECRET_KEY_FALLBACKS", settings.SECRET_KEY_FALLBACKS),
        )
        if any(key in PUBLIC_SECRET_KEYS for key in keys)
    ]
    if not named:
        return []
    return [
        Warning(
            f"{' and '.join(named)} holds a key published in this repository (the development "
            "default): anyone can forge what Django signs with it (password-reset links, signed "
            "cookies and values).",
            hint=_REPLACE_HINT,
            id="portal.W001",
        )
    ]


@register(CONFIGURATION)
def public_secret_key_in_production(app_configs, **kwargs):
    if settings.PRODUCTION and settings.SECRET_KEY in PUBLIC_SECRET_KEYS:
        return [
            Error(
                "SECRET_KEY is a key published in this repository; production refuses it.",
                hint=_REPLACE_HINT,
                id="portal.E004",
            )
        ]
    return []


_METRICS_TOKEN_MIN = 16
_SCRAPER_HINT = (
    "Generate one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'` and give "
    "the scraper the same."
)


@register(deploy=True)
def weak_metrics_token(app_configs, **kwargs):
    token = settings.METRICS_BEARER_TOKEN
    if token in PUBLIC_METRICS_TOKENS:
        problem = "is a placeholder published in this repository: /metrics refuses it"
    elif 0 < len(token) < _METRICS_TOKEN_MIN:
        problem = f"is shorter than {_METRICS_TOKEN_MIN} characters: easy to guess"
    else:
        return []
    return [Warning(f"METRICS_BEARER_TOKEN {problem}.", hint=_SCRAPER_HINT, id="portal.W004")]


@register()
def public_metrics_token_in_production(app_configs, **kwargs):
    """Not a readiness check: /metrics refuses the token anyway, and nothing else needs it."""
    if settings.PRODUCTION and settings.METRICS_BEARER_TOKEN in PUBLIC_METRICS_TOKENS:
        return [
            Error(
                "METRICS_BEARER_TOKEN is a placeholder published in this repository (the k8s "
                "example's); production refuses it, and /metrics answers the scraper 404.",
                hint=_SCRAPER_HINT,
                id="portal.E007",
            )
        ]
    return []


def _links_nowhere(url: str) -> bool:
    """True for a URL that is no link to the portal for someone reading a mail elsewhere: not
    http(s), or on a loopback host (localhost, 127.0.0.0/8, ::1)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in {"http", "https"} or not host:
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@register(deploy=True)
def portal_url(app_configs, **kwargs):
    if not _links_nowhere(settings.PORTAL_URL):
        return []
    return [
        Warning(
            f"PORTAL_URL is {settings.PORTAL_URL!r}: the links in approval e-mails would not "
            "reach the portal (a loopback address, or not an http(s) URL).",
            hint="Set PORTAL_URL to the portal's address as people reach it, e.g. "
            "https://portal.example.com.",
            id="portal.W002",
        )
    ]


@register(Tags.mail)
def mailer(app_configs, **kwargs):
    """A mailer Django cannot make fails every e-mail. Not a readiness check: the mails are
    logged and skipped (`workspaces.approvals.notify`), and every replica would be taken out of
    service for them; `manage.py check` (and so the migrate job) fails instead."""
    try:
        mailers.default  # noqa: B018 (made to see that it can be; opens no connection)
    # InvalidMailer: an unknown BACKEND (TLS and SSL at once never get here: the settings
    # refuse them, naming both).
    except ImproperlyConfigured as err:
        return [
            Error(
                f"EMAIL_BACKEND and the EMAIL_* settings make no mailer: {err}",
                hint="Check EMAIL_BACKEND's spelling (.env.example).",
                id="portal.E006",
            )
        ]
    return []
