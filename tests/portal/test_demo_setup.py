"""`manage.py demo_setup`: the demo user with the fake's key, opening on the demo project."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_demo_user_lands_on_the_demo_projects_workspaces(fake):
    call_command("demo_setup", "--username", "demo", "--password", "demo")
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/orgs/default/projects/infra/workspaces/"
    assert client.get(response["Location"]).status_code == 200


def test_the_demo_has_an_approver_with_a_key_of_their_own_and_a_rule(fake):
    from workspaces.approvals.selectors import rules_approved_by
    from workspaces.models import ApprovalRule

    call_command("demo_setup")
    call_command("demo_setup")  # idempotent: `make demo` runs it at every start

    users = get_user_model().objects
    demo, approver = users.get(username="demo"), users.get(username="approver")
    assert approver.check_password("approver")
    assert approver.harness_credential.key_fingerprint != demo.harness_credential.key_fingerprint
    [rule] = ApprovalRule.objects.all()
    assert rule.matches(kind="create", org="default", project="infra", tags={"env": "prod"})
    assert not rule.matches(kind="create", org="default", project="infra", tags={"env": "dev"})
    assert list(rules_approved_by(user=approver)) == [rule]
    assert list(rules_approved_by(user=demo)) == []
