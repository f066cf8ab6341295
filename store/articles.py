"""Articles (seed articles included), their raw HTML, and the page-fetch log.

Articles are keyed by canonical URL: storing one again updates it in place (re-extraction,
re-scoring) and keeps its id, its first-seen time and its seed flag.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import zstandard

from extract.models import ProcessedArticle, Relevance
from store.db import bound_values, insert_rows, transaction
from store.search_index import index_articles


@dataclass(frozen=True)
class Retention:
    keep_raw_html: bool = True
    keep_irrelevant_text: bool = True
    compression: str = "zstd"  # or "zlib" (what databases before 2026-12-05 hold), or "none"


# zstd's level 1: on the Zyte pages 3.3 x faster than zlib's fastest level, for blobs 11 % smaller
# (ratio 4.8 against 4.3); the page is kept for re-extraction, seldom read, and this runs once per
# new page on the poll's critical path. Blobs stored as "zlib" before still read back.
ZSTD_LEVEL = 1


def _compress(body: bytes, compression: str) -> bytes:
    if compression == "zstd":
        return zstandard.compress(body, ZSTD_LEVEL)
    return zlib.compress(body, 1) if compression == "zlib" else body


def decompress_html(blob: bytes, compression: str) -> bytes:
    if compression == "zstd":
        return zstandard.decompress(blob)
    return zlib.decompress(blob) if compression == "zlib" else blob


_ARTICLE_COLUMNS = [
    ("canonical_url", "VARCHAR"),
    ("url", "VARCHAR"),
    ("feed_url", "VARCHAR"),
    ("source", "VARCHAR"),
    ("title", "VARCHAR"),
    ("author", "VARCHAR"),
    ("published_at", "TIMESTAMPTZ"),
    ("first_seen_at", "TIMESTAMPTZ"),
    ("fetched_at", "TIMESTAMPTZ"),
    ("language", "VARCHAR"),
    ("site_name", "VARCHAR"),
    ("text", "VARCHAR"),
    ("summary", "VARCHAR"),
    ("is_seed", "BOOLEAN"),
    ("extraction_status", "VARCHAR"),
    ("extraction_reason", "VARCHAR"),
    ("http_status", "INTEGER"),
    ("relevant", "BOOLEAN"),
    ("relevance_score", "DOUBLE"),
    ("relevance_terms", "VARCHAR[]"),
    ("relevance_reason", "VARCHAR"),
    ("updated_at", "TIMESTAMPTZ"),
]

# Storing an article again (re-extraction, re-scoring, a second feed with the same link) updates
# it in place by id: these are the values an update keeps, `a` the stored row, `b` the new one.
# It keeps id, canonical_url and first_seen_at.
_UPDATED = """
    url = b.url,
    feed_url = coalesce(a.feed_url, b.feed_url),
    source = coalesce(b.source, a.source),
    title = coalesce(b.title, a.title),
    author = coalesce(b.author, a.author),
    published_at = coalesce(b.published_at, a.published_at),
    fetched_at = coalesce(b.fetched_at, a.fetched_at),
    language = coalesce(b.language, a.language),
    site_name = coalesce(b.site_name, a.site_name),
    text = coalesce(b.text, a.text),
    summary = coalesce(b.summary, a.summary),
    is_seed = a.is_seed OR b.is_seed,
    extraction_status = b.extraction_status,
    extraction_reason = b.extraction_reason,
    http_status = coalesce(b.http_status, a.http_status),
    relevant = b.relevant,
    relevance_score = b.relevance_score,
    relevance_terms = b.relevance_terms,
    relevance_reason = b.relevance_reason,
    updated_at = b.updated_at
