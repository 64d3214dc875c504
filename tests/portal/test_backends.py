"""portal.backends: the session's user and their Harness key, from one query."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.backends import PortalModelBackend, load_user_with_credential
from workspaces.models import HarnessCredential

# Hand-written SQL and per-backend value converters; sessions from the cache.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_user_and_key_come_from_one_query_with_the_orms_values(user_with_key):
    user_with_key.first_name = "Ålice"
    user_with_key.is_staff = True
    user_with_key.save()
    expected = (
        get_user_model().objects.select_related("harness_credential").get(pk=user_with_key.pk)
    )

    with CaptureQueriesContext(connection) as queries:
        loaded = load_user_with_credential(str(user_with_key.pk))
        credential = loaded.harness_credential
        assert credential.user is loaded
    assert len(queries) == 1

    assert _fields(loaded) == _fields(expected)
    assert _fields(credential) == _fields(expected.harness_credential)
    assert loaded.last_login is None or loaded.last_login.tzinfo is not None
    assert credential.verified_at.tzinfo is not None  # a datetime, not the database's text
    assert loaded._state.adding is False and loaded._state.db == "default"
    assert credential._state.adding is False


def test_a_user_without_a_key_raises_does_not_exist_without_another_query(user):
    with CaptureQueriesContext(connection) as queries:
        loaded = load_user_with_credential(user.pk)
        with pytest.raises(HarnessCredential.DoesNotExist):
            loaded.harness_credential  # noqa: B018
    assert len(queries) == 1
    assert _fields(loaded) == _fields(get_user_model().objects.get(pk=user.pk))


@pytest.mark.parametrize("user_id", [10**9, "not-a-number", None, ""])
def test_unknown_or_malformed_ids_are_no_user(db, user_id):
    assert load_user_with_credential(user_id) is None


def test_backend_refuses_inactive_users(user_with_key):
    backend = PortalModelBackend()
    assert backend.get_user(user_with_key.pk).pk == user_with_key.pk
    user_with_key.is_active = False
    user_with_key.save()
    assert backend.get_user(user_with_key.pk) is None


def test_a_filter_change_makes_one_database_query(signed_in_with_key):
    """The session's user and key, together; the session itself comes from the cache."""
    url = "/orgs/default/projects/infra/workspaces/"
    signed_in_with_key.get(url)  # the first visit remembers the project (an UPDATE)
    with CaptureQueriesContext(connection) as queries:
        response = signed_in_with_key.get(
            url + "?status=active", headers={"HX-Request": "true", "HX-Target": "workspace-table"}
        )
    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 1, statements
    assert "LEFT JOIN" in statements[0] and "workspaces_harnesscredential" in statements[0]
