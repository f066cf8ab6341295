"""The timeline step (pipeline/timeline.py, store/timeline.py, reports/timeline.py) on the
synthetic fixture weeks in a DuckDB file: each development once, with its first report and a
category by the rules; an analyst's override kept across rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline import digest, stories, timeline
from pipeline.settings import Settings, load_settings
from store.db import connect
from tests.reports.fixture_weeks import (
    WEEK_A,
    WEEK_B,
    fixture_data,
    load_seed_articles,
    load_weeks,
)

NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)
# What an analyst would file each fixture development under.
EXPECTED = {
    "bridge": "economy",
    "lavrov": "diplomacy",
    "shells": "arms",
    "wonsan": "economy",
    "treaty": "treaties",
    "workers": "economy",
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = load_settings(db=tmp_path / "news.duckdb", timezone="Europe/Berlin")
    with connect(settings.db) as con:
        load_weeks(con)
        load_seed_articles(con)
    for week in (WEEK_A, WEEK_B):
        window = digest.resolve_window(settings, week=week, now=NOW)
        stories.assign_stories(settings, window.start, window.end)
    return settings


def development_of(settings: Settings, story_id: int) -> str:
    """The fixture's label of a story's development (every article of it must agree)."""
    labelled = {a["url"]: a["story"] for a in fixture_data()["articles"]}
    with connect(settings.db) as con:
        urls = con.execute("SELECT url FROM articles WHERE story_id = ?", [story_id]).fetchall()
    found = {labelled[url] for (url,) in urls}
    assert len(found) == 1, found
    return str(found.pop())


def test_each_development_is_in_the_timeline_once_with_its_category(settings: Settings) -> None:
    run = timeline.refresh_timeline(settings)
    entries = timeline.read_timeline(settings)
    assert run.entries == len(entries) == 6
    by_development = {development_of(settings, e["story_id"]): e for e in entries}
    assert sorted(by_development) == sorted(EXPECTED)
    assert {d: e["category"] for d, e in by_development.items()} == EXPECTED
    assert [e["first_reported_at"] for e in entries] == sorted(
        e["first_reported_at"] for e in entries
    )

    lavrov = by_development["lavrov"]
    assert lavrov["languages"] == ["en", "ru", "ko"] and lavrov["reports"] == 3
    assert {"Lavrov", "Choe Son Hui"} <= set(lavrov["actors"]) and "Pyongyang" in lavrov["places"]
    assert lavrov["first_title"] == "Lavrov arrives in Pyongyang for talks with Choe Son Hui"
    assert "talks" in lavrov["rule_reason"] or "visit" in lavrov["rule_reason"]
    workers = by_development["workers"]
    assert workers["headline"].startswith("Russia sets quota of 15,000")  # the English report
    assert workers["gist"] and len(workers["outlets"]) == 3
    # The bridge's ratification a week later is the same development: first report in week A.
    bridge = by_development["bridge"]
    assert bridge["reports"] == 4 and bridge["first_reported_at"] < datetime(
        2026, 11, 16, tzinfo=UTC
    )


def test_an_override_survives_a_rebuild_and_can_be_undone(settings: Settings) -> None:
    timeline.refresh_timeline(settings)
    wonsan = next(e for e in timeline.read_timeline(settings) if "Wonsan" in e["headline"])
    assert wonsan["category"] == "economy" and not wonsan["overridden"]

    assert timeline.set_category(settings, wonsan["story_id"], "People and culture") == "people"
    run = timeline.refresh_timeline(settings)
    assert run.by_category["people"] == 1
    [again] = [e for e in timeline.read_timeline(settings, category="people")]
    assert again["story_id"] == wonsan["story_id"] and again["overridden"]
    assert again["rule_category"] == "economy"  # the rules' verdict is still shown

    timeline.set_category(settings, wonsan["story_id"], "rules")
    assert not timeline.read_timeline(settings, category="people")


def test_bad_requests_are_one_line_errors(settings: Settings) -> None:
    timeline.refresh_timeline(settings)
    with pytest.raises(timeline.TimelineError, match="unknown category 'weather': one of military"):
        timeline.set_category(settings, 1, "weather")
    with pytest.raises(timeline.TimelineError, match="no development 999999"):
        timeline.set_category(settings, 999999, "arms")
    with pytest.raises(timeline.TimelineError, match="--until must be after --since"):
        timeline.read_timeline(settings, since=NOW, until=NOW)


def test_the_timeline_is_read_by_period(settings: Settings) -> None:
    timeline.refresh_timeline(settings)
    week_b = timeline.read_timeline(settings, since=datetime(2026, 11, 16, tzinfo=UTC))
    assert {e["headline"][:20] for e in week_b} == {
        "Putin and Kim's 2024",
        "Russia sets quota of",
    }


def test_a_refresh_decides_only_new_or_changed_stories(settings: Settings) -> None:
    first = timeline.refresh_timeline(settings)
    assert first.rebuilt == first.entries == 6
    assert timeline.refresh_timeline(settings).rebuilt == 0  # nothing changed
    # A report judged irrelevant after a rescore changes its story: that entry alone is redone.
    with connect(settings.db) as con:
        [(article, story)] = con.execute(
            "SELECT id, story_id FROM articles WHERE title LIKE 'Лавров%'"
        ).fetchall()
        con.execute("UPDATE articles SET relevant = false WHERE id = ?", [article])
    again = timeline.refresh_timeline(settings)
    assert again.rebuilt == 1
    [lavrov] = [e for e in timeline.read_timeline(settings) if e["story_id"] == story]
    assert lavrov["reports"] == 2 and "ru" not in lavrov["languages"]
    assert article not in lavrov["report_gists"] and len(lavrov["report_gists"]) == 2
    assert timeline.refresh_timeline(settings, full=True).rebuilt == 6
