"""The archive site in a real browser (headless Chromium, testkit/browser.py): built from two
delivered fixture weeks, opened from the file system and from `site_server` on 127.0.0.1, walked
as an analyst would: index -> week -> development -> timeline, the category and period filters,
the search box; no sideways scrolling at 390 and 1200 px on any page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import site
from pipeline.settings import Settings
from testkit.browser import Browser, BrowserPage
from tests.pipeline.site_weeks import two_weeks_delivered

WIDTHS = (390, 1200)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = two_weeks_delivered(tmp_path_factory.mktemp("walk"))
    site.build_site(settings)
    return settings


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as b:
        yield b


def fits(page: BrowserPage) -> None:
    assert page.scroll_width() <= page.inner_width(), (
        f"{page.url} is {page.scroll_width()} px wide at {page.inner_width()} px"
    )
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_walk_from_the_index_to_a_development_and_the_timeline(
    built: Settings, browser: Browser, width: int
) -> None:
    page = browser.open(built.site_folder / "index.html", width=width)
    assert page.url.startswith("file://")
    fits(page)
    assert page.texts(".week > a") == ["2026-W47", "2026-W46"]

    page.click(".week > a >> text=2026-W46")
    assert page.url.endswith("/weeks/2026-W46.html")
    fits(page)
    assert len(page.texts(".item")) == 4

    page.click(".item a.headline >> text=Lavrov arrives in Pyongyang")
    assert "/developments/" in page.url
    fits(page)
    assert page.text("#headline") == "Lavrov arrives in Pyongyang for talks with Choe Son Hui"
    assert page.text("#category") == "diplomacy and visits"
    reports = page.texts(".report")
    assert len(reports) == 3 and any("Лавров" in r for r in reports)
    assert any("라브로프" in r for r in reports)

    page.click("#nav-timeline")
    assert page.url.endswith("/timeline.html")
    fits(page)
    assert len(page.texts("#timeline .entry")) == 6

    page.click("#nav-digests")
    page.click(".week > a >> text=2026-W47")
    page.click("#email")  # the email as it was sent, beside its week
    assert page.url.endswith("/weeks/2026-W47.email.html")
    assert "digest" in page.text().lower()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_timeline_filters_by_category_and_period(
    built: Settings, browser: Browser, width: int
) -> None:
    page = browser.open(built.site_folder / "timeline.html", width=width)
    page.select("#category", "economy")
    economy = page.texts("#timeline .entry .headline")
    assert len(economy) == 3 and any("Tumen River road bridge" in h for h in economy)
    assert page.text("#shown") == "3 of 6"
    page.select("#category", "treaties")
    assert [h[:13] for h in page.texts("#timeline .entry .headline")] == ["Putin and Kim"]
    page.select("#category", "sanctions")
    assert page.texts("#timeline .entry") == [] and "No development matches" in page.text("#none")
    page.select("#category", "")
    page.select("#period", "2026-11")
    assert page.text("#shown") == "6 of 6"
    fits(page)
    # A filter can be linked to.
    linked = browser.open(
        (built.site_folder / "timeline.html").as_uri() + "?category=arms", width=width
    )
    assert [h[:11] for h in linked.texts("#timeline .entry .headline")] == ["North Korea"]


@pytest.mark.parametrize("width", WIDTHS)
def test_search_finds_developments_in_any_language(
    built: Settings, browser: Browser, width: int
) -> None:
    page = browser.open(built.site_folder / "search.html", width=width)
    assert "6 developments indexed" in page.text("#count")
    page.type("#q", "라브로프")  # a Korean headline of the visit
    assert page.texts(".result a") == ["Lavrov arrives in Pyongyang for talks with Choe Son Hui"]
    page.type("#q", "строителей")  # the Russian report of the workers' quota
    assert [h[:17] for h in page.texts(".result a")] == ["Russia sets quota"]
    page.type("#q", "munitions containers")  # every word, in the headline or the gist
    assert len(page.texts(".result a")) == 1
    page.type("#q", "no such thing anywhere")
    assert page.texts(".result a") == [] and "0 of 6" in page.text("#count")
    page.type("#q", "tumen")
    fits(page)
    page.click(".result a")
    assert "/developments/" in page.url and "Tumen" in page.text("#headline")


def test_the_site_served_on_loopback_walks_the_same(built: Settings, browser: Browser) -> None:
    server = site.site_server(built, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        page = browser.open(base + "index.html", width=1200)
        page.click("#nav-search")
        page.type("#q", "Wonsan")
        page.click(".result a")
        assert page.url.startswith(base + "developments/")
        assert page.text("#category") == "economy, transport and labour"
    finally:
        server.shutdown()
        server.server_close()


def test_serving_needs_a_built_site(tmp_path: Path, built: Settings) -> None:
    from pipeline.settings import load_settings

    empty = load_settings(db=tmp_path / "news.duckdb", site_dir=tmp_path / "nothing")
    with pytest.raises(site.SiteError, match="run `newswatch site build` first"):
        site.site_server(empty, 0)
