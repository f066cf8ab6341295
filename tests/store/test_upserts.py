"""`upsert_articles` (lookup, INSERT, UPDATE by id) gives what `INSERT ... ON CONFLICT` gave.

The reference is the statement `store/articles.py` used before (one `INSERT ... ON CONFLICT
(canonical_url) DO UPDATE ... RETURNING`, and `ON CONFLICT (article_id)` for the HTML), kept here
verbatim and only here. Both run on the same batches, drawn by Hypothesis from a small pool of
URLs so that batches repeat a URL, store one stored before, mix new and stored ones, and leave
fields empty (which the update must not blank). Rows are compared by canonical URL, and the
returned ids article for article: the old statement drew a sequence number even for a row that
turned into an update, so the ids themselves may differ by those gaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.models import (
    ExtractedArticle,
    ExtractionStatus,
    PageFetch,
    ProcessedArticle,
    Relevance,
)
from store import articles
from store.articles import (
    _ARTICLE_COLUMNS,
    _HTML_COLUMNS,
    _PAGE_LOG_COLUMNS,
    Retention,
    _article_row,
    _compress,
    _page_log_row,
)
from store.db import connect, insert_rows, transaction

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

_OLD_ON_CONFLICT = """
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
RETURNING id, canonical_url
"""

_OLD_HTML_ON_CONFLICT = """
ON CONFLICT (article_id) DO UPDATE SET compression = excluded.compression,
    content_type = excluded.content_type, final_url = excluded.final_url,
    html = excluded.html, fetched_at = excluded.fetched_at
"""


def old_upsert_articles(
    con: duckdb.DuckDBPyConnection,
    items: Sequence[ProcessedArticle],
    *,
    now: datetime,
    retention: Retention,
    run_id: str | None = None,
) -> list[int]:
    """`upsert_articles` as it was before the lookup-insert-update rewrite (verbatim)."""
    if not items:
        return []
    last = {item.article.canonical_url: item for item in items}
    rows = [_article_row(item, now, retention) for item in last.values()]
    names = ", ".join(name for name, _ in _ARTICLE_COLUMNS)
    unnested = ", ".join(f"unnest(?::{sql_type}[])" for _, sql_type in _ARTICLE_COLUMNS)
    with transaction(con):
        returned = con.execute(
            f"INSERT INTO articles ({names}) SELECT {unnested} {_OLD_ON_CONFLICT}",
            [list(column) for column in zip(*rows, strict=True)],
        ).fetchall()
        id_of = {url: int(article_id) for article_id, url in returned}
        fetched = [item for item in last.values() if item.page is not None]
        insert_rows(
            con,
            "fetch_log",
            _PAGE_LOG_COLUMNS,
            [_page_log_row(item, run_id=run_id, now=now) for item in fetched],
        )
        if retention.keep_raw_html:
            insert_rows(
                con,
                "article_html",
                _HTML_COLUMNS,
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
                on_conflict=_OLD_HTML_ON_CONFLICT,
            )
    return [id_of[item.article.canonical_url] for item in items]


def item(
    n: int,
    *,
    version: int,
    title: str | None,
    text: str | None,
    published: int | None,
    relevant: bool,
    seed: bool,
    html: bytes | None,
    feed: str | None,
) -> ProcessedArticle:
    url = f"https://news.example/a/{n}"
    return ProcessedArticle(
        article=ExtractedArticle(
            url=f"{url}?v={version}",
            canonical_url=url,
            title=title,
            text=text,
            author=None if version % 2 else f"Writer {version}",
            published_at=None if published is None else NOW - timedelta(days=published),
            site_name="Example",
            language=None if version % 3 == 0 else "en",
            status=ExtractionStatus.OK if text else ExtractionStatus.EXTRACT_FAILED,
            reason=None if text else "no text",
        ),
        relevance=Relevance(
            relevant=relevant,
            score=0.9 if relevant else 0.1,
            terms=("ru:Putin", f"v{version}") if relevant else (),
            reason=f"judged {version}",
        ),
        page=PageFetch(
            url=url,
            final_url=f"{url}?final={version}",
            http_status=200,
            body=html,
            content_type="text/html",
            fetched_at=NOW + timedelta(minutes=version),
        )
        if html is not None
        else None,
        feed_url=feed,
        source=None if version % 4 == 0 else f"Outlet {version}",
        summary=None if version % 5 == 0 else f"Summary {version}",
        is_seed=seed,
    )


items = st.builds(
    item,
    st.integers(0, 7),
    version=st.integers(0, 30),
    title=st.one_of(st.none(), st.text(max_size=20)),
    text=st.one_of(st.none(), st.text(min_size=1, max_size=40)),
    published=st.one_of(st.none(), st.integers(0, 60)),
    relevant=st.booleans(),
    seed=st.booleans(),
    html=st.one_of(st.none(), st.just(b""), st.binary(min_size=1, max_size=30)),
    feed=st.one_of(st.none(), st.sampled_from(["https://f.example/a", "https://f.example/b"])),
)
retentions = st.builds(
    Retention,
    keep_raw_html=st.booleans(),
    keep_irrelevant_text=st.booleans(),
    compression=st.sampled_from(["zstd", "zlib", "none"]),
)


def state(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every stored row, keyed by canonical URL instead of id."""
    names = [name for name, _ in _ARTICLE_COLUMNS]
    rows = con.execute(f"SELECT {', '.join(names)} FROM articles ORDER BY canonical_url").fetchall()
    html = con.execute(
        "SELECT a.canonical_url, h.compression, h.content_type, h.final_url, h.html, h.fetched_at "
        "FROM article_html h JOIN articles a ON a.id = h.article_id ORDER BY a.canonical_url"
    ).fetchall()
    log = con.execute(
        "SELECT run_id, kind, url, feed_url, status, http_status, bytes, logged_at "
        "FROM fetch_log ORDER BY id"
    ).fetchall()
    return {"articles": rows, "html": html, "log": log}


