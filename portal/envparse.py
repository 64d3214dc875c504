"""Typed environment variables, read strictly: a value its variable cannot take is refused by name.

django-environ reads a boolean it does not know (`flase`, `enabled`, an empty value) as False and
`30s` as 30.0, and a plain `int("12h")` stops the process with a traceback naming no variable.
The settings and `gunicorn.conf.py` (which reads the Harness timeouts before Django loads) both
read through these functions, so they accept exactly the same values. A variable that is not set
takes its default; one set to an empty value is refused like any other value it cannot take.
Each refusal is an `ImproperlyConfigured` whose one-line message names the variable (`manage.py`
prints it without a traceback).
"""

import ipaddress
import math
import os
import ssl
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"true", "1", "on", "yes"})
_FALSE = frozenset({"false", "0", "off", "no"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _refuse(name: str, what: str, raw: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} must be {what}, not {raw!r}.")


def env_bool(name: str, default: bool) -> bool:
    """true/false, 1/0, on/off or yes/no, in any case."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise _refuse(name, "true or false (or 1/0, on/off, yes/no)", raw)


def env_int(name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    """A whole number from `minimum` to `maximum` (inclusive)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise _refuse(name, f"a whole number {bounds}", raw)
    return value


def env_seconds(name: str, default: float, *, zero: bool = False) -> float:
    """A number of seconds, without a unit: more than 0 (or 0 too, with `zero`)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        least = "0 or more" if zero else "more than 0"
        raise _refuse(name, f"a number of seconds without a unit, {least}", raw)
    return value


def env_choice(name: str, choices: Sequence[str], default: str) -> str:
    """One of `choices`, exactly as written there."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw in choices:
        return raw
    listed = ", ".join(repr(choice) for choice in choices[:-1])
    raise _refuse(name, f"{listed} or {choices[-1]!r}", raw)


def env_list(name: str, default: Sequence[str]) -> list[str]:
    """Comma-separated values, each without the spaces around it; empty ones are dropped, so
    `a.example.com, b.example.com,` is the same two values as `a.example.com,b.example.com`
    (django-environ's `env.list` keeps the spaces: a host " b.example.com" that no request
    carries, a proxy header value " https" that never matches)."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_log_level(name: str, default: str) -> str:
    """One of Python's logging levels, in any case; returned in capitals."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().upper() in LOG_LEVELS:
        return raw.strip().upper()
    raise _refuse(name, f"one of {', '.join(LOG_LEVELS)} (in any case)", raw)


def env_ca_bundle(name: str) -> str:
    """The path of a PEM file of CA certificates, or "" (not set or empty: the default CAs). A
    path to nothing, to a directory or to a file without a certificate is refused."""
    raw = os.environ.get(name, "").strip()
    if raw:
        try:
            ssl.create_default_context(cafile=raw)
        except (OSError, ValueError):  # missing, unreadable, no certificate (ssl.SSLError)
            raise _refuse(
                name, "the path of a PEM file of CA certificates, or empty", raw
            ) from None
    return raw


def env_url_config(name: str, url: str, parse: Callable[[str], dict]) -> dict:
    """`parse(url)` (django-environ's `db_url_config`, `cache_url_config`); ImproperlyConfigured
    naming `name` for a URL it cannot read. Neither the URL nor the parser's message is shown
    (not even as the error's context): both may hold the password, as in "Port could not be
    cast to integer value as 'Zq8Kx2'" for a password with a `/` in it."""
    try:
        return parse(url)
    except (ValueError, KeyError, ImproperlyConfigured) as err:
        raise ImproperlyConfigured(
            f"{name} is not a URL the portal can read ({type(err).__name__}). A user name or "
            "password with any of / ? # @ : % in it must be percent-encoded "
            "(urllib.parse.quote(password, safe='')), or be one without them "
            "(secrets.token_urlsafe(32))."
        ) from None


def networks(name: str, values: Iterable[str], *, strict: bool = True) -> tuple[Network, ...]:
    """The addresses or CIDRs `values` lists (blank ones skipped); ImproperlyConfigured naming
    `name` for one that is not, and for a CIDR with host bits set (`10.0.0.5/24`), as gunicorn
    refuses it: an address copied with its prefix length, which read as its network would trust
    every other address in it. With `strict=False` such a CIDR is read as its network
    (`METRICS_ALLOWED_NETWORKS`, whose deploy check names it instead: `host_bits_set`)."""
    parsed = []
    for value in (value.strip() for value in values):
        if not value:
            continue
        try:
            parsed.append(ipaddress.ip_network(value, strict=strict))
        except ValueError as err:
            raise ImproperlyConfigured(
                f"{name} holds an invalid network: {err} (an address, or a network's own "
                "address and prefix such as 10.0.0.0/24)."
            ) from None
    return tuple(parsed)


def host_bits_set(values: Iterable[str]) -> list[tuple[str, Network]]:
    """Each CIDR among `values` with host bits set (`10.0.0.5/24`), with the network
    `networks(..., strict=False)` reads it as (10.0.0.0/24). What is no network at all is left
    to `networks` to refuse."""
    found = []
    for value in (value.strip() for value in values):
        try:
            interface = ipaddress.ip_interface(value)
        except ValueError:
            continue
        if interface.ip != interface.network.network_address:
            found.append((value, interface.network))
    return found


def env_networks(name: str, default: Sequence[str], *, any_peer: bool = False) -> list[str]:
    """Comma-separated addresses or CIDRs, as `env_list` reads them and `networks` accepts them;
    `*` (every peer) too with `any_peer`."""
    values = env_list(name, default)
    networks(name, (value for value in values if not (any_peer and value == "*")))
    return values
