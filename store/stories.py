"""Stories: which articles tell the same development, and which copy another.

`articles.story_id` is the id of the story's first article (so a story's id never changes) and
`articles.duplicate_of` the article a syndicated copy repeats; `stories` keeps one row per story
with its time span and size. Deciding the groups is `reports.stories`; this module reads the
articles to group, keeps what grouping computed of each (sentence vectors, text features) and
writes the decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import duckdb
import numpy as np

from store.db import insert_rows, transaction

_ARTICLE_COLUMNS = """
    id, url, canonical_url, source, site_name, title, text, summary, language, published_at,
    first_seen_at, relevance_terms, story_id, duplicate_of, is_seed, extraction_reason
"""


def _records(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# When an article happened, for windows of the past: its publication, else when it was seen.
REPORTED = "coalesce(published_at, first_seen_at)"


def relevant_articles(
    con: duckdb.DuckDBPyConnection,
    *,
    since: datetime,
    until: datetime,
    by_published: bool = False,
) -> list[dict[str, Any]]:
    """Relevant articles (seeds excluded) first seen (or, `by_published`, published) in
    [since, until), oldest first."""
    moment = REPORTED if by_published else "first_seen_at"
    cur = con.execute(
        f"""
        SELECT {_ARTICLE_COLUMNS} FROM articles
        WHERE relevant AND NOT is_seed AND {moment} >= ? AND {moment} < ?
        ORDER BY {moment}, id
        """,
        [since, until],
    )
    return _records(cur)


def story_articles(
    con: duckdb.DuckDBPyConnection, story_ids: Sequence[int]
) -> list[dict[str, Any]]:
    """Every relevant article of these stories, whenever first seen, oldest first."""
    cur = con.execute(
        f"""
        SELECT {_ARTICLE_COLUMNS} FROM articles
        WHERE relevant AND NOT is_seed AND list_contains(?, story_id)
        ORDER BY first_seen_at, id
        """,
        [list(story_ids)],
    )
    return _records(cur)


def seed_articles(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cur = con.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE is_seed ORDER BY id")
    return _records(cur)


def stored_vectors(
    con: duckdb.DuckDBPyConnection, article_ids: Sequence[int], *, model: str
) -> dict[int, np.ndarray]:
    """The sentence vectors of `model` kept for these articles (those not computed yet are absent),
    as float32 arrays (fetched as NumPy: 15 times faster than as lists for a week of vectors)."""
    if not article_ids:
        return {}
    found = con.execute(
        "SELECT article_id, vector FROM article_vectors WHERE model = ? AND list_contains(?, article_id)",
        [model, list(article_ids)],
    ).fetchnumpy()
    return {
        int(article_id): np.asarray(vector, dtype=np.float32)
        for article_id, vector in zip(found["article_id"], found["vector"], strict=True)
    }


def save_vectors(
    con: duckdb.DuckDBPyConnection,
    vectors: dict[int, Sequence[float]],
    *,
    model: str,
    now: datetime,
) -> None:
    """Keep sentence vectors (one per article and model; a second computation replaces it)."""
    if not vectors:
        return
    with transaction(con):
        insert_rows(
            con,
            "article_vectors",
            [
                ("article_id", "BIGINT"),
                ("model", "VARCHAR"),
                ("vector", "FLOAT[]"),
                ("created_at", "TIMESTAMPTZ"),
            ],
            [
                [article_id, model, [float(x) for x in vector], now]
                for article_id, vector in vectors.items()
            ],
            on_conflict="ON CONFLICT (article_id, model) DO UPDATE SET vector = excluded.vector",
        )


def stored_features(con: duckdb.DuckDBPyConnection, keys: Mapping[int, str]) -> dict[int, str]:
    """The kept text features (JSON) of these articles whose key is the one given."""
    if not keys:
        return {}
    rows = con.execute(
        "SELECT f.article_id, f.features FROM article_features f "
        "JOIN (SELECT unnest(?::BIGINT[]) AS id, unnest(?::VARCHAR[]) AS key) k "
        "ON f.article_id = k.id AND f.key = k.key",
        [list(keys), list(keys.values())],
    ).fetchall()
    return {int(article_id): str(features) for article_id, features in rows}


def save_features(
    con: duckdb.DuckDBPyConnection, features: Mapping[int, tuple[str, str]], *, now: datetime
) -> None:
    """Keep text features: article id -> (key, JSON); a row with an older key is replaced."""
    if not features:
        return
    with transaction(con):
        insert_rows(
            con,
            "article_features",
            [
                ("article_id", "BIGINT"),
                ("key", "VARCHAR"),
                ("features", "VARCHAR"),
                ("created_at", "TIMESTAMPTZ"),
            ],
            [[article_id, key, data, now] for article_id, (key, data) in features.items()],
            on_conflict="ON CONFLICT (article_id) DO UPDATE SET key = excluded.key, "
            "features = excluded.features, created_at = excluded.created_at",
        )


def save_story_assignments(
    con: duckdb.DuckDBPyConnection,
    assignments: Sequence[tuple[int, int, int | None]],
    *,
    now: datetime,
) -> int:
    """Store (article id, story id, duplicate of) decisions and refresh the stories they touch.

    Returns how many stories were created or changed.
    """
    if not assignments:
        return 0
    story_ids = sorted({story for _, story, _ in assignments})
    with transaction(con):
        # Only articles still without a story: a concurrent run that placed them first wins, and a
        # stored story id never changes.
        # One UPDATE over the decisions unnested, not one per article.
        con.execute(
            """
            UPDATE articles SET story_id = d.story_id, duplicate_of = d.duplicate_of
            FROM (
                SELECT unnest(?::BIGINT[]) AS id, unnest(?::BIGINT[]) AS story_id,
                       unnest(?::BIGINT[]) AS duplicate_of
            ) d
            WHERE articles.id = d.id AND articles.story_id IS NULL
            """,
            [
                [article for article, _, _ in assignments],
                [story for _, story, _ in assignments],
                [duplicate for _, _, duplicate in assignments],
            ],
        )
        con.execute(
            """
            INSERT INTO stories (id, headline, first_seen_at, last_seen_at, articles, created_at,
                                 updated_at)
            SELECT a.story_id,
                   any_value(s.title),
                   min(a.first_seen_at), max(a.first_seen_at), count(*), ?, ?
            FROM articles a LEFT JOIN articles s ON s.id = a.story_id
            WHERE list_contains(?, a.story_id)
            GROUP BY a.story_id
            ON CONFLICT (id) DO UPDATE SET
                headline = coalesce(excluded.headline, stories.headline),
                first_seen_at = excluded.first_seen_at,
                last_seen_at = excluded.last_seen_at,
                articles = excluded.articles,
                updated_at = excluded.updated_at
            """,
            [now, now, story_ids],
        )
    return len(story_ids)


def list_stories(
    con: duckdb.DuckDBPyConnection, *, since: datetime | None = None
) -> list[dict[str, Any]]:
    """Stories last seen at or after `since` (all when None), newest first."""
    cur = con.execute(
        """
        SELECT id, headline, first_seen_at, last_seen_at, articles FROM stories
        WHERE ?::TIMESTAMPTZ IS NULL OR last_seen_at >= ?::TIMESTAMPTZ
        ORDER BY last_seen_at DESC, id
        """,
        [since, since],
    )
    return _records(cur)
