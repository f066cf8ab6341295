"""Story assignment of a big week: `pipeline.stories.assign_stories` over N relevant articles.

    .venv/bin/python -m bench.story_week --articles 5000      # first run: every vector computed
    .venv/bin/python -m bench.story_week --articles 5000 --vectors stored   # vectors kept before
    .venv/bin/python -m bench.story_week --articles 5000 --dump /tmp/week.jsonl  # every story
    .venv/bin/python -m bench.story_week --copies-only        # copy detection alone, 1k-5k
    .venv/bin/python -m bench.story_week --articles 5000 --vectors stored \
        --among /tmp/newswatch-scale/articles-1000000.duckdb   # the week among a million

The week is built from real texts: the labelled reports of tests/fixtures/stories and the KCNA
items of ../shared/fixtures/corpus/kcna, cycled to N articles spread over the last seven days
(relative to now); each text's second and later uses are syndicated copies (another outlet and
URL, its last paragraph cut), as wire copy is. Every article is stored relevant in a fresh DuckDB
file (or, `--among`, in a copy of a large database, dated after its newest article, the weeks
before settled first), then one `assign_stories` call over the week is timed in a fresh child
process, with that process's peak RSS (the setup's is reported apart), and the better of two
`build_digest` runs of the week's digest. With
`--vectors none` (a first run) that call embeds every article; with `--vectors stored` the
vectors are kept beforehand, as ingest or an earlier run leaves them (computed once in a child
process and cached in the temporary folder, so this process never loads the model). `--dump`
writes each article's URL, its story's URL and the URL it copies, sorted: two versions of the
code give the same stories exactly when their dumps are equal.

`--copies-only` times copy detection alone on the same texts at growing N: the former all-pairs
index (`all_pairs` below), a capped candidate index (`capped_pairs`, proposed once, not exact)
and `reports.stories.copies.near_duplicate_pairs` (exact, by prefix filtering), and checks all
three find the same pairs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from extract.models import ExtractedArticle, ExtractionStatus, ProcessedArticle, Relevance  # noqa: E402
from reports.stories.copies import is_copy, jaccard, near_duplicate_pairs, shingles  # noqa: E402
from store import articles as article_store  # noqa: E402
from store.db import connect  # noqa: E402

STORIES = ROOT / "tests" / "fixtures" / "stories" / "articles.jsonl"
KCNA = ROOT.parent / "shared" / "fixtures" / "corpus" / "kcna" / "headlines_2024-11-11.json"


def real_texts() -> list[tuple[str, str, str]]:
    """(title, text, language) of every real text at hand."""
    out = []
    for line in STORIES.open(encoding="utf-8"):
        item = json.loads(line)
        text = item.get("text") or ""
        out.append((item.get("title") or text.split("\n")[0][:120], text, item["language"]))
    if KCNA.exists():
        for item in json.loads(KCNA.read_text(encoding="utf-8")):
            out.append((item["headline"], item["story_text"], "en"))
    return [t for t in out if t[1].strip()]


def week_of(n: int, now: datetime) -> list[ProcessedArticle]:
    texts = real_texts()
    items = []
    for k in range(n):
        title, text, language = texts[k % len(texts)]
        copy = k // len(texts)
        if copy:
            paragraphs = text.split("\n")
            text = "\n".join(paragraphs[:-1]) if len(paragraphs) > 2 else text
        at = now - timedelta(days=7) + timedelta(seconds=k * 7 * 86400 / n)
        url = f"http://outlet{copy}.example/{k}"
        article = ExtractedArticle(
            url=url,
            canonical_url=url,
            title=title,
            text=text,
            author=None,
            published_at=at,
            site_name=f"Outlet {copy}",
            language=language,
            status=ExtractionStatus.OK,
        )
        relevance = Relevance(True, 0.9, ("ru:Russia", "nk:North Korea"), "bench")
        items.append(ProcessedArticle(article, relevance, source=f"Outlet {copy}"))
    return items


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _encode_to(path: str, texts: list[str]) -> None:
    """In a child process: the sentence vectors of `texts`, saved to `path` (.npy)."""
    import numpy as np

    from reports.stories.embedding import SentenceEmbedder

    np.save(path, SentenceEmbedder().encode(texts))


def cached_vectors(texts: list[str]) -> Any:
    """The vectors of `texts`, computed once in a child process (so this one never loads the
    model) and kept in the temporary folder for the next run."""
    import numpy as np

    from reports.stories.embedding import MODEL_NAME

    key = hashlib.sha256("\x00".join([MODEL_NAME, *texts]).encode("utf-8")).hexdigest()[:20]
    path = Path(tempfile.gettempdir()) / f"newswatch-story-week-{key}.npy"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.npy")
        child = multiprocessing.get_context("spawn").Process(
            target=_encode_to, args=(str(partial), texts)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit("computing the vectors failed")
        partial.replace(path)
    return np.load(path)


def store_vectors(db: Path, now: datetime, days: int = 60) -> None:
    """Keep a vector for every relevant article of the last `days`, as ingest or an earlier run
    would have."""
    from reports.select import ArticleRow
    from reports.stories.embedding import MODEL_NAME, embedding_text
    from store import stories as story_store

    with connect(db) as con:
        rows = [
            ArticleRow.from_record(r)
            for r in story_store.relevant_articles(
                con, since=now - timedelta(days=days), until=now + timedelta(minutes=1)
            )
        ]
    vectors = cached_vectors([embedding_text(r.title, r.body) for r in rows])
    with connect(db) as con:
        story_store.save_vectors(
            con,
            {r.id: vectors[k].tolist() for k, r in enumerate(rows)},
            model=MODEL_NAME,
            now=now,
        )


def dump_week(db: Path, now: datetime, out: Path) -> None:
    """One JSON line per article of the week: its URL, its story's URL and what it copies."""
    from store import stories as story_store

    with connect(db) as con:
        records = story_store.relevant_articles(
            con, since=now - timedelta(days=60), until=now + timedelta(minutes=1)
        )
    url = {r["id"]: r["url"] for r in records}
    lines = sorted(
        json.dumps(
            {
                "url": r["url"],
                "story": url.get(r["story_id"], r["story_id"]),
                "copy_of": url.get(r["duplicate_of"], r["duplicate_of"]),
            }
        )
        for r in records
    )
    out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def _timed_assign(db: Path, now: datetime, send: Any) -> None:
    """In a child process: one `assign_stories` over the week; sends its run, seconds, peak MB."""
    from pipeline.settings import load_settings
    from pipeline.stories import assign_stories
    from pipeline.workers import close_shared_workers

    settings = load_settings(db=db)
    start = time.perf_counter()
    run = assign_stories(settings, now - timedelta(days=7), now + timedelta(minutes=1))
    seconds = time.perf_counter() - start
    close_shared_workers()  # the features may have been read on the extraction pool
    # VmHWM, not ru_maxrss: a spawned child's ru_maxrss starts at its parent's size at the fork.
    status = Path("/proc/self/status").read_text()
    hwm_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    send.send((run, seconds, hwm_kb / 1024))


