"""The extraction pool inside a real Prefect worker's flow run stores what one process stores.

One Prefect server on loopback for the module (the harness of tests/flows/test_deployments.py),
`prefect.yaml` deployed as an operator deploys it, and a `prefect worker` (process pool) started
with `NEWSWATCH_EXTRACT_WORKERS=2`. A `poll-feeds` run triggered as the UI does must complete,
say in its logs that it extracted on two worker processes, and store exactly the articles a poll
of the same local site stores in one process (`NEWSWATCH_EXTRACT_WORKERS=1`, no Prefect).

A Prefect worker puts the entrypoint's folder (`flows/`) on `sys.path`; a module there named like
a standard one (`flows/secrets.py` once) shadowed it in the spawned workers, which then died on
start-up, page after page, and the run failed: this test is what catches that.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.poll import run_poll
from pipeline.settings import load_settings
from testkit.localsite import LocalSite
from testkit.newssite import feed_list, install
from tests.flows.test_deployments import PrefectServer, prefect_server, wait_for

__all__ = ["prefect_server"]  # the module-scoped server fixture, used here by name

pytestmark = [pytest.mark.prefect, pytest.mark.slow]

COLUMNS = (
    "canonical_url, url, feed_url, source, title, author, published_at, language, site_name, "
    "text, summary, extraction_status, extraction_reason, http_status, relevant, "
    "relevance_score, relevance_terms, relevance_reason"
)


def stored_articles(db: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            f"SELECT {COLUMNS} FROM articles WHERE NOT is_seed ORDER BY canonical_url"
        ).fetchall()
    finally:
        con.close()


def test_a_deployment_run_with_two_extraction_workers_stores_what_one_process_stores(
    prefect_server: PrefectServer, local_site: LocalSite, tmp_path: Path
) -> None:
    server = prefect_server
    server.cli("work-pool", "create", "newswatch", "--type", "process")
    server.cli("--no-prompt", "deploy", "--all")
    (poll_dep,) = server.post(
        "/deployments/filter", {"deployments": {"name": {"any_": ["poll-feeds"]}}}
    )

    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list(install(local_site)), encoding="utf-8")
    pooled_db, alone_db = tmp_path / "pooled.duckdb", tmp_path / "alone.duckdb"
    worker_env = dict(server.env)
    worker_env.update(
        NEWSWATCH_DB=str(pooled_db),
        NEWSWATCH_FEEDS=str(feeds),
        NEWSWATCH_ALLOW_PRIVATE_NETWORKS="1",
        NEWSWATCH_EXTRACT_WORKERS="2",
    )
    worker_log = tmp_path / "worker.log"
    with worker_log.open("wb") as log:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "prefect", "worker", "start", "--pool", "newswatch"),
                *("--type", "process", "--install-policy", "never"),
            ],
            env=worker_env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            run = server.post(f"/deployments/{poll_dep['id']}/create_flow_run", {"parameters": {}})
            wait_for(server, run["id"], {"COMPLETED"}, worker_log)
        finally:
            worker.terminate()
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()

    logs = server.post(
        "/logs/filter", {"logs": {"flow_run_id": {"any_": [run["id"]]}}, "limit": 200}
    )
    messages = [entry["message"] for entry in logs]
    assert "extracting and judging pages on 2 worker processes" in messages, messages

    # the pages fetched during extraction (pipeline.poll) are task runs of this flow run
    task_runs = server.post(
        "/task_runs/filter", {"flow_runs": {"id": {"any_": [run["id"]]}}, "limit": 200}
    )
    names = {t["name"].rsplit("-", 1)[0]: t["state_type"] for t in task_runs}
    assert {n: names.get(n) for n in ("fetch-pages", "process-articles", "store-articles")} == {
        "fetch-pages": "COMPLETED",
        "process-articles": "COMPLETED",
        "store-articles": "COMPLETED",
    }, names

    settings = load_settings(
        db=alone_db, feeds=feeds, allow_private_networks=True, extract_workers=1
    )
    run_poll(settings, force=False, run_id="alone")

    pooled, alone = stored_articles(pooled_db), stored_articles(alone_db)
    assert len(alone) >= 5  # the site's pages and the one that is gone
    assert pooled == alone