"""

_HTML_COLUMNS = [
    ("article_id", "BIGINT"),
    ("compression", "VARCHAR"),
    ("content_type", "VARCHAR"),
    ("final_url", "VARCHAR"),
    ("html", "BLOB"),
    ("fetched_at", "TIMESTAMPTZ"),
]

_PAGE_LOG_COLUMNS = [
    ("run_id", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("url", "VARCHAR"),
    ("feed_url", "VARCHAR"),
    ("status", "VARCHAR"),
    ("http_status", "INTEGER"),
    ("error", "VARCHAR"),
    ("elapsed_ms", "DOUBLE"),
    ("bytes", "BIGINT"),
    ("logged_at", "TIMESTAMPTZ"),
]


def _article_row(item: ProcessedArticle, now: datetime, retention: Retention) -> list[object]:
    a, rel, page = item.article, item.relevance, item.page
    keep_text = retention.keep_irrelevant_text or rel.relevant or item.is_seed
    return [
        a.canonical_url,
        a.url,
        item.feed_url,
        item.source or a.site_name,
        a.title,
        a.author,
        a.published_at,
        now,
        page.fetched_at if page else None,
        a.language,
        a.site_name,
        a.text if keep_text else None,
        item.summary,
        item.is_seed,
        a.status.value,
        a.reason,
        page.http_status if page else None,
        rel.relevant,
        rel.score,
        list(rel.terms),
        rel.reason,
        now,
    ]


def upsert_articles(
    con: duckdb.DuckDBPyConnection,
    items: Sequence[ProcessedArticle],
    *,
    now: datetime,
    retention: Retention = Retention(),
    run_id: str | None = None,
) -> list[int]:
    """Insert or update a batch of articles in one transaction; return their ids in the order given.

    A few statements per batch, not per article: the ids of the batch's URLs already stored (one
    lookup), a plain INSERT of the new articles, one UPDATE by id of the stored ones, their
    blocks' search filters (`store.search_index`), then their HTML and the page-fetch log. A
    batch that names the same canonical URL twice keeps the last.

    Not `INSERT ... ON CONFLICT (canonical_url) DO UPDATE`: against a million stored articles
    that statement cost 10-19 s and 3.3 GB per batch of 100 (`bench/scale.py`);
    `tests/store/test_upserts.py` keeps it to show both give the same rows and ids.
    """
    if not items:
        return []
    last = {item.article.canonical_url: item for item in items}
    rows = {url: _article_row(item, now, retention) for url, item in last.items()}
    with transaction(con):
        id_of = _stored_ids(con, list(rows))
        stored = [[id_of[url], *row] for url, row in rows.items() if url in id_of]
        fresh = [row for url, row in rows.items() if url not in id_of]
        if stored:
            _update_articles(con, stored)
        if fresh:
            id_of.update(_insert_articles(con, fresh))
        index_articles(con, id_of.values())
        fetched = [item for item in last.values() if item.page is not None]
        insert_rows(
            con,
            "fetch_log",
            _PAGE_LOG_COLUMNS,
            [_page_log_row(item, run_id=run_id, now=now) for item in fetched],
        )
        if retention.keep_raw_html:
            _store_html(
                con,
                [
                    [
                        id_of[item.article.canonical_url],
                        retention.compression,
                        item.page.content_type,
                        item.page.final_url,
                        _compress(item.page.body, retention.compression),
                        item.page.fetched_at or now,
                    ]
                    for item in fetched
                    if item.page is not None and item.page.body
                ],
            )
    return [id_of[item.article.canonical_url] for item in items]


def _stored_ids(con: duckdb.DuckDBPyConnection, canonical_urls: list[str]) -> dict[str, int]:
    rows = con.execute(
        "SELECT canonical_url, id FROM articles WHERE list_contains(?, canonical_url)",
        [canonical_urls],
    ).fetchall()
    return {url: int(article_id) for url, article_id in rows}


def _unnested(columns: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"unnest(?::{sql_type}[]) AS {name}" for name, sql_type in columns)


def _insert_articles(con: duckdb.DuckDBPyConnection, rows: list[list[object]]) -> dict[str, int]:
    names = ", ".join(name for name, _ in _ARTICLE_COLUMNS)
    returned = con.execute(
        f"INSERT INTO articles ({names}) SELECT {_unnested(_ARTICLE_COLUMNS)} "
        "RETURNING canonical_url, id",
        [list(column) for column in zip(*rows, strict=True)],
    ).fetchall()
    return {url: int(article_id) for url, article_id in returned}


def _update_articles(con: duckdb.DuckDBPyConnection, rows: list[list[object]]) -> None:
    columns = [("id", "BIGINT"), *_ARTICLE_COLUMNS]
    con.execute(
        f"UPDATE articles AS a SET {_UPDATED} "
        f"FROM (SELECT {_unnested(columns)}) AS b WHERE a.id = b.id",
        [list(column) for column in zip(*rows, strict=True)],
    )


def _store_html(con: duckdb.DuckDBPyConnection, rows: list[list[object]]) -> None:
    """Insert or replace the raw HTML of these articles (first column: article id)."""
    if not rows:
        return
    ids = [row[0] for row in rows]
    kept = {
        int(r[0])
        for r in con.execute(
            "SELECT article_id FROM article_html WHERE list_contains(?, article_id)",
            [ids],
        ).fetchall()
    }
    # the pages bound value by value: DuckDB takes one bound list of large BLOBs about 5 x slower
    names = ", ".join(name for name, _ in _HTML_COLUMNS)
    fresh = [r for r in rows if r[0] not in kept]
    if fresh:
        values, params = bound_values(_HTML_COLUMNS, fresh)
        con.execute(f"INSERT INTO article_html ({names}) {values}", params)
    replaced = [r for r in rows if r[0] in kept]
    if replaced:
        values, params = bound_values(_HTML_COLUMNS, replaced)
        con.execute(
            f"""
            UPDATE article_html AS h SET compression = b.compression,
                content_type = b.content_type, final_url = b.final_url, html = b.html,
                fetched_at = b.fetched_at
            FROM ({values}) AS b({names}) WHERE h.article_id = b.article_id
            """,
            params,
        )


def _page_log_row(item: ProcessedArticle, *, run_id: str | None, now: datetime) -> list[object]:
    page = item.page
    assert page is not None
    return [
        run_id,
        "page",
        item.article.url,
        item.feed_url,
        item.article.status.value,
        page.http_status,
        page.error,
        page.elapsed_ms,
        len(page.body) if page.body else 0,
        page.fetched_at or now,
    ]


def update_relevance(
    con: duckdb.DuckDBPyConnection, judged: dict[int, Relevance], *, now: datetime
) -> None:
    """Store new relevance judgements for existing articles (re-scoring)."""
    with transaction(con):
        con.executemany(
            """
            UPDATE articles SET relevant = ?, relevance_score = ?, relevance_terms = ?,
                                relevance_reason = ?, updated_at = ?
            WHERE id = ?
            """,
            [
                [r.relevant, r.score, list(r.terms), r.reason, now, article_id]
                for article_id, r in judged.items()
            ],
        )


def articles_for_scoring(
    con: duckdb.DuckDBPyConnection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    feed_urls: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """id, title, text, summary, language of articles in a window (by publication, else first seen)."""
    sql = """
        SELECT id, title, text, summary, language FROM articles
        WHERE (? IS NULL OR coalesce(published_at, first_seen_at) >= ?)
          AND (? IS NULL OR coalesce(published_at, first_seen_at) < ?)
          AND (? IS NULL OR list_contains(?, feed_url))
        ORDER BY id
    """
    feeds = list(feed_urls) if feed_urls is not None else None
    cur = con.execute(sql, [since, since, until, until, feeds, feeds])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def stored_html(con: duckdb.DuckDBPyConnection, article_ids: Sequence[int]) -> dict[int, bytes]:
    """The kept raw HTML of these articles, decompressed."""
    rows = con.execute(
        "SELECT article_id, compression, html FROM article_html WHERE list_contains(?, article_id)",
        [list(article_ids)],
    ).fetchall()
    return {r[0]: decompress_html(r[2], r[1]) for r in rows}


def count_articles(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    row = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE relevant), count(*) FILTER (WHERE is_seed)
        FROM articles
        """
    ).fetchone()
    assert row is not None
    return {"articles": row[0], "relevant": row[1], "seeds": row[2]}


def set_first_seen(con: duckdb.DuckDBPyConnection, dates: dict[str, datetime]) -> None:
    """Date seed articles by their own (possibly approximate) date rather than by load time."""
    con.executemany(
        "UPDATE articles SET first_seen_at = ? WHERE canonical_url = ? AND is_seed",
        [[when, url] for url, when in dates.items()],
    )


def current_seed_load(con: duckdb.DuckDBPyConnection, fingerprint: str) -> int | None:
    """How many seeds the last load stored, when it was under `fingerprint` and every one of
    them is still stored; else None."""
    row = con.execute(
        """
        SELECT l.seeds FROM seed_loads AS l
        WHERE l.fingerprint = ? AND l.seeds <= (SELECT count(*) FROM articles WHERE is_seed)
        """,
        [fingerprint],
    ).fetchone()
    return row[0] if row else None


def record_seed_load(
    con: duckdb.DuckDBPyConnection, fingerprint: str, seeds: int, *, now: datetime
) -> None:
    with transaction(con):
        con.execute("DELETE FROM seed_loads")
        con.execute("INSERT INTO seed_loads VALUES (?, ?, ?)", [fingerprint, seeds, now])
