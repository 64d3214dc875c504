"""E-mails about approvals: to the approvers when a request waits, to the requester when it is
decided. Sent with Django's mail backend (console backend in development and the demo, SMTP
from the `EMAIL_*` settings in production) once the decision is stored, one message per
recipient over one connection (nobody sees the other approvers' addresses); a mail server that
fails, or refuses one message (at RCPT TO or at DATA; the others still go), is logged by its
reply code, never its text or an address, and never fails the request. Links use `PORTAL_URL`.
No key, no secret value is ever in a message: bodies hold references only, and the mails do not
include them anyway.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, mailers
from django.template.loader import render_to_string
from django.urls import reverse

from workspaces.approvals import selectors
from workspaces.approvals.models import Approval
from workspaces.wizard.outcomes import was_sent

logger = logging.getLogger("workspaces.approvals")


def _link(path: str) -> str:
    return settings.PORTAL_URL.rstrip("/") + path


def _why(err: Exception) -> str:
    """What a failed send is logged with: the SMTP reply code, else the error's class. Never
    the reply's text, which quotes addresses (`550 5.7.1 <carol@example.com>: ...`)."""
    if isinstance(err, smtplib.SMTPResponseException):
        return f"SMTP {err.smtp_code}"
    return type(err).__name__


def _send_one(mailer, email: EmailMessage) -> None:
    try:
        mailer.send_messages([email])
    except smtplib.SMTPServerDisconnected:  # it hung up on the one before (421): connect again
        mailer.close()
        mailer.open()
        mailer.send_messages([email])


def _send(*, template: str, context: dict, recipients: list[str]) -> None:
    if not recipients:
        return
    subject = " ".join(render_to_string(f"approvals/email/{template}_subject.txt", context).split())
    message = render_to_string(f"approvals/email/{template}.txt", context)
    try:
        mailer = mailers.default
    except ImproperlyConfigured as err:  # InvalidMailer; `manage.py check` says so (portal.E006)
        logger.error("approval e-mail %s not sent: no mailer (%s)", template, err)
        return
    try:
        with mailer:  # one connection for every message
            for recipient in recipients:
                try:
                    _send_one(mailer, EmailMessage(subject, message, None, [recipient]))
                # The server refused this one (at RCPT TO, or at DATA): the others still go.
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as err:
                    logger.warning(
                        "approval e-mail %s refused for one recipient (%s)", template, _why(err)
                    )
    except (smtplib.SMTPException, OSError) as err:  # no server, or it went away: the rest wait
        logger.warning("approval e-mail %s could not be sent (%s)", template, _why(err))


def notify_waiting(*, approval: Approval) -> None:
    """Tell every approver with an e-mail address that `approval`'s request waits for them."""
    draft = approval.draft
    draft.refresh_from_db()
    _send(
        template="waiting",
        context={
            "draft": draft,
            "approval": approval,
            "link": _link(reverse("approval_detail", args=[draft.pk])),
        },
        recipients=selectors.approval_recipients(approval=approval),
    )


def notify_decided(*, approval: Approval) -> None:
    """Tell the requester what became of their request: rejected (why), or approved and then
    created in Harness or refused by it, or not sent (changed in Harness meanwhile)."""
    draft = approval.draft
    draft.refresh_from_db()
    response = draft.harness_response or {}
    _send(
        template="decided",
        context={
            "draft": draft,
            "approval": approval,
            "response": response,
            # The write stopped before it was sent: the mail must not say it was.
            "not_sent": not was_sent(response),
            "link": _link(reverse("draft_result", args=[draft.pk])),
        },
        recipients=[draft.owner.email] if draft.owner.email else [],
    )
