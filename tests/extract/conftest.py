"""A real HTTP server on loopback for the network-edge tests, and the fixture feeds.

`FeedServer` answers each path with a `Reply` (status, headers, body, optional delay, or a body
streamed in chunks) or with a function of the `Request` (for conditional GET and the like). It
records every request it received and how many were in flight at once, per Host header, so tests
can assert on politeness limits. Nothing here leaves 127.0.0.0/8.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from extract.addresses import parse_networks
from extract.fetch import Fetcher, HttpConfig

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
MANIFEST = {item["file"]: item for item in json.loads((FEEDS / "MANIFEST.json").read_text())}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    chunks: Iterable[bytes] | None = None  # body sent with chunked transfer-encoding instead
    chunk_delay: float = 0.0


@dataclass(frozen=True)
class Request:
    path: str
    host: str  # Host header without the port
    headers: dict[str, str]  # lower-case names


Route = Reply | Callable[[Request], Reply]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler still sleeping must not hold up the test's teardown

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client hung up (size cap, timeout, closed keep-alive): expected
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class FeedServer:
    """A small web server on one loopback address; tests define its pages."""

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.address = address
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self.max_total = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

        self.httpd = _QuietServer((address, 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.address}:{self.port}{path}"

    def route(self, path: str, reply: Route) -> str:
        self.routes[path] = reply
        return self.url(path)

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        host = headers.get("host", "").rsplit(":", 1)[0]
        request = Request(handler.path, host, headers)
        with self._lock:
            self.requests.append(request)
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.max_in_flight[host] = max(self.max_in_flight.get(host, 0), self.in_flight[host])
            self.max_total = max(self.max_total, sum(self.in_flight.values()))
        try:
            route = self.routes.get(handler.path) or self.routes.get(handler.path.split("?")[0])
            reply = Reply(404, b"not found") if route is None else route
            if callable(reply):
                reply = reply(request)
            self._send(handler, reply)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with self._lock:
                self.in_flight[host] -= 1

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        handler.send_response(reply.status)
        headers = {"Content-Type": "application/xml", **reply.headers}
        if reply.chunks is None:
            headers.setdefault("Content-Length", str(len(reply.body)))
        else:
            headers["Transfer-Encoding"] = "chunked"
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if reply.chunks is None:
            handler.wfile.write(reply.body)
            return
        for chunk in reply.chunks:
            if reply.chunk_delay:
                time.sleep(reply.chunk_delay)
            handler.wfile.write(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
            handler.wfile.flush()
        handler.wfile.write(b"0\r\n\r\n")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    site = FeedServer()
    try:
        yield site
    finally:
        site.close()


@pytest.fixture
def config() -> HttpConfig:
    """Test settings: 127.0.0.1 allowed (nothing else private), small timeouts so failures are quick."""
    return HttpConfig(
        connect_timeout=1.0,
        read_timeout=1.0,
        total_timeout=5.0,
        allowed_networks=parse_networks(["127.0.0.1/32"]),
        max_bytes=8 * 1024 * 1024,
        retry_after_cap_seconds=6 * 3600.0,
    )


@pytest.fixture
def fetcher(config: HttpConfig) -> Iterator[Fetcher]:
    with Fetcher(config) as client:
        yield client


def feed_bytes(relative: str) -> bytes:
    """Bytes of a fixture feed, e.g. `feed_bytes("edge/feedparser__koi8r.xml")`."""
    return (FEEDS / relative).read_bytes()
