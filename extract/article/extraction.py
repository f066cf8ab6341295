"""Article extraction: the bytes of a fetched page in, an `ExtractedArticle` out.

Pure: no network, no Prefect, no DuckDB. `extract_article` decodes the page, runs trafilatura
for the text and its metadata, checks the result, and falls back on what the feed carried when
the page is unusable. Every outcome is a value with a status and a readable reason; a hostile,
empty or binary page never raises.

    bytes --decode_html--> str (at most max_html_bytes) --trafilatura.load_html--> tree
        tree --page_metadata--> title (site name suffix removed), author, site, description,
                                date (htmldate, original date, markup and URL only)
        tree --bare_extraction(favor_precision, fast)--> text
             (text short? a favor_recall pass too; kept if the precision pass lost most of it)
        text --clean_text--> text without the title line, "Related:"/"Read more:" link lines,
                             trailing "Comments"/"Tags"/newsletter lines
        text + paywall signals (short texts only) + feed entry --> status

Cost: each step is paid only where it pays for itself (profile and figures in
docs/benchmarks/extraction.md). Both trafilatura passes are `fast` (no readability/jusText
comparison, a fifth of trafilatura's time); the second pass runs only for texts under
`retry_below_chars`; trafilatura's options are built once per settings; metadata skips
categories, tags and licence; the language is identified from the first `language_sample_chars`
of the text; the paywall scan runs for short texts only, its costly half only when it decides.

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
does, so in practice it comes from py3langid on the extracted text (its first
`language_sample_chars`, when they hold at least `min_language_chars`), else from the page's declared language (`<html lang>`,
`content-language`, `og:locale`), else py3langid on whatever short text there is, else the feed's.

Where the parts live: decoding the page's bytes (`decode_html`, re-exported here) in
`extract.article.encoding`; title, date and language in `extract.article.metadata`; the text
clean-up in `extract.article.clean`; the paywall signals and the teaser clean-up in
`extract.article.paywall`.

The settings were chosen by measurement on the Zyte article-extraction benchmark:
`.venv/bin/python -m bench.extraction`, figures in docs/benchmarks/extraction.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Final

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

from extract.article.clean import clean_text
from extract.article.encoding import NotAPage, decode_html, page_source
from extract.article.metadata import (
    clean_field,
    declared_language,
    detect_language,
    page_date,
    page_metadata,
    published_at_of,
    strip_site_suffix,
)
from extract.article.paywall import (
    strip_paywall_lines,
    strong_paywall_signals,
    weak_paywall_signals,
)
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
    fast: bool = True  # True skips trafilatura's readability/jusText fallbacks
    extensive_date_search: bool = True  # htmldate's text-pattern search when markup has no date
    # own steps
    retry_below_chars: int = 1000  # precision text shorter than this: a second pass too
    retry_ratio: float = 0.2  # keep the second pass's text if precision kept less than this
    retry_favor_recall: bool = True  # the second pass favours recall (False: balanced)
    retry_fast: bool = True  # the second pass skips the fallbacks too
    clean_text: bool = True  # drop the title line, cross-link lines and trailing chrome lines
    # limits
    max_html_bytes: int = 4_000_000  # bytes handed to the parser; the rest is cut off
    max_text_chars: int = 200_000  # longer texts are cut at a line break
    # judging the result
    min_text_chars: int = 200  # less than this from the page is "too little text"
    feed_content_min_chars: int = 1000  # feed content this long is taken as the full text
    teaser_max_chars: int = 1500  # a page text this short with paywall signals is a teaser
    min_language_chars: int = 200  # shorter texts: the page's declared language wins
    language_sample_chars: int = 1000  # the language is identified from this much of the text

    def __post_init__(self) -> None:
        if self.favor_precision and self.favor_recall:
            raise ValueError("favor_precision and favor_recall are mutually exclusive")
        if self.max_html_bytes <= 0 or self.max_text_chars <= 0:
            raise ValueError("max_html_bytes and max_text_chars must be positive")
        if not 0.0 <= self.retry_ratio <= 1.0:
            raise ValueError("retry_ratio must be between 0 and 1")


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
    problem: str | None  # why the text is empty, when it is
    tree: HtmlElement  # the parsed page and its markup, for the checks only some pages need:
    source: str  # paywall signals, the declared language


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
    try:
        source = page_source(html, content_type, settings.max_html_bytes)
    except NotAPage as exc:
        raise _PageRejected(str(exc)) from exc
    try:
        tree = trafilatura.load_html(source)
    except Exception as exc:  # item failure: recorded with its reason
        raise _PageRejected(f"HTML parser error: {type(exc).__name__}: {exc}"[:300]) from exc
    if tree is None or len(tree) == 0:
        raise _PageRejected("not an HTML document (the parser found no elements)")
    try:
        meta = page_metadata(
            tree,
            url,
            # markup and URL only, and no upper bound: a future date is seen, then refused
            {
                "original_date": True,
                "extensive_search": False,
                "max_date": (now + timedelta(days=3660)).strftime("%Y-%m-%d"),
            },
        )
        published = page_date(
            meta.date, meta.url or url, tree, now, entry, extensive=settings.extensive_date_search
        )
        text, problem, language = _extract_text(tree, settings)
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
    return _Page(
        text=text,
        title=title,
        author=clean_field(meta.author),
        published=published,
        site_name=site_name,
        description=clean_field(meta.description),
        language=language,
        problem=problem,
        tree=tree,
        source=source,
    )


def _extract_text(
    tree: HtmlElement, settings: ExtractionSettings
) -> tuple[str, str | None, str | None]:
    """(text, why it is empty, trafilatura's language) from one or two trafilatura passes."""
    first, second = _trafilatura_options(settings)
    text, language = _trafilatura_text(tree, first)
    if second is not None and len(text) < settings.retry_below_chars:
        retried, retried_language = _trafilatura_text(tree, second)
        if len(text) < settings.retry_ratio * len(retried):
            text, language = retried, retried_language
    problem = None if text else "trafilatura found no article text"
    return text, problem, language


@lru_cache(maxsize=16)
def _trafilatura_options(settings: ExtractionSettings) -> tuple[Extractor, Extractor | None]:
    """trafilatura's options for the first pass and the retry (None: no retry), built once per
    settings: building them reads trafilatura's config each time. They carry no URL, which with
    links and images left out only names the page in trafilatura's own log lines."""

    def options(*, fast: bool, precision: bool, recall: bool) -> Extractor:
        return Extractor(
            output_format="python",
            fast=fast,
            precision=precision,
            recall=recall,
            comments=settings.include_comments,
            tables=settings.include_tables,
            dedup=settings.deduplicate,
        )

    first = options(
        fast=settings.fast, precision=settings.favor_precision, recall=settings.favor_recall
    )
    if not settings.favor_precision or settings.retry_below_chars <= 0:
        return first, None
    second = options(fast=settings.retry_fast, precision=False, recall=settings.retry_favor_recall)
    return first, second


def _trafilatura_text(tree: HtmlElement, options: Extractor) -> tuple[str, str | None]:
    # bare_extraction works on a copy of a tree it is given
    document = trafilatura.bare_extraction(tree, options=options)
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
    # paywall signals only matter for short texts; the weak ones, whose scan of the whole page
    # costs most, only when they would decide (or name the signals of a teaser)
    strong: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    if short:
        strong = strong_paywall_signals(page.tree, text)
        if strong or less_than_feed or cut_off:
            weak = weak_paywall_signals(page.tree, page.source, text)
    teaser = bool(strong or (weak and (less_than_feed or cut_off)))
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
        signals = ", ".join(strong + weak)
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
        text or "",
        lambda: declared_language(page.tree),
        entry,
        min_chars=settings.min_language_chars,
        sample_chars=settings.language_sample_chars,
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
