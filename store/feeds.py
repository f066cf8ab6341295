"""Feeds and their polling state; the fetch log.

The feed list file is synced into `feeds` at each poll (new feeds added, changed names updated,
feeds that left the file deactivated); feeds added by hand (`origin = 'manual'`) stay until removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import duckdb

from extract.models import FeedPollResult, FeedSource, FeedSpec, PollStatus
from store.db import transaction

MANUAL = "manual"


def sync_feed_list(con: duckdb.DuckDBPyConnection, specs: Sequence[FeedSpec], origin: str) -> int:
    """Make the feeds of `origin` match `specs`; return how many feeds are new."""
    before = {r[0] for r in con.execute("SELECT url FROM feeds").fetchall()}
    with transaction(con):
        for spec in specs:
            con.execute(
                """
                INSERT INTO feeds (url, title, source, language, topic, origin, active)
                VALUES (?, ?, ?, ?, ?, ?, TRUE)
                ON CONFLICT (url) DO UPDATE SET
                    title = coalesce(excluded.title, feeds.title),
                    source = coalesce(excluded.source, feeds.source),
                    language = coalesce(excluded.language, feeds.language),
                    topic = coalesce(excluded.topic, feeds.topic),
                    active = TRUE
                """,
                [spec.url, spec.title, spec.source, spec.language, spec.topic, origin],
            )
        listed = [spec.url for spec in specs]
        con.execute(
            "UPDATE feeds SET active = FALSE WHERE origin = ? AND NOT list_contains(?, url)",
            [origin, listed],
        )
    return len({s.url for s in specs} - before)


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


def record_poll_results(
    con: duckdb.DuckDBPyConnection,
    results: Sequence[FeedPollResult],
    next_poll: dict[str, datetime],
    *,
    run_id: str | None,
    now: datetime,
) -> None:
    """Store each feed's new polling state and a fetch-log row; error counters reset on success."""
    with transaction(con):
        for r in results:
            if r.status == PollStatus.SKIPPED:
                continue
            polled_at = r.polled_at or now
            failed = r.status.value in _ERROR
            con.execute(
                """
                UPDATE feeds SET
                    title = coalesce(title, $title),
                    -- a 200 replaces the validators (even with none); a 304 keeps them
                    etag = CASE WHEN $failed THEN etag
                                WHEN $not_modified THEN coalesce($etag, etag) ELSE $etag END,
                    last_modified = CASE WHEN $failed THEN last_modified
                                         WHEN $not_modified THEN coalesce($last_modified, last_modified)
                                         ELSE $last_modified END,
                    error_count = CASE WHEN $failed THEN error_count + 1 ELSE 0 END,
                    last_status = $status,
                    last_http_status = $http_status,
                    last_error = CASE WHEN $failed THEN $error ELSE last_error END,
                    last_error_at = CASE WHEN $failed THEN $polled_at ELSE last_error_at END,
                    last_warning = $warning,
                    failing_since = CASE WHEN $failed THEN coalesce(failing_since, $polled_at) END,
                    last_polled_at = $polled_at,
                    last_success_at = CASE WHEN $failed THEN last_success_at ELSE $polled_at END,
                    last_unconditional_at = CASE WHEN $unconditional THEN $polled_at
                                                 ELSE last_unconditional_at END,
                    next_poll_at = $next_poll_at
                WHERE url = $url
                """,
                {
                    "title": r.feed_title,
                    "failed": failed,
                    "not_modified": r.status == PollStatus.NOT_MODIFIED,
                    "etag": r.etag,
                    "last_modified": r.last_modified,
                    "status": r.status.value,
                    "http_status": r.http_status,
                    "error": r.error,
                    "warning": r.warning,
                    "polled_at": polled_at,
                    "unconditional": r.unconditional and not failed,
                    "next_poll_at": next_poll.get(r.feed_url),
                    "url": r.feed_url,
                },
            )
            con.execute(
                """
                INSERT INTO fetch_log (run_id, kind, url, feed_url, status, http_status, error,
                                       warning, elapsed_ms, entries, logged_at)
                VALUES (?, 'feed', ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    run_id,
                    r.final_url or r.feed_url,
                    r.feed_url,
                    r.status.value,
                    r.http_status,
                    r.error,
                    r.warning,
                    r.elapsed_ms,
                    len(r.entries),
                    polled_at,
                ],
            )


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
