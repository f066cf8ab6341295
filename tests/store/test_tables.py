"""Feeds, entries, articles, export and search against a real in-memory DuckDB."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.models import (
    ExtractedArticle,
    ExtractionStatus,
    FeedEntry,
    FeedPollResult,
    FeedSpec,
    PageFetch,
    PollStatus,
    ProcessedArticle,
    Relevance,
)
from store import articles, entries, export, feeds, search
from store.db import connect

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(":memory:") as c:
        yield c


def entry(
    n: int, *, feed: str = "https://f.example/rss", guid: str | None = None, url: str | None = None
) -> FeedEntry:
    url = url or f"https://news.example/a/{n}"
    guid = guid or f"guid-{n}"
    return FeedEntry(
        feed_url=feed,
        entry_key=f"guid:{feed}:{guid}",
        guid=guid,
        url=url,
        canonical_url=url,
        title=f"Title {n}",
        summary=f"Summary {n}",
        content=None,
        author=None,
        published_at=NOW - timedelta(days=n),
        identities=(f"guid:{feed}:{guid}", f"url:{url}"),
    )


def processed(
    n: int,
    *,
    relevant: bool = True,
    text: str = "Body text",
    is_seed: bool = False,
    html: bytes | None = b"<html><p>Body</p></html>",
    published: datetime | None = None,
) -> ProcessedArticle:
    url = f"https://news.example/a/{n}"
    return ProcessedArticle(
        article=ExtractedArticle(
            url=url,
            canonical_url=url,
            title=f"Title {n}",
            text=text,
            author="A. Writer",
            published_at=published if published is not None else NOW - timedelta(days=n),
            site_name="Example",
            language="en",
            status=ExtractionStatus.OK,
        ),
        relevance=Relevance(
            relevant=relevant,
            score=0.9 if relevant else 0.1,
            terms=("ru:Putin", "nk:Kim Jong Un"),
            reason="linked",
        ),
        entry=entry(n),
        page=PageFetch(
            url=url,
            final_url=url,
            http_status=200,
            body=html,
            content_type="text/html",
            fetched_at=NOW,
        )
        if html
        else None,
        feed_url="https://f.example/rss",
        source="Example News",
        summary=f"Summary {n}",
        is_seed=is_seed,
    )


def test_feed_list_sync_adds_updates_and_deactivates(con: duckdb.DuckDBPyConnection) -> None:
    a, b = FeedSpec("https://a.example/rss", source="A"), FeedSpec("https://b.example/rss")
    assert feeds.sync_feed_list(con, [a, b], "list.toml") == 2
    assert feeds.sync_feed_list(con, [FeedSpec(a.url, source="A2")], "list.toml") == 0
    rows = {r["url"]: r for r in feeds.list_feeds(con)}
    assert rows[a.url]["source"] == "A2" and rows[a.url]["active"]
    assert not rows[b.url]["active"]
    feeds.add_feed(con, FeedSpec("https://m.example/rss"))
    targets = feeds.load_poll_targets(con, origins=["list.toml", feeds.MANUAL])
    assert [t.url for t in targets] == ["https://a.example/rss", "https://m.example/rss"]


def test_error_counters_grow_and_reset(con: duckdb.DuckDBPyConnection) -> None:
    url = "https://a.example/rss"
    feeds.sync_feed_list(con, [FeedSpec(url)], "l")
    fail = FeedPollResult(
        feed_url=url, status=PollStatus.SOFT_ERROR, http_status=503, error="HTTP 503", polled_at=NOW
    )
    feeds.record_poll_results(con, [fail], {url: NOW + timedelta(hours=1)}, run_id="r1", now=NOW)
    later = NOW + timedelta(hours=1)
    feeds.record_poll_results(con, [fail], {}, run_id="r2", now=later)
    row = feeds.failing_feeds(con, min_errors=2)[0]
    assert (
        row["error_count"] == 2 and row["failing_since"] == NOW and row["last_error"] == "HTTP 503"
    )
    ok = FeedPollResult(
        feed_url=url,
        status=PollStatus.OK,
        http_status=200,
        etag='"v2"',
        polled_at=later,
        unconditional=True,
    )
    feeds.record_poll_results(con, [ok], {}, run_id="r3", now=later)
    assert feeds.failing_feeds(con) == []
    state = feeds.load_poll_targets(con, origins=["l"])[0]
    assert state.etag == '"v2"' and state.error_count == 0 and state.last_unconditional_at == later
    assert con.execute("SELECT count(*) FROM fetch_log WHERE kind = 'feed'").fetchone() == (3,)


def test_entries_seen_under_any_identity(con: duckdb.DuckDBPyConnection) -> None:
    first = entries.record_entries(con, [entry(1), entry(2)], now=NOW)
    assert len(first) == 2
    # Same link, new GUID (the feed changed its GUID scheme): already seen.
    changed = entry(1, guid="new-guid-1")
    # Same link in another feed: already seen.
    elsewhere = entry(2, feed="https://other.example/rss", guid="x")
    assert entries.record_entries(con, [changed, elsewhere, entry(3)], now=NOW) == [entry(3)]
    assert {e.entry_key for e in entries.pending_entries(con)} == {
        entry(n).entry_key for n in (1, 2, 3)
    }
    entries.mark_entries_done(con, {entry(1).entry_key: None})
    assert len(entries.pending_entries(con)) == 2


def test_a_pending_entry_comes_back_as_it_was_recorded(con: duckdb.DuckDBPyConnection) -> None:
    """Every field the poller set survives the store (the feed's language included): an article
    built later from the feed text alone keeps what the feed said."""
    korean = replace(
        entry(7),
        language="ko",
        source="Yonhap",
        content="본문",
        author="기자",
        fetchable=False,
    )
    entries.record_entries(con, [korean, entry(8)], now=NOW)
    back = {e.entry_key: e for e in entries.pending_entries(con)}
    assert back[korean.entry_key] == replace(korean, identities=())
    assert back[entry(8).entry_key].language is None


def test_articles_upsert_keeps_id_seed_flag_and_html(con: duckdb.DuckDBPyConnection) -> None:
    [first] = articles.upsert_articles(con, [processed(1, is_seed=True)], now=NOW)
    [again] = articles.upsert_articles(
        con, [processed(1, relevant=False, text="Re-extracted")], now=NOW + timedelta(days=1)
    )
    assert first == again
    row = con.execute(
        "SELECT is_seed, relevant, text, first_seen_at FROM articles WHERE id = ?", [first]
    ).fetchone()
    assert row == (True, False, "Re-extracted", NOW)
    assert articles.stored_html(con, [first]) == {first: b"<html><p>Body</p></html>"}
    stored = con.execute("SELECT compression, octet_length(html) FROM article_html").fetchone()
    assert stored is not None and stored[0] == "zstd"


@pytest.mark.parametrize("compression", ["zstd", "zlib", "none"])
def test_stored_html_reads_every_compression(
    con: duckdb.DuckDBPyConnection, compression: str
) -> None:
    """Pages stored as zlib (every database before 2026-12-05) read back beside zstd's."""
    body = ("<html><body>" + "<p>Саммит в Пхеньяне</p>" * 300 + "</body></html>").encode()
    [article_id] = articles.upsert_articles(
        con,
        [processed(1, html=body)],
        now=NOW,
        retention=articles.Retention(compression=compression),
    )
    stored = con.execute("SELECT compression, octet_length(html) FROM article_html").fetchone()
    assert stored is not None and stored[0] == compression
    assert (stored[1] < len(body) / 4) == (compression != "none")
    assert articles.stored_html(con, [article_id]) == {article_id: body}


def test_irrelevant_text_retention_is_configurable(con: duckdb.DuckDBPyConnection) -> None:
    keep_none = articles.Retention(keep_raw_html=False, keep_irrelevant_text=False)
    ids = articles.upsert_articles(
        con, [processed(1, relevant=False), processed(2)], now=NOW, retention=keep_none
    )
    texts = dict(con.execute("SELECT id, text FROM articles").fetchall())
    assert texts[ids[0]] is None and texts[ids[1]] == "Body text"
    assert con.execute("SELECT count(*) FROM article_html").fetchone() == (0,)


def test_export_formats_and_windows(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    articles.upsert_articles(
        con, [processed(1), processed(5, relevant=False), processed(9)], now=NOW
    )
    buf = io.StringIO()
    assert (
        export.write_export(
            con, export.ExportFormat.JSONL, buf, since=NOW - timedelta(days=6), relevant_only=True
        )
        == 1
    )
    record = json.loads(buf.getvalue())
    for key in (
        "url",
        "canonical_url",
        "feed_url",
        "source",
        "title",
        "author",
        "published_at",
        "fetched_at",
        "language",
        "text",
        "summary",
        "is_seed",
        "relevant",
        "relevance_score",
        "relevance_terms",
        "extraction_status",
    ):
        assert key in record
    assert record["relevance_terms"] == ["ru:Putin", "nk:Kim Jong Un"]
    assert datetime.fromisoformat(record["published_at"]) == NOW - timedelta(days=1)
    buf = io.StringIO()
    assert (
        export.write_export(con, export.ExportFormat.CSV, buf, until=NOW - timedelta(days=4)) == 2
    )
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert json.loads(rows[0]["relevance_terms"]) == ["ru:Putin", "nk:Kim Jong Un"]
    target = tmp_path / "out's.parquet"
    assert export.write_export(con, export.ExportFormat.PARQUET, target) == 3
    assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(target)]).fetchone() == (3,)


