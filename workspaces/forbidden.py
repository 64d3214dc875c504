"""Writes Harness refused a key (403), remembered in the session per action and project.

Harness has no "may I?" call to ask before a write: the portal learns it from a refusal and says
so before the next attempt. Actions: `create` (a create or a change: Harness's one "Workspaces:
Create/Edit" permission; New workspace and Edit) and `delete`. Keyed by the key's fingerprint,
so another key starts afresh; forgotten when the person says the key may now (a right granted
since), so the next attempt asks Harness again.
"""

from workspaces.htmx import HtmxHttpRequest
from workspaces.models import HarnessCredential


def _session_key(action: str) -> str:
    return f"wizard_{action}_forbidden" if action == "create" else f"{action}_forbidden"


def _fingerprint(request: HtmxHttpRequest) -> str:
    # The key comes with the user (`PortalModelBackend.get_user` selects it): no query here.
    try:
        return request.user.harness_credential.key_fingerprint
    except HarnessCredential.DoesNotExist:
        return ""


def forbidden_remembered(request: HtmxHttpRequest, *, action: str, org: str, project: str) -> bool:
    """Whether Harness refused this key `action` in `org`/`project` during this session."""
    remembered = request.session.get(_session_key(action), {})
    return remembered.get(f"{org}/{project}") == _fingerprint(request) != ""


def forbidden_remember(request: HtmxHttpRequest, *, action: str, org: str, project: str) -> None:
    """Remember that Harness refused this key `action` in `org`/`project` (a 403)."""
    remembered = request.session.get(_session_key(action), {})
    remembered[f"{org}/{project}"] = _fingerprint(request)
    request.session[_session_key(action)] = remembered


def forbidden_forget(request: HtmxHttpRequest, *, action: str, org: str, project: str) -> None:
    """Forget a refusal of `action` in `org`/`project` (the key was given the right since)."""
    remembered = request.session.get(_session_key(action), {})
    if remembered.pop(f"{org}/{project}", None) is not None:
        request.session[_session_key(action)] = remembered
