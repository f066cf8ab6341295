"""Two polls of one database at once (a cron poll while an operator polls by hand) take turns:
every feed and every page is fetched once, every article stored once."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import duckdb

from pipeline.ingest import PollSummary
from pipeline.poll import run_poll
from pipeline.settings import load_settings
from testkit.localsite import LocalSite
from testkit.newssite import ARTICLES, feed_list, install


def test_two_polls_at_once_fetch_each_page_once(local_site: LocalSite, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list(install(local_site)), encoding="utf-8")
    for path in ARTICLES:  # slow pages: the polls would overlap while they fetch them
        local_site.routes[path].delay = 0.3
    settings = load_settings(
        db=tmp_path / "news.duckdb", feeds=feeds, allow_private_networks=True, extract_workers=1
    )
    summaries: list[PollSummary] = []
    errors: list[BaseException] = []

    def poll(n: int) -> None:
        try:
            summaries.append(run_poll(settings, force=False, run_id=f"poll-{n}"))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=poll, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert len(summaries) == 2
    fetched = Counter(h.path.split("?")[0] for h in local_site.hits)  # links carry utm_*
    assert {path: fetched[path] for path in ARTICLES} == dict.fromkeys(ARTICLES, 1), fetched
    assert fetched["/feeds/world.xml"] == 1  # the second poll found the feeds not due yet
    with duckdb.connect(str(settings.db), read_only=True) as con:
        rows = con.execute(
            "SELECT count(*), count(DISTINCT canonical_url) FROM articles WHERE NOT is_seed"
        ).fetchone()
    assert rows is not None and rows[0] == rows[1] == len(ARTICLES) + 1  # + the gone page's entry
