"""The portal's own records. Harness owns workspaces; we keep only what the portal needs."""

from django.conf import settings
from django.db import models


class HarnessCredential(models.Model):
    """A user's Harness API key, encrypted at rest (see `workspaces.crypto`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="harness_credential"
    )
    account_id = models.CharField(max_length=128)
    account_name = models.CharField(max_length=256, blank=True)
    encrypted_key = models.TextField(help_text="Fernet token; never the plaintext key.")
    key_last4 = models.CharField(max_length=4)
    # Keyed hash of the plaintext key: cache keys carry it, so data fetched with one key's rights
    # is never served to a request made with another key.
    key_fingerprint = models.CharField(max_length=32)
    verified_at = models.DateTimeField()
    # The org and project the user chose last; every list URL also names them.
    current_org = models.CharField(max_length=128, blank=True)
    current_project = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Harness credential"

    def __str__(self) -> str:
        return f"{self.user} @ {self.account_id} (•••• {self.key_last4})"

    @property
    def masked_key(self) -> str:
        return f"•••• {self.key_last4}"
