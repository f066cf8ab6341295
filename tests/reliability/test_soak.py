"""The fault catalogue kind by kind, and the soak in small (the full one: bench/reliability.py).

Every kind of `testkit.faults` is served alone to one poll through the ingest steps: a feed
failure must be logged as a failed poll, a quirk must bring every item through, a page fault
must leave an article stored with its status. Then a seeded soak where each request fails at
random: nothing lost, nothing stored twice, every failure recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.reliability import PAGE_FAILING, soak
from pipeline import ingest
from pipeline.settings import load_settings
from store.db import connect
from testkit.faults import ALL_KINDS, FEED_FAILURES, FEED_QUIRKS, PAGE_FAULTS, FaultySite, Item


def test_the_catalogue_has_at_least_40_kinds() -> None:
    assert len(ALL_KINDS) >= 40
    assert len(set(FEED_FAILURES) | set(FEED_QUIRKS) | set(PAGE_FAULTS)) == len(ALL_KINDS)


@pytest.fixture(scope="module")
def fault_site() -> FaultySite:
    site = FaultySite(seed=1, rate=0.0)
    site.start()
    yield site  # type: ignore[misc]
    site.stop()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_each_kind_alone(kind: str, fault_site: FaultySite, tmp_path: Path) -> None:
    site = fault_site
    tag = kind.replace("-", "_")
    items = [
        Item(
            f"{tag}-{n}",
            f"Пхеньян и Москва {n}",
            f"/{tag}/a{n}.html",
            "Tue, 19 Nov 2024 08:00:00 GMT",
        )
        for n in range(3)
    ]
    for item in items:
        site.add_page(
            item.path,
            b"<html><body><article><p>"
            + b"Kim and Putin met. " * 40
            + b"</p></article></body></html>",
        )
    url = site.add_feed(f"/{tag}.xml", items)
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(f'[[feeds]]\nurl = "{url}"\n', encoding="utf-8")
    settings = load_settings(
        db=tmp_path / "news.duckdb",
        feeds=feeds,
        allow_private=["127.0.0.1/32"],
        connect_timeout_seconds=0.5,
        read_timeout_seconds=0.5,
        max_feed_bytes=2 * 1024 * 1024,
        max_page_bytes=2 * 1024 * 1024,
    )
    site.only = kind
    try:
        targets = ingest.sync_feeds(settings)
        results = ingest.poll_sources(settings, targets, force=True)
        record = ingest.record_poll(settings, targets, results, run_id="one")
        pages = ingest.fetch_article_pages(settings, record.pending)
        processed = ingest.process_articles(settings, record.pending, pages)
        ingest.store_articles(settings, record.pending, processed, run_id="one")
    finally:
        site.only = None
    (result,) = results
    with connect(settings.db) as con:
        logged = con.execute("SELECT status, error FROM fetch_log WHERE kind = 'feed'").fetchall()
        stored = dict(
            con.execute("SELECT url, extraction_status FROM articles WHERE NOT is_seed").fetchall()
        )
    if kind in FEED_FAILURES:
        assert result.status.value in ("soft_error", "hard_error"), (kind, result)
        assert result.error
        assert [s for s, _ in logged] == [result.status.value]
        assert stored == {}
    else:
        assert result.status.value == "ok", (kind, result.error)
        assert sorted(e.guid or "" for e in result.entries) == sorted(i.guid for i in items)
        assert all(e.title and "\n" not in e.title and "\r" not in e.title for e in result.entries)
        assert len(stored) == 3  # one article per item, whatever the page did
        if kind in PAGE_FAILING:
            assert all(status != "ok" for status in stored.values()), stored


def test_a_small_soak_loses_nothing_and_records_every_failure(tmp_path: Path) -> None:
    result = soak(16, 6, seed=11, rate=0.5, folder=tmp_path)
    assert result.requests_faulted > 40
    assert result.lost == []
    assert result.duplicates == 0
    assert result.unrecorded == []
    assert result.articles == result.items
    assert result.failures_recorded > 0
