import pytest

from tests.approvals.support import APPROVER_KEY, GROUP, prod_rule
from tests.conftest import ACCOUNT


@pytest.fixture
def author(user_with_key):
    """Alice, with the full-access key, and an e-mail address."""
    user_with_key.email = "alice@example.com"
    user_with_key.save(update_fields=["email"])
    return user_with_key


@pytest.fixture
def approver(db, django_user_model, fake):
    """Carol: a member of the approving group, with her own Harness key."""
    from django.contrib.auth.models import Group

    from workspaces.services import credential_save

    carol = django_user_model.objects.create_user(
        username="carol", password="s3cret-pass", email="carol@example.com"
    )
    carol.groups.add(Group.objects.get_or_create(name=GROUP)[0])
    credential_save(user=carol, account_id=ACCOUNT, api_key=APPROVER_KEY, account_name="Acme")
    return carol


@pytest.fixture
def rule(db):
    return prod_rule(groups=[GROUP])
