"""The sign-in backend for local accounts, and the user loading both backends share."""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router


class PortalModelBackend(ModelBackend):
    """Django's ModelBackend, loading the session's user together with their Harness key.

    Almost every request needs both (the key to call Harness, its fingerprint for cache keys), so
    the user comes with `harness_credential` already set, from one query instead of two.
    """

    def get_user(self, user_id):
        user = load_user_with_credential(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class _UserQuery:
    """`SELECT user.*, credential.* FROM user LEFT JOIN credential WHERE user.pk = %s`, written
    once per database. The same query `select_related("harness_credential").get(pk=...)` makes,
    without building and compiling a queryset on every request (most of that call's time: about
    0.6 ms of CPU per request on a small machine)."""

    def __init__(self, alias: str):
        user_model = get_user_model()
        relation = user_model.harness_credential.related
        credential_model = relation.related_model
        connection = connections[alias]
        quote = connection.ops.quote_name
        self.user_model, self.credential_model = user_model, credential_model
        self.user_fields = list(user_model._meta.concrete_fields)
        self.credential_fields = list(credential_model._meta.concrete_fields)
        user_pk = quote(user_model._meta.pk.column)
        columns = [f"u.{quote(f.column)}" for f in self.user_fields] + [
            f"c.{quote(f.column)}" for f in self.credential_fields
        ]
        # Only table and column names from the models' metadata, quoted; the id is a parameter.
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {quote(user_model._meta.db_table)} u "  # noqa: S608
            f"LEFT JOIN {quote(credential_model._meta.db_table)} c "
            f"ON c.{quote(relation.field.column)} = u.{user_pk} WHERE u.{user_pk} = %s"
        )
        # What the ORM would do to each raw value (e.g. SQLite's text dates into datetimes).
        self.converters = []
        for index, field in enumerate(self.user_fields + self.credential_fields):
            column = field.get_col(field.model._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((index, column, found))
        self.set_credential = relation.set_cached_value
        self.set_user = relation.field.set_cached_value
        self.user_names = [f.attname for f in self.user_fields]
        self.credential_names = [f.attname for f in self.credential_fields]

    def load(self, alias: str, user_id):
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, column, converters in self.converters:
            for converter in converters:
                values[index] = converter(values[index], column, connection)
        split = len(self.user_fields)
        user = self.user_model.from_db(alias, self.user_names, values[:split])
        credential = None
        if values[split] is not None:  # the credential's primary key: NULL without a key
            credential = self.credential_model.from_db(alias, self.credential_names, values[split:])
            self.set_user(credential, user)
        self.set_credential(user, credential)
        return user


@cache
def _query(alias: str) -> _UserQuery:
    return _UserQuery(alias)


def load_user_with_credential(user_id):
    """The user with this primary key, `harness_credential` loaded (None when they have none,
    so reading it raises DoesNotExist as usual); None when there is no such user."""
    user_model = get_user_model()
    try:
        user_id = user_model._meta.pk.to_python(user_id)
    except (ValidationError, TypeError, ValueError):  # a malformed id in a session: no user
        return None
    alias = router.db_for_read(user_model)
    return _query(alias).load(alias, user_id)
