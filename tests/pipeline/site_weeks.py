"""A database with the two synthetic fixture weeks delivered as digests (to the outbox), for the
archive site tests: what a poll of two weeks and two Monday digests leave behind."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import delivery, digest, stories
from pipeline.settings import Settings, load_settings
from store.db import connect
from tests.reports.fixture_weeks import WEEK_A, WEEK_B, load_seed_articles, load_weeks

MONDAYS = {  # when each week's digest is built: the Monday after it
    WEEK_A: datetime(2026, 11, 16, 7, tzinfo=UTC),
    WEEK_B: datetime(2026, 11, 23, 7, tzinfo=UTC),
}


def two_weeks_delivered(tmp: Path, **overrides: Any) -> Settings:
    settings = load_settings(
        **{
            "db": tmp / "news.duckdb",
            "timezone": "Europe/Berlin",
            "outbox": tmp / "outbox",
            "digest_archive": tmp / "archive",
            **overrides,
        }
    )
    with connect(settings.db) as con:
        load_weeks(con)
        load_seed_articles(con)
    for week, monday in MONDAYS.items():
        window = digest.resolve_window(settings, week=week, now=monday)
        stories.assign_stories(settings, window.start, window.end)
        built = digest.build_digest(settings, window, now=monday)
        sent = delivery.deliver_digest(settings, built, resend=False)
        assert sent.status in {"sent", "written"}, sent.detail
    return settings


def take_screenshots(folder: Path) -> list[Path]:
    """The README's screenshots of the archive site, built from the two fixture weeks:

    .venv/bin/python -m tests.pipeline.site_weeks docs/img
    """
    import tempfile

    from pipeline import site
    from testkit.browser import Browser

    with tempfile.TemporaryDirectory() as tmp:
        settings = two_weeks_delivered(Path(tmp))
        site.build_site(settings)
        root = settings.site_folder
        lavrov = next(p for p in (root / "developments").iterdir() if "Лавров" in p.read_text())
        shots = []
        with Browser() as browser:
            timeline = browser.open(root / "timeline.html", width=1200)
            shots.append(timeline.screenshot(folder / "site-timeline.png"))
            page = browser.open(lavrov, width=390)
            shots.append(page.screenshot(folder / "site-development-390.png"))
            search = browser.open(root / "search.html", width=1200)
            search.type("#q", "라브로프")
            shots.append(search.screenshot(folder / "site-search.png", full_page=False))
        return shots


if __name__ == "__main__":
    import sys

    for shot in take_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img")):
        print(shot)
