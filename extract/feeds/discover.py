"""Find older articles than a feed still lists: feed archives, paged feeds, XML sitemaps.

A feed shows its last 10 to 50 items; a backfill over an earlier window needs the rest. Three
places a site may keep them, tried in this order for each feed:

1. **RFC 5005 archived feeds**: the feed links `rel="prev-archive"` to an archive document, which
   links to the one before it, and so on. Each archive is a closed slice of time.
2. **Paged feeds**: RFC 5005 `rel="next"` (Atom, or `atom:link` in RSS), or WordPress, whose
   feeds take `?paged=2`, `?paged=3`, ... (recognised by its `<generator>` or a `/feed/` path)
   and answer 404 past the last page. Pages run newest first.
3. **XML sitemaps** of the feed's site, when the feed has neither: `Sitemap:` lines of
   `/robots.txt`, else the usual places (`/sitemap.xml`, `/sitemap_index.xml`, `/wp-sitemap.xml`);
   sitemap indexes are followed, children whose `<lastmod>` (or the month in their name) says
   they hold nothing of the window are skipped, and Google News sitemaps give a publication date
   and a title.

Everything is restricted to the window: a chain stops at the first page whose entries are all
older than its start; entries, sitemap URLs and child sitemaps outside it are dropped (and
counted). A sitemap URL is dated by its news publication date, else a date in its path
(`/2024/06/18/`), else `<lastmod>`; since `<lastmod>` is a *modification* date, a URL dated only
by it is kept when it falls between the window's start and `LASTMOD_GRACE` after its end.

The parsers here are pure (bytes in, values out). The walkers (`discover_feed`) do their network
through `extract.fetch.Fetcher`, the project's only HTTP client, and never raise for one bad
page: a page that fails ends that chain and is reported in `Discovery.errors`.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from extract.errors import FeedParseError, FetchError, HTTPStatusError
from extract.feeds.parse import parse_feed
from extract.fetch import FEED_ACCEPT, Fetcher
from extract.models import FeedEntry
from extract.urls import canonicalize_url, entry_keys

log = logging.getLogger(__name__)

LASTMOD_GRACE = timedelta(days=7)
_MISSING = frozenset({401, 403, 404, 410})  # robots.txt or a guessed sitemap that is not there
SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, */*;q=0.5"
SITEMAP_GUESSES = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml")
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, uncompressed
# Aggregators whose site-wide sitemaps say nothing about the feed (search and alert feeds).
NO_SITEMAP_HOSTS = frozenset(
    {"news.google.com", "www.google.com", "google.com", "feeds.feedburner.com", "rss.app"}
)

_ATOM = "http://www.w3.org/2005/Atom"
_HISTORY = "http://purl.org/syndication/history/1.0"


# --- the window ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A half-open span of time [start, end), both timezone-aware."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError(f"empty window: {self.start.isoformat()} .. {self.end.isoformat()}")

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end

    def describe(self) -> str:
        last = (self.end - timedelta(microseconds=1)).date()
        return f"{self.start.date().isoformat()}..{last.isoformat()}"


# --- dates -----------------------------------------------------------------------------------

_URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>0[1-9]|1[0-2])(?:[/-](?P<d>0[1-9]|[12]\d|3[01]))?(?=[/_.-]|$)"
    r"|/(?P<y2>(?:19|20)\d{2})(?P<m2>0[1-9]|1[0-2])(?P<d2>0[1-9]|[12]\d|3[01])(?=[/_.-]|$)"
)


def parse_w3c_datetime(value: str | None) -> datetime | None:
    """A W3C/ISO 8601 date or date-time ("2024-06-18", "2024-06-18T09:30:00+09:00") in UTC.

    A date alone is midnight UTC; a time without an offset is taken as UTC. None if unreadable.
    """
    if not value:
        return None
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def date_from_url(url: str) -> date | None:
    """The publication date a URL's path spells out (/2024/06/18/, /2024-06-18-, /20240618/).

    Year and month alone give the first of the month. None when the path holds no date.
    """
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    match = _URL_DATE.search(path)
    if match is None:
        return None
    year = match.group("y") or match.group("y2")
    month = match.group("m") or match.group("m2")
    day = match.group("d") or match.group("d2") or "01"
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _month_span(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day.replace(day=1), time(0), tzinfo=UTC)
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, datetime.combine(following, time(0), tzinfo=UTC)


# --- feed documents: history links -----------------------------------------------------------


@dataclass(frozen=True)
class FeedLinks:
    """What a feed document says about where its older entries are."""

    next_page: str | None = None  # RFC 5005 paged feed, rel="next"
    prev_archive: str | None = None  # RFC 5005 archived feed, rel="prev-archive"
    generator: str | None = None  # "https://wordpress.org/?v=6.5.2", "WordPress", ...
    is_archive: bool = False  # <fh:archive/>: this document is itself an archive

    @property
    def wordpress(self) -> bool:
        return bool(self.generator) and "wordpress" in (self.generator or "").lower()


def _xml_root(body: bytes) -> etree._Element | None:
    """Parse untrusted XML: no entities, no network, no DTD; broken markup recovered if possible."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
    )
    try:
        root = etree.fromstring(body.lstrip(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _namespace(tag: object) -> str:
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def parse_feed_links(body: bytes, base_url: str) -> FeedLinks:
    """History links of an RSS or Atom document (relative links resolved against `base_url`)."""
    root = _xml_root(body)
    if root is None:
        return FeedLinks()
    container = root
    if _local(root.tag) == "rss":
        channel = next((c for c in root if _local(c.tag) == "channel"), None)
        if channel is not None:
            container = channel
    base = (container.get("{http://www.w3.org/XML/1998/namespace}base") or "").strip()
    base_url = urljoin(base_url, base) if base else base_url
    found: dict[str, str] = {}
    generator: str | None = None
    is_archive = False
    for child in container:
        name, ns = _local(child.tag), _namespace(child.tag)
        if name == "link" and (ns == _ATOM or _local(container.tag) == "feed"):
            rel = (child.get("rel") or "alternate").strip().lower()
            href = (child.get("href") or "").strip()
            if href and rel in ("next", "prev-archive") and rel not in found:
                found[rel] = urljoin(base_url, href)
        elif name == "generator" and generator is None:
            text = " ".join(
                part for part in ((child.text or "").strip(), child.get("uri") or "") if part
            )
            generator = text or None
        elif name == "archive" and ns == _HISTORY:
            is_archive = True
    return FeedLinks(
        next_page=found.get("next"),
        prev_archive=found.get("prev-archive"),
        generator=generator,
        is_archive=is_archive,
    )


def looks_like_wordpress_feed(feed_url: str, links: FeedLinks) -> bool:
    """WordPress feeds page with ?paged=N: its generator says so, or its path ends in /feed/."""
    if links.wordpress:
        return True
    try:
        parts = urlsplit(feed_url)
    except ValueError:
        return False
    path = parts.path.rstrip("/")
    query = dict(parse_qsl(parts.query))
    return path.endswith("/feed") or query.get("feed", "").startswith(("rss", "atom"))


def wordpress_page_url(feed_url: str, page: int) -> str:
    """The feed URL asking for page `page` (`?paged=N`, other query parameters kept)."""
    parts = urlsplit(feed_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    if page > 1:
        query.append(("paged", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- sitemaps --------------------------------------------------------------------------------


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
        if _local(child.tag) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """Parse a sitemap index or URL set (plain or gzipped). Not a sitemap: an empty `Sitemap`."""
    root = _xml_root(_gunzip(body))
    if root is None:
        return Sitemap()
    kind = _local(root.tag)
    if kind == "sitemapindex":
        refs: list[SitemapRef] = []
        for item in root:
            if _local(item.tag) != "sitemap":
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
            if _local(item.tag) != "url":
                continue
            loc = _child_text(item, "loc")
            if not loc:
                continue
            published = title = language = None
            for child in item:
                if _local(child.tag) != "news":
                    continue
                published = parse_w3c_datetime(_child_text(child, "publication_date"))
                title = _child_text(child, "title")
                for sub in child:
                    if _local(sub.tag) == "publication":
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
        month_start, month_end = _month_span(day)
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


# --- walking a feed's history ----------------------------------------------------------------


ParseEntries = Callable[[bytes, str], Sequence[FeedEntry]]


def feed_page_parser(feed_url: str) -> ParseEntries:
    """Entries of one page of a feed's history, keyed as the poller keys the feed's entries."""

    def parse(body: bytes, page_url: str) -> Sequence[FeedEntry]:
        return parse_feed(body, url=feed_url, base_url=page_url).entries

    return parse


def sitemap_entry(feed_url: str, item: SitemapUrl) -> FeedEntry:
    """A feed entry for a page a sitemap lists, keyed as the poller keys entries (by its URL)."""
    canonical = canonicalize_url(item.url)
    keys = entry_keys(None, canonical, item.title, item.published, feed_url=feed_url)
    return FeedEntry(
        feed_url=feed_url,
        entry_key=keys[0],
        guid=None,
        url=item.url,
        canonical_url=canonical,
        title=item.title,
        summary=None,
        content=None,
        author=None,
        published_at=item.published,
        language=item.language,
        identities=tuple(keys),
    )


@dataclass
class Discovery:
    """What discovery found for one feed: entries in the window, and how it went."""

    feed_url: str
    method: str = "none"  # 'archive' | 'paged' | 'wordpress' | 'sitemap' | 'none'
    entries: list[FeedEntry] = field(default_factory=list)
    documents: int = 0  # feed pages or sitemaps fetched
    outside_window: int = 0
    undated: int = 0
    truncated: bool = False  # stopped at a limit before the history ran out
    errors: list[str] = field(default_factory=list)
    feed_unreadable: bool = False  # the feed itself failed (fetch or parse): worth a retry later

    def describe(self) -> str:
        text = (
            f"{self.method}: {len(self.entries)} in window from {self.documents} document(s), "
            f"{self.outside_window} outside, {self.undated} undated"
        )
        if self.truncated:
            text += ", stopped at the limit"
        if self.errors:
            text += f"; {len(self.errors)} error(s): {self.errors[0]}"
        return text


@dataclass(frozen=True)
class DiscoverLimits:
    max_pages: int = 50  # feed pages (archives or pages) per feed, sitemaps per site
    max_urls: int = 2000  # entries in the window kept per feed


def _get(
    fetcher: Fetcher,
    url: str,
    accept: str,
    found: Discovery,
    *,
    quiet: frozenset[int] = frozenset(),
) -> bytes | None:
    """The body of `url`, or None with the error noted (not noted for a status in `quiet`)."""
    found.documents += 1
    try:
        response = fetcher.get(url, accept=accept)
    except HTTPStatusError as exc:
        if exc.status not in quiet:
            found.errors.append(f"{url}: {exc}")
        return None
    except FetchError as exc:
        found.errors.append(f"{url}: {exc}")
        return None
    return response.body


def _keep(entries: Iterable[FeedEntry], window: Window, found: Discovery, seen: set[str]) -> int:
    """Add the entries of one page that fall in the window; return how many were new at all."""
    fresh = 0
    for entry in entries:
        if entry.entry_key in seen:
            continue
        seen.add(entry.entry_key)
        fresh += 1
        if entry.published_at is None:
            found.undated += 1
        elif window.contains(entry.published_at):
            found.entries.append(entry)
        else:
            found.outside_window += 1
    return fresh


def _walk_chain(
    fetcher: Fetcher,
    first_url: str,
    next_of: Callable[[str, bytes, int], str | None],
    parse_entries: ParseEntries,
    window: Window,
    limits: DiscoverLimits,
    found: Discovery,
    seen: set[str],
    *,
    stop_when_older: Callable[[Sequence[FeedEntry]], bool],
    quiet: frozenset[int] = frozenset(),
) -> None:
    """Follow `next_of` from `first_url` while pages bring new entries not all older than the
    window; a status in `quiet` (WordPress: 404 past the last page) ends the chain silently."""
    url: str | None = first_url
    visited: set[str] = set()
    page = 2  # the feed itself was page 1
    while url is not None and url not in visited:
        if found.documents >= limits.max_pages or len(found.entries) >= limits.max_urls:
            found.truncated = True
            return
        visited.add(url)
        body = _get(fetcher, url, FEED_ACCEPT, found, quiet=quiet)
        if body is None:
            return
        try:
            entries = parse_entries(body, url)
        except FeedParseError as exc:
            found.errors.append(f"{url}: {exc}")
            return
        if _keep(entries, window, found, seen) == 0:
            return  # nothing new: past the last page (or the site ignores the page parameter)
        if stop_when_older(entries):
            return
        page += 1
        url = next_of(url, body, page)


def _all_older(window: Window) -> Callable[[Sequence[FeedEntry]], bool]:
    """Newest-first pages: stop once a page's dated entries are all before the window."""

    def check(entries: Sequence[FeedEntry]) -> bool:
        dated = [e.published_at for e in entries if e.published_at is not None]
        return bool(dated) and max(dated) < window.start

    return check


def discover_from_feed(
    fetcher: Fetcher,
    feed_url: str,
    window: Window,
    *,
    limits: DiscoverLimits = DiscoverLimits(),
    parse_entries: ParseEntries | None = None,
) -> Discovery:
    """Walk a feed's history (RFC 5005 archives or pages, WordPress pages) back into the window.

    `method` stays 'none' when the feed offers no way back; the caller may try sitemaps then.
    """
    parse_entries = parse_entries or feed_page_parser(feed_url)
    found = Discovery(feed_url=feed_url)
    body = _get(fetcher, feed_url, FEED_ACCEPT, found)
    if body is None:
        found.feed_unreadable = True
        return found
    links = parse_feed_links(body, feed_url)
    seen: set[str] = set()
    try:
        first = parse_entries(body, feed_url)
    except FeedParseError as exc:
        found.errors.append(f"{feed_url}: {exc}")
        found.feed_unreadable = True
        return found
    older = _all_older(window)

    def follow(rel: str) -> Callable[[str, bytes, int], str | None]:
        def next_of(url: str, page_body: bytes, _page: int) -> str | None:
            page_links = parse_feed_links(page_body, url)
            return page_links.prev_archive if rel == "prev-archive" else page_links.next_page

        return next_of

    if links.prev_archive:
        found.method = "archive"
        _keep(first, window, found, seen)
        _walk_chain(
            fetcher,
            links.prev_archive,
            follow("prev-archive"),
            parse_entries,
            window,
            limits,
            found,
            seen,
            stop_when_older=older,
        )
    elif links.next_page:
        found.method = "paged"
        _keep(first, window, found, seen)
        if not older(first):
            _walk_chain(
                fetcher,
                links.next_page,
                follow("next"),
                parse_entries,
                window,
                limits,
                found,
                seen,
                stop_when_older=older,
            )
    elif looks_like_wordpress_feed(feed_url, links):
        found.method = "wordpress"
        _keep(first, window, found, seen)
        if not older(first):
            _walk_chain(
                fetcher,
                wordpress_page_url(feed_url, 2),
                lambda _url, _body, page: wordpress_page_url(feed_url, page),
                parse_entries,
                window,
                limits,
                found,
                seen,
                stop_when_older=older,
                quiet=frozenset({404, 410}),  # how WordPress says "no more pages"
            )
    else:
        _keep(first, window, found, seen)
    if len(found.entries) > limits.max_urls:
        found.entries = found.entries[: limits.max_urls]
        found.truncated = True
    return found


def sitemap_candidates(fetcher: Fetcher, site: str, found: Discovery) -> list[str]:
    """Sitemaps a site declares in robots.txt, else the usual places to look."""
    body = _get(
        fetcher, urljoin(site, "/robots.txt"), "text/plain, */*;q=0.5", found, quiet=_MISSING
    )
    if body is not None:
        declared = sitemaps_from_robots(body.decode("utf-8", "replace"), site)
        if declared:
            return declared
    return [urljoin(site, guess) for guess in SITEMAP_GUESSES]


def discover_from_sitemaps(
    fetcher: Fetcher,
    feed_url: str,
    window: Window,
    *,
    limits: DiscoverLimits = DiscoverLimits(),
) -> Discovery:
    """URLs of the feed's site in the window, from its XML sitemaps (indexes followed)."""
    found = Discovery(feed_url=feed_url, method="sitemap")
    host = (urlsplit(feed_url).hostname or "").lower()
    if host in NO_SITEMAP_HOSTS:
        found.method = "none"
        return found
    site = site_root(feed_url)
    queue = sitemap_candidates(fetcher, site, found)
    guessing = queue == [urljoin(site, guess) for guess in SITEMAP_GUESSES]
    visited: set[str] = set()
    keys: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in visited:
            continue
        if len(visited) >= limits.max_pages or len(found.entries) >= limits.max_urls:
            found.truncated = True
            break
        visited.add(url)
        body = _get(
            fetcher, url, SITEMAP_ACCEPT, found, quiet=_MISSING if guessing else frozenset()
        )
        if body is None:
            continue
        try:
            sitemap = parse_sitemap(body, url)
        except FeedParseError as exc:
            found.errors.append(f"{url}: {exc}")
            continue
        if sitemap.empty:
            continue
        if guessing:  # the first guess that is a sitemap is the site's sitemap
            queue = []
            guessing = False
        queue.extend(ref.url for ref in sitemap.sitemaps if child_may_cover(ref, window))
        for item in sitemap.urls:
            inside = url_in_window(item, window)
            if inside is None:
                found.undated += 1
            elif not inside:
                found.outside_window += 1
            else:
                entry = sitemap_entry(feed_url, item)
                if entry.entry_key not in keys:
                    keys.add(entry.entry_key)
                    found.entries.append(entry)
    if guessing:
        found.method = "none"  # every guess missed: no sitemap where one would look
    if len(found.entries) > limits.max_urls:
        found.entries = found.entries[: limits.max_urls]
        found.truncated = True
    return found


def discover(
    fetcher: Fetcher,
    feed_url: str,
    window: Window,
    *,
    limits: DiscoverLimits = DiscoverLimits(),
) -> Discovery:
    """The feed's own history if it has one, else its site's sitemaps."""
    found = discover_from_feed(fetcher, feed_url, window, limits=limits)
    if found.method != "none":
        return found
    from_sitemaps = discover_from_sitemaps(fetcher, feed_url, window, limits=limits)
    # The current feed's entries in the window still count (discovery found them too).
    keys = {e.entry_key for e in from_sitemaps.entries}
    from_sitemaps.entries.extend(e for e in found.entries if e.entry_key not in keys)
    from_sitemaps.documents += found.documents
    from_sitemaps.errors = found.errors + from_sitemaps.errors
    from_sitemaps.feed_unreadable = found.feed_unreadable
    from_sitemaps.outside_window += found.outside_window
    from_sitemaps.undated += found.undated
    return from_sitemaps
