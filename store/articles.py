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

from extract.models import ProcessedArticle, Relevance
from store.db import transaction


@dataclass(frozen=True)
class Retention:
    keep_raw_html: bool = True
    keep_irrelevant_text: bool = True
    compression: str = "zlib"  # or "none"


def _compress(body: bytes, compression: str) -> bytes:
    return zlib.compress(body, 6) if compression == "zlib" else body


def decompress_html(blob: bytes, compression: str) -> bytes:
    return zlib.decompress(blob) if compression == "zlib" else blob


_UPSERT = """
INSERT INTO articles (
    canonical_url, url, feed_url, source, title, author, published_at, first_seen_at, fetched_at,
    language, site_name, text, summary, is_seed, extraction_status, extraction_reason, http_status,
    relevant, relevance_score, relevance_terms, relevance_reason, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (canonical_url) DO UPDATE SET
    url = excluded.url,
    feed_url = coalesce(articles.feed_url, excluded.feed_url),
    source = coalesce(excluded.source, articles.source),
    title = coalesce(excluded.title, articles.title),
    author = coalesce(excluded.author, articles.author),
    published_at = coalesce(excluded.published_at, articles.published_at),
    fetched_at = coalesce(excluded.fetched_at, articles.fetched_at),
    language = coalesce(excluded.language, articles.language),
    site_name = coalesce(excluded.site_name, articles.site_name),
    text = coalesce(excluded.text, articles.text),
    summary = coalesce(excluded.summary, articles.summary),
    is_seed = articles.is_seed OR excluded.is_seed,
    extraction_status = excluded.extraction_status,
    extraction_reason = excluded.extraction_reason,
    http_status = coalesce(excluded.http_status, articles.http_status),
    relevant = excluded.relevant,
    relevance_score = excluded.relevance_score,
    relevance_terms = excluded.relevance_terms,
    relevance_reason = excluded.relevance_reason,
    updated_at = excluded.updated_at
RETURNING id
"""


def upsert_articles(
    con: duckdb.DuckDBPyConnection,
    items: Sequence[ProcessedArticle],
    *,
    now: datetime,
    retention: Retention = Retention(),
    run_id: str | None = None,
) -> list[int]:
    """Insert or update articles (one transaction); return their ids in the order given."""
    ids: list[int] = []
    with transaction(con):
        for item in items:
            a, rel, page = item.article, item.relevance, item.page
            keep_text = retention.keep_irrelevant_text or rel.relevant or item.is_seed
            row = con.execute(
                _UPSERT,
                [
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
                ],
            ).fetchone()
            assert row is not None
            article_id = int(row[0])
            ids.append(article_id)
            if page is not None:
                _log_page(con, page_url=a.url, item=item, run_id=run_id, now=now)
                if retention.keep_raw_html and page.body:
                    con.execute(
                        """
                        INSERT INTO article_html (article_id, compression, content_type, final_url,
                                                  html, fetched_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (article_id) DO UPDATE SET compression = excluded.compression,
                            content_type = excluded.content_type, final_url = excluded.final_url,
                            html = excluded.html, fetched_at = excluded.fetched_at
                        """,
                        [
                            article_id,
                            retention.compression,
                            page.content_type,
                            page.final_url,
                            _compress(page.body, retention.compression),
                            page.fetched_at or now,
                        ],
                    )
    return ids


def _log_page(
    con: duckdb.DuckDBPyConnection,
    *,
    page_url: str,
    item: ProcessedArticle,
    run_id: str | None,
    now: datetime,
) -> None:
    page = item.page
    assert page is not None
    con.execute(
        """
        INSERT INTO fetch_log (run_id, kind, url, feed_url, status, http_status, error,
                               elapsed_ms, bytes, logged_at)
        VALUES (?, 'page', ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            run_id,
            page_url,
            item.feed_url,
            item.article.status.value,
            page.http_status,
            page.error,
            page.elapsed_ms,
            len(page.body) if page.body else 0,
            page.fetched_at or now,
        ],
    )


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
