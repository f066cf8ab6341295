"""The archive site end to end, as the issue asks: a poll of a local site carrying two weeks of
synthetic reports, the two weekly digests (the `weekly-digest` flow, which also refreshes the
site), then `newswatch site build`; headless Chromium walks the result from the file system.

The two fixture weeks are moved by whole weeks to end three weeks before today, so their digests
count articles by publication date (as any digest of a past window does) whatever day the suite
runs on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest

from testkit.browser import Browser
from testkit.localsite import LocalSite
from tests.reports.fixture_weeks import WEEK_B, fixture_data, page_html

pytestmark = pytest.mark.prefect


def moved_weeks(now: datetime) -> tuple[list[dict[str, Any]], int]:
    """The fixture articles moved by whole weeks so that week B ended at least 15 days ago."""
    week_b_end = date.fromisocalendar(2026, int(WEEK_B.split("W")[1]), 7) + timedelta(days=1)
    weeks = ((now.date() - week_b_end).days - 15) // 7
    delta = timedelta(weeks=weeks)

    def moved(value: str) -> str:
        return (datetime.fromisoformat(value) + delta).isoformat()

    items = [
        {**a, "published_at": moved(a["published_at"]), "first_seen_at": moved(a["first_seen_at"])}
        for a in fixture_data()["articles"]
    ]
    return items, weeks


def rss(entries: list[tuple[str, dict[str, Any]]], title: str) -> bytes:
    items = "".join(
        f"<item><title>{escape(item['title'])}</title><link>{escape(link)}</link>"
        f'<guid isPermaLink="true">{escape(link)}</guid>'
        f"<pubDate>{format_datetime(datetime.fromisoformat(item['published_at']))}</pubDate></item>"
        for link, item in entries
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{escape(title)}'
        f"</title><link>https://example.org/</link><description>synthetic</description>{items}"
        "</channel></rss>"
    ).encode()


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def test_poll_two_digests_then_the_site_walks_end_to_end(
    prefect_api: None, local_site: LocalSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from newswatch.cli import app

    now = datetime.now(UTC)
    items, weeks = moved_weeks(now)
    data = fixture_data()
    listing = []
    for feed in data["feeds"]:
        name = feed["source"].lower().replace(" ", "-")
        entries = [
            (local_site.add(f"/{name}/{n}.html", page_html(item, feed["source"])), item)
            for n, item in enumerate(a for a in items if a["feed"] == feed["url"])
        ]
        url = local_site.add(
            f"/feeds/{name}.xml", rss(entries, feed["source"]), content_type="application/rss+xml"
        )
        listing.append(
            f'[[feeds]]\nurl = "{url}"\nsource = "{feed["source"]}"\n'
            f'language = "{feed["language"]}"\n'
        )
    feed_list = tmp_path / "feeds.toml"
    feed_list.write_text("\n".join(listing), encoding="utf-8")
    db = tmp_path / "news.duckdb"
    for key in ("NEWSWATCH_SMTP_HOST", "NEWSWATCH_SITE_DIR", "NEWSWATCH_SITE_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("NEWSWATCH_TIMEZONE", "UTC")
    monkeypatch.setenv("NEWSWATCH_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("NEWSWATCH_DIGEST_ARCHIVE", str(tmp_path / "archive"))
    runner = CliRunner()

    polled = runner.invoke(app, ["poll", "--feeds", str(feed_list), "--db", str(db)])
    assert polled.exit_code == 0, polled.output
    first_days = sorted({datetime.fromisoformat(a["published_at"]).date() for a in items})
    week_keys = sorted({iso_week(d) for d in first_days})
    assert len(week_keys) == 2, (week_keys, weeks)
    for key in week_keys:
        sent = runner.invoke(app, ["digest", "--week", key, "--db", str(db)])
        assert sent.exit_code == 0, sent.output
    site_dir = tmp_path / "site"
    assert (site_dir / "index.html").is_file()  # the weekly flow refreshed the site already
    built = runner.invoke(app, ["site", "build", "--db", str(db)])
    assert built.exit_code == 0, built.output
    assert "2 digests, 6 developments" in built.output

    listed = runner.invoke(app, ["timeline", "export", "--db", str(db), "--format", "jsonl"])
    categories = sorted(
        line.split('"category": "')[1].split('"')[0] for line in listed.stdout.splitlines()
    )
    assert categories == sorted(["economy", "diplomacy", "arms", "economy", "treaties", "economy"])

    with Browser() as browser:
        for width in (390, 1200):
            page = browser.open(site_dir / "index.html", width=width)
            assert page.texts(".week > a") == list(reversed(week_keys))
            page.click(f".week > a >> text={week_keys[0]}")
            page.click(".item a.headline >> text=Lavrov arrives in Pyongyang")
            assert len(page.texts(".report")) == 3
            assert page.scroll_width() <= page.inner_width()
            page.click("#nav-timeline")
            page.select("#category", "economy")
            assert page.text("#shown") == "3 of 6"
            page.click("#nav-search")
            page.type("#q", "Лавров")
            assert page.texts(".result a") == [
                "Lavrov arrives in Pyongyang for talks with Choe Son Hui"
            ]
            assert page.scroll_width() <= page.inner_width() and page.errors == []
