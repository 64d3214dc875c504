"""The address a request came from, for limits kept per client address (the sign-in throttle).

Behind the TLS proxy every request's TCP peer (`REMOTE_ADDR`) is the proxy: counted by it, one
person's wrong passwords would lock every local user out. The proxy appends the peer it saw to
`X-Forwarded-For`; that header is believed only from the proxies in `FORWARDED_ALLOW_IPS` (the
setting by which gunicorn believes their `X-Forwarded-Proto`), since anyone else could write any
address there and so pick a fresh counter for every guess. Of the header only the hops the
trusted proxies wrote count: it is read from the right, past every hop that is itself a trusted
proxy, to the first that is not. Whatever a client wrote to the left of that is never read.
With `FORWARDED_ALLOW_IPS=*` (one proxy in front, and nothing else can reach the portal) only
the last hop, the one that proxy appended, is read.
"""

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest

from portal.envparse import Network, networks


@cache
def proxy_networks(setting: str, proxies: tuple[str, ...]) -> tuple[Network, ...]:
    """The networks a proxy setting (`SSO_TRUSTED_PROXIES`, `FORWARDED_ALLOW_IPS`) lists, as
    CIDRs or addresses; ImproperlyConfigured naming the setting for one that is not, or for a
    CIDR with host bits set, which gunicorn refuses too (`portal.envparse.networks`)."""
    return networks(setting, proxies)


def forwarding_networks(proxies: tuple[str, ...]) -> tuple[Network, ...] | None:
    """The networks of `FORWARDED_ALLOW_IPS`; None for `*` (every peer is the proxy)."""
    if "*" in (proxy.strip() for proxy in proxies):
        return None
    return proxy_networks("FORWARDED_ALLOW_IPS", proxies)


def address_of(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a Host header or an X-Forwarded-For hop names, with or without a port;
    None for a host name or anything else."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_forwarding_proxy(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    networks = forwarding_networks(tuple(settings.FORWARDED_ALLOW_IPS))
    if address is None:
        return False
    return networks is None or any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The client's address: the TCP peer, or, when the peer is a trusted proxy, the nearest
    `X-Forwarded-For` hop that is not one. A hop that is not an address ends the walk at the
    last address read (a trusted proxy's own). With `*` only the last hop is read: the one
    proxy in front appended it; every hop to its left came from the client (were each believed
    as a proxy's, the walk would end at the leftmost, which the client chose)."""
    address = request.META.get("REMOTE_ADDR", "")
    if not _is_forwarding_proxy(address_of(address)):
        return address
    hops = reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(","))
    any_peer = forwarding_networks(tuple(settings.FORWARDED_ALLOW_IPS)) is None
    for hop in hops:
        ip = address_of(hop)
        if ip is None:
            break
        address = str(ip)
        if any_peer or not _is_forwarding_proxy(ip):
            break
    return address
