"""The digest archive, and the counts a digest shows as context.

Every delivery attempt is a row of `digests`, holding the whole message (HTML and text), its
window, stories, articles and recipients. A window counts as delivered on a channel ('smtp' or
'outbox') once a row for it is 'sent'; `claim_delivery` checks that and records the new attempt in
one transaction, so two runs for the same window cannot both go ahead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from store.db import transaction
from store.stories import REPORTED

SENDING, SENT, FAILED = "sending", "sent", "failed"


@dataclass(frozen=True)
class DigestRecord:
    window_key: str
    window_start: datetime
    window_end: datetime
    timezone: str
    channel: str
    message_id: str
    subject: str
    sender: str
    recipients: Sequence[str]
    story_ids: Sequence[int]
    new_story_ids: Sequence[int]
    article_ids: Sequence[int]
    items: Sequence[dict[str, Any]]
    html: str
    text: str
    forced: bool = False


@dataclass(frozen=True)
class Claim:
    """The outcome of `claim_delivery`: a new attempt's id, or the row that stands in the way."""

    digest_id: int | None
    blocking: dict[str, Any] | None = None


def _records(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


_SUMMARY_COLUMNS = (
    "id, window_key, window_start, window_end, timezone, channel, status, message_id, subject, "
    "recipients, story_ids, new_story_ids, archive_path, forced, error, created_at, sent_at"
)


def claim_delivery(
    con: duckdb.DuckDBPyConnection,
    record: DigestRecord,
    *,
    now: datetime,
    stale_before: datetime,
) -> Claim:
    """Record a new delivery attempt ('sending') unless the window is already delivered on the
    channel (and `record.forced` is false) or another attempt started after `stale_before` is still
    under way."""
    with transaction(con):
        rows = _records(
            con.execute(
                f"""
                SELECT {_SUMMARY_COLUMNS} FROM digests
                WHERE window_key = ? AND channel = ?
                  AND (status = ? OR (status = ? AND created_at >= ?))
                ORDER BY (status = ?) DESC, created_at DESC
                """,
                [record.window_key, record.channel, SENT, SENDING, stale_before, SENDING],
            )
        )
        in_flight = [r for r in rows if r["status"] == SENDING]
        sent = [r for r in rows if r["status"] == SENT]
        if in_flight:
            return Claim(None, in_flight[0])
        if sent and not record.forced:
            return Claim(None, sent[0])
        row = con.execute(
            """
            INSERT INTO digests (window_key, window_start, window_end, timezone, channel, status,
                                 message_id, subject, sender, recipients, story_ids, new_story_ids,
                                 article_ids, items, html, text, forced, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING id
            """,
            [
                record.window_key,
                record.window_start,
                record.window_end,
                record.timezone,
                record.channel,
                SENDING,
                record.message_id,
                record.subject,
                record.sender,
                list(record.recipients),
                list(record.story_ids),
                list(record.new_story_ids),
                list(record.article_ids),
                json.dumps(list(record.items), ensure_ascii=False),
                record.html,
                record.text,
                record.forced,
                now,
            ],
        ).fetchone()
    assert row is not None
    return Claim(int(row[0]))


def finish_delivery(
    con: duckdb.DuckDBPyConnection,
    digest_id: int,
    *,
    status: str,
    sent_at: datetime | None = None,
    error: str | None = None,
    archive_path: str | None = None,
) -> None:
    """Mark an attempt 'sent' (with its time) or 'failed' (with the error)."""
    if status not in (SENT, FAILED):
        raise ValueError(f"a delivery ends as {SENT!r} or {FAILED!r}, not {status!r}")
    con.execute(
        "UPDATE digests SET status = ?, sent_at = ?, error = ?, archive_path = ? WHERE id = ?",
        [status, sent_at, error, archive_path, digest_id],
    )


def delivered(
    con: duckdb.DuckDBPyConnection, window_key: str, *, channel: str | None = None
) -> list[dict[str, Any]]:
    """Sent digests of a window (on one channel, or any), newest first."""
    cur = con.execute(
        f"""
        SELECT {_SUMMARY_COLUMNS} FROM digests
        WHERE window_key = ? AND status = ? AND (?::VARCHAR IS NULL OR channel = ?::VARCHAR)
        ORDER BY sent_at DESC, id DESC
        """,
        [window_key, SENT, channel, channel],
    )
    return _records(cur)


def digest_history(
    con: duckdb.DuckDBPyConnection, *, window_key: str | None = None
) -> list[dict[str, Any]]:
    """Every attempt (all windows, or one), newest first, without the message bodies."""
    cur = con.execute(
        f"""
        SELECT {_SUMMARY_COLUMNS} FROM digests
        WHERE ?::VARCHAR IS NULL OR window_key = ?::VARCHAR
        ORDER BY created_at DESC, id DESC
        """,
        [window_key, window_key],
    )
    return _records(cur)


def earlier_digest_stories(
    con: duckdb.DuckDBPyConnection, *, before: datetime, since: datetime
) -> dict[int, str]:
    """Story id -> key of the first sent digest that carried it, for digests of windows that
    ended by `before` and started at or after `since`."""
    rows = con.execute(
        """
        SELECT story_id, arg_min(window_key, window_start) AS window_key
        FROM (SELECT unnest(story_ids) AS story_id, window_key, window_start FROM digests
              WHERE status = ? AND window_end <= ? AND window_start >= ?)
        GROUP BY story_id
        """,
        [SENT, before, since],
    ).fetchall()
    return {int(story): str(key) for story, key in rows}


def relevant_counts_by_day(
    con: duckdb.DuckDBPyConnection,
    *,
    since: datetime,
    until: datetime,
    timezone: str,
    by_published: bool = False,
) -> dict[date, int]:
    """Relevant articles (seeds excluded) first seen (or, `by_published`, published) per local
    day of `timezone` in [since, until)."""
    moment = REPORTED if by_published else "first_seen_at"
    rows = con.execute(
        f"""
        SELECT CAST(timezone(?, {moment}) AS DATE) AS day, count(*)
        FROM articles
        WHERE relevant AND NOT is_seed AND {moment} >= ? AND {moment} < ?
        GROUP BY day
        """,
        [timezone, since, until],
    ).fetchall()
    return {day: int(count) for day, count in rows}
