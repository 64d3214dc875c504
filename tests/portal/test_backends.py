"""portal.backends: the session's user and their Harness key, from one query."""

import pytest

from portal.backends import PortalModelBackend
from portal.sso import SSOHeaderBackend
from workspaces.models import HarnessCredential

# Hand-written SQL and per-backend value converters; sessions from the cache.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.mark.parametrize("backend_class", [PortalModelBackend, SSOHeaderBackend])
def test_user_and_key_come_from_one_query(backend_class, user_with_key, django_assert_num_queries):
    with django_assert_num_queries(1):
        loaded = backend_class().get_user(str(user_with_key.pk))
        credential = loaded.harness_credential
        assert credential.user is loaded

    assert loaded.pk == user_with_key.pk
    assert credential.pk == user_with_key.harness_credential.pk
    assert credential.verified_at.tzinfo is not None


def test_a_user_without_a_key_raises_does_not_exist_without_another_query(
    user, django_assert_num_queries
):
    with django_assert_num_queries(1):
        loaded = PortalModelBackend().get_user(user.pk)
        with pytest.raises(HarnessCredential.DoesNotExist):
            loaded.harness_credential  # noqa: B018

    assert loaded.pk == user.pk


@pytest.mark.parametrize("user_id", [10**9, "not-a-number", None, ""])
def test_unknown_or_malformed_ids_are_no_user(db, user_id):
    assert PortalModelBackend().get_user(user_id) is None


def test_backend_refuses_inactive_users(user_with_key):
    backend = PortalModelBackend()
    assert backend.get_user(user_with_key.pk).pk == user_with_key.pk
    user_with_key.is_active = False
    user_with_key.save()
    assert backend.get_user(user_with_key.pk) is None


def test_a_filter_change_makes_one_database_query(signed_in_with_key, django_assert_num_queries):
    """The session's user and key, together; the session itself comes from the cache."""
    url = "/orgs/default/projects/infra/workspaces/"
    signed_in_with_key.get(url)  # the first visit remembers the project (an UPDATE)

    with django_assert_num_queries(1) as queries:
        response = signed_in_with_key.get(
            url + "?status=active", headers={"HX-Request": "true", "HX-Target": "workspace-table"}
        )

    assert response.status_code == 200
    (statement,) = [q["sql"] for q in queries.captured_queries]
    assert "LEFT OUTER JOIN" in statement and "workspaces_harnesscredential" in statement