def assign_week(
    n: int, *, vectors: str = "none", dump: Path | None = None, among: Path | None = None
) -> dict[str, object]:
    """Store the week (in a fresh database, or in a copy of `among` after its newest article),
    then time one `assign_stories` over it and two builds of its digest."""
    from pipeline.digest import build_digest, resolve_window
    from pipeline.settings import load_settings
    from pipeline.stories import assign_stories

    with tempfile.TemporaryDirectory(dir=None if among is None else among.parent) as folder:
        settings = load_settings(db=Path(folder) / "week.duckdb")
        now = datetime.now(UTC).replace(microsecond=0)
        stored = 0
        if among is not None:
            shutil.copyfile(among, settings.db)
            with connect(settings.db) as con:
                newest, stored = con.execute(
                    "SELECT max(coalesce(published_at, first_seen_at)), count(*) FROM articles"
                ).fetchone() or (None, 0)
            if newest is not None:
                now = max(now, newest + timedelta(days=8))
        items = week_of(n, now)
        with connect(settings.db) as con:
            for i in range(0, len(items), 500):
                batch = items[i : i + 500]
                article_store.upsert_articles(con, batch, now=now)  # first seen: now
        lookback = settings.story_lookback_days
        if vectors == "stored":
            store_vectors(settings.db, now, days=7 + lookback + 1)
        if among is not None:  # the weeks before are settled, as in steady operation
            week_start = now - timedelta(days=7)
            assign_stories(settings, week_start - timedelta(days=lookback), week_start)
        before = peak_mb()
        # In a fresh child process, so its peak memory is the call's, not the setup's (not a
        # Pool's daemonic worker: the call may start the extraction pool for its features).
        context = multiprocessing.get_context("spawn")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_timed_assign, args=(settings.db, now, send))
        child.start()
        while not receive.poll(1):
            if not child.is_alive():
                raise SystemExit("the timed assign_stories call failed (see above)")
        run, seconds, call_peak = receive.recv()
        child.join()
        window = resolve_window(  # the days the week was first seen (today included)
            settings,
            since=(now - timedelta(days=7)).date(),
            until=(now + timedelta(days=1)).date(),
            now=now,
        )
        digest_seconds = []
        for _ in range(2):
            t = time.perf_counter()
            built = build_digest(settings, window, now=now)
            digest_seconds.append(time.perf_counter() - t)
        if dump is not None:
            dump_week(settings.db, now, dump)
    return {
        "articles": n,
        "stored_before": stored,
        "vectors": vectors,
        "considered": run.considered,
        "assigned": run.assigned,
        "copies": run.copies,
        "stories": run.stories,
        "seconds": seconds,
        "digest_seconds": min(digest_seconds),
        "digest_items": len(built.digest.new) + len(built.digest.continuing),
        "peak_mb_call": call_peak,  # the child process that made the call (imports included)
        "peak_mb_setup": max(before, peak_mb()),
    }


