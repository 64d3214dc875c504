"""The approval e-mails as a mail client shows them: plain text, names as Harness holds them;
and what becomes of them when the mail server or its settings fail."""

import socketserver
import threading

import pytest

from tests.approvals.support import (
    GROUP,
    SMTP,
    UNUSABLE_MAILERS,
    pending_id,
    prod_draft,
    prod_rule,
)
from tests.approvals.test_services import _erin
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


class _RefusingCarolAtData(socketserver.StreamRequestHandler):
    """An SMTP server that takes every recipient at RCPT TO, then refuses the message to carol
    at the end of DATA quoting her address, as real servers do: `refusal` is its reply (a 421
    hangs up after it). Delivered recipients are collected in `delivered`."""

    delivered: list[str] = []
    refusal = "550 5.7.1 <carol@example.com>: Recipient address rejected"

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self._say("220 fake ESMTP")
        recipients = []
        while line := self.rfile.readline():
            command = line.decode().strip()
            upper = command.upper()
            if upper.startswith("MAIL FROM"):
                recipients = []
            elif upper.startswith("RCPT TO"):
                recipients.append(command.split(":", 1)[1].strip("<> "))
            elif upper == "DATA":
                self._say("354 go on")
                while self.rfile.readline().rstrip(b"\r\n") != b".":
                    pass
                if "carol@example.com" in recipients:
                    self._say(self.refusal)
                    if self.refusal.startswith("421"):
                        return
                else:
                    _RefusingCarolAtData.delivered.extend(recipients)
                    self._say("250 queued")
                continue
            elif upper == "QUIT":
                self._say("221 bye")
                return
            self._say("250 ok")


@pytest.fixture
def smtp_port():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _RefusingCarolAtData)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _RefusingCarolAtData.delivered = []
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "refusal",
    [
        "550 5.7.1 <carol@example.com>: Recipient address rejected",
        "421 4.7.0 <carol@example.com>: Try again later, closing connection",
    ],
)
def test_one_approvers_mail_refused_at_data_neither_logs_their_address_nor_stops_the_others(
    author,
    approver,
    rule,
    fake,
    settings,
    caplog,
    smtp_port,
    django_user_model,
    monkeypatch,
    refusal,
):
    """A server refusing carol's message at DATA (SMTPDataError, not SMTPRecipientsRefused)
    escaped the per-recipient handling: its reply, her address in it, was logged with the
    traceback, and erin, after her, was never mailed. A 421 also hangs up: the portal connects
    again for the next recipient."""
    _erin(django_user_model)
    monkeypatch.setattr(_RefusingCarolAtData, "refusal", refusal)
    options = {"host": "127.0.0.1", "port": smtp_port, "timeout": 5}
    settings.MAILERS = {"default": {"BACKEND": SMTP, "OPTIONS": options}}

    held = submit.draft_submit(draft=prod_draft(author), client=harness_client_for(author)).draft

    assert held.status == "awaiting_approval"
    assert _RefusingCarolAtData.delivered == ["erin@example.com"]
    assert f"approval e-mail waiting refused for one recipient (SMTP {refusal[:3]})" in caplog.text
    assert "carol@example.com" not in caplog.text
