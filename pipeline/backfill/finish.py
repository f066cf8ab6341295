"""The end of a backfill: the window's stories, the job closed, and the run's summary table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.backfill.discover import FeedDiscovery
from pipeline.backfill.plan import BackfillPlan
from pipeline.backfill.request import BackfillMode, BackfillRequest
from pipeline.backfill.rework import BatchResult, article_rows
from pipeline.clock import utcnow
from pipeline.settings import Settings
from pipeline.stories import assign_stories
from store import backfill as backfill_store
from store.db import connect


@dataclass(frozen=True)
class BackfillSummary:
    request: BackfillRequest
    window: str
    resumed: bool
    runs: int
    total: int
    processed: int  # this run
    changed: int  # this run
    failed: int  # this run
    skipped: int  # this run
    job_processed: int  # every run of the job together
    job_changed: int
    stories_assigned: int | None  # None when stories were not assigned (dry run)
    rows: list[dict[str, object]]  # the summary table: one row per feed
    unread_feeds: int = 0  # discover: feeds that could not be read at all; the job stays open

    def describe(self) -> str:
        text = (
            f"{self.request.describe()}: {self.processed} processed, {self.changed} changed, "
            f"{self.failed} failed"
        )
        if self.skipped:
            text += f", {self.skipped} skipped"
        if self.resumed:
            text += f" (resumed; the job so far: {self.job_processed} processed, {self.job_changed} changed)"
        if self.stories_assigned is not None:
            text += f"; {self.stories_assigned} article(s) newly grouped into stories"
        if self.unread_feeds:
            text += f"; {self.unread_feeds} feed(s) could not be read: run it again to retry them"
        return text


def finish_backfill(
    settings: Settings,
    plan: BackfillPlan,
    *,
    batches: Sequence[BatchResult] = (),
    feeds: Sequence[FeedDiscovery] = (),
) -> BackfillSummary:
    """Group the window's articles into stories, close the job, and sum up this run."""
    stories: int | None = None
    job_processed = job_changed = 0
    unread = sum(1 for f in feeds if f.failed_outright)
    if not plan.request.dry_run:
        stories = assign_stories(
            settings, plan.window.start, plan.window.end, by_published=True
        ).assigned
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            if not unread:  # else the job stays open: running it again retries those feeds
                backfill_store.finish_job(con, plan.job_key, now=utcnow())
            job = backfill_store.read_job(con, plan.job_key)
        if job is not None:
            job_processed, job_changed = job.processed, job.changed
    if plan.request.mode is BackfillMode.DISCOVER:
        rows = [f.row(plan.sources.get(f.feed_url)) for f in feeds]
        processed = sum(f.in_window for f in feeds)
        changed = sum(f.articles if not plan.request.dry_run else f.new_entries for f in feeds)
        failed = sum(len(f.errors) for f in feeds)
        skipped = 0
    else:
        rows = article_rows(batches, plan.sources)
        processed = sum(b.processed for b in batches)
        changed = sum(b.changed for b in batches)
        failed = sum(b.failed for b in batches)
        skipped = sum(b.skipped for b in batches)
    return BackfillSummary(
        request=plan.request,
        window=plan.window.describe(),
        resumed=plan.resumed,
        runs=plan.runs,
        total=plan.total,
        processed=processed,
        changed=changed,
        failed=failed,
        skipped=skipped,
        job_processed=job_processed or processed,
        job_changed=job_changed or changed,
        stories_assigned=stories,
        rows=rows,
        unread_feeds=unread,
    )
