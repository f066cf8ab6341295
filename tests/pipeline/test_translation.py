"""The digest's translator seam, end to end: with NEWSWATCH_TRANSLATE_URL set, a story told only in
Korean gets an English headline from the local LibreTranslate-compatible server; without it, the
original headline and its English gist."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipeline.digest import english_headlines
from pipeline.settings import load_settings
from reports.compose import compose_digest, with_english_headlines
from reports.render import render_digest
from reports.select import ArticleRow, iso_week_window
from testkit.localsite import LocalSite
from tests.extract.test_translate import libretranslate
from tests.reports.story_context import context_for

WHEN = datetime(2026, 11, 17, 9, tzinfo=UTC)
KOREAN = ArticleRow(
    id=1,
    url="https://ilbo.example/1",
    title="북러 조약 발효",
    text="북한과 러시아의 포괄적 전략적 동반자 관계 조약이 발효됐다고 조선중앙통신이 보도했다. "
    "김정은 국무위원장과 푸틴 대통령이 지난해 6월 평양에서 서명했다.",
    language="ko",
    first_seen_at=WHEN,
    published_at=WHEN,
    source="Seoul Ilbo",
)


def digest_text(translate_url: str | None, tmp_path: Path) -> str:
    settings = load_settings(db=tmp_path / "n.duckdb", translate_url=translate_url)
    digest = compose_digest(
        iso_week_window("2026-W47", "UTC"),
        window_rows=[KOREAN],
        story_rows=[KOREAN],
        seeds=[],
        earlier_rows=[],
        digest_keys={},
        daily_counts={},
        failing_feeds=[],
        generated_at=WHEN,
        context=context_for([KOREAN]),
        feeds=1,
    )
    digest = with_english_headlines(digest, english_headlines(settings, digest.items))
    return render_digest(digest).text


def test_a_configured_translator_gives_the_english_headline(
    local_site: LocalSite, tmp_path: Path
) -> None:
    received: list[dict[str, str]] = []
    text = digest_text(libretranslate(local_site, received), tmp_path)
    assert "English: North Korea-Russia treaty takes effect" in text
    assert received and received[0]["source"] == "ko"


def test_without_a_translator_the_digest_gives_an_english_gist(tmp_path: Path) -> None:
    text = digest_text(None, tmp_path)
    assert "북러 조약 발효" in text and "English:" not in text
    assert "In short: " in text
