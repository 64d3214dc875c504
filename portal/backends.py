"""The sign-in backend for local accounts; `SSOHeaderBackend` inherits its `get_user`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError


class PortalModelBackend(ModelBackend):
    """Django's ModelBackend, loading the session's user together with their Harness key.

    Almost every request needs both (the key to call Harness, its fingerprint for cache keys), so
    `harness_credential` comes with the user from one query (`select_related`); reading it raises
    DoesNotExist, without another query, for a user who has no key.
    """

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user_id = user_model._meta.pk.to_python(user_id)
        except ValidationError:  # a malformed id in a session: no user
            return None
        users = user_model._default_manager.select_related("harness_credential")
        try:
            user = users.get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
