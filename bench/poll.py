"""Benchmark one poll: a local site of N feeds x M articles (real fixture pages), polled twice.

    .venv/bin/python bench/poll.py [--feeds 20] [--items 25]

Runs the ingest steps the `poll-feeds` flow calls, in-process and timed stage by stage, then the
same poll again (every feed answers 304: the no-op cost), then one whole flow run in Prefect's
local mode for the orchestration overhead. Writes docs/benchmarks/poll.md. Nothing leaves
127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

from pipeline import ingest  # noqa: E402
from pipeline.settings import load_settings  # noqa: E402
from testkit.localsite import LocalSite  # noqa: E402
from testkit.newssite import ARTICLES, page_bytes  # noqa: E402

OUT = ROOT / "docs" / "benchmarks" / "poll.md"


def build_site(site: LocalSite, feeds: int, items: int) -> list[str]:
    pages = [page_bytes(fixture) for fixture, _title, _topic in ARTICLES.values()]
    titles = [title for _fixture, title, _topic in ARTICLES.values()]
    now = datetime.now(UTC)
    urls = []
    for f in range(feeds):
        entries = []
        for i in range(items):
            path = f"/f{f}/article-{i}.html"
            site.add(path, pages[(f + i) % len(pages)])
            entries.append(
                f"<item><title>{escape(titles[(f + i) % len(titles)])} #{f}-{i}</title>"
                f"<link>{site.base}{path}</link><guid>f{f}-{i}</guid>"
                f"<pubDate>{format_datetime(now - timedelta(minutes=i))}</pubDate></item>"
            )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Feed {f}</title>{''.join(entries)}</channel></rss>"
        )
        urls.append(
            site.add(
                f"/feed{f}.xml",
                body,
                content_type="application/rss+xml",
                headers={"ETag": f'"f{f}"'},
            )
        )
        route = site.routes[f"/feed{f}.xml"]

        def conditional(handler, route=route, etag=f'"f{f}"'):  # type: ignore[no-untyped-def]
            if handler.headers.get("If-None-Match") == etag:
                return type(route)(b"", 304, {"ETag": etag})
            return None

        route.handler = conditional
    return urls


def timed_poll(settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    t: dict[str, float] = {}
    start = time.perf_counter()
    feeds = ingest.sync_feeds(settings)
    t["sync feeds"] = time.perf_counter() - start
    mark = time.perf_counter()
    results = ingest.poll_sources(settings, feeds, force=True)
    t["poll feeds (HTTP + parse)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    record = ingest.record_poll(settings, feeds, results, run_id="bench")
    t["record poll (DuckDB)"] = time.perf_counter() - mark
    fetch = process = store = 0.0
    articles = 0
    for batch in ingest.batched(record.pending, settings.page_batch_size):
        mark = time.perf_counter()
        pages = ingest.fetch_article_pages(settings, batch)
        fetch += time.perf_counter() - mark
        mark = time.perf_counter()
        processed = ingest.process_articles(settings, batch, pages)
        process += time.perf_counter() - mark
        mark = time.perf_counter()
        articles += ingest.store_articles(settings, batch, processed, run_id="bench").articles
        store += time.perf_counter() - mark
    t["fetch pages"] = fetch
    t["extract + judge (trafilatura, relevance)"] = process
    t["store articles (DuckDB)"] = store
    t["total"] = time.perf_counter() - start
    t["articles"] = articles
    return t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--items", type=int, default=25)
    args = parser.parse_args()
    site = LocalSite()
    site.start()
    tmp = Path(tempfile.mkdtemp(prefix="newswatch-bench-"))
    os.environ["PREFECT_HOME"] = str(tmp / "prefect")
    os.environ["NEWSWATCH_ALLOW_PRIVATE_NETWORKS"] = "1"  # the flow reads its settings itself
    urls = build_site(site, args.feeds, args.items)
    feeds_file = tmp / "feeds.toml"
    feeds_file.write_text("".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls))
    settings = load_settings(db=tmp / "bench.duckdb", feeds=feeds_file, allow_private_networks=True)
    ingest.load_seeds(settings)
    first = timed_poll(settings)
    second = timed_poll(settings)

    from flows.poll_feeds import poll_feeds_flow  # local mode: starts a temporary API server

    os.environ["NEWSWATCH_DB"] = str(tmp / "bench.duckdb")  # settings, not flow parameters
    os.environ["NEWSWATCH_FEEDS"] = str(feeds_file)
    mark = time.perf_counter()
    poll_feeds_flow(force=True)
    flow_first = time.perf_counter() - mark
    mark = time.perf_counter()
    poll_feeds_flow(force=True)
    flow_second = time.perf_counter() - mark
    site.stop()

    n = int(first["articles"])
    lines = [
        "# Poll benchmark",
        "",
        f"Command: `.venv/bin/python bench/poll.py --feeds {args.feeds} --items {args.items}` "
        f"({datetime.now(UTC):%Y-%m-%d}, 2 cores). A local site on 127.0.0.1 serves "
        f"{args.feeds} RSS feeds of {args.items} items each, linking to real fixture pages; "
        "all figures from one run.",
        "",
        "| stage | first poll (s) | second poll, all 304 (s) |",
        "|---|---:|---:|",
    ]
    for key in first:
        if key == "articles":
            continue
        lines.append(f"| {key} | {first[key]:.2f} | {second[key]:.2f} |")
    lines += [
        "",
        f"First poll: {n} new articles, {first['total'] / max(n, 1) * 1000:.0f} ms per article "
        f"end to end; extraction and judging are "
        f"{first['extract + judge (trafilatura, relevance)'] / first['total']:.0%} of it. "
        f"The no-op poll costs {second['total'] / first['total']:.1%} of the first.",
        "",
        f"Through the Prefect flow in local mode (same process): the first call "
        f"{flow_first:.1f} s (includes starting Prefect's temporary API server), a second no-op "
        f"call {flow_second:.1f} s, i.e. {flow_second / max(second['total'], 1e-3):.1f}x the bare "
        "no-op steps: task and flow bookkeeping.",
        "",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
