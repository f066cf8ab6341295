"""Digest benchmark: how long it takes to group a realistic week into stories and build its digest.

Run from the repository root (about a minute on two cores):

    .venv/bin/python bench/digest.py              # writes docs/benchmarks/digest.md
    .venv/bin/python bench/digest.py --no-write   # print only

Data: the KCNA corpus (../shared/fixtures/corpus/kcna/headlines_2024-11-11.json, 2,111 North
Korean state-media items with full texts, CC0), re-dated into the week measured (2026-W47, in
Europe/Berlin) and the weeks before it, in a fresh DuckDB file:

- the week: 300 relevant articles (270 distinct KCNA texts, and 30 syndicated copies of them in
  other outlets, lightly edited: a changed sentence, a dropped last paragraph or an added credit
  line) and 2,000 irrelevant ones;
- the two weeks before: 300 relevant articles each (the story look-back reaches back 14 days),
  already grouped and carried by the previous week's digest, as in steady operation;
- the six weeks before those: 300 relevant short items each, for the eight-week activity baseline;
- the two seed articles.

Measured, in one process, as `newswatch digest` runs them (Prefect's own overhead, about 1 s per
flow run plus 10-17 s to start a temporary server in local mode, is not included):
`assign_stories` (read the window and look-back, find copies, group stories, write), then
`build_digest` (select, compare with earlier digests and seeds, gather context, render HTML and
text with inlined CSS) five times, then `deliver_digest` to the outbox once. The pure grouping
(`reports.stories.assign_stories` on rows in memory) is timed three times on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from extract.article.seeds import read_seed_articles, seed_article  # noqa: E402
from extract.models import (  # noqa: E402
    ExtractedArticle,
    ExtractionStatus,
    ProcessedArticle,
    Relevance,
)
from pipeline import digest, stories  # noqa: E402
from pipeline.delivery import (  # noqa: E402
    deliver_digest,
)
from pipeline.settings import Settings, load_settings  # noqa: E402
from reports.select import ArticleRow  # noqa: E402
from reports.stories import grouping as story_logic  # noqa: E402
from store import articles  # noqa: E402
from store import stories as story_store  # noqa: E402
from store.db import connect  # noqa: E402

KCNA = ROOT.parent / "shared" / "fixtures" / "corpus" / "kcna" / "headlines_2024-11-11.json"
OUT = ROOT / "docs" / "benchmarks" / "digest.md"
WEEK = "2026-W47"
ZONE = "Europe/Berlin"
RELEVANT, COPIES, IRRELEVANT = 300, 30, 2000
OUTLETS = [
    "KCNA",
    "Yonhap",
    "Korea Courier",
    "NK News",
    "TASS",
    "RIA",
    "Kommersant",
    "Global Wire",
    "Harbour Herald",
    "Asia Review",
    "Far East Daily",
    "Daily NK",
]
TERMS = {
    "Russia": "ru:Russia",
    "Putin": "ru:Putin",
    "Moscow": "ru:Moscow",
    "Lavrov": "ru:Lavrov",
    "Kim Jong Un": "nk:Kim Jong Un",
    "Pyongyang": "nk:Pyongyang",
    "DPRK": "nk:North Korea",
    "treaty": "link:treaty",
    "delegation": "link:delegation",
}


def load_corpus() -> list[dict[str, Any]]:
    items = json.loads(KCNA.read_text(encoding="utf-8"))
    seen: set[str] = set()
    unique = []
    for item in items:
        text = (item.get("story_text") or "").strip()
        if len(text) > 200 and text[:200] not in seen:
            seen.add(text[:200])
            unique.append(item)
    return unique


def terms_of(text: str) -> tuple[str, ...]:
    return tuple(term for word, term in TERMS.items() if word in text)


def edit_copy(text: str, rng: random.Random) -> str:
    """A syndicated copy: one sentence changed, the last paragraph dropped, or a credit added."""
    paragraphs = text.split("\n")
    choice = rng.randrange(3)
    if choice == 0 and len(paragraphs) > 3:
        return "\n".join(paragraphs[:-1])
    if choice == 1:
        i = rng.randrange(len(paragraphs))
        paragraphs[i] = paragraphs[i].replace(" the ", " this ", 1)
        return "\n".join(paragraphs)
    return text + "\n(Reporting by the Pyongyang bureau; editing by the desk)"


def make_item(
    n: int, title: str, text: str, outlet: str, *, relevant: bool, published: datetime
) -> ProcessedArticle:
    url = f"https://{outlet.lower().replace(' ', '')}.example/{n}"
    return ProcessedArticle(
        article=ExtractedArticle(
            url=url,
            canonical_url=url,
            title=title,
            text=text,
            author=None,
            published_at=published,
            site_name=outlet,
            language="en",
            status=ExtractionStatus.OK,
        ),
        relevance=Relevance(
            relevant=relevant,
            score=0.8 if relevant else 0.1,
            terms=terms_of(text) if relevant else (),
            reason="bench",
        ),
        source=outlet,
    )


def store_spread(
    settings: Settings, items: list[ProcessedArticle], start: datetime, rng: random.Random
) -> None:
    """Store articles first seen at random hours of the 7 days from `start`."""
    by_hour: dict[int, list[ProcessedArticle]] = {}
    for item in items:
        by_hour.setdefault(rng.randrange(7 * 24), []).append(item)
    with connect(settings.db) as con:
        for hour, batch in sorted(by_hour.items()):
            when = start + timedelta(hours=hour, minutes=rng.randrange(60))
            articles.upsert_articles(
                con,
                [replace(b, article=replace(b.article, published_at=when)) for b in batch],
                now=when,
            )


def build_database(settings: Settings, rng: random.Random) -> dict[str, int]:
    corpus = load_corpus()
    rng.shuffle(corpus)
    window = digest.resolve_window(settings, week=WEEK)
    counter = iter(range(1, 10**9))
    planted = 0

    def relevant_week(pool: list[dict[str, Any]]) -> list[ProcessedArticle]:
        nonlocal planted
        out = [
            make_item(
                next(counter),
                i["headline"],
                i["story_text"],
                rng.choice(OUTLETS[:6]),
                relevant=True,
                published=window.start,
            )
            for i in pool
        ]
        for item in rng.sample(pool, COPIES):
            out.append(
                make_item(
                    next(counter),
                    item["headline"],
                    edit_copy(item["story_text"], rng),
                    rng.choice(OUTLETS[6:]),
                    relevant=True,
                    published=window.start,
                )
            )
            planted += 1
        return out

    distinct = RELEVANT - COPIES
    weeks = [corpus[k * distinct : (k + 1) * distinct] for k in range(3)]  # W-2, W-1, W
    for back in range(8, 2, -1):  # baseline weeks: short items, counted only
        items = [
            make_item(
                next(counter),
                f"Item {back}-{k}",
                "Short item text for the baseline.",
                rng.choice(OUTLETS),
                relevant=True,
                published=window.start,
            )
            for k in range(RELEVANT)
        ]
        store_spread(settings, items, window.start - timedelta(weeks=back), rng)
    for back, pool in ((2, weeks[0]), (1, weeks[1])):
        store_spread(settings, relevant_week(pool), window.start - timedelta(weeks=back), rng)
    planted = 0
    store_spread(settings, relevant_week(weeks[2]), window.start, rng)
    irrelevant = [
        make_item(
            next(counter),
            i["headline"],
            i["story_text"],
            "KCNA",
            relevant=False,
            published=window.start,
        )
        for i in rng.choices(corpus, k=IRRELEVANT)
    ]
    store_spread(settings, irrelevant, window.start, rng)
    with connect(settings.db) as con:
        seeds = read_seed_articles(ROOT / "seeds" / "articles")
        for seed in seeds:
            articles.upsert_articles(
                con,
                [
                    ProcessedArticle(
                        article=seed_article(seed),
                        relevance=Relevance(relevant=True, score=1.0, terms=terms_of(seed.text)),
                        source=seed.outlet,
                        is_seed=True,
                    )
                ],
                now=seed.reference_date or window.start,
            )
        counts = articles.count_articles(con)
    return {"planted_copies": planted, **counts}


def run(write: bool) -> str:
    rng = random.Random(20261123)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            db=Path(tmp) / "bench.duckdb",
            timezone=ZONE,
            outbox=Path(tmp) / "outbox",
            digest_archive=Path(tmp) / "archive",
        )
        started = time.perf_counter()
        sizes = build_database(settings, rng)
        setup_s = time.perf_counter() - started
        window = digest.resolve_window(settings, week=WEEK)
        previous = digest.resolve_window(settings, week="2026-W46")
        stories.assign_stories(settings, previous.start, previous.end)
        deliver_digest(settings, digest.build_digest(settings, previous))

        with connect(settings.db) as con:
            lookback = window.start - timedelta(days=settings.story_lookback_days)
            rows = [
                ArticleRow.from_record(r)
                for r in story_store.relevant_articles(con, since=lookback, until=window.end)
            ]
        context = stories.story_context(settings, rows)  # vectors computed once, untimed
        pure = []
        for _ in range(3):
            t = time.perf_counter()
            story_logic.assign_stories(rows, context)
            pure.append(time.perf_counter() - t)

        story_run = stories.assign_stories(settings, window.start, window.end)
        builds = []
        for _ in range(5):
            built = digest.build_digest(settings, window)
            builds.append(built.elapsed_ms / 1000)
        t = time.perf_counter()
        delivery = deliver_digest(settings, built)
        deliver_s = time.perf_counter() - t
        with connect(settings.db) as con:
            week_rows = story_store.relevant_articles(con, since=window.start, until=window.end)
        sizes_by_story = Counter(r["story_id"] for r in week_rows)
        copies = sum(1 for r in week_rows if r["duplicate_of"] is not None)
        html_kb = len(built.rendered.html.encode()) / 1024
        text_kb = len(built.rendered.text.encode()) / 1024

    d = built.digest
    lines = [
        "# Digest benchmark",
        "",
        "How long building the weekly digest takes for a realistic week. Produced by "
        "`.venv/bin/python bench/digest.py` (see its docstring for the data and what is timed).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; run {datetime.now(UTC):%Y-%m-%d} "
        f"(1-minute load average {os.getloadavg()[0]:.1f} at the end).",
        "",
        "## Data",
        "",
        f"- week {WEEK} ({ZONE}): {len(week_rows)} relevant articles "
        f"({sizes['planted_copies']} planted syndicated copies) and {IRRELEVANT} irrelevant ones;",
        f"- database: {sizes['articles']} articles in all ({sizes['relevant']} relevant, "
        f"{sizes['seeds']} seeds); the previous week's digest already delivered;",
        f"- grouping considered {story_run.considered} relevant articles (window and 14-day "
        f"look-back), of which {story_run.assigned} were new.",
        "",
        "## Time",
        "",
        "| step | time |",
        "|---|---|",
        f"| assign stories (read, copies, grouping, write) | {story_run.elapsed_ms / 1000:.2f} s |",
        f"| of which the pure grouping, in memory (median of 3) | {statistics.median(pure):.2f} s |",
        f"| build digest: select, compare, context, render (median of 5) | "
        f"{statistics.median(builds):.2f} s (min {min(builds):.2f}, max {max(builds):.2f}) |",
        f"| deliver to the outbox and archive | {deliver_s:.2f} s |",
        f"| **selection + grouping + rendering** | **{story_run.elapsed_ms / 1000 + statistics.median(builds):.2f} s** |",
        "",
        f"Setting up the database (not part of a digest run) took {setup_s:.1f} s.",
        "",
        "## Result",
        "",
        f"- {d.totals.stories} stories ({d.totals.new_stories} new, "
        f"{len(d.continuing)} continuing) from {d.totals.articles} articles; "
        f"largest story {max(sizes_by_story.values())} articles; "
        f"{sum(1 for v in sizes_by_story.values() if v == 1)} single-article stories;",
        f"- copies found: {copies} (planted: {sizes['planted_copies']});",
        f"- HTML {html_kb:.0f} KiB, text {text_kb:.0f} KiB; delivery: {delivery.status}.",
        "",
        "The KCNA items are one outlet's distinct reports, given random outlet names here, so",
        'its templated items (the daily "Press Review", "Kim Jong Un Receives Greetings from',
        '...") group across those names: the figures measure cost, not grouping quality (see',
        "`tests/reports/stories/test_grouping.py` and docs/digest.md for that).",
        "",
    ]
    report = "\n".join(lines)
    if write:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(report, encoding="utf-8")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    print(run(write=not args.no_write))


if __name__ == "__main__":
    main()
