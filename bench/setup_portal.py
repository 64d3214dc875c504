"""Benchmark fixtures inside the portal's database: users with a registered Harness key, drafts.

Run by `bench/run.py` with the same environment as gunicorn (production settings):
`python -m bench.setup_portal --users 6 --password ... --submit-drafts 30,12,8 --levels 1,8,32`.
Prints one JSON object: the users, and per user the draft ids the load generator uses.

Users get the fake's seeded full-access key through `services.credential_save`, exactly as the
key form saves it after Harness accepted the key (demo_setup does the same).
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--account-name", default="")
    parser.add_argument("--submits", type=int, required=True, help="submit drafts per user")
    parser.add_argument("--run-id", required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from workspaces.forms import account_from_key
    from workspaces.models import WorkspaceDraft
    from workspaces.services import credential_save

    account_id = account_from_key(args.api_key)
    password_hash = make_password(args.password)  # hashed once: PBKDF2 is slow on purpose
    users = []
    for index in range(args.users):
        username = f"bench{index}"
        user, _ = get_user_model().objects.update_or_create(
            username=username,
            defaults={"email": f"{username}@example.com", "password": password_hash},
        )
        credential_save(
            user=user, account_id=account_id, api_key=args.api_key, account_name=args.account_name
        )
        template_draft = WorkspaceDraft.objects.create(
            owner=user,
            org="default",
            project="infra",
            current_step="template",
            # Starting from a template with a template chosen: the step shows three pickers
            # (templates, that template's versions, workspaces to copy), fetched in parallel.
            data={
                **_valid_data(f"bench_{args.run_id}_tpl_{index}"),
                "template": {
                    "source": "template",
                    "template_ref": "account.aws_service",
                    "template_version": "v2",
                    "template_mode": "copied",
                    "applied": "template:account.aws_service:v2:copied",  # as read when chosen
                },
            },
        )
        submit_ids = []
        for number in range(args.submits):
            identifier = f"bench_{args.run_id}_u{index}_{number:04d}"
            data = _valid_data(identifier)
            draft = WorkspaceDraft.objects.create(
                owner=user,
                org="default",
                project="infra",
                current_step="review",
                data=data,
                name=data["basics"]["name"],
                identifier=identifier,
            )
            submit_ids.append(str(draft.pk))
        users.append(
            {
                "username": username,
                "template_draft": str(template_draft.pk),
                "submit_drafts": submit_ids,
            }
        )
    json.dump({"users": users, "account_id": account_id}, sys.stdout)


def _valid_data(identifier: str) -> dict:
    """A complete, valid draft for default/infra (the tests' sample)."""
    from tests.samples import complete_draft

    return complete_draft(
        identifier,
        description="Benchmark workspace",
        tags=(("team", "bench"), ("env", "dev")),
    )


if __name__ == "__main__":
    main()