def test_search_matches_all_terms_newest_first(con: duckdb.DuckDBPyConnection) -> None:
    a = processed(3, text="Putin met Kim Jong Un in Pyongyang to sign a treaty.")
    b = processed(1, text="Kim Jong Un visited a factory; Putin was not there.")
    c = processed(2, text="An unrelated text about grain exports.")
    articles.upsert_articles(con, [a, b, c], now=NOW)
    hits = search.search_articles(con, "putin kim")
    assert [h["title"] for h in hits] == ["Title 1", "Title 3"]
    assert [h["title"] for h in search.search_articles(con, '"sign a treaty"')] == ["Title 3"]
    assert "Pyongyang" in search.search_articles(con, "pyongyang")[0]["snippet"]
    assert (
        search.search_articles(con, "putin", since=NOW - timedelta(days=2))[0]["title"] == "Title 1"
    )
    assert search.search_articles(con, '"unbalanced') == []


texts = st.text(min_size=0, max_size=300)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=texts,
    body=texts,
    terms=st.lists(st.text(min_size=1, max_size=20), max_size=4),
    score=st.floats(0, 1),
    relevant=st.booleans(),
)
def test_article_round_trip_through_export(
    title: str, body: str, terms: list[str], score: float, relevant: bool
) -> None:
    with connect(":memory:") as c:
        item = processed(1)
        item = ProcessedArticle(
            article=ExtractedArticle(
                url=item.article.url,
                canonical_url=item.article.canonical_url,
                title=title,
                text=body,
                author=None,
                published_at=NOW,
                site_name=None,
                language="ko",
                status=ExtractionStatus.FEED_SUMMARY,
                reason="x",
            ),
            relevance=Relevance(relevant=relevant, score=score, terms=tuple(terms), reason="r"),
        )
        articles.upsert_articles(c, [item], now=NOW)
        [record] = list(export.iter_export_rows(c))
    assert record["title"] == title and record["text"] == body
    assert record["relevance_terms"] == terms and record["relevant"] is relevant
    assert record["relevance_score"] == pytest.approx(score)
    assert record["published_at"] == NOW and record["extraction_status"] == "feed_summary"


def test_validators_replaced_on_200_kept_on_304(con: duckdb.DuckDBPyConnection) -> None:
    url = "https://a.example/rss"
    feeds.sync_feed_list(con, [FeedSpec(url)], "l")

    def poll(status: PollStatus, etag: str | None, warning: str | None = None) -> str | None:
        result = FeedPollResult(
            feed_url=url, status=status, etag=etag, polled_at=NOW, warning=warning
        )
        feeds.record_poll_results(con, [result], {}, run_id=None, now=NOW)
        return feeds.load_poll_targets(con, origins=["l"])[0].etag

    assert poll(PollStatus.OK, '"v1"') == '"v1"'
    assert poll(PollStatus.NOT_MODIFIED, None) == '"v1"'
    assert poll(PollStatus.SOFT_ERROR, None) == '"v1"'
    assert poll(PollStatus.OK, None, warning="recovered from invalid XML") is None
    assert feeds.list_feeds(con)[0]["last_warning"] == "recovered from invalid XML"
