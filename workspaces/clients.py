"""Building Harness clients for users: the only place a stored key is decrypted."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from workspaces.crypto import decrypt_token
from workspaces.harness import HarnessClient
from workspaces.models import HarnessCredential, WorkspaceDraft


class NoHarnessCredential(Exception):
    """The signed-in user has not connected a Harness key yet."""


def harness_client(*, account_id: str, api_key: str) -> HarnessClient:
    """A client for a key that is not stored yet (the key check on the settings form)."""
    return HarnessClient(
        settings.HARNESS_BASE_URL,
        account_id,
        api_key,
        timeout=(settings.HARNESS_CONNECT_TIMEOUT, settings.HARNESS_READ_TIMEOUT),
        iacm_prefix=settings.HARNESS_IACM_PREFIX,
        metrics_time_unit=settings.HARNESS_METRICS_TIME_UNIT,
    )


def harness_account_of(user: AbstractBaseUser) -> str:
    """The Harness account of `user`'s stored key ("" without one); the key comes with the user
    (`PortalModelBackend.get_user` selects it), so this reads no database row."""
    try:
        return user.harness_credential.account_id
    except HarnessCredential.DoesNotExist:
        return ""


def draft_account_of(draft: WorkspaceDraft, user: AbstractBaseUser) -> str:
    """The Harness account a request is for: the one of the key it was started with, else (a
    request older than `WorkspaceDraft.account_id`) that of `user`'s key now."""
    return draft.account_id or harness_account_of(user)


def harness_client_for(user: AbstractBaseUser) -> HarnessClient:
    """The client for `user`'s stored key.

    Raises NoHarnessCredential when there is none, TokenDecryptionError when the stored key
    cannot be decrypted with the configured keys (ciphertext is never sent to Harness).
    """
    try:
        credential = user.harness_credential
    except HarnessCredential.DoesNotExist as err:
        raise NoHarnessCredential from err
    return harness_client(
        account_id=credential.account_id, api_key=decrypt_token(credential.encrypted_key)
    )
