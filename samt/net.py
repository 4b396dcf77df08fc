"""Where a request came from, decided once for the lockout, the throttles and the audit trail alike."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _is_trusted(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in _networks(tuple(settings.SAMT_TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str | None:
    """The connecting address, or, for a request our own reverse proxy passed on, the address it heard from.

    The proxy's header (SAMT_CLIENT_IP_HEADER) is read only when the connection comes from a trusted proxy
    (SAMT_TRUSTED_PROXIES) or a unix socket (no address: only local processes reach one); otherwise anyone could
    pick their address and dodge the lockout and the throttles. In X-Forwarded-For each proxy appends the address
    it heard from, so only the entries on the right are true: the client's is the rightmost one that is not a
    trusted proxy, and whatever the client wrote to the left of it is ignored."""
    remote: str = request.META.get("REMOTE_ADDR") or ""
    header = settings.SAMT_CLIENT_IP_HEADER
    value = str(request.META.get(header, "")) if header else ""
    if not value or (remote and not _is_trusted(remote)):
        return remote or None
    hops = [hop.strip() for hop in value.split(",")]
    for hop in reversed(hops):
        if not _is_trusted(hop):
            return _valid(hop) or remote or None
    return _valid(hops[0]) or remote or None


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
