"""System checks for configuration that would be unsafe or broken in a deployment."""

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from portal.checks import CONFIGURATION
from workspaces.crypto import token_cipher
from workspaces.harness import validate_base_url


@register(deploy=True)
def insecure_token_keys(app_configs, **kwargs):
    if getattr(settings, "HARNESS_TOKEN_KEYS_INSECURE", False):
        return [
            Warning(
                "HARNESS_TOKEN_KEYS is not set: stored Harness keys use a development key.",
                hint="Generate one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'` and set HARNESS_TOKEN_KEYS.",
                id="workspaces.W001",
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
