"""Feed parsing: bytes of an RSS, Atom or RDF document in, normalised `FeedEntry` records out.

    parsed = parse_feed(body, url=feed_url, content_type="application/rss+xml", now=now)
    parsed.title, parsed.entries, parsed.warning       # or FeedParseError("not a feed: ...")

(OPML lists are `extract.feeds.opml`; decoding bytes to text is `extract.feeds.decode`.)

Pure: no network, no files. feedparser only ever sees bytes in a BytesIO (given a bare string or
bytes it would open a URL or a local file of that name).

What happens to a body, in order:

1. gzip magic bytes -> decompressed (a feed stored or served gzipped without Content-Encoding),
   up to `MAX_DECOMPRESSED_BYTES`.
2. Decoded to text here, not by feedparser: byte-order mark; UTF-16 without BOM (NUL pattern);
   valid UTF-8 wins over a contrary declaration (prologs that say windows-1252 over UTF-8 bytes are
   common, and legacy-encoded text is practically never valid UTF-8); else the XML declaration,
   then the HTTP charset, whichever decodes cleanly (the document names its encoding more reliably
   than a server default); else detection with charset_normalizer among the encodings news feeds
   use (`DETECT_CANDIDATES`); else windows-1252. The text is handed on as UTF-8 with the declaration
   rewritten to match, characters XML forbids removed, and anything before a late XML declaration
   that is only whitespace or comments dropped.
3. Not a feed -> `FeedParseError` with a readable reason: "empty body", "not a feed: got an HTML
   page ("Document Moved")", "not a feed: got JSON", "invalid XML at line 21: no element found",
   "not a feed: no RSS, Atom or RDF root element (<opml>)". A document with XML errors that still
   yields entries is accepted, with a `warning`. A well-formed feed with no items is fine.
4. Entries: links resolved against xml:base or the document URL (feedparser), Google Alerts and
   Google redirect links unwrapped, Google News links resolved when the article id carries the URL,
   otherwise kept with `fetchable=False`; titles, summaries and content as plain text; the
   published (else updated) date as aware UTC. A date up to `FUTURE_TOLERANCE` ahead of `now` is a
   time-zone mistake and becomes `now`; further ahead it is garbage and becomes None; unparseable
   dates are None.
"""

from __future__ import annotations

import calendar
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin
from xml.sax import SAXParseException

import feedparser

from extract.errors import FeedParseError
from extract.feeds.decode import decode_xml, gunzip, prepare_xml
from extract.models import FeedEntry
from extract.urls import (
    canonicalize_url,
    entry_keys,
    is_google_news_link,
    repair_link,
    resolve_google_news_link,
    unwrap_redirect,
)

FUTURE_TOLERANCE = timedelta(days=2)
# fmt: on


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    link: str | None
    entries: list[FeedEntry] = field(default_factory=list)
    warning: str | None = None  # the feed was usable but not clean (XML errors, wrong encoding)
    version: str | None = None  # feedparser's name for the format: rss20, atom10, rss10, ...
    encoding: str | None = None  # what the bytes were decoded as
    language: str | None = None


# --- bytes to text ----------------------------------------------------------------------------

