"""The client's address of a request: the direct peer, or X-Forwarded-For behind trusted proxies.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only when the direct
peer (REMOTE_ADDR) is one of the operator's reverse proxies (RAAS_TRUSTED_PROXIES). Each proxy
appends the address it received the request from: reading from the right, the first address that
is not a trusted proxy is the client. Anything malformed falls back to the direct peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(trusted_proxies: Iterable[str | Network]) -> tuple[Network, ...]:
    """The networks of RAAS_TRUSTED_PROXIES entries (an address is a one-address network)."""
    networks: list[Network] = []
    for entry in trusted_proxies:
        if isinstance(entry, ipaddress.IPv4Network | ipaddress.IPv6Network):
            networks.append(entry)
            continue
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            continue  # a malformed entry trusts nobody
    return tuple(networks)


def client_address(
    environ: Mapping[str, str], trusted_proxies: Iterable[str | Network] | None
) -> str:
    """The client's address: the rightmost X-Forwarded-For address not in a trusted network
    when REMOTE_ADDR is trusted, else REMOTE_ADDR."""
    peer = (environ.get("REMOTE_ADDR") or "").strip()
    networks = trusted_networks(trusted_proxies or ())
    if not networks or not _in(peer, networks):
        return peer
    forwarded = environ.get("HTTP_X_FORWARDED_FOR") or ""
    if not forwarded.strip():
        return peer
    hops = [hop.strip() for hop in forwarded.split(",")]
    for hop in reversed(hops):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return peer  # malformed: the peer, never a guess
        if not any(address in network for network in networks):
            return str(address)
    return peer  # every hop is a trusted proxy


def _in(text: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(address in network for network in networks)
