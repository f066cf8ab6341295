"""The only HTTP client of newswatch: polite, bounded, and refusing to reach inside the network.

    config = HttpConfig(max_bytes=8_000_000)
    with Fetcher(config) as fetcher:
        response = fetcher.get(url, etag='"abc"', accept=FEED_ACCEPT)   # HttpResponse, or raises
        response.status, response.body, response.etag, response.final_url, response.elapsed_ms

What `Fetcher.get` guarantees:

* Only http and https URLs, on every hop. Redirects (301, 302, 303, 307, 308) are followed here,
  not by httpx, at most `max_redirects` times.
* The address guard: every TCP connection is made by `GuardedBackend`, which resolves the host with
  `socket.getaddrinfo`, refuses the connection if ANY address is loopback, private, link-local,
  multicast, reserved, unspecified, shared (CGNAT) or otherwise not global, IPv4 or IPv6 (IPv4
  addresses embedded in IPv4-mapped, NAT64, 6to4 and Teredo addresses are checked as IPv4), and
  then connects to the very address it checked. Checking at connect time covers every redirect hop
  and closes the DNS-rebinding gap a check-then-connect would leave. `allowed_networks` lets
  addresses in those networks through (`127.0.0.1/32` for a test site, an intranet range), and
  `allow_private_networks=True` is short for loopback (127.0.0.0/8, ::1); `private_hosts` lets
  named hosts through (an RSS bridge on the same machine). Everything else stays guarded, so an
  allowed site cannot redirect to 10.0.0.0/8 or a link-local address, and cloud metadata
  addresses are refused whatever is allowed. Proxy environment
  variables are ignored (`trust_env=False`) because a proxy would hide the real target.
* At most `max_per_host` requests in flight per host name, whatever the number of threads sharing
  the fetcher (one semaphore per host, held from connect to the last byte of the body).
* The body is streamed and decoded (gzip, deflate) in bounded steps by `extract.body`; passing
  `max_bytes` (counted after decoding, so a compression bomb is cut as early as a plain huge body)
  raises `ResponseTooLarge`; a declared Content-Length above the cap is refused before reading.
* `connect_timeout`, `read_timeout` (between two reads) and `total_timeout` (the whole exchange,
  redirects included, so a server dripping one byte a second cannot hold a worker forever).
* 2xx and 304 come back as an `HttpResponse`; anything else raises `HTTPStatusError` with the
  status and a parsed, capped Retry-After (seconds or HTTP-date).
* Every library exception is translated into `extract.errors` in `_translate_errors`, nowhere else.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from http import HTTPStatus
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from extract.addresses import LOOPBACK, Network
from extract.body import Decoder, read_body
from extract.errors import (
    BadResponse,
    BlockedAddress,
    FetchConnectError,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
    TLSError,
    TooManyRedirects,
    UnsupportedURL,
)
from extract.guard import GuardedTransport, RefusedAddress

DEFAULT_USER_AGENT = "newswatch/0.1 (+https://github.com/newswatch/newswatch)"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.8"
ANY_ACCEPT = "*/*"


REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class HttpConfig:
    """How the fetcher behaves. Values, not behaviour; build one at the entry point."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_networks: bool = False  # short for loopback in `allowed_networks`
    # networks whose non-global addresses may be reached (e.g. 127.0.0.1/32, 10.1.2.0/24)
    allowed_networks: tuple[Network, ...] = ()
    # host names that may resolve to private addresses (e.g. an RSS bridge on this machine)
    private_hosts: frozenset[str] = frozenset()
    max_per_host: int = 2
    max_redirects: int = 5
    retry_after_cap_seconds: float = 6 * 3600.0


