"""Search stored articles by words and phrases, newest first.

No full-text extension is available offline, so matching is a case-insensitive substring test of
every term against title, summary and text (terms in quotes are phrases). Titles matching rank no
higher than text matches: results are newest first, as analysts asked.
"""

from __future__ import annotations

import shlex
from datetime import datetime
from typing import Any

import duckdb


def parse_query(query: str) -> list[str]:
    """Terms of a query; "quoted phrases" stay whole; unbalanced quotes are taken literally."""
    try:
        parts = shlex.split(query)
    except ValueError:
        parts = query.split()
    return [p.strip().lower() for p in parts if p.strip()]


def search_articles(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    since: datetime | None = None,
    limit: int = 20,
    relevant_only: bool = False,
) -> list[dict[str, Any]]:
    terms = parse_query(query)
    if not terms:
        return []
    conditions = " AND ".join(["contains(haystack, ?)"] * len(terms))
    sql = f"""
        WITH a AS (
            SELECT id, title, source, url, published_at, first_seen_at, language, relevant,
                   relevance_score, is_seed, coalesce(summary, '') AS summary, text,
                   lower(concat_ws(' ', title, summary, text)) AS haystack
            FROM articles
            WHERE (?::TIMESTAMPTZ IS NULL OR coalesce(published_at, first_seen_at) >= ?::TIMESTAMPTZ)
              AND (NOT ? OR relevant)
        )
        SELECT id, title, source, url, published_at, first_seen_at, language, relevant,
               relevance_score, is_seed, summary, text
        FROM a WHERE {conditions}
        ORDER BY coalesce(published_at, first_seen_at) DESC NULLS LAST, id DESC
        LIMIT ?
    """
    cur = con.execute(sql, [since, since, relevant_only, *terms, limit])
    names = [d[0] for d in cur.description]
    results = []
    for row in cur.fetchall():
        record = dict(zip(names, row, strict=True))
        record["snippet"] = make_snippet(record.pop("text") or record["summary"] or "", terms[0])
        results.append(record)
    return results


def make_snippet(text: str, term: str, width: int = 160) -> str:
    """About `width` characters of `text` around the first place `term` occurs."""
    at = text.lower().find(term)
    if at < 0:
        return " ".join(text[:width].split())
    start = max(0, at - width // 3)
    piece = text[start : start + width]
    return (
        ("…" if start else "")
        + " ".join(piece.split())
        + ("…" if start + width < len(text) else "")
    )
