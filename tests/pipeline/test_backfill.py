"""The backfill steps as plain functions: real DuckDB files, a real local site, no Prefect.

A database is filled the way a poll fills it (the ingest steps against `tests/flows/localsite`),
then each mode is run batch by batch as the flow runs it. Killed runs are simulated by stopping
after a batch (or a feed) and starting the same request again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import duckdb
import pytest

from extract.urls import canonicalize_url
from pipeline import ingest
from pipeline.backfill.discover import FeedDiscovery, discover_feed, find_older_entries
from pipeline.backfill.finish import BackfillSummary, finish_backfill
from pipeline.backfill.plan import BackfillPlan, plan_backfill, progress_of
from pipeline.backfill.request import (
    BackfillError,
    BackfillMode,
    BackfillRequest,
    BackfillSystemicFailure,
)
from pipeline.backfill.rework import BatchResult, rework_batch
from pipeline.settings import Settings, load_settings
from testkit.localsite import LocalSite
from testkit.newssite import ARTICLES, MISSING, feed_list, install, page_bytes

EVER = date(2000, 1, 1)


def tomorrow() -> date:
    return datetime.now(UTC).date() + timedelta(days=1)


@pytest.fixture
def settings(tmp_path: Path, local_site: LocalSite) -> Settings:
    urls = install(local_site)
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list(urls), encoding="utf-8")
    return load_settings(
        db=tmp_path / "news.duckdb", feeds=feeds, allow_private_networks=True, page_batch_size=2
    )


def poll_once(settings: Settings) -> None:
    """What one poll does, without Prefect."""
    feeds = ingest.sync_feeds(settings)
    results = ingest.poll_sources(settings, feeds, force=True)
    record = ingest.record_poll(settings, feeds, results, run_id="poll")
    for batch in ingest.batched(record.pending, settings.page_batch_size):
        pages = ingest.fetch_article_pages(settings, batch)
        processed = ingest.process_articles(settings, batch, pages)
        ingest.store_articles(settings, batch, processed, run_id="poll")


@pytest.fixture
def polled(settings: Settings) -> Settings:
    poll_once(settings)
    return settings


def query(
    settings: Settings, sql: str, params: list[object] | None = None
) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(settings.db))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def run_all(
    settings: Settings, request: BackfillRequest, *, stop_after: int | None = None
) -> BackfillSummary | None:
    """Run a request as the flow does; `stop_after` batches/feeds simulates a killed run."""
    plan = plan_backfill(settings, request, run_id="test")
    return run_plan(settings, plan, stop_after=stop_after)


def run_plan(
    settings: Settings, plan: BackfillPlan, *, stop_after: int | None = None
) -> BackfillSummary | None:
    batches: list[BatchResult] = []
    feeds: list[FeedDiscovery] = []
    if plan.request.mode is BackfillMode.DISCOVER:
        for feed_url in plan.feeds:
            if stop_after is not None and len(feeds) == stop_after:
                return None
            feeds.append(discover_feed(settings, plan, feed_url, run_id="test"))
    else:
        cursor = plan.cursor
        while True:
            if stop_after is not None and len(batches) == stop_after:
                return None
            batch = rework_batch(settings, plan, cursor, run_id="test")
            batches.append(batch)
            cursor = batch.last_id
            if batch.finished:
                break
    return finish_backfill(settings, plan, batches=batches, feeds=feeds)


def article_count(settings: Settings) -> int:
    return int(query(settings, "SELECT count(*) FROM articles")[0][0])  # type: ignore[arg-type]


# --- the request ---------------------------------------------------------------------------


def test_request_validates_and_describes_itself() -> None:
    request = BackfillRequest(
        start=date(2024, 6, 1),
        end=date(2024, 6, 30),
        mode="discover",
        feeds=[" https://b.example/feed ", "https://a.example/feed", "https://a.example/feed", ""],
    )
    assert request.mode is BackfillMode.DISCOVER
    assert request.feeds == ["https://b.example/feed", "https://a.example/feed"]
    assert request.describe() == "discover 2024-06-01..2024-06-30, 2 feed(s)"
    same = BackfillRequest(
        start=date(2024, 6, 1),
        end=date(2024, 6, 30),
        mode="discover",
        feeds=["https://a.example/feed", "https://b.example/feed"],
    )
    assert request.job_key == same.job_key  # feed order does not make another job
    assert request.job_key != same.model_copy(update={"mode": BackfillMode.REFETCH}).job_key
    with pytest.raises(ValueError, match="before the first"):
        BackfillRequest(start=date(2024, 6, 2), end=date(2024, 6, 1))
    with pytest.raises(ValueError):
        BackfillRequest(start="2024-06-31", end=date(2024, 7, 1))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        BackfillRequest(start=date(2024, 6, 1), end=date(2024, 6, 2), mode="rescrape")  # type: ignore[arg-type]
    assert BackfillRequest(start=date(2024, 6, 1), end=date(2024, 6, 1), feeds=[]).feeds == []


def test_window_follows_the_time_zone() -> None:
    request = BackfillRequest(start=date(2024, 6, 1), end=date(2024, 6, 30))
    window = request.window("Asia/Seoul")
    assert window.start == datetime(2024, 5, 31, 15, tzinfo=UTC)
    assert window.end == datetime(2024, 6, 30, 15, tzinfo=UTC)
    assert request.window("UTC").end == datetime(2024, 7, 1, tzinfo=UTC)


def test_parameter_schema_explains_itself() -> None:
    schema = BackfillRequest.model_json_schema()
    props = schema["properties"]
    assert props["start"]["format"] == "date" and props["start"]["title"] == "First day"
    assert props["mode"]["title"] == "What to do" and "discover" in props["mode"]["description"]
    assert set(schema["$defs"]["BackfillMode"]["enum"]) == {
        "rescore",
        "reextract",
        "refetch",
        "discover",
    }
    assert all(p.get("description") for p in props.values())


# --- article modes -------------------------------------------------------------------------


def test_rescore_repairs_changed_judgements_once(polled: Settings) -> None:
    before = dict(query(polled, "SELECT canonical_url, relevant FROM articles"))
    assert len(before) == len(ARTICLES) + 1  # the page that is gone is kept with its summary
    query(polled, "UPDATE articles SET relevant = NOT relevant, relevance_score = 0.5")

    request = BackfillRequest(start=EVER, end=tomorrow(), mode="rescore")
    summary = run_all(polled, request)

    assert summary is not None
    assert summary.processed == len(before) and summary.changed == len(before)
    assert dict(query(polled, "SELECT canonical_url, relevant FROM articles")) == before
    assert summary.stories_assigned is not None
    status, processed, runs = query(
        polled,
        "SELECT status, processed, runs FROM backfill_jobs WHERE job_key = ?",
        [request.job_key],
    )[0]
    assert (status, processed, runs) == ("done", len(before), 1)

    again = run_all(polled, request)  # a finished job asked again starts over, and changes nothing
    assert again is not None and again.processed == len(before) and again.changed == 0
    assert article_count(polled) == len(before)


def test_a_killed_rescore_resumes_after_its_last_batch(polled: Settings) -> None:
    total = article_count(polled)
    request = BackfillRequest(start=EVER, end=tomorrow(), mode="rescore")
    assert run_all(polled, request, stop_after=1) is None  # killed after one batch of 2

    plan = plan_backfill(polled, request, run_id="second")
    assert plan.resumed and plan.runs == 2
    assert plan.done_before == 2 and plan.cursor is not None
    assert progress_of(plan, 0) == pytest.approx(100 * 2 / total)
    summary = run_plan(polled, plan)
    assert summary is not None and summary.processed == total - 2
    processed, runs, status = query(
        polled,
        "SELECT processed, runs, status FROM backfill_jobs WHERE job_key = ?",
        [request.job_key],
    )[0]
    assert (processed, runs, status) == (total, 2, "done")  # every article exactly once


def test_reextract_from_stored_pages_keeps_ids_and_urls(
    polled: Settings, local_site: LocalSite
) -> None:
    figaro = canonicalize_url(local_site.url(next(iter(ARTICLES))))
    rows_before = query(polled, "SELECT id, canonical_url FROM articles ORDER BY id")
    query(
        polled,
        "UPDATE articles SET text = 'garbled', extraction_status = 'extract_failed' WHERE canonical_url = ?",
        [figaro],
    )
    hits = len(local_site.hits)

    summary = run_all(polled, BackfillRequest(start=EVER, end=tomorrow(), mode="reextract"))

    assert summary is not None
    assert len(local_site.hits) == hits  # no network
    text, status = query(
        polled, "SELECT text, extraction_status FROM articles WHERE canonical_url = ?", [figaro]
    )[0]
    assert status == "ok" and isinstance(text, str) and len(text) > 500 and "Belooussov" in text
    assert query(polled, "SELECT id, canonical_url FROM articles ORDER BY id") == rows_before
    assert summary.changed >= 1
    assert summary.skipped == 1  # the page that was gone has no stored HTML
    assert any(row["no stored page"] == 1 for row in summary.rows)


def test_refetch_takes_the_new_page_and_leaves_failures_alone(
    polled: Settings, local_site: LocalSite
) -> None:
    path = "/asia/yonhap-nk-drill.html"
    new_page = page_bytes(ARTICLES["/world/lefigaro-ukraine-live.html"][0])  # the page changed
    local_site.add(path, new_page)
    gone = canonicalize_url(local_site.url(MISSING))
    before_gone = query(
        polled, "SELECT extraction_status, text FROM articles WHERE canonical_url = ?", [gone]
    )

    summary = run_all(polled, BackfillRequest(start=EVER, end=tomorrow(), mode="refetch"))

    assert summary is not None
    assert summary.failed == 1  # the page that is still gone
    assert (
        query(
            polled, "SELECT extraction_status, text FROM articles WHERE canonical_url = ?", [gone]
        )
        == before_gone
    )
    text = query(
        polled,
        "SELECT text FROM articles WHERE canonical_url = ?",
        [canonicalize_url(local_site.url(path))],
    )[0][0]
    assert isinstance(text, str) and "Belooussov" in text
    fetched = [h for h in local_site.hits if h.path.split("?")[0] == path]
    assert len(fetched) == 2  # by the poll, then once by the refetch
    assert article_count(polled) == len(ARTICLES) + 1


def test_refetch_with_the_site_down_fails_the_run_and_keeps_the_checkpoint(
    polled: Settings, local_site: LocalSite
) -> None:
    local_site.stop()
    settings = polled.model_copy(update={"page_batch_size": 3})
    request = BackfillRequest(start=EVER, end=tomorrow(), mode="refetch")
    plan = plan_backfill(settings, request, run_id="down")
    with pytest.raises(BackfillSystemicFailure, match="all 3 articles"):
        rework_batch(settings, plan, plan.cursor)
    status, last_id = query(
        polled,
        "SELECT status, last_article_id FROM backfill_jobs WHERE job_key = ?",
        [request.job_key],
    )[0]
    assert status == "running" and last_id is None  # the next run starts from the same place


def test_dry_run_writes_nothing(polled: Settings) -> None:
    query(polled, "UPDATE articles SET relevant = NOT relevant")
    flipped = query(polled, "SELECT id, relevant FROM articles ORDER BY id")
    summary = run_all(
        polled, BackfillRequest(start=EVER, end=tomorrow(), mode="rescore", dry_run=True)
    )
    assert summary is not None and summary.changed == len(flipped)
    assert query(polled, "SELECT id, relevant FROM articles ORDER BY id") == flipped
    assert query(polled, "SELECT count(*) FROM backfill_jobs") == [(0,)]
    assert summary.stories_assigned is None


def test_window_and_feeds_restrict_the_work(polled: Settings, local_site: LocalSite) -> None:
    nothing = run_all(
        polled, BackfillRequest(start=date(2001, 1, 1), end=date(2001, 1, 2), mode="rescore")
    )
    assert nothing is not None and nothing.processed == 0
    atom = local_site.url("/feeds/atom.xml")
    rss_only = query(polled, "SELECT count(*) FROM articles WHERE feed_url = ?", [atom])[0][0]
    one_feed = run_all(
        polled, BackfillRequest(start=EVER, end=tomorrow(), mode="rescore", feeds=[atom])
    )
    assert one_feed is not None and one_feed.processed == rss_only
    with pytest.raises(BackfillError, match="unknown feed"):
        plan_backfill(
            polled,
            BackfillRequest(start=EVER, end=tomorrow(), feeds=["https://nowhere.example/rss"]),
            run_id=None,
        )


# --- discover ------------------------------------------------------------------------------


def wordpress_feed(site: LocalSite, items: list[tuple[str, str, datetime]]) -> str:
    body = "".join(
        f"<item><title>{title}</title><link>{site.url(path)}</link><guid isPermaLink='false'>wp-{path}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate><description>{title}</description></item>"
        for path, title, when in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>WP</title>'
        f"<generator>https://wordpress.org/?v=6.5</generator>{body}</channel></rss>"
    )


@pytest.fixture
def archive_site(
    tmp_path: Path, local_site: LocalSite
) -> Iterator[tuple[Settings, dict[str, str]]]:
    """Two WordPress feeds whose second pages hold June 2024; the first pages are recent."""
    now = datetime.now(UTC)
    june = datetime(2024, 6, 15, tzinfo=UTC)
    paths = list(ARTICLES)
    for path in paths:
        local_site.add(path, page_bytes(ARTICLES[path][0]))
    feeds = {}
    for name, (old_a, old_b) in {"one": (paths[0], paths[1]), "two": (paths[2], paths[3])}.items():
        feeds[name] = local_site.add(
            f"/{name}/feed/",
            wordpress_feed(local_site, [(f"/{name}/recent.html", "recent", now)]),
            content_type="application/rss+xml",
        )
        local_site.add(
            f"/{name}/feed/?paged=2",
            wordpress_feed(
                local_site, [(old_a, "old a", june), (old_b, "old b", june - timedelta(days=3))]
            ),
            content_type="application/rss+xml",
        )
        local_site.add(
            f"/{name}/feed/?paged=3",
            wordpress_feed(
                local_site, [(f"/{name}/older.html", "older", datetime(2024, 5, 1, tzinfo=UTC))]
            ),
            content_type="application/rss+xml",
        )
    listing = tmp_path / "feeds.toml"
    listing.write_text(feed_list(feeds), encoding="utf-8")
    yield (
        load_settings(db=tmp_path / "archive.duckdb", feeds=listing, allow_private_networks=True),
        feeds,
    )


JUNE_2024 = BackfillRequest(start=date(2024, 6, 1), end=date(2024, 6, 30), mode="discover")


def test_discover_stores_the_window_once(
    archive_site: tuple[Settings, dict[str, str]], local_site: LocalSite
) -> None:
    settings, _feeds = archive_site
    summary = run_all(settings, JUNE_2024)
    assert summary is not None
    assert {row["method"] for row in summary.rows} == {"wordpress"}
    stored = query(settings, "SELECT url FROM articles ORDER BY url")
    assert sorted(u for (u,) in stored) == sorted(local_site.url(p) for p in list(ARTICLES)[:4])
    assert not local_site.count("/one/recent.html") and not local_site.count("/one/older.html")
    assert summary.changed == 4
    page_hits = {p: local_site.count(p) for p in list(ARTICLES)[:4]}
    assert set(page_hits.values()) == {1}

    again = run_all(settings, JUNE_2024)
    assert again is not None and again.changed == 0
    assert {p: local_site.count(p) for p in page_hits} == page_hits  # no page fetched again
    assert query(settings, "SELECT count(*) FROM articles") == [(4,)]
    assert query(settings, "SELECT count(*) FROM entries WHERE state = 'new'") == [(0,)]


def test_a_killed_discovery_resumes_with_the_feeds_left(
    archive_site: tuple[Settings, dict[str, str]], local_site: LocalSite
) -> None:
    settings, _feeds = archive_site
    assert run_all(settings, JUNE_2024, stop_after=1) is None
    plan = plan_backfill(settings, JUNE_2024, run_id="second")
    assert plan.resumed and len(plan.feeds) == 1 and plan.done_before == 1
    first_feed_hits = local_site.count("/one/feed/") + local_site.count("/two/feed/")
    summary = run_plan(settings, plan)
    assert summary is not None and summary.changed == 2
    assert local_site.count("/one/feed/") + local_site.count("/two/feed/") == first_feed_hits + 1
    assert query(settings, "SELECT count(*) FROM articles") == [(4,)]


def test_discover_finishes_entries_a_killed_run_recorded(
    archive_site: tuple[Settings, dict[str, str]],
) -> None:
    settings, feeds = archive_site
    plan = plan_backfill(settings, JUNE_2024, run_id="killed")
    found = find_older_entries(settings, plan, feeds["one"])
    from store.db import connect
    from store.entries import record_entries

    with connect(settings.db) as con:  # the run died after recording, before fetching
        record_entries(con, found.entries, now=datetime.now(UTC))
    result = discover_feed(settings, plan, feeds["one"])
    assert result.new_entries == 0 and result.articles == 2


def test_discover_dry_run_counts_without_fetching_articles(
    archive_site: tuple[Settings, dict[str, str]], local_site: LocalSite
) -> None:
    settings, _feeds = archive_site
    summary = run_all(settings, JUNE_2024.model_copy(update={"dry_run": True}))
    assert summary is not None
    assert [row["new"] for row in summary.rows] == [2, 2]
    assert all(local_site.count(p) == 0 for p in ARTICLES)
    assert query(settings, "SELECT count(*) FROM articles") == [(0,)]
    assert query(settings, "SELECT count(*) FROM backfill_jobs") == [(0,)]


def test_a_feed_that_cannot_be_read_is_retried_by_the_next_run(
    archive_site: tuple[Settings, dict[str, str]], local_site: LocalSite
) -> None:
    settings, feeds = archive_site
    route = local_site.routes["/two/feed/"]
    healthy = (route.body, route.status)
    route.body, route.status = b"down for maintenance", 503
    summary = run_all(settings, JUNE_2024)
    assert summary is not None and summary.unread_feeds == 1 and summary.changed == 2
    assert "run it again" in summary.describe()
    # The summary says which feed failed, not "method none" for it.
    methods = sorted(str(r["method"]) for r in summary.rows)
    assert methods[0].startswith("failed") and not methods[1].startswith(("failed", "none")), (
        methods
    )
    assert query(settings, "SELECT status, feeds_done FROM backfill_jobs") == [
        ("running", [feeds["one"]])
    ]

    route.body, route.status = healthy
    plan = plan_backfill(settings, JUNE_2024, run_id="retry")
    assert plan.resumed and plan.feeds == (feeds["two"],)
    again = run_plan(settings, plan)
    assert again is not None and again.unread_feeds == 0 and again.changed == 2
    assert query(settings, "SELECT status FROM backfill_jobs") == [("done",)]
    assert query(settings, "SELECT count(*) FROM articles") == [(4,)]
