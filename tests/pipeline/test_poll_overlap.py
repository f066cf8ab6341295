"""A poll fetches batch n + 1 while batch n is extracted and batch n - 1 stored: the same records
as one batch at a time, each page fetched once, never more than three batches in flight.

Real parts: the local news site on 127.0.0.1 (real fixture pages), real DuckDB files, the real
ingest steps; the poll's steps are wrapped only to see when each starts and ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pytest

from extract.models import FeedEntry, FeedPollResult, FeedSource, PageFetch, ProcessedArticle
from extract.urls import canonicalize_url
from pipeline import ingest
from pipeline.clock import utcnow
from pipeline.poll import PollSteps, run_poll
from pipeline.settings import Settings, load_settings
from store.db import connect
from store.entries import record_entries
from testkit.localsite import LocalSite
from testkit.newssite import ARTICLES, feed_list, install, page_bytes

COLUMNS = (
    "canonical_url, url, feed_url, source, title, published_at, language, text, summary, "
    "extraction_status, extraction_reason, http_status, relevant, relevance_score, "
    "relevance_terms, relevance_reason"
)
TWICE = "/twice/one-page.html"
OTHER = "/between/another-page.html"


def entries_for(site: LocalSite, feed: str, paths: list[str]) -> list[FeedEntry]:
    """One entry of `feed` per path, in this order in the poll, each link with its own tracking
    parameter (as entries left by an older version were: a poll records only the first of the
    same article); the pages are fixture articles."""
    fixtures = [fixture for fixture, _title, _topic in ARTICLES.values()]
    for path, fixture in zip(dict.fromkeys(paths), fixtures, strict=False):
        site.add(path, page_bytes(fixture))
    return [
        FeedEntry(
            feed_url=feed,
            entry_key=f"{n}-{path}",  # the poll's order: first seen, then entry key
            guid=f"{n}-{path}",
            url=f"{site.url(path)}?utm_source={n}",
            canonical_url=canonicalize_url(site.url(path)),
            title="Once",
            summary=None,
            content=None,
            author=None,
            published_at=datetime.now(UTC) - timedelta(hours=1),
            identities=(f"{n}-{path}",),
        )
        for n, path in enumerate(paths)
    ]


def fetches(site: LocalSite, path: str) -> int:
    """Requests for `path`, whatever their query string."""
    return sum(1 for hit in list(site.hits) if hit.path.split("?")[0] == path)


def stored(db: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        articles = con.execute(
            f"SELECT {COLUMNS} FROM articles WHERE NOT is_seed ORDER BY canonical_url"
        ).fetchall()
        entries = con.execute(
            "SELECT e.entry_key, e.state, a.canonical_url FROM entries e "
            "LEFT JOIN articles a ON a.id = e.article_id ORDER BY e.entry_key"
        ).fetchall()
    finally:
        con.close()
    return articles, entries


def settings_for(tmp_path: Path, feeds: Path, name: str, batch: int) -> Settings:
    return load_settings(
        db=tmp_path / f"{name}.duckdb",
        feeds=feeds,
        allow_private_networks=True,
        page_batch_size=batch,
        extract_workers=1,
    )


def fetched_before_stored(batches: int) -> PollSteps:
    """The plain steps, but batch n is stored only once the fetch of every batch that can be in
    flight with it (up to n + 2) has ended (or after 30 s), so that none of them finds batch n's
    articles stored already: the poll must itself leave out a link of a batch in flight."""
    done = threading.Condition()
    fetched = stored = 0

    def fetch(
        settings: Settings,
        entries: list[FeedEntry],
        on_page: Callable[[PageFetch], None] | None = None,
    ) -> list[PageFetch]:
        nonlocal fetched
        pages = ingest.fetch_article_pages(settings, entries, on_page)
        with done:
            fetched += 1
            done.notify_all()
        return pages

    def store(
        settings: Settings,
        entries: list[FeedEntry],
        processed: list[ProcessedArticle],
        run_id: str,
    ) -> ingest.StoredBatch:
        nonlocal stored
        with done:
            stored += 1
            done.wait_for(lambda: fetched >= min(stored + 2, batches), timeout=30)
        return ingest.store_articles(settings, entries, processed, run_id=run_id)

    return replace(PollSteps(), fetch_pages=fetch, store_articles=store)


@pytest.mark.parametrize(
    "paths",
    [[TWICE, TWICE], [TWICE, OTHER, TWICE]],
    ids=["consecutive batches", "two batches apart"],
)
def test_a_link_in_two_batches_in_flight_is_fetched_and_stored_once(
    local_site: LocalSite, tmp_path: Path, paths: list[str]
) -> None:
    feed = local_site.add(
        "/empty.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Empty</title></channel></rss>',
        content_type="application/rss+xml",
    )
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list({"empty": feed}), encoding="utf-8")
    settings = settings_for(tmp_path, feeds, "one-by-one", 1)  # batch n + 1 fetched during n
    ingest.sync_feeds(settings)
    with connect(settings.db) as con:
        recorded = record_entries(con, entries_for(local_site, feed, paths), now=utcnow())
    assert len(recorded) == len(paths)
    steps = fetched_before_stored(len(paths))
    summary = run_poll(settings, force=False, run_id="overlap", steps=steps)
    articles, entries = stored(settings.db)
    assert {path: fetches(local_site, path) for path in paths} == dict.fromkeys(paths, 1)
    assert len(articles) == len(set(paths)) == summary.new_articles
    by_path = {urlsplit(url).path: url for url, *_ in articles}
    assert [(state, url) for _key, state, url in entries] == [
        ("done", by_path[path]) for path in paths
    ]


def test_overlapped_batches_store_what_one_batch_stores(
    local_site: LocalSite, tmp_path: Path
) -> None:
    urls = install(local_site)
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list(urls), encoding="utf-8")
    whole = settings_for(tmp_path, feeds, "whole", 1000)
    run_poll(whole, force=False, run_id="whole")
    reference = stored(whole.db)
    assert len(reference[0]) >= 6
    fetched_once = {path: fetches(local_site, path) for path in ARTICLES}
    assert set(fetched_once.values()) == {1}
    for polls, batch in enumerate((1, 2, 3), start=1):
        settings = settings_for(tmp_path, feeds, f"batch-{batch}", batch)
        run_poll(settings, force=False, run_id=f"batch-{batch}")
        assert stored(settings.db) == reference, batch
        for path, count in fetched_once.items():  # each poll fetched each page once more
            assert fetches(local_site, path) == count + polls, (batch, path)


class Watched:
    """The plain steps, wrapped to record when each batch is fetched, extracted and stored.
    Extraction of batch n waits (up to 30 s each) for the fetch of batch n + 1 and the store of
    batch n - 1 to begin: both must, in the poll."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.batches = 0  # of the poll, known once it has recorded its entries
        self.fetching = 0  # batches whose fetch began
        self.processed = 0  # batches whose extraction began
        self.storing = 0  # batches whose store began
        self.stored = 0
        self.most_in_flight = 0
        self.overlapped: list[bool] = []  # batch n's extraction saw the fetch of n + 1 begin
        self.stored_meanwhile: list[bool] = []  # ... and the store of n - 1 begin
        self.began = threading.Condition(self.lock)

    def record(
        self,
        settings: Settings,
        feeds: list[FeedSource],
        results: list[FeedPollResult],
        run_id: str,
    ) -> ingest.PollRecord:
        record = ingest.record_poll(settings, feeds, results, run_id=run_id)
        self.batches = len(ingest.batched(record.pending, settings.page_batch_size))
        return record

    def fetch(
        self,
        settings: Settings,
        entries: list[FeedEntry],
        on_page: Callable[[PageFetch], None] | None = None,
    ) -> list[PageFetch]:
        with self.lock:
            self.fetching += 1
            self.most_in_flight = max(self.most_in_flight, self.fetching - self.stored)
            self.began.notify_all()
        return ingest.fetch_article_pages(settings, entries, on_page)

    def process(
        self,
        settings: Settings,
        entries: list[FeedEntry],
        pages: list[PageFetch],
        sources: dict[str, str | None],
    ) -> list[ProcessedArticle]:
        with self.lock:
            self.processed += 1
            n = self.processed  # this batch's number
            self.overlapped.append(
                n < self.batches and self.began.wait_for(lambda: self.fetching > n, timeout=30)
            )
            self.stored_meanwhile.append(
                n > 1 and self.began.wait_for(lambda: self.storing >= n - 1, timeout=30)
            )
        return ingest.process_articles(settings, entries, pages, sources=sources)

    def store(
        self,
        settings: Settings,
        entries: list[FeedEntry],
        processed: list[ProcessedArticle],
        run_id: str,
    ) -> ingest.StoredBatch:
        with self.lock:
            self.storing += 1
            self.began.notify_all()
        result = ingest.store_articles(settings, entries, processed, run_id=run_id)
        with self.lock:
            self.stored += 1
        return result


def test_each_batch_is_extracted_while_the_next_is_fetched_and_the_last_stored(
    local_site: LocalSite, tmp_path: Path
) -> None:
    urls = install(local_site)
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list(urls), encoding="utf-8")
    settings = settings_for(tmp_path, feeds, "watched", 2)
    watched = Watched()
    steps = replace(
        PollSteps(), record_poll=watched.record, fetch_pages=watched.fetch,
        process_articles=watched.process, store_articles=watched.store,
    )  # fmt: skip
    run_poll(settings, force=False, run_id="watched", steps=steps)
    batches = watched.stored
    assert batches == watched.batches >= 3
    # every batch but the last had the next one's fetch under way while it was extracted
    assert watched.overlapped == [True] * (batches - 1) + [False]
    # and every batch but the first had the one before it stored meanwhile
    assert watched.stored_meanwhile == [False] + [True] * (batches - 1)
    assert watched.most_in_flight == 3  # fetched, not yet stored: n - 1, n and n + 1
