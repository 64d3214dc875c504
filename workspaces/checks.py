"""System checks for configuration that would be unsafe or broken in a deployment."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from portal.checks import CONFIGURATION
from portal.public_secrets import PUBLIC_TOKEN_KEYS
from workspaces.crypto import token_cipher
from workspaces.harness import validate_base_url, validate_iacm_prefix

_GENERATE_HINT = (
    "Generate one with `python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'` and set HARNESS_TOKEN_KEYS"
)


def _public_token_keys() -> list[str]:
    return [key for key in settings.HARNESS_TOKEN_KEYS if key.strip() in PUBLIC_TOKEN_KEYS]


@register(deploy=True)
def insecure_token_keys(app_configs, **kwargs):
    if getattr(settings, "HARNESS_TOKEN_KEYS_INSECURE", False):
        return [
            Warning(
                "HARNESS_TOKEN_KEYS is not set: stored Harness keys use a development key.",
                hint=f"{_GENERATE_HINT}.",
                id="workspaces.W001",
            )
        ]
    if _public_token_keys():
        return [
            Warning(
                "HARNESS_TOKEN_KEYS holds a key published in this repository (the development "
                "key): anyone with the database can decrypt the Harness keys stored under it.",
                hint=f"{_GENERATE_HINT} to <new>,<public key>, run `manage.py "
                "rotate_harness_token_keys`, then set <new> alone (SECURITY.md).",
                id="workspaces.W001",
            )
        ]
    return []


@register(CONFIGURATION)
def public_token_key_in_production(app_configs, **kwargs):
    """The key that encrypts must not be public in production. A public key after it only
    decrypts: that is how a deployment rotates away from it (warned about by W001)."""
    keys = [key.strip() for key in settings.HARNESS_TOKEN_KEYS]
    if settings.PRODUCTION and keys and keys[0] in PUBLIC_TOKEN_KEYS:
        return [
            Error(
                "HARNESS_TOKEN_KEYS starts with a key published in this repository (the "
                "development key); production refuses to encrypt Harness keys with it.",
                hint=f'{_GENERATE_HINT} first (SECURITY.md, "Rotating the encryption keys").',
                id="workspaces.E003",
            )
        ]
    return []


@register(CONFIGURATION)
def token_keys(app_configs, **kwargs):
    try:
        token_cipher()
    except ImproperlyConfigured as err:
        return [
            Error(
                str(err),
                hint="Each comma-separated entry must be a key from Fernet.generate_key().",
                id="workspaces.E002",
            )
        ]
    return []


@register(CONFIGURATION)
def harness_base_url(app_configs, **kwargs):
    try:
        validate_base_url(settings.HARNESS_BASE_URL)
    except ValueError as err:
        return [Error(f"HARNESS_BASE_URL is not usable: {err}", id="workspaces.E001")]
    return []


@register(CONFIGURATION)
def harness_iacm_prefix(app_configs, **kwargs):
    """Checked as the client checks it when it is made, for every Harness page."""
    try:
        validate_iacm_prefix(settings.HARNESS_IACM_PREFIX)
    except ValueError:
        return [
            Error(
                f"HARNESS_IACM_PREFIX is not usable: {settings.HARNESS_IACM_PREFIX!r} is no "
                "path such as /iacm/api or /gateway/iacm/api.",
                hint="A path of plain segments from the host's root: no scheme, query or space.",
                id="workspaces.E004",
            )
        ]
    return []
