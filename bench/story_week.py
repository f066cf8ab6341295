"""Story assignment of a big week: `pipeline.stories.assign_stories` over N relevant articles.

    .venv/bin/python -m bench.story_week --articles 5000      # prints JSON; bench.throughput
                                                              # runs it in a fresh process
    .venv/bin/python -m bench.story_week --copies-only        # copy detection alone, 1k-5k

The week is built from real texts: the labelled reports of tests/fixtures/stories and the KCNA
items of ../shared/fixtures/corpus/kcna, cycled to N articles spread over the last seven days
(relative to now); each text's second and later uses are syndicated copies (another outlet and
URL, its last paragraph cut), as wire copy is. Every article is stored relevant in a fresh DuckDB
file, then one `assign_stories` call over the week is timed (sentence vectors included: none is
stored yet, as on a first run), with this process's peak RSS.

`--copies-only` times `reports.stories.copies.near_duplicate_pairs` alone on the same texts at
growing N, against a capped candidate index (`capped_pairs` below: the change proposed for that
module, which belongs to the lead's room and is not edited here), and checks both find the same
pairs.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


def assign_week(n: int) -> dict[str, float]:
    from pipeline.settings import load_settings
    from pipeline.stories import assign_stories

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(db=Path(folder) / "week.duckdb")
        items = week_of(n, now)
        with connect(settings.db) as con:
            for i in range(0, len(items), 500):
                batch = items[i : i + 500]
                article_store.upsert_articles(con, batch, now=now)  # first seen: now
        before = peak_mb()
        start = time.perf_counter()
        run = assign_stories(settings, now - timedelta(days=7), now + timedelta(minutes=1))
        seconds = time.perf_counter() - start
    return {
        "articles": n,
        "considered": run.considered,
        "assigned": run.assigned,
        "copies": run.copies,
        "stories": run.stories,
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "peak_mb_before": before,
    }


def capped_pairs(
    texts: Sequence[frozenset[int]], *, max_postings: int = 50
) -> dict[tuple[int, int], float]:
    """`near_duplicate_pairs` with a capped candidate index: shingles carried by more than
    `max_postings` texts (stock phrases: "russia and north korea") propose no candidates; every
    candidate pair is then checked exactly. Near-linear: at most n x shingles x max_postings
    increments. A copy shares most of its shingles with its original, so rare ones still propose
    it; it could only be missed if every shingle the two share is a stock phrase."""
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


def copies_only(sizes: Sequence[int]) -> list[dict[str, float]]:
    now = datetime.now(UTC)
    out = []
    for n in sizes:
        sets = [shingles(a.article.text) for a in week_of(n, now)]  # as grouping does
        start = time.perf_counter()
        exact = near_duplicate_pairs(sets)
        exact_s = time.perf_counter() - start
        start = time.perf_counter()
        capped = capped_pairs(sets)
        capped_s = time.perf_counter() - start
        out.append(
            {
                "articles": n,
                "all_pairs_s": exact_s,
                "capped_s": capped_s,
                "pairs": len(exact),
                "same_pairs": float(set(exact) == set(capped)),
            }
        )
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--copies-only", action="store_true")
    parser.add_argument("--sizes", default="1000,2000,5000")
    args = parser.parse_args()
    if args.copies_only:
        result: object = copies_only([int(s) for s in args.sizes.split(",")])
    else:
        result = assign_week(args.articles)
    print(json.dumps(result))
