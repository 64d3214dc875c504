"""The approval e-mails as a mail client shows them: plain text, names as Harness holds them;
and what becomes of them when the mail server or its settings fail."""

import pytest

from tests.approvals.support import (
    GROUP,
    UNUSABLE_MAILERS,
    pending_id,
    prod_draft,
    prod_rule,
)
from tests.workspaces.test_change import direct_put, edit, seeded_workspace, start
from workspaces.approvals import services
from workspaces.clients import harness_client_for
from workspaces.wizard import submit


def test_e_mail_subjects_say_a_workspace_name_as_harness_holds_it(
    author, approver, fake, mailoutbox
):
    prod_rule(groups=[GROUP], for_create=False, for_edit=True, tag_key="", tag_value="")
    workspace = seeded_workspace(harness_client_for(author))
    direct_put(workspace.identifier, name="R&D network (Ops' VPC)")
    draft = edit(start(author, workspace), repository={"branch": "develop"})
    held = submit.draft_submit(draft=draft, client=harness_client_for(author)).draft
    services.approval_reject(
        draft=held, approval_id=pending_id(held), approver=approver, reason="Not <now> & later."
    )

    waiting_mail, decided_mail = mailoutbox
    assert "R&D network (Ops' VPC)" in waiting_mail.body
    # Plain text: no HTML entity ("R&amp;D", "Ops&#x27;") in a subject either.
    assert "R&D network (Ops' VPC)" in waiting_mail.subject, waiting_mail.subject
    assert "R&D network (Ops' VPC)" in decided_mail.subject, decided_mail.subject
    assert "Not <now> & later." in decided_mail.body


@pytest.mark.parametrize("mailer", UNUSABLE_MAILERS)
def test_a_mailer_that_cannot_be_made_holds_the_request_and_logs_instead_of_a_500(
    author, approver, rule, fake, settings, caplog, mailer
):
    """EMAIL_USE_TLS and EMAIL_USE_SSL both true (or a mistyped EMAIL_BACKEND): submitting a
    request that needs approval was a 500 (InvalidMailer), though the request was held, and no
    approver was mailed."""
    settings.MAILERS = {"default": mailer}

    held = submit.draft_submit(draft=prod_draft(author), client=harness_client_for(author)).draft

    assert held.status == "awaiting_approval"
    assert "approval e-mail waiting not sent: no mailer" in caplog.text
