"""Backfills: their checkpoints (`backfill_jobs`) and the batches of stored articles they rework.

A backfill request (mode, window, feeds) is one job, keyed by `job_key`. Starting a job that is
`running` (its last run was killed or failed) resumes it: the article modes carry on after
`last_article_id`, discovery skips the feeds in `feeds_done`. Starting a job that is `done` starts
it over (the operator asked for it again). Articles are taken in id order, in batches, so the
checkpoint is one number; every write a backfill makes is an upsert or an update by key, so redoing
the batch a killed run was in the middle of changes nothing twice.

    with connect(path) as con:
        job = start_job(con, request_key, ..., now=now)
        rows = article_batch(con, job, after_id=job.last_article_id, limit=100)
        ...
        advance_job(con, job.key, last_article_id=rows[-1]["id"], processed=len(rows), now=now)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from extract.models import FeedEntry
from store.articles import decompress_html
from store.db import transaction
from store.entries import ENTRY_SELECT, entry_from_row


@dataclass(frozen=True)
class BackfillJob:
    key: str
    mode: str
    window_start: datetime
    window_end: datetime
    feed_urls: tuple[str, ...] | None
    status: str
    last_article_id: int | None
    feeds_done: tuple[str, ...]
    processed: int
    changed: int
    failed: int
    runs: int
    resumed: bool  # this start picked up an unfinished job


_JOB_COLUMNS = (
    "job_key, mode, window_start, window_end, feed_urls, status, last_article_id, feeds_done, "
    "processed, changed, failed, runs"
)


def _job(row: Sequence[Any], *, resumed: bool) -> BackfillJob:
    return BackfillJob(
        key=row[0],
        mode=row[1],
        window_start=row[2],
        window_end=row[3],
        feed_urls=tuple(row[4]) if row[4] is not None else None,
        status=row[5],
        last_article_id=row[6],
        feeds_done=tuple(row[7] or ()),
        processed=row[8],
        changed=row[9],
        failed=row[10],
        runs=row[11],
        resumed=resumed,
    )


def read_job(con: duckdb.DuckDBPyConnection, key: str) -> BackfillJob | None:
    row = con.execute(
        f"SELECT {_JOB_COLUMNS} FROM backfill_jobs WHERE job_key = ?", [key]
    ).fetchone()
    return _job(row, resumed=False) if row else None


def start_job(
    con: duckdb.DuckDBPyConnection,
    key: str,
    *,
    mode: str,
    window_start: datetime,
    window_end: datetime,
    feed_urls: Sequence[str] | None,
    run_id: str | None,
    now: datetime,
) -> BackfillJob:
    """Resume the unfinished job `key`, or (re)start it from the beginning."""
    with transaction(con):
        row = con.execute("SELECT status FROM backfill_jobs WHERE job_key = ?", [key]).fetchone()
        resumed = row is not None and row[0] == "running"
        if resumed:
            con.execute(
                """
                UPDATE backfill_jobs SET runs = runs + 1, last_run_id = ?, updated_at = ?
                WHERE job_key = ?
                """,
                [run_id, now, key],
            )
        else:
            con.execute(
                """
                INSERT INTO backfill_jobs (job_key, mode, window_start, window_end, feed_urls,
                    status, last_article_id, feeds_done, processed, changed, failed, runs,
                    last_run_id, started_at, updated_at, finished_at)
                VALUES (?, ?, ?, ?, ?, 'running', NULL, [], 0, 0, 0, 1, ?, ?, ?, NULL)
                ON CONFLICT (job_key) DO UPDATE SET
                    status = 'running', last_article_id = NULL, feeds_done = [], processed = 0,
                    changed = 0, failed = 0, runs = 1, last_run_id = excluded.last_run_id,
                    started_at = excluded.started_at, updated_at = excluded.updated_at,
                    finished_at = NULL
                """,
                [
                    key,
                    mode,
                    window_start,
                    window_end,
                    list(feed_urls) if feed_urls is not None else None,
                    run_id,
                    now,
                    now,
                ],
            )
        job_row = con.execute(
            f"SELECT {_JOB_COLUMNS} FROM backfill_jobs WHERE job_key = ?", [key]
        ).fetchone()
    assert job_row is not None
    return _job(job_row, resumed=resumed)


def advance_job(
    con: duckdb.DuckDBPyConnection,
    key: str,
    *,
    last_article_id: int | None = None,
    feed_done: str | None = None,
    processed: int = 0,
    changed: int = 0,
    failed: int = 0,
    now: datetime,
) -> None:
    """Record one finished batch (articles up to `last_article_id`) or feed (`feed_done`)."""
    con.execute(
        """
        UPDATE backfill_jobs SET
            last_article_id = coalesce(?, last_article_id),
            feeds_done = CASE WHEN ? IS NULL OR list_contains(feeds_done, ?) THEN feeds_done
                              ELSE list_append(feeds_done, ?) END,
            processed = processed + ?, changed = changed + ?, failed = failed + ?,
            updated_at = ?
        WHERE job_key = ?
        """,
        [last_article_id, feed_done, feed_done, feed_done, processed, changed, failed, now, key],
    )


def finish_job(con: duckdb.DuckDBPyConnection, key: str, *, now: datetime) -> None:
    con.execute(
        """
        UPDATE backfill_jobs SET status = 'done', finished_at = ?, updated_at = ?
        WHERE job_key = ?
        """,
        [now, now, key],
    )


# --- the articles a backfill reworks ---------------------------------------------------------

_IN_WINDOW = """
    NOT a.is_seed
    AND coalesce(a.published_at, a.first_seen_at) >= ?
    AND coalesce(a.published_at, a.first_seen_at) < ?
    AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], a.feed_url))
