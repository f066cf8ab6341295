"""The backfill steps: rework a past window of articles, or find the older ones feeds no longer list.

    request = BackfillRequest(start=date(2024, 6, 1), end=date(2024, 6, 30), mode="rescore")
    plan = plan_backfill(settings, request, run_id=...)         # start or resume the job
    article modes:  while not (batch := rework_batch(settings, plan, cursor)).finished: ...
    discover:       for feed in plan.feeds: discover_feed(settings, plan, feed)
    summary = finish_backfill(settings, plan, ...)              # stories, job done, table

Modes (`BackfillMode`):
- `rescore`: relevance judged again from the stored text; stories assigned over the window.
- `reextract`: text extracted again from the stored page HTML (no network), then judged.
- `refetch`: pages fetched again, extracted and judged; a page that fails now leaves the stored
  article alone (counted as failed).
- `discover`: older articles found through the feeds' archives, pages and sitemaps
  (`extract.discover`), stored as entries and turned into articles like a poll does.

Idempotent and resumable. A request (mode, window, feeds) is one job with a checkpoint in
`backfill_jobs` (store/backfill.py): articles are reworked in id order, a batch at a time, and the
checkpoint moves after each batch's write; discovery marks each feed done after its articles are
stored. Every write is an upsert or an update by key, so a run killed half-way and started again
redoes at most the batch (or feed) it was in, and stores nothing twice. Each batch opens its own
short connection; fetching and extraction happen outside it, so a poll or a digest waiting for the
database waits for one batch's write, not for the backfill.

Item failures are data (counted, and listed in the summary); systemic ones raise: a broken
database, a feed list that names unknown feeds, or every page of a batch failing at once.
`dry_run` reports what would change and writes nothing (discovery still reads feed archives and
sitemaps, but fetches no article page).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from extract.article.extraction import ExtractionSettings, extract_article
from extract.errors import FeedParseError
from extract.feeds.discover import DiscoverLimits, Discovery, Window, discover
from extract.feeds.poll import fetch_pages
from extract.fetch import Fetcher
from extract.models import FeedEntry, PageFetch, ProcessedArticle, Relevance
from extract.relevance.judge import TopicTerms, judge_relevance, load_topic_terms
from pipeline import ingest
from pipeline.digest import assign_stories
from pipeline.settings import Settings
from store import articles as article_store
from store import backfill as backfill_store
from store import entries as entry_store
from store.db import connect

log = logging.getLogger(__name__)

MIN_ITEMS_FOR_OUTAGE = 3


class BackfillMode(StrEnum):
    RESCORE = "rescore"
    REEXTRACT = "reextract"
    REFETCH = "refetch"
    DISCOVER = "discover"


ARTICLE_MODES = frozenset({BackfillMode.RESCORE, BackfillMode.REEXTRACT, BackfillMode.REFETCH})


class BackfillError(ValueError):
    """The request cannot be carried out as given (unknown feeds, say); the message says why."""


class BackfillSystemicFailure(RuntimeError):
    """Every item of a batch failed at once: the network or a site is down, not the articles."""


class BackfillRequest(BaseModel):
    """What to backfill. The Prefect UI builds its run form from these fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="Backfill", use_enum_values=False)

    start: date = Field(
        title="First day",
        description="First day of the window, included (a date, in NEWSWATCH_TIMEZONE).",
    )
    end: date = Field(
        title="Last day",
        description="Last day of the window, included. Articles count by publication date "
        "(first-seen date when the page has none).",
    )
    mode: BackfillMode = Field(
        BackfillMode.RESCORE,
        description="rescore: judge relevance and group stories again from the stored text. "
        "reextract: extract the text again from the stored pages (no network). "
        "refetch: fetch the pages again. "
        "discover: find older articles the feeds no longer list (feed archives, "
        "paged feeds, sitemaps) and store them.",
        json_schema_extra={"title": "What to do"},
    )
    feeds: list[str] | None = Field(
        None,
        title="Feeds",
        description="Feed URLs to limit the backfill to, as in the feed list. "
        "Empty: every active feed.",
    )
    dry_run: bool = Field(
        False,
        title="Dry run",
        description="Report what would change and write nothing. Discover still reads the "
        "feeds' archives and sitemaps to count, but fetches no article page.",
    )

    @field_validator("feeds")
    @classmethod
    def _clean_feeds(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = list(dict.fromkeys(v.strip() for v in value if v and v.strip()))
        return cleaned or None

    @model_validator(mode="after")
    def _ordered(self) -> BackfillRequest:
        if self.end < self.start:
            raise ValueError(
                f"the last day ({self.end.isoformat()}) is before the first ({self.start.isoformat()})"
            )
        return self

    def window(self, timezone: str) -> Window:
        """[start 00:00, the day after end 00:00) in `timezone`, as UTC instants."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.start, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return Window(start, end)

    @property
    def job_key(self) -> str:
        feeds = "all"
        if self.feeds:
            joined = "\n".join(sorted(self.feeds))
            feeds = hashlib.sha256(joined.encode()).hexdigest()[:12]
        return f"{self.mode.value}:{self.start.isoformat()}:{self.end.isoformat()}:{feeds}"

    def describe(self) -> str:
        feeds = "all feeds" if not self.feeds else f"{len(self.feeds)} feed(s)"
        text = f"{self.mode.value} {self.start.isoformat()}..{self.end.isoformat()}, {feeds}"
        return text + (" (dry run)" if self.dry_run else "")


# --- plan -----------------------------------------------------------------------------------


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


def utcnow() -> datetime:
    return datetime.now(UTC)


def plan_backfill(
    settings: Settings, request: BackfillRequest, *, run_id: str | None
) -> BackfillPlan:
    """Start the job (or resume it after a killed run) and size the work; nothing when dry."""
    window = request.window(settings.timezone)
    if request.mode is BackfillMode.DISCOVER:
        ingest.sync_feeds(settings)  # a fresh database learns the feed list first
    now = utcnow()
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        feeds = backfill_store.feeds_for_backfill(con, request.feeds)
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
            job = job or _unsaved_job(request, window)
        else:
            job = backfill_store.start_job(
                con,
                request.job_key,
                mode=request.mode.value,
                window_start=window.start,
                window_end=window.end,
                feed_urls=request.feeds,
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


def _unsaved_job(request: BackfillRequest, window: Window) -> backfill_store.BackfillJob:
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


@dataclass(frozen=True)
class BatchResult:
    processed: int
    changed: int
    failed: int
    skipped: int  # nothing to do for it (reextract: no stored page)
    last_id: int | None  # the cursor after this batch
    finished: bool  # no articles left after this batch
    per_feed: dict[str, Counter[str]] = field(default_factory=dict)
    errors: tuple[str, ...] = ()


def rework_batch(
    settings: Settings,
    plan: BackfillPlan,
    cursor: int | None,
    *,
    run_id: str | None = None,
    terms: TopicTerms | None = None,
) -> BatchResult:
    """Rescore, re-extract or refetch the next batch of the window after article id `cursor`."""
    mode = plan.request.mode
    job = _unsaved_job(plan.request, plan.window)  # only its window and feeds are read
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        rows = backfill_store.article_batch(
            con,
            job,
            after_id=cursor,
            limit=settings.page_batch_size,
            with_html=mode is BackfillMode.REEXTRACT,
        )
    if not rows:
        return BatchResult(0, 0, 0, 0, cursor, True)
    terms = terms or load_topic_terms(settings.topic_terms)
    if mode is BackfillMode.RESCORE:
        outcome = _rescore(rows, terms)
    elif mode is BackfillMode.REEXTRACT:
        outcome = _reextract(rows, terms)
    else:
        outcome = _refetch(settings, rows, terms, dry_run=plan.request.dry_run)
    last_id = int(rows[-1]["id"])
    attempted = len(rows) - outcome.skipped
    if attempted >= MIN_ITEMS_FOR_OUTAGE and outcome.failed == attempted:
        raise BackfillSystemicFailure(
            f"all {attempted} articles of the batch failed; first errors: "
            + "; ".join(outcome.errors[:3])
        )
    if not plan.request.dry_run:
        now = utcnow()
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            if outcome.relevance:
                article_store.update_relevance(con, outcome.relevance, now=now)
            if outcome.articles:
                retention = article_store.Retention(
                    keep_raw_html=settings.keep_raw_html,
                    keep_irrelevant_text=settings.keep_irrelevant_text,
                )
                article_store.upsert_articles(
                    con, outcome.articles, now=now, retention=retention, run_id=run_id
                )
            backfill_store.advance_job(
                con,
                plan.job_key,
                last_article_id=last_id,
                processed=len(rows),
                changed=outcome.changed,
                failed=outcome.failed,
                now=now,
            )
    finished = len(rows) < settings.page_batch_size
    log.info(
        "backfill %s: articles %d..%d: %d changed, %d failed, %d skipped",
        mode.value,
        int(rows[0]["id"]),
        last_id,
        outcome.changed,
        outcome.failed,
        outcome.skipped,
    )
    return BatchResult(
        processed=len(rows),
        changed=outcome.changed,
        failed=outcome.failed,
        skipped=outcome.skipped,
        last_id=last_id,
        finished=finished,
        per_feed=outcome.per_feed,
        errors=tuple(outcome.errors),
    )


@dataclass
class _Outcome:
    relevance: dict[int, Relevance] = field(default_factory=dict)  # rescore: changed judgements
    articles: list[ProcessedArticle] = field(default_factory=list)  # reextract/refetch
    changed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    per_feed: dict[str, Counter[str]] = field(default_factory=dict)

    def count(self, feed_url: str | None, what: str) -> None:
        self.per_feed.setdefault(feed_url or "(no feed)", Counter())[what] += 1


def _judge(
    terms: TopicTerms,
    *,
    title: str | None,
    text: str | None,
    summary: str | None,
    language: str | None,
) -> Relevance:
    return judge_relevance(title=title, text=text, summary=summary, language=language, terms=terms)


def _relevance_changed(row: dict[str, Any], judged: Relevance) -> bool:
    old_relevant, old_score = row["relevant"], row["relevance_score"]
    if old_relevant is None or old_score is None:
        return True
    return (
        bool(old_relevant) != judged.relevant
        or abs(float(old_score) - judged.score) > 1e-9
        or tuple(row["relevance_terms"] or ()) != tuple(judged.terms)
    )


def _rescore(rows: Sequence[dict[str, Any]], terms: TopicTerms) -> _Outcome:
    out = _Outcome()
    for row in rows:
        judged = _judge(
            terms,
            title=row["title"],
            text=row["text"],
            summary=row["summary"],
            language=row["language"],
        )
        out.count(row["feed_url"], "articles")
        if _relevance_changed(row, judged):
            out.relevance[int(row["id"])] = judged
            out.changed += 1
            out.count(row["feed_url"], "changed")
    return out


def _entry_for(row: dict[str, Any]) -> FeedEntry:
    """The feed entry the article came from; a stand-in built from the article when none is kept."""
    entry = row.get("entry")
    if isinstance(entry, FeedEntry):
        return entry
    return FeedEntry(
        feed_url=row["feed_url"] or "",
        entry_key="url:" + row["canonical_url"],
        guid=None,
        url=row["url"],
        canonical_url=row["canonical_url"],
        title=row["title"],
        summary=row["summary"],
        content=None,
        author=row["author"],
        published_at=row["published_at"],
        source=row["source"],
    )


def _as_stored(
    row: dict[str, Any],
    html: bytes,
    url: str,
    content_type: str | None,
    terms: TopicTerms,
    page: PageFetch | None,
) -> tuple[ProcessedArticle, bool]:
    entry = _entry_for(row)
    article = extract_article(
        html,
        url=url,
        entry=entry,
        now=utcnow(),
        content_type=content_type,
        settings=ExtractionSettings(),
    )
    # Keyed by the stored canonical URL, whatever the page now calls itself: never a second row.
    article = replace(article, canonical_url=row["canonical_url"])
    judged = _judge(
        terms,
        title=article.title,
        text=article.text,
        summary=row["summary"],
        language=article.language,
    )
    changed = (
        article.status.value != row["extraction_status"]
        or (article.text is not None and article.text != row["text"])
        or _relevance_changed(row, judged)
    )
    processed = ProcessedArticle(
        article=article,
        relevance=judged,
        entry=entry,
        page=page,
        feed_url=row["feed_url"],
        source=row["source"],
        summary=row["summary"],
    )
    return processed, changed


def _reextract(rows: Sequence[dict[str, Any]], terms: TopicTerms) -> _Outcome:
    out = _Outcome()
    for row in rows:
        out.count(row["feed_url"], "articles")
        if not row["html"]:
            out.skipped += 1
            out.count(row["feed_url"], "no stored page")
            continue
        processed, changed = _as_stored(
            row, row["html"], row["final_url"] or row["url"], row["content_type"], terms, None
        )
        out.articles.append(processed)
        if changed:
            out.changed += 1
            out.count(row["feed_url"], "changed")
    return out


def _refetch(
    settings: Settings, rows: Sequence[dict[str, Any]], terms: TopicTerms, *, dry_run: bool
) -> _Outcome:
    out = _Outcome()
    for row in rows:
        out.count(row["feed_url"], "articles")
    if dry_run:  # no network in a dry run: the count is the answer
        return out
    pages = fetch_pages(
        [row["url"] for row in rows],
        ingest.http_config(settings, for_pages=True),
        max_workers=settings.max_parallel_hosts,
    )
    for row, page in zip(rows, pages, strict=True):
        if page.error or not page.body:
            out.failed += 1
            out.count(row["feed_url"], "failed")
            out.errors.append(f"{row['url']}: {page.error or 'empty page'}")
            continue
        processed, changed = _as_stored(
            row, page.body, page.final_url or page.url, page.content_type, terms, page
        )
        out.articles.append(processed)
        if changed:
            out.changed += 1
            out.count(row["feed_url"], "changed")
    return out


# --- discover -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedDiscovery:
    feed_url: str
    method: str
    documents: int
    in_window: int  # entries found in the window
    new_entries: int  # of them not seen before (dry run: would be new)
    articles: int  # articles stored (0 in a dry run)
    relevant: int
    outside_window: int
    undated: int
    truncated: bool
    errors: tuple[str, ...]
    feed_unreadable: bool = False

    @property
    def failed_outright(self) -> bool:
        """The feed could not be read and nothing was found elsewhere: retry it next run."""
        return self.feed_unreadable and self.in_window == 0

    def row(self, source: str | None) -> dict[str, object]:
        return {
            "feed": source or self.feed_url,
            "method": self.method,
            "documents": self.documents,
            "in window": self.in_window,
            "new": self.new_entries,
            "stored": self.articles,
            "relevant": self.relevant,
            "outside": self.outside_window,
            "undated": self.undated,
            "note": ("stopped at the limit; " if self.truncated else "")
            + (self.errors[0] if self.errors else ""),
        }


def find_older_entries(settings: Settings, plan: BackfillPlan, feed_url: str) -> Discovery:
    """Walk one feed's history (or its site's sitemaps) for entries in the window."""
    limits = DiscoverLimits(
        max_pages=settings.discover_max_pages, max_urls=settings.discover_max_urls
    )
    with Fetcher(ingest.http_config(settings)) as fetcher:
        try:
            return discover(fetcher, feed_url, plan.window, limits=limits)
        except FeedParseError as exc:  # defensive: the walkers report these as errors already
            return Discovery(feed_url=feed_url, errors=[f"{feed_url}: {exc}"])


def discover_feed(
    settings: Settings,
    plan: BackfillPlan,
    feed_url: str,
    *,
    run_id: str | None = None,
    terms: TopicTerms | None = None,
) -> FeedDiscovery:
    """Find one feed's entries of the window, store them and their articles; mark the feed done."""
    found = find_older_entries(settings, plan, feed_url)
    if found.errors:
        log.info("discover %s: %s", feed_url, found.describe())
    keys = {e.entry_key for e in found.entries}
    now = utcnow()
    if plan.request.dry_run:
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            known = backfill_store.known_identities(
                con, [i for e in found.entries for i in (e.identities or (e.entry_key,))]
            )
        new = sum(
            1 for e in found.entries if not known.intersection(e.identities or (e.entry_key,))
        )
        return _feed_result(found, new_entries=new, articles=0, relevant=0)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        new_entries = entry_store.record_entries(con, found.entries, now=now)
        # New ones, and those a killed run of this job recorded but did not finish.
        pending = [
            e for e in entry_store.pending_entries(con, feed_urls=[feed_url]) if e.entry_key in keys
        ]
    terms = terms or load_topic_terms(settings.topic_terms)
    sources = {feed_url: plan.sources.get(feed_url)}
    stored = relevant = 0
    for batch in ingest.batched(pending, settings.page_batch_size):
        pages = ingest.fetch_article_pages(settings, batch)
        processed = ingest.process_articles(settings, batch, pages, terms=terms, sources=sources)
        result = ingest.store_articles(settings, batch, processed, run_id=run_id)
        stored += result.articles
        relevant += result.relevant
    outcome = _feed_result(found, new_entries=len(new_entries), articles=stored, relevant=relevant)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        backfill_store.advance_job(
            con,
            plan.job_key,
            # A feed that could not be read at all stays to do: the next run tries it again.
            feed_done=None if outcome.failed_outright else feed_url,
            processed=len(found.entries),
            changed=stored,
            failed=len(found.errors),
            now=utcnow(),
        )
    return outcome


