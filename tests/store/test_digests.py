"""Stories and the digest archive (store/stories.py, store/digests.py) against a real DuckDB."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from store import digests, export, stories
from store.db import connect
from store.migrate import migration_names
from tests.reports.fixture_weeks import load_seed_articles, load_weeks

NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)
WEEK_A = (datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 16, tzinfo=UTC))


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(":memory:") as c:
        yield c


def record(
    key: str = "2026-W46",
    *,
    channel: str = "smtp",
    forced: bool = False,
    story_ids: tuple[int, ...] = (1, 4),
) -> digests.DigestRecord:
    return digests.DigestRecord(
        window_key=key,
        window_start=WEEK_A[0],
        window_end=WEEK_A[1],
        timezone="UTC",
        channel=channel,
        message_id=f"<digest-{key}@newswatch>",
        subject="Digest 한국어 Россия",
        sender="newswatch@example.org",
        recipients=["a@example.org", "b@example.org"],
        story_ids=list(story_ids),
        new_story_ids=[story_ids[0]],
        article_ids=[1, 2, 3, 4],
        items=[{"story_id": 1, "headline": "Лавров в Пхеньяне", "status": "new"}],
        html="<p>한국어</p>",
        text="한국어",
        forced=forced,
    )


def test_migration_adds_story_columns_and_tables(con: duckdb.DuckDBPyConnection) -> None:
    assert "0002_stories_digests" in migration_names()
    columns = {r[0] for r in con.execute("DESCRIBE articles").fetchall()}
    assert {"story_id", "duplicate_of"} <= columns
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert {"stories", "digests"} <= tables


def test_migration_keeps_existing_articles(tmp_path: Path) -> None:
    from store.migrate import _migration_sql

    db = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(db))
    raw.execute(
        "CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, "
        "applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
    )
    raw.execute(_migration_sql("0001_initial"))
    raw.execute("INSERT INTO schema_migrations (name) VALUES ('0001_initial')")
    raw.execute(
        "INSERT INTO articles (canonical_url, url, first_seen_at, extraction_status) "
        "VALUES ('https://a.example/1', 'https://a.example/1', now(), 'ok')"
    )
    raw.close()
    with connect(db) as c:
        assert c.execute("SELECT count(*), count(story_id) FROM articles").fetchone() == (1, 0)


def test_assignments_are_stored_with_their_stories(con: duckdb.DuckDBPyConnection) -> None:
    ids = load_weeks(con)
    wire, herald, ratified = ids["bridge-wire"], ids["bridge-herald"], ids["bridge-ratified"]
    assert (
        stories.save_story_assignments(con, [(wire, wire, None), (herald, wire, wire)], now=NOW)
        == 1
    )
    [story] = stories.list_stories(con)
    assert story["id"] == wire and story["articles"] == 2
    assert (
        story["headline"]
        == "Russia and North Korea sign deal to open Tumen River road bridge next year"
    )
    stories.save_story_assignments(con, [(ratified, wire, None)], now=NOW)
    [story] = stories.list_stories(con)
    assert story["articles"] == 3
    # A placed article keeps its story (another run placing it again changes nothing).
    stories.save_story_assignments(con, [(herald, herald, None)], now=NOW)
    assert con.execute(
        "SELECT story_id, duplicate_of FROM articles WHERE id = ?", [herald]
    ).fetchone() == (wire, wire)
    assert story["last_seen_at"] == datetime(2026, 11, 18, 10, 15, tzinfo=UTC)
    # The export carries the story and the copy link.
    buf = io.StringIO()
    export.write_export(con, export.ExportFormat.JSONL, buf)
    rows = {r["id"]: r for r in map(json.loads, buf.getvalue().splitlines())}
    assert rows[herald]["story_id"] == wire and rows[herald]["duplicate_of"] == wire
    assert rows[wire]["duplicate_of"] is None
    assert rows[ids["wonsan"]]["story_id"] is None


def test_reading_windows_and_stories(con: duckdb.DuckDBPyConnection) -> None:
    ids = load_weeks(con)
    seeds = load_seed_articles(con)
    week = stories.relevant_articles(con, since=WEEK_A[0], until=WEEK_A[1])
    seen = [r["first_seen_at"] for r in week]
    assert seen == sorted(seen)
    assert ids["offtopic-grain"] not in {r["id"] for r in week}  # irrelevant
    assert len(week) == 10 and not any(r["is_seed"] for r in week)
    stories.save_story_assignments(
        con,
        [
            (ids["bridge-ratified"], ids["bridge-wire"], None),
            (ids["bridge-wire"], ids["bridge-wire"], None),
        ],
        now=NOW,
    )
    found = stories.story_articles(con, [ids["bridge-wire"]])
    assert [r["id"] for r in found] == [ids["bridge-wire"], ids["bridge-ratified"]]
    assert {r["id"] for r in stories.seed_articles(con)} == set(seeds.values())


def test_counts_by_day_use_the_local_day(con: duckdb.DuckDBPyConnection) -> None:
    load_weeks(con)
    utc = digests.relevant_counts_by_day(con, since=WEEK_A[0], until=WEEK_A[1], timezone="UTC")
    assert utc == {
        date(2026, 11, 10): 3,
        date(2026, 11, 12): 3,
        date(2026, 11, 13): 3,
        date(2026, 11, 14): 1,
    }
    # In Los Angeles (UTC-8) 03:20-06:00 UTC on the 13th is still the 12th, and 06:30-07:15 UTC
    # on the 12th still the 11th.
    la = digests.relevant_counts_by_day(
        con, since=WEEK_A[0], until=WEEK_A[1], timezone="America/Los_Angeles"
    )
    assert la == {
        date(2026, 11, 10): 3,
        date(2026, 11, 11): 2,
        date(2026, 11, 12): 4,
        date(2026, 11, 14): 1,
    }


def test_a_window_is_delivered_once_per_channel(con: duckdb.DuckDBPyConnection) -> None:
    stale = NOW - timedelta(minutes=10)
    first = digests.claim_delivery(con, record(), now=NOW, stale_before=stale)
    assert first.digest_id is not None
    # While the first attempt is under way nobody else starts one, not even a forced resend.
    busy = digests.claim_delivery(con, record(forced=True), now=NOW, stale_before=stale)
    assert busy.digest_id is None and busy.blocking and busy.blocking["status"] == "sending"
    digests.finish_delivery(
        con, first.digest_id, status="sent", sent_at=NOW, archive_path="/tmp/x.eml"
    )
    again = digests.claim_delivery(con, record(), now=NOW, stale_before=stale)
    assert again.digest_id is None and again.blocking and again.blocking["id"] == first.digest_id
    # Another channel, or a forced resend, goes ahead.
    assert (
        digests.claim_delivery(con, record(channel="outbox"), now=NOW, stale_before=stale).digest_id
        is not None
    )
    forced = digests.claim_delivery(con, record(forced=True), now=NOW, stale_before=stale)
    assert forced.digest_id is not None
    [row] = [
        r for r in digests.digest_history(con, window_key="2026-W46") if r["id"] == first.digest_id
    ]
    assert row["recipients"] == ["a@example.org", "b@example.org"] and row["sent_at"] == NOW
    assert row["subject"] == "Digest 한국어 Россия" and row["story_ids"] == [1, 4]
    assert len(digests.delivered(con, "2026-W46")) == 1


def test_failed_and_abandoned_attempts_do_not_block_a_rerun(con: duckdb.DuckDBPyConnection) -> None:
    stale = NOW - timedelta(minutes=10)
    failed = digests.claim_delivery(con, record(), now=NOW, stale_before=stale)
    assert failed.digest_id is not None
    digests.finish_delivery(con, failed.digest_id, status="failed", error="SmtpUnavailable: down")
    retry = digests.claim_delivery(con, record(), now=NOW, stale_before=stale)
    assert retry.digest_id is not None
    # A 'sending' row older than the in-flight limit (the process died) does not block either.
    later = NOW + timedelta(hours=1)
    assert (
        digests.claim_delivery(
            con, record(), now=later, stale_before=later - timedelta(minutes=10)
        ).digest_id
        is not None
    )
    statuses = sorted(r["status"] for r in digests.digest_history(con))
    assert statuses == ["failed", "sending", "sending"]
    with pytest.raises(ValueError, match="sent"):
        digests.finish_delivery(con, retry.digest_id, status="sending")


def test_whole_digest_is_archived(con: duckdb.DuckDBPyConnection) -> None:
    claim = digests.claim_delivery(con, record(), now=NOW, stale_before=NOW)
    row = con.execute(
        "SELECT html, text, items, article_ids, new_story_ids FROM digests WHERE id = ?",
        [claim.digest_id],
    ).fetchone()
    assert row is not None
    assert row[0] == "<p>한국어</p>" and row[1] == "한국어" and row[3] == [1, 2, 3, 4]
    assert json.loads(row[2])[0]["headline"] == "Лавров в Пхеньяне" and row[4] == [1]


def test_earlier_digest_stories_name_the_first_digest_that_carried_them(
    con: duckdb.DuckDBPyConnection,
) -> None:
    def sent(key: str, start: datetime, story_ids: tuple[int, ...], status: str = "sent") -> None:
        r = record(key, story_ids=story_ids)
        r = digests.DigestRecord(
            **{**r.__dict__, "window_start": start, "window_end": start + timedelta(days=7)}
        )
        claim = digests.claim_delivery(con, r, now=NOW, stale_before=NOW)
        assert claim.digest_id is not None
        digests.finish_delivery(con, claim.digest_id, status=status, sent_at=NOW)

    sent("2026-W45", datetime(2026, 11, 2, tzinfo=UTC), (1, 2))
    sent("2026-W46", datetime(2026, 11, 9, tzinfo=UTC), (2, 3))
    sent("2026-W44", datetime(2026, 10, 26, tzinfo=UTC), (9,), status="failed")
    sent("2026-W47", datetime(2026, 11, 16, tzinfo=UTC), (4,))
    found = digests.earlier_digest_stories(
        con, before=datetime(2026, 11, 16, tzinfo=UTC), since=datetime(2026, 8, 1, tzinfo=UTC)
    )
    assert found == {1: "2026-W45", 2: "2026-W45", 3: "2026-W46"}
