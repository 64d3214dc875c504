import json
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from workspaces.clients import harness_client
from workspaces.forms import account_from_key
from workspaces.harness import errors
from workspaces.models import ApprovalRule
from workspaces.services import credential_remember_project, credential_save

DEMO_ORG, DEMO_PROJECT = "default", "infra"
APPROVER_GROUP = "infra-approvers"
DEMO_RULE = "Production workspaces in default/infra"


def _fake_full_keys(base_url: str) -> list[str]:
    """The full-access keys of the fake Harness's first account that has two (demo only): one
    for the demo user, one for the approver, so the fake's log tells their calls apart."""
    with urllib.request.urlopen(f"{base_url}/_fake/seed", timeout=5) as response:  # noqa: S310
        seed = json.load(response)
    for account in seed["accounts"]:
        keys = [key["key"] for key in account["keys"] if key["access"] == "full"]
        if len(keys) >= 2:
            return keys
    raise CommandError("The fake Harness has no account with two full-access keys.")


class Command(BaseCommand):
    help = (
        "Create the demo user (demo/demo) and an approver (approver/approver), each with a "
        "seeded Harness key, and an approval rule (new workspaces in default/infra tagged "
        "env=prod). Idempotent."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo")
        parser.add_argument("--approver-username", default="approver")
        parser.add_argument("--approver-password", default="approver")

    def handle(
        self,
        *args,
        username: str,
        password: str,
        approver_username: str,
        approver_password: str,
        **options,
    ) -> None:
        base_url = settings.HARNESS_BASE_URL.rstrip("/")
        demo_key, approver_key = _fake_full_keys(base_url)[:2]
        user = self._user(username, password, demo_key)
        # The demo opens on the seeded project's workspaces, not on the org and project pickers.
        credential_remember_project(user=user, org=DEMO_ORG, project=DEMO_PROJECT)
        approver = self._user(approver_username, approver_password, approver_key)
        credential_remember_project(user=approver, org=DEMO_ORG, project=DEMO_PROJECT)
        group, _ = Group.objects.get_or_create(name=APPROVER_GROUP)
        approver.groups.add(group)
        rule, _ = ApprovalRule.objects.update_or_create(
            name=DEMO_RULE,
            defaults={
                "active": True,
                "for_create": True,
                "org": DEMO_ORG,
                "project": DEMO_PROJECT,
                "tag_key": "env",
                "tag_value": "prod",
            },
        )
        rule.approver_groups.add(group)
        self.stdout.write(
            f"Demo user '{username}' and approver '{approver_username}' ready; rule "
            f"'{DEMO_RULE}' holds new workspaces tagged env=prod for approval."
        )

    def _user(self, username: str, password: str, api_key: str):
        account_id = account_from_key(api_key)
        try:
            account = harness_client(account_id=account_id, api_key=api_key).check_account()
        except errors.HarnessError as err:
            base_url = settings.HARNESS_BASE_URL
            raise CommandError(f"The fake Harness at {base_url} refused a demo key: {err}") from err
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.set_password(password)
        user.save()
        credential_save(
            user=user, account_id=account_id, api_key=api_key, account_name=account.name
        )
        return user
