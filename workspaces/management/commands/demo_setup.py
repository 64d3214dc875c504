import json
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from workspaces.clients import harness_client
from workspaces.forms import account_from_key
from workspaces.harness import errors
from workspaces.services import credential_remember_project, credential_save

DEMO_ORG, DEMO_PROJECT = "default", "infra"


def _fake_full_key(base_url: str) -> str:
    """The first full-access key the fake Harness was seeded with (demo only)."""
    with urllib.request.urlopen(f"{base_url}/_fake/seed", timeout=5) as response:  # noqa: S310
        seed = json.load(response)
    for account in seed["accounts"]:
        for key in account["keys"]:
            if key["access"] == "full":
                return key["key"]
    raise CommandError("The fake Harness has no full-access key.")


class Command(BaseCommand):
    help = "Create the demo user (demo/demo) with a seeded Harness key registered. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo")

    def handle(self, *args, username: str, password: str, **options) -> None:
        base_url = settings.HARNESS_BASE_URL.rstrip("/")
        api_key = _fake_full_key(base_url)
        account_id = account_from_key(api_key)
        try:
            account = harness_client(account_id=account_id, api_key=api_key).check_account()
        except errors.HarnessError as err:
            raise CommandError(
                f"The fake Harness at {base_url} refused the demo key: {err}"
            ) from err
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.set_password(password)
        user.save()
        credential_save(
            user=user, account_id=account_id, api_key=api_key, account_name=account.name
        )
        # The demo opens on the seeded project's workspaces, not on the org and project pickers.
        credential_remember_project(user=user, org=DEMO_ORG, project=DEMO_PROJECT)
        self.stdout.write(f"Demo user '{username}' ready with a key for account {account_id}.")
