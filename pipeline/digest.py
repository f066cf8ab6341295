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
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipeline.clock import utcnow
from pipeline.settings import Settings
from reports.compose import Digest, FeedHealth, compose_digest
from reports.render import Rendered, render_digest
from reports.select import (
    ArticleRow,
    DigestWindow,
    WindowError,
    baseline_start,
    date_window,
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
    """The digest window: an ISO week, a span of days, or (by default) the previous ISO week."""
    now = now or utcnow()
    if week and (since or until):
        raise WindowError("give either a week or --since/--until, not both")
    if until and not since:
        raise WindowError("--until needs --since")
    if week:
        return iso_week_window(week, settings.timezone)
    if since:
        return date_window(since, until, settings.timezone, now=now)
    return previous_week(now, settings.timezone)


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
        window_records = story_store.relevant_articles(con, since=window.start, until=window.end)
        story_ids = sorted({r["story_id"] or r["id"] for r in window_records})
        story_records = story_store.story_articles(con, story_ids)
        digest_keys = digest_store.earlier_digest_stories(
            con, before=window.start, since=window.start - timedelta(weeks=CONTINUITY_WEEKS)
        )
        earlier_records = story_store.story_articles(con, sorted(digest_keys))
        seed_records = story_store.seed_articles(con)
        counts = digest_store.relevant_counts_by_day(
            con, since=baseline_start(window), until=window.end, timezone=window.timezone
        )
        failing = feed_store.failing_feeds(con, min_errors=settings.failing_feed_polls)
    digest = compose_digest(
        window,
        window_rows=[ArticleRow.from_record(r) for r in window_records],
        story_rows=[ArticleRow.from_record(r) for r in story_records],
        seeds=[ArticleRow.from_record(r) for r in seed_records],
        earlier_rows=[ArticleRow.from_record(r) for r in earlier_records],
        digest_keys=digest_keys,
        daily_counts=counts,
        failing_feeds=[FeedHealth.from_record(f) for f in failing],
        generated_at=now,
    )
    rendered = render_digest(digest)
    return BuiltDigest(
        digest=digest, rendered=rendered, elapsed_ms=(time.perf_counter() - started) * 1000
    )


# --- deliver --------------------------------------------------------------------------------


# --- Prefect block and summary --------------------------------------------------------------
