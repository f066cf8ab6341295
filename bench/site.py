"""Archive site benchmark: how long the timeline and the site take to build as the archive grows.

Run from the repository root (about a minute on two cores):

    .venv/bin/python bench/site.py              # writes docs/benchmarks/site.md
    .venv/bin/python bench/site.py --no-write   # print only

Data: the labelled real reports (tests/fixtures/stories/, 393 published reports of 73
developments in many languages), stored in a fresh DuckDB file with their developments as
stories, then the same archive repeated 1, 4 and 16 times (each copy a new set of stories with its
own URLs), standing for months and years of coverage. Measured in one process, side by side on the
same files, three times each (the median is reported):

- `refresh_timeline(full=True)`: every entry decided again (the first build, or after a change
  of the rules or the gazetteer): read every story's reports, decide, write the table;
- `refresh_timeline()` with nothing changed: what a weekly run pays for the old stories;
- `build_site`: the refresh (nothing changed), then every page rendered and written.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from extract.models import (  # noqa: E402
    ExtractedArticle,
    ExtractionStatus,
    ProcessedArticle,
    Relevance,
)
from pipeline.settings import Settings, load_settings  # noqa: E402
from pipeline.site import build_site  # noqa: E402
from pipeline.timeline import refresh_timeline  # noqa: E402
from store import articles, stories  # noqa: E402
from store.db import connect  # noqa: E402
from testkit.archive_site import Report, labelled_reports  # noqa: E402

SCALES = (1, 4, 16)
RUNS = 3
OUT = ROOT / "docs" / "benchmarks" / "site.md"


def load(settings: Settings, reports: list[Report], copies: int) -> int:
    """Store `copies` copies of the reports, each development a story; returns articles stored."""
    stored = 0
    with connect(settings.db) as con:
        for copy in range(copies):
            shift = timedelta(days=7 * copy)
            items = [
                ProcessedArticle(
                    article=ExtractedArticle(
                        url=f"{r.url}#copy{copy}",
                        canonical_url=f"{r.url}#copy{copy}",
                        title=r.title,
                        text=r.text,
                        author=None,
                        published_at=r.published + shift,
                        site_name=r.outlet,
                        language=r.language,
                        status=ExtractionStatus.OK,
                    ),
                    relevance=Relevance(relevant=True, score=0.9, terms=(), reason="bench"),
                    source=r.outlet,
                )
                for r in reports
            ]
            ids = articles.upsert_articles(con, items, now=datetime.now(UTC))
            first: dict[str, int] = {}
            for article_id, r in zip(ids, reports, strict=True):
                first.setdefault(r.development, article_id)
            stories.save_story_assignments(
                con,
                [(a, first[r.development], None) for a, r in zip(ids, reports, strict=True)],
                now=datetime.now(UTC),
            )
            stored += len(ids)
    return stored


def timed(call: object, runs: int = RUNS) -> float:
    assert callable(call)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    reports = labelled_reports()
    developments = len({r.development for r in reports})
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in SCALES:
            settings = load_settings(db=Path(tmp) / f"site-{scale}.duckdb")
            stored = load(settings, reports, scale)
            refresh_timeline(settings)  # warm: gazetteer and model loaded once per process
            full_s = timed(lambda s=settings: refresh_timeline(s, full=True))
            timeline_s = timed(lambda s=settings: refresh_timeline(s))
            site_s = timed(lambda s=settings: build_site(s))
            built = build_site(settings)
            rows.append(
                (scale, stored, developments * scale, built.files, full_s, timeline_s, site_s)
            )
    lines = [
        "# Archive site benchmark",
        "",
        "`.venv/bin/python bench/site.py` (see its docstring for the data and what is timed);",
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores,"
        f" {datetime.now(UTC):%Y-%m-%d}. Median of {RUNS} runs, seconds.",
        "",
        "| archive | reports | developments | files | timeline, every entry | timeline, "
        "nothing changed | build_site, nothing changed |",
        "|---|---|---|---|---|---|---|",
    ]
    for scale, stored, devs, files, full_s, timeline_s, site_s in rows:
        lines.append(
            f"| ×{scale} | {stored:,} | {devs:,} | {files:,} | {full_s:.2f} s"
            f" ({full_s / stored * 1000:.1f} ms a report) | {timeline_s:.2f} s | {site_s:.2f} s |"
        )
    lines += [
        "",
        "Deciding an entry costs a few milliseconds a report (the gazetteer read of each report,",
        "the story's gist and each report's own); a weekly run decides only the week's new or",
        "changed stories, and then pays for reading and rendering the whole archive.",
        "The machine was shared with other jobs while this ran: figures are indicative.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
