"""Encryption at rest for users' Harness API keys.

`MultiFernet` over `HARNESS_TOKEN_KEYS`: the first key encrypts, each decrypts, so keys can be
rotated without downtime (add a new key last, then move it in front, run
`manage.py rotate_harness_token_keys`, then drop the old key: README "Harness keys"). These keys
are never `SECRET_KEY`.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenDecryptionError(Exception):
    """A stored key cannot be decrypted with any configured key; the user must enter it again."""


@cache
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.strip().encode()) for k in keys])
    except ValueError as err:
        raise ImproperlyConfigured(
            "HARNESS_TOKEN_KEYS must hold url-safe base64 Fernet keys (32 bytes)."
        ) from err


def token_cipher() -> MultiFernet:
    """The cipher over HARNESS_TOKEN_KEYS; raises ImproperlyConfigured when a key is unusable."""
    if not settings.HARNESS_TOKEN_KEYS:
        raise ImproperlyConfigured("HARNESS_TOKEN_KEYS is empty.")
    return _multifernet(tuple(settings.HARNESS_TOKEN_KEYS))


def encrypt_token(plaintext: str) -> str:
    return token_cipher().encrypt(plaintext.encode()).decode()


def decrypt_token(ciphertext: str) -> str:
    try:
        return token_cipher().decrypt(ciphertext.encode()).decode()
    except InvalidToken as err:
        raise TokenDecryptionError("The stored Harness key cannot be decrypted.") from err


def rotate_token(ciphertext: str) -> str:
    """Re-encrypt under the first key (raises TokenDecryptionError when no key fits)."""
    try:
        return token_cipher().rotate(ciphertext.encode()).decode()
    except InvalidToken as err:
        raise TokenDecryptionError("The stored Harness key cannot be decrypted.") from err
