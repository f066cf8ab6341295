"""Load the synthetic fixture weeks (tests/fixtures/digest/weeks.json) into a database.

The file is SYNTHETIC (invented outlets and reports on .example domains): two ISO weeks, 2026-W46
and 2026-W47, each article labelled with the development ("story") it belongs to, so tests can
compare the clustering with the expected grouping.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from extract.article.seeds import read_seed_articles, seed_article
from extract.models import (
    ExtractedArticle,
    ExtractionStatus,
    FeedSpec,
    ProcessedArticle,
    Relevance,
)
from store import articles, feeds

WEEKS = Path(__file__).resolve().parents[1] / "fixtures" / "digest" / "weeks.json"
WEEK_A, WEEK_B = "2026-W46", "2026-W47"
SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "articles"
# What the relevance judge (extract/relevance/ with seeds/gazetteer.toml) gave the seeds when
# this fixture was written; fixed here so these tests do not move with the judge.
SEED_TERMS = {
    "reaction-putin-arrives-in-north-korea.txt": (
        "ru:Putin",
        "ru:Russia",
        "ru:Moscow",
        "ru:Kremlin",
        "ru:Soviet Union",
        "ru:Ushakov",
        "nk:North Korea",
        "nk:Pyongyang",
        "nk:Kim Jong Un",
        "link:munitions",
        "link:alliance",
        "link:military cooperation",
        "link:strategic partnership",
        "link:treaty",
        "link:cooperation",
        "link:technology transfer",
        "link:visit",
        "link:sanctions",
        "link:messages",
        "link:talks",
    ),
    "times-of-malta-putin-kim-meeting.txt": (
        "ru:Russia",
        "ru:Putin",
        "ru:Moscow",
        "ru:Russian regions",
        "ru:Shoigu",
        "ru:Vostochny",
        "nk:North Korea",
        "nk:Kim Jong Un",
        "nk:Pyongyang",
        "link:munitions",
        "link:alliance",
        "link:talks",
        "link:visit",
        "link:technology transfer",
        "list:United States",
        "list:South Korea",
        "list:Japan",
    ),
}


def fixture_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(WEEKS.read_text(encoding="utf-8"))
    return data


def articles_of_week(week: str) -> list[dict[str, Any]]:
    """The fixture articles first seen in an ISO week ("2026-W46")."""
    year, number = (int(part) for part in week.split("-W"))
    return [
        a
        for a in fixture_data()["articles"]
        if datetime.fromisoformat(a["first_seen_at"]).isocalendar()[:2] == (year, number)
    ]


def shifted_to(items: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The fixture articles moved by whole days so that the latest was published yesterday.

    For tests that serve the fixture as live pages: their dates then stay recent whatever the
    date the suite runs on (a fixed 2026 date would drift out of "this week's news").
    """
    if not items:
        return []
    latest = max(datetime.fromisoformat(a["published_at"]) for a in items)
    delta = timedelta(days=(now.date() - latest.date()).days - 1)

    def moved(value: str) -> str:
        return (datetime.fromisoformat(value) + delta).isoformat()

    return [
        {**a, "published_at": moved(a["published_at"]), "first_seen_at": moved(a["first_seen_at"])}
        for a in items
    ]


def processed_article(item: dict[str, Any], source: str | None) -> ProcessedArticle:
    return ProcessedArticle(
        article=ExtractedArticle(
            url=item["url"],
            canonical_url=item["url"],
            title=item["title"],
            text=item["text"],
            author=None,
            published_at=datetime.fromisoformat(item["published_at"]),
            site_name=source,
            language=item["language"],
            status=ExtractionStatus.OK,
        ),
        relevance=Relevance(
            relevant=item["relevant"],
            score=0.9 if item["relevant"] else 0.05,
            terms=tuple(item["terms"]),
            reason="fixture",
        ),
        feed_url=item["feed"],
        source=source,
        summary=None,
    )


