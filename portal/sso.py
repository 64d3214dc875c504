"""Sign-in through an SSO proxy that names the user in a trusted request header.

The header is honoured only when the request comes straight from one of the configured proxy
addresses (`SSO_TRUSTED_PROXIES`, CIDRs); anyone else could simply send the header themselves.
Users are created on first sight, keyed by the lower-cased email. The proxy sends the user's
current groups on every request; they replace the user's Django groups whenever they change.
"""

import hashlib
import ipaddress
import logging

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse

from portal.backends import PortalModelBackend
from portal.proxies import Network, proxy_networks

logger = logging.getLogger("portal.sso")

SSO_SESSION_FLAG = "_portal_sso_user"
# "Sign out" without SSO_LOGOUT_URL ends only the portal's session: the proxy still sends the
# header, which would sign the user straight back in. A signed cookie (it outlives the session,
# which signing out flushes) keeps the browser signed out until "Sign in again" or for an hour.
SIGNED_OUT_COOKIE = "portal_sso_signed_out"
SIGNED_OUT_SALT = "portal.sso.signed-out"
SIGNED_OUT_SECONDS = 3600
# A digest of the groups header last applied to the signed-in user (the header may be kilobytes).
SSO_GROUPS_DIGEST = "_portal_sso_groups"
# Set on a request whose header named a user the portal refuses (deactivated in the admin).
SSO_REFUSAL = "portal_sso_refusal"


def _meta_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


def _header(request: HttpRequest, header: str) -> str:
    """The header's value as the proxy wrote it. WSGI hands header bytes over decoded as
    latin-1 (PEP 3333), so a proxy's UTF-8 ("Équipe") arrives as "Ã\x89quipe": read back as
    UTF-8; bytes that are not UTF-8 are kept as they came."""
    raw = request.META.get(_meta_key(header), "")
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:  # not latin-1 text (a test client's str), or not UTF-8 bytes
        return raw


def _trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return proxy_networks("SSO_TRUSTED_PROXIES", proxies)


