"""Per-feed writes of a poll at 500 feeds: batched (`store.feeds`) against one statement per feed.

    .venv/bin/python -m bench.store_writes [--feeds 500]     # also a section of bench.throughput

The reference is the per-row code `store/feeds.py` had before (commit 05daf1c), kept here
verbatim so both run side by side on the same database file in one run: `sync-feeds` (the feed
list upserted) and `record-poll` (every feed answered 304: its state updated and a fetch-log row).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from extract.models import FeedPollResult, FeedSpec, PollStatus
from store import feeds as feed_store
from store.db import connect, transaction


def per_row_sync(con: duckdb.DuckDBPyConnection, specs: Sequence[FeedSpec], origin: str) -> None:
    with transaction(con):
        for spec in specs:
            con.execute(
                """
                INSERT INTO feeds (url, title, source, language, topic, origin, active)
                VALUES (?, ?, ?, ?, ?, ?, TRUE)
                ON CONFLICT (url) DO UPDATE SET
                    title = coalesce(excluded.title, feeds.title),
                    source = coalesce(excluded.source, feeds.source),
                    language = coalesce(excluded.language, feeds.language),
                    topic = coalesce(excluded.topic, feeds.topic),
                    active = TRUE
                """,
                [spec.url, spec.title, spec.source, spec.language, spec.topic, origin],
            )


def per_row_record(
    con: duckdb.DuckDBPyConnection, results: Sequence[FeedPollResult], now: datetime
) -> None:
    with transaction(con):
        for r in results:
            con.execute(
                """
                UPDATE feeds SET title = coalesce(title, $title),
                    etag = coalesce($etag, etag), error_count = 0, last_status = $status,
                    last_http_status = $http_status, last_warning = $warning,
                    failing_since = NULL, last_polled_at = $polled_at,
                    last_success_at = $polled_at, next_poll_at = $next_poll_at
                WHERE url = $url
                """,
                {
                    "title": r.feed_title,
                    "etag": r.etag,
                    "status": r.status.value,
                    "http_status": r.http_status,
                    "warning": r.warning,
                    "polled_at": now,
                    "next_poll_at": now + timedelta(minutes=30),
                    "url": r.feed_url,
                },
            )
            con.execute(
                """
                INSERT INTO fetch_log (run_id, kind, url, feed_url, status, http_status, error,
                                       warning, elapsed_ms, entries, logged_at)
                VALUES (?, 'feed', ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [None, r.feed_url, r.feed_url, r.status.value, r.http_status, r.error,
                 r.warning, r.elapsed_ms, len(r.entries), now],
            )  # fmt: skip


def measure(feeds: int = 500, rounds: int = 3) -> dict[str, tuple[float, float]]:
    """(per-row, batched) seconds, best of `rounds`, for each write of a poll of `feeds` feeds."""
    specs = [FeedSpec(f"http://feeds.example/{n}.xml", source=f"Outlet {n}") for n in range(feeds)]
    now = datetime.now(UTC)
    results = [
        FeedPollResult(s.url, PollStatus.NOT_MODIFIED, http_status=304, etag=f'"{n}"')
        for n, s in enumerate(specs)
    ]
    next_poll = {s.url: now + timedelta(minutes=30) for s in specs}
    best: dict[str, list[float]] = {}

    def timed(key: str, work) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        work()
        best.setdefault(key, []).append(time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as folder:
        for engine in ("per-row", "batched"):
            db = Path(folder) / f"{engine}.duckdb"
            with connect(db) as con:
                for _ in range(rounds):
                    if engine == "per-row":
                        timed("sync-feeds per-row", lambda: per_row_sync(con, specs, "list"))
                        timed("record-poll per-row", lambda: per_row_record(con, results, now))
                    else:
                        timed(
                            "sync-feeds batched",
                            lambda: feed_store.sync_feed_list(con, specs, "list"),
                        )
                        timed(
                            "record-poll batched",
                            lambda: feed_store.record_poll_results(
                                con, results, next_poll, run_id=None, now=now
                            ),
                        )
    return {
        step: (min(best[f"{step} per-row"]), min(best[f"{step} batched"]))
        for step in ("sync-feeds", "record-poll")
    }


def section_lines(feeds: int = 500) -> list[str]:
    figures = measure(feeds)
    lines = [
        f"{feeds} feeds, all answering 304, on a DuckDB file; best of 3 rounds, side by side "
        "(`bench/store_writes.py`).",
        "",
        "| write | one statement per feed (s) | batched (s) | ratio |",
        "|---|---:|---:|---:|",
    ]
    for step, (row, batch) in figures.items():
        lines.append(f"| `{step}` | {row:.3f} | {batch:.3f} | {row / batch:.0f} × |")
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=500)
    print("\n".join(section_lines(parser.parse_args().feeds)))
