"""End to end: a local site -> `newswatch poll` (a flow run, temporary server) -> DuckDB -> `newswatch export`.

Runs the real CLI in a subprocess, as an operator would, twice: the second poll must add nothing
and fetch no page again (feeds answer 304 to the conditional GET). Its stderr, not a terminal,
carries named progress lines and none of Prefect's run-state lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from extract.urls import canonicalize_url
from testkit.localsite import LocalSite
from testkit.newssite import ARTICLES, MISSING, feed_list, install

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "newswatch"]
pytestmark = pytest.mark.prefect


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=400
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "PREFECT_"))}
    env.update(
        NEWSWATCH_ALLOW_PRIVATE_NETWORKS="1",
        NEWSWATCH_DB=str(tmp_path / "news.duckdb"),
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        PYTHONPATH=str(ROOT),
        NEWSWATCH_LOCAL_RUNS="prefect",  # a flow run (temporary server), not the direct steps
    )
    return env


def test_poll_then_export_then_poll_again(
    local_site: LocalSite, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    urls = install(local_site)
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list(urls), encoding="utf-8")

    first = run_cli(["poll", "--feeds", str(feeds)], cli_env, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "3 feed(s) polled, 1 failed" in first.stdout
    # Off a terminal: named progress lines, and none of Prefect's run-state chatter.
    assert "poll: feeds 3/3 done" in first.stderr and "poll: pages 6/6 done" in first.stderr
    assert "Finished in state" not in first.stderr and "prefect" not in first.stderr, first.stderr

    con = duckdb.connect(cli_env["NEWSWATCH_DB"], read_only=True)
    try:
        rows = con.execute(
            "SELECT canonical_url, is_seed, relevant, extraction_status, relevance_reason FROM articles"
        ).fetchall()
        feed_rows = dict(con.execute("SELECT url, last_status FROM feeds").fetchall())
    finally:
        con.close()
    identity_base = canonicalize_url(local_site.base + "/").rstrip("/")  # https: one identity
    by_path = {r[0].removeprefix(identity_base): r for r in rows}
    assert sum(1 for r in rows if r[1]) == 2, "both seed articles are stored"
    for path in ARTICLES:
        assert path in by_path, f"{path} missing from {sorted(by_path)}"
        assert by_path[path][3] == "ok"
    figaro = next(iter(ARTICLES))
    assert by_path[figaro][2] is True, by_path[figaro]
    for path, (_f, _t, topic) in ARTICLES.items():
        if topic != "on-topic":
            assert by_path[path][2] is False, (path, by_path[path][4])
    assert by_path[MISSING][3] == "fetch_failed"  # kept with the feed's summary
    assert feed_rows[urls["broken"]] == "soft_error"
    assert (
        local_site.count(figaro + "?utm_source=rss")
        + local_site.count(figaro + "?utm_medium=atom&fbclid=xyz")
        == 1
    ), "same article in two feeds fetched once"

    page_hits = len([h for h in local_site.hits if not h.path.startswith("/feeds/")])
    second = run_cli(["poll", "--feeds", str(feeds), "--force"], cli_env, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "0 new entries, 0 new articles" in second.stdout
    assert len([h for h in local_site.hits if not h.path.startswith("/feeds/")]) == page_hits
    conditional = [h for h in local_site.hits if h.path == "/feeds/world.xml"]
    assert conditional[-1].headers.get("if-none-match") == '"feed-v1"'

    out = tmp_path / "export.jsonl"
    exported = run_cli(["export", "--format", "jsonl", "--output", str(out)], cli_env, tmp_path)
    assert exported.returncode == 0, exported.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(rows)
    seeds = [r for r in records if r["is_seed"]]
    assert {s["source"] for s in seeds} == {"Times of Malta", "Reaction"}
    assert all(s["relevant"] for s in seeds)
    required = {
        "url",
        "canonical_url",
        "feed_url",
        "source",
        "title",
        "author",
        "published_at",
        "fetched_at",
        "language",
        "text",
        "summary",
        "is_seed",
        "relevant",
        "relevance_score",
        "relevance_terms",
        "extraction_status",
    }
    assert all(required <= set(r) for r in records)
    figaro_record = next(r for r in records if r["canonical_url"].endswith(figaro))
    assert figaro_record["language"] == "fr" and figaro_record["relevance_terms"]
    assert "?utm" not in figaro_record["canonical_url"]
    assert figaro_record["story_id"] is not None  # the poll grouped it into a story already
