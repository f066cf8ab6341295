"""The HTTP client against a real server on 127.0.0.1: limits, decoding, guard, error mapping."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import ssl
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from extract.addresses import blocked_reason
from extract.errors import (
    BadResponse,
    BlockedAddress,
    FetchConnectError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
    TLSError,
    TooManyRedirects,
    UnsupportedURL,
)
from extract.fetch import (
    DEFAULT_USER_AGENT,
    Fetcher,
    HttpConfig,
    parse_retry_after,
    tls_context,
)
from tests.extract.conftest import FeedServer, Reply, Request

MB = 1024 * 1024


# --- the address guard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata service
        ("100.64.0.1", "not globally routable"),  # carrier-grade NAT
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("2002:a00:1::", "private"),  # 6to4 around 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 around 169.254.169.254
    ],
)
def test_guard_refuses_non_public_addresses(address: str, reason: str) -> None:
    found = blocked_reason(ipaddress.ip_address(address))
    assert found is not None
    assert found.startswith(reason)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::6810:85e5"])
def test_guard_lets_public_addresses_through(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_loopback_refused_before_any_byte_is_sent(server: FeedServer) -> None:
    url = server.route("/feed", Reply(body=b"<rss/>"))
    with (
        Fetcher(HttpConfig(allow_private_networks=False)) as fetcher,
        pytest.raises(BlockedAddress, match=r"127\.0\.0\.1 \(loopback"),
    ):
        fetcher.get(url)
    assert server.requests == []


def test_redirect_to_loopback_refused_on_the_hop(server: FeedServer) -> None:
    """The first host is let through by name; the redirect target is checked on its own."""
    secret = server.route("/admin", Reply(body=b"secret"))
    start = server.route("/start", Reply(302, headers={"Location": secret}))
    trusted = start.replace("127.0.0.1", "localhost")
    config = HttpConfig(allow_private_networks=False, private_hosts=frozenset({"localhost"}))
    with (
        Fetcher(config) as fetcher,
        pytest.raises(BlockedAddress, match="loopback"),
    ):
        fetcher.get(trusted)
    assert [r.path for r in server.requests] == ["/start"]


def test_a_name_resolving_to_a_private_address_is_refused(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS that points a public-looking name inside the network (rebinding) is refused."""
    real = socket.getaddrinfo

    def resolver(host: str, *args: object, **kwargs: object) -> object:
        if host == "news.example.com":
            return real("127.0.0.1", *args, **kwargs)  # type: ignore[arg-type]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with (
        Fetcher(HttpConfig(allow_private_networks=False)) as fetcher,
        pytest.raises(BlockedAddress, match=r"news\.example\.com resolves to 127\.0\.0\.1"),
    ):
        fetcher.get(f"http://news.example.com:{server.port}/feed")
    assert server.requests == []