@dataclass(frozen=True)
class HttpResponse:
    """A 2xx or 304 answer, its body read in full (empty for 304)."""

    url: str  # as requested
    final_url: str  # after redirects
    status: int
    headers: Mapping[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    elapsed_ms: float
    redirects: tuple[str, ...] = field(default=())  # every URL redirected from, in order

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag") or None

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified") or None


# --- the address guard ------------------------------------------------------------------------


# --- the one translation boundary ---------------------------------------------------------------


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@contextmanager
def _translate_errors(url: str, config: HttpConfig) -> Iterator[None]:
    """Library exceptions in, `extract.errors` out (this is the only place that does this)."""
    try:
        yield
    except FetchError:
        raise
    except RefusedAddress as exc:
        raise BlockedAddress(f"refused: {exc}", url=url) from exc
    except socket.gaierror as exc:
        host = urlsplit(url).hostname or url
        raise FetchConnectError(
            f"cannot resolve host {host}: {exc.strerror or exc}", url=url
        ) from exc
    except (httpx.TimeoutException, httpcore.TimeoutException, TimeoutError) as exc:
        if isinstance(exc, httpx.ConnectTimeout | httpcore.ConnectTimeout):
            message = f"timed out connecting (limit {config.connect_timeout:g} s)"
        else:
            message = f"timed out waiting for the server (read limit {config.read_timeout:g} s)"
        raise FetchTimeout(message, url=url) from exc
    except (httpx.DecodingError, zlib.error) as exc:
        raise BadResponse(f"cannot decode the response body: {exc}", url=url) from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, httpcore.UnsupportedProtocol) as exc:
        raise UnsupportedURL(f"not a fetchable URL: {exc}", url=url) from exc
    except (httpx.TransportError, httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
        if _caused_by(exc, ssl.SSLError) or isinstance(exc, ssl.SSLError):
            raise TLSError(f"TLS failure: {_short(exc)}", url=url) from exc
        raise FetchConnectError(f"connection failed: {_short(exc)}", url=url) from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# --- Retry-After ---------------------------------------------------------------------------------


def parse_retry_after(value: str | None, *, now: datetime, cap: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date), within [0, cap]."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - now).total_seconds(), 0.0), cap)


# --- the fetcher -----------------------------------------------------------------------------------


@cache
def tls_context() -> ssl.SSLContext:
    """The process's one TLS context, shared by every fetcher: certificates and host names
    checked against httpx's CA bundle (or the SSL_CERT_FILE / SSL_CERT_DIR set when the first
    fetcher is made). Building one reads the whole bundle, about 45 ms, and a poll makes a
    fetcher per batch of pages; a context is safe to share between clients and threads."""
    return httpx.create_ssl_context()


class Fetcher:
    """One httpx client plus per-host semaphores; share one instance between threads."""

    def __init__(self, config: HttpConfig | None = None) -> None:
        self.config = config or HttpConfig()
        c = self.config
        self._client = httpx.Client(
            transport=GuardedTransport(
                tls_context(),
                allowed=c.allowed_networks + (LOOPBACK if c.allow_private_networks else ()),
                private_hosts=c.private_hosts,
            ),
            timeout=httpx.Timeout(
                connect=c.connect_timeout,
                read=c.read_timeout,
                write=c.read_timeout,
                pool=c.total_timeout,
            ),
            follow_redirects=False,
            trust_env=False,
            # No cookies are kept: every request is anonymous, and metered paywalls stay unmetered.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            headers={"User-Agent": c.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._host_limits: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _host_limit(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            limit = self._host_limits.get(host)
            if limit is None:
                limit = threading.BoundedSemaphore(self.config.max_per_host)
                self._host_limits[host] = limit
            return limit

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = ANY_ACCEPT,
    ) -> HttpResponse:
        """GET `url`, following redirects; a 2xx or 304 answer, or a `FetchError`."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        start = time.monotonic()
        deadline = start + self.config.total_timeout
        current = url
        redirects: list[str] = []
        while True:
            host = _check_url(current)
            limit = self._host_limit(host)
            queued = time.monotonic()
            with limit:
                waited = time.monotonic() - queued  # waiting for our own turn is not the server's
                start += waited
                deadline += waited
                with _translate_errors(current, self.config):
                    status, reason, response_headers, body = self._exchange(
                        current, headers, deadline
                    )
            if status in REDIRECT_STATUSES and response_headers.get("location"):
                if len(redirects) >= self.config.max_redirects:
                    raise TooManyRedirects(
                        f"more than {self.config.max_redirects} redirects "
                        f"(last: {current} -> {response_headers['location']})",
                        url=current,
                    )
                redirects.append(current)
                current = urljoin(current, response_headers["location"].strip()).split("#")[0]
                if current in redirects:
                    raise TooManyRedirects(f"redirect loop back to {current}", url=current)
                continue
            elapsed_ms = (time.monotonic() - start) * 1000.0
            if 200 <= status < 300 or status == 304:
                return HttpResponse(
                    url=url,
                    final_url=current,
                    status=status,
                    headers=response_headers,
                    body=body if status != 304 else b"",
                    elapsed_ms=elapsed_ms,
                    redirects=tuple(redirects),
                )
            if status in REDIRECT_STATUSES:
                reason = f"{reason} without a Location header".strip()
            retry_after = parse_retry_after(
                response_headers.get("retry-after"),
                now=datetime.now(UTC),
                cap=self.config.retry_after_cap_seconds,
            )
            raise HTTPStatusError(status, url=current, reason=reason, retry_after=retry_after)

    def post_json(self, url: str, payload: object) -> HttpResponse:
        """POST `payload` as JSON to `url` (an API, not a page: no redirects followed); a 2xx
        answer, or a `FetchError`."""
        start = time.monotonic()
        deadline = start + self.config.total_timeout
        host = _check_url(url)
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        content = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        with self._host_limit(host), _translate_errors(url, self.config):
            status, reason, response_headers, body = self._exchange(
                url, headers, deadline, method="POST", content=content
            )
        if not 200 <= status < 300:
            retry_after = parse_retry_after(
                response_headers.get("retry-after"),
                now=datetime.now(UTC),
                cap=self.config.retry_after_cap_seconds,
            )
            raise HTTPStatusError(status, url=url, reason=reason, retry_after=retry_after)
        return HttpResponse(
            url=url,
            final_url=url,
            status=status,
            headers=response_headers,
            body=body,
            elapsed_ms=(time.monotonic() - start) * 1000.0,
        )

    def _exchange(
        self,
        url: str,
        headers: dict[str, str],
        deadline: float,
        *,
        method: str = "GET",
        content: bytes | None = None,
    ) -> tuple[int, str, dict[str, str], bytes]:
        """One request/response; the body is read only for 2xx answers."""
        c = self.config
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchTimeout(f"gave up after the total limit of {c.total_timeout:g} s", url=url)
        timeout = httpx.Timeout(
            connect=min(c.connect_timeout, remaining),
            read=min(c.read_timeout, remaining),
            write=min(c.read_timeout, remaining),
            pool=remaining,
        )
        request = self._client.build_request(
            method, url, headers=headers, content=content, timeout=timeout
        )
        response = self._client.send(request, stream=True)
        try:
            status = response.status_code
            reason = response.reason_phrase or _reason(status)
            response_headers = {k.lower(): v for k, v in _joined_headers(response.headers)}
            if not 200 <= status < 300:
                return status, reason, response_headers, b""
            declared = response_headers.get("content-length", "").strip()
            encoding = response_headers.get("content-encoding", "").strip().lower()
            if declared.isdigit() and not encoding and int(declared) > c.max_bytes:
                raise ResponseTooLarge(c.max_bytes, url=url, declared=int(declared))
            body = read_body(
                response.iter_raw(),
                Decoder(encoding),
                c.max_bytes,
                url,
                deadline,
                c.total_timeout,
            )
            return status, reason, response_headers, body
        finally:
            response.close()


def _joined_headers(headers: httpx.Headers) -> Iterator[tuple[str, str]]:
    for name in dict.fromkeys(k.lower() for k in headers):
        yield name, ", ".join(headers.get_list(name))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _check_url(url: str) -> str:
    """The host name of `url` if it is an http(s) URL newswatch may try; else UnsupportedURL."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError as exc:
        raise UnsupportedURL(f"malformed URL: {exc}", url=url) from exc
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "no scheme"
        raise UnsupportedURL(
            f"refused: only http and https URLs are fetched, not {scheme}", url=url
        )
    if not host:
        raise UnsupportedURL("refused: the URL has no host", url=url)
    return host.lower().rstrip(".")


def host_of(url: str) -> str:
    """The lower-case host name of a URL, for grouping work per host ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
