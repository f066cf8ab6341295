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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from extract.errors import FeedParseError, FetchError, HTTPStatusError
from extract.feeds.archives import (
    looks_like_wordpress_feed,
    parse_feed_links,
    wordpress_page_url,
)
from extract.feeds.parse import parse_feed
from extract.feeds.sitemaps import (
    SitemapUrl,
    child_may_cover,
    parse_sitemap,
    site_root,
    sitemaps_from_robots,
    url_in_window,
)
from extract.feeds.window import Window
from extract.fetch import FEED_ACCEPT, Fetcher
from extract.models import FeedEntry
from extract.urls import canonicalize_url, entry_keys

log = logging.getLogger(__name__)

_MISSING = frozenset({401, 403, 404, 410})  # robots.txt or a guessed sitemap that is not there
SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, */*;q=0.5"
SITEMAP_GUESSES = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml")
# Aggregators whose site-wide sitemaps say nothing about the feed (search and alert feeds).
NO_SITEMAP_HOSTS = frozenset(
    {"news.google.com", "www.google.com", "google.com", "feeds.feedburner.com", "rss.app"}
)


# --- the window ------------------------------------------------------------------------------


# --- dates -----------------------------------------------------------------------------------


# --- feed documents: history links -----------------------------------------------------------


# --- sitemaps --------------------------------------------------------------------------------


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