"""


def _window_params(job: BackfillJob) -> list[Any]:
    feeds = list(job.feed_urls) if job.feed_urls is not None else None
    return [job.window_start, job.window_end, feeds, feeds]


def count_window_articles(
    con: duckdb.DuckDBPyConnection, job: BackfillJob, *, after_id: int | None = None
) -> int:
    """Articles of the job's window and feeds (seeds excluded), after `after_id` if given."""
    row = con.execute(
        f"SELECT count(*) FROM articles a WHERE {_IN_WINDOW} AND a.id > ?",
        [*_window_params(job), after_id if after_id is not None else -1],
    ).fetchone()
    assert row is not None
    return int(row[0])


def article_batch(
    con: duckdb.DuckDBPyConnection,
    job: BackfillJob,
    *,
    after_id: int | None,
    limit: int,
    with_html: bool = False,
) -> list[dict[str, Any]]:
    """The next `limit` articles of the window after `after_id`, in id order.

    Each row: the article's stored values, `entry` (a `FeedEntry` it came from, rebuilt from
    `entries`, or None), and with `with_html` its kept page as `html` (bytes or None),
    `content_type` and `final_url`.
    """
    html_columns = (
        ", h.compression, h.html, h.content_type AS page_content_type, h.final_url AS page_final_url"
        if with_html
        else ""
    )
    html_join = "LEFT JOIN article_html h ON h.article_id = a.id" if with_html else ""
    cur = con.execute(
        f"""
        SELECT a.id, a.canonical_url, a.url, a.feed_url, a.source, a.title, a.author, a.summary,
               a.text, a.language, a.published_at, a.first_seen_at, a.extraction_status,
               a.relevant, a.relevance_score, a.relevance_terms{html_columns}
        FROM articles a {html_join}
        WHERE {_IN_WINDOW} AND a.id > ?
        ORDER BY a.id
        LIMIT ?
        """,
        [*_window_params(job), after_id if after_id is not None else -1, limit],
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    entries = _entries_of(con, [int(r["id"]) for r in rows])
    for row in rows:
        row["entry"] = entries.get(int(row["id"]))
        if with_html:
            blob, compression = row.pop("html"), row.pop("compression")
            row["html"] = decompress_html(blob, compression) if blob is not None else None
            row["content_type"] = row.pop("page_content_type")
            row["final_url"] = row.pop("page_final_url")
    return rows


def _entries_of(con: duckdb.DuckDBPyConnection, article_ids: Sequence[int]) -> dict[int, FeedEntry]:
    """One feed entry per article (the first seen), rebuilt as the poller made it."""
    if not article_ids:
        return {}
    rows = con.execute(
        f"""
        SELECT article_id, {ENTRY_SELECT}
        FROM entries
        WHERE list_contains(?, article_id)
        QUALIFY row_number() OVER (PARTITION BY article_id ORDER BY first_seen_at, entry_key) = 1
        """,
        [list(article_ids)],
    ).fetchall()
    return {int(r[0]): entry_from_row(r[1:]) for r in rows}


def feeds_for_backfill(
    con: duckdb.DuckDBPyConnection, feed_urls: Sequence[str] | None
) -> list[dict[str, Any]]:
    """url, source, topic of the active feeds (or exactly `feed_urls`, active or not), by url."""
    if feed_urls is None:
        cur = con.execute("SELECT url, source, topic FROM feeds WHERE active ORDER BY url")
    else:
        cur = con.execute(
            "SELECT url, source, topic FROM feeds WHERE list_contains(?, url) ORDER BY url",
            [list(feed_urls)],
        )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def known_identities(con: duckdb.DuckDBPyConnection, identities: Sequence[str]) -> set[str]:
    """Those of `identities` some stored entry already has (read only: what a dry run asks)."""
    if not identities:
        return set()
    rows = con.execute(
        "SELECT identity FROM entry_identities WHERE list_contains(?, identity)",
        [sorted(set(identities))],
    ).fetchall()
    return {r[0] for r in rows}
