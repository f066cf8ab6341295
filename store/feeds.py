"""Feeds and their polling state; the fetch log.

The feed list file is synced into `feeds` at each poll (new feeds added, changed names updated,
feeds that left the file deactivated); feeds added by hand (`origin = 'manual'`) stay until removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import duckdb

from extract.models import FeedPollResult, FeedSource, FeedSpec, PollStatus
from store.db import insert_rows, transaction

MANUAL = "manual"


def sync_feed_list(con: duckdb.DuckDBPyConnection, specs: Sequence[FeedSpec], origin: str) -> int:
    """Make the feeds of `origin` match `specs` in one upsert; return how many feeds are new.

    A URL listed twice counts once, its later non-empty fields winning (as row-by-row upserts
    would have left it).
    """
    merged: dict[str, FeedSpec] = {}
    for spec in specs:
        before_spec = merged.get(spec.url)
        merged[spec.url] = spec if before_spec is None else _overlay(before_spec, spec)
    before = {r[0] for r in con.execute("SELECT url FROM feeds").fetchall()}
    with transaction(con):
        insert_rows(
            con,
            "feeds",
            [("url", "VARCHAR"), ("title", "VARCHAR"), ("source", "VARCHAR"),
             ("language", "VARCHAR"), ("topic", "VARCHAR"), ("origin", "VARCHAR")],
            [[s.url, s.title, s.source, s.language, s.topic, origin] for s in merged.values()],
            on_conflict="""ON CONFLICT (url) DO UPDATE SET
                title = coalesce(excluded.title, feeds.title),
                source = coalesce(excluded.source, feeds.source),
                language = coalesce(excluded.language, feeds.language),
                topic = coalesce(excluded.topic, feeds.topic),
                active = TRUE""",
        )  # fmt: skip
        con.execute(
            "UPDATE feeds SET active = FALSE WHERE origin = ? AND NOT list_contains(?, url)",
            [origin, list(merged)],
        )
    return len(set(merged) - before)


def _overlay(first: FeedSpec, then: FeedSpec) -> FeedSpec:
    return replace(
        first,
        title=then.title if then.title is not None else first.title,
        source=then.source if then.source is not None else first.source,
        language=then.language if then.language is not None else first.language,
        topic=then.topic if then.topic is not None else first.topic,
    )


def add_feed(con: duckdb.DuckDBPyConnection, spec: FeedSpec) -> bool:
    """Add (or re-activate) a feed by hand; True when it was not known before."""
    known = con.execute("SELECT 1 FROM feeds WHERE url = ?", [spec.url]).fetchone() is not None
    con.execute(
        """
        INSERT INTO feeds (url, title, source, language, topic, origin, active)
        VALUES (?, ?, ?, ?, ?, ?, TRUE)
        ON CONFLICT (url) DO UPDATE SET active = TRUE, origin = excluded.origin,
            title = coalesce(excluded.title, feeds.title),
            source = coalesce(excluded.source, feeds.source)
        """,
        [spec.url, spec.title, spec.source, spec.language, spec.topic, MANUAL],
    )
    return not known


def remove_feed(con: duckdb.DuckDBPyConnection, url: str) -> bool:
    """Deactivate a feed (its articles stay); True when it existed."""
    row = con.execute(
        "UPDATE feeds SET active = FALSE WHERE url = ? RETURNING url", [url]
    ).fetchone()
    return row is not None


_FEED_COLUMNS = (
    "url, title, source, language, topic, origin, active, error_count, last_status, "
    "last_http_status, last_error, last_error_at, last_warning, failing_since, last_polled_at, "
    "last_success_at, next_poll_at"
)


def list_feeds(
    con: duckdb.DuckDBPyConnection, *, active_only: bool = False
) -> list[dict[str, Any]]:
    sql = f"SELECT {_FEED_COLUMNS} FROM feeds"
    if active_only:
        sql += " WHERE active"
    sql += " ORDER BY source NULLS LAST, url"
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def load_poll_targets(
    con: duckdb.DuckDBPyConnection, *, origins: Iterable[str]
) -> list[FeedSource]:
    """Active feeds of the given origins, with their polling state."""
    sql = """
        SELECT url, title, source, language, etag, last_modified, error_count, last_polled_at,
               last_unconditional_at, next_poll_at
        FROM feeds WHERE active AND list_contains(?, origin)
    """
    params: list[Any] = [list(origins)]
    rows = con.execute(sql + " ORDER BY url", params).fetchall()
    return [
        FeedSource(
            url=r[0],
            title=r[1],
            source=r[2],
            language=r[3],
            etag=r[4],
            last_modified=r[5],
            error_count=r[6],
            last_polled_at=r[7],
            last_unconditional_at=r[8],
            next_poll_at=r[9],
        )
        for r in rows
    ]


_ERROR = (PollStatus.SOFT_ERROR.value, PollStatus.HARD_ERROR.value)


_POLL_COLUMNS = [
    ("url", "VARCHAR"),
    ("title", "VARCHAR"),
    ("failed", "BOOLEAN"),
    ("not_modified", "BOOLEAN"),
    ("etag", "VARCHAR"),
    ("last_modified", "VARCHAR"),
    ("status", "VARCHAR"),
    ("http_status", "INTEGER"),
    ("error", "VARCHAR"),
    ("warning", "VARCHAR"),
    ("polled_at", "TIMESTAMPTZ"),
    ("unconditional", "BOOLEAN"),
    ("next_poll_at", "TIMESTAMPTZ"),
]
_LOG_COLUMNS = [
    ("run_id", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("url", "VARCHAR"),
    ("feed_url", "VARCHAR"),
    ("status", "VARCHAR"),
    ("http_status", "INTEGER"),
    ("error", "VARCHAR"),
    ("warning", "VARCHAR"),
    ("elapsed_ms", "DOUBLE"),
    ("entries", "INTEGER"),
    ("logged_at", "TIMESTAMPTZ"),
]


def record_poll_results(
    con: duckdb.DuckDBPyConnection,
    results: Sequence[FeedPollResult],
    next_poll: dict[str, datetime],
    *,
    run_id: str | None,
    now: datetime,
) -> None:
    """Store each feed's new polling state and a fetch-log row; error counters reset on success.

    Two statements for the whole poll (one UPDATE over the results unnested, one INSERT), not two
    per feed. A feed that appears twice in `results` keeps its last result.
    """
    polled = {r.feed_url: r for r in results if r.status != PollStatus.SKIPPED}
    if not polled:
        return
    rows = []
    for r in polled.values():
        failed = r.status.value in _ERROR
        rows.append(
            [
                r.feed_url,
                r.feed_title,
                failed,
                r.status == PollStatus.NOT_MODIFIED,
                r.etag,
                r.last_modified,
                r.status.value,
                r.http_status,
                r.error,
                r.warning,
                r.polled_at or now,
                r.unconditional and not failed,
                next_poll.get(r.feed_url),
            ]
        )
    names = ", ".join(f"unnest(?::{t}[]) AS {n}" for n, t in _POLL_COLUMNS)
    with transaction(con):
        con.execute(
            f"""
            UPDATE feeds SET
                title = coalesce(feeds.title, p.title),
                -- a 200 replaces the validators (even with none); a 304 keeps them
                etag = CASE WHEN p.failed THEN feeds.etag
                            WHEN p.not_modified THEN coalesce(p.etag, feeds.etag) ELSE p.etag END,
                last_modified = CASE WHEN p.failed THEN feeds.last_modified
                                     WHEN p.not_modified
                                         THEN coalesce(p.last_modified, feeds.last_modified)
                                     ELSE p.last_modified END,
                error_count = CASE WHEN p.failed THEN feeds.error_count + 1 ELSE 0 END,
                last_status = p.status,
                last_http_status = p.http_status,
                last_error = CASE WHEN p.failed THEN p.error ELSE feeds.last_error END,
                last_error_at = CASE WHEN p.failed THEN p.polled_at ELSE feeds.last_error_at END,
                last_warning = p.warning,
                failing_since = CASE WHEN p.failed
                                     THEN coalesce(feeds.failing_since, p.polled_at) END,
                last_polled_at = p.polled_at,
                last_success_at = CASE WHEN p.failed THEN feeds.last_success_at
                                       ELSE p.polled_at END,
                last_unconditional_at = CASE WHEN p.unconditional THEN p.polled_at
                                             ELSE feeds.last_unconditional_at END,
                next_poll_at = p.next_poll_at
            FROM (SELECT {names}) AS p
            WHERE feeds.url = p.url
            """,
            [list(column) for column in zip(*rows, strict=True)],
        )
        insert_rows(
            con,
            "fetch_log",
            _LOG_COLUMNS,
            [
                [run_id, "feed", r.final_url or r.feed_url, r.feed_url, r.status.value,
                 r.http_status, r.error, r.warning, r.elapsed_ms, len(r.entries),
                 r.polled_at or now]
                for r in polled.values()
            ],
        )  # fmt: skip


def failing_feeds(con: duckdb.DuckDBPyConnection, *, min_errors: int = 1) -> list[dict[str, Any]]:
    """Active feeds failing for at least `min_errors` polls in a row, longest failing first."""
    cur = con.execute(
        """
        SELECT url, source, error_count, failing_since, last_error, last_http_status,
               last_success_at
        FROM feeds WHERE active AND error_count >= ?
        ORDER BY failing_since NULLS LAST, url
        """,
        [min_errors],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def feed_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(active feeds, of them never polled)."""
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE last_polled_at IS NULL) FROM feeds WHERE active"
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)