def is_trusted_proxy(address: str) -> bool:
    """True when `address` (the TCP peer) is inside one of the configured proxy networks."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _trusted_networks(tuple(settings.SSO_TRUSTED_PROXIES)))


def _header_groups(request: HttpRequest) -> list[str] | None:
    if not settings.SSO_GROUPS_HEADER:
        return None
    raw = _header(request, settings.SSO_GROUPS_HEADER)
    # Every group is kept: a cap on their number would drop some, and a dropped group may be the
    # one an approval rule names. The header's size bounds them instead: gunicorn refuses a header
    # over `limit_request_field_size` (8190 bytes, gunicorn.conf.py), about 4,000 names at most,
    # and `_set_groups` applies any number in a few queries.
    names = {g.strip() for g in raw.split(",") if g.strip()}
    # A name longer than a Django group's is left out, never cut: cut, the identity provider's
    # "<approving group>-readonly" would become the approving group itself.
    longest = Group._meta.get_field("name").max_length
    for name in sorted(n for n in names if len(n) > longest):
        logger.warning(
            "SSO group left out: its name (%d characters, starting %r) is longer than %d "
            "characters, the longest a group's name can be",
            len(name),
            name[:40],
            longest,
        )
    return sorted(n for n in names if len(n) <= longest)


def _groups_digest(request: HttpRequest) -> str:
    raw = request.META.get(_meta_key(settings.SSO_GROUPS_HEADER), "")
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _set_groups(user: AbstractBaseUser, names: list[str]) -> None:
    """The user's groups become exactly `names`, missing groups created: a few queries however
    many names the header holds (one get_or_create each would be thousands)."""
    Group.objects.bulk_create([Group(name=name) for name in names], ignore_conflicts=True)
    user.groups.set(Group.objects.filter(name__in=names))


def _signed_out_cookie_name() -> str:
    # `__Host-`, like the session and CSRF cookies, wherever those are Secure (settings.py).
    return ("__Host-" if settings.SESSION_COOKIE_SECURE else "") + SIGNED_OUT_COOKIE


def is_signed_out(request: HttpRequest) -> bool:
    """Whether this browser signed out of the portal (without SSO_LOGOUT_URL) a moment ago."""
    return (
        request.get_signed_cookie(
            _signed_out_cookie_name(),
            default=None,
            salt=SIGNED_OUT_SALT,
            max_age=SIGNED_OUT_SECONDS,
        )
        is not None
    )


def mark_signed_out(response: HttpResponse) -> None:
    response.set_signed_cookie(
        _signed_out_cookie_name(),
        "1",
        salt=SIGNED_OUT_SALT,
        max_age=SIGNED_OUT_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def clear_signed_out(response: HttpResponse) -> None:
    response.delete_cookie(_signed_out_cookie_name(), samesite="Lax")


class SSOHeaderMiddleware:
    """Signs the user in from the SSO header when `PORTAL_AUTH=sso`; does nothing otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.PORTAL_AUTH == "sso":
            self._sign_in(request)
        return self.get_response(request)

    def _sign_in(self, request: HttpRequest) -> None:
        email = _header(request, settings.SSO_USER_HEADER).strip().lower()
        peer = request.META.get("REMOTE_ADDR", "")
        if email and not is_trusted_proxy(peer):
            logger.warning(
                "SSO header %s ignored: request from untrusted address %s",
                settings.SSO_USER_HEADER,
                peer,
            )
            email = ""
        if email and is_signed_out(request):
            email = ""  # signed out of the portal: no sign-in until "Sign in again"
        if not email:
            # Behind the proxy every request carries the header; without it the SSO session ends.
            if request.user.is_authenticated and request.session.get(SSO_SESSION_FLAG):
                auth.logout(request)
            return
        if request.user.is_authenticated and request.user.get_username() == email:
            self._refresh_groups(request)
            return
        user = auth.authenticate(request, sso_email=email, sso_groups=_header_groups(request))
        if user is None:  # the backend logged why
            if request.user.is_authenticated:
                auth.logout(request)
            return
        auth.login(request, user)
        request.session[SSO_SESSION_FLAG] = True
        if settings.SSO_GROUPS_HEADER:
            request.session[SSO_GROUPS_DIGEST] = _groups_digest(request)

    def _refresh_groups(self, request: HttpRequest) -> None:
        """Someone removed from a group at the identity provider loses it on their next request,
        not when the session ends. This runs on every request: the header's digest is compared
        with the session's, and only a change costs queries (and a session save)."""
        if not settings.SSO_GROUPS_HEADER:
            return
        digest = _groups_digest(request)
        if request.session.get(SSO_GROUPS_DIGEST) == digest:
            return
        _set_groups(request.user, _header_groups(request))
        request.session[SSO_GROUPS_DIGEST] = digest


class SSOHeaderBackend(PortalModelBackend):
    """Authenticates the email the middleware read from a trusted proxy's header."""

    def authenticate(
        self,
        request: HttpRequest | None,
        sso_email: str | None = None,
        sso_groups: list[str] | None = None,
        **kwargs,
    ) -> AbstractBaseUser | None:
        if not sso_email:
            return None
        try:
            if len(sso_email) > 150:
                raise ValidationError("longer than a username")
            validate_email(sso_email)
        except ValidationError:
            logger.warning("SSO header %s carried an invalid email", settings.SSO_USER_HEADER)
            return None
        user_model = auth.get_user_model()
        user, created = user_model._default_manager.get_or_create(
            username=sso_email, defaults={"email": sso_email}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            logger.info("SSO user created on first sign-in")
        if not self.user_can_authenticate(user):
            # Deactivated in the admin: refused, and the groups the admin left stay as they are.
            # The sign-in page says so (`SSO_REFUSAL`) instead of blaming the proxy.
            logger.warning("SSO sign-in refused: the portal user is deactivated")
            if request is not None:
                setattr(request, SSO_REFUSAL, "deactivated")
            return None
        if sso_groups is not None:
            _set_groups(user, sso_groups)
        return user
