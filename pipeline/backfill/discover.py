"""The discover mode of a backfill: one feed's older entries found, stored and turned into articles.

`discover_feed` walks the feed's archives, paged feed or its site's sitemaps for entries in the
window (`extract.feeds.discover`), records them as entries and runs them through the poll's own
steps (fetch, process, store), then marks the feed done. A feed that cannot be read at all stays to
do, so the next run of the job tries it again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from extract.errors import FeedParseError
from extract.feeds.discover import (
    NO_SITEMAP_HOSTS,
    SITEMAP_GUESSES,
    DiscoverLimits,
    Discovery,
    discover,
)
from extract.fetch import Fetcher
from extract.relevance.terms import TopicTerms
from pipeline import ingest
from pipeline.backfill.plan import BackfillPlan
from pipeline.backfill.request import MIN_ITEMS_FOR_OUTAGE, BackfillSystemicFailure
from pipeline.clock import utcnow
from pipeline.settings import Settings
from store import backfill as backfill_store
from store import entries as entry_store
from store.db import connect

log = logging.getLogger(__name__)


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

    @property
    def feed_error(self) -> str | None:
        """Why the feed itself could not be read (its own error, without the URL)."""
        if not self.feed_unreadable:
            return None
        for error in self.errors:
            if error.startswith(self.feed_url + ": "):
                return error.removeprefix(self.feed_url + ": ")
        return self.errors[0] if self.errors else "unreadable"

    @property
    def how(self) -> str:
        """The way back that worked, or why there was none (the summary's "method" column)."""
        if self.method != "none":
            return self.method
        if self.feed_unreadable:
            return f"failed: {self.feed_error}"
        return "none: no archive, paging or sitemap"

    @property
    def tried(self) -> str:
        """Each way back tried for this feed, in order, and what it gave."""
        steps = [_FEED_METHODS.get(self.method, "feed: no archive or paging")]
        if self.feed_unreadable:
            steps = [f"feed: {self.feed_error}"]
        if self.method in ("sitemap", "none"):
            host = (urlsplit(self.feed_url).hostname or "").lower()
            if host in NO_SITEMAP_HOSTS:
                steps.append("sitemaps: not tried (aggregator host)")
            elif self.method == "sitemap":
                steps.append("sitemaps of the site: found")
            else:
                places = ", ".join(("/robots.txt", *SITEMAP_GUESSES))
                steps.append(f"sitemaps: none at {places}")
        return "; ".join(steps) + f" ({self.documents} document(s) fetched)"

    def row(self, source: str | None) -> dict[str, object]:
        others = [e for e in self.errors if not e.startswith(self.feed_url + ": ")]
        return {
            "feed": source or self.feed_url,
            "method": self.how,
            "tried": self.tried,
            "in window": self.in_window,
            "new": self.new_entries,
            "stored": self.articles,
            "relevant": self.relevant,
            "outside": self.outside_window,
            "undated": self.undated,
            "note": ("stopped at the limit; " if self.truncated else "")
            + (f"{len(others)} error(s), first: {others[0]}" if others else ""),
        }


_FEED_METHODS = {
    "archive": "feed archives (RFC 5005 prev-archive)",
    "paged": "paged feed (rel=next)",
    "wordpress": "wordpress feed pages (?paged=N)",
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
    terms = terms or ingest.topic_terms(settings)
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
