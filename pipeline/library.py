"""The steps the CLI runs without a flow: search (and building its index), export, and managing
the feeds polled.

Each takes the settings, opens one short connection and closes it, like every other step; the CLI
formats what comes back. Feed lists are read with `extract.feeds.feedlist` (a bad list raises
`FeedListError`, which the CLI reports in one line).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from extract.feeds.feedlist import feed_list_origin, load_feed_list
from extract.models import FeedSpec
from pipeline.progress import stage
from pipeline.settings import Settings
from store import feeds as feed_store
from store.db import connect
from store.export import ExportFormat, write_export
from store.search import search_articles
from store.search_index import build_blocks, unindexed_blocks

__all__ = [
    "ExportFormat",
    "add_feeds",
    "build_search_index",
    "export_articles",
    "feeds_opml",
    "list_feeds",
    "remove_feed",
    "search",
]


def search(
    settings: Settings,
    query: str,
    *,
    since: datetime | None = None,
    limit: int = 20,
    relevant_only: bool = False,
) -> list[dict[str, Any]]:
    """Stored articles matching every word of `query` ("quoted phrases" too), newest first."""
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        return search_articles(con, query, since=since, limit=limit, relevant_only=relevant_only)


# Blocks of 2,048 articles built per connection: about a second of work, so a poll waiting
# for the database waits that long, not for the whole build.
BLOCKS_PER_TURN = 4


def build_search_index(settings: Settings) -> int:
    """Build the search filters of the articles stored before the index existed (new articles
    are indexed as they are stored); return how many blocks were built. Safe to interrupt and
    to run again: each turn commits what it built. Progress: the stage "index: blocks"."""
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        total = len(unindexed_blocks(con))
    built = 0
    with stage("index: blocks", total=total) as blocks_done:
        while built < total:
            with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
                blocks = unindexed_blocks(con, limit=BLOCKS_PER_TURN)
                if not blocks:
                    break
                build_blocks(con, blocks)
            built += len(blocks)
            blocks_done.advance(len(blocks))
    return built


def export_articles(
    settings: Settings,
    fmt: ExportFormat,
    out: IO[str] | Path,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    relevant_only: bool = False,
) -> int:
    """Write one record per article (seeds included) to `out`; return how many."""
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        return write_export(con, fmt, out, since=since, until=until, relevant_only=relevant_only)


def list_feeds(settings: Settings, *, active_only: bool = False) -> list[dict[str, Any]]:
    """Every feed with its health, after syncing the configured feed list into the database."""
    specs = load_feed_list(settings.feeds)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        feed_store.sync_feed_list(con, specs, feed_list_origin(settings.feeds))
        return feed_store.list_feeds(con, active_only=active_only)


def add_feeds(settings: Settings, specs: Sequence[FeedSpec]) -> int:
    """Add (or re-activate) feeds by hand; return how many were not known before."""
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        return sum(feed_store.add_feed(con, spec) for spec in specs)


def remove_feed(settings: Settings, url: str) -> bool:
    """Stop polling a feed (its articles stay); False when there is no such feed."""
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        return feed_store.remove_feed(con, url)


def feeds_opml(settings: Settings) -> tuple[bytes, int]:
    """The active feeds (list and hand-added) as an OPML document, and how many there are."""
    rows = list_feeds(settings, active_only=True)
    from extract.feeds.opml import OpmlFeed, render_opml  # lxml: only for this command

    data = render_opml(
        [
            OpmlFeed(
                url=r["url"],
                title=r["source"] or r["title"],
                language=r["language"],
                category=r["topic"],
            )
            for r in rows
        ]
    )
    return data, len(rows)
