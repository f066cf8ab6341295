"""Article extraction: the bytes of a fetched page in, an `ExtractedArticle` out.

Pure: no network, no Prefect, no DuckDB. `extract_article` decodes the page, runs trafilatura
for the text and its metadata, checks the result, and falls back on what the feed carried when
the page is unusable. Every outcome is a value with a status and a readable reason; a hostile,
empty or binary page never raises.

    bytes --decode_html--> str (at most max_html_bytes) --trafilatura.load_html--> tree
        tree --extract_metadata--> title (site name suffix removed), author, site, description,
                                   date (htmldate, original date, markup and URL only)
        tree --bare_extraction(favor_precision)--> text
             (text short? a balanced pass too; kept if the precision pass lost most of it)
        text --clean_text--> text without the title line, "Related:"/"Read more:" link lines,
                             trailing "Comments"/"Tags"/newsletter lines
        text + paywall signals + feed entry --> status

Status, in order of precedence:

- FEED_CONTENT: the feed carried the full text (at least `feed_content_min_chars`) and the page
  gave nothing better (failed, a stub, or less than half the feed text).
- PAYWALL: the page gave a short text and shows paywall signals (JSON-LD
  `isAccessibleForFree: false`, paywall CSS classes, "subscribe to continue"-style phrases). The
  longer of the page's teaser and the feed's text is kept.
- FEED_SUMMARY: the page failed or gave too little text (under `min_text_chars`, or a short text
  shorter than the feed's summary); the longer of the feed's summary and the page text is kept.
- EXTRACT_FAILED: the page failed or gave too little text, and the feed had nothing to fall back
  on (text is whatever little the page gave, or None).
- OK: the page text.

Publication date: htmldate's original (not modified) date from the page's markup and URL; a date
after `now` is refused. The feed entry's timestamp is used instead when the page has no such date,
and also when it falls within a day of the page's date (it has a time of day). Only without
either does htmldate search the page text (`extensive_date_search`), whose weakest clue is a year
alone. The result is never after `now`.

Language: trafilatura only sets a language when asked to filter on one, which this module never
does, so in practice it comes from py3langid on the extracted text (at least
`min_language_chars`), else from the page's declared language (`<html lang>`,
`content-language`, `og:locale`), else py3langid on whatever short text there is, else the feed's.

Where the parts live: decoding the page's bytes (`decode_html`, re-exported here) in
`extract.article.encoding`; title, date and language in `extract.article.metadata`; the text
clean-up in `extract.article.clean`; the paywall signals and the teaser clean-up in
`extract.article.paywall`.

The settings were chosen by measurement on the Zyte article-extraction benchmark:
`python -m bench.extraction`, figures in docs/benchmarks/extraction.md.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Final

import trafilatura
from lxml.html import HtmlElement

from extract.article.clean import clean_text
from extract.article.encoding import decode_html
from extract.article.metadata import (
    clean_field,
    declared_language,
    detect_language,
    page_date,
    published_at_of,
    strip_site_suffix,
)
from extract.article.paywall import paywall_signals, strip_paywall_lines
from extract.models import ExtractedArticle, ExtractionStatus, FeedEntry

__all__ = [
    "DEFAULT",
    "ExtractionSettings",
    "article_from_feed",
    "clean_text",
    "decode_html",
    "extract_article",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractionSettings:
    """How pages are turned into text. The defaults are the measured choice (see module doc)."""

    # trafilatura options
    favor_precision: bool = True
    favor_recall: bool = False
    include_comments: bool = False
    include_tables: bool = True
    deduplicate: bool = False  # trafilatura's cache is process-wide: results would depend on order
    fast: bool = False  # True skips trafilatura's readability/jusText fallbacks
    extensive_date_search: bool = True  # htmldate's text-pattern search when markup has no date
    # own steps
    balanced_retry_below_chars: int = 1000  # precision text shorter than this: balanced pass too
    balanced_retry_ratio: float = 0.2  # keep the balanced text if precision kept less than this
    clean_text: bool = True  # drop the title line, cross-link lines and trailing chrome lines
    # limits
    max_html_bytes: int = 4_000_000  # bytes handed to the parser; the rest is cut off
    max_text_chars: int = 200_000  # longer texts are cut at a line break
    # judging the result
    min_text_chars: int = 200  # less than this from the page is "too little text"
    feed_content_min_chars: int = 1000  # feed content this long is taken as the full text
    teaser_max_chars: int = 1500  # a page text this short with paywall signals is a teaser
    min_language_chars: int = 200  # shorter texts: the page's declared language wins

    def __post_init__(self) -> None:
        if self.favor_precision and self.favor_recall:
            raise ValueError("favor_precision and favor_recall are mutually exclusive")
        if self.max_html_bytes <= 0 or self.max_text_chars <= 0:
            raise ValueError("max_html_bytes and max_text_chars must be positive")
        if not 0.0 <= self.balanced_retry_ratio <= 1.0:
            raise ValueError("balanced_retry_ratio must be between 0 and 1")


DEFAULT: Final = ExtractionSettings()


class _PageRejected(Exception):
    """The page cannot be turned into text; the message is the readable reason."""


# ---------------------------------------------------------------------------------------------
# public API


def extract_article(
    html: bytes | str,
    *,
    url: str,
    entry: FeedEntry | None = None,
    now: datetime,
    settings: ExtractionSettings = DEFAULT,
    content_type: str | None = None,
) -> ExtractedArticle:
    """Text and metadata of the article at `url`, from its page or, failing that, its feed entry.

    `html` is the page body as fetched (any encoding; `content_type` is the HTTP header, whose
    charset is used when the bytes are not UTF-8) or already decoded. `now` bounds the
    publication date: a date after it is refused. Never raises on bad input.
    """
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    try:
        page = _parse_page(
            html,
            url=url,
            now=now,
            settings=settings,
            content_type=content_type,
            entry=entry,
        )
    except _PageRejected as exc:
        return _fallback(entry, url=url, problem=str(exc), settings=settings)
    return _judge(page, entry, url=url, now=now, settings=settings)


def article_from_feed(
    entry: FeedEntry, status: ExtractionStatus, reason: str | None
) -> ExtractedArticle:
    """The article as the feed gave it, for when its page was not fetched or failed to load.

    Text is the feed's full content if it has some, else its summary.
    """
    return ExtractedArticle(
        url=entry.url or entry.canonical_url or "",
        canonical_url=entry.canonical_url or entry.url or "",
        title=entry.title,
        text=_feed_text(entry),
        author=entry.author,
        published_at=entry.published_at,
        site_name=entry.source,
        language=entry.language,
        status=status,
        reason=reason,
    )


# ---------------------------------------------------------------------------------------------
# parsing


@dataclass(frozen=True)
class _Page:
    text: str
    title: str | None
    author: str | None
    published: date | None
    site_name: str | None
    description: str | None
    language: str | None  # as trafilatura gave it (never, with these options) or detected
    declared_language: str | None
    paywall_strong: tuple[str, ...]  # JSON-LD not free; a paywall phrase in the text
    paywall_weak: tuple[str, ...]  # paywall CSS classes; a paywall phrase elsewhere in the page
    problem: str | None  # why the text is empty, when it is


_GZIP_MAGIC: Final = b"\x1f\x8b"
_BINARY_MAGIC: Final = {
    b"%PDF-": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP archive",
    b"RIFF": "a RIFF (WebP/WAV/AVI) file",
}
_NOT_HTML_TYPES: Final = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "application/pdf",
    "application/zip",
    "application/json",
    "application/javascript",
)


def _parse_page(
    html: bytes | str,
    *,
    url: str,
    now: datetime,
    settings: ExtractionSettings,
    content_type: str | None,
    entry: FeedEntry | None,
) -> _Page:
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime.startswith(_NOT_HTML_TYPES):
        raise _PageRejected(f"not an HTML page (Content-Type {mime})")
    source = _to_text(html, content_type, settings.max_html_bytes)
    if not source.strip():
        raise _PageRejected("empty page")
    if _looks_binary(source):
        raise _PageRejected("not an HTML page (binary data)")
    try:
        tree = trafilatura.load_html(source)
    except Exception as exc:  # item failure: recorded with its reason
        raise _PageRejected(f"HTML parser error: {type(exc).__name__}: {exc}"[:300]) from exc
    if tree is None or len(tree) == 0:
        raise _PageRejected("not an HTML document (the parser found no elements)")
    try:
        meta = trafilatura.extract_metadata(
            tree,
            default_url=url,
            # markup and URL only, and no upper bound: a future date is seen, then refused
            date_config={
                "original_date": True,
                "extensive_search": False,
                "max_date": (now + timedelta(days=3660)).strftime("%Y-%m-%d"),
            },
        )
        published = page_date(
            meta.date, meta.url or url, tree, now, entry, extensive=settings.extensive_date_search
        )
        text, problem, language = _extract_text(tree, url, settings)
    except Exception as exc:  # item failure: recorded with its reason
        log.warning("extraction failed for %s", url, exc_info=True)
        raise _PageRejected(f"extraction error: {type(exc).__name__}: {exc}"[:300]) from exc
    site_name = clean_field(meta.sitename)
    title = strip_site_suffix(clean_field(meta.title), site_name, url)
    if text and settings.clean_text:
        text = clean_text(text, title)
    if len(text) > settings.max_text_chars:
        cut = text.rfind("\n", 0, settings.max_text_chars)
        text = text[: cut if cut > 0 else settings.max_text_chars]
    # paywall signals only matter for short texts, and scanning a page costs time
    strong: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    if len(text) < max(settings.teaser_max_chars, len(_feed_text(entry) or "")):
        strong, weak = paywall_signals(tree, source, text)
    return _Page(
        text=text,
        title=title,
        author=clean_field(meta.author),
        published=published,
        site_name=site_name,
        description=clean_field(meta.description),
        language=language,
        declared_language=declared_language(tree),
        paywall_strong=strong,
        paywall_weak=weak,
        problem=problem,
    )


def _to_text(html: bytes | str, content_type: str | None, cap: int) -> str:
    """The page as a str, cut to its first `cap` bytes (or characters, if given a str)."""
    if isinstance(html, str):
        return html[:cap].replace("\x00", "")
    data = html
    if data.startswith(_GZIP_MAGIC):  # a .gz body served without Content-Encoding
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(data, cap + 1)
        except zlib.error as exc:
            raise _PageRejected(f"corrupt gzip body: {exc}") from exc
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise _PageRejected(f"not an HTML page ({what})")
    text, _ = decode_html(data[:cap], content_type)
    return text.replace("\x00", "")


def _looks_binary(text: str) -> bool:
    """Control characters (other than whitespace) in more than 5% of the first 8 KB."""
    head = text[:8192]
    controls = sum(1 for ch in head if ch < " " and ch not in "\t\n\r\f") + head.count("\ufffd")
    return controls > 0.05 * len(head)


def _extract_text(
    tree: HtmlElement, url: str, settings: ExtractionSettings
) -> tuple[str, str | None, str | None]:
    """(text, why it is empty, trafilatura's language) from one or two trafilatura passes."""
    text, language = _trafilatura_text(tree, url, settings, settings.favor_precision)
    if settings.favor_precision and len(text) < settings.balanced_retry_below_chars:
        balanced, balanced_language = _trafilatura_text(tree, url, settings, precision=False)
        if len(text) < settings.balanced_retry_ratio * len(balanced):
            text, language = balanced, balanced_language
    problem = None if text else "trafilatura found no article text"
    return text, problem, language


def _trafilatura_text(
    tree: HtmlElement, url: str, settings: ExtractionSettings, precision: bool
) -> tuple[str, str | None]:
    document = trafilatura.bare_extraction(
        tree,  # bare_extraction works on a copy of a tree it is given
        url=url,
        fast=settings.fast,
        favor_precision=precision,
        favor_recall=settings.favor_recall,
        include_comments=settings.include_comments,
        include_tables=settings.include_tables,
        deduplicate=settings.deduplicate,
        with_metadata=False,
    )
    if document is None or isinstance(document, dict):
        return "", None
    text = (document.text or "").strip()
    language = document.language if isinstance(document.language, str) else None
    return text, language


# ---------------------------------------------------------------------------------------------
# judging the result


def _judge(
    page: _Page, entry: FeedEntry | None, *, url: str, now: datetime, settings: ExtractionSettings
) -> ExtractedArticle:
    """Choose the text to keep and the status from the page's text, its signals and the feed."""
    text = page.text
    feed_text = _feed_text(entry)
    feed_full = _full_content(entry, settings.feed_content_min_chars)
    less_than_feed = feed_text is not None and len(text) < len(feed_text)
    short = len(text) < settings.teaser_max_chars or less_than_feed
    cut_off = text.rstrip().endswith(("...", "\u2026"))
    teaser = short and bool(
        page.paywall_strong or (page.paywall_weak and (less_than_feed or cut_off))
    )
    problem = page.problem
    if problem is None and len(text) < settings.min_text_chars:
        problem = f"the page gave only {len(text)} characters of text"
    elif problem is None and less_than_feed and len(text) < settings.teaser_max_chars:
        problem = (
            f"the page gave {len(text)} characters, less than the feed's {len(feed_text or '')}"
        )

    def result(kept: str | None, status: ExtractionStatus, reason: str | None) -> ExtractedArticle:
        return _article(page, entry, url, now, kept, status, reason, settings)

    if feed_full and (problem or teaser or len(text) < len(feed_full) / 2):
        why = problem or (
            "the page looks like a paywall teaser"
            if teaser
            else f"the page gave {len(text)} characters, the feed {len(feed_full)}"
        )
        return result(feed_full, ExtractionStatus.FEED_CONTENT, f"{why}; kept the feed's full text")
    if teaser:
        signals = ", ".join(page.paywall_strong + page.paywall_weak)
        teaser_text = strip_paywall_lines(text)
        if feed_text and len(feed_text) >= len(teaser_text):
            kept, whose = feed_text, "the feed's summary"
        else:
            kept, whose = teaser_text, "the page's teaser"
        reason = f"paywall ({signals}; {len(text)} characters on the page); kept {whose}"
        return result(kept or None, ExtractionStatus.PAYWALL, reason)
    if problem and feed_text:
        kept = feed_text if len(feed_text) >= len(text) else text
        return result(kept, ExtractionStatus.FEED_SUMMARY, f"{problem}; kept the feed's summary")
    if problem and len(text) < settings.min_text_chars:
        reason = f"{problem}; the feed has no text to fall back on"
        return result(text or None, ExtractionStatus.EXTRACT_FAILED, reason)
    return result(text, ExtractionStatus.OK, None)


def _article(
    page: _Page,
    entry: FeedEntry | None,
    url: str,
    now: datetime,
    text: str | None,
    status: ExtractionStatus,
    reason: str | None,
    settings: ExtractionSettings,
) -> ExtractedArticle:
    language = page.language or detect_language(
        text or "", page.declared_language, entry, settings.min_language_chars
    )
    return ExtractedArticle(
        url=url,
        canonical_url=(entry.canonical_url if entry else None) or url,
        title=page.title or (entry.title if entry else None),
        text=text,
        author=page.author or (entry.author if entry else None),
        published_at=published_at_of(page.published, entry, now),
        site_name=page.site_name or (entry.source if entry else None),
        language=language,
        status=status,
        reason=reason,
        description=page.description,
    )


def _fallback(
    entry: FeedEntry | None,
    *,
    url: str,
    problem: str,
    settings: ExtractionSettings,
) -> ExtractedArticle:
    """The article when the page could not be parsed at all."""
    if entry is None:
        return ExtractedArticle(
            url=url,
            canonical_url=url,
            title=None,
            text=None,
            author=None,
            published_at=None,
            site_name=None,
            language=None,
            status=ExtractionStatus.EXTRACT_FAILED,
            reason=problem,
        )
    if _full_content(entry, settings.feed_content_min_chars):
        status, reason = ExtractionStatus.FEED_CONTENT, f"{problem}; kept the feed's full text"
    elif _feed_text(entry):
        status, reason = ExtractionStatus.FEED_SUMMARY, f"{problem}; kept the feed's summary"
    else:
        status = ExtractionStatus.EXTRACT_FAILED
        reason = f"{problem}; the feed has no text to fall back on"
    article = article_from_feed(entry, status, reason)
    return replace(article, url=url, canonical_url=entry.canonical_url or url)


def _feed_text(entry: FeedEntry | None) -> str | None:
    """The feed's content if it is at least as long as its summary, else its summary."""
    if entry is None:
        return None
    content = (entry.content or "").strip()
    summary = (entry.summary or "").strip()
    best = content if len(content) >= len(summary) else summary
    return best or None


def _full_content(entry: FeedEntry | None, minimum: int) -> str | None:
    """The feed's content if it is long enough to be the whole article."""
    content = (entry.content or "").strip() if entry else ""
    return content if len(content) >= minimum else None


# ---------------------------------------------------------------------------------------------
# text clean-up


# ---------------------------------------------------------------------------------------------
# dates and language
