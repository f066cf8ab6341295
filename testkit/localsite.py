"""A real HTTP server on 127.0.0.1 whose pages a test or a benchmark defines.

`LocalSite` serves whatever is put in it (status, headers, body, optional delay, or a handler of
the request) from a stdlib ThreadingHTTPServer on loopback, and records every request it received,
so callers can assert on what was fetched (conditional headers, how often a page was fetched).
Shared by `tests/` and `bench/`; nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    handler: Callable[[BaseHTTPRequestHandler], Route | None] | None = None


@dataclass
class Hit:
    path: str
    headers: dict[str, str]


class LocalSite:
    """A tiny web site on 127.0.0.1 whose pages tests define."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                with site._lock:
                    site.hits.append(
                        Hit(self.path, {k.lower(): v for k, v in self.headers.items()})
                    )
                route = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
                if route is None:
                    route = Route(b"not found", 404, {"Content-Type": "text/plain"})
                if route.handler is not None:
                    route = route.handler(self) or route
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    headers = {"Content-Length": str(len(route.body)), **route.headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self) -> None:  # an API: a route's handler reads the body (rfile)
                self.do_GET()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(
        self,
        path: str,
        body: bytes | str,
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(
            data, status, {"Content-Type": content_type, **(headers or {})}, delay
        )
        return self.url(path)

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for h in self.hits if h.path == path)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
