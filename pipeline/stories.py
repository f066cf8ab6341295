"""The stories step: give the relevant articles of a span their story and copy links.

Called after each poll (the day's new articles), by the weekly digest (its window) and at the end
of a backfill (its window); cheap to repeat, since articles that have a story keep it. The grouping
itself is `reports.stories`; this step reads the articles and stores the decisions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.clock import utcnow
from pipeline.settings import Settings
from reports.select import ArticleRow
from reports.stories import grouping as story_logic
from store import stories as story_store
from store.db import connect


@dataclass(frozen=True)
class StoryRun:
    considered: int  # relevant articles in the window and the look-back before it
    assigned: int  # of them newly given a story now
    copies: int  # of those, copies of another article
    stories: int  # stories created or grown
    elapsed_ms: float


def assign_stories(settings: Settings, since: datetime, until: datetime) -> StoryRun:
    """Give every relevant article first seen in [since - look-back, until) its story and copy link.

    Articles that already have a story keep it; the call is cheap to repeat (after each poll too).
    """
    started = time.perf_counter()
    lookback = since - timedelta(days=settings.story_lookback_days)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        records = story_store.relevant_articles(con, since=lookback, until=until)
    rows = [ArticleRow.from_record(r) for r in records]
    assignments = story_logic.assign_stories(rows)
    touched = 0
    if assignments:
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            touched = story_store.save_story_assignments(
                con,
                [(a.article_id, a.story_id, a.duplicate_of) for a in assignments],
                now=utcnow(),
            )
    return StoryRun(
        considered=len(rows),
        assigned=len(assignments),
        copies=sum(1 for a in assignments if a.duplicate_of is not None),
        stories=touched,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )
