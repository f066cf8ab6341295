"""`newswatch digest --no-send`: a preview built in the CLI's own process, with no Prefect at all.

Run as a real process (the installed CLI's module) over a real DuckDB file holding the seed
articles, so the test sees what a user sees: the HTML written, the subject printed, and Prefect
never imported (no temporary API server, no fixed cost).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from pipeline.ingest import load_seeds
from pipeline.settings import load_settings

SCRIPT = """
import sys
from newswatch.cli import app
code = app(sys.argv[1:], standalone_mode=False)
print("prefect imported:", any(m == "prefect" or m.startswith("prefect.") for m in sys.modules))
sys.exit(code or 0)
"""


def test_a_preview_is_built_without_prefect(tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    settings = load_settings(db=db, outbox=tmp_path / "outbox", digest_archive=tmp_path / "a")
    assert load_seeds(settings) >= 1
    preview = tmp_path / "preview.html"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "PREFECT_"))}
    env |= {"NEWSWATCH_OUTBOX": str(tmp_path / "outbox"), "PREFECT_HOME": str(tmp_path / "p")}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            "digest",
            "--db",
            str(db),
            "--no-send",
            "--since",
            (date.today() - timedelta(days=60)).isoformat(),
            "--preview",
            str(preview),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "prefect imported: False" in done.stdout
    assert "not-sent" in done.stdout
    html = preview.read_text(encoding="utf-8")
    assert "<html" in html.lower()
    assert not (tmp_path / "outbox").exists()  # nothing delivered