def all_pairs(texts: Sequence[frozenset[int]]) -> dict[tuple[int, int], float]:
    """The former `near_duplicate_pairs`, kept to compare: an inverted index that counts every pair
    sharing any shingle, so quadratic in the texts sharing stock phrases."""
    postings: dict[int, list[int]] = defaultdict(list)
    for index, sh in enumerate(texts):
        for value in sh:
            postings[value].append(index)
    shared: Counter[tuple[int, int]] = Counter()
    for docs in postings.values():
        for x in range(len(docs)):
            for y in range(x + 1, len(docs)):
                shared[(docs[x], docs[y])] += 1
    return {
        (i, j): jaccard(texts[i], texts[j])
        for (i, j), count in shared.items()
        if is_copy(count, len(texts[i]), len(texts[j]))
    }


def capped_pairs(
    texts: Sequence[frozenset[int]], *, max_postings: int = 50
) -> dict[tuple[int, int], float]:
    """A capped candidate index, the change once proposed: shingles carried by more than
    `max_postings` texts (stock phrases) propose no candidates; every candidate pair is then
    checked exactly. Not exact: a copy made of stock phrases only would be missed."""
    postings: dict[int, list[int]] = defaultdict(list)
    for index, sh in enumerate(texts):
        for value in sh:
            postings[value].append(index)
    candidates: Counter[tuple[int, int]] = Counter()
    for docs in postings.values():
        if 2 <= len(docs) <= max_postings:
            for x in range(len(docs)):
                for y in range(x + 1, len(docs)):
                    candidates[(docs[x], docs[y])] += 1
    pairs = {}
    for i, j in candidates:
        shared = len(texts[i] & texts[j])
        if is_copy(shared, len(texts[i]), len(texts[j])):
            pairs[(i, j)] = jaccard(texts[i], texts[j])
    return pairs


def _timed(find: Any, sets: list[frozenset[int]]) -> tuple[dict[tuple[int, int], float], float]:
    start = time.perf_counter()
    found = find(sets)
    return found, time.perf_counter() - start


def copies_only(sizes: Sequence[int]) -> list[dict[str, float]]:
    now = datetime.now(UTC)
    out = []
    for n in sizes:
        sets = [shingles(a.article.text) for a in week_of(n, now)]  # as grouping does
        exact, exact_s = _timed(all_pairs, sets)
        capped, capped_s = _timed(capped_pairs, sets)
        prefix, prefix_s = _timed(near_duplicate_pairs, sets)
        out.append(
            {
                "articles": n,
                "all_pairs_s": exact_s,
                "capped_s": capped_s,
                "prefix_s": prefix_s,
                "pairs": len(exact),
                "same_pairs": float(set(exact) == set(capped) == set(prefix)),
                "same_jaccard": float(exact == prefix),
            }
        )
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--copies-only", action="store_true")
    parser.add_argument("--sizes", default="1000,2000,5000")
    parser.add_argument(
        "--vectors",
        choices=("none", "stored"),
        default="none",
        help="none: a first run embeds every article; stored: vectors kept before, as ingest "
        "or an earlier run leaves them (computed once in a child process, cached in the "
        "temporary folder)",
    )
    parser.add_argument("--dump", type=Path, help="write every article's story and copy link")
    parser.add_argument(
        "--among",
        type=Path,
        help="a database to copy and add the week to, after its newest article (for example "
        "/tmp/newswatch-scale/articles-1000000.duckdb from bench/scale_db.py)",
    )
    args = parser.parse_args()
    if args.copies_only:
        result: object = copies_only([int(s) for s in args.sizes.split(",")])
    else:
        result = assign_week(args.articles, vectors=args.vectors, dump=args.dump, among=args.among)
    print(json.dumps(result))
