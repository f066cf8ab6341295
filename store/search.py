"""Search stored articles by words and phrases, newest first.

No full-text extension is available offline, so matching is a case-insensitive substring test of
every term against title, summary and text (terms in quotes are phrases; a phrase is looked for
within one of the three). Titles matching rank no higher than text matches: results are newest
first, as analysts asked.

What keeps it quick on a large database:

- **Newest first, a span at a time.** The articles of the last week are searched first, then the
  month before, the quarter, the year, then everything older, stopping as soon as `limit`
  results are in hand (the spans reach back from the newest article stored, not from today). A
  common query is answered from the first span or two; the results are those of one query over
  everything (`tests/store/test_search.py` checks it). Each span's scan is bounded by the range
  of ids its articles have: articles are stored about when they are published, so the span of a
  week reads about a week of row groups (a backfill of old articles widens its spans' ranges,
  which costs time, never results).
- **A cheap test per article.** Each term is one case-insensitive regular expression over the
  stored columns (RE2, the term quoted literally), not `lower()` of a joined copy of every text:
  about eight times less work a row.
- **Only blocks that may match.** Within a span, only the blocks of 2,048 articles whose filter
  in the search index (`store.search_index`) holds every trigram of every term are read, each
  block range as its own id-bounded scan (at most `MOST_RANGES` a span, joined across the
  narrowest gaps). A word that occurs nowhere reads no text at all; terms under three
  characters, and blocks not yet indexed, are read in full.
- **Memory**: the connection's DuckDB cap (`store.db.MEMORY_LIMIT`) bounds what a scan keeps.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from store.search_index import candidate_ranges, coarsen

# The spans searched in turn, as days back from the newest article; then everything older.
SPANS_DAYS = (7, 30, 91, 365)
# At most this many id-bounded scans a span (one costs a few milliseconds).
MOST_RANGES = 48

_WHEN = "coalesce(published_at, first_seen_at)"
_COLUMNS = (
    "id, title, source, url, published_at, first_seen_at, language, relevant, relevance_score, "
    f"is_seed, coalesce(summary, '') AS summary, text, {_WHEN} AS sort_when"
)


def parse_query(query: str) -> list[str]:
    """Terms of a query; "quoted phrases" stay whole; unbalanced quotes are taken literally."""
    try:
        parts = shlex.split(query)
    except ValueError:
        parts = query.split()
    return [p.strip().lower() for p in parts if p.strip()]


def _literal_pattern(term: str) -> str:
    r"""An RE2 pattern matching `term` literally (`\Q...\E`; a term holding `\E` itself is
    escaped character by character)."""
    if "\\E" not in term:
        return f"\\Q{term}\\E"
    return "".join(c if c.isalnum() else f"\\x{{{ord(c):x}}}" for c in term)


def _term_test() -> str:
    return (
        "(regexp_matches(coalesce(title, ''), ?, 'i') OR regexp_matches(coalesce(summary, ''), ?, 'i')"
        " OR regexp_matches(coalesce(text, ''), ?, 'i'))"
    )


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
    tests = " AND ".join([_term_test()] * len(terms))
    patterns = [p for t in terms for p in [_literal_pattern(t)] * 3]
    # The id range is a plain column filter DuckDB checks against each row group's min/max, so
    # a span's scan reads the texts of that span's row groups only; CASE makes the date test run
    # before the (costlier) text tests.
    sql = f"""
        SELECT {_COLUMNS} FROM articles
        WHERE id BETWEEN ? AND ?
          AND CASE WHEN {_WHEN} >= ?::TIMESTAMPTZ AND {_WHEN} < ?::TIMESTAMPTZ
                        AND (NOT ? OR relevant)
                   THEN {tests} ELSE FALSE END
        ORDER BY {_WHEN} DESC NULLS LAST, id DESC
        LIMIT ?
    """
    results: list[dict[str, Any]] = []
    for span in _spans(con, since):
        wanted = limit - len(results)
        found: list[dict[str, Any]] = []
        for first_id, last_id in coarsen(
            candidate_ranges(con, terms, span.first_id, span.last_id), MOST_RANGES
        ):
            cur = con.execute(
                sql,
                [first_id, last_id, span.start, span.end, relevant_only, *patterns, wanted],
            )
            names = [d[0] for d in cur.description]
            found.extend(dict(zip(names, row, strict=True)) for row in cur.fetchall())
        # Each range gave its newest `wanted`; the span's newest are among them.
        found.sort(key=lambda r: (r["sort_when"] is not None, r["sort_when"] or _FAR_PAST, r["id"]))
        for record in reversed(found[-wanted:]):
            record.pop("sort_when")
            record["snippet"] = make_snippet(
                record.pop("text") or record["summary"] or "", terms[0]
            )
            results.append(record)
        if len(results) >= limit:
            break
    return results


_FAR_PAST = datetime(1, 1, 2, tzinfo=UTC)
_FAR_FUTURE = datetime(9999, 12, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Span:
    start: datetime  # inclusive
    end: datetime  # exclusive
    first_id: int  # the smallest and largest id of an article in the span
    last_id: int


def _spans(con: duckdb.DuckDBPyConnection, since: datetime | None) -> list[Span]:
    """Windows of publication (else first-seen) time, newest first, covering everything from
    `since` (or the beginning), each with the range of ids its articles have; empty ones left out."""
    row = con.execute(f"SELECT max({_WHEN}) FROM articles").fetchone()
    newest = row[0] if row else None
    if newest is None:
        return []
    floor = since or _FAR_PAST
    bounds: list[tuple[datetime, datetime]] = []
    end = _FAR_FUTURE
    for days in SPANS_DAYS:
        start = max(newest - timedelta(days=days), floor)
        if start < end:
            bounds.append((start, end))
            end = start
    if floor < end:
        bounds.append((floor, end))
    ranges = ", ".join(
        f"min(id) FILTER (WHERE {_WHEN} >= ? AND {_WHEN} < ?), "
        f"max(id) FILTER (WHERE {_WHEN} >= ? AND {_WHEN} < ?)"
        for _ in bounds
    )
    found = con.execute(
        f"SELECT {ranges} FROM articles",
        [value for start, end in bounds for value in (start, end, start, end)],
    ).fetchone()
    assert found is not None
    return [
        Span(start, end, found[2 * n], found[2 * n + 1])
        for n, (start, end) in enumerate(bounds)
        if found[2 * n] is not None
    ]


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
