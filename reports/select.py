"""Digest selection and ranking: pure functions over plain rows.

    window = previous_week(now, "Europe/Berlin")          # or iso_week_window("2026-W47", tz)
    rows = [ArticleRow.from_record(r) for r in records]   # records from store.stories
    items = build_items(stories_by_id, window, earlier)   # one StoryItem per story
    ranked = rank_items(items)                            # new developments first

A window runs from Monday 00:00 to the next Monday 00:00 in the configured time zone (or any
[since, until) span of days on request). An article belongs to the window it was *first seen* in,
so a late-published copy never reappears in a later digest; but an article first seen now that was
published long before the window (found by a `discover` backfill, or an old item a feed lists for
the first time) is archive material, not this week's news, and stays out (`is_current`).

A window that ended more than `STALE_BEFORE_WINDOW` ago (a digest of June 2024, asked for after a
discover backfill of that month) is *archival*: it counts articles by when they were published
(else first seen), since a backfill first sees them long after (`is_archival`,
`DigestWindow.by_published`); continuing and new are then decided by publication date too.

Errors: `WindowError` (a ValueError) for a week or date span that makes no sense.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import Locale

from reports.summary import extractive_summary

BASELINE_WEEKS = 8
STALE_BEFORE_WINDOW = timedelta(days=14)  # published this long before the window: not news now


_ENGLISH_NAMES: dict[str, str] = dict(Locale("en").languages)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class WindowError(ValueError):
    """A digest window that cannot be built: bad week, dates out of order, unknown zone."""


# --- windows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestWindow:
    """[start, end) in the configured zone; `key` names it in the archive and the Message-ID."""

    start: datetime
    end: datetime
    timezone: str
    key: str
    iso_week: str | None = None
    # A window of the past counts articles by when they were published (a backfill brings them
    # in long after); the weekly digest by when they were first seen (see the module docstring).
    by_published: bool = False

    def moment(self, row: ArticleRow) -> datetime:
        """When an article counts as reported, for this window."""
        return row.when if self.by_published else row.first_seen_at

    def archival(self) -> DigestWindow:
        """The same window, counting articles by publication date."""
        return replace(self, by_published=True)

    @property
    def days(self) -> list[date]:
        first, last = self.start.date(), self.end.date()
        return [first + timedelta(days=n) for n in range((last - first).days)]

    @property
    def label(self) -> str:
        """'16–22 November 2026' (the last day shown is the day before `end`)."""
        first, last = self.start.date(), self.end.date() - timedelta(days=1)
        if first == last:
            return f"{first.day} {first:%B %Y}"
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}–{last.day} {last:%B %Y}"
        if first.year == last.year:
            return f"{first.day} {first:%B} – {last.day} {last:%B %Y}"
        return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as exc:
        raise WindowError(f"unknown time zone {name!r}") from exc


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def iso_week_window(week: str, timezone: str) -> DigestWindow:
    """The window of an ISO week written "YYYY-Www" (e.g. "2026-W47")."""
    match = _WEEK.match(week.strip())
    if not match:
        raise WindowError(
            f"week must look like 2026-W47 (ISO year, 'W', two-digit week), got {week!r}"
        )
    year, number = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError as exc:
        raise WindowError(f"{week!r}: ISO year {year} has no week {number}") from exc
    zone = _zone(timezone)
    key = f"{year}-W{number:02d}"
    return DigestWindow(
        start=_midnight(monday, zone),
        end=_midnight(monday + timedelta(days=7), zone),
        timezone=timezone,
        key=key,
        iso_week=key,
    )


def previous_week(now: datetime, timezone: str) -> DigestWindow:
    """The last complete ISO week before `now`, in `timezone`."""
    zone = _zone(timezone)
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday() + 7)
    year, number, _ = monday.isocalendar()
    return iso_week_window(f"{year}-W{number:02d}", timezone)


def date_window(since: date, until: date | None, timezone: str, *, now: datetime) -> DigestWindow:
    """Days `since` (inclusive) to `until` (exclusive; default: through today)."""
    zone = _zone(timezone)
    until = until or now.astimezone(zone).date() + timedelta(days=1)
    if until <= since:
        raise WindowError(f"--until ({until}) must be after --since ({since})")
    if (until - since).days > 366:
        raise WindowError("a digest window spans at most 366 days")
    year, number, weekday = since.isocalendar()
    if weekday == 1 and until == since + timedelta(days=7):
        return iso_week_window(f"{year}-W{number:02d}", timezone)  # same window, same archive key
    return DigestWindow(
        start=_midnight(since, zone),
        end=_midnight(until, zone),
        timezone=timezone,
        key=f"{since.isoformat()}_{until.isoformat()}",
    )


# --- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleRow:
    """One stored article as the digest sees it."""

    id: int
    url: str
    title: str | None
    text: str | None
    language: str | None
    first_seen_at: datetime
    published_at: datetime | None = None
    source: str | None = None
    site_name: str | None = None
    summary: str | None = None
    relevance_terms: tuple[str, ...] = ()
    story_id: int | None = None
    duplicate_of: int | None = None
    is_seed: bool = False
    reason: str | None = None  # extraction reason (seeds: what event they are about)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ArticleRow:
        return cls(
            id=int(record["id"]),
            url=record["url"],
            title=record.get("title"),
            text=record.get("text"),
            language=record.get("language"),
            first_seen_at=record["first_seen_at"],
            published_at=record.get("published_at"),
            source=record.get("source"),
            site_name=record.get("site_name"),
            summary=record.get("summary"),
            relevance_terms=tuple(record.get("relevance_terms") or ()),
            story_id=record.get("story_id"),
            duplicate_of=record.get("duplicate_of"),
            is_seed=bool(record.get("is_seed")),
            reason=record.get("extraction_reason"),
        )

    @property
    def when(self) -> datetime:
        """When it was reported: its publication time, else when it was first seen."""
        return self.published_at or self.first_seen_at

    @property
    def outlet(self) -> str:
        return self.source or self.site_name or urlsplit(self.url).hostname or self.url

    @property
    def body(self) -> str:
        return self.text or self.summary or ""


def is_current(row: ArticleRow, window: DigestWindow) -> bool:
    """Whether an article first seen in `window` is news of that window (not archive material);
    in a window counted by publication date, every article is."""
    return (
        window.by_published
        or row.published_at is None
        or row.published_at >= window.start - STALE_BEFORE_WINDOW
    )


def is_archival(window: DigestWindow, now: datetime) -> bool:
    """A window that ended long enough ago that its articles are counted by publication date."""
    return window.end <= now - STALE_BEFORE_WINDOW


def safe_link(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (never a javascript: or data: link)."""
    if not url:
        return None
    cleaned = url.strip()
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in cleaned for ch in "\r\n\t <>\"'`"):
        return None
    return cleaned


