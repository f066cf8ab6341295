"""Labelled real reports served as news sites on 127.0.0.1: pages, and WordPress feeds whose older
pages hold them, so a poll or a discover backfill can find them as it would in production.

    feeds = serve_reports(site, reports, now=now)   # one feed per outlet group; returns feed URLs

Each report becomes an article page (headline, body paragraphs, its publication time in the
page's metadata) and an item of a WordPress-style feed (`<generator>` WordPress, `?paged=N`):
page 1 lists a recent item only, page 2 the reports, so only a discover backfill finds them.
The reports are those of `tests/fixtures/stories/` (real published articles; see its README).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

from testkit.localsite import LocalSite

STORIES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "stories"


@dataclass(frozen=True)
class Report:
    key: str
    url: str
    outlet: str
    language: str
    published: datetime
    title: str
    text: str
    development: str


def labelled_reports(folder: Path = STORIES) -> list[Report]:
    """The labelled reports, each with a headline (the first sentence when the page had none)."""
    out = []
    for line in (folder / "articles.jsonl").open(encoding="utf-8"):
        item = json.loads(line)
        published = datetime.fromisoformat(item["published"])
        if published.tzinfo is None:
            published = published.replace(hour=9, tzinfo=UTC)
        text = item.get("text") or ""
        title = item.get("title") or text.split("\n")[0][:120]
        out.append(
            Report(
                key=item["id"],
                url=item["url"],
                outlet=item["outlet"],
                language=item["language"],
                published=published,
                title=title,
                text=text,
                development=item["development"],
            )
        )
    return out


def page_html(report: Report) -> str:
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in report.text.split("\n") if p.strip())
    title = escape(report.title)
    return f"""<!DOCTYPE html>
<html lang="{report.language}"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{escape(report.outlet)}">
<meta property="article:published_time" content="{report.published.isoformat()}">
</head><body><header><nav><a href="/">{escape(report.outlet)}</a></nav></header>
<main><article><h1>{title}</h1>
{paragraphs}
</article></main><footer><p>Served for a test from a labelled fixture.</p></footer></body></html>"""


def _feed(site: LocalSite, items: Sequence[tuple[str, str, datetime]]) -> str:
    body = "".join(
        f"<item><title>{escape(title)}</title><link>{site.url(path)}</link>"
        f"<guid isPermaLink='false'>wp{path}</guid><pubDate>{format_datetime(when)}</pubDate>"
        f"<description>{escape(title)}</description></item>"
        for path, title, when in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Archive</title>'
        f"<generator>https://wordpress.org/?v=6.5</generator>{body}</channel></rss>"
    )


def serve_reports(
    site: LocalSite, reports: Sequence[Report], *, now: datetime, feeds: int = 3
) -> list[str]:
    """Serve `reports` on `site` through `feeds` WordPress feeds; return the feed URLs."""
    urls = []
    for number in range(feeds):
        mine = [r for k, r in enumerate(reports) if k % feeds == number]
        items = []
        for report in mine:
            path = f"/site{number}/{report.key}.html"
            site.add(path, page_html(report))
            items.append((path, report.title, report.published))
        recent = f"/site{number}/recent.html"
        site.add(recent, "<html><body><p>Weather.</p></body></html>")
        base = f"/site{number}/feed/"
        urls.append(
            site.add(
                base, _feed(site, [(recent, "Weather", now)]), content_type="application/rss+xml"
            )
        )
        site.add(f"{base}?paged=2", _feed(site, items), content_type="application/rss+xml")
        site.add(f"{base}?paged=3", b"not found", status=404, content_type="text/plain")
    return urls
