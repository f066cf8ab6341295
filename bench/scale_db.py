"""Build (once) and cache a newswatch database grown to N articles, for the scale benchmark.

    .venv/bin/python -m bench.scale_db --articles 1000000     # about 4 GB; minutes, cached after

The databases live under /tmp/newswatch-scale (`NEWSWATCH_SCALE_DIR` moves them), one file per
size, `articles-<N>.duckdb`, migrated to the current schema. A build writes a temporary file and
renames it when complete, so an interrupted build is never taken for a finished one. Benchmarks
copy the cached file before writing to it.

What is in it: N articles made by cycling real texts (the KCNA corpus in
/work/shared/fixtures/corpus, 2,111 state-media items, and the seed articles), each with its own
canonical URL, spread over 500 feeds and over time at 1,000 articles a day ending at the build
time (so 1 M articles reach back about 2.7 years), one in eight judged relevant; for each
article its feed entry (state done) with two identities, a page row in the fetch log and a small
raw-HTML row. Rows are generated inside DuckDB (`INSERT ... SELECT` over `range`), in chunks;
then the search index is built (about 0.3 s a block of 2,048 articles; a cached database from
before the index gets its index on first use).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.library import build_search_index  # noqa: E402
from pipeline.settings import load_settings  # noqa: E402
from store.db import connect  # noqa: E402

SCALE_DIR = Path(os.environ.get("NEWSWATCH_SCALE_DIR", "/tmp/newswatch-scale"))
KCNA = Path("/work/shared/fixtures/corpus/kcna/headlines_2024-11-11.json")
SEEDS = ROOT / "seeds" / "articles"
FEEDS = 500
PER_DAY = 1000
CHUNK = 50_000


def real_texts() -> list[tuple[str, str]]:
    """(title, text) of every real text the builder cycles through."""
    texts: list[tuple[str, str]] = []
    if KCNA.exists():
        for item in json.loads(KCNA.read_text(encoding="utf-8")):
            body = (item.get("story_text") or "").strip()
            if body:
                texts.append((item.get("headline") or body[:80], body))
    for path in sorted(SEEDS.glob("*.txt")):
        body = path.read_text(encoding="utf-8").strip()
        texts.append((body.splitlines()[0][:120], body))
    if not texts:
        raise SystemExit("no real texts found to build from")
    return texts


def db_path(articles: int) -> Path:
    return SCALE_DIR / f"articles-{articles}.duckdb"


def scale_feed_url(n: int) -> str:
    return f"https://scale.example/feed{n}.xml"


_ARTICLES = f"""
INSERT INTO articles (id, canonical_url, url, feed_url, source, title, author, published_at,
    first_seen_at, fetched_at, language, site_name, text, summary, is_seed, extraction_status,
    extraction_reason, http_status, relevant, relevance_score, relevance_terms, relevance_reason,
    updated_at)
SELECT nextval('article_ids'),
       'https://scale.example/f' || (i % {FEEDS}) || '/a' || i,
       'https://scale.example/f' || (i % {FEEDS}) || '/a' || i || '?utm_source=rss',
       'https://scale.example/feed' || (i % {FEEDS}) || '.xml',
       'Outlet ' || (i % {FEEDS}),
       t.title || ' (' || i || ')',
       NULL,
       $built - to_microseconds(CAST(($n - i) * 86400000000 / {PER_DAY} AS BIGINT)),
       $built - to_microseconds(CAST(($n - i) * 86400000000 / {PER_DAY} AS BIGINT))
           + INTERVAL 20 MINUTE,
       $built - to_microseconds(CAST(($n - i) * 86400000000 / {PER_DAY} AS BIGINT))
           + INTERVAL 20 MINUTE,
       'en', 'Outlet ' || (i % {FEEDS}), t.text, left(t.text, 200), FALSE, 'ok', NULL, 200,
       i % 8 = 0, CASE WHEN i % 8 = 0 THEN 0.8 ELSE 0.1 END,
       CASE WHEN i % 8 = 0 THEN ['russia', 'north korea'] ELSE []::VARCHAR[] END,
       CASE WHEN i % 8 = 0 THEN 'names Russia and North Korea' ELSE 'off topic' END,
       $built
