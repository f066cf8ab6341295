"""The article modes of a backfill: rescore, re-extract or refetch the window, a batch at a time.

`rework_batch` reads the next batch after the job's cursor, reworks it outside any connection,
writes what changed and moves the checkpoint in one short write. A page that fails to refetch
leaves the stored article alone (counted as failed); every page of a batch failing at once is a
systemic failure (`BackfillSystemicFailure`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from extract.models import FeedEntry, PageFetch, ProcessedArticle, Relevance
from extract.pages import fetch_pages
from extract.relevance.judge import judge_relevance
from extract.relevance.terms import TopicTerms, load_topic_terms
from pipeline import ingest
from pipeline.backfill.plan import BackfillPlan, job_of
from pipeline.backfill.request import MIN_ITEMS_FOR_OUTAGE, BackfillMode, BackfillSystemicFailure
from pipeline.clock import utcnow
from pipeline.process import process_article
from pipeline.settings import Settings
from store import articles as article_store
from store import backfill as backfill_store
from store.db import connect

log = logging.getLogger(__name__)


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
    job = job_of(plan.request, plan.window)  # only its window and feeds are read
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
    terms = terms or load_topic_terms(settings.gazetteer)
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
        judged = judge_relevance(
            title=row["title"],
            text=row["text"],
            summary=row["summary"],
            language=row["language"],
            terms=terms,
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
        language=row["language"],
    )


def _as_stored(
    row: dict[str, Any], page: PageFetch, terms: TopicTerms, *, fetched: bool
) -> tuple[ProcessedArticle, bool]:
    """The stored article built again from `page`, and whether anything changed.

    Keyed by the stored canonical URL, whatever the page now calls itself: never a second row.
    A page read back from the store (`fetched` False) is not stored or logged again.
    """
    processed = process_article(
        replace(_entry_for(row), fetchable=True),
        page,
        terms=terms,
        now=utcnow(),
        source=row["source"],
        canonical_url=row["canonical_url"],
    )
    article = processed.article
    changed = (
        article.status.value != row["extraction_status"]
        or (article.text is not None and article.text != row["text"])
        or _relevance_changed(row, processed.relevance)
    )
    return (processed if fetched else replace(processed, page=None)), changed


def _reextract(rows: Sequence[dict[str, Any]], terms: TopicTerms) -> _Outcome:
    out = _Outcome()
    for row in rows:
        out.count(row["feed_url"], "articles")
        if not row["html"]:
            out.skipped += 1
            out.count(row["feed_url"], "no stored page")
            continue
        stored = PageFetch(
            url=row["url"],
            final_url=row["final_url"] or row["url"],
            http_status=None,
            body=row["html"],
            content_type=row["content_type"],
        )
        processed, changed = _as_stored(row, stored, terms, fetched=False)
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
        processed, changed = _as_stored(row, page, terms, fetched=True)
        out.articles.append(processed)
        if changed:
            out.changed += 1
            out.count(row["feed_url"], "changed")
    return out


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
