"""Planning a backfill: start its job, or resume it after a killed run, and size the work.

A request (mode, window, feeds) is one job with a checkpoint in `backfill_jobs`
(`store.backfill`); `plan_backfill` reads or opens it and says what is left to do.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from extract.feeds.window import Window
from pipeline import ingest, progress
from pipeline.backfill.request import (
    ARTICLE_MODES,
    BackfillError,
    BackfillMode,
    BackfillRequest,
)
from pipeline.clock import utcnow
from pipeline.settings import Settings
from store import backfill as backfill_store
from store.db import connect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackfillPlan:
    request: BackfillRequest
    window: Window
    job_key: str
    resumed: bool
    runs: int
    total: int  # articles in the window (article modes) or feeds (discover)
    done_before: int  # of them done by earlier runs of this job
    cursor: int | None  # article modes: resume after this article id
    feeds: tuple[str, ...]  # discover: feeds still to walk
    sources: dict[str, str | None] = field(default_factory=dict)  # feed url -> outlet name

    def describe(self) -> str:
        unit = "feed(s)" if self.request.mode is BackfillMode.DISCOVER else "article(s)"
        text = f"{self.request.describe()}: {self.total} {unit}"
        if self.resumed:
            text += f", resuming (run {self.runs}) with {self.done_before} done"
        return text


def plan_backfill(
    settings: Settings, request: BackfillRequest, *, run_id: str | None
) -> BackfillPlan:
    """Start the job (or resume it after a killed run) and size the work; nothing when dry."""
    window = request.window(settings.timezone)
    if request.mode is BackfillMode.DISCOVER:
        ingest.sync_feeds(settings)  # a fresh database learns the feed list first
    now = utcnow()
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        feeds = backfill_store.feeds_for_backfill(con, request.feeds or None)
        if request.feeds:
            unknown = sorted(set(request.feeds) - {f["url"] for f in feeds})
            if unknown:
                raise BackfillError(
                    f"unknown feed(s): {', '.join(unknown)} (see `newswatch feeds list`)"
                )
        if request.dry_run:
            job = backfill_store.read_job(con, request.job_key)
            if job is not None and job.status != "running":
                job = None
            job = job or job_of(request, window)
        else:
            job = backfill_store.start_job(
                con,
                request.job_key,
                mode=request.mode.value,
                window_start=window.start,
                window_end=window.end,
                feed_urls=request.feeds or None,
                run_id=run_id,
                now=now,
            )
        if request.mode in ARTICLE_MODES:
            total = backfill_store.count_window_articles(con, job)
            remaining = backfill_store.count_window_articles(con, job, after_id=job.last_article_id)
            todo: tuple[str, ...] = ()
        else:
            todo = tuple(f["url"] for f in feeds if f["url"] not in job.feeds_done)
            total, remaining = len(feeds), len(todo)
    plan = BackfillPlan(
        request=request,
        window=window,
        job_key=request.job_key,
        resumed=job.resumed,
        runs=job.runs,
        total=total,
        done_before=total - remaining,
        cursor=job.last_article_id,
        feeds=todo,
        sources={f["url"]: f["source"] for f in feeds},
    )
    log.info("backfill %s", plan.describe())
    return plan


def job_of(request: BackfillRequest, window: Window) -> backfill_store.BackfillJob:
    """The job a request stands for, not read from the store (a dry run, or only its window)."""
    return backfill_store.BackfillJob(
        key=request.job_key,
        mode=request.mode.value,
        window_start=window.start,
        window_end=window.end,
        feed_urls=tuple(request.feeds) if request.feeds else None,
        status="running",
        last_article_id=None,
        feeds_done=(),
        processed=0,
        changed=0,
        failed=0,
        runs=1,
        resumed=False,
    )


# --- article modes --------------------------------------------------------------------------


# --- discover -------------------------------------------------------------------------------


# --- finish ---------------------------------------------------------------------------------


def stage_of(plan: BackfillPlan) -> AbstractContextManager[progress.Stage]:
    """The progress stage of the plan's run: feeds (discover) or articles, earlier runs counted."""
    unit = "feeds" if plan.request.mode is BackfillMode.DISCOVER else "articles"
    return progress.stage(
        f"backfill {plan.request.mode.value}: {unit}", plan.total, done=plan.done_before
    )


def progress_of(plan: BackfillPlan, done_now: int) -> float:
    """Percent done, counting what earlier runs of the job did."""
    if plan.total <= 0:
        return 100.0
    return min(100.0, 100.0 * (plan.done_before + done_now) / plan.total)
