"""The ingest steps, each one unit of work over plain values: what the poll flow's tasks call.

    sync_feeds -> poll_sources -> record_poll -> [fetch_article_pages -> process_articles
    -> store_articles] per batch

Each step takes the settings (and the database path inside them) and opens its own connection, so
a task never holds a connection and writes stay short. Item failures (a dead feed, a page that
will not load) come back as data; a broken database or settings file raises.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import extract.article.seeds
import extract.relevance
import pipeline.process
from extract.article.seeds import read_seed_articles, seed_article
from extract.feeds.feedlist import feed_list_origin, load_feed_list
from extract.feeds.poll import is_due, next_poll_time, poll_feeds
from extract.fetch import HttpConfig, host_of
from extract.models import (
    FeedEntry,
    FeedPollResult,
    FeedSource,
    PageFetch,
    PollStatus,
    ProcessedArticle,
)
from extract.pages import fetch_pages
from extract.relevance.terms import TopicTerms, cached_topic_terms
from extract.urls import canonicalize_url
from pipeline import progress
from pipeline.clock import utcnow
from pipeline.fingerprint import fingerprint, source_files
from pipeline.process import judge_article, process_article
from pipeline.settings import Settings
from pipeline.workers import (
    ArticleWorkers,
    Job,
    article_workers,
    start_fork_server,
    stop_unused_fork_server,
)
from store import articles as article_store
from store import entries as entry_store
from store import feeds as feed_store
from store.db import connect

log = logging.getLogger(__name__)

MIN_JOBS_FOR_WORKERS = 4  # fewer pages than this are done here: not worth a round trip


def http_config(settings: Settings, *, for_pages: bool = False) -> HttpConfig:
    return HttpConfig(
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
        max_bytes=settings.max_page_bytes if for_pages else settings.max_feed_bytes,
        user_agent=settings.user_agent,
        allow_private_networks=settings.allow_private_networks,
        allowed_networks=settings.allowed_networks,
        private_hosts=settings.allowed_hosts,
        max_per_host=settings.max_requests_per_host,
        retry_after_cap_seconds=settings.retry_after_cap_seconds,
    )


def topic_terms(settings: Settings) -> TopicTerms:
    """The compiled term data, read once per process while the file stays the same: every
    batch of a poll, and the seeds, use the same."""
    return cached_topic_terms(settings.gazetteer)


# --- feeds ----------------------------------------------------------------------------------


def sync_feeds(settings: Settings) -> list[FeedSource]:
    """Sync the configured feed list into the database; return the feeds to poll."""
    specs = load_feed_list(settings.feeds)
    origin = feed_list_origin(settings.feeds)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        added = feed_store.sync_feed_list(con, specs, origin)
        if added:
            log.info("%d new feed(s) from %s", added, settings.feeds)
        return feed_store.load_poll_targets(con, origins=[origin, feed_store.MANUAL])


def poll_sources(
    settings: Settings, feeds: Sequence[FeedSource], *, force: bool = False
) -> list[FeedPollResult]:
    """Poll the feeds that are due (all of them with `force`), many hosts in parallel."""
    now = utcnow()
    due = [f for f in feeds if force or is_due(f, now)]
    skipped = [
        FeedPollResult(feed_url=f.url, status=PollStatus.SKIPPED, error="backing off")
        for f in feeds
        if f not in due
    ]
    with progress.stage("poll: feeds", len(due)) as counter:
        results = poll_feeds(
            due,
            http_config(settings),
            now=now,
            max_workers=settings.max_parallel_hosts,
            unconditional_every=timedelta(hours=settings.unconditional_every_hours),
            on_feed=lambda result: _polled(settings, result, counter),
        )
    return [*results, *skipped]


def _polled(settings: Settings, result: FeedPollResult, counter: progress.Stage) -> None:
    """One feed answered: count it, and at the first entries have the workers' fork server load
    (about 1.5 s) while the other feeds answer and the entries are recorded."""
    counter.advance(detail=host_of(result.feed_url))
    if result.entries:
        start_fork_server(settings)


@dataclass(frozen=True)
class PollRecord:
    pending: list[FeedEntry]  # entries that need an article: new ones plus leftovers
    new_entries: int
    per_feed_new: dict[str, int] = field(default_factory=dict)


def record_poll(
    settings: Settings,
    feeds: Sequence[FeedSource],
    results: Sequence[FeedPollResult],
    *,
    run_id: str | None,
) -> PollRecord:
    """Store feed states and new entries; return every entry still waiting for its article."""
    now = utcnow()
    by_url = {f.url: f for f in feeds}
    interval = timedelta(minutes=settings.poll_interval_minutes)
    next_poll = {
        r.feed_url: next_poll_time(
            by_url[r.feed_url],
            r,
            interval=interval,
            now=now,
            max_backoff=timedelta(hours=settings.max_backoff_hours),
        )
        for r in results
        if r.feed_url in by_url and r.status != PollStatus.SKIPPED
    }
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        feed_store.record_poll_results(con, results, next_poll, run_id=run_id, now=now)
        all_entries = [e for r in results for e in r.entries]
        new = entry_store.record_entries(con, all_entries, now=now)
        pending = entry_store.pending_entries(con, feed_urls=[f.url for f in feeds])
    per_feed: dict[str, int] = {}
    for entry in new:
        per_feed[entry.feed_url] = per_feed.get(entry.feed_url, 0) + 1
    return PollRecord(pending=pending, new_entries=len(new), per_feed_new=per_feed)


# --- articles -------------------------------------------------------------------------------


def fetch_article_pages(
    settings: Settings,
    entries: Sequence[FeedEntry],
    on_page: Callable[[PageFetch], None] | None = None,
) -> list[PageFetch]:
    """Fetch the pages of entries that have a fetchable link not stored as an article yet.

    `on_page(page)` is called as each page is done (progress), from a worker thread."""
    wanted = [e for e in entries if e.fetchable and e.url]
    if not wanted:
        return []
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        known = entry_store.existing_article_ids(
            con, [e.canonical_url for e in wanted if e.canonical_url]
        )
    urls = list(dict.fromkeys(e.url for e in wanted if e.canonical_url not in known and e.url))
    return fetch_pages(
        urls,
        http_config(settings, for_pages=True),
        max_workers=settings.max_parallel_hosts,
        on_page=on_page,
    )


def _workers_for(settings: Settings, jobs: int) -> ArticleWorkers | None:
    """The pool for `jobs` pages, or None when they are done in this process (too few to be
    worth a round trip, or one process asked for)."""
    return article_workers(settings) if jobs >= MIN_JOBS_FOR_WORKERS else None


def warm_workers(settings: Settings, pages: int) -> None:
    """Start the extraction workers now when `pages` pages are coming (enough for the pool):
    they start while the first pages are fetched. When too few are, end the fork server the
    poll started ahead for them (`pipeline.workers.start_fork_server`)."""
    workers = _workers_for(settings, pages)
    if workers is not None:
        workers.warm()
    else:
        stop_unused_fork_server()


def process_articles(
    settings: Settings,
    entries: Sequence[FeedEntry],
    pages: Sequence[PageFetch],
    *,
    terms: TopicTerms | None = None,
    sources: dict[str, str | None] | None = None,
) -> list[ProcessedArticle]:
    """Extract each entry's article from its page (or its feed text) and judge its relevance.

    An entry whose page was not fetched because its canonical URL is stored already is skipped
    (`store_articles` links it); of entries with the same canonical URL the first is kept.
    Pages go to this process's pool of warm workers (`pipeline.workers`, one per core unless
    `extract_workers` says otherwise); `terms` is then only used in this process.
    """
    now = utcnow()
    by_url = {p.url: p for p in pages}
    jobs: list[Job] = []
    for entry in entries:
        page = by_url.get(entry.url or "")
        if entry.url is None or (entry.fetchable and page is None):
            continue
        jobs.append((entry, page, (sources or {}).get(entry.feed_url)))
    workers = _workers_for(settings, len(jobs))
    if workers is not None:
        items = workers.process(jobs, now=now)
    else:
        terms = terms or topic_terms(settings)
        items = [
            process_article(entry, page, terms=terms, now=now, source=source)
            for entry, page, source in jobs
        ]
    processed: list[ProcessedArticle] = []
    seen: set[str] = set()
    for item in items:
        if item.article.canonical_url in seen:
            continue
        seen.add(item.article.canonical_url)
        processed.append(item)
    return processed


@dataclass(frozen=True)
class StoredBatch:
    articles: int
    relevant: int
    linked: int  # entries whose article was already stored (same link in another feed)


def store_articles(
    settings: Settings,
    entries: Sequence[FeedEntry],
    processed: Sequence[ProcessedArticle],
    *,
    run_id: str | None,
) -> StoredBatch:
    """Store a batch of articles and settle its entries, in one short write."""
    now = utcnow()
    retention = article_store.Retention(
        keep_raw_html=settings.keep_raw_html,
        keep_irrelevant_text=settings.keep_irrelevant_text,
    )
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        ids = article_store.upsert_articles(
            con, processed, now=now, retention=retention, run_id=run_id
        )
        by_entry = {
            p.entry.entry_key: article_id
            for p, article_id in zip(processed, ids, strict=True)
            if p.entry is not None
        }
        existing = entry_store.existing_article_ids(
            con, [e.canonical_url for e in entries if e.canonical_url]
        )
        done: dict[str, int | None] = {}
        linked = 0
        for entry in entries:
            if entry.entry_key in by_entry:
                done[entry.entry_key] = by_entry[entry.entry_key]
            elif entry.canonical_url in existing:
                done[entry.entry_key] = existing[entry.canonical_url]
                linked += 1
            else:
                done[entry.entry_key] = None  # nothing to keep (no link at all)
        entry_store.mark_entries_done(con, done)
    return StoredBatch(
        articles=len(processed),
        relevant=sum(1 for p in processed if p.relevance.relevant),
        linked=linked,
    )


# --- seeds ----------------------------------------------------------------------------------


def load_seeds(settings: Settings) -> int:
    """Store the seed articles (idempotent); return how many there are.

    Reading the term data and judging the seeds costs about half a second, so it is skipped
    when the seed files, the term data and the code that turns a seed into a row are those of
    the last load (`seed_fingerprint`) and every seed is still stored."""
    loaded_from = seed_fingerprint(settings)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        stored = article_store.current_seed_load(con, loaded_from)
    if stored is not None:
        return stored
    terms = topic_terms(settings)
    seeds = read_seed_articles(settings.seeds_dir / "articles")
    items = []
    for seed in seeds:
        article = seed_article(seed)
        items.append(
            ProcessedArticle(
                article=article,
                relevance=judge_article(article, summary=None, terms=terms),
                source=seed.outlet,
                is_seed=True,
            )
        )
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        now = utcnow()
        article_store.upsert_articles(con, items, now=now)
        article_store.set_first_seen(
            con,
            {canonicalize_url(s.url): s.reference_date for s in seeds if s.reference_date},
        )
        article_store.record_seed_load(con, loaded_from, len(items), now=now)
    return len(items)


def seed_fingerprint(settings: Settings) -> str:
    """A digest of what a seed load stores: the seed files, the term data, and the source of the
    code that reads, judges and stores a seed (so an upgrade judges them again)."""
    seeds_dir = settings.seeds_dir / "articles"
    seeds = sorted(p for p in seeds_dir.rglob("*") if p.is_file()) if seeds_dir.is_dir() else []
    return fingerprint(
        [
            *((str(p.relative_to(seeds_dir)), p) for p in seeds),
            ("terms", Path(settings.gazetteer)),
            *source_files(
                extract.article.seeds, pipeline.process, article_store, extract.relevance
            ),
        ]
    )


# --- summary --------------------------------------------------------------------------------


class SystemicPollFailure(RuntimeError):
    """Every feed polled failed: the network, DNS or the proxy is down, not the feeds.

    Carries the poll's summary, so the CLI can still show which feeds failed and how.
    """

    def __init__(self, message: str, summary: PollSummary | None = None) -> None:
        super().__init__(message)
        self.summary = summary

    def __reduce__(self) -> tuple[type[SystemicPollFailure], tuple[str, PollSummary | None]]:
        return type(self), (str(self), self.summary)


@dataclass(frozen=True)
class PollSummary:
    feeds_polled: int
    feeds_failed: int
    feeds_skipped: int
    new_entries: int
    new_articles: int
    relevant_articles: int
    rows: list[dict[str, object]]  # one per feed: feed, status, http, new entries, entries, error

    def describe(self) -> str:
        return (
            f"{self.feeds_polled} feed(s) polled, {self.feeds_failed} failed, "
            f"{self.feeds_skipped} backing off; {self.new_entries} new entries, "
            f"{self.new_articles} new articles ({self.relevant_articles} relevant)"
        )


MIN_FEEDS_FOR_OUTAGE = 3


def summarize_poll(
    feeds: Sequence[FeedSource],
    results: Sequence[FeedPollResult],
    record: PollRecord,
    batches: Sequence[StoredBatch],
) -> PollSummary:
    names = {f.url: f.source or f.title or f.url for f in feeds}
    rows: list[dict[str, object]] = []
    failed = skipped = 0
    for r in sorted(results, key=lambda r: (r.status.value, r.feed_url)):
        if r.status == PollStatus.SKIPPED:
            skipped += 1
        elif r.status in (PollStatus.SOFT_ERROR, PollStatus.HARD_ERROR):
            failed += 1
        rows.append(
            {
                "feed": names.get(r.feed_url, r.feed_url),
                "url": r.feed_url,
                "status": r.status.value,
                "http": r.http_status,
                "entries": len(r.entries),
                "new": record.per_feed_new.get(r.feed_url, 0),
                "error": r.error or "",
            }
        )
    polled = len(results) - skipped
    return PollSummary(
        feeds_polled=polled,
        feeds_failed=failed,
        feeds_skipped=skipped,
        new_entries=record.new_entries,
        new_articles=sum(b.articles for b in batches),
        relevant_articles=sum(b.relevant for b in batches),
        rows=rows,
    )


def check_systemic(summary: PollSummary) -> None:
    """Raise when every feed polled failed (and there were enough to tell)."""
    if (
        summary.feeds_polled >= MIN_FEEDS_FOR_OUTAGE
        and summary.feeds_failed == summary.feeds_polled
    ):
        errors = sorted({str(r["error"]) for r in summary.rows if r["error"]})[:3]
        raise SystemicPollFailure(
            f"all {summary.feeds_polled} feeds failed; first errors: {'; '.join(errors)}",
            summary,
        )


def batched(items: Sequence[FeedEntry], size: int) -> list[list[FeedEntry]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