def one_line(text: str | None) -> str:
    """Collapse whitespace (CR/LF included): titles and names are shown on one line."""
    return " ".join((text or "").split())


def language_name(code: str | None) -> str:
    """The English name of a language code ("ko" -> "Korean"), from Unicode's CLDR."""
    if not code:
        return "unknown language"
    return _ENGLISH_NAMES.get(code.split("-")[0].split("_")[0].lower(), code)


# --- items ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRef:
    article_id: int
    outlet: str
    title: str
    url: str | None
    language: str | None
    when: datetime
    copy_of: int | None = None  # article id of the text it copies (syndication)


@dataclass(frozen=True)
class Pointer:
    """Where a continuing story was reported before."""

    kind: Literal["earlier", "digest", "seed"]
    headline: str
    outlet: str
    url: str | None
    when: datetime
    digest_key: str | None = None


@dataclass(frozen=True)
class StoryItem:
    story_id: int
    headline: str
    headline_language: str | None
    summary: list[str]
    summary_language: str | None
    first: SourceRef
    also: list[SourceRef]
    outlets: int
    independent_outlets: int
    languages: list[str]
    latest: datetime
    status: Literal["new", "continuing"] = "new"
    pointer: Pointer | None = None
    article_ids: list[int] = field(default_factory=list)
    headline_article: int | None = None  # the article the headline is taken from
    outlet_names: list[str] = field(default_factory=list)  # every outlet, first reporter first
    headline_en: str | None = None  # an English translation, when a translator is configured
    gist: str | None = None  # English: "Lavrov · Kim Jong Un · Wonsan · visit"
    new_since: list[str] = field(default_factory=list)  # continuing: what this window adds

    @property
    def english(self) -> bool:
        return (self.headline_language or "").lower().startswith("en")

    @property
    def sources(self) -> list[SourceRef]:
        return [self.first, *self.also]


