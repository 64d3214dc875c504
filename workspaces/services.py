"""Writes: everything that changes the portal's records."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from workspaces.crypto import TokenDecryptionError, encrypt_token, rotate_token
from workspaces.models import HarnessCredential


def key_fingerprint(api_key: str) -> str:
    return salted_hmac(
        "workspaces.harness-key-fingerprint", api_key, algorithm="sha256"
    ).hexdigest()[:32]


def credential_save(
    *, user: AbstractBaseUser, account_id: str, api_key: str, account_name: str = ""
) -> HarnessCredential:
    """Store a key that Harness has just accepted, encrypted; replaces any earlier key.

    The org/project choice is kept when the account stays the same. The user's own row is
    locked first: a first key has no credential row to lock, and two first saves at once (a
    double click, two tabs) would both insert it, the second failing on the unique user.
    """
    with transaction.atomic():
        # The user model's manager, not type(user)'s: a request's user is a lazy object.
        get_user_model()._default_manager.select_for_update().only("pk").get(pk=user.pk)
        credential = HarnessCredential.objects.filter(user=user).first() or HarnessCredential(
            user=user
        )
        if credential.account_id and credential.account_id != account_id:
            credential.current_org = credential.current_project = ""
        credential.account_id = account_id
        credential.account_name = account_name
        credential.encrypted_key = encrypt_token(api_key)
        credential.key_last4 = api_key[-4:]
        credential.key_fingerprint = key_fingerprint(api_key)
        credential.verified_at = timezone.now()
        credential.save()
    return credential


def credential_delete(*, user: AbstractBaseUser) -> bool:
    """Forget the user's key. Returns whether there was one."""
    deleted, _ = HarnessCredential.objects.filter(user=user).delete()
    return bool(deleted)


def credential_remember_project(*, user: AbstractBaseUser, org: str, project: str) -> None:
    """Remember the org/project the user last opened (one UPDATE, only when it changed)."""
    (
        HarnessCredential.objects.filter(user=user)
        .exclude(current_org=org, current_project=project)
        .update(current_org=org, current_project=project)
    )


def credential_forget_project(*, user: AbstractBaseUser, org: str, project: str) -> None:
    """Forget the remembered org/project when it is this one (it no longer opens: deleted in
    Harness, or out of the key's sight), so the home page stops leading there."""
    HarnessCredential.objects.filter(user=user, current_org=org, current_project=project).update(
        current_org="", current_project=""
    )


def credentials_rotate() -> tuple[int, int]:
    """Re-encrypt every stored key under the first HARNESS_TOKEN_KEYS entry.

    Returns (rotated, undecryptable); undecryptable rows are left as they are, and their users
    are asked to enter the key again the next time it is used. A key deleted while this runs
    (its user pressed "Delete key") is skipped.
    """
    rotated = failed = 0
    for pk in HarnessCredential.objects.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            credential = HarnessCredential.objects.select_for_update().filter(pk=pk).first()
            if credential is None:
                continue
            try:
                credential.encrypted_key = rotate_token(credential.encrypted_key)
            except TokenDecryptionError:
                failed += 1
                continue
            credential.save(update_fields=["encrypted_key"])
            rotated += 1
    return rotated, failed
