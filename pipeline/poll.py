"""One poll cycle, in order, over injectable steps: the same sequence with or without Prefect.

    summary = run_poll(settings, force=False, run_id="...")                 # plain steps
    summary = run_poll(settings, force=False, run_id=..., steps=task_steps)  # the flow's tasks

    sync-feeds -> poll-sources -> load-seeds -> record-poll
    -> per batch: fetch-pages -> process-articles -> store-articles
    -> assign-stories (when new relevant articles came in)

The pool's fork server starts loading as soon as a feed brings entries, while the other feeds
answer, the seeds are checked and the new entries worked out. The pages of batch n + 1 are
fetched (in a thread) while batch n is extracted (in another, which waits on the pool of
extraction workers, started as soon as there are pages to come) and batch n - 1 is stored, so
the workers wait neither on the network nor on the database, with at most
three batches' pages in memory; the records stored are the ones the strict sequence stores.

The `poll-feeds` flow passes its Prefect tasks (one-line wrappers over `pipeline.ingest`), so runs
show task by task in the UI; `newswatch poll` with no Prefect server to report to passes the plain
steps and pays no orchestration (`flows.local_api`). Either way the sequence is this one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from datetime import datetime, timedelta

from extract.models import FeedEntry, FeedPollResult, FeedSource, PageFetch, ProcessedArticle
from pipeline import ingest, progress, stories
from pipeline.clock import utcnow
from pipeline.settings import Settings
from store.db import poll_turn

log = logging.getLogger(__name__)


_SHARD_FORM = "expected K/N with 1 <= K <= N, such as 2/4"


@dataclass(frozen=True)
class Shard:
    """Part `index` of `count` (1-based) of the feed list, for polls run side by side (one per
    worker of a work pool): a feed falls in one part by a hash of its URL, the same in every
    process and every run, so `count` polls, one per part, poll every feed once. Each part takes
    its own poll turn; every write still takes turns on the database. `Shard()` is the whole list.
    """

    index: int = 1
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index}/{self.count}: {_SHARD_FORM}")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`"2/4"` -> part 2 of 4; `ValueError` with a one-line message otherwise."""
        part, _, count = text.partition("/")
        try:
            index, parts = int(part), int(count)
        except ValueError:
            raise ValueError(f"shard {text!r}: {_SHARD_FORM}") from None
        return cls(index, parts)

    def takes(self, feed_url: str) -> bool:
        if self.count == 1:
            return True
        digest = hashlib.blake2b(feed_url.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.count == self.index - 1

    @property
    def turn(self) -> str | None:
        """The name of this part's poll turn (`store.db.poll_turn`); None for the whole list."""
        return None if self.count == 1 else f"{self.index}-of-{self.count}"

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def _poll_sources(settings: Settings, feeds: list[FeedSource], force: bool) -> list[FeedPollResult]:
    return ingest.poll_sources(settings, feeds, force=force)


def _record_poll(
    settings: Settings, feeds: list[FeedSource], results: list[FeedPollResult], run_id: str
) -> ingest.PollRecord:
    return ingest.record_poll(settings, feeds, results, run_id=run_id)


def _process_articles(
    settings: Settings,
    entries: list[FeedEntry],
    pages: list[PageFetch],
    sources: dict[str, str | None],
) -> list[ProcessedArticle]:
    return ingest.process_articles(settings, entries, pages, sources=sources)


def _store_articles(
    settings: Settings, entries: list[FeedEntry], processed: list[ProcessedArticle], run_id: str
) -> ingest.StoredBatch:
    return ingest.store_articles(settings, entries, processed, run_id=run_id)


@dataclass(frozen=True)
class PollSteps:
    """The steps of a poll, positional as the flow's tasks take them; plain ones by default."""

    load_seeds: Callable[[Settings], int] = ingest.load_seeds
    sync_feeds: Callable[[Settings], list[FeedSource]] = ingest.sync_feeds
    poll_sources: Callable[[Settings, list[FeedSource], bool], list[FeedPollResult]] = _poll_sources
    record_poll: Callable[
        [Settings, list[FeedSource], list[FeedPollResult], str], ingest.PollRecord
    ] = _record_poll
    fetch_pages: Callable[
        [Settings, list[FeedEntry], Callable[[PageFetch], None] | None], list[PageFetch]
    ] = ingest.fetch_article_pages
    process_articles: Callable[
        [Settings, list[FeedEntry], list[PageFetch], dict[str, str | None]],
        list[ProcessedArticle],
    ] = _process_articles
    store_articles: Callable[
        [Settings, list[FeedEntry], list[ProcessedArticle], str], ingest.StoredBatch
    ] = _store_articles
    assign_stories: Callable[[Settings, datetime, datetime], stories.StoryRun] = (
        stories.assign_stories
    )


def _fetch_next(
    fetcher: ThreadPoolExecutor,
    steps: PollSteps,
    settings: Settings,
    pending: Sequence[list[FeedEntry]],
    n: int,
    *,
    before: Sequence[FeedEntry],
    on_page: Callable[[PageFetch], None] | None = None,
) -> Future[list[PageFetch]]:
    """Start fetching the pages of batch `n` while the batches before it not stored yet
    (`before`) are extracted and stored: at most three in flight. Entries whose canonical URL
    is in `before` are left out, as they would be were `before` stored already (its articles
    are stored under those URLs; the store links such entries). The step runs in the caller's
    context, so a Prefect task there is a task of the caller's flow run."""
    if n >= len(pending):
        done: Future[list[PageFetch]] = Future()
        done.set_result([])
        return done
    taken = {e.canonical_url for e in before if e.url and e.canonical_url}
    entries = [e for e in pending[n] if e.canonical_url not in taken]
    return fetcher.submit(copy_context().run, steps.fetch_pages, settings, entries, on_page)


def _process(
    processor: ThreadPoolExecutor,
    steps: PollSteps,
    settings: Settings,
    batch: list[FeedEntry],
    pages: list[PageFetch],
    sources: dict[str, str | None],
) -> Future[list[ProcessedArticle]]:
    """Extract and judge a batch in the background (the step in the caller's context, so a
    Prefect task there is a task of the caller's flow run)."""
    return processor.submit(
        copy_context().run, steps.process_articles, settings, batch, pages, sources
    )


def _pages(
    settings: Settings,
    steps: PollSteps,
    entries: list[FeedEntry],
    sources: dict[str, str | None],
    run_id: str,
) -> list[ingest.StoredBatch]:
    """Fetch, extract and store the pending entries batch by batch, three stages overlapping:
    batch n + 1 is fetched while batch n is extracted and batch n - 1 stored."""
    batches: list[ingest.StoredBatch] = []
    pending = ingest.batched(entries, settings.page_batch_size)
    ingest.warm_workers(settings, len(entries))
    with (
        progress.stage("poll: pages", len(entries)) as pages_done,
        ThreadPoolExecutor(1, thread_name_prefix="fetch-pages") as fetcher,
        ThreadPoolExecutor(1, thread_name_prefix="process-articles") as processor,
    ):
        on_page: Callable[[PageFetch], None] = lambda _page: pages_done.advance()  # noqa: E731
        fetching = _fetch_next(fetcher, steps, settings, pending, 0, before=[], on_page=on_page)
        unstored: list[tuple[list[FeedEntry], Future[list[ProcessedArticle]]]] = []
        handled = 0

        def store_oldest() -> None:
            nonlocal handled
            entries, processing = unstored.pop(0)
            batches.append(steps.store_articles(settings, entries, processing.result(), run_id))
            handled += len(entries)
            pages_done.reach(handled)  # entries with no page to fetch count too

        for n, batch in enumerate(pending):
            pages = fetching.result()
            in_flight = [e for b, _ in unstored for e in b] + batch
            fetching = _fetch_next(
                fetcher, steps, settings, pending, n + 1, before=in_flight, on_page=on_page
            )
            unstored.append((batch, _process(processor, steps, settings, batch, pages, sources)))
            if len(unstored) > 1:  # batch n - 1 is stored while batch n is extracted
                store_oldest()
        while unstored:
            store_oldest()
    return batches


def run_poll(
    settings: Settings,
    *,
    force: bool,
    run_id: str,
    steps: PollSteps | None = None,
    shard: Shard | None = None,
) -> ingest.PollSummary:
    """One poll of the feed list, or of one `shard` of it; the summary (its systemic check is
    the caller's).

    Polls of one database (of one shard) take turns (`store.db.poll_turn`): two started at once
    do not fetch the same feeds and pages twice; the second waits, then finds nothing due and
    nothing new. Polls of different shards run side by side.
    """
    shard = shard or Shard()
    with poll_turn(settings.db, timeout=settings.lock_timeout_seconds, part=shard.turn) as waited:
        if waited > 1:
            log.info("waited %.0f s for another poll of %s to finish", waited, settings.db)
        return _run_poll(
            settings, force=force, run_id=run_id, steps=steps or PollSteps(), shard=shard
        )


def _run_poll(
    settings: Settings, *, force: bool, run_id: str, steps: PollSteps, shard: Shard
) -> ingest.PollSummary:
    targets = [f for f in steps.sync_feeds(settings) if shard.takes(f.url)]
    if shard.count > 1:
        log.info("shard %s: %d feed(s) of the list", shard, len(targets))
    results = steps.poll_sources(settings, targets, force)
    steps.load_seeds(settings)  # before the entries are recorded: a seed's link is not fetched
    record = steps.record_poll(settings, targets, results, run_id)
    sources = {f.url: f.source for f in targets}
    batches = _pages(settings, steps, record.pending, sources, run_id)
    if any(b.relevant for b in batches):  # new relevant articles join their stories at once
        now = utcnow()
        steps.assign_stories(settings, now - timedelta(days=1), now + timedelta(minutes=1))
    return ingest.summarize_poll(targets, results, record, batches)
