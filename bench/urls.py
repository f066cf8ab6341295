"""URL identity: how many same-article variants get one canonical URL, through the feed parser.

    .venv/bin/python -m bench.urls            # prints the figures and writes docs/benchmarks/urls.md

The variants are other projects' URL test cases (tests/fixtures/urls/variants.toml, provenance in
its README). Each URL is put as the <link> of an item in an RSS feed served from
https://feeds.example/rss, parsed as a poll parses it, and the item's canonical URL compared with
that of its group's first URL. `distinct` pairs are different articles that must stay apart.
Pure and offline; no timing, only counts.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.feeds.parse import parse_feed  # noqa: E402

VARIANTS = ROOT / "tests" / "fixtures" / "urls" / "variants.toml"
FEED_URL = "https://feeds.example/rss"
OUT = ROOT / "docs" / "benchmarks" / "urls.md"


@dataclass
class Identity:
    variants: int = 0
    merged: int = 0
    distinct: int = 0
    kept_apart: int = 0
    misses: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    false_merges: list[tuple[str, str]] = field(default_factory=list)


def canonical_through_feed(links: list[str]) -> list[str | None]:
    """The canonical URL the feed parser gives each link (None: the item was refused)."""
    now = datetime.now(UTC)
    items = "".join(
        f"<item><title>item {i}</title><guid isPermaLink='false'>g{i}</guid>"
        f"<link>{escape(link, quote=False)}</link></item>"
        for i, link in enumerate(links)
    )
    body = (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
    )
    parsed = parse_feed(body.encode("utf-8"), url=FEED_URL, now=now)
    by_guid = {e.guid: e.canonical_url for e in parsed.entries}
    return [by_guid.get(f"g{i}") for i in range(len(links))]


def measure(path: Path = VARIANTS) -> Identity:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    result = Identity()
    for group in data["group"]:
        urls = group["urls"]
        canon = canonical_through_feed(urls)
        for url, got in zip(urls[1:], canon[1:], strict=True):
            result.variants += 1
            if got is not None and got == canon[0]:
                result.merged += 1
            else:
                result.misses.append((url, got, canon[0]))
    for pair in data["distinct"]:
        first, second = canonical_through_feed(pair["urls"])
        result.distinct += 1
        if first != second:
            result.kept_apart += 1
        else:
            result.false_merges.append((pair["urls"][0], pair["urls"][1]))
    return result


def report(result: Identity) -> str:
    lines = [
        "# URL identity",
        "",
        "Produced by `.venv/bin/python -m bench.urls` (counts, no timing). Same-article variants"
        " from other projects' URL tests (`tests/fixtures/urls/`), each parsed as an RSS item's"
        " link the way a poll parses it:",
        "",
        f"- **{result.merged} of {result.variants}** variants get their group's canonical URL;",
        f"- **{result.kept_apart} of {result.distinct}** pairs of different articles stay apart.",
        "",
    ]
    if result.misses:
        lines += ["Variants still apart:", ""]
        lines += [f"- `{u}` -> `{g}` (group: `{r}`)" for u, g, r in result.misses]
        lines.append("")
    if result.false_merges:
        lines += ["Different articles merged:", ""]
        lines += [f"- `{a}` = `{b}`" for a, b in result.false_merges]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    result = measure()
    text = report(result)
    print(text)
    if "--no-write" not in sys.argv:
        OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
