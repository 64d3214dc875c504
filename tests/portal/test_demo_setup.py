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
