"""Disk full during a write: the writing process gets a file-size limit (RLIMIT_FSIZE, so every
write past it fails with EFBIG, as on a full disk), the poll fails loudly, and the database opens
cleanly afterwards with nothing stored before it lost; a poll with room again completes.

The poll runs the ingest steps in a child process (as `bench.reliability` does), against a local
site on 127.0.0.1 whose pages are large and incompressible enough to outgrow the limit.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.reliability import _one_poll
from pipeline.settings import load_settings
from store.db import connect
from testkit.faults import FaultySite, Item

ROOT = Path(__file__).resolve().parents[2]
CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failing write, not a kill: like ENOSPC
    db, feeds, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    from bench.reliability import _one_poll
    from pipeline.settings import load_settings
    import py3langid  # unpacks its model into a temporary file: before the limit, not after
    py3langid.classify("warm up the language model before the disk fills")
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    # one process: spawned extraction workers would unpack py3langid's model again, past the limit
    settings = load_settings(db=db, feeds=feeds, allow_private=["127.0.0.1/32"], extract_workers=1)
    _one_poll(settings, "full")
    """
)


def _page(n: int) -> bytes:
    rng = random.Random(n)
    words = " ".join(
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
        for _ in range(6000)
    )
    return (
        f"<html><head><title>Pyongyang report {n}</title></head><body><article>"
        f"<h1>Kim and Putin {n}</h1><p>{words}</p></article></body></html>"
    ).encode()


@pytest.fixture
def site() -> Iterator[FaultySite]:
    site = FaultySite(rate=0.0)
    site.start()
    try:
        yield site
    finally:
        site.stop()


def _items(site: FaultySite, count: int) -> list[Item]:
    items = []
    for n in range(count):
        item = Item(
            f"g{n}", f"Pyongyang report {n}", f"/a{n}.html", "Tue, 19 Nov 2024 08:00:00 GMT"
        )
        if item.path not in site.site.routes:
            site.add_page(item.path, _page(n))
        items.append(item)
    return items


def _count(db: Path) -> tuple[int, int]:
    with connect(db) as con:
        row = con.execute(
            "SELECT (SELECT count(*) FROM articles WHERE NOT is_seed), (SELECT count(*) FROM entries)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_disk_full_fails_loudly_and_loses_nothing(site: FaultySite, tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    url = site.add_feed("/feed.xml", _items(site, 5))
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(f'[[feeds]]\nurl = "{url}"\n', encoding="utf-8")
    settings = load_settings(db=db, feeds=feeds, allow_private=["127.0.0.1/32"])
    _one_poll(settings, "before")
    assert _count(db) == (5, 5)
    with connect(db) as con:
        con.execute("CHECKPOINT")
    before = {p.name: p.stat().st_size for p in tmp_path.iterdir() if p.is_file()}

    site.feeds["/feed.xml"] = _items(site, 120)  # 115 new large pages: far past the limit
    limit = max(before.values()) + 256 * 1024
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(feeds), str(limit)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert child.returncode != 0, child.stdout + child.stderr  # it failed, and said so
    assert "Traceback" in child.stderr
    assert "File too large" in child.stderr, child.stderr[-2000:]
    assert "news.duckdb" in child.stderr.rsplit("Traceback", 1)[-1]  # DuckDB's write, not another

    articles, entries = _count(db)  # opens cleanly (the lock was released with the process)
    assert articles >= 5 and entries >= 5  # nothing stored before was lost
    with connect(db) as con:
        kept = {r[0] for r in con.execute("SELECT guid FROM entries").fetchall()}
    assert {f"g{n}" for n in range(5)} <= kept

    _one_poll(settings, "after")  # room again: the poll completes, nothing twice
    assert _count(db) == (120, 120)
