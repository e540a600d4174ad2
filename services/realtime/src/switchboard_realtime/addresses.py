"""Which client address a connection counts against, for the per-address connection cap."""

from __future__ import annotations

import ipaddress

from websockets.datastructures import Headers

IPV6_GROUP_PREFIX = 64  # one subscriber usually holds a whole /64


def parse_trusted(value: str) -> frozenset[str]:
    """The comma-separated proxy addresses of a setting, normalised."""
    return frozenset(_normalise(part.strip()) for part in value.split(",") if part.strip())


def client_address(peer: object, headers: Headers, trusted: frozenset[str]) -> str:
    """The client's address group: the proxy's ``X-Real-IP`` when the peer is a trusted proxy
    (or the local proxy on the Unix socket, whose peer has no address), else the peer's."""
    host = peer[0] if isinstance(peer, tuple) and peer else None
    if host is None or _normalise(str(host)) in trusted:
        forwarded = headers.get("X-Real-IP", "").strip()
        if forwarded:
            return address_group(forwarded)
    return address_group(str(host) if host is not None else "local")


def address_group(address: str) -> str:
    """An IPv4 address as is; an IPv6 address as its /64 (a client rotating addresses within
    its own prefix counts once); anything unparsable as given."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{IPV6_GROUP_PREFIX}", strict=False))
    return str(ip)


def _normalise(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address
