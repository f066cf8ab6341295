"""The links a feed document gives to its older pages: RFC 5005 archives and paging, WordPress.

Pure: `parse_feed_links` reads `rel="prev-archive"`, `rel="next"` and friends from an Atom or RSS
document; `looks_like_wordpress_feed` and `wordpress_page_url` page a WordPress feed with
`?paged=N`. The crawl that follows them is `extract.feeds.discover`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from extract.feeds.xml import local_name, namespace_of, xml_root

ATOM = "http://www.w3.org/2005/Atom"


HISTORY = "http://purl.org/syndication/history/1.0"


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


def parse_feed_links(body: bytes, base_url: str) -> FeedLinks:
    """History links of an RSS or Atom document (relative links resolved against `base_url`)."""
    root = xml_root(body)
    if root is None:
        return FeedLinks()
    container = root
    if local_name(root.tag) == "rss":
        channel = next((c for c in root if local_name(c.tag) == "channel"), None)
        if channel is not None:
            container = channel
    base = (container.get("{http://www.w3.org/XML/1998/namespace}base") or "").strip()
    base_url = urljoin(base_url, base) if base else base_url
    found: dict[str, str] = {}
    generator: str | None = None
    is_archive = False
    for child in container:
        name, ns = local_name(child.tag), namespace_of(child.tag)
        if name == "link" and (ns == ATOM or local_name(container.tag) == "feed"):
            rel = (child.get("rel") or "alternate").strip().lower()
            href = (child.get("href") or "").strip()
            if href and rel in ("next", "prev-archive") and rel not in found:
                found[rel] = urljoin(base_url, href)
        elif name == "generator" and generator is None:
            text = " ".join(
                part for part in ((child.text or "").strip(), child.get("uri") or "") if part
            )
            generator = text or None
        elif name == "archive" and ns == HISTORY:
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