def test_dns_failure_is_a_connect_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolver(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with (
        Fetcher(HttpConfig()) as fetcher,
        pytest.raises(FetchConnectError, match=r"cannot resolve host gone\.example"),
    ):
        fetcher.get("https://gone.example/feed")


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/feed", "file:///etc/passwd", "javascript:alert(1)", "http:///x"]
)
def test_only_http_urls_are_fetched(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(UnsupportedURL):
        fetcher.get(url)


# --- requests and responses --------------------------------------------------------------------


def test_sends_an_honest_user_agent_and_conditional_headers(
    server: FeedServer, fetcher: Fetcher
) -> None:
    url = server.route("/feed", Reply(body=b"<rss/>", headers={"ETag": '"v2"'}))
    response = fetcher.get(url, etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    (request,) = server.hits("/feed")
    assert request.headers["user-agent"] == DEFAULT_USER_AGENT
    assert "+https://" in DEFAULT_USER_AGENT
    assert request.headers["if-none-match"] == '"v1"'
    assert request.headers["if-modified-since"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert response.status == 200
    assert response.body == b"<rss/>"
    assert response.etag == '"v2"'
    assert response.elapsed_ms > 0


def test_304_comes_back_as_a_response(server: FeedServer, fetcher: Fetcher) -> None:
    url = server.route("/feed", Reply(304, headers={"ETag": '"v1"'}))
    response = fetcher.get(url, etag='"v1"')
    assert (response.status, response.body, response.etag) == (304, b"", '"v1"')


def test_gzip_content_encoding_is_decoded(server: FeedServer, fetcher: Fetcher) -> None:
    body = b"<rss>" + b"news " * 10_000 + b"</rss>"
    url = server.route(
        "/feed", Reply(body=gzip.compress(body), headers={"Content-Encoding": "gzip"})
    )
    assert fetcher.get(url).body == body


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_content_encoding_is_decoded(
    server: FeedServer, fetcher: Fetcher, wbits: int
) -> None:
    body = b"<rss>" + b"deflated " * 5_000 + b"</rss>"
    packer = zlib.compressobj(wbits=wbits)
    packed = packer.compress(body) + packer.flush()
    url = server.route("/feed", Reply(body=packed, headers={"Content-Encoding": "deflate"}))
    assert fetcher.get(url).body == body


def test_corrupt_or_unknown_encoding_is_a_bad_response(
    server: FeedServer, fetcher: Fetcher
) -> None:
    corrupt = server.route(
        "/corrupt", Reply(body=b"\x1f\x8bnot gzip at all", headers={"Content-Encoding": "gzip"})
    )
    unknown = server.route("/br", Reply(body=b"xxxx", headers={"Content-Encoding": "br"}))
    with pytest.raises(BadResponse, match="decode"):
        fetcher.get(corrupt)
    with pytest.raises(BadResponse, match="unsupported Content-Encoding 'br'"):
        fetcher.get(unknown)


# --- limits ------------------------------------------------------------------------------------


def _endless(chunk: bytes, total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        sent += len(chunk)
        yield chunk


def test_huge_streamed_body_is_cut_with_bounded_memory(server: FeedServer) -> None:
    chunk = b"x" * 65536
    url = server.route("/huge", Reply(chunks=_endless(chunk, 200 * MB)))
    tracemalloc.start()
    try:
        with (
            Fetcher(HttpConfig(allow_private_networks=True, max_bytes=1 * MB)) as fetcher,
            pytest.raises(ResponseTooLarge, match="1,048,576-byte limit"),
        ):
            fetcher.get(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * MB  # the body cap plus a few chunks, not 200 MB


def test_declared_length_over_the_cap_is_refused_without_reading(server: FeedServer) -> None:
    url = server.route("/big", Reply(body=b"y" * (2 * MB)))
    with (
        Fetcher(HttpConfig(allow_private_networks=True, max_bytes=1 * MB)) as fetcher,
        pytest.raises(ResponseTooLarge, match="Content-Length 2,097,152"),
    ):
        fetcher.get(url)


def test_gzip_bomb_is_cut_after_decoding(server: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * (40 * MB), compresslevel=9)
    assert len(bomb) < 100_000
    url = server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        with (
            Fetcher(HttpConfig(allow_private_networks=True, max_bytes=1 * MB)) as fetcher,
            pytest.raises(ResponseTooLarge),
        ):
            fetcher.get(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * MB


def test_read_timeout(server: FeedServer) -> None:
    url = server.route("/slow", Reply(body=b"<rss/>", delay=0.6))
    config = HttpConfig(allow_private_networks=True, read_timeout=0.15)
    with (
        Fetcher(config) as fetcher,
        pytest.raises(FetchTimeout, match="timed out") as caught,
    ):
        fetcher.get(url)
    assert caught.value.transient


def test_total_timeout_stops_a_dripping_server(server: FeedServer) -> None:
    """Each read is quick, but the whole exchange takes too long."""
    url = server.route("/drip", Reply(chunks=_endless(b"<", 10_000), chunk_delay=0.05))
    config = HttpConfig(allow_private_networks=True, read_timeout=0.5, total_timeout=0.4)
    with (
        Fetcher(config) as fetcher,
        pytest.raises(FetchTimeout, match=r"total limit of 0\.4 s"),
    ):
        fetcher.get(url)


def test_connection_refused_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        Fetcher(HttpConfig(allow_private_networks=True)) as fetcher,
        pytest.raises(FetchConnectError, match="connection failed") as caught,
    ):
        fetcher.get(f"http://127.0.0.1:{port}/feed")
    assert caught.value.transient


def test_tls_failure_is_permanent(server: FeedServer, fetcher: Fetcher) -> None:
    """https:// against a plain-HTTP port fails the handshake."""
    url = server.route("/feed", Reply(body=b"<rss/>")).replace("http://", "https://")
    with pytest.raises(TLSError, match="TLS failure") as caught:
        fetcher.get(url)
    assert not caught.value.transient


def test_fetchers_share_one_tls_context_that_checks_certificates(
    server: FeedServer, fetcher: Fetcher
) -> None:
    """The CA bundle is read once per process, not once per fetcher (per batch of pages), and
    the shared context still refuses what it cannot verify; a second fetcher fails the same way."""
    assert tls_context() is tls_context()
    assert tls_context().verify_mode is ssl.CERT_REQUIRED
    assert tls_context().check_hostname
    url = server.route("/feed", Reply(body=b"<rss/>")).replace("http://", "https://")
    with Fetcher(HttpConfig(allow_private_networks=True)) as second:
        for client in (fetcher, second):
            with pytest.raises(TLSError, match="TLS failure"):
                client.get(url)


def test_per_host_limit_holds_across_threads(server: FeedServer) -> None:
    server.route("/page", Reply(body=b"ok", delay=0.1))
    config = HttpConfig(allow_private_networks=True, max_per_host=2)
    errors: list[BaseException] = []
    with Fetcher(config) as fetcher:

        def fetch(host: str) -> None:
            try:
                fetcher.get(server.url("/page", host))
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [
            threading.Thread(target=fetch, args=(host,))
            for host in ["127.0.0.1"] * 6 + ["localhost"] * 6
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert server.max_in_flight == {"127.0.0.1": 2, "localhost": 2}
    assert server.max_total >= 3  # the two hosts did run side by side


def test_waiting_for_a_busy_host_does_not_count_against_the_deadline(server: FeedServer) -> None:
    server.route("/page", Reply(body=b"ok", delay=0.15))
    config = HttpConfig(allow_private_networks=True, max_per_host=1, total_timeout=0.4)
    outcomes: list[object] = []
    with Fetcher(config) as fetcher:

        def fetch() -> None:
            try:
                outcomes.append(fetcher.get(server.url("/page")).status)
            except FetchTimeout as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=fetch) for _ in range(4)]  # 0.6 s in all, one by one
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes == [200, 200, 200, 200]
    assert server.max_in_flight == {"127.0.0.1": 1}


# --- redirects -----------------------------------------------------------------------------------


def test_redirect_chain_is_followed(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/a", Reply(301, headers={"Location": "/b"}))
    server.route("/b", Reply(302, headers={"Location": server.url("/c")}))
    server.route("/c", Reply(307, headers={"Location": "d?x=1"}))
    server.route("/d", Reply(body=b"<rss/>"))
    response = fetcher.get(server.url("/a"))
    assert response.final_url == server.url("/d?x=1")
    assert response.redirects == (server.url("/a"), server.url("/b"), server.url("/c"))
    assert response.body == b"<rss/>"


def test_too_many_redirects(server: FeedServer) -> None:
    for n in range(10):
        server.route(f"/r{n}", Reply(302, headers={"Location": f"/r{n + 1}"}))
    with (
        Fetcher(HttpConfig(allow_private_networks=True, max_redirects=3)) as fetcher,
        pytest.raises(TooManyRedirects, match="more than 3 redirects"),
    ):
        fetcher.get(server.url("/r0"))
    assert len(server.requests) == 4


def test_redirect_loop(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/x", Reply(301, headers={"Location": "/y"}))
    server.route("/y", Reply(301, headers={"Location": "/x"}))
    with pytest.raises(TooManyRedirects, match="loop"):
        fetcher.get(server.url("/x"))


def test_redirect_to_another_scheme_is_refused(server: FeedServer, fetcher: Fetcher) -> None:
    url = server.route("/feed", Reply(301, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(UnsupportedURL, match="not file"):
        fetcher.get(url)


# --- statuses and Retry-After -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "transient"),
    [(404, True), (408, True), (429, True), (500, True), (503, True), (403, False), (410, False)],
)
def test_error_statuses(server: FeedServer, fetcher: Fetcher, status: int, transient: bool) -> None:
    url = server.route("/feed", Reply(status, b"no"))
    with pytest.raises(HTTPStatusError) as caught:
        fetcher.get(url)
    assert caught.value.status == status
    assert caught.value.transient is transient
    assert str(caught.value).startswith(f"HTTP {status} ")


def test_retry_after_in_seconds_and_capped(server: FeedServer) -> None:
    server.route("/a", Reply(429, headers={"Retry-After": "120"}))
    server.route("/b", Reply(503, headers={"Retry-After": "999999"}))
    config = HttpConfig(allow_private_networks=True, retry_after_cap_seconds=3600)
    with Fetcher(config) as fetcher:
        with pytest.raises(HTTPStatusError) as first:
            fetcher.get(server.url("/a"))
        with pytest.raises(HTTPStatusError) as second:
            fetcher.get(server.url("/b"))
    assert first.value.retry_after == 120
    assert second.value.retry_after == 3600


def test_retry_after_as_http_date(server: FeedServer, fetcher: Fetcher) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    url = server.route("/feed", Reply(503, headers={"Retry-After": when}))
    with pytest.raises(HTTPStatusError) as caught:
        fetcher.get(url)
    assert caught.value.retry_after is not None
    assert 3590 <= caught.value.retry_after <= 3600


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now=now, cap=100) == 30
    assert parse_retry_after(" 300 ", now=now, cap=100) == 100
    assert parse_retry_after("Wed, 01 Jan 2025 12:01:00 GMT", now=now, cap=100) == 60
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now, cap=100) == 0
    assert parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT", now=now, cap=100) == 100
    assert parse_retry_after("soon", now=now, cap=100) is None
    assert parse_retry_after("", now=now, cap=100) is None
    assert parse_retry_after("-5", now=now, cap=100) is None


def test_request_records_every_host_header(server: FeedServer, fetcher: Fetcher) -> None:
    def echo(request: Request) -> Reply:
        return Reply(body=request.host.encode())

    server.route("/who", echo)
    assert fetcher.get(server.url("/who", "localhost")).body == b"localhost"
