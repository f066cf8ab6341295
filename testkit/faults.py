"""A catalogue of ways a feed or a page can go wrong, served for real by a `LocalSite`.

    site = FaultySite(seed=7, rate=0.3)          # each request fails with probability 0.3
    site.add_feed("/feed0.xml", items)           # items: (guid, title, path) triples
    site.add_page("/f0/a1.html", html_bytes)
    site.faults_on = True                        # False: every request answered cleanly

Each request picks, from a seeded random generator, either the clean answer or one fault kind.
Feed faults come in two sorts: FAILURES (the poll must record the feed as failed this round:
5xx, 429 with Retry-After, 404/410, timeouts, redirect loops, refused addresses, size caps,
gzip bombs, HTML or binary instead of a feed...) and QUIRKS (odd but valid: legacy encodings,
UTF-32 without BOM, HTML entities, an XHTML DOCTYPE, CR/LF in titles...: every item must still
come through). Page faults are failures or hostile pages; the article is then stored from its
feed entry with a status, never lost. `injected` records every fault served, for the checks.
Shared by tests/reliability and bench/reliability.py; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import gzip
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler

from testkit.localsite import LocalSite, Route

TIMEOUT_DELAY = 1.2  # seconds: above the read timeout the soak uses (0.5 s)
BOMB = gzip.compress(b"\0" * (24 * 1024 * 1024), compresslevel=9)  # 24 MB of zeros, ~24 KB


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    path: str  # the page's path on the site
    published: str  # RFC 822 date


def rss(items: Sequence[Item], base: str, *, title: str = "Feed", extra: str = "") -> str:
    rows = "".join(
        f"<item><title>{escape(i.title)}</title><link>{base}{i.path}</link>"
        f"<guid isPermaLink='false'>{i.guid}</guid><pubDate>{i.published}</pubDate></item>"
        for i in items
    )
    return (
        f"<rss version='2.0'><channel><title>{escape(title)}{extra}</title>{rows}</channel></rss>"
    )


# --- feed faults -----------------------------------------------------------------------------------

Make = Callable[[Sequence[Item], str, str], Route]  # (items, site base, site host) -> route


def _status(code: int, headers: dict[str, str] | None = None) -> Make:
    return lambda _i, _b, _h: Route(
        b"error", code, {"Content-Type": "text/plain", **(headers or {})}
    )


def _body(data: bytes, content_type: str, headers: dict[str, str] | None = None) -> Make:
    return lambda _i, _b, _h: Route(data, 200, {"Content-Type": content_type, **(headers or {})})


def _redirect(target: Callable[[str], str], code: int = 302) -> Make:
    return lambda _i, base, _h: Route(b"", code, {"Location": target(base)})


def _xml(
    render: Callable[[Sequence[Item], str], bytes], content_type: str = "application/xml"
) -> Make:
    return lambda items, base, _h: Route(render(items, base), 200, {"Content-Type": content_type})


def _slow(_i: Sequence[Item], _b: str, _h: str) -> Route:
    return Route(b"<rss/>", 200, {"Content-Type": "application/rss+xml"}, delay=TIMEOUT_DELAY)


def _huge(_i: Sequence[Item], _b: str, _h: str) -> Route:
    return Route(
        b"<rss>" + b" " * (3 * 1024 * 1024) + b"</rss>", 200, {"Content-Type": "application/xml"}
    )


LOL = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + n)} "' + f"&{chr(97 + n)};" * 10 + '">' for n in range(8))
    + "]><rss version='2.0'><channel><title>&i;</title></channel></rss>"
).encode()

FEED_FAILURES: dict[str, Make] = {
    "http-500": _status(500),
    "http-502": _status(502),
    "http-503-retry-after": _status(503, {"Retry-After": "120"}),
    "http-429-retry-after": _status(429, {"Retry-After": "3600"}),
    "http-429-retry-after-date": _status(429, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}),
    "http-404": _status(404),
    "http-410": _status(410),
    "http-403": _status(403),
    "http-401": _status(401, {"WWW-Authenticate": 'Basic realm="x"'}),
    "timeout-stall": _slow,
    "redirect-loop": _redirect(lambda base: base + "/loop-a", 302),
    "redirect-chain-too-long": _redirect(lambda base: base + "/chain/1", 301),
    "redirect-to-metadata": _redirect(lambda _b: "http://169.254.169.254/latest/meta-data/"),
    "redirect-to-private": _redirect(lambda _b: "http://10.0.0.1/feed.xml"),
    "redirect-to-other-loopback": _redirect(lambda _b: "http://127.0.0.2:9/feed.xml"),
    "redirect-to-ftp": _redirect(lambda _b: "ftp://127.0.0.1/feed.xml"),
    "size-cap": _huge,
    "gzip-bomb": _body(BOMB, "application/rss+xml", {"Content-Encoding": "gzip"}),
    "html-page": _body(
        b"<!doctype html><html><head><title>Home</title></head><body>x</body></html>", "text/html"
    ),
    "json": _body(b'{"items": []}', "application/json"),
    "binary": _body(bytes(range(256)) * 16, "application/octet-stream"),
    "empty-body": _body(b"", "application/rss+xml"),
    "not-xml-text": _body(b"Service temporarily unavailable", "text/plain"),
    "truncated-xml": _xml(lambda items, base: rss(items, base).encode()[:40]),
    "entity-expansion": _body(LOL, "application/rss+xml"),
    "corrupt-gzip": _body(
        b"\x1f\x8b\x08\x00garbage", "application/rss+xml", {"Content-Encoding": "gzip"}
    ),
}


def _cp1251(items: Sequence[Item], base: str) -> bytes:
    return rss(items, base, title="Лента новостей").encode("cp1251")


FEED_QUIRKS: dict[str, Make] = {
    "legacy-cp1251-undeclared": _xml(_cp1251),
    "utf-32-without-bom": _xml(
        lambda items, base: ('<?xml version="1.0" encoding="utf-32"?>' + rss(items, base)).encode(
            "utf-32-le"
        )
    ),
    "utf-16-with-bom": _xml(lambda items, base: rss(items, base).encode("utf-16")),
    "html-entities": _xml(
        lambda items, base: rss(items, base, extra=" &ocirc; &nbsp;&mdash;").encode()
    ),
    "xhtml-doctype": _xml(
        lambda items, base: (
            '<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">' + rss(items, base)
        ).encode()
    ),
    "unclosed-comment-in-title": _xml(
        lambda items, base: rss(items, base, extra="&lt;!--").encode()
    ),
    "crlf-in-title": _xml(
        lambda items, base: rss(items, base, extra="&#13;&#10;Bcc: x@example.org").encode()
    ),
    "bom-and-whitespace-before-declaration": _xml(
        lambda items, base: (
            b"\xef\xbb\xbf  \n" + ('<?xml version="1.0"?>' + rss(items, base)).encode()
        )
    ),
    "gzip-encoded": lambda items, base, _h: Route(
        gzip.compress(rss(items, base).encode()),
        200,
        {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
    ),
    "wrong-content-type": _xml(lambda items, base: rss(items, base).encode(), "text/html"),
    "declared-latin1-is-utf8": _xml(
        lambda items, base: (
            '<?xml version="1.0" encoding="ISO-8859-1"?>' + rss(items, base, title="Сеул")
        ).encode()
    ),
}

# --- page faults -------------------------------------------------------------------------------

PAGE_FAULTS: dict[str, Make] = {
    "page-http-500": _status(500),
    "page-http-404": _status(404),
    "page-http-429": _status(429, {"Retry-After": "60"}),
    "page-timeout-stall": lambda _i, _b, _h: Route(
        b"<html/>", 200, {"Content-Type": "text/html"}, delay=TIMEOUT_DELAY
    ),
    "page-redirect-to-metadata": _redirect(lambda _b: "http://169.254.169.254/"),
    "page-binary": _body(bytes(range(256)) * 64, "application/octet-stream"),
    "page-gzip-bomb": _body(BOMB, "text/html", {"Content-Encoding": "gzip"}),
    "page-empty": _body(b"", "text/html"),
    "page-hostile-html": _body(
        b"<html><body>"
        + b"<div>" * 5000
        + b"<script>while(1){}</script>"
        + b"</span>" * 100
        + b"</body></html>",
        "text/html",
    ),
    "page-legacy-koi8r": _body(
        "<html><head><meta charset='koi8-r'><title>Пхеньян</title></head><body><p>Москва и Пхеньян.</p></body></html>".encode(
            "koi8_r"
        ),
        "text/html",
    ),
}


@dataclass
class Injected:
    path: str
    kind: str
    round: int


@dataclass
class FaultySite:
    """A LocalSite whose feeds and pages misbehave at random (seeded), one fault per request."""

    seed: int = 0
    rate: float = 0.3
    site: LocalSite = field(default_factory=LocalSite)
    faults_on: bool = True
    only: str | None = None  # serve this one kind on every request instead of random ones
    round: int = 0
    injected: list[Injected] = field(default_factory=list)
    feeds: dict[str, list[Item]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self.site.add("/loop-a", b"", status=302, headers={"Location": "/loop-b"})
        self.site.add("/loop-b", b"", status=302, headers={"Location": "/loop-a"})
        for n in range(1, 12):
            self.site.add(f"/chain/{n}", b"", status=301, headers={"Location": f"/chain/{n + 1}"})

    @property
    def base(self) -> str:
        return self.site.base

    def start(self) -> None:
        self.site.start()

    def stop(self) -> None:
        self.site.stop()

    def _pick(self, path: str, kinds: dict[str, Make]) -> str | None:
        with self._lock:
            if self.only is not None:
                if self.only not in kinds:
                    return None
                kind = self.only
            elif not self.faults_on or self._random.random() >= self.rate:
                return None
            else:
                kind = self._random.choice(sorted(kinds))
            self.injected.append(Injected(path, kind, self.round))
            return kind

    def add_feed(self, path: str, items: list[Item]) -> str:
        self.feeds[path] = items
        kinds = {**FEED_FAILURES, **FEED_QUIRKS}

        def handler(_request: BaseHTTPRequestHandler) -> Route:
            current = self.feeds[path]
            kind = self._pick(path, kinds)
            if kind is None:
                return Route(
                    rss(current, self.base).encode(), 200, {"Content-Type": "application/rss+xml"}
                )
            return kinds[kind](current, self.base, "127.0.0.1")

        self.site.routes[path] = Route(handler=handler)
        return self.site.url(path)

    def add_page(self, path: str, html: bytes) -> None:
        clean = Route(html, 200, {"Content-Type": "text/html; charset=utf-8"})

        def handler(_request: BaseHTTPRequestHandler) -> Route:
            kind = self._pick(path, PAGE_FAULTS)
            return clean if kind is None else PAGE_FAULTS[kind]((), self.base, "127.0.0.1")

        self.site.routes[path] = Route(handler=handler)


def item_date(minutes_ago: int, now: object) -> str:
    from datetime import datetime, timedelta

    assert isinstance(now, datetime)
    return format_datetime(now - timedelta(minutes=minutes_ago))


ALL_KINDS = sorted({**FEED_FAILURES, **FEED_QUIRKS, **PAGE_FAULTS})
