"""Encryption at rest and key rotation."""

import re
from itertools import pairwise
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from tests.conftest import ACCOUNT, FULL_KEY, READ_KEY, TEST_TOKEN_KEYS
from workspaces import services
from workspaces.crypto import TokenDecryptionError, decrypt_token, encrypt_token
from workspaces.models import HarnessCredential
from workspaces.services import credential_save

OLD_FERNET = "b2xkLWhhcm5lc3MtdG9rZW4ta2V5LTAwMDAwMDAwMDA="
NEW_FERNET = "bmV3LWhhcm5lc3MtdG9rZW4ta2V5LTAwMDAwMDAwMDA="
# README "Harness keys": HARNESS_TOKEN_KEYS before and after each of the three rollouts.
ROLLOUTS = ([OLD_FERNET], [OLD_FERNET, NEW_FERNET], [NEW_FERNET, OLD_FERNET], [NEW_FERNET])
ROOT = Path(__file__).resolve().parents[2]


def test_encrypt_then_decrypt_round_trips(settings):
    token = encrypt_token(FULL_KEY)

    assert FULL_KEY not in token
    assert decrypt_token(token) == FULL_KEY


def test_decrypting_with_unknown_keys_raises(settings):
    token = encrypt_token(FULL_KEY)
    settings.HARNESS_TOKEN_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(TokenDecryptionError):
        decrypt_token(token)


def test_secret_key_is_not_the_encryption_key(settings):
    assert settings.SECRET_KEY not in settings.HARNESS_TOKEN_KEYS


@pytest.mark.django_db
@pytest.mark.postgres  # each row re-encrypted under select_for_update
def test_rotation_re_encrypts_every_stored_key_under_the_newest_key(
    settings, django_user_model, capsys
):
    alice = django_user_model.objects.create_user("alice")
    bob = django_user_model.objects.create_user("bob")
    credential_save(user=alice, account_id=ACCOUNT, api_key=FULL_KEY)
    credential_save(user=bob, account_id=ACCOUNT, api_key=READ_KEY)
    new_key = Fernet.generate_key().decode()
    settings.HARNESS_TOKEN_KEYS = [new_key, *TEST_TOKEN_KEYS]

    call_command("rotate_harness_token_keys")

    settings.HARNESS_TOKEN_KEYS = [new_key]  # the old key can now be dropped
    assert decrypt_token(HarnessCredential.objects.get(user=alice).encrypted_key) == FULL_KEY
    assert decrypt_token(HarnessCredential.objects.get(user=bob).encrypted_key) == READ_KEY
    assert "Re-encrypted 2 stored Harness key(s)." in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.postgres  # each row re-encrypted under select_for_update
def test_rotation_reports_keys_it_cannot_decrypt(settings, django_user_model):
    alice = django_user_model.objects.create_user("alice")
    credential_save(user=alice, account_id=ACCOUNT, api_key=FULL_KEY)
    settings.HARNESS_TOKEN_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(CommandError, match="1 stored key"):
        call_command("rotate_harness_token_keys")


@pytest.mark.django_db
@pytest.mark.postgres  # each row re-encrypted under select_for_update
def test_rotating_in_three_rollouts_keeps_every_stored_key_readable_on_every_replica(
    settings, django_user_model
):
    """During a rolling update replicas not yet rolled serve next to rolled ones, and a key saved
    (or replaced) on one is read on another. Each rollout adds what the next one writes with
    before any replica writes with it; the Job re-encrypts once every replica writes with <new>."""
    alice = django_user_model.objects.create_user("alice")
    bob = django_user_model.objects.create_user("bob")
    settings.HARNESS_TOKEN_KEYS = ROLLOUTS[0]
    credential_save(user=alice, account_id=ACCOUNT, api_key=FULL_KEY)

    for number, (not_rolled, rolled) in enumerate(pairwise(ROLLOUTS), start=1):
        if number == 3:  # every replica runs <new>,<old>: the Job, then the old key goes
            settings.HARNESS_TOKEN_KEYS = not_rolled
            call_command("rotate_harness_token_keys")
        for writer in (not_rolled, rolled):
            settings.HARNESS_TOKEN_KEYS = writer
            credential_save(user=bob, account_id=ACCOUNT, api_key=READ_KEY)
            for reader in (not_rolled, rolled):
                settings.HARNESS_TOKEN_KEYS = reader
                for credential in HarnessCredential.objects.all():
                    assert decrypt_token(credential.encrypted_key) in {FULL_KEY, READ_KEY}, (
                        number,
                        writer,
                        reader,
                    )

    # Without the first rollout, a replica still on <old> cannot read a key saved with <new>.
    settings.HARNESS_TOKEN_KEYS = [NEW_FERNET, OLD_FERNET]
    credential_save(user=bob, account_id=ACCOUNT, api_key=READ_KEY)
    settings.HARNESS_TOKEN_KEYS = [OLD_FERNET]
    with pytest.raises(TokenDecryptionError):
        decrypt_token(HarnessCredential.objects.get(user=bob).encrypted_key)


@pytest.mark.django_db
@pytest.mark.postgres  # each row re-encrypted under select_for_update
def test_rotation_skips_a_key_deleted_while_it_runs(settings, django_user_model, monkeypatch):
    """The Job runs while the replicas serve: a key deleted after the command listed the ids made
    `select_for_update().get(pk=...)` raise DoesNotExist, the command stopped with a traceback and
    the keys after it were never re-encrypted."""
    settings.HARNESS_TOKEN_KEYS = [OLD_FERNET]
    users = [django_user_model.objects.create_user(username=f"u{i}") for i in range(3)]
    for user in users:
        credential_save(user=user, account_id=ACCOUNT, api_key=FULL_KEY)
    settings.HARNESS_TOKEN_KEYS = [NEW_FERNET, OLD_FERNET]
    real_rotate = services.rotate_token

    def rotate_while_a_user_deletes_their_key(ciphertext):
        if HarnessCredential.objects.filter(user=users[1]).exists():  # "Delete key" meanwhile
            services.credential_delete(user=users[1])
        return real_rotate(ciphertext)

    monkeypatch.setattr(services, "rotate_token", rotate_while_a_user_deletes_their_key)

    call_command("rotate_harness_token_keys")

    settings.HARNESS_TOKEN_KEYS = [NEW_FERNET]  # the old key can now be dropped
    remaining = HarnessCredential.objects.all()
    assert sorted(c.user_id for c in remaining) == [users[0].pk, users[2].pk]
    assert all(decrypt_token(c.encrypted_key) == FULL_KEY for c in remaining)


@pytest.mark.parametrize("path", [".env.example", "portal/settings.py", "workspaces/crypto.py"])
def test_the_token_keys_are_described_as_a_rotation_orders_them(path):
    """The rotation's second rollout is `<old>,<new>` (README, SECURITY.md): the first key is
    the one that encrypts, not the newest."""
    text = re.sub(r"\s+", " ", re.sub(r"^\s*#", "", (ROOT / path).read_text(), flags=re.M))

    assert "newest" not in text
    assert "first encrypts, each decrypts" in text or "first key encrypts, each decrypts" in text
