"""`newswatch poll` and `newswatch digest` with no Prefect server to report to: the flows' steps
run in the CLI's own process, with no Prefect at all (no temporary API server, no fixed cost).

Run as real processes (the CLI's module) over a real DuckDB file and the local news site of
real fixture pages, so the test sees what a user sees: rows stored, the digest written to the
outbox, the preview written, and Prefect never imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from testkit.localsite import LocalSite
from testkit.newssite import ARTICLES, feed_list, install

SCRIPT = """
import sys
from newswatch.cli import app
code = app(sys.argv[1:], standalone_mode=False)
print("prefect imported:", any(m == "prefect" or m.startswith("prefect.") for m in sys.modules))
sys.exit(code or 0)
"""


def run(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "PREFECT_"))}
    env |= {
        "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1",
        "NEWSWATCH_DB": str(tmp / "news.duckdb"),
        "NEWSWATCH_OUTBOX": str(tmp / "outbox"),
        "NEWSWATCH_DIGEST_ARCHIVE": str(tmp / "archive"),
        "NEWSWATCH_PREFECT_PORT": "9",  # no `serve` answers there
        "PREFECT_HOME": str(tmp / "prefect-home"),
    }
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_poll_then_digest_then_preview_without_prefect(
    local_site: LocalSite, tmp_path: Path
) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(feed_list(install(local_site)), encoding="utf-8")

    polled = run(["poll", "--feeds", str(feeds)], tmp_path)
    assert polled.returncode == 0, polled.stdout + polled.stderr
    assert "prefect imported: False" in polled.stdout
    assert "3 feed(s) polled, 1 failed" in polled.stdout
    con = duckdb.connect(str(tmp_path / "news.duckdb"), read_only=True)
    try:
        stored = {
            urlsplit(r[0]).path: r[1]  # canonical URLs are https: compare paths
            for r in con.execute(
                "SELECT canonical_url, extraction_status FROM articles WHERE NOT is_seed"
            ).fetchall()
        }
    finally:
        con.close()
    assert all(stored.get(path) == "ok" for path in ARTICLES), stored

    since = (date.today() - timedelta(days=1)).isoformat()
    sent = run(["digest", "--since", since], tmp_path)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "prefect imported: False" in sent.stdout and "written:" in sent.stdout
    assert sorted(p.suffix for p in (tmp_path / "outbox").iterdir()) == [".eml", ".html"]
    assert (
        tmp_path / "site" / "index.html"
    ).is_file()  # the archive site refreshed, as the flow does

    preview = tmp_path / "preview.html"
    shown = run(["digest", "--since", since, "--no-send", "--preview", str(preview)], tmp_path)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "prefect imported: False" in shown.stdout and "not-sent" in shown.stdout
    assert "<html" in preview.read_text(encoding="utf-8").lower()
    assert len(list((tmp_path / "outbox").iterdir())) == 2  # a preview delivers nothing
