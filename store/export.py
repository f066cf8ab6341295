"""Export articles as JSON Lines, CSV or Parquet, one record per article.

Dates are ISO 8601 strings (or null) in JSONL and CSV; lists are JSON arrays in CSV. Windows
(`since` inclusive, `until` exclusive) apply to the publication time, or to the first-seen time of
articles without one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import duckdb

EXPORT_COLUMNS = (
    "id",
    "url",
    "canonical_url",
    "feed_url",
    "source",
    "title",
    "author",
    "published_at",
    "first_seen_at",
    "fetched_at",
    "language",
    "site_name",
    "text",
    "summary",
    "is_seed",
    "relevant",
    "relevance_score",
    "relevance_terms",
    "relevance_reason",
    "extraction_status",
    "extraction_reason",
    "story_id",
    "duplicate_of",
)


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


_WINDOW = """
    WHERE (?::TIMESTAMPTZ IS NULL OR coalesce(published_at, first_seen_at) >= ?::TIMESTAMPTZ)
      AND (?::TIMESTAMPTZ IS NULL OR coalesce(published_at, first_seen_at) < ?::TIMESTAMPTZ)
      AND (NOT ? OR relevant)
"""
_ORDER = "ORDER BY coalesce(published_at, first_seen_at), id"


def _query(
    *, since: datetime | None, until: datetime | None, relevant_only: bool
) -> tuple[str, list[Any]]:
    sql = f"SELECT {', '.join(EXPORT_COLUMNS)} FROM articles {_WINDOW} {_ORDER}"
    return sql, [since, since, until, until, relevant_only]


def iter_export_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    relevant_only: bool = False,
    batch: int = 1000,
) -> Iterator[dict[str, Any]]:
    """The export's records in order, `batch` articles at a time.

    The order is taken first as ids alone (8 bytes an article); then each run of `batch` ids is
    read with its texts. One query sorting the whole records held every text at once: at a
    million articles it ran out of memory.
    """
    ids = [
        int(row[0])
        for row in con.execute(
            f"SELECT id FROM articles {_WINDOW} {_ORDER}",
            [since, since, until, until, relevant_only],
        ).fetchall()
    ]
    select = f"SELECT {', '.join(EXPORT_COLUMNS)} FROM articles WHERE list_contains(?, id)"
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        cur = con.execute(select, [chunk])
        names = [d[0] for d in cur.description]
        by_id = {row[0]: row for row in cur.fetchall()}
        for article_id in chunk:
            record = dict(zip(names, by_id[article_id], strict=True))
            record["relevant"] = bool(record["relevant"])
            record["relevance_terms"] = list(record["relevance_terms"] or [])
            yield record


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def write_export(
    con: duckdb.DuckDBPyConnection,
    fmt: ExportFormat,
    out: IO[str] | Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    relevant_only: bool = False,
) -> int:
    """Write the export to a text stream (jsonl, csv) or a file path (any format); return the count."""
    if fmt is ExportFormat.PARQUET:
        if not isinstance(out, Path):
            raise ValueError("parquet needs an output file (--output PATH)")
        sql, params = _query(since=since, until=until, relevant_only=relevant_only)
        target = str(out).replace("'", "''")
        con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)", params)
        row = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()
        return int(row[0]) if row else 0
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as handle:
            return write_export(
                con, fmt, handle, since=since, until=until, relevant_only=relevant_only
            )
    rows = iter_export_rows(con, since=since, until=until, relevant_only=relevant_only)
    count = 0
    if fmt is ExportFormat.JSONL:
        for record in rows:
            out.write(json.dumps({k: _jsonable(v) for k, v in record.items()}, ensure_ascii=False))
            out.write("\n")
            count += 1
        return count
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_COLUMNS))
    writer.writeheader()
    for record in rows:
        record["relevance_terms"] = json.dumps(record["relevance_terms"], ensure_ascii=False)
        writer.writerow({k: _jsonable(v) for k, v in record.items()})
        count += 1
    return count
