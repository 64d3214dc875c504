"""What this session learned about the key's write rights: the projects where Harness refused it
a workspace write (403). Harness has no access check to ask first, so the New workspace start page
and the workspace page's Edit say so only after a refusal.

The session remembers each refused `org/project` with the key's fingerprint, so another key
starts afresh.
"""

from __future__ import annotations

from workspaces.htmx import HtmxHttpRequest
from workspaces.models import HarnessCredential

# The session key (its name predates edits: a 403 on a create or on a change is remembered).
WRITE_FORBIDDEN = "wizard_create_forbidden"


def _key_fingerprint(request: HtmxHttpRequest) -> str:
    credential = HarnessCredential.objects.filter(user=request.user).first()
    return credential.key_fingerprint if credential else ""


def write_forbidden(request: HtmxHttpRequest, org: str, project: str) -> bool:
    """Whether Harness refused this key a workspace write in `org`/`project` this session."""
    remembered = request.session.get(WRITE_FORBIDDEN, {})
    return remembered.get(f"{org}/{project}") == _key_fingerprint(request) != ""


def remember_write_forbidden(request: HtmxHttpRequest, org: str, project: str) -> None:
    remembered = request.session.get(WRITE_FORBIDDEN, {})
    remembered[f"{org}/{project}"] = _key_fingerprint(request)
    request.session[WRITE_FORBIDDEN] = remembered
