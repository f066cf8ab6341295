"""Flat at a million articles: the real CLI on a small and on a large database, side by side.

    .venv/bin/python -m bench.scale [--articles 1000000] [--small 1000] [--rounds 3] \
        [--feeds 500] [--new-pages 2000]
    .venv/bin/python -m bench.scale --new-pages 10000 --new-pages-only   # a big batch, printed

Writes docs/benchmarks/scale.md. The databases come from `bench/scale_db.py` (built once, cached
under /tmp/newswatch-scale; the large one takes minutes) and are copied before anything writes to
them. A local site on 127.0.0.1 serves `--feeds` RSS feeds linking to real fixture pages; each
feed answers 304 to its ETag. Every figure is a whole `newswatch` process (wall time, CPU time,
peak memory from the kernel's accounting of that process), run in turn on the small and on the
large database (A B A B ...), so a ratio compares runs made under the same load:

- `poll --force` with `--new-pages` new pages to fetch, extract and store (one run each);
- `poll --force` again, every feed answering 304 (`--rounds` pairs);
- `search` for a common, a rare and an absent word (`--rounds` pairs);
- `export --since` (the last 30 days) as JSON Lines;
- in-process: the cost of storing a batch of 100 new articles on a new connection.

The subprocesses run with bytecode caching on (`PYTHONDONTWRITEBYTECODE` removed), as an
installed command would; no Prefect server is configured or answering, so each command runs its
steps in its own process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale_db  # noqa: E402
from bench.poll import build_site  # noqa: E402
from testkit.localsite import LocalSite  # noqa: E402

OUT = ROOT / "docs" / "benchmarks" / "scale.md"

NOTES = """
## What keeps it flat, and what does not yet

- **Storing articles** (`store/articles.py`): the batch's stored ids are looked up by canonical
  URL, the new articles inserted, the stored ones updated by id. `INSERT ... ON CONFLICT
  (canonical_url) DO UPDATE` cost 7-23 s and 2.7 GB per batch of 100 against the million
  (measured in-process beside the new code, which took 0.16-0.30 s and 106 MB); the equivalence
  test `tests/store/test_upserts.py` keeps the old statement.
- **Settling entries** (`store/entries.py`): `mark_entries_done` filters `entries` by the batch's
  keys instead of joining every entry (0.5 s to 0.05 s at a million).
- **One connection per batch is kept**: opening one and storing 100 new articles measured about
  0.15 s on both the small and the large database (0.04 s on a connection kept open), so the
  poll's steps keep opening their own and releasing the lock between batches.
- **Memory**: every connection caps DuckDB at 512 MB (`store.db.MEMORY_LIMIT`); DuckDB's
  default, 80 % of the machine, let a process grow with how much of the file it read.
- **Export** (`store/export.py`) takes its order as ids, then reads 1,000 articles at a time:
  a full JSON Lines export of the million took 175 s and peaked at 759 MB (`/usr/bin/time -v`),
  where the single sorted query ran out of memory.
- **Search** (`store/search.py`) goes newest first a span at a time (week, month, quarter, year,
  older), each span's scan bounded by the range of ids its articles have, with one RE2
  case-insensitive test per term and column; within a span it reads only the blocks of 2,048
  articles whose Bloom filter of character trigrams (`store/search_index.py`, 128 KB a block,
  64 MB at a million) holds every trigram of every term, the filters tested inside DuckDB.
  A word that occurs nowhere was the slow case (4.0 s and 647 MB on 2026-12-02: every article
  read); its trigrams now rule out every block. What remains slow: a word that occurs nowhere
  but whose trigrams are all common (the last search row: every block passes its filter, every
  article is read), and a rare word found in every block (read until `limit` results are in
  hand). Building the filters of a database from before the index (`newswatch index`) took
  162 s and 327 MB peak for 425 of the million's 489 blocks (`/usr/bin/time -v`, 2026-12-03);
  new articles are indexed in the transaction that stores them. Not chosen: a word-to-article
  index table (about 250 distinct words an article is some 250 M rows at a million articles,
  and it would turn substring matching into word matching), and a default window (it would
  silently drop older matches).
- **A poll with new pages** (first row) costs more CPU on the million, and the cause is the
  bench's database, not its size. py-spy on the 500-page poll (2026-12-03): on the million the
  extra samples are the stories step embedding and reading the text features of 1,835 earlier
  relevant articles in its look-back, which the generated database (`bench/scale_db.py`, about
  1,000 articles a day) holds without stories, vectors or features; in steady operation earlier
  polls have assigned them. With that backlog settled first (one `assign_stories` call on the
  copy, then the poll; a script in /tmp, not kept), the same poll took 16.4 CPU s and 34.5 s on
  the million against 12.7 CPU s and 30.9 s on the thousand (1.29 × CPU, 1.12 × wall; one run
  each): what remains is the stories step grouping the new articles with the day's 1,835
  earlier ones, a cost of how many relevant articles a day brings, not of how many are stored.
