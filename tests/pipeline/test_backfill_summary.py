"""The discover summary says, per feed, what was tried and what it found: the feed's own history
(WordPress pages here), the site's sitemaps when the feed has none, and the error of a feed that
answered 404, instead of the same "method none" for every feed. Two real sites on 127.0.0.1 (one
with a sitemap, one without), a real DuckDB file, a dry run (no article page fetched)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from pipeline.backfill.discover import discover_feed
from pipeline.backfill.finish import finish_backfill
from pipeline.backfill.plan import plan_backfill
from pipeline.backfill.request import BackfillRequest
from pipeline.settings import load_settings
from testkit.localsite import LocalSite
from testkit.newssite import feed_list

JUNE_2024 = BackfillRequest(
    start=date(2024, 6, 1), end=date(2024, 6, 30), mode="discover", dry_run=True
)


def rss(site: LocalSite, items: list[tuple[str, datetime]], *, wordpress: bool = False) -> str:
    body = "".join(
        f"<item><title>{path}</title><link>{site.url(path)}</link>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for path, when in items
    )
    generator = "<generator>https://wordpress.org/?v=6.5</generator>" if wordpress else ""
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{generator}{body}</channel></rss>'


@pytest.fixture
def other_site() -> Iterator[LocalSite]:
    site = LocalSite()
    site.start()
    try:
        yield site
    finally:
        site.stop()


def test_the_summary_says_per_feed_what_was_tried_and_found(
    local_site: LocalSite, other_site: LocalSite, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    june = datetime(2024, 6, 15, 9, tzinfo=UTC)
    kind = "application/rss+xml"
    feeds = {
        "wordpress": local_site.add(
            "/blog/feed/",
            rss(local_site, [("/blog/new.html", now)], wordpress=True),
            content_type=kind,
        ),
        "with-sitemap": local_site.add(
            "/news.xml", rss(local_site, [("/news/new.html", now)]), content_type=kind
        ),
        "plain": other_site.add(
            "/rss.xml", rss(other_site, [("/a/new.html", now)]), content_type=kind
        ),
        "gone": other_site.add("/gone.xml", b"not here", status=404, content_type="text/plain"),
    }
    local_site.add(
        "/blog/feed/?paged=2",
        rss(local_site, [("/blog/2024/06/old.html", june)], wordpress=True),
        content_type=kind,
    )
    local_site.add(
        "/sitemap.xml",
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(
            f"<url><loc>{local_site.url(f'/news/2024/06/{day:02d}/story.html')}</loc></url>"
            for day in (3, 18)
        )
        + f"<url><loc>{local_site.url('/news/2023/01/02/old.html')}</loc></url></urlset>",
        content_type="application/xml",
    )
    listing = tmp_path / "feeds.toml"
    listing.write_text(feed_list(feeds), encoding="utf-8")
    settings = load_settings(
        db=tmp_path / "news.duckdb", feeds=listing, allow_private_networks=True
    )

    plan = plan_backfill(settings, JUNE_2024, run_id="summary")
    found = [discover_feed(settings, plan, url) for url in plan.feeds]
    summary = finish_backfill(settings, plan, feeds=found)
    rows = {str(row["feed"]).removeprefix("Local "): row for row in summary.rows}

    assert rows["wordpress"]["method"] == "wordpress"
    assert str(rows["wordpress"]["tried"]).startswith("wordpress feed pages (?paged=N)")
    assert "sitemaps" not in str(rows["wordpress"]["tried"])  # it had a history of its own
    assert rows["wordpress"]["in window"] == 1

    assert rows["with-sitemap"]["method"] == "sitemap"
    assert str(rows["with-sitemap"]["tried"]).startswith(
        "feed: no archive or paging; sitemaps of the site: found"
    )
    assert (rows["with-sitemap"]["in window"], rows["with-sitemap"]["outside"]) == (2, 2)

    assert rows["plain"]["method"] == "none: no archive, paging or sitemap"
    assert "sitemaps: none at /robots.txt, /sitemap.xml" in str(rows["plain"]["tried"])

    gone = rows["gone"]
    assert str(gone["method"]).startswith("failed: HTTP 404"), gone
    assert str(gone["tried"]).startswith("feed: HTTP 404"), gone
    assert "sitemaps: none at" in str(gone["tried"])
    assert summary.unread_feeds == 1
    assert len({str(r["tried"]) for r in summary.rows}) == 4  # not one line for every feed
