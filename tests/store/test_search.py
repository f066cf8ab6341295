"""Search a span at a time gives the results of one query over every article; export in chunks
gives every article once, in order.

The reference search is the single statement `store/search.py` ran before spans (every article's
title, summary and text lower-cased and joined, each term a substring of it), kept here only.
Articles are drawn with dates spread over two years, out of id order (as a backfill leaves them),
and words in both cases and two scripts.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.models import ExtractedArticle, ExtractionStatus, ProcessedArticle, Relevance
from store import articles, export, search
from store.db import connect

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WORDS = ["Putin", "kim", "KIM", "Pyongyang", "treaty", "Путин", "визит", "a.b", "50%", "grain"]


def old_search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    *,
    since: datetime | None = None,
    limit: int = 20,
    relevant_only: bool = False,
) -> list[int]:
    """The ids `search_articles` returned before it searched in spans (its statement verbatim)."""
    terms = search.parse_query(query)
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
        SELECT id FROM a WHERE {conditions}
        ORDER BY coalesce(published_at, first_seen_at) DESC NULLS LAST, id DESC
        LIMIT ?
    """
    return [r[0] for r in con.execute(sql, [since, since, relevant_only, *terms, limit]).fetchall()]


def article(
    n: int, *, days: int | None, title: str, text: str, relevant: bool, hours: int | None = None
) -> ProcessedArticle:
    url = f"https://news.example/a/{n}"
    return ProcessedArticle(
        article=ExtractedArticle(
            url=url,
            canonical_url=url,
            title=title,
            text=text,
            author=None,
            site_name="Example",
            published_at=None
            if days is None
            else NOW - timedelta(days=days, hours=n % 5 if hours is None else hours),
            language="en",
            status=ExtractionStatus.OK,
        ),
        relevance=Relevance(relevant=relevant, score=0.5, terms=(), reason="r"),
        summary=None if n % 3 else f"summary {n}",
    )


words = st.lists(st.sampled_from(WORDS), min_size=0, max_size=4).map(" ".join)
stored = st.lists(
    st.tuples(st.one_of(st.none(), st.integers(0, 730)), words, words, st.booleans()),
    min_size=0,
    max_size=30,
)
queries = st.lists(
    st.sampled_from([*WORDS, "kim pyongyang", "путин", "im", "%", "xyz"]), min_size=1, max_size=2
).map(" ".join)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(":memory:") as c:
        yield c


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=stored,
    query=queries,
    limit=st.integers(1, 8),
    since_days=st.one_of(st.none(), st.integers(0, 800)),
    relevant_only=st.booleans(),
)
def test_spans_give_the_results_of_one_query(
    con: duckdb.DuckDBPyConnection,
    rows: list[tuple[int | None, str, str, bool]],
    query: str,
    limit: int,
    since_days: int | None,
    relevant_only: bool,
) -> None:
    con.execute("DELETE FROM articles")
    items = [
        article(n, days=days, title=title, text=text, relevant=relevant)
        for n, (days, title, text, relevant) in enumerate(rows)
    ]
    articles.upsert_articles(con, items, now=NOW)
    since = None if since_days is None else NOW - timedelta(days=since_days)
    found = search.search_articles(
        con, query, since=since, limit=limit, relevant_only=relevant_only
    )
    expected = old_search(con, query, since=since, limit=limit, relevant_only=relevant_only)
    assert [r["id"] for r in found] == expected


def test_a_recent_match_is_found_without_reading_older_spans(
    con: duckdb.DuckDBPyConnection,
) -> None:
    items = [
        article(n, days=days, title="Putin", text="visit", relevant=True)
        for n, days in enumerate([1, 2, 40, 400, 700])
    ]
    articles.upsert_articles(con, items, now=NOW)
    spans = search._spans(con, None)
    assert [s.end > s.start for s in spans] == [True] * len(spans)
    assert spans[0].start == NOW - timedelta(days=1 + 7)  # a week back from the newest
    assert [h["title"] for h in search.search_articles(con, "putin", limit=2)] == ["Putin"] * 2
    assert len(search.search_articles(con, "putin", limit=10)) == 5


def test_an_article_on_a_span_boundary_is_found_once(con: duckdb.DuckDBPyConnection) -> None:
    back = [0, *search.SPANS_DAYS]  # the newest, then one exactly on each boundary
    # Fillers two days inside each span, stored first, so each span's id range covers the
    # boundary article of the span after it.
    fillers = [
        article(n, days=1 + d + 2, title="Putin", text="filler", relevant=True, hours=0)
        for n, d in enumerate(back)
    ]
    edges = [
        article(10 + n, days=1 + d, title="Putin", text="edge", relevant=True, hours=0)
        for n, d in enumerate(back)
    ]
    articles.upsert_articles(con, fillers, now=NOW)
    articles.upsert_articles(con, edges, now=NOW)
    hits = search.search_articles(con, "putin", limit=50)
    assert len(hits) == len({h["id"] for h in hits}) == 2 * len(back)


def test_export_in_chunks_gives_every_article_once_in_order(
    con: duckdb.DuckDBPyConnection,
) -> None:
    days = [5, 3, 9, 1, 7, 3, 2, 8]
    items = [
        article(n, days=d, title=f"T{n}", text="x", relevant=n % 2 == 0) for n, d in enumerate(days)
    ]
    articles.upsert_articles(con, items, now=NOW)
    rows = list(export.iter_export_rows(con, batch=3))
    keys = [(r["published_at"], r["id"]) for r in rows]
    assert keys == sorted(keys) and len({r["id"] for r in rows}) == len(days)
    out = io.StringIO()
    assert export.write_export(con, export.ExportFormat.JSONL, out, relevant_only=True) == 4
    assert all(json.loads(line)["relevant"] for line in out.getvalue().splitlines())
