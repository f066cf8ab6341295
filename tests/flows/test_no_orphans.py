"""A one-shot command's temporary Prefect API server cannot outlive it, even when it is SIGKILLed.

Runs the real CLI (`newswatch poll` as a flow run, NEWSWATCH_LOCAL_RUNS=prefect, no server) against a local
site whose article page answers only after a minute, so the poll is in flight; finds the
temporary server among the CLI's children (/proc), kills the CLI with SIGKILL, and expects the
server to be gone within seconds. Prefect's own temporary server is only stopped by an atexit
hook, which SIGKILL never runs: it stayed behind, holding its port and memory. Linux only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.local_api import configured_api_url
from testkit.localsite import LocalSite

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.prefect,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc"),
]


def children_of(pid: int) -> dict[int, str]:
    """pid -> command line of the live processes whose parent is `pid`."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(stat.parent.name)] = cmdline.decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_temporary_server_dies_with_a_killed_poll(
    local_site: LocalSite, tmp_path: Path
) -> None:
    page = local_site.add("/slow.html", "<html><body><p>late</p></body></html>", delay=60)
    feed = local_site.add(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x</title>'
        f"<link>{page}</link><guid>1</guid></item></channel></rss>",
        content_type="application/rss+xml",
    )
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(f'[[feeds]]\nurl = "{feed}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "PREFECT_"))}
    env |= {
        "NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "1",
        "NEWSWATCH_DB": str(tmp_path / "news.duckdb"),
        "NEWSWATCH_PREFECT_PORT": "9",  # nothing answers there: no `serve` to reuse
        "NEWSWATCH_LOCAL_RUNS": "prefect",  # a flow run on a temporary server, not direct
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PYTHONPATH": str(ROOT),
    }
    cli = subprocess.Popen(
        [sys.executable, "-m", "newswatch", "poll", "--feeds", str(feeds)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while local_site.count("/slow.html") == 0:  # the flow is running: the API answered
            assert cli.poll() is None, "the poll ended before fetching the page"
            assert time.monotonic() < deadline, "the poll never reached the page"
            time.sleep(0.2)
        servers = [p for p, cmd in children_of(cli.pid).items() if "uvicorn" in cmd]
        assert servers, children_of(cli.pid)
        cli.send_signal(signal.SIGKILL)
        cli.wait()
        deadline = time.monotonic() + 15
        while any(alive(p) for p in servers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in servers if alive(p)], "the temporary server outlived the CLI"
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()


def test_an_operators_api_url_is_used_as_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    if "prefect.settings" not in sys.modules:
        assert configured_api_url() is None
        (tmp_path / "profiles.toml").write_text(
            'active = "box"\n[profiles.box]\nPREFECT_API_URL = "http://127.0.0.1:4300/api"\n'
        )
        assert configured_api_url() == "http://127.0.0.1:4300/api"
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4400/api")
    assert configured_api_url() == "http://127.0.0.1:4400/api"