def urls_of(con: duckdb.DuckDBPyConnection, ids: list[int]) -> list[str]:
    by_id = dict(con.execute("SELECT id, canonical_url FROM articles").fetchall())
    return [by_id[i] for i in ids]


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(st.lists(items, min_size=1, max_size=6), min_size=1, max_size=5),
    retention=retentions,
)
def test_new_upsert_stores_what_on_conflict_stored(
    batches: list[list[ProcessedArticle]], retention: Retention
) -> None:
    with connect(":memory:") as old, connect(":memory:") as new:
        for n, batch in enumerate(batches):
            now = NOW + timedelta(hours=n)
            old_ids = old_upsert_articles(old, batch, now=now, retention=retention, run_id="r")
            new_ids = articles.upsert_articles(new, batch, now=now, retention=retention, run_id="r")
            expected = [i.article.canonical_url for i in batch]
            assert urls_of(old, old_ids) == expected
            assert urls_of(new, new_ids) == expected
            assert state(new) == state(old)


def test_a_stored_url_keeps_its_id_and_a_repeated_one_keeps_the_last() -> None:
    def one(n: int, version: int, **kw: Any) -> ProcessedArticle:
        fields: dict[str, Any] = dict(
            title=f"T{version}",
            text=f"text {version}",
            published=1,
            relevant=True,
            seed=False,
            html=b"<p>x</p>",
            feed="https://f.example/a",
        )
        fields.update(kw)
        return item(n, version=version, **fields)

    with connect(":memory:") as con:
        [first] = articles.upsert_articles(con, [one(1, 1, seed=True)], now=NOW)
        ids = articles.upsert_articles(
            con,
            [one(2, 2), one(1, 3, title=None), one(2, 4, text="last")],
            now=NOW + timedelta(days=1),
        )
        assert ids[1] == first and ids[0] == ids[2] != first
        rows = con.execute(
            "SELECT canonical_url, title, text, is_seed, first_seen_at FROM articles ORDER BY id"
        ).fetchall()
        assert rows == [
            ("https://news.example/a/1", "T1", "text 3", True, NOW),
            ("https://news.example/a/2", "T4", "last", False, NOW + timedelta(days=1)),
        ]
        assert con.execute("SELECT count(*) FROM article_html").fetchone() == (2,)
