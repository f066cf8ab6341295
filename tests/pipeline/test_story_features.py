"""What the story model reads of an article is read once and kept, and read again only when the
article's text changes; what is read back is exactly what reading gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline import stories
from pipeline.settings import Settings, load_settings
from reports.select import ArticleRow
from reports.stories.profile import TextFeatures, text_features
from store import articles as article_store
from store import stories as story_store
from store.db import connect
from tests.reports.fixture_weeks import processed_article

STORIES = Path(__file__).resolve().parents[1] / "fixtures" / "stories" / "articles.jsonl"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def real_articles(count: int) -> list[dict[str, str]]:
    """The first labelled reports of the story set, in several languages."""
    lines = STORIES.read_text(encoding="utf-8").splitlines()[:count]
    return [json.loads(line) for line in lines]


def store(settings: Settings, items: list[dict[str, str]]) -> list[ArticleRow]:
    processed = [
        processed_article(
            {
                **item,
                "published_at": (NOW - timedelta(hours=n)).isoformat(),
                "relevant": True,
                "terms": ["ru:Russia"],
                "feed": "https://news.example/feed.xml",
            },
            item["outlet"],
        )
        for n, item in enumerate(items)
    ]
    with connect(settings.db) as con:
        article_store.upsert_articles(con, processed, now=NOW)
        records = story_store.relevant_articles(
            con, since=NOW - timedelta(days=30), until=NOW + timedelta(days=1)
        )
    return [ArticleRow.from_record(r) for r in records]


def test_features_are_read_once_and_read_back_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(db=tmp_path / "n.duckdb")
    rows = store(settings, real_articles(12))
    reader = stories._reader(settings.gazetteer, stories._mtime(settings.gazetteer))
    first = stories.article_features(settings, rows, reader)
    assert first == {r.id: text_features(r, reader) for r in rows}
    assert any(f.entities for f in first.values()) and any(f.quantities for f in first.values())

    read: list[int] = []

    def counted(row: ArticleRow, reader: object) -> TextFeatures:
        read.append(row.id)
        return text_features(row, reader)  # type: ignore[arg-type]

    monkeypatch.setattr(stories, "text_features", counted)
    assert stories.article_features(settings, rows, reader) == first
    assert read == []  # every one read back

    # A re-extracted article (new text) is read again; the others are not.
    changed = real_articles(12)
    changed[3] = {**changed[3], "text": changed[3]["text"] + "\nShoigu arrived with 2,500 troops."}
    rows = store(settings, changed)
    again = stories.article_features(settings, rows, reader)
    assert read == [rows[[r.url for r in rows].index(changed[3]["url"])].id]
    assert again == {r.id: text_features(r, reader) for r in rows}


def test_the_worker_pool_reads_what_this_process_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(db=tmp_path / "n.duckdb", extract_workers=2)
    rows = store(settings, real_articles(30))
    reader = stories._reader(settings.gazetteer, stories._mtime(settings.gazetteer))
    monkeypatch.setattr(stories, "POOL_FROM", 1)
    monkeypatch.setattr(stories, "text_features", None)  # not read here: on the workers
    assert stories.article_features(settings, rows, reader) == {
        r.id: text_features(r, reader) for r in rows
    }


def test_features_survive_their_json() -> None:
    reader = stories._reader(load_settings().gazetteer, 0.0)
    for n, item in enumerate(real_articles(40)):
        row = ArticleRow(
            id=n,
            url=item["url"],
            title=item["title"],
            text=item["text"],
            summary=None,
            language=item["language"],
            source=item["outlet"],
            site_name=None,
            published_at=NOW,
            first_seen_at=NOW,
        )
        features = text_features(row, reader)
        assert TextFeatures.from_json(features.to_json()) == features
