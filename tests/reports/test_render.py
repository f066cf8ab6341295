"""Rendering (reports/compose.py, reports/render.py): escaping, empty weeks, email-safe HTML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from reports import render
from reports.compose import Digest, FeedHealth, compose_digest
from reports.render import RenderError, render_digest
from reports.select import ArticleRow, iso_week_window
from tests.reports.story_context import context_for

WINDOW = iso_week_window("2026-W47", "Europe/Berlin")
T0 = datetime(2026, 11, 17, 9, tzinfo=UTC)
HOSTILE_TITLE = '<script>alert("x")</script> Kim & Putin "><img src=x onerror=alert(1)>\r\nBcc: v@x'


def article(
    n: int,
    *,
    title: str,
    text: str = "",
    language: str = "en",
    outlet: str = "Outlet",
    url: str | None = None,
    story: int | None = None,
    hours: int = 0,
) -> ArticleRow:
    return ArticleRow(
        id=n,
        url=url or f"https://news.example/{n}",
        title=title,
        text=text,
        language=language,
        first_seen_at=T0 + timedelta(hours=hours),
        published_at=T0 + timedelta(hours=hours),
        source=outlet,
        story_id=story if story is not None else n,
    )


def digest_of(
    rows: list[ArticleRow],
    *,
    failing: list[FeedHealth] | None = None,
    feeds: int = 10,
    unpolled: int = 0,
    seeds: list[ArticleRow] | None = None,
) -> Digest:
    return compose_digest(
        WINDOW,
        window_rows=rows,
        story_rows=rows,
        seeds=seeds or [],
        earlier_rows=[],
        digest_keys={},
        daily_counts={date(2026, 11, 17): len(rows), date(2026, 11, 10): 4},
        failing_feeds=failing or [],
        generated_at=datetime(2026, 11, 23, 7, tzinfo=UTC),
        context=context_for(rows),
        feeds=feeds,
        unpolled_feeds=unpolled,
    )


def failing(outlet: str, errors: int) -> FeedHealth:
    return FeedHealth(
        outlet=outlet,
        url=f"https://{outlet.lower()}.example/rss",
        errors=errors,
        failing_since=datetime(2026, 11, 20, tzinfo=UTC),
        last_error="HTTP 404 Not Found",
        last_success=None,
    )


def test_a_week_with_nothing_shows_the_seed_articles_as_background() -> None:
    seed = replace(
        article(90, title="Putin arrives in North Korea", text="Putin landed in Pyongyang."),
        is_seed=True,
        source="Reaction",
        published_at=datetime(2024, 6, 18, tzinfo=UTC),
    )
    empty = render_digest(digest_of([], seeds=[seed]))
    for part in (empty.html, empty.text):
        assert "Background" in part or "BACKGROUND" in part
        assert "Putin arrives in North Korea" in part and "Reaction" in part
    busy = render_digest(digest_of([article(1, title="Lavrov in Pyongyang")], seeds=[seed]))
    assert "BACKGROUND" not in busy.text


def test_source_health_says_what_is_true() -> None:
    # One 404 at the last poll is named at once (with since when and why), not only after 3.
    one = render_digest(digest_of([], failing=[failing("Tass", 1)], feeds=5))
    for part in (one.html, one.text):
        assert "Tass" in part and "HTTP 404 Not Found" in part and "1 poll in a row" in part
        assert "4 of 5 feeds answered at their last polls, 1 failed" in part
        assert "All feeds answered" not in part
    # Feeds never polled are not "healthy".
    fresh = render_digest(digest_of([], feeds=3, unpolled=3))
    assert "All feeds answered" not in fresh.html + fresh.text
    assert "3 not polled yet" in fresh.text
    # Every feed down: said at the top, before any story.
    down = render_digest(digest_of([], failing=[failing("A", 4), failing("B", 1)], feeds=2))
    assert down.text.index(
        "WARNING: no feed answered at its last poll (2 failed)"
    ) < down.text.index("NEW DEVELOPMENTS")
    assert "No feed answered at its last poll" in down.html
    assert "A (DOWN)" in down.text and "B (DOWN)" not in down.text
    healthy = render_digest(digest_of([], feeds=4))
    assert "All feeds answered at their last polls." in healthy.html


@pytest.fixture
def hostile() -> Digest:
    body = (
        "Russia and North Korea held talks <b>today</b> in Pyongyang, officials said on "
        "Tuesday. The <script>document.cookie</script> talks lasted two days, they added."
    )
    return digest_of(
        [
            article(
                1,
                title=HOSTILE_TITLE,
                text=body,
                outlet='Evil <b>Outlet</b> "x"',
                url="javascript:alert(1)",
            ),
            article(
                2,
                title="라브로프 평양 도착",
                language="ko",
                outlet="Seoul Ilbo",
                story=1,
                url='https://a.example/"><svg onload=alert(1)>',
                hours=1,
            ),
            article(
                3, title="Лавров прибыл в Пхеньян", language="ru", outlet="Vesti", story=1, hours=2
            ),
        ],
        failing=[
            FeedHealth(
                outlet="<i>Bad feed</i>",
                url="https://bad.example/rss",
                errors=5,
                failing_since=T0,
                last_error="<script>HTTP 503</script>",
                last_success=None,
            )
        ],
    )


def test_hostile_titles_never_reach_the_html_unescaped(hostile: Digest) -> None:
    out = render_digest(hostile)
    html = out.html
    for raw in (
        "<script",
        "<img",
        "<svg",
        "<b>",
        "<i>",
        "javascript:",
        'href="https://a.example/"',
    ):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Evil &lt;b&gt;Outlet&lt;/b&gt;" in html
    # The story is still shown, as text, without links made of bad URLs.
    assert "Kim &amp; Putin" in html and "\r" not in re.sub(r"\r\n", "", html)
    headline_line = next(line for line in out.text.splitlines() if "alert(" in line)
    assert "Bcc: v@x" in headline_line  # CR/LF collapsed: the title stays on one line
    assert "\r" not in out.text
    assert "\n" not in out.subject and "\r" not in out.subject and "script" not in out.subject


def test_multilingual_text_keeps_its_language(hostile: Digest) -> None:
    out = render_digest(hostile)
    assert re.search(r'lang="ko"[^>]*>라브로프 평양 도착<', out.html)
    assert re.search(r'lang="ru"[^>]*>Лавров прибыл в Пхеньян<', out.html)
    assert "Seoul Ilbo (Korean): 라브로프 평양 도착" in out.text
    assert "Vesti (Russian): Лавров прибыл в Пхеньян" in out.text
    assert '<meta charset="utf-8">' in out.html


def test_css_is_inlined_and_layout_is_tables(hostile: Digest) -> None:
    html = render_digest(hostile).html
    assert 'class="headline" lang="en" style="' in html or re.search(r'<h3[^>]+style="', html)
    style_blocks = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert all("@media" in block and ".headline {" not in block for block in style_blocks)
    assert html.count('role="presentation"') >= 5
    assert "<div" not in html  # tables only: Outlook ignores div widths


def test_subject_says_the_week_and_the_counts(hostile: Digest) -> None:
    out = render_digest(hostile)
    assert out.subject == (
        "Russia–North Korea digest, week 2026-W47 (16–22 November 2026): 1 story, 1 new"
    )


def test_an_empty_week_still_renders_with_its_context() -> None:
    empty = digest_of(
        [],
        failing=[
            FeedHealth(
                outlet="Yonhap",
                url="https://yna.example/rss",
                errors=7,
                failing_since=datetime(2026, 11, 14, tzinfo=UTC),
                last_error="HTTP 503",
                last_success=datetime(2026, 11, 13, tzinfo=UTC),
            )
        ],
    )
    out = render_digest(empty)
    assert out.subject.endswith("no new developments")
    for part in (out.html, out.text):
        assert "No new developments this week." in part
        assert "Yonhap" in part and "HTTP 503" in part and "7 polls" in part
        assert "avg 0.5" in part  # Tuesday: 4 articles a week before, over 8 weeks
    assert "Continuing coverage" not in out.html
    assert len(re.findall(r"^  (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d+ Nov", out.text, re.M)) == 7


@pytest.fixture
def broken_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    (tmp_path / "digest.html.j2").write_text("<p>{{ digest.no_such_field }}</p>")
    (tmp_path / "digest.txt.j2").write_text("{{ subject }}")
    monkeypatch.setattr(render, "_templates_dir", lambda: str(tmp_path))
    render.environment.cache_clear()
    yield
    render.environment.cache_clear()


def test_a_broken_template_fails_loudly(broken_templates: None, hostile: Digest) -> None:
    with pytest.raises(RenderError, match="no_such_field"):
        render_digest(hostile)


def test_a_huge_week_stays_under_gmails_clipping_limit() -> None:
    rows = []
    for story in range(1, 201):
        for k in range(10):
            rows.append(
                article(
                    story * 100 + k,
                    story=story * 100,
                    hours=story % 150,
                    outlet=f"Outlet {k}",
                    language="ko" if k % 2 else "en",
                    title=f"{story}번째 기사: 러시아와 북한의 관계에 관한 아주 긴 제목 {'가나다라' * 8}",
                    text="Russia and North Korea held talks in Pyongyang on many issues, officials "
                    "said on Tuesday evening. " * 6,
                )
            )
    out = render_digest(digest_of(rows))
    assert len(out.html.encode("utf-8")) <= render.MAX_HTML_BYTES
    shown_full = out.html.count('class="item"')
    assert render.MIN_FULL_ITEMS <= shown_full < 200
    more = re.search(r"… and (\d+) more stories", out.html)
    brief = out.html.count('class="brief"') - 1  # the last one is the "and N more" line
    assert more and shown_full + brief + int(more.group(1)) == 200  # every story counted once
    assert "… and 1 more article" in out.html  # 9 other sources, 8 listed


def test_an_ordinary_week_shows_every_story_in_full(hostile: Digest) -> None:
    rows = [
        article(
            n,
            title=f"Story {n} on Russia and North Korea",
            hours=n,
            text="Officials in Moscow and Pyongyang met again on Tuesday, they said. " * 3,
        )
        for n in range(1, 21)
    ]
    out = render_digest(digest_of(rows))
    assert out.html.count('class="item"') == 20 and "More stories" not in out.html


def test_old_articles_first_seen_this_week_stay_out_of_the_digest() -> None:
    """A discover backfill stores 2024 articles today: archive material, not this week's news."""
    fresh = article(1, title="Lavrov arrives in Pyongyang", text="Lavrov arrived on Tuesday.")
    old = article(2, title="Putin lands in Pyongyang", text="Putin landed this evening.")
    old = ArticleRow(**{**old.__dict__, "published_at": datetime(2024, 6, 18, tzinfo=UTC)})
    digest = digest_of([fresh, old])
    assert [i.headline for i in digest.new + digest.continuing] == ["Lavrov arrives in Pyongyang"]