def _feed_result(
    found: Discovery, *, new_entries: int, articles: int, relevant: int
) -> FeedDiscovery:
    return FeedDiscovery(
        feed_url=found.feed_url,
        method=found.method,
        documents=found.documents,
        in_window=len(found.entries),
        new_entries=new_entries,
        articles=articles,
        relevant=relevant,
        outside_window=found.outside_window,
        undated=found.undated,
        truncated=found.truncated,
        errors=tuple(found.errors),
        feed_unreadable=found.feed_unreadable,
    )


def check_discovery(results: Sequence[FeedDiscovery]) -> None:
    """Raise when every feed's discovery failed outright (and there were enough to tell)."""
    failed = [r for r in results if r.failed_outright]
    if len(results) >= MIN_ITEMS_FOR_OUTAGE and len(failed) == len(results):
        firsts = "; ".join(r.errors[0] for r in failed[:3])
        raise BackfillSystemicFailure(f"discovery failed for all {len(results)} feeds: {firsts}")


# --- finish ---------------------------------------------------------------------------------


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


def article_rows(
    batches: Sequence[BatchResult], sources: dict[str, str | None]
) -> list[dict[str, object]]:
    """The summary table of an article-mode backfill: one row per feed."""
    totals: dict[str, Counter[str]] = {}
    for batch in batches:
        for feed, counts in batch.per_feed.items():
            totals.setdefault(feed, Counter()).update(counts)
    return [
        {
            "feed": sources.get(feed) or feed,
            "articles": counts["articles"],
            "changed": counts["changed"],
            "failed": counts["failed"],
            "no stored page": counts["no stored page"],
        }
        for feed, counts in sorted(totals.items())
    ]


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
        stories = assign_stories(settings, plan.window.start, plan.window.end).assigned
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


def progress_of(plan: BackfillPlan, done_now: int) -> float:
    """Percent done, counting what earlier runs of the job did."""
    if plan.total <= 0:
        return 100.0
    return min(100.0, 100.0 * (plan.done_before + done_now) / plan.total)
