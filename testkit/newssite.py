"""A small local news site for end-to-end tests: feeds whose items link to real fixture pages.

The pages are real articles from public test suites (tests/fixtures/pages, see its PROVENANCE);
the feeds around them are generated here, in the formats real outlets use (RSS 2.0 and Atom).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from testkit.localsite import LocalSite, Route

PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"

# path on the site -> (fixture file, title, topic)
ARTICLES = {
    "/world/lefigaro-ukraine-live.html": (
        "on-topic/LeFigaro_2024_11_22.html.gz",
        "Guerre en Ukraine : des soldats nord-coréens engagés aux côtés de la Russie",
        "on-topic",
    ),
    "/asia/yonhap-nk-drill.html": (
        "nk-only/yna_co_kr.html",
        "N. Korea slams S. Korea for joint military drill",
        "nk-only",
    ),
    "/europe/kommersant-troning.html": (
        "russia-only/Kommersant_2025_05_14.html.gz",
        "Легкий троннинг",
        "russia-only",
    ),
    "/tech/cnbc-cyber-vendors.html": (
        "incidental/www.cnbc.com--redesign.html",
        "Cybersecurity vendors see boom",
        "incidental",
    ),
    "/korea/hankook-election.html": (
        "off-topic/HankookIlbo_2025_05_15.html.gz",
        "이재명 후보 선거 유세",
        "off-topic",
    ),
}
MISSING = "/world/gone-404.html"


def page_bytes(fixture: str) -> bytes:
    data = (PAGES / fixture).read_bytes()
    return gzip.decompress(data) if fixture.endswith(".gz") else data


def rss(base: str, now: datetime) -> bytes:
    items = []
    for n, (path, (_, title, _topic)) in enumerate(
        [*ARTICLES.items(), (MISSING, ("", "A page that is gone", ""))]
    ):
        items.append(
            f"""<item><title>{escape(title)}</title><link>{base}{path}?utm_source=rss</link>
<guid isPermaLink="false">local-{n}</guid><pubDate>{format_datetime(now - timedelta(hours=n + 1))}</pubDate>
<description>{escape(title)} (summary from the feed).</description></item>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Local World News</title><link>{base}/</link>
<description>test feed</description>{"".join(items)}</channel></rss>""".encode()


def atom(base: str, now: datetime) -> bytes:
    # Carries the same Figaro link again (another GUID, other tracking parameters): must not be
    # fetched twice.
    path = next(iter(ARTICLES))
    stamp = (now - timedelta(hours=1)).isoformat()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Local Atom</title><id>urn:local:atom</id>
<updated>{stamp}</updated>
<entry><title>Des soldats nord-coréens en Russie</title><id>urn:local:figaro</id>
<link href="{base}{path}?utm_medium=atom&amp;fbclid=xyz"/><updated>{stamp}</updated>
<summary>Same article, other feed.</summary></entry></feed>""".encode()


def install(site: LocalSite, now: datetime | None = None) -> dict[str, str]:
    """Put the news site on `site`; return the feed URLs by name."""
    now = now or datetime.now(UTC)
    add = site.add
    for path, (fixture, _title, _topic) in ARTICLES.items():
        add(path, page_bytes(fixture))
    etag = '"feed-v1"'
    feeds = {
        "rss": ("/feeds/world.xml", rss(site.base, now), "application/rss+xml"),
        "atom": ("/feeds/atom.xml", atom(site.base, now), "application/atom+xml"),
    }
    urls = {}
    for name, (path, body, ctype) in feeds.items():
        urls[name] = add(path, body, content_type=ctype, headers={"ETag": etag})
        route = site.routes[path]

        def not_modified(handler: BaseHTTPRequestHandler, route: Route = route) -> Route | None:
            if handler.headers.get("If-None-Match") == etag:
                return Route(b"", 304, {"ETag": etag})
            return None

        route.handler = not_modified
    urls["broken"] = add("/feeds/broken.xml", b"oops", status=500, content_type="text/plain")
    return urls


def feed_list(urls: dict[str, str]) -> str:
    return "\n".join(
        f'[[feeds]]\nurl = {json.dumps(u)}\nsource = "Local {name}"\nlanguage = "en"\n'
        for name, u in urls.items()
    )
