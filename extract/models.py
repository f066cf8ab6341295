"""Plain records passed between the pipeline stages.

Frozen dataclasses, no behaviour beyond small derived properties. `extract/` produces them,
`store/` persists them, `flows/` hands them from one to the other. Nothing here imports the rest
of the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class FeedSpec:
    """A feed as configured in a feed list (TOML or OPML) or added by hand."""

    url: str
    title: str | None = None
    source: str | None = None  # outlet name shown to analysts
    language: str | None = None
    topic: str | None = None  # "nk", "russia", "general", "search"
    note: str | None = None


@dataclass(frozen=True)
class FeedSource:
    """A feed to poll, with the polling state kept from earlier polls."""

    url: str
    title: str | None = None
    source: str | None = None  # outlet name shown to analysts ("Yonhap", "The Guardian")
    language: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error_count: int = 0
    last_polled_at: datetime | None = None
    last_unconditional_at: datetime | None = None
    next_poll_at: datetime | None = None


class PollStatus(StrEnum):
    OK = "ok"  # fetched and parsed (entries may be zero)
    NOT_MODIFIED = "not_modified"  # 304
    SOFT_ERROR = "soft_error"  # 404, 429, 5xx, timeouts, connection resets: try again later
    HARD_ERROR = (
        "hard_error"  # not a feed, refused address, TLS, body too large, 4xx other than 404/429
    )
    SKIPPED = "skipped"  # backing off; not fetched this cycle


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, normalised."""

    feed_url: str
    entry_key: str  # stable identity: guid, else canonical URL, else title+date hash
    guid: str | None
    url: str | None  # the link as given (Google Alerts redirects already unwrapped)
    canonical_url: str | None  # tracking parameters stripped, normalised
    title: str | None
    summary: str | None  # feed summary/description as plain text
    content: str | None  # feed full content (content:encoded / atom content) as plain text
    author: str | None
    published_at: datetime | None  # timezone-aware UTC, never in the future
    source: str | None = None  # e.g. the <source> of a Google News item
    language: str | None = None
    fetchable: bool = True  # False when the link cannot be fetched (unresolvable Google News link)
    # Every identity the entry can be recognised by (guid, canonical URL, title+date hash), in
    # priority order; entry_key is the first. The store treats an entry as seen if any matches.
    identities: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedPollResult:
    """What one poll of one feed gave: new state for the feed plus its entries, or an error."""

    feed_url: str
    status: PollStatus
    http_status: int | None = None
    entries: tuple[FeedEntry, ...] = ()
    feed_title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None  # readable reason, for operators
    retry_after_seconds: float | None = None
    elapsed_ms: float = 0.0
    unconditional: bool = False  # conditional headers were deliberately left out
    final_url: str | None = None  # after redirects
    polled_at: datetime | None = None
    warning: str | None = None  # parsed, but not cleanly (recovered XML errors, wrong encoding)


class ExtractionStatus(StrEnum):
    OK = "ok"  # full text extracted from the page
    FEED_CONTENT = "feed_content"  # the feed carried the full text; used it
    FEED_SUMMARY = "feed_summary"  # page unusable; kept the feed's summary
    PAYWALL = "paywall"  # page is a paywall/teaser stub; kept what there was
    FETCH_FAILED = "fetch_failed"  # page fetch failed; kept the feed's summary
    EXTRACT_FAILED = "extract_failed"  # page fetched but no text came out
    NOT_FETCHED = "not_fetched"  # link not fetchable (e.g. Google News redirect)
    SEED = "seed"  # seed article loaded from seeds/


@dataclass(frozen=True)
class PageFetch:
    """The result of fetching one article page."""

    url: str
    final_url: str | None
    http_status: int | None
    body: bytes | None
    content_type: str | None
    error: str | None = None
    elapsed_ms: float = 0.0
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class ExtractedArticle:
    """Text and metadata of one article, from its page or, failing that, from the feed."""

    url: str
    canonical_url: str
    title: str | None
    text: str | None
    author: str | None
    published_at: datetime | None
    site_name: str | None
    language: str | None
    status: ExtractionStatus
    reason: str | None = None  # why the status is not OK, readable
    description: str | None = None


@dataclass(frozen=True)
class Relevance:
    """An explainable judgement: is this article about Russia–North Korea relations?"""

    relevant: bool
    score: float  # 0..1
    terms: tuple[str, ...] = ()  # matched terms, e.g. ("ru:Putin", "nk:Kim Jong Un")
    reason: str = ""  # one line, for analysts
    signals: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ProcessedArticle:
    """Everything the store needs to keep about one new article."""

    article: ExtractedArticle
    relevance: Relevance
    entry: FeedEntry | None = None
    page: PageFetch | None = None  # its body is kept (compressed) for re-extraction
    feed_url: str | None = None
    source: str | None = None  # outlet name
    summary: str | None = None  # the feed's summary, kept beside the extracted text
    is_seed: bool = False
