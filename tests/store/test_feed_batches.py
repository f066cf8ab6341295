"""The per-feed writes of a poll, batched: one statement for many feeds must leave every feed as
one statement per feed left it (each feed its own outcome), on a real DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from extract.models import FeedPollResult, FeedSpec, PollStatus
from store import feeds
from store.db import connect

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(":memory:") as c:
        yield c


def test_a_listed_url_twice_counts_once_later_fields_winning(
    con: duckdb.DuckDBPyConnection,
) -> None:
    url = "https://a.example/rss"
    specs = [FeedSpec(url, source="A", language="en"), FeedSpec(url, source="A2")]
    assert feeds.sync_feed_list(con, specs, "l") == 1
    [row] = feeds.list_feeds(con)
    assert (row["source"], row["language"], row["active"]) == ("A2", "en", True)


def test_one_poll_of_many_feeds_updates_each_by_its_own_result(
    con: duckdb.DuckDBPyConnection,
) -> None:
    urls = [f"https://f{n}.example/rss" for n in range(300)]
    assert feeds.sync_feed_list(con, [FeedSpec(u) for u in urls], "l") == 300
    first = [FeedPollResult(u, PollStatus.OK, http_status=200, etag=f'"{n}"', polled_at=NOW)
             for n, u in enumerate(urls)]  # fmt: skip
    feeds.record_poll_results(con, first, {}, run_id="r1", now=NOW)
    later = NOW + timedelta(hours=1)
    second = []
    for n, u in enumerate(urls):
        if n % 3 == 0:
            second.append(FeedPollResult(u, PollStatus.NOT_MODIFIED, http_status=304))
        elif n % 3 == 1:
            second.append(FeedPollResult(u, PollStatus.SOFT_ERROR, http_status=503, error=f"e{n}"))
        else:
            second.append(FeedPollResult(u, PollStatus.SKIPPED))
    next_poll = {u: later + timedelta(minutes=n) for n, u in enumerate(urls)}
    feeds.record_poll_results(con, second, next_poll, run_id="r2", now=later)
    state = {t.url: t for t in feeds.load_poll_targets(con, origins=["l"])}
    failing = {f["url"]: f for f in feeds.failing_feeds(con)}
    for n, u in enumerate(urls):
        assert state[u].etag == f'"{n}"'  # a 304, an error and a skip all keep the validators
        if n % 3 == 0:
            assert (state[u].error_count, state[u].last_polled_at) == (0, later)
            assert state[u].next_poll_at == next_poll[u]
        elif n % 3 == 1:
            assert state[u].error_count == 1 and failing[u]["last_error"] == f"e{n}"
            assert failing[u]["failing_since"] == later and failing[u]["last_success_at"] == NOW
        else:
            assert (state[u].error_count, state[u].last_polled_at) == (0, NOW)  # untouched
    logged = con.execute(
        "SELECT run_id, count(*) FROM fetch_log GROUP BY run_id ORDER BY run_id"
    ).fetchall()
    assert logged == [("r1", 300), ("r2", 200)]