def load_weeks(con: duckdb.DuckDBPyConnection, *, keys: set[str] | None = None) -> dict[str, int]:
    """Store the fixture articles (all, or those in `keys`), each first seen at its fixture time;
    return article ids by fixture key."""
    data = fixture_data()
    feeds.sync_feed_list(
        con,
        [FeedSpec(url=f["url"], source=f["source"], language=f["language"]) for f in data["feeds"]],
        "fixture",
    )
    sources = {f["url"]: f["source"] for f in data["feeds"]}
    ids: dict[str, int] = {}
    for item in data["articles"]:
        if keys is not None and item["key"] not in keys:
            continue
        [article_id] = articles.upsert_articles(
            con,
            [processed_article(item, sources[item["feed"]])],
            now=datetime.fromisoformat(item["first_seen_at"]),
        )
        ids[item["key"]] = article_id
    return ids


def expected_stories() -> dict[str, str | None]:
    """Fixture key -> the development it belongs to (None for irrelevant articles)."""
    return {a["key"]: a["story"] for a in fixture_data()["articles"]}


def expected_copies() -> dict[str, str]:
    return {a["key"]: a["copy_of"] for a in fixture_data()["articles"] if a.get("copy_of")}


def load_seed_articles(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Store the project's two seed articles as `pipeline.ingest.load_seeds` does; ids by file."""
    ids = {}
    for seed in read_seed_articles(SEEDS):
        item = ProcessedArticle(
            article=seed_article(seed),
            relevance=Relevance(
                relevant=True, score=1.0, terms=SEED_TERMS.get(seed.file, ()), reason="seed"
            ),
            source=seed.outlet,
            is_seed=True,
        )
        [ids[seed.file]] = articles.upsert_articles(
            con, [item], now=seed.reference_date or datetime(2024, 1, 1).astimezone()
        )
    return ids


def page_html(item: dict[str, Any], source: str) -> str:
    """A plain article page for a fixture article (SYNTHETIC, like its text)."""
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in item["text"].split("\n\n"))
    title = escape(item["title"])
    return f"""<!DOCTYPE html>
<html lang="{item["language"]}"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{escape(source)}">
<meta property="article:published_time" content="{item["published_at"]}">
</head><body><header><nav><a href="/">{escape(source)}</a></nav></header>
<main><article><h1>{title}</h1>
{paragraphs}
</article></main><footer><p>Synthetic test page.</p></footer></body></html>"""


def rss(items: list[tuple[str, dict[str, Any]]], title: str, now: datetime) -> bytes:
    """An RSS 2.0 feed of (link, fixture article) pairs, newest first, dated before `now`."""
    entries = []
    for hours, (link, item) in enumerate(items, start=1):
        entries.append(
            f"<item><title>{escape(item['title'])}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="true">{escape(link)}</guid>'
            f"<pubDate>{format_datetime(now - timedelta(hours=hours))}</pubDate>"
            f"<description>{escape(item['text'].split(chr(10))[0])}</description></item>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link>"
        f"<description>synthetic</description>{''.join(entries)}</channel></rss>"
    ).encode()


def load_demo(db: Path | str) -> None:
    """A database for the README screenshot and docs/digest.md: both fixture weeks, the seeds, and
    one feed that has been failing for five polls.

        .venv/bin/python -c "from tests.reports.fixture_weeks import load_demo; load_demo('demo.duckdb')"
    """
    from extract.models import FeedPollResult, PollStatus
    from store.db import connect

    failing = "https://defensemonitor.example/atom"
    with connect(db) as con:
        load_weeks(con)
        load_seed_articles(con)
        for hours in range(5):
            polled = datetime.fromisoformat("2026-11-20T06:00:00+00:00") + timedelta(
                hours=hours * 6
            )
            result = FeedPollResult(
                feed_url=failing,
                status=PollStatus.SOFT_ERROR,
                http_status=503,
                error="HTTP 503 Service Unavailable",
                polled_at=polled,
            )
            feeds.record_poll_results(con, [result], {}, run_id=None, now=polled)
