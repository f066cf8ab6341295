"""Which addresses newswatch may connect to: the policy `extract.guard` enforces at connect time.

Refused: loopback, private, link-local, multicast, reserved, unspecified, shared (CGNAT) and every
other non-global address, IPv4 or IPv6 (IPv4 addresses embedded in IPv4-mapped, NAT64, 6to4 and
Teredo addresses are checked as IPv4), unless inside one of the `allowed` networks; cloud
metadata addresses (`METADATA`) always. Plain `ipaddress`, so the settings can parse allow-lists
without importing the HTTP stack.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)
# Instance metadata services (AWS, GCP, Azure, OpenStack; AWS IPv6; Alibaba): never reachable.
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)


def parse_networks(items: Iterable[str]) -> tuple[Network, ...]:
    """Networks from "127.0.0.1", "10.1.2.0/24", "::1" ...; ValueError names a bad item."""
    networks: list[Network] = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{item!r} is not an address or network") from exc
    return tuple(networks)


def plain_address(ip: Address) -> Address:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def refusal(ip: Address, allowed: tuple[Network, ...] = ()) -> str | None:
    """Why `ip` is refused given the allow-list, or None: metadata never, allowed networks yes."""
    plain = plain_address(ip)
    if plain in METADATA:
        return "cloud metadata address"
    reason = blocked_reason(ip)
    if reason is None:
        return None
    if any(plain.version == net.version and plain in net for net in allowed):
        return None
    return reason


def blocked_reason(ip: Address) -> str | None:
    """Why newswatch must not connect to `ip` ("loopback", "private", ...), or None if it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = blocked_reason(embedded)
            if inner is not None:
                return f"{inner} (embedded in {ip})"
    for reason, hit in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if hit:
            return reason
    if not ip.is_global:
        return "not globally routable"
    return None
