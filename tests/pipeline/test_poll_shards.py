"""Polls of parts of the feed list (`--shard K/N`, one per worker): every feed in exactly one
part, the parts run side by side, and together they store what one whole poll stores."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.ingest import PollSummary
from pipeline.poll import Shard, run_poll
from pipeline.settings import load_settings
from store.db import DatabaseBusy, poll_turn
from testkit.localsite import LocalSite
from testkit.newssite import ARTICLES, feed_list, install


@given(
    st.lists(st.text(min_size=1).map(lambda s: f"https://{s}.example/feed"), max_size=30),
    st.integers(min_value=1, max_value=8),
)
def test_every_feed_falls_in_exactly_one_part(urls: list[str], count: int) -> None:
    for url in urls:
        parts = [k for k in range(1, count + 1) if Shard(k, count).takes(url)]
        assert len(parts) == 1, (url, parts)


def test_a_feed_keeps_its_part_across_processes_and_releases() -> None:
    # The part comes from a fixed hash of the URL (not Python's salted hash()): a worker
    # restarted, or another machine, polls the same feeds for the same K/N.
    assert [k for k in range(1, 5) if Shard(k, 4).takes("https://tass.com/rss/v2.xml")] == [3]


def test_each_part_has_its_own_poll_turn(tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    with (
        poll_turn(db, part=Shard(1, 2).turn),
        poll_turn(db, timeout=0.2, part=Shard(2, 2).turn),  # part 2 does not wait for part 1
        pytest.raises(DatabaseBusy),
        poll_turn(db, timeout=0.2, part=Shard(1, 2).turn),  # a second poll of part 1 does
    ):
        pass
    assert Shard().turn is None  # the whole list: the one turn every unsharded poll takes


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0", ""])
def test_a_bad_shard_is_one_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="expected K/N with 1 <= K <= N"):
        Shard.parse(text)


def test_shards_polled_side_by_side_fetch_each_feed_and_page_once(
    local_site: LocalSite, tmp_path: Path
) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list(install(local_site)), encoding="utf-8")
    for path in ARTICLES:  # slow pages: the two polls overlap while they fetch them
        local_site.routes[path].delay = 0.2
    settings = load_settings(
        db=tmp_path / "news.duckdb",
        feeds=feeds,
        allow_private_networks=True,
        extract_workers=1,
    )
    summaries: dict[int, PollSummary] = {}
    errors: list[BaseException] = []

    def poll(k: int) -> None:
        try:
            summaries[k] = run_poll(settings, force=False, run_id=f"shard-{k}", shard=Shard(k, 2))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=poll, args=(k,)) for k in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors

    polled = [
        {row["feed"] for row in s.rows if row["status"] != "skipped"} for s in summaries.values()
    ]
    assert not polled[0] & polled[1]
    assert len(polled[0] | polled[1]) == 3  # the news site's three feeds, each in one part
    fetched = Counter(h.path.split("?")[0] for h in local_site.hits)  # links carry utm_*
    assert {path: fetched[path] for path in ARTICLES} == dict.fromkeys(ARTICLES, 1), fetched
    feed_paths = ["/feeds/world.xml", "/feeds/atom.xml", "/feeds/broken.xml"]
    assert [fetched[path] for path in feed_paths] == [1, 1, 1], fetched
    with duckdb.connect(str(settings.db), read_only=True) as con:
        rows = con.execute(
            "SELECT count(*), count(DISTINCT canonical_url) FROM articles WHERE NOT is_seed"
        ).fetchone()
    assert rows is not None and rows[0] == rows[1] == len(ARTICLES) + 1  # + the gone page's entry
