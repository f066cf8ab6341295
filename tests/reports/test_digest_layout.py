"""The weekly digest in a real browser (headless Chromium, testkit/browser.py): no sideways
scrolling on a phone (390 px) or a desktop (1200 px).

The digest is built as the weekly flow builds it (pipeline steps over a DuckDB file holding the
synthetic fixture weeks and the seed articles), written to a file and opened from file://.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline import digest, stories
from pipeline.settings import load_settings
from store.db import connect
from testkit.browser import Browser
from tests.reports.fixture_weeks import WEEK_B, load_seed_articles, load_weeks

NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)  # the Monday after WEEK_B


@pytest.fixture(scope="module")
def digest_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("layout")
    settings = load_settings(db=tmp / "news.duckdb", timezone="Europe/Berlin")
    with connect(settings.db) as con:
        load_weeks(con)
        load_seed_articles(con)
    window = digest.resolve_window(settings, week=WEEK_B, now=NOW)
    stories.assign_stories(settings, window.start, window.end)
    built = digest.build_digest(settings, window, now=NOW)
    assert built.digest.totals.stories >= 3  # a real week, not an empty page
    path = tmp / "digest.html"
    path.write_text(built.rendered.html, encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [390, 1200])
def test_the_digest_never_scrolls_sideways(digest_file: Path, width: int) -> None:
    with Browser() as browser:
        page = browser.open(digest_file, width=width)
        assert page.inner_width() == width
        assert page.scroll_width() <= page.inner_width(), (
            f"the digest is {page.scroll_width()} px wide in a {width} px window"
        )
        assert "NEW" in page.text().upper() and page.errors == []


def test_the_check_sees_a_page_that_overflows(tmp_path: Path) -> None:
    """The measure itself: a 500 px block in a 390 px window is caught."""
    wide = tmp_path / "wide.html"
    wide.write_text('<!DOCTYPE html><div style="width:500px">x</div>', encoding="utf-8")
    with Browser() as browser:
        page = browser.open(wide, width=390)
        assert page.overflows() and page.scroll_width() >= 500


def test_the_browser_never_leaves_loopback(tmp_path: Path) -> None:
    """A page that reaches for an outside address is refused; the tests stay on this machine."""
    page_file = tmp_path / "reach.html"
    page_file.write_text(
        "<!DOCTYPE html><title>waiting</title><script>"
        'fetch("http://203.0.113.9/x").then(() => { document.title = "reached"; },'
        ' () => { document.title = "blocked"; });</script>',
        encoding="utf-8",
    )
    with Browser() as browser:
        page = browser.open(page_file, width=390)
        page.page.wait_for_function("document.title !== 'waiting'")
        assert page.page.title() == "blocked" and page.refused == ["http://203.0.113.9/x"]
