"""Title, author and date accuracy of `extract_article` on the fundus test pages.

Part of the article-extraction benchmark (`.venv/bin/python -m bench.extraction`, which writes
docs/benchmarks/extraction.md); the pages are flairNLP/fundus@18da6e53's test data (MIT), by
default in ../shared/fixtures/extraction/fundus-test-data.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from extract.article.extraction import extract_article


@dataclass(frozen=True)
class MetaCase:
    path: Path
    url: str
    crawled: datetime
    title: str
    authors: tuple[str, ...]
    published: datetime | None


def fundus_cases(directory: Path) -> list[MetaCase]:
    """One case per (publisher, parser version): the html file crawled soonest after the version's
    publication date (fundus keeps one expected record per parser version, not per file)."""
    cases = []
    for meta_path in sorted(directory.glob("*/meta.info")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        by_publisher: dict[str, list[tuple[datetime, str, str]]] = {}
        for name, info in meta.items():
            if not (meta_path.parent / name).exists():
                continue
            crawled = datetime.fromisoformat(info["crawl_date"]).replace(tzinfo=UTC)
            by_publisher.setdefault(name.rsplit("_", 3)[0], []).append((crawled, name, info["url"]))
        for publisher, files in by_publisher.items():
            expected_path = meta_path.parent / f"{publisher}.json"
            if not expected_path.exists():
                continue
            for record in json.loads(expected_path.read_text(encoding="utf-8")).values():
                if not record.get("title") or not record.get("publishing_date"):
                    continue
                published = datetime.fromisoformat(record["publishing_date"])
                if published.tzinfo is None:
                    published = published.replace(tzinfo=UTC)
                later = [f for f in files if f[0] >= published - timedelta(days=1)]
                if not later:
                    continue
                crawled, name, url = min(later)
                authors = tuple(str(a) for a in record.get("authors") or ())
                cases.append(
                    MetaCase(
                        meta_path.parent / name, url, crawled, record["title"], authors, published
                    )
                )
    return cases


def _norm(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def metadata_accuracy(cases: Sequence[MetaCase]) -> dict[str, tuple[int, int]]:
    """Hits and totals: title exact / title contained, author, date exact / within a day."""
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for case in cases:
        body = gzip.decompress(case.path.read_bytes())
        article = extract_article(body, url=case.url, now=case.crawled + timedelta(hours=1))
        want, got = _norm(case.title), _norm(article.title)
        totals["title exact"] += 1
        totals["title contains the expected title"] += 1
        hits["title exact"] += want == got
        hits["title contains the expected title"] += bool(want) and want in got
        if case.authors:
            totals["authors (every expected name in the author string)"] += 1
            hits["authors (every expected name in the author string)"] += all(
                _norm(a) in _norm(article.author) for a in case.authors
            )
        if case.published is not None:
            local = case.published.date()
            utc = case.published.astimezone(UTC).date()
            got_date = article.published_at.date() if article.published_at else None
            totals["date: same calendar day"] += 1
            totals["date: within one day"] += 1
            hits["date: same calendar day"] += got_date in (local, utc)
            hits["date: within one day"] += (
                got_date is not None and abs((got_date - local).days) <= 1
            )
            totals["date: none found"] += 1
            hits["date: none found"] += got_date is None
    return {k: (hits[k], totals[k]) for k in totals}


def metadata_section(metadata: dict[str, tuple[int, int]]) -> list[str]:
    """The report's lines for the fundus figures."""
    lines = [
        "## Metadata (fundus test pages)",
        "",
        "`extract_article` with the chosen settings on the fundus test pages",
        "(flairNLP/fundus@18da6e53, MIT), `now` set just after each page's crawl date: one case",
        "per publisher and parser version, the html file crawled soonest after the expected",
        "publication date. Titles compared case- and whitespace-insensitively, after",
        'extract_article has removed a trailing site-name segment (" | Site") from its title.',
        "Date: the calendar day of the expected timestamp, in its own time zone or in UTC.",
        "",
        "| check | hits | of | rate |",
        "|---|---|---|---|",
    ]
    for check, (hit, total) in metadata.items():
        lines.append(f"| {check} | {hit} | {total} | {hit / total:.2f} |")
    return lines
