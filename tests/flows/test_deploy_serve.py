"""`newswatch serve` on one box: it starts, runs what the UI triggers, stops cleanly, and a backfill
killed by a stop resumes after the next start.

The real command in a subprocess, as an operator (or systemd) starts it, with its own PREFECT_HOME:
a Prefect server on a free loopback port, the deployments of prefect.yaml, a worker. The scheduler
loops every 2 s (instead of 60) so the poll schedule must produce runs at :00 and :30. Then:

1. a poll triggered through the API fills the database;
2. a `refetch` backfill (slow pages, two per batch) is triggered, and `serve` gets SIGTERM as soon
   as the first batch is checkpointed: it must exit 0 with its server and worker gone;
3. `serve` starts again: the killed run shows Crashed (so it no longer holds the deployment's
   concurrency slot), and the same request triggered again resumes and completes: every article
   reworked exactly once over the two runs, none stored twice.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from store.db import connect
from testkit.localsite import LocalSite
from testkit.newssite import ARTICLES, feed_list, install
from tests.flows.test_deployments import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.prefect, pytest.mark.slow]
T = TypeVar("T")
REFETCH = {"request": {"start": "2000-01-01", "end": "2099-12-31", "mode": "refetch"}}


def api(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    for attempt in range(6):  # 503 means "retry" (a busy SQLite under the server)
        response = httpx.request(
            "GET" if body is None else "POST", url + path, json=body, timeout=30
        )
        if response.status_code != 503:
            break
        time.sleep(0.5 * (attempt + 1))
    assert response.status_code in (200, 201), response.text
    return response.json()


def wait_until(check: Callable[[], T], timeout: float, what: str, log: Path) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"{what} not within {timeout:.0f} s\n" + log.read_text(errors="replace")[-5000:])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Serve:
    """`newswatch serve` in a subprocess, its output in a log file."""

    def __init__(self, env: dict[str, str], cwd: Path, port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}/api"
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newswatch", "serve", "--port", str(port)],
            env=env,
            cwd=cwd,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: b"newswatch is running" in log.read_bytes(), 150, "serve ready", log)

    def deployment(self, name: str) -> str:
        return str(
            next(d["id"] for d in api(self.url, "/deployments/filter", {}) if d["name"] == name)
        )

    def trigger(self, name: str, parameters: dict[str, Any]) -> str:
        run = api(
            self.url,
            f"/deployments/{self.deployment(name)}/create_flow_run",
            {"parameters": parameters},
        )
        return str(run["id"])

    def run(self, run_id: str) -> dict[str, Any]:
        return dict(api(self.url, f"/flow_runs/{run_id}"))

    def finished(self, run_id: str, timeout: float = 120) -> dict[str, Any]:
        return wait_until(
            lambda: (
                (r := self.run(run_id))["state_type"] in ("COMPLETED", "FAILED", "CRASHED") and r
            ),
            timeout,
            f"flow run {run_id}",
            self.log,
        )

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._out.close()
        return self.process.returncode


def job_row(db: Path) -> tuple[Any, ...] | None:
    with connect(db, lock_timeout=60) as con:  # takes the same lock as the flows: never clashes
        return con.execute(
            "SELECT status, last_article_id, processed, runs FROM backfill_jobs"
        ).fetchone()


def test_serve_runs_stops_and_resumes_a_killed_backfill(
    local_site: LocalSite, tmp_path: Path
) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list(install(local_site)), encoding="utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
        PREFECT_WORKER_QUERY_SECONDS="2",
        NEWSWATCH_DB="news.duckdb",  # relative on purpose: serve pins it to its own directory
        NEWSWATCH_FEEDS=str(feeds),
        NEWSWATCH_ALLOW_PRIVATE_NETWORKS="1",
        NEWSWATCH_PAGE_BATCH_SIZE="2",
        NEWSWATCH_OUTBOX=str(tmp_path / "outbox"),
        NEWSWATCH_DIGEST_ARCHIVE=str(tmp_path / "digests"),
        PYTHONPATH=str(ROOT),
    )
    db = tmp_path / "news.duckdb"

    first = Serve(env, tmp_path, port, tmp_path / "serve1.log")
    try:
        assert api(first.url, "/health") is True
        names = {d["name"] for d in api(first.url, "/deployments/filter", {})}
        assert names == {"poll-feeds", "weekly-digest", "backfill"}
        assert api(first.url, "/work_pools/newswatch")["type"] == "process"

        # The schedules fire: the scheduler creates poll runs at :00 and :30 (anchored).
        poll_deployment = first.deployment("poll-feeds")
        scheduled = wait_until(
            lambda: api(
                first.url,
                "/flow_runs/filter",
                {
                    "flow_runs": {
                        "deployment_id": {"any_": [poll_deployment]},
                        "state": {"type": {"any_": ["SCHEDULED"]}},
                    }
                },
            ),
            60,
            "scheduled poll runs",
            first.log,
        )
        for run in scheduled:
            when = datetime.fromisoformat(run["expected_start_time"].replace("Z", "+00:00"))
            assert (when.minute, when.second) in ((0, 0), (30, 0)), when

        poll = first.finished(first.trigger("poll-feeds", {}))
        assert poll["state_type"] == "COMPLETED", poll["state"]
        assert db.exists()  # the relative NEWSWATCH_DB, pinned to serve's directory
        with connect(db) as con:
            total = con.execute("SELECT count(*) FROM articles WHERE NOT is_seed").fetchone()
            urls_before = con.execute(
                "SELECT id, canonical_url FROM articles ORDER BY id"
            ).fetchall()
        assert total == (len(ARTICLES) + 1,)

        for path in ARTICLES:
            local_site.routes[path].delay = 3.0  # a batch of two pages takes 3 s
        killed = first.trigger("backfill", REFETCH)
        wait_until(
            lambda: (row := job_row(db)) is not None and row[1] is not None,
            90,
            "the first batch's checkpoint",
            first.log,
        )
    finally:
        code = first.stop()
    text = first.log.read_text(errors="replace")
    assert code == 0, text[-5000:]
    pids = [int(p) for p in re.findall(r"started [^(]+\(pid (\d+)\)", text)]
    assert len(pids) == 2, text[-3000:]  # the server and the worker
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(httpx.HTTPError):
        httpx.get(first.url + "/health", timeout=2)
    status, _last, processed_before, runs = job_row(db) or ()
    assert (status, runs) == ("running", 1) and 0 < processed_before < total[0]

    second = Serve(env, tmp_path, port, tmp_path / "serve2.log")
    try:
        old = second.run(killed)
        assert old["state_type"] == "CRASHED", old["state"]
        for path in ARTICLES:
            local_site.routes[path].delay = 0.0
        again = second.finished(second.trigger("backfill", REFETCH))
        assert again["state_type"] == "COMPLETED", again["state"]
    finally:
        assert second.stop() == 0
    status, _last, processed, runs = job_row(db) or ()
    assert (status, runs) == ("done", 2)
    assert processed == total[0]  # every article reworked once over the two runs
    with connect(db) as con:
        assert con.execute("SELECT id, canonical_url FROM articles ORDER BY id").fetchall() == (
            urls_before
        )
