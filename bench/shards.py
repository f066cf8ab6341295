"""The poll spread over 1, 2 and 4 side-by-side polls of one database (`poll --shard K/N`).

    .venv/bin/python -m bench.shards                   # writes docs/benchmarks/shards.md
    .venv/bin/python -m bench.shards --copies 1 --rounds 1 --no-write

What a work pool with N process workers runs for one poll cycle cut into N parts: N whole
`newswatch poll --shard K/N` processes started together against one database, each with its
share of the machine's cores for extraction (`NEWSWATCH_EXTRACT_WORKERS` = cores // N, at least
1). A local site on 127.0.0.1 serves `--feeds` RSS feeds whose items link to the Zyte benchmark's
real news pages (`bench.throughput.zyte_pages`, `--copies` times under distinct URLs). Each round
runs every N in turn (1, 2, 4, 1, 2, 4, ...) into a fresh copy of one seeded database; the wall
time is from the start of the first process to the end of the last, and every N must store the
same articles. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.throughput import ROOT, bench_env, newswatch, serve_feeds, zyte_pages
from pipeline.ingest import load_seeds
from pipeline.settings import load_settings
from store.articles import count_articles
from store.db import connect
from testkit.localsite import LocalSite

OUT = ROOT / "docs" / "benchmarks" / "shards.md"
SHARDS = (1, 2, 4)


@dataclass(frozen=True)
class Cycle:
    shards: int
    seconds: float  # wall: first start to last end
    peak_mb: float  # the largest of one process (and its children)
    stored: int  # articles in the database afterwards, seeds left out


def workers_each(shards: int) -> int:
    """Extraction workers of each of `shards` polls sharing this machine's cores."""
    return max(1, (os.cpu_count() or 1) // shards)


def cycle(shards: int, feeds: Path, template: Path, tmp: Path, env: dict[str, str]) -> Cycle:
    """One poll cycle cut into `shards` parts, run side by side into a copy of `template`."""
    db = tmp / f"shards-{shards}.duckdb"
    shutil.copyfile(template, db)
    share = {**env, "NEWSWATCH_EXTRACT_WORKERS": str(workers_each(shards))}
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            newswatch("poll", "--feeds", str(feeds), "--db", str(db), "--shard", f"{k}/{shards}"),
            env=share,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for k in range(1, shards + 1)
    ]
    peak = 0.0
    for proc in procs:
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0 and proc.stderr is not None:
            raise RuntimeError(
                f"shard of {shards} exited {proc.returncode}: {proc.stderr.read()!r}"
            )
        peak = max(peak, usage.ru_maxrss / 1024)
    seconds = time.perf_counter() - started
    with connect(db) as con:
        counts = count_articles(con)
    db.unlink()
    return Cycle(shards, seconds, peak, counts["articles"] - counts["seeds"])


def measure(copies: int, feeds: int, rounds: int) -> list[str]:
    pages = zyte_pages()
    n = len(pages) * copies
    with tempfile.TemporaryDirectory(prefix="newswatch-shards-") as folder:
        tmp = Path(folder)
        env = bench_env(tmp)
        template = tmp / "seeded.duckdb"
        load_seeds(load_settings(db=template))  # every cycle starts from the seeded database
        site = LocalSite()
        site.start()
        try:
            urls = serve_feeds(site, pages, copies, feeds)
            feed_list = tmp / "feeds.toml"
            feed_list.write_text("".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls))
            runs: dict[int, list[Cycle]] = {k: [] for k in SHARDS}
            for r in range(rounds):
                for k in SHARDS:
                    done = cycle(k, feed_list, template, tmp, env)
                    runs[k].append(done)
                    print(f"round {r + 1}: {k} shard(s) {done.seconds:.1f} s", file=sys.stderr)
        finally:
            site.stop()
    stored = {c.stored for cycles in runs.values() for c in cycles}
    if len(stored) != 1:
        raise RuntimeError(f"the cycles stored different numbers of articles: {sorted(stored)}")
    cores = os.cpu_count() or 1
    one = statistics.median(c.seconds for c in runs[1])
    lines = [
        f"{n:,} real pages (the Zyte benchmark's {len(pages)}, {copies} cop"
        f"{'y' if copies == 1 else 'ies'}) behind {feeds} RSS feeds on 127.0.0.1; {cores} cores; "
        f"{rounds} round(s), medians; every cycle stored the same {stored.pop():,} articles.",
        "",
        "| side-by-side polls | extraction workers each | wall (s) | pages/s | against 1 | "
        "peak MB of one |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for k, cycles in runs.items():
        wall = statistics.median(c.seconds for c in cycles)
        lines.append(
            f"| {k} | {workers_each(k)} | {wall:.1f} | {n / wall:.1f} | {one / wall:.2f} × | "
            f"{max(c.peak_mb for c in cycles):.0f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=2, help="copies of the Zyte pages")
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print, do not write the doc")
    options = parser.parse_args()
    lines = measure(options.copies, options.feeds, options.rounds)
    command = (
        f"`.venv/bin/python -m bench.shards --copies {options.copies} --feeds {options.feeds} "
        f"--rounds {options.rounds}`"
    )
    text = "\n".join(
        [
            "# The poll cut into shards, run side by side",
            "",
            f"{command}, {datetime.now(UTC):%Y-%m-%d}. " + __doc__.split("\n\n", 2)[2].strip(),
            "",
            *lines,
            "",
        ]
    )
    print(text)
    if not options.no_write:
        OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
