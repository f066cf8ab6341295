"""The address guard: no connection to loopback, private, link-local or other non-global addresses.

Every TCP connection the fetcher makes goes through `GuardedBackend`, which resolves the host with
`socket.getaddrinfo`, refuses the connection if ANY address is loopback, private, link-local,
multicast, reserved, unspecified, shared (CGNAT) or otherwise not global, IPv4 or IPv6 (IPv4
addresses embedded in IPv4-mapped, NAT64, 6to4 and Teredo addresses are checked as IPv4), and then
connects to the very address it checked. Checking at connect time covers every redirect hop and
closes the DNS-rebinding gap a check-then-connect would leave. `GuardedTransport` is the httpx
transport over an httpcore pool built on that backend.

Exceptions, finer than all or nothing: an address inside one of the `allowed` networks (for
example `127.0.0.1/32` for a test site, `10.1.2.0/24` for an intranet bridge) or a connection to
one of the named `private_hosts` is let through; every other non-global address stays refused,
so a site on an allowed loopback address still cannot redirect to 10.0.0.0/8 or 169.254.0.0/16.
Cloud metadata addresses (`METADATA`) are refused whatever the allow-list says.

Which addresses are refused is `extract.addresses` (plain `ipaddress`, light enough for the
settings to import). A refused connection raises `RefusedAddress`; `extract.fetch` translates it into
`extract.errors.BlockedAddress` at its one boundary.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from extract.addresses import METADATA, Network, plain_address, refusal


class RefusedAddress(Exception):
    """Raised inside the transport; `_translate_errors` turns it into `BlockedAddress`."""

    def __init__(self, host: str, address: str, reason: str) -> None:
        super().__init__(f"{host} resolves to {address} ({reason})")


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in resolver order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 scope id
        if address not in addresses:
            addresses.append(address)
    return addresses


class GuardedBackend(httpcore.SyncBackend):
    """Resolve, check every address, then connect to a checked address (no second lookup)."""

    def __init__(self, *, allowed: tuple[Network, ...], private_hosts: frozenset[str]) -> None:
        self._allowed = allowed
        self._private_hosts = frozenset(h.lower() for h in private_hosts)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve_host(host, port)
        named = host.lower() in self._private_hosts
        for address in addresses:
            ip = ipaddress.ip_address(address)
            reason = refusal(ip, self._allowed)
            if reason is not None and (not named or plain_address(ip) in METADATA):
                raise RefusedAddress(host, address, reason)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None  # getaddrinfo never returns an empty list
        raise last_error


class PoolStream(httpx.SyncByteStream):
    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        yield from self._response.iter_stream()

    def close(self) -> None:
        self._response.close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool whose every connection goes through the guard."""

    def __init__(
        self,
        ssl_context: ssl.SSLContext,
        *,
        allowed: tuple[Network, ...],
        private_hosts: frozenset[str],
    ) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allowed=allowed, private_hosts=private_hosts),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        response = self._pool.handle_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=PoolStream(response),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