FROM range($start, $stop) r(i) JOIN scale_texts t ON t.k = i % $m
ORDER BY i
"""

_ENTRIES = """
INSERT INTO entries (entry_key, feed_url, guid, url, canonical_url, title, summary, author,
    source, published_at, fetchable, first_seen_at, article_id, state, language)
SELECT 'scale-' || a.id, a.feed_url, 'guid-' || a.id, a.url, a.canonical_url, a.title,
       a.summary, NULL, a.source, a.published_at, TRUE, a.first_seen_at, a.id, 'done', 'en'
FROM articles a WHERE a.id >= $lo AND a.id < $hi AND NOT a.is_seed ORDER BY a.id
"""

_IDENTITIES = """
INSERT INTO entry_identities (identity, entry_key)
SELECT unnest(['guid:guid-' || e.article_id, 'url:' || e.canonical_url]), e.entry_key
FROM entries e WHERE e.article_id >= $lo AND e.article_id < $hi
"""

_LOG = """
INSERT INTO fetch_log (run_id, kind, url, feed_url, status, http_status, error, elapsed_ms, bytes,
    logged_at)
SELECT 'scale-build', 'page', a.url, a.feed_url, 'ok', 200, NULL, 120.0, 40000, a.fetched_at
FROM articles a WHERE a.id >= $lo AND a.id < $hi AND NOT a.is_seed ORDER BY a.id
"""

_HTML = """
INSERT INTO article_html (article_id, compression, content_type, final_url, html, fetched_at)
SELECT a.id, 'none', 'text/html', a.url,
       encode('<html><body><p>' || left(a.text, 300) || '</p></body></html>'), a.fetched_at
FROM articles a WHERE a.id >= $lo AND a.id < $hi AND NOT a.is_seed ORDER BY a.id
"""


def _fill(con: duckdb.DuckDBPyConnection, articles: int, built: datetime) -> None:
    texts = real_texts()
    con.execute("CREATE TEMP TABLE scale_texts (k INTEGER, title VARCHAR, text VARCHAR)")
    con.executemany(
        "INSERT INTO scale_texts VALUES (?, ?, ?)",
        [[k, title, text] for k, (title, text) in enumerate(texts)],
    )
    con.execute(
        "INSERT INTO feeds (url, title, source, language, topic, origin, active) "
        "SELECT 'https://scale.example/feed' || i || '.xml', 'Feed ' || i, 'Outlet ' || i, 'en', "
        "'general', 'scale-build', FALSE FROM range(?) r(i)",
        [FEEDS],
    )
    for start in range(0, articles, CHUNK):
        stop = min(articles, start + CHUNK)
        con.execute("BEGIN TRANSACTION")
        row = con.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()
        lo = int(row[0]) if row else 1
        con.execute(
            _ARTICLES,
            {"built": built, "n": articles, "start": start, "stop": stop, "m": len(texts)},
        )
        hi = lo + (stop - start)
        for statement in (_ENTRIES, _IDENTITIES, _LOG, _HTML):
            con.execute(statement, {"lo": lo, "hi": hi})
        con.execute("COMMIT")
        print(f"  {stop:,} / {articles:,} articles", file=sys.stderr, flush=True)
    con.execute("CHECKPOINT")


def _index(path: Path) -> None:
    """Build the search filters of every block of articles that has none, as `newswatch index`
    does (articles stored by a poll are indexed as they are stored)."""
    built = build_search_index(load_settings(db=path))
    if built:
        print(f"  search index: {built:,} blocks built", file=sys.stderr)


def build(articles: int, *, rebuild: bool = False) -> Path:
    """The cached database of `articles` articles, built first when missing."""
    target = db_path(articles)
    if target.exists() and not rebuild:
        _index(target)  # a database cached before the search index existed
        return target
    SCALE_DIR.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".building")
    for stale in (partial, Path(f"{partial}.wal")):
        stale.unlink(missing_ok=True)
    started = time.monotonic()
    with connect(partial) as con:
        _fill(con, articles, datetime.now(UTC).replace(microsecond=0))
    _index(partial)
    partial.rename(target)
    for lock in (Path(f"{partial}.lock"),):
        lock.unlink(missing_ok=True)
    print(
        f"built {target} ({target.stat().st_size / 1e9:.2f} GB) in "
        f"{time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args()
    print(build(options.articles, rebuild=options.rebuild))
