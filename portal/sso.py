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
from django.utils.crypto import constant_time_compare, salted_hmac

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
# Set on a request whose header the portal refuses, with why: the user it names is deactivated
# in the admin ("deactivated"), or it is no usable e-mail address ("invalid": SSO_USER_HEADER
# names another header, say X-Forwarded-User). The sign-in page says which (`auth_views`).
SSO_REFUSAL = "portal_sso_refusal"
# Whose CSRF secret the browser holds: an HMAC (SECRET_KEY) of the username and the secret, set
# at each header sign-in. It outlives the session, as the CSRF cookie does (`_keep_csrf_secret`),
# but not a response to the browser signed out (`forget_csrf_owner`).
CSRF_OWNER_COOKIE = "portal_sso_csrf_owner"
CSRF_OWNER_SALT = "portal.sso.csrf-owner"
# Set on a request the header signed in on: the username, for the owner cookie.
SSO_SIGNED_IN = "portal_sso_signed_in"


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


def _cookie_name(name: str) -> str:
    # `__Host-`, like the session and CSRF cookies, wherever those are Secure (settings.py).
    return ("__Host-" if settings.SESSION_COOKIE_SECURE else "") + name


def _signed_out_cookie_name() -> str:
    return _cookie_name(SIGNED_OUT_COOKIE)


def _csrf_owner(username: str, csrf_secret: str) -> str:
    return salted_hmac(
        CSRF_OWNER_SALT, f"{username}\n{csrf_secret}", algorithm="sha256"
    ).hexdigest()


def _csrf_secret_was_theirs(request: HttpRequest, username: str, csrf_secret: str) -> bool:
    owner = request.COOKIES.get(_cookie_name(CSRF_OWNER_COOKIE), "")
    return constant_time_compare(owner, _csrf_owner(username, csrf_secret))


def _set_csrf_owner(request: HttpRequest, response: HttpResponse) -> None:
    username = getattr(request, SSO_SIGNED_IN, "")
    csrf_secret = request.META.get("CSRF_COOKIE")
    if not username or not csrf_secret:
        return
    response.set_cookie(
        _cookie_name(CSRF_OWNER_COOKIE),
        _csrf_owner(username, csrf_secret),
        max_age=settings.CSRF_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


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


def forget_csrf_owner(request: HttpRequest, response: HttpResponse) -> None:
    """Whoever uses a signed-out browser can read its CSRF secret: from then on it is no
    longer only its owner's, and their next sign-in must renew it."""
    if _cookie_name(CSRF_OWNER_COOKIE) in request.COOKIES:
        response.delete_cookie(_cookie_name(CSRF_OWNER_COOKIE), samesite="Lax")


class SSOHeaderMiddleware:
    """Signs the user in from the SSO header when `PORTAL_AUTH=sso`; does nothing otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.PORTAL_AUTH != "sso":
            return self.get_response(request)
        self._sign_in(request)
        response = self.get_response(request)
        if request.user.is_authenticated:
            _set_csrf_owner(request, response)
        else:  # signed out: by "Sign out", by the proxy, or refused
            forget_csrf_owner(request, response)
        return response

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
        csrf = request.META.get("CSRF_COOKIE"), request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False)
        auth.login(request, user)  # renews the CSRF secret (`rotate_token`)
        self._keep_csrf_secret(request, user.get_username(), *csrf)
        setattr(request, SSO_SIGNED_IN, user.get_username())
        request.session[SSO_SESSION_FLAG] = True
        if settings.SSO_GROUPS_HEADER:
            request.session[SSO_GROUPS_DIGEST] = _groups_digest(request)

    @staticmethod
    def _keep_csrf_secret(
        request: HttpRequest, username: str, csrf_secret: str | None, needs_update: bool
    ) -> None:
        """A session that ended (SESSION_COOKIE_AGE) is renewed by the proxy's header on the
        next request, and `auth.login` renews the CSRF secret: every page the user had open
        then sent a token for the old one, and its next action was refused (403).

        Django renews the secret at sign-in against two attacks. Login CSRF (a site signing the
        victim into the attacker's account) cannot happen here: the header comes only from the
        trusted proxy, for whoever the identity provider signed in. The other: someone who saw
        the browser's secret before the sign-in (a shared browser, signed out or signed in as
        themselves) could forge requests once the victim signs in. So the secret is kept only
        when the owner cookie says this same user held it (an HMAC keyed by SECRET_KEY: nobody
        can write one) and the browser stayed signed in as them since: a sign-in as someone else
        writes theirs, and any response to the browser signed out deletes it
        (`forget_csrf_owner`); "Sign out" renews the secret too. The user knowing their own
        secret is no risk.

        The secret lives in its own cookie (CSRF_USE_SESSIONS is off), which outlives the
        session; stored in the session, it would have ended with it."""
        if csrf_secret and _csrf_secret_was_theirs(request, username, csrf_secret):
            request.META["CSRF_COOKIE"] = csrf_secret
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = needs_update

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
            if request is not None:
                setattr(request, SSO_REFUSAL, "invalid")
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
