"""On a real Prefect server: deploy prefect.yaml, start a worker, trigger runs as the UI does.

One Prefect server on loopback (its own PREFECT_HOME and SQLite file) for the module. The test
then does what an operator does on a standing server (docs/operations.md):

    prefect work-pool create newswatch --type process
    prefect --no-prompt deploy --all          (from the repository root)
    prefect worker start --pool newswatch

and triggers runs with `POST /api/deployments/{id}/create_flow_run`, the UI's own request: a
`poll-feeds` run made slow by the local site, and, while it is running, a `backfill` (discover) on
the same DuckDB file and a `weekly-digest`. All must complete, their time spans must overlap,
and every row must be there once. A second backfill triggered meanwhile must wait for the first
(deployment concurrency limit) and then fail visibly on its bad parameter.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from extract.urls import canonicalize_url
from testkit.localsite import LocalSite
from testkit.newssite import ARTICLES, MISSING, feed_list, install, page_bytes

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.prefect, pytest.mark.slow]

TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
RUN_TIMEOUT = 150.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prefect_env(home: Path, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        # no scheduled run may start in the middle of the test: the schedules are checked, not run
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS="2",
        PREFECT_WORKER_QUERY_SECONDS="2",
        PREFECT_WORKER_PREFETCH_SECONDS="2",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        PREFECT_API_LOG_RETRYABLE_ERRORS="true",
    )
    return env


@dataclass
class PrefectServer:
    api_url: str
    env: dict[str, str]
    home: Path

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "prefect", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, (
            f"prefect {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        )
        return result

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        # 503 means "retry": a busy SQLite under the server (Prefect's own client retries too).
        for attempt in range(6):
            response = httpx.request(method, self.api_url + path, json=body, timeout=30)
            if response.status_code != 503:
                break
            time.sleep(0.5 * (attempt + 1))
        assert response.status_code in (200, 201), f"{method} {path}: {response.text}"
        return response.json()

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, body)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = prefect_env(home, api_url)
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--analytics-off",
        ],
        env=env,
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(api_url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (home / "server.log").read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the Prefect server did not start in 120 s"
            time.sleep(0.5)
        yield PrefectServer(api_url, env, home)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wordpress_feed(site: LocalSite, items: list[tuple[str, str, datetime]]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>{site.url(path)}</link>"
        f"<guid isPermaLink='false'>wp{path}</guid><pubDate>{format_datetime(when)}</pubDate>"
        f"<description>{title}</description></item>"
        for path, title, when in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Local WordPress</title>'
        f"<generator>https://wordpress.org/?v=6.5</generator>{body}</channel></rss>"
    ).encode()


def install_archive(site: LocalSite) -> tuple[str, list[str]]:
    """A WordPress feed: one recent item on page 1, two from June 2024 on page 2 (then 404)."""
    fixtures = [fixture for fixture, _t, _topic in ARTICLES.values()]
    recent, old_a, old_b = (
        "/wp/2026/recent.html",
        "/wp/2024/06/18/old-a.html",
        "/wp/2024/06/12/old-b.html",
    )
    for path, fixture in zip((recent, old_a, old_b), fixtures, strict=False):
        site.add(path, page_bytes(fixture))
    feed = site.add(
        "/wp/feed/",
        wordpress_feed(site, [(recent, "Recent", datetime.now(UTC) - timedelta(hours=2))]),
        content_type="application/rss+xml",
    )
    site.add(
        "/wp/feed/?paged=2",
        wordpress_feed(
            site,
            [
                (old_a, "Old A", datetime(2024, 6, 18, 9, tzinfo=UTC)),
                (old_b, "Old B", datetime(2024, 6, 12, 9, tzinfo=UTC)),
            ],
        ),
        content_type="application/rss+xml",
    )
    site.add("/wp/feed/?paged=3", b"", status=404, content_type="text/plain")
    return feed, [recent, old_a, old_b]


def wait_for(
    server: PrefectServer, run_id: str, states: set[str], worker_log: Path
) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run = server.get(f"/flow_runs/{run_id}")
        if run["state_type"] in states:
            return dict(run)
        if run["state_type"] in TERMINAL:
            pytest.fail(
                f"run {run['name']} ended {run['state_type']}: {run['state']['message']}\n"
                + worker_log.read_text(errors="replace")[-6000:]
            )
        if time.monotonic() > deadline:
            pytest.fail(
                f"run {run['name']} still {run['state_type']} after {RUN_TIMEOUT:.0f} s\n"
                + worker_log.read_text(errors="replace")[-6000:]
            )
        time.sleep(0.5)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_deploy_then_backfill_and_digest_while_a_poll_runs(
    prefect_server: PrefectServer, local_site: LocalSite, tmp_path: Path
) -> None:
    server = prefect_server
    # --- the operator's three commands -------------------------------------------------------
    server.cli("work-pool", "create", "newswatch", "--type", "process")
    deployed = server.cli("--no-prompt", "deploy", "--all")
    assert "backfill/backfill" in deployed.stdout + deployed.stderr

    deployments = {d["name"]: d for d in server.post("/deployments/filter", {"limit": 50})}
    assert set(deployments) == {"poll-feeds", "weekly-digest", "backfill"}
    poll_dep, digest_dep, backfill_dep = (
        deployments["poll-feeds"],
        deployments["weekly-digest"],
        deployments["backfill"],
    )
    assert all(d["work_pool_name"] == "newswatch" for d in deployments.values())
    assert all(d["global_concurrency_limit"]["limit"] == 1 for d in deployments.values())
    assert backfill_dep["concurrency_options"]["collision_strategy"] == "ENQUEUE"
    (poll_schedule,) = poll_dep["schedules"]
    assert poll_schedule["schedule"]["interval"] == 1800
    assert poll_schedule["schedule"]["anchor_date"].startswith("2026-01-05T00:00:00")
    (digest_schedule,) = digest_dep["schedules"]
    assert digest_schedule["schedule"]["cron"] == "0 7 * * 1"
    assert digest_schedule["schedule"]["timezone"] == "UTC"
    assert backfill_dep["schedules"] == []
    assert backfill_dep["pull_steps"] == [{"newswatch.serve.set_project_directory": {}}]

    # The run form explains itself: typed, titled and described fields.
    schema = backfill_dep["parameter_openapi_schema"]
    request_schema = schema["definitions"]["BackfillForm"]["properties"]
    assert (
        request_schema["start"]["title"] == "First day"
        and request_schema["start"]["format"] == "date"
    )
    assert request_schema["end"]["title"] == "Last day" and request_schema["end"]["description"]
    assert (
        request_schema["mode"]["title"] == "What to do"
        and "discover" in request_schema["mode"]["description"]
    )
    assert schema["definitions"]["BackfillMode"]["enum"] == [
        "rescore",
        "reextract",
        "refetch",
        "discover",
    ]
    assert (
        request_schema["feeds"]["title"] == "Feeds"
        and request_schema["dry_run"]["title"] == "Dry run"
    )
    assert schema["required"] == ["request"] and schema["properties"]["request"]["description"]

    # --- a local site, slow enough that the poll is still running when the others start ------
    urls = install(local_site)
    wp_feed, (recent, old_a, old_b) = install_archive(local_site)
    urls["wp"] = wp_feed
    # Article pages (the poll's and the backfill's) answer only once the backfill and the digest
    # are running and a second backfill has been refused a slot (or after 40 s): all of them are
    # certainly in progress at the same time, on the same database.
    gate = threading.Event()

    def held(_handler: object) -> None:
        gate.wait(40)

    for path in [*ARTICLES, old_a, old_b]:
        local_site.routes[path].handler = held
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list(urls), encoding="utf-8")
    db = tmp_path / "news.duckdb"
    worker_env = dict(server.env)
    worker_env.update(
        NEWSWATCH_DB=str(db),
        NEWSWATCH_FEEDS=str(feeds),
        NEWSWATCH_ALLOW_PRIVATE_NETWORKS="1",
        NEWSWATCH_READ_TIMEOUT_SECONDS="50",  # longer than the gate holds a page
        NEWSWATCH_OUTBOX=str(tmp_path / "outbox"),
        NEWSWATCH_DIGEST_ARCHIVE=str(tmp_path / "digests"),
    )
    worker_env.pop("NEWSWATCH_SMTP_HOST", None)
    worker_log = tmp_path / "worker.log"
    with worker_log.open("wb") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "prefect",
                "worker",
                "start",
                "--pool",
                "newswatch",
                "--type",
                "process",
                "--install-policy",
                "never",
            ],
            env=worker_env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            started = time.monotonic()
            poll = server.post(f"/deployments/{poll_dep['id']}/create_flow_run", {"parameters": {}})
            wait_for(server, poll["id"], {"RUNNING", "COMPLETED"}, worker_log)

            june = {
                "start": "2024-06-01",
                "end": "2024-06-30",
                "mode": "discover",
                "feeds": [wp_feed],
            }
            back = server.post(
                f"/deployments/{backfill_dep['id']}/create_flow_run",
                {"parameters": {"request": june}},
            )
            digest = server.post(
                f"/deployments/{digest_dep['id']}/create_flow_run",
                {"parameters": {"send": False}},
            )
            # Same deployment again, with a feed the database does not know: it must wait for the
            # first backfill (concurrency limit 1), then fail where the UI shows it.
            wait_for(server, back["id"], {"RUNNING", "COMPLETED"}, worker_log)
            wait_for(server, digest["id"], {"RUNNING", "COMPLETED"}, worker_log)
            bad = server.post(
                f"/deployments/{backfill_dep['id']}/create_flow_run",
                {"parameters": {"request": {**june, "feeds": ["https://nowhere.invalid/feed"]}}},
            )
            deadline = time.monotonic() + 60
            while "AwaitingConcurrencySlot" not in [
                st["name"] for st in server.get(f"/flow_run_states/?flow_run_id={bad['id']}")
            ]:
                assert time.monotonic() < deadline, "the second backfill was never held back"
                time.sleep(0.5)
            for run_id in (poll["id"], back["id"]):  # (the digest may be done: it is quick)
                assert server.get(f"/flow_runs/{run_id}")["state_type"] == "RUNNING"
            gate.set()
            poll_run = wait_for(server, poll["id"], {"COMPLETED"}, worker_log)
            back_run = wait_for(server, back["id"], {"COMPLETED"}, worker_log)
            digest_run = wait_for(server, digest["id"], {"COMPLETED"}, worker_log)
            bad_run = wait_for(server, bad["id"], {"FAILED"}, worker_log)
            elapsed = time.monotonic() - started

            # A second poll finds nothing new (304s): the no-op poll, timed under the worker.
            trigger = time.monotonic()
            noop = server.post(f"/deployments/{poll_dep['id']}/create_flow_run", {"parameters": {}})
            noop_run = wait_for(server, noop["id"], {"COMPLETED"}, worker_log)
            noop_wall = time.monotonic() - trigger
        finally:
            gate.set()
            worker.terminate()
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()

    # --- they ran at the same time ------------------------------------------------------------
    spans = {
        name: (parse_time(run["start_time"]), parse_time(run["end_time"]))
        for name, run in (("poll", poll_run), ("backfill", back_run), ("digest", digest_run))
    }
    assert spans["backfill"][0] < spans["poll"][1] and spans["poll"][0] < spans["backfill"][1], (
        spans
    )
    assert spans["digest"][0] < spans["poll"][1], spans
    assert parse_time(bad_run["start_time"]) >= spans["backfill"][1]  # never overlapped
    assert "unknown feed" in (bad_run["state"]["message"] or ""), bad_run["state"]

    # --- run names say what ran; the core modules' logs are in the run logs -------------------
    assert poll_run["name"] == "poll-feeds: 4 feeds"
    assert back_run["name"] == "backfill discover 2024-06-01..2024-06-30, 1 feed(s)"
    logs = server.post(
        "/logs/filter", {"logs": {"flow_run_id": {"any_": [back["id"]]}}, "limit": 200}
    )
    assert any(entry["name"].startswith("pipeline.backfill.") for entry in logs), [
        e["name"] for e in logs
    ]
    artifacts = server.post(
        "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [back["id"]]}}}
    )
    kinds = {a["key"]: a for a in artifacts}
    assert kinds["backfill-progress"]["data"] == 100.0
    assert "wordpress" in str(kinds["backfill-summary"]["data"])

    # --- the rows are there, once --------------------------------------------------------------
    con = duckdb.connect(str(db), read_only=True)
    try:
        urls_stored = [
            r[0]
            for r in con.execute("SELECT canonical_url FROM articles WHERE NOT is_seed").fetchall()
        ]
        pages_logged = con.execute(
            "SELECT url, count(*) FROM fetch_log WHERE kind = 'page' GROUP BY url HAVING count(*) > 1"
        ).fetchall()
        job = con.execute("SELECT status, runs FROM backfill_jobs").fetchall()
        pending = con.execute("SELECT count(*) FROM entries WHERE state = 'new'").fetchone()
    finally:
        con.close()
    expected = {
        canonicalize_url(local_site.url(p)) for p in [*ARTICLES, MISSING, recent, old_a, old_b]
    }
    assert sorted(urls_stored) == sorted(expected)
    assert pages_logged == []  # no page fetched (and stored) twice by the two runs
    assert job == [("done", 1)]
    assert pending == (0,)
    for path in (old_a, old_b):
        assert local_site.count(path) == 1

    print(
        f"\nposted the runs; poll, backfill, digest and the refused backfill done in {elapsed:.1f} s;"
        f" no-op poll: {noop_wall:.1f} s from trigger to Completed,"
        f" {noop_run['total_run_time']:.1f} s running"
    )