- **A big poll into the million, under 1 GB.** `python -m bench.scale --new-pages 10000
  --new-pages-only` (one poll of 10,000 new pages into a copy of the million) peaked at
  1,258 MB (314 CPU s, beside the test suite). Traced by sampling the poll's resident memory
  every 0.5 s with a stack dump at each new high: first the stories step's copy search (the
  poll's pages are some 20 texts, each carried by about 500 items: every pair of copies was
  listed), then the store's connections, whose memory, freed on close, glibc kept spread over
  one malloc arena per thread. Now word-for-word copies are one text to the copy search
  (`reports.stories.copies.copy_sources`), the vectors' cosines are computed a block at a time
  (`reports/stories/model.py`), and the CLI's process keeps two malloc arenas
  (`pipeline/malloc.py`; `MALLOC_ARENA_MAX` in prefect.yaml for workers' runs). One run each,
  2026-12-03, idle machine: the first two changes alone 1,047 MB (265 s, 139 CPU s); with the
  arenas capped **831 MB** (350 s, 176 CPU s; the wall and CPU figures of single runs here vary
  by a third); `malloc_trim` after each connection instead of the cap, 975 MB (309 s, 164 CPU s).
  What the cap costs in speed, side by side: two A/B series of a 905-page poll into a fresh
  database (whole process, 4 and 6 pairs) gave the capped poll 0.94 × and 0.97 × the speed
  (medians; pairs 0.88-1.14), with peaks of 310 against 343-349 MB.
  The digest at a million articles: `bench.story_week --among` ([story-week.md](story-week.md)).
"""
CLI = str(ROOT / ".venv" / "bin" / "newswatch")


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mb: float
    code: int


def run_cli(args: list[str], env: dict[str, str]) -> Run:
    """One whole `newswatch` process: wall seconds, CPU seconds, peak resident memory."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [CLI, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code != 0 and proc.stderr is not None:
        print(proc.stderr.read().decode(errors="replace")[-2000:], file=sys.stderr)
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSWATCH_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PREFECT_HOME=str(tmp / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        NEWSWATCH_ALLOW_PRIVATE="127.0.0.1/32",
        NEWSWATCH_PREFECT_PORT=str(free_port()),  # nobody's `serve` answers there
        NEWSWATCH_LOCAL_RUNS="direct",
    )
    return env


def med(values: list[float]) -> float:
    return statistics.median(values)


def pairs(
    a: list[str], b: list[str], env: dict[str, str], rounds: int
) -> tuple[list[Run], list[Run]]:
    ra: list[Run] = []
    rb: list[Run] = []
    for _ in range(rounds):
        ra.append(run_cli(a, env))
        rb.append(run_cli(b, env))
    return ra, rb


def row(label: str, small: list[Run], large: list[Run]) -> str:
    ratios = [b.wall / a.wall for a, b in zip(small, large, strict=True)]
    failed = sum(r.code != 0 for r in small + large)
    return (
        f"| {label} | {med([r.wall for r in small]):.2f} | {med([r.wall for r in large]):.2f} "
        f"| {med(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}) "
        f"| {med([r.cpu for r in small]):.2f} / {med([r.cpu for r in large]):.2f} "
        f"| {max(r.peak_mb for r in small):.0f} / {max(r.peak_mb for r in large):.0f} |"
        + (f" {failed} run(s) failed |" if failed else "")
    )


def batch_costs(db: Path, batches: int) -> list[float]:
    """Seconds to store each of `batches` batches of 100 new articles, a new connection each."""
    from extract.models import (
        ExtractedArticle,
        ExtractionStatus,
        PageFetch,
        ProcessedArticle,
        Relevance,
    )
    from store.articles import upsert_articles
    from store.db import connect

    text = (ROOT / "seeds" / "articles").glob("*.txt")
    body = next(text).read_text(encoding="utf-8")
    base = ProcessedArticle(
        article=ExtractedArticle(
            url="",
            canonical_url="",
            title="A stored batch",
            text=body,
            author=None,
            published_at=datetime.now(UTC),
            site_name="Bench",
            language="en",
            status=ExtractionStatus.OK,
        ),
        relevance=Relevance(relevant=True, score=0.8, terms=("ru:Putin",), reason="bench"),
        page=PageFetch(
            url="", final_url="", http_status=200, body=body.encode() * 3, content_type="text/html"
        ),
    )
    costs = []
    for k in range(batches):
        items = []
        for j in range(100):
            url = f"https://batch.example/{time.time_ns()}/{k}/{j}"
            items.append(replace(base, article=replace(base.article, url=url, canonical_url=url)))
        started = time.perf_counter()
        with connect(db) as con:
            upsert_articles(con, items, now=datetime.now(UTC))
        costs.append(time.perf_counter() - started)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--new-pages", type=int, default=2000)
    parser.add_argument(
        "--new-pages-only",
        action="store_true",
        help="only the poll of --new-pages new pages into the large database (its time and "
        "peak memory, printed; nothing written)",
    )
    options = parser.parse_args()
    command = (
        f"`.venv/bin/python -m bench.scale --articles {options.articles} --small {options.small} "
        f"--rounds {options.rounds} --feeds {options.feeds} --new-pages {options.new_pages}`"
    )

    tmp = Path(tempfile.mkdtemp(prefix="newswatch-scale-", dir=scale_db.SCALE_DIR.parent))
    if options.new_pages_only:
        new_pages_only(options, tmp)
        return
    dbs = {}
    for name, n in (("small", options.small), ("large", options.articles)):
        cached = scale_db.build(n)
        dbs[name] = tmp / f"{name}.duckdb"
        print(f"copying {cached} ...", file=sys.stderr)
        shutil.copyfile(cached, dbs[name])
    env = cli_env(tmp)
    site = LocalSite()
    site.start()
    try:
        urls = build_site(site, options.feeds, max(1, options.new_pages // options.feeds))
        feeds = tmp / "feeds.toml"
        feeds.write_text("".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls), encoding="utf-8")

        def poll(name: str) -> list[str]:
            return ["poll", "--feeds", str(feeds), "--db", str(dbs[name]), "--force"]

        print("first polls (new pages) ...", file=sys.stderr)
        new_small = [run_cli(poll("small"), env)]
        new_large = [run_cli(poll("large"), env)]
        print("no-news polls ...", file=sys.stderr)
        idle_small, idle_large = pairs(poll("small"), poll("large"), env, options.rounds)
        searches = {}
        for label, query in (
            ("common", "kim jong un"),
            ("rare", "vladivostok"),
            ("absent", "xyzzyplugh"),
            # Absent too, but each of its trigrams is common ("tum", "ume", "men"): every
            # block's filter lets it through, so every article is read.
            ("absent (common trigrams)", "tumen"),
        ):
            print(f"search {label} ...", file=sys.stderr)
            searches[label] = pairs(
                ["search", query, "--db", str(dbs["small"])],
                ["search", query, "--db", str(dbs["large"])],
                env,
                options.rounds,
            )
        since = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
        print("export ...", file=sys.stderr)
        exports = pairs(
            ["export", "--db", str(dbs["small"]), "--since", since, "-o", str(tmp / "s.jsonl")],
            ["export", "--db", str(dbs["large"]), "--since", since, "-o", str(tmp / "l.jsonl")],
            env,
            1,
        )
    finally:
        site.stop()
    print("store batches ...", file=sys.stderr)
    costs = {name: batch_costs(db, 2 * options.rounds) for name, db in dbs.items()}

    lines = [
        "# Scale: a million stored articles",
        "",
        f"Command: {command} ({datetime.now(UTC):%Y-%m-%d}, a shared 2-core machine; one run).",
        "",
        f"Databases from `bench/scale_db.py`: {options.small:,} and {options.articles:,} "
        "articles (real texts cycled, distinct URLs, 1,000 a day, each with its entry, "
        "fetch-log row and a small raw-HTML row). A local site on 127.0.0.1 serves "
        f"{options.feeds} feeds. Each figure is a whole `newswatch` process; the small and "
        "the large database were run in turn, so the ratio (large / small, wall time, pair by "
        "pair: median, min–max) compares runs under the same load. The machine is shared and "
        "busy: read the medians and the ratios, not single times.",
        "",
        "| command | small (s) | large (s) | ratio | CPU s small / large | peak MB small / large |",
        "|---|---:|---:|---:|---:|---:|",
        row(
            f"`poll --force`, {len(urls) * max(1, options.new_pages // options.feeds)} new "
            "pages (1 run)",
            new_small,
            new_large,
        ),
        row(f"`poll --force`, no news: {options.feeds} feeds all 304", idle_small, idle_large),
        *(row(f"`search` {label} word", *searches[label]) for label in searches),
        row("`export --since` (30 days, JSON Lines; 1 run)", *exports),
        "",
        "Storing a batch of 100 new articles on a new connection (in-process, "
        f"{2 * options.rounds} batches each; `store.articles.upsert_articles`): median "
        f"{med(costs['small']):.2f} s on the small database, {med(costs['large']):.2f} s on "
        "the large one.",
        NOTES,
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    shutil.rmtree(tmp, ignore_errors=True)


def new_pages_only(options: argparse.Namespace, tmp: Path) -> None:
    """One poll of `--new-pages` new pages into a copy of the large database."""
    db = tmp / "large.duckdb"
    shutil.copyfile(scale_db.build(options.articles), db)
    site = LocalSite()
    site.start()
    try:
        per_feed = max(1, options.new_pages // options.feeds)
        urls = build_site(site, options.feeds, per_feed)
        feeds = tmp / "feeds.toml"
        feeds.write_text("".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls), encoding="utf-8")
        run = run_cli(["poll", "--feeds", str(feeds), "--db", str(db), "--force"], cli_env(tmp))
    finally:
        site.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"poll of {len(urls) * per_feed:,} new pages into {options.articles:,} articles: "
        f"{run.wall:.1f} s, {run.cpu:.1f} CPU s, peak {run.peak_mb:.0f} MB, exit {run.code}"
    )


if __name__ == "__main__":
    main()
