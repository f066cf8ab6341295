"""XML sitemaps and robots.txt, parsed, and whether an entry or a child sitemap can be in a window.

Pure: `parse_sitemap` reads a sitemap index or URL set (gzip files too, Google News entries with
their publication date and title); `sitemaps_from_robots` reads `Sitemap:` lines. A URL is dated by
its news publication date, else a date in its path, else `<lastmod>` (kept up to `LASTMOD_GRACE`
after the window, since it is a modification date).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

from extract.errors import FeedParseError
from extract.feeds.window import Window, date_from_url, month_span, parse_w3c_datetime
from extract.feeds.xml import local_name, xml_root

LASTMOD_GRACE = timedelta(days=7)


MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, uncompressed


@dataclass(frozen=True)
class SitemapRef:
    """A child sitemap listed by a sitemap index."""

    url: str
    lastmod: datetime | None = None


@dataclass(frozen=True)
class SitemapUrl:
    """A page listed by a sitemap, with what the sitemap says about its date."""

    url: str
    lastmod: datetime | None = None
    published: datetime | None = None  # <news:publication_date>
    title: str | None = None  # <news:title>
    language: str | None = None  # <news:language>

    def dated(self) -> tuple[datetime | None, str]:
        """The best date known and where it came from: 'news', 'path', 'lastmod' or 'none'."""
        if self.published is not None:
            return self.published, "news"
        day = date_from_url(self.url)
        if day is not None:
            return datetime.combine(day, time(0), tzinfo=UTC), "path"
        if self.lastmod is not None:
            return self.lastmod, "lastmod"
        return None, "none"


@dataclass(frozen=True)
class Sitemap:
    """A parsed sitemap document: an index (`sitemaps`) or a URL set (`urls`), or neither."""

    sitemaps: tuple[SitemapRef, ...] = ()
    urls: tuple[SitemapUrl, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.sitemaps and not self.urls


def _gunzip(body: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """Decompress a .xml.gz served as a file (not as Content-Encoding), at most `limit` bytes."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise FeedParseError(f"broken gzip sitemap: {exc}") from exc
    if len(out) > limit:
        raise FeedParseError(f"sitemap larger than {limit:,} bytes uncompressed")
    return out


def _child_text(element: etree._Element, name: str) -> str | None:
    for child in element:
        if local_name(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """Parse a sitemap index or URL set (plain or gzipped). Not a sitemap: an empty `Sitemap`."""
    root = xml_root(_gunzip(body))
    if root is None:
        return Sitemap()
    kind = local_name(root.tag)
    if kind == "sitemapindex":
        refs: list[SitemapRef] = []
        for item in root:
            if local_name(item.tag) != "sitemap":
                continue
            loc = _child_text(item, "loc")
            if loc:
                refs.append(
                    SitemapRef(
                        urljoin(base_url, loc), parse_w3c_datetime(_child_text(item, "lastmod"))
                    )
                )
        return Sitemap(sitemaps=tuple(refs))
    if kind == "urlset":
        urls: list[SitemapUrl] = []
        for item in root:
            if local_name(item.tag) != "url":
                continue
            loc = _child_text(item, "loc")
            if not loc:
                continue
            published = title = language = None
            for child in item:
                if local_name(child.tag) != "news":
                    continue
                published = parse_w3c_datetime(_child_text(child, "publication_date"))
                title = _child_text(child, "title")
                for sub in child:
                    if local_name(sub.tag) == "publication":
                        language = _child_text(sub, "language")
            urls.append(
                SitemapUrl(
                    url=urljoin(base_url, loc),
                    lastmod=parse_w3c_datetime(_child_text(item, "lastmod")),
                    published=published,
                    title=title,
                    language=language,
                )
            )
        return Sitemap(urls=tuple(urls))
    return Sitemap()


def sitemaps_from_robots(text: str, base_url: str) -> list[str]:
    """The `Sitemap:` URLs of a robots.txt, in order, without duplicates."""
    found: list[str] = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            url = urljoin(base_url, value.strip())
            if url not in found:
                found.append(url)
    return found


def site_root(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def child_may_cover(ref: SitemapRef, window: Window) -> bool:
    """Whether a child sitemap can hold URLs of the window (unknown: yes).

    A `<lastmod>` before the window's start means nothing in it changed since: skip. A month in
    its name (`sitemap-2024-06.xml`, `post-sitemap-2024-06.xml`, `/2024/06/`) must overlap.
    """
    if ref.lastmod is not None and ref.lastmod < window.start:
        return False
    day = date_from_url(ref.url.replace("-", "/").replace("_", "/"))
    if day is not None:
        month_start, month_end = month_span(day)
        if month_end <= window.start or month_start >= window.end:
            return False
    return True


def url_in_window(item: SitemapUrl, window: Window) -> bool | None:
    """True/False when the URL's date places it inside/outside the window; None when undated."""
    when, source = item.dated()
    if when is None:
        return None
    if source == "path" and item.published is None:
        # A date in the path is a day (or a month): the window's day bounds, not its instants.
        return window.start.date() <= when.date() < (window.end + timedelta(days=1)).date() and (
            when < window.end
        )
    if source == "lastmod":
        return window.start <= when < window.end + LASTMOD_GRACE
    return window.contains(when)
