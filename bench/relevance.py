"""Benchmark the relevance judge on the labelled set and the whole KCNA corpus.

    .venv/bin/python bench/relevance.py [--kcna PATH] [--errors] [--no-write]

Prints precision/recall/F1 on `tests/fixtures/relevance/` split into real and synthetic texts and
per source, the time per article, and a sanity run over every item of the KCNA corpus (how many
are judged relevant, with a sample of those that are not in the labelled set). Writes the same
figures to `docs/benchmarks/relevance.md` unless --no-write.

Borderline items (labelled, but where a careful reader could go either way) are kept out of the
headline figures and reported on their own line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extract.relevance.judge import judge_relevance  # noqa: E402
from extract.relevance.terms import TopicTerms, load_topic_terms  # noqa: E402

LABELLED = ROOT / "tests" / "fixtures" / "relevance"
TERMS = ROOT / "seeds" / "gazetteer.toml"
KCNA = ROOT.parent / "shared" / "fixtures" / "corpus" / "kcna" / "headlines_2024-11-11.json"
REPORT = ROOT / "docs" / "benchmarks" / "relevance.md"


@dataclass(frozen=True)
class Outcome:
    item: dict[str, Any]
    predicted: bool
    score: float
    reason: str
    ms: float


@dataclass(frozen=True)
class Metrics:
    n: int
    positives: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        tn = self.n - self.tp - self.fp - self.fn
        return (self.tp + tn) / self.n if self.n else 1.0


def load_labelled(folder: Path = LABELLED) -> list[dict[str, Any]]:
    """Every labelled item of every *.jsonl file in the folder."""
    items: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            items.extend(json.loads(line) for line in lines if line.strip())
    return items


def judge(items: Iterable[dict[str, Any]], terms: TopicTerms, repeats: int = 1) -> list[Outcome]:
    """Judge every item; `ms` is the best of `repeats` runs (the machine may be shared)."""
    outcomes = []
    for item in items:
        ms = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            result = judge_relevance(
                title=item.get("title"),
                text=item.get("text"),
                summary=item.get("summary"),
                language=item.get("language"),
                terms=terms,
            )
            ms = min(ms, (time.perf_counter() - started) * 1000)
        outcomes.append(Outcome(item, result.relevant, result.score, result.reason, ms))
    return outcomes


def metrics(outcomes: Iterable[Outcome]) -> Metrics:
    rows = list(outcomes)
    tp = sum(1 for o in rows if o.predicted and o.item["label"])
    fp = sum(1 for o in rows if o.predicted and not o.item["label"])
    fn = sum(1 for o in rows if not o.predicted and o.item["label"])
    return Metrics(len(rows), sum(1 for o in rows if o.item["label"]), tp, fp, fn)


def batch(outcomes: Iterable[Outcome], number: int) -> list[Outcome]:
    return [o for o in outcomes if o.item.get("batch", 1) == number]


STORIES = ROOT / "tests" / "fixtures" / "stories" / "articles.jsonl"


def load_story_reports(path: Path = STORIES) -> list[dict[str, Any]]:
    """The labelled story reports as relevance items: all on-topic (label true)."""
    items = []
    for line in path.open(encoding="utf-8"):
        report = json.loads(line)
        items.append(
            {
                "id": f"story-{report['id']}",
                "source": "stories",
                "language": report["language"],
                "title": report.get("title"),
                "text": report.get("text"),
                "summary": None,
                "label": True,
            }
        )
    return items


def per_language(outcomes: Iterable[Outcome]) -> list[tuple[str, Metrics]]:
    by: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by.setdefault(str(o.item.get("language") or "?"), []).append(o)
    return [(language, metrics(found)) for language, found in sorted(by.items())]


def group_of(item: dict[str, Any]) -> str:
    if item.get("synthetic"):
        return f"synthetic/{item['language']}"
    return str(item["source"])


def table(rows: list[tuple[str, Metrics]]) -> list[str]:
    lines = [
        "| set | n | positives | precision | recall | F1 | TP | FP | FN |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in rows:
        lines.append(
            f"| {name} | {m.n} | {m.positives} | {m.precision:.3f} | {m.recall:.3f} | "
            f"{m.f1:.3f} | {m.tp} | {m.fp} | {m.fn} |"
        )
    return lines


def kcna_sanity(
    path: Path, terms: TopicTerms, labelled: list[dict[str, Any]], sample: int
) -> list[str]:
    """Judge every KCNA item; sample distinct judged-relevant texts that are not labelled."""
    items = json.loads(path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    results = []
    for index, item in enumerate(items):
        result = judge_relevance(
            title=item.get("headline"), text=item.get("story_text"), language="en", terms=terms
        )
        results.append((index, item, result))
    seconds = time.perf_counter() - started

    def key(headline: str | None, text: str | None) -> tuple[str, str]:
        return (" ".join((headline or "").split()).split("[")[0].strip(), text or "")

    known = {key(i.get("title"), i.get("text")) for i in labelled if i["source"] == "kcna"}
    relevant = [(i, it, r) for i, it, r in results if r.relevant]
    distinct: dict[tuple[str, str], tuple[int, dict[str, Any], Any]] = {}
    for index, item, result in relevant:
        distinct.setdefault(
            key(item.get("headline"), item.get("story_text")), (index, item, result)
        )
    unseen = [v for k, v in distinct.items() if k not in known]
    picked = random.Random(7).sample(unseen, min(sample, len(unseen)))
    lines = [
        f"- items: {len(items)}; judged relevant: {len(relevant)} ({len(distinct)} distinct "
        f"headline+text); {seconds:.2f} s in all ({seconds / len(items) * 1000:.2f} ms/item)",
        f"- distinct judged-relevant texts not in the labelled set: {len(unseen)}; "
        f"a random sample of {len(picked)} (index, headline, text length, score):",
    ]
    for index, item, result in sorted(picked, key=lambda x: x[0]):
        headline = " ".join((item.get("headline") or "").split())
        size = len(item.get("story_text") or "")
        lines.append(f"  - [{index}] {headline[:100]} ({size} chars, {result.score:.2f})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kcna", type=Path, default=KCNA, help="KCNA corpus JSON")
    parser.add_argument("--errors", action="store_true", help="print every misjudged item")
    parser.add_argument("--no-write", action="store_true", help="do not write the report")
    parser.add_argument("--sample", type=int, default=25, help="KCNA judged-relevant sample size")
    args = parser.parse_args(argv)

    terms = load_topic_terms(TERMS)
    items = load_labelled()
    judge(items[:20], terms)  # warm-up
    outcomes = judge(items, terms, repeats=5)
    clear = [o for o in outcomes if not o.item.get("borderline")]
    real = [o for o in clear if not o.item.get("synthetic")]
    synthetic = [o for o in clear if o.item.get("synthetic")]
    borderline = [o for o in outcomes if o.item.get("borderline")]

    multilingual = [o for o in real if o.item["source"] == "pages-corpus"]
    stories = judge(load_story_reports(), terms)
    headline_rows = [
        ("real (all sources)", metrics(real)),
        ("real, multilingual held-out set (pages corpus, 39 languages)", metrics(multilingual)),
        (
            "real, the other sources (KCNA, pages, seeds, feed items)",
            metrics(o for o in real if o.item["source"] != "pages-corpus"),
        ),
        ("real, excluding KCNA", metrics(o for o in real if o.item["source"] != "kcna")),
        ("synthetic (10 languages)", metrics(synthetic)),
        ("synthetic batch 1 (written before the judge)", metrics(batch(synthetic, 1))),
        ("synthetic batch 2 (written after its first version)", metrics(batch(synthetic, 2))),
        ("all (real + synthetic)", metrics(clear)),
        ("borderline items only", metrics(borderline)),
    ]
    groups = sorted({group_of(o.item) for o in outcomes})
    group_rows = [(g, metrics(o for o in clear if group_of(o.item) == g)) for g in groups]
    times = [o.ms for o in outcomes]
    typical = [o.ms for o in outcomes if 1000 <= len(o.item.get("text") or "") <= 8000]

    lines = [
        "# Relevance judge benchmark",
        "",
        f"Produced by `.venv/bin/python bench/relevance.py` on {date.today().isoformat()} "
        f"(term file `seeds/gazetteer.toml`, threshold {terms.threshold}).",
        "",
        f"Labelled set: `tests/fixtures/relevance/` ({len(items)} items; {len(borderline)} "
        "borderline items kept out of the figures above the last row). Real texts are kept apart "
        "from the synthetic (hand-written) ones. See `tests/fixtures/relevance/README.md` for "
        "sources and labelling rules.",
        "",
        "## Headline figures",
        "",
        *table(headline_rows),
        "",
        "## Per source",
        "",
        *table(group_rows),
        "",
        "## Per language, real articles",
        "",
        "The multilingual held-out set (`multilingual.jsonl`: on-topic articles and hard "
        "negatives in each language, labelled before any judging, never shown to whoever wrote "
        "the gazetteer) with the labelled story reports (`tests/fixtures/stories/`: every one "
        "on-topic, so only their recall counts), by language.",
        "",
        *table(per_language([*multilingual, *stories])),
        "",
        "## Speed",
        "",
        "Best of 5 runs per item (the machine is shared), 2 cores.",
        "",
        f"- mean {statistics.mean(times):.3f} ms/article, median {statistics.median(times):.3f} ms, "
        f"max {max(times):.2f} ms over {len(times)} labelled items",
        f"- typical articles (1,000-8,000 characters of text, n={len(typical)}): mean "
        f"{statistics.mean(typical):.3f} ms"
        if typical
        else "- no typical-length articles",
        "",
    ]
    errors = [o for o in outcomes if o.predicted != o.item["label"]]
    lines += ["## Misjudged labelled items", ""]
    for o in errors:
        kind = "FP" if o.predicted else "FN"
        flag = " (borderline)" if o.item.get("borderline") else ""
        lines.append(f"- {kind}{flag} `{o.item['id']}` score {o.score:.2f}: {o.reason}")
    if not errors:
        lines.append("- none")
    lines.append("")
    if args.kcna.exists():
        sanity = kcna_sanity(args.kcna, terms, items, args.sample)
        lines += ["## Whole KCNA corpus (sanity check)", "", *sanity, ""]
    else:
        lines += ["## Whole KCNA corpus", "", f"- skipped: {args.kcna} not found", ""]

    text = "\n".join(lines)
    print(text)
    if args.errors:
        for o in errors:
            print("\n====", o.item["id"], "label", o.item["label"], "score", o.score)
            print("TITLE:", o.item.get("title"))
            print("REASON:", o.reason)
            print((o.item.get("text") or o.item.get("summary") or "")[:1500])
    if not args.no_write:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
