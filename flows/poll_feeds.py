"""Flow `poll-feeds`: poll every due feed, store new entries, fetch and judge their articles.

    sync-feeds -> poll-sources -> load-seeds -> record-poll
    -> per batch: fetch-pages -> process-articles -> store-articles
    -> assign-stories (when new relevant articles came in: copies and stories for export/digest)

The sequence is `pipeline.poll.run_poll`'s, run here over this flow's tasks (`TASKS`); the CLI
runs the same sequence over the plain steps when no Prefect server is there to report to.

Tasks run per stage over batches (never one task run per article): a poll that finds 2,000 new
articles makes 3 task runs per batch of `page_batch_size`, not 2,000.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import uuid4

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.runtime import deployment, flow_run
from prefect.states import Failed
from pydantic import Field

from extract.feeds.feedlist import FeedListError, load_feed_list
from extract.models import FeedEntry, FeedPollResult, FeedSource, PageFetch, ProcessedArticle
from flows.prefect_env import show_core_logs
from pipeline import ingest, poll, stories
from pipeline.poll import PollSteps, Shard
from pipeline.settings import Settings, SettingsError, load_settings

MAX_SHARDS = 64  # parts of the feed list: one per worker polling side by side


@task(name="assign-stories", cache_policy=NO_CACHE)
def assign_stories(settings: Settings, since: datetime, until: datetime) -> stories.StoryRun:
    return stories.assign_stories(settings, since, until)


@task(name="load-seeds", cache_policy=NO_CACHE)
def load_seeds(settings: Settings) -> int:
    return ingest.load_seeds(settings)


@task(name="sync-feeds", cache_policy=NO_CACHE)
def sync_feeds(settings: Settings) -> list[FeedSource]:
    return ingest.sync_feeds(settings)


@task(name="poll-sources", cache_policy=NO_CACHE, retries=0)
def poll_sources(settings: Settings, feeds: list[FeedSource], force: bool) -> list[FeedPollResult]:
    return ingest.poll_sources(settings, feeds, force=force)


@task(name="record-poll", cache_policy=NO_CACHE)
def record_poll(
    settings: Settings, feeds: list[FeedSource], results: list[FeedPollResult], run_id: str
) -> ingest.PollRecord:
    return ingest.record_poll(settings, feeds, results, run_id=run_id)


@task(name="fetch-pages", cache_policy=NO_CACHE)
def fetch_pages(
    settings: Settings,
    entries: list[FeedEntry],
    on_page: Callable[[PageFetch], None] | None = None,
) -> list[PageFetch]:
    return ingest.fetch_article_pages(settings, entries, on_page)


@task(name="process-articles", cache_policy=NO_CACHE)
def process_articles(
    settings: Settings,
    entries: list[FeedEntry],
    pages: list[PageFetch],
    sources: dict[str, str | None],
) -> list[ProcessedArticle]:
    return ingest.process_articles(settings, entries, pages, sources=sources)


@task(name="store-articles", cache_policy=NO_CACHE)
def store_articles(
    settings: Settings, entries: list[FeedEntry], processed: list[ProcessedArticle], run_id: str
) -> ingest.StoredBatch:
    return ingest.store_articles(settings, entries, processed, run_id=run_id)


def _run_id() -> str:
    return str(flow_run.get_id() or uuid4())


def _run_name() -> str:
    """'poll-feeds: 29 feeds' (the feed list's size); a list that cannot be read fails the run."""
    params = flow_run.parameters
    try:
        settings = load_settings()
        count = len(load_feed_list(settings.feeds))
    except (SettingsError, FeedListError, OSError):
        return "poll-feeds"
    name = f"poll-feeds: {count} feeds"
    if int(params.get("shards") or 1) > 1:
        name += f", shard {params.get('shard')}/{params.get('shards')}"
    return name + (" (forced)" if params.get("force") else "")


@flow(name="poll-feeds", flow_run_name=_run_name, log_prints=False)
def poll_feeds_flow(
    force: bool = False,
    shard: Annotated[int, Field(ge=1, le=MAX_SHARDS)] = 1,
    shards: Annotated[int, Field(ge=1, le=MAX_SHARDS)] = 1,
) -> ingest.PollSummary | State[Any]:
    """Poll the feed list once: new entries, their articles, relevance, all stored in DuckDB.

    The feed list and the database are settings (NEWSWATCH_FEEDS, NEWSWATCH_DB), not parameters.

    Args:
        force: Poll every feed now, even those backing off after errors.
        shard: Poll only this part of the feed list (1 to `shards`): each feed is in one part,
            by its URL, so one run per part, side by side on several workers, polls them all.
        shards: How many parts the feed list is cut into (1: the whole list in one run).
    """
    if deployment.get_id():
        show_core_logs()  # under a worker: INFO of extract/store/newswatch in the run logs
    try:
        part = Shard(shard, shards)
    except ValueError as exc:  # what the parameters' schema cannot check: one line
        get_run_logger().error("%s", exc)
        return Failed(message=str(exc))
    settings = load_settings()
    return run_poll(settings, force=force, shard=part)


TASKS = PollSteps(
    load_seeds=load_seeds,
    sync_feeds=sync_feeds,
    poll_sources=poll_sources,
    record_poll=record_poll,
    fetch_pages=fetch_pages,
    process_articles=process_articles,
    store_articles=store_articles,
    assign_stories=assign_stories,
)


def run_poll(
    settings: Settings, *, force: bool = False, shard: Shard | None = None
) -> ingest.PollSummary:
    """`pipeline.poll.run_poll` over this flow's tasks, then the summary artifact."""
    logger = get_run_logger()
    summary = poll.run_poll(settings, force=force, run_id=_run_id(), steps=TASKS, shard=shard)
    create_table_artifact(
        key="poll-feeds-summary",
        table=summary.rows,
        description=f"poll-feeds: {summary.describe()}",
    )
    logger.info("poll-feeds: %s", summary.describe())
    ingest.check_systemic(summary)
    return summary