def source_ref(row: ArticleRow) -> SourceRef:
    """How a digest names one article: outlet, headline, link, language, time."""
    return SourceRef(
        article_id=row.id,
        outlet=one_line(row.outlet),
        title=one_line(row.title) or "(untitled)",
        url=safe_link(row.url),
        language=row.language,
        when=row.when,
        copy_of=row.duplicate_of,
    )


def representative(rows: Sequence[ArticleRow]) -> ArticleRow:
    """The article a story is told from: English when there is one, an original rather than a
    copy, then the most complete text."""
    english = [r for r in rows if (r.language or "").lower().startswith("en")] or list(rows)
    pool = [r for r in english if r.duplicate_of is None] or english
    return max(pool, key=lambda r: (len(r.body), -r.when.timestamp(), -r.id))


def build_item(story_id: int, rows: Sequence[ArticleRow]) -> StoryItem:
    """One digest item from the window's articles of one story (copies included)."""
    if not rows:
        raise ValueError(f"story {story_id} has no articles")
    ordered = sorted(rows, key=lambda r: (r.when, r.id))
    main = representative(ordered)
    originals = [r for r in ordered if r.duplicate_of is None] or ordered
    return StoryItem(
        story_id=story_id,
        headline=one_line(main.title) or one_line(ordered[0].title) or "(untitled)",
        headline_language=main.language,
        summary=[one_line(s) for s in extractive_summary(main.body, title=main.title)],
        summary_language=main.language,
        first=source_ref(ordered[0]),
        also=[source_ref(r) for r in ordered[1:]],
        outlets=len({r.outlet for r in ordered}),
        independent_outlets=len({r.outlet for r in originals}),
        languages=sorted({r.language or "" for r in ordered} - {""}),
        latest=max(r.when for r in ordered),
        article_ids=[r.id for r in ordered],
        headline_article=main.id,
        outlet_names=list(dict.fromkeys(one_line(r.outlet) for r in ordered)),
    )


def group_by_story(rows: Iterable[ArticleRow]) -> dict[int, list[ArticleRow]]:
    """Articles keyed by story id (an article without one is a story of its own)."""
    stories: dict[int, list[ArticleRow]] = {}
    for row in rows:
        stories.setdefault(row.story_id if row.story_id is not None else row.id, []).append(row)
    return stories


def rank_items(items: Iterable[StoryItem]) -> list[StoryItem]:
    """New developments first; then more independent outlets, more outlets, more recent."""
    return sorted(
        items,
        key=lambda i: (
            i.status != "new",
            -i.independent_outlets,
            -i.outlets,
            -i.latest.timestamp(),
            i.story_id,
        ),
    )


# --- context --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int
    baseline: float  # mean of the same weekday over the `BASELINE_WEEKS` weeks before


def daily_activity(window: DigestWindow, counts: Mapping[date, int]) -> list[DayCount]:
    """Relevant articles per day of the window against the same weekday of the weeks before."""
    return [
        DayCount(
            day=day,
            count=counts.get(day, 0),
            baseline=sum(
                counts.get(day - timedelta(weeks=k), 0) for k in range(1, BASELINE_WEEKS + 1)
            )
            / BASELINE_WEEKS,
        )
        for day in window.days
    ]


def baseline_start(window: DigestWindow) -> datetime:
    """Where the counts for `daily_activity` must start."""
    return window.start - timedelta(weeks=BASELINE_WEEKS)


@dataclass(frozen=True)
class Totals:
    articles: int
    stories: int
    new_stories: int
    outlets: int
    languages: list[str]


def totals(items: Sequence[StoryItem]) -> Totals:
    sources = [s for i in items for s in i.sources]
    return Totals(
        articles=len(sources),
        stories=len(items),
        new_stories=sum(1 for i in items if i.status == "new"),
        outlets=len({s.outlet for s in sources}),
        languages=sorted({s.language for s in sources if s.language}),
    )