_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:\-]+)""", re.IGNORECASE)


# --- telling feeds from other things -------------------------------------------------------------

_SKIP_PROLOG = r"(?:\s|<\?.*?\?>|<!--.*?-->)*"
_HTML_START = re.compile(_SKIP_PROLOG + r"<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_ROOT = re.compile(_SKIP_PROLOG + r"(?:<!DOCTYPE[^>]*>\s*)?<([A-Za-z_][\w:.\-]*)", re.S)
# The root element after the prolog, comments and any DOCTYPE (with an internal subset).
_ROOT_AFTER_DOCTYPE = re.compile(
    r"(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*<([A-Za-z_][\w:.\-]*)",
    re.I | re.S,
)
_FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


def _refuse_non_feed(text: str, content_type: str | None) -> None:
    head = text[:8192]
    if not head.strip():
        raise FeedParseError("empty body")
    if _HTML_START.match(head) and not _feed_root(head):  # (an RSS may carry an XHTML DOCTYPE)
        title = _HTML_TITLE.search(text[:65536])
        name = single_line(html_to_text(title.group(1))) if title else None
        raise FeedParseError("not a feed: got an HTML page" + (f' ("{name}")' if name else ""))
    stripped = head.lstrip()
    if stripped.startswith(("{", "[")):
        raise FeedParseError("not a feed: got JSON (JSON Feed is not supported)")
    if not stripped.startswith("<"):
        kind = f" ({content_type})" if content_type else ""
        sample = single_line(stripped[:40]) or ""
        raise FeedParseError(f"not a feed: the body is not XML{kind}, it starts with {sample!r}")


def _feed_root(head: str) -> bool:
    root = _ROOT_AFTER_DOCTYPE.match(head)
    return root is not None and root.group(1).rpartition(":")[2].lower() in _FEED_ROOTS


def _xml_error(exc: object, cut_lines: int) -> str:
    if isinstance(exc, SAXParseException):
        line = (exc.getLineNumber() or 0) + cut_lines
        return f"invalid XML at line {line}: {exc.getMessage()}"
    return f"invalid feed: {exc}"


# --- HTML to plain text ---------------------------------------------------------------------------

# fmt: off
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "tr", "ul",
})
# fmt: on
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str | None) -> str | None:
    """Plain text of an HTML fragment: tags dropped, entities decoded, blocks on their own lines."""
    if not markup:
        return None
    if "<" not in markup and "&" not in markup:
        return _tidy(markup)
    collector = _TextCollector()
    collector.feed(strip_comments(markup))
    collector.close()
    return _tidy("".join(collector.parts))


_COMMENT = re.compile(r"<!--.*?-->", re.S)
_UNCLOSED_COMMENT = re.compile(r"<!--[^>]*(?:>|$)", re.S)


def strip_comments(markup: str) -> str:
    """`markup` without comments; one left open ends at the next ">" or the end (as feedparser)."""
    return _UNCLOSED_COMMENT.sub("", _COMMENT.sub("", markup))


def _tidy(text: str) -> str | None:
    lines = (" ".join(line.split()) for line in text.replace("\xa0", " ").splitlines())
    tidy = "\n".join(line for line in lines if line)
    return tidy or None


def single_line(text: str | None) -> str | None:
    if not text:
        return None
    return " ".join(text.split()) or None


# --- entries --------------------------------------------------------------------------------------


def _detail_text(value: Any, detail: Any, *, one_line: bool) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    kind = str(detail.get("type", "")) if isinstance(detail, dict) else "text/html"
    text = html_to_text(value) if "html" in kind else _tidy(value)
    return single_line(text) if one_line else text


def _content_text(entry: Any) -> str | None:
    texts: list[str] = []
    for item in entry.get("content") or ():
        text = _detail_text(item.get("value"), item, one_line=False)
        if text and text not in texts:
            texts.append(text)
    return "\n\n".join(texts) or None


def _entry_date(entry: Any, now: datetime) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(entry, key)  # (FeedParserDict.get maps updated to published, noisily)
        if not parsed:
            continue
        try:
            when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
        except (OverflowError, ValueError, OSError, TypeError):
            continue
        if when > now:
            return now if when - now <= FUTURE_TOLERANCE else None
        return when
    return None


_UNJOINABLE_BASE = "x-newswatch-unresolved:/"  # not a scheme urllib joins relative links onto


def _entry_link(entry: Any, base: str) -> tuple[str | None, bool]:
    """(link, fetchable) for an entry: redirects unwrapped, Google News resolved if possible."""
    link = entry.get("link")  # (feedparser already fills it from a permalink GUID)
    if not isinstance(link, str) or not link.strip():
        return None, False
    repaired = repair_link(link)
    if repaired is None:  # names http(s) but no usable host: refused, never put on the feed's host
        return None, False
    link = unwrap_redirect(urljoin(base, repaired))
    if not link.lower().startswith(("http://", "https://")):
        return None, False
    if is_google_news_link(link):
        resolved = resolve_google_news_link(link)
        if resolved is None:
            return link, False
        link = resolved
    return link, True


def _make_entry(
    entry: Any, *, feed_url: str, base: str, language: str | None, now: datetime
) -> FeedEntry | None:
    link, fetchable = _entry_link(entry, base)
    canonical = canonicalize_url(link) if link else None
    guid = entry.get("id")
    guid = (guid.strip() or None) if isinstance(guid, str) else None
    title = _detail_text(entry.get("title"), entry.get("title_detail"), one_line=True)
    summary = _detail_text(entry.get("summary"), entry.get("summary_detail"), one_line=False)
    content = _content_text(entry)
    published = _entry_date(entry, now)
    source_info = entry.get("source")
    source = single_line(source_info.get("title")) if isinstance(source_info, dict) else None
    author = single_line(html_to_text(entry.get("author"))) if entry.get("author") else None
    keys = entry_keys(guid, canonical, title, published, feed_url=feed_url, text=content or summary)
    if not keys:
        return None  # nothing at all to recognise it by, and nothing to show
    return FeedEntry(
        feed_url=feed_url,
        entry_key=keys[0],
        guid=guid,
        url=link,
        canonical_url=canonical,
        title=title,
        summary=summary,
        content=content,
        author=author,
        published_at=published,
        source=source,
        language=language,
        fetchable=fetchable and link is not None,
        identities=tuple(keys),
    )


def parse_feed(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    base_url: str | None = None,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse a feed document; `url` is the feed's identity, `base_url` where it was fetched from
    (after redirects; relative links resolve against it). Raises FeedParseError when unusable."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body)
    charset = _CHARSET.search(content_type or "")
    text, encoding, notes = decode_xml(body, charset.group(1) if charset else None)
    _refuse_non_feed(text, content_type)
    prepared, cut_lines = prepare_xml(text)
    base = base_url or url
    try:
        parsed: Any = feedparser.parse(
            io.BytesIO(prepared.encode("utf-8")),
            # A base feedparser cannot join onto: with the feed's URL it would resolve every link,
            # malformed ones ("http:/host/x", "https:host/x") onto the feed's own host.
            # `_entry_link` repairs links first, then resolves them against `base`; an xml:base
            # in the document still applies (feedparser resolves against it).
            response_headers={
                "content-type": "application/xml; charset=utf-8",
                "content-location": _UNJOINABLE_BASE,
            },
            # Markup inside summaries and content is reduced to plain text here, so feedparser's
            # HTML sanitising and URI rewriting inside it (most of its time) would be wasted.
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except Exception as exc:  # feedparser on hostile input: a parse failure, not a crash
        raise FeedParseError(f"feed parser failed: {type(exc).__name__}: {exc}") from exc
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    version = parsed.get("version") or None
    feed: Any = parsed.get("feed") or {}
    language = single_line(feed.get("language")) if isinstance(feed.get("language"), str) else None
    entries = [
        made
        for raw in parsed.get("entries") or ()
        if (made := _make_entry(raw, feed_url=url, base=base, language=language, now=now))
    ]
    if not entries:  # (empty entries are parser debris from broken markup, dropped above)
        if isinstance(problem, SAXParseException):
            raise FeedParseError(_xml_error(problem, cut_lines))
        if not version:
            root = _ROOT.match(prepared[:8192])
            named = f" (<{root.group(1)}>)" if root else ""
            raise FeedParseError(f"not a feed: no RSS, Atom or RDF root element{named}")
    elif isinstance(problem, SAXParseException):
        notes.insert(0, "recovered from " + _xml_error(problem, cut_lines))
    link = feed.get("link")
    link = repair_link(link) if isinstance(link, str) and link.strip() else None
    return ParsedFeed(
        title=_detail_text(feed.get("title"), feed.get("title_detail"), one_line=True),
        link=urljoin(base, link) if link else None,
        entries=entries,
        warning="; ".join(notes) or None,
        version=version,
        encoding=encoding,
        language=language,
    )


# --- OPML -----------------------------------------------------------------------------------------
