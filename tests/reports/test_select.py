"""Windows, items, ranking and summaries (reports/select.py, reports/summary.py): pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.select import (
    ArticleRow,
    StoryItem,
    WindowError,
    build_item,
    daily_activity,
    date_window,
    group_by_story,
    iso_week_window,
    previous_week,
    rank_items,
    representative,
    safe_link,
)
from reports.summary import extractive_summary, split_sentences

BERLIN = "Europe/Berlin"
T0 = datetime(2026, 11, 10, 8, tzinfo=UTC)


def row(
    n: int,
    *,
    outlet: str = "Outlet",
    language: str = "en",
    text: str = "",
    hours: int = 0,
    story: int | None = None,
    copy_of: int | None = None,
    title: str | None = None,
) -> ArticleRow:
    return ArticleRow(
        id=n,
        url=f"https://news.example/{n}",
        title=title or f"Title {n}",
        text=text,
        language=language,
        first_seen_at=T0 + timedelta(hours=hours),
        published_at=T0 + timedelta(hours=hours),
        source=outlet,
        story_id=story,
        duplicate_of=copy_of,
    )


def test_iso_week_runs_monday_to_monday_in_the_configured_zone() -> None:
    window = iso_week_window("2026-W47", BERLIN)
    assert window.start == datetime(2026, 11, 16, tzinfo=ZoneInfo(BERLIN))
    assert window.end == datetime(2026, 11, 23, tzinfo=ZoneInfo(BERLIN))
    assert window.start.astimezone(UTC) == datetime(2026, 11, 15, 23, tzinfo=UTC)
    assert window.key == window.iso_week == "2026-W47"
    assert window.label == "16–22 November 2026"
    assert len(window.days) == 7
    assert iso_week_window("2026-W53", BERLIN).start.date() == date(2026, 12, 28)  # 2026 has 53


@pytest.mark.parametrize(
    "bad",
    [
        "2026-47",
        "2026-W7",
        "W47",
        "2026-W00",
        "2025-W53",
        "2026-W54",
        "2026-W47; DROP TABLE digests",
    ],
)
def test_bad_weeks_are_refused_with_a_readable_message(bad: str) -> None:
    with pytest.raises(WindowError, match="week"):
        iso_week_window(bad, BERLIN)


def test_previous_week_depends_on_the_zone_at_the_turn_of_the_week() -> None:
    # Sunday 23:30 UTC is already Monday in Seoul: there the previous week is the one just ended.
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert previous_week(now, "UTC").key == "2026-W46"
    assert previous_week(now, "Asia/Seoul").key == "2026-W47"
    assert previous_week(datetime(2027, 1, 4, 12, tzinfo=UTC), "UTC").key == "2026-W53"


def test_date_windows_and_their_keys() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert date_window(date(2026, 11, 16), date(2026, 11, 23), BERLIN, now=now).key == "2026-W47"
    span = date_window(date(2026, 11, 16), date(2026, 11, 30), BERLIN, now=now)
    assert span.key == "2026-11-16_2026-11-30" and span.iso_week is None
    assert span.label == "16–29 November 2026"
    assert date_window(date(2026, 11, 20), None, BERLIN, now=now).end.date() == date(2026, 11, 26)
    with pytest.raises(WindowError, match="after"):
        date_window(date(2026, 11, 16), date(2026, 11, 16), BERLIN, now=now)
    with pytest.raises(WindowError, match="time zone"):
        iso_week_window("2026-W47", "Mars/Olympus")


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_every_day_falls_in_exactly_the_week_that_previous_week_returns_a_week_later(
    day: date,
) -> None:
    now = datetime.combine(day + timedelta(days=7), datetime.min.time(), tzinfo=UTC)
    window = previous_week(now + timedelta(hours=12), "UTC")
    assert window.start.date() <= day < window.end.date()
    assert window.start.weekday() == 0 and (window.end - window.start).days == 7


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://a.example/x?y=1", True),
        ("http://a.example/", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>", False),
        ('https://a.example/"><img src=x onerror=alert(1)>', False),
        ("https://a.example/x\r\nBcc: x@y", False),
        ("//a.example/x", False),
        ("", False),
    ],
)
def test_only_plain_http_links_are_linked(url: str, ok: bool) -> None:
    assert (safe_link(url) is not None) is ok


def test_item_tells_the_story_from_the_most_complete_english_original() -> None:
    wire = "Russia and North Korea signed a bridge deal on Tuesday, officials said today. " * 3
    rows = [
        row(1, outlet="Global Wire", text=wire, hours=0, story=1),
        row(
            2,
            outlet="Herald",
            text=wire + " Extra credit line for the copy here.",
            hours=2,
            story=1,
            copy_of=1,
        ),
        row(
            3,
            outlet="Vesti",
            language="ru",
            text="Россия и КНДР подписали соглашение. " * 20,
            hours=3,
            story=1,
        ),
    ]
    assert representative(rows).id == 1  # English, and an original rather than the longer copy
    item = build_item(1, rows)
    assert item.first.outlet == "Global Wire" and [s.outlet for s in item.also] == [
        "Herald",
        "Vesti",
    ]
    assert item.outlets == 3 and item.independent_outlets == 2  # the copy is not independent
    assert item.languages == ["en", "ru"]
    assert item.also[0].copy_of == 1
    assert item.summary and item.summary[0].startswith("Russia and North Korea signed")
    only_russian = build_item(3, [rows[2]])
    assert only_russian.summary_language == "ru"


def test_ranking_puts_new_first_then_independent_outlets_then_recency() -> None:
    def item(story: int, outlets: int, hours: int, status: str = "new") -> StoryItem:
        rows = [
            row(story * 10 + k, outlet=f"O{k}", hours=hours, story=story) for k in range(outlets)
        ]
        return replace(build_item(story, rows), status=status)  # type: ignore[arg-type]

    ranked = rank_items([item(1, 1, 5), item(2, 3, 0), item(3, 1, 9), item(4, 5, 9, "continuing")])
    assert [i.story_id for i in ranked] == [2, 3, 1, 4]


def test_articles_without_a_story_are_stories_of_their_own() -> None:
    groups = group_by_story([row(1, story=1), row(2, story=1), row(3)])
    assert {k: [r.id for r in v] for k, v in groups.items()} == {1: [1, 2], 3: [3]}


def test_daily_activity_compares_each_day_with_the_same_weekday_before() -> None:
    window = iso_week_window("2026-W47", "UTC")
    monday = date(2026, 11, 16)
    counts = {
        monday: 6,
        monday - timedelta(weeks=1): 4,
        monday - timedelta(weeks=8): 4,
        monday - timedelta(weeks=9): 100,
    }  # 9 weeks back: outside the baseline
    activity = daily_activity(window, counts)
    assert activity[0].day == monday and len(activity) == 7
    assert activity[0].count == 6 and activity[0].baseline == 1.0
    assert activity[1].count == 0 and activity[1].baseline == 0.0


def test_sentences_respect_abbreviations_and_scripts() -> None:
    text = (
        "Pyongyang, November 11 (KCNA) -- Mr. Lavrov met officials in N. Korea on Monday. "
        "The U.S. State Department said it was watching.\n\nЛавров прибыл в Пхеньян. "
        "라브로프 장관이 평양에 도착했다. 회담은 이틀간 열린다."
    )
    assert split_sentences(text) == [
        "Pyongyang, November 11 (KCNA) -- Mr. Lavrov met officials in N. Korea on Monday.",
        "The U.S. State Department said it was watching.",
        "Лавров прибыл в Пхеньян.",
        "라브로프 장관이 평양에 도착했다.",
        "회담은 이틀간 열린다.",
    ]


def test_summary_is_two_or_three_sentences_without_dateline_or_headline() -> None:
    text = (
        "SEOUL (Global Wire) - North Korea shipped 12,000 containers of shells to Russia, the "
        "spy agency said.\nNorth Korea shipped shells to Russia\nThe shipments went by sea "
        "from Rajin to Dunai in the Russian Far East. The total since 2023 is above 40,000 "
        "containers, the agency added. A fourth sentence that should not be needed at all."
    )
    summary = extractive_summary(text, title="North Korea shipped shells to Russia")
    assert summary == [
        "North Korea shipped 12,000 containers of shells to Russia, the spy agency said.",
        "The shipments went by sea from Rajin to Dunai in the Russian Far East.",
        "The total since 2023 is above 40,000 containers, the agency added.",
    ]
    long = "This sentence is long enough to count as real article text here. " * 12
    assert 2 <= len(extractive_summary(long)) <= 3
    assert extractive_summary(None) == [] and extractive_summary("") == []
    assert extractive_summary("Short.") == ["Short."]
