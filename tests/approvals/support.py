"""Approval test data: a rule like the demo's, a second person's key, a draft tagged env=prod.

Shared by the approval tests, the browser test and the two-replica test.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import Group

from tests.samples import complete_draft
from workspaces.models import ApprovalRule, WorkspaceDraft

APPROVER_KEY = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7ec.dEmOaPpRoVeR0000000006"
# What the fake's request log shows of each key: the token id, never the secret.
APPROVER_IN_LOG = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7ec.…redacted"
AUTHOR_IN_LOG = "pat.AcmeDemoAcct01.65a1f0c0d1e2f3a4b5c6d7e8.…redacted"
CREATE = "iacm.workspaces.create"
GROUP = "infra-approvers"
SMTP = "django.core.mail.backends.smtp.EmailBackend"
# MAILERS["default"] of which Django cannot make a mailer (InvalidMailer): a mistyped
# EMAIL_BACKEND, and SMTP over TLS and SSL at once.
UNUSABLE_MAILERS = (
    {"BACKEND": "django.core.mail.backends.smtp.EmailBakend"},
    {"BACKEND": SMTP, "OPTIONS": {"host": "smtp.example.com", "use_tls": True, "use_ssl": True}},
)


def prod_rule(*, groups=(), users=(), **fields) -> ApprovalRule:
    """New workspaces in default/infra tagged env=prod wait for the given approvers."""
    values = {
        "name": "Production in infra",
        "for_create": True,
        "org": "default",
        "project": "infra",
        "tag_key": "env",
        "tag_value": "prod",
        **fields,
    }
    rule = ApprovalRule.objects.create(**values)
    rule.approver_groups.set([Group.objects.get_or_create(name=name)[0] for name in groups])
    rule.approver_users.set(users)
    return rule


def prod_data(identifier: str, *, env: str = "prod", cost_estimation: bool = True) -> dict:
    """A complete draft tagged env=`env`. The fake's policy denies env=prod without cost
    estimation, so `cost_estimation=False` makes a request Harness refuses."""
    data = complete_draft(identifier, tags=(("team", "platform"), ("env", env)))
    data["provisioner"]["cost_estimation_enabled"] = cost_estimation
    return data


def prod_draft(
    owner, identifier: str = "prod_vpc", *, kind: str = "create", **options
) -> WorkspaceDraft:
    data = prod_data(identifier, **options)
    return WorkspaceDraft.objects.create(
        owner=owner,
        kind=kind,
        org="default",
        project="infra",
        data=data,
        name=data["basics"]["name"],
        identifier=identifier,
    )


def pending_id(draft: WorkspaceDraft) -> int:
    """The id of the approval `draft` waits for: what its review page's decision form carries."""
    return draft.approvals.get(decision="pending").pk


def queue_ids(html: str) -> list[str]:
    """The request ids the approval queue's rows link to, top to bottom."""
    return re.findall(r'<td data-label="Request"><span><a href="/approvals/([^/"]+)/">', html)
