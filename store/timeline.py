"""The timeline of developments (`timeline`) and the analysts' category overrides.

`timeline` holds one row per story, written by the timeline step from the story's reports and
replaced whenever it is rebuilt; `timeline_overrides` holds the category an analyst chose for a
story and is never touched by a rebuild. Readers see the effective category: the override when
there is one, else the rules' (`rule_category`), with `overridden` saying which.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

from store.db import insert_rows, transaction
from store.stories import REPORTED

_COLUMNS: tuple[tuple[str, str], ...] = (
    ("story_id", "BIGINT"),
    ("headline", "VARCHAR"),
    ("gist", "VARCHAR"),
    ("first_article_id", "BIGINT"),
    ("first_title", "VARCHAR"),
    ("first_url", "VARCHAR"),
    ("first_outlet", "VARCHAR"),
    ("first_language", "VARCHAR"),
    ("first_reported_at", "TIMESTAMPTZ"),
    ("last_reported_at", "TIMESTAMPTZ"),
    ("reports", "INTEGER"),
    ("outlets", "VARCHAR[]"),
    ("languages", "VARCHAR[]"),
    ("actors", "VARCHAR[]"),
    ("places", "VARCHAR[]"),
    ("rule_category", "VARCHAR"),
    ("rule_reason", "VARCHAR"),
    ("report_gists", "JSON"),
    ("rules_version", "VARCHAR"),
    ("updated_at", "TIMESTAMPTZ"),
)
COLUMN_NAMES = tuple(name for name, _ in _COLUMNS)


def _records(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def story_reports(
    con: duckdb.DuckDBPyConnection, story_ids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """Every relevant article that has a story (seeds excluded), of these stories or all, by
    story, oldest report first."""
    cur = con.execute(
        f"""
        SELECT id, url, canonical_url, source, site_name, title, text, summary, language,
               published_at, first_seen_at, story_id, duplicate_of
        FROM articles
        WHERE relevant AND NOT is_seed AND story_id IS NOT NULL
          AND (?::BIGINT[] IS NULL OR list_contains(?::BIGINT[], story_id))
        ORDER BY story_id, {REPORTED}, id
        """,
        [story_ids, story_ids],
    )
    return _records(cur)


def stale_stories(con: duckdb.DuckDBPyConnection, rules_version: str) -> list[int]:
    """Stories whose timeline entry is missing, decided by other rules, or older than a change
    to the story (a report added, or one no longer relevant)."""
    rows = con.execute(
        """
        WITH current AS (
            SELECT story_id, count(*) AS reports FROM articles
            WHERE relevant AND NOT is_seed AND story_id IS NOT NULL GROUP BY story_id)
        SELECT c.story_id FROM current c
        LEFT JOIN timeline t ON t.story_id = c.story_id
        LEFT JOIN stories s ON s.id = c.story_id
        WHERE t.story_id IS NULL OR t.rules_version <> ? OR t.reports <> c.reports
           OR s.updated_at > t.updated_at
        ORDER BY c.story_id
        """,
        [rules_version],
    ).fetchall()
    return [int(story_id) for (story_id,) in rows]


def save_timeline(
    con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]], *, now: datetime
) -> int:
    """Write the given entries (dicts keyed by column; `updated_at` set to `now`), replacing the
    stored ones of the same stories, and drop entries whose story no longer has a report."""
    values = [[*(row[name] for name in COLUMN_NAMES[:-1]), now] for row in rows]
    updates = ", ".join(f"{name} = excluded.{name}" for name in COLUMN_NAMES[1:])
    with transaction(con):
        insert_rows(
            con,
            "timeline",
            _COLUMNS,
            values,
            on_conflict=f"ON CONFLICT (story_id) DO UPDATE SET {updates}",
        )
        con.execute(
            """
            DELETE FROM timeline WHERE story_id NOT IN (
                SELECT DISTINCT story_id FROM articles
                WHERE relevant AND NOT is_seed AND story_id IS NOT NULL)
            """
        )
    return len(values)


def set_override(
    con: duckdb.DuckDBPyConnection, story_id: int, category: str | None, *, now: datetime
) -> bool:
    """Keep an analyst's category for a story (None: back to the rules). False when the timeline
    has no such story."""
    with transaction(con):
        known = con.execute("SELECT 1 FROM timeline WHERE story_id = ?", [story_id]).fetchone()
        if known is None:
            return False
        con.execute("DELETE FROM timeline_overrides WHERE story_id = ?", [story_id])
        if category is not None:
            con.execute(
                "INSERT INTO timeline_overrides (story_id, category, set_at) VALUES (?, ?, ?)",
                [story_id, category, now],
            )
    return True


def timeline(
    con: duckdb.DuckDBPyConnection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """The timeline, oldest first: entries first reported in [since, until), of one (effective)
    category or all, each with `category` and `overridden`."""
    cur = con.execute(
        f"""
        SELECT * FROM (
            SELECT {", ".join(f"t.{name}" for name in COLUMN_NAMES)},
                   coalesce(o.category, t.rule_category) AS category,
                   o.category IS NOT NULL AS overridden
            FROM timeline t LEFT JOIN timeline_overrides o USING (story_id))
        WHERE (?::TIMESTAMPTZ IS NULL OR first_reported_at >= ?::TIMESTAMPTZ)
          AND (?::TIMESTAMPTZ IS NULL OR first_reported_at < ?::TIMESTAMPTZ)
          AND (?::VARCHAR IS NULL OR category = ?::VARCHAR)
        ORDER BY first_reported_at, story_id
        """,
        [since, since, until, until, category, category],
    )
    rows = _records(cur)
    for row in rows:
        gists = json.loads(row["report_gists"]) if row["report_gists"] else {}
        row["report_gists"] = {int(k): v for k, v in gists.items()}
    return rows
