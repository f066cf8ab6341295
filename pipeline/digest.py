"""Building the digest of a window: what the digest flow calls before delivering it.

    resolve_window -> (pipeline.stories.assign_stories) -> build_digest
    -> (pipeline.delivery.deliver_digest)

`build_digest` opens one short read connection, gathers the window's stories, the earlier digests
and seed articles they may continue, the activity counts and the failing feeds, and hands them to
`reports` to compose and render.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from extract.fetch import Fetcher
from extract.translate import translate_to_english
from pipeline.clock import utcnow
from pipeline.ingest import http_config
from pipeline.settings import Settings
from pipeline.stories import StoryRun, assign_stories, story_context
from reports.compose import Digest, FeedHealth, compose_digest, with_english_headlines
from reports.render import Rendered, render_digest
from reports.select import (
    ArticleRow,
    DigestWindow,
    StoryItem,
    WindowError,
    baseline_start,
    date_window,
    is_archival,
    iso_week_window,
    previous_week,
)
from store import digests as digest_store
from store import feeds as feed_store
from store import stories as story_store
from store.db import connect

log = logging.getLogger(__name__)

CONTINUITY_WEEKS = 12  # earlier digests whose stories a new one is compared with


# --- window ---------------------------------------------------------------------------------


def resolve_window(
    settings: Settings,
    *,
    week: str | None = None,
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> DigestWindow:
    """The digest window: an ISO week, a span of days, or (by default) the previous ISO week.

    A window that ended more than two weeks ago counts its articles by publication date
    (`reports.select.is_archival`): what a backfill found of June 2024 is June 2024's news.
    """
    now = now or utcnow()
    if week and (since or until):
        raise WindowError("give either a week or --since/--until, not both")
    if until and not since:
        raise WindowError("--until needs --since")
    if week:
        window = iso_week_window(week, settings.timezone)
    elif since:
        window = date_window(since, until, settings.timezone, now=now)
    else:
        window = previous_week(now, settings.timezone)
    return window.archival() if is_archival(window, now) else window


def backfill_window(settings: Settings, first: date, last: date) -> DigestWindow:
    """The digest window of a backfill's days (first and last included), by publication date."""
    return date_window(first, last + timedelta(days=1), settings.timezone, now=utcnow()).archival()


# --- stories --------------------------------------------------------------------------------


# --- build ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltDigest:
    digest: Digest
    rendered: Rendered
    elapsed_ms: float


def build_digest(
    settings: Settings, window: DigestWindow, *, now: datetime | None = None
) -> BuiltDigest:
    """Select the window's stories, decide what is new, gather the context, render."""
    started = time.perf_counter()
    now = now or utcnow()
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        window_records = story_store.relevant_articles(
            con, since=window.start, until=window.end, by_published=window.by_published
        )
        story_ids = sorted({r["story_id"] or r["id"] for r in window_records})
        story_records = story_store.story_articles(con, story_ids)
        digest_keys = digest_store.earlier_digest_stories(
            con, before=window.start, since=window.start - timedelta(weeks=CONTINUITY_WEEKS)
        )
        earlier_records = story_store.story_articles(con, sorted(digest_keys))
        seed_records = story_store.seed_articles(con)
        counts = digest_store.relevant_counts_by_day(
            con,
            since=baseline_start(window),
            until=window.end,
            timezone=window.timezone,
            by_published=window.by_published,
        )
        failing = feed_store.failing_feeds(con, min_errors=1)
        feeds, unpolled = feed_store.feed_counts(con)
    story_rows = [ArticleRow.from_record(r) for r in story_records]
    seeds = [ArticleRow.from_record(r) for r in seed_records]
    earlier_rows = [ArticleRow.from_record(r) for r in earlier_records]
    digest = compose_digest(
        window,
        window_rows=[ArticleRow.from_record(r) for r in window_records],
        story_rows=story_rows,
        seeds=seeds,
        earlier_rows=earlier_rows,
        digest_keys=digest_keys,
        daily_counts=counts,
        failing_feeds=[FeedHealth.from_record(f) for f in failing],
        feeds=feeds,
        unpolled_feeds=unpolled,
        down_after=settings.failing_feed_polls,
        generated_at=now,
        context=story_context(settings, [*story_rows, *seeds, *earlier_rows]),
    )
    if settings.translate_url:
        digest = with_english_headlines(digest, english_headlines(settings, digest.items))
    rendered = render_digest(digest, site_url=settings.site_url)
    return BuiltDigest(
        digest=digest, rendered=rendered, elapsed_ms=(time.perf_counter() - started) * 1000
    )


def preview_digest(settings: Settings, window: DigestWindow) -> tuple[StoryRun, BuiltDigest]:
    """The digest of a window without delivering it: the flow's steps minus delivery, no Prefect.

    What `newswatch digest --no-send` runs: stories assigned and the digest built exactly as the
    `weekly-digest` flow does, in this process, so a preview pays no orchestration at all.
    """
    story_run = assign_stories(settings, window.start, window.end, by_published=window.by_published)
    return story_run, build_digest(settings, window)


def english_headlines(settings: Settings, items: Sequence[StoryItem]) -> dict[int, str]:
    """English translations of the non-English headlines, by story id, from the configured
    translator (`NEWSWATCH_TRANSLATE_URL`); a headline that fails to translate is left out."""
    wanted = [i for i in items if not i.english]
    if not settings.translate_url or not wanted:
        return {}
    host = urlsplit(settings.translate_url).hostname or ""
    config = replace(http_config(settings), private_hosts=frozenset({host}))  # the operator's own
    with Fetcher(config) as fetcher:
        english = translate_to_english(
            fetcher,
            settings.translate_url,
            [(i.headline_language, i.headline) for i in wanted],
            api_key=(
                settings.translate_api_key.get_secret_value()
                if settings.translate_api_key
                else None
            ),
        )
    return {i.story_id: text for i, text in zip(wanted, english, strict=True) if text}
