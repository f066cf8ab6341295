"""Story grouping on labelled real reports: fit the pair model, measure B-cubed by cross-validation.

    .venv/bin/python -m bench.stories            # measure; writes docs/benchmarks/stories.md
    .venv/bin/python -m bench.stories --fit      # also refit seeds/story_model.json on all of it

The labelled set is `tests/fixtures/stories/` (real published reports, each labelled with the
development it belongs to before any scoring; see its README). Three ways of serving it:

- `real`: every report at its real date (a backfill over 2023-2025);
- `week`: every report squashed into one week, order kept (the hard case: the same actors days
  apart, time tells little);
- `weeks`: each development at a random day of one week, its reports within two days of it (a
  realistic week).

The model is a logistic regression over `reports.stories.model.FEATURES`, trained on the pairs of
all three servings (so it learns what time tells and what it does not), with balanced classes.
Figures are nested cross-validation over developments: 5 outer folds (a fold holds whole
developments); inside each, a 4-fold cross-validation chooses the clustering threshold on the
training developments only; the model fitted on the outer training part clusters the held-out
developments at that threshold. `--fit` fits on everything, the threshold chosen by 5-fold
cross-validation, and writes the model file the pipeline uses.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sklearn.linear_model import LogisticRegression  # noqa: E402

from extract.relevance.terms import load_topic_terms  # noqa: E402
from reports.select import ArticleRow  # noqa: E402
from reports.stories.embedding import SentenceEmbedder, embedding_text  # noqa: E402
from reports.stories.entities import EntityReader  # noqa: E402
from reports.stories.linkage import average_linkage  # noqa: E402
from reports.stories.model import FEATURES, PairBatch, PairModel  # noqa: E402
from reports.stories.profile import ArticleProfile, Background, profile_article  # noqa: E402

DATA = ROOT / "tests" / "fixtures" / "stories"
CACHE = ROOT / "bench" / "out" / "story-vectors.npz"
MODEL = ROOT / "seeds" / "story_model.json"
REPORT = ROOT / "docs" / "benchmarks" / "stories.md"
GAZETTEER = ROOT / "seeds" / "gazetteer.toml"
SERVINGS = ("real", "week", "weeks")
THRESHOLDS = tuple(round(x, 2) for x in np.arange(0.30, 0.96, 0.05))
SEED = 20261201


# --- data -----------------------------------------------------------------------------------


def load_set(
    folder: Path = DATA,
) -> tuple[list[ArticleRow], list[str], dict[str, dict[str, object]]]:
    """The labelled reports as the pipeline stores them, their development labels, the labels' text."""
    developments = {
        d["id"]: d
        for d in (
            json.loads(line) for line in (folder / "developments.jsonl").open(encoding="utf-8")
        )
    }
    rows, labels = [], []
    for number, line in enumerate((folder / "articles.jsonl").open(encoding="utf-8"), 1):
        item = json.loads(line)
        published = datetime.fromisoformat(item["published"])
        if published.tzinfo is None:
            published = published.replace(hour=12, tzinfo=UTC)
        rows.append(
            ArticleRow(
                id=number,
                url=item["url"],
                title=item.get("title"),
                text=item.get("text"),
                language=item.get("language"),
                first_seen_at=published,
                published_at=published,
                source=item.get("outlet"),
            )
        )
        labels.append(item["development"])
    return rows, labels, developments


def vectors_for(rows: Sequence[ArticleRow]) -> dict[int, np.ndarray]:
    """Sentence vectors, cached by text in bench/out/ (computing them takes ~15 ms an article)."""
    texts = [embedding_text(r.title, r.body) for r in rows]
    keys = [hashlib.sha256(t.encode()).hexdigest()[:16] for t in texts]
    cached: dict[str, np.ndarray] = {}
    if CACHE.exists():
        with np.load(CACHE) as data:
            cached = {k: data[k] for k in data.files}
    missing = [i for i, k in enumerate(keys) if k not in cached]
    if missing:
        computed = SentenceEmbedder().encode([texts[i] for i in missing])
        for n, i in enumerate(missing):
            cached[keys[i]] = computed[n]
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(CACHE, **cached)
    return {r.id: cached[k] for r, k in zip(rows, keys, strict=True)}


def served(
    profiles: Sequence[ArticleProfile], labels: Sequence[str], how: str, seed: int
) -> list[ArticleProfile]:
    """The profiles with their times as one serving of the set gives them.

    Most labelled dates are days without a time (and some are the event's day), so reports of
    one development would share a timestamp to the second, which no feed does: every report gets
    a random time of its day first (seeded), and the week servings spread reports over hours.
    """
    rng = np.random.default_rng(seed)
    day_seconds = 86400.0
    times = np.array([p.when.timestamp() for p in profiles])
    times = times + rng.uniform(-0.5, 0.5, len(times)) * day_seconds
    if how == "real":
        return [
            replace(p, when=datetime.fromtimestamp(float(t), UTC))
            for p, t in zip(profiles, times, strict=True)
        ]
    start = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
    if how == "week":
        rank = np.argsort(np.argsort(times, kind="stable"), kind="stable")
        new = start + 7 * day_seconds * (rank + rng.uniform(0, 1, len(rank))) / len(rank)
    else:
        new = np.zeros(len(profiles))
        for development in set(labels):
            members = [i for i, label in enumerate(labels) if label == development]
            day = rng.uniform(0, 5)
            first = min(times[i] for i in members)
            for i in members:
                spread = min((times[i] - first) / day_seconds, 2.0) if len(members) > 1 else 0.0
                new[i] = start + (day + spread + rng.uniform(0, 0.5)) * day_seconds
    return [
        replace(p, when=datetime.fromtimestamp(float(t), UTC))
        for p, t in zip(profiles, new, strict=True)
    ]


# --- model --------------------------------------------------------------------------------------


def pair_data(
    profiles: Sequence[ArticleProfile], labels: Sequence[str], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Features and same-development labels of every pair, over the three servings."""
    xs, ys = [], []
    n = len(profiles)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    same = np.array([labels[i] == labels[j] for i, j in pairs], dtype=int)
    for k, how in enumerate(SERVINGS):
        xs.append(PairBatch(served(profiles, labels, how, seed + k)).features(pairs))
        ys.append(same)
    return np.vstack(xs), np.concatenate(ys)


def background_of(profiles: Sequence[ArticleProfile]) -> Background:
    counts: Counter[object] = Counter()
    for p in profiles:
        counts.update(p.entities)
    return Background(len(profiles), dict(counts))


def fit(
    x: np.ndarray, y: np.ndarray, threshold: float, background: Background | None = None
) -> PairModel:
    clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
    clf.fit(x, y)
    return PairModel(
        FEATURES,
        clf.coef_[0].astype(np.float64),
        float(clf.intercept_[0]),
        threshold,
        {},
        background,
    )


def cluster_all(
    profiles: Sequence[ArticleProfile], model: PairModel, threshold: float
) -> list[int]:
    batch = PairBatch(profiles, model.background)
    pairs = batch.candidates()
    probabilities = model.score(batch, pairs)
    return average_linkage(len(profiles), pairs, probabilities.tolist(), threshold)


def bcubed(predicted: Sequence[int], gold: Sequence[str]) -> tuple[float, float, float]:
    clusters: dict[int, set[int]] = defaultdict(set)
    classes: dict[str, set[int]] = defaultdict(set)
    for i, (p, g) in enumerate(zip(predicted, gold, strict=True)):
        clusters[p].add(i)
        classes[g].add(i)
    precision = recall = 0.0
    for p, g in zip(predicted, gold, strict=True):
        both = len(clusters[p] & classes[g])
        precision += both / len(clusters[p])
        recall += both / len(classes[g])
    n = len(gold)
    precision, recall = precision / n, recall / n
    return precision, recall, 2 * precision * recall / (precision + recall)


def folds_of(labels: Sequence[str], k: int, seed: int) -> list[set[str]]:
    developments = sorted(set(labels))
    rng = np.random.default_rng(seed)
    rng.shuffle(developments)
    return [set(developments[f::k]) for f in range(k)]


def choose_threshold(
    profiles: Sequence[ArticleProfile], labels: Sequence[str], seed: int, k: int = 4
) -> float:
    """The threshold with the best mean B-cubed F1 over a k-fold CV by development (all servings)."""
    scores: dict[float, list[float]] = defaultdict(list)
    for fold in folds_of(labels, k, seed):
        train = [i for i, label in enumerate(labels) if label not in fold]
        test = [i for i, label in enumerate(labels) if label in fold]
        train_profiles = [profiles[i] for i in train]
        model = fit(
            *pair_data(train_profiles, [labels[i] for i in train], seed),
            0.5,
            background_of(train_profiles),
        )
        for s, how in enumerate(SERVINGS):
            gold = [labels[i] for i in test]
            view = served([profiles[i] for i in test], gold, how, seed + 100 + s)
            batch = PairBatch(view, model.background)
            pairs = batch.candidates()
            probabilities = model.score(batch, pairs).tolist()
            for threshold in THRESHOLDS:
                labelled = average_linkage(len(view), pairs, probabilities, threshold)
                scores[threshold].append(bcubed(labelled, gold)[2])
    return max(THRESHOLDS, key=lambda t: (float(np.mean(scores[t])), -abs(t - 0.6)))


# --- report -----------------------------------------------------------------------------------


def language_pairs(
    predicted: Sequence[int], gold: Sequence[str], languages: Sequence[str | None]
) -> dict[tuple[str, str], Counter[str]]:
    """Pairwise outcomes by language pair: same development grouped / split, different merged."""
    out: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for i in range(len(gold)):
        for j in range(i + 1, len(gold)):
            key = tuple(sorted((languages[i] or "?", languages[j] or "?")))
            same, together = gold[i] == gold[j], predicted[i] == predicted[j]
            if same:
                out[key]["grouped" if together else "split"] += 1  # type: ignore[index]
            elif together:
                out[key]["merged"] += 1  # type: ignore[index]
    return out


def run(do_fit: bool, gazetteer: Path = GAZETTEER) -> str:
    started = time.perf_counter()
    rows, labels, developments = load_set()
    reader = EntityReader(load_topic_terms(gazetteer))
    t0 = time.perf_counter()
    vectors = vectors_for(rows)
    t1 = time.perf_counter()
    profiles = [profile_article(r, reader, vectors[r.id]) for r in rows]
    t2 = time.perf_counter()
    outer = folds_of(labels, 5, SEED)
    results: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    chosen: list[float] = []
    predictions: dict[str, dict[int, int]] = defaultdict(dict)
    for f, fold in enumerate(outer):
        train = [i for i, label in enumerate(labels) if label not in fold]
        test = [i for i, label in enumerate(labels) if label in fold]
        train_profiles, train_labels = [profiles[i] for i in train], [labels[i] for i in train]
        threshold = choose_threshold(train_profiles, train_labels, SEED + f)
        chosen.append(threshold)
        model = fit(
            *pair_data(train_profiles, train_labels, SEED + f),
            threshold,
            background_of(train_profiles),
        )
        gold = [labels[i] for i in test]
        for s, how in enumerate(SERVINGS):
            view = served([profiles[i] for i in test], gold, how, SEED + 1000 + 10 * f + s)
            labelled = cluster_all(view, model, threshold)
            results[how].append(bcubed(labelled, gold))
            for i, label in zip(test, labelled, strict=True):
                predictions[how][i] = f * 100_000 + label
    t3 = time.perf_counter()
    lines = [
        "# Story grouping benchmark",
        "",
        f"Produced by `.venv/bin/python -m bench.stories{' --fit' if do_fit else ''}` "
        f"({len(rows)} labelled reports, {len(set(labels))} developments, "
        f"{len({r.language for r in rows})} languages, `tests/fixtures/stories/`).",
        "",
        "Nested cross-validation over developments (5 outer folds; the threshold chosen by a "
        "4-fold cross-validation inside each outer training part); B-cubed over the held-out "
        "developments of each fold, averaged. Servings: `real` = real dates (a backfill), `week` "
        "= all squashed into one week (same actors days apart), `weeks` = each development on a "
        "random day of one week (a realistic week).",
        "",
        "| serving | precision | recall | F1 |",
        "|---|---|---|---|",
    ]
    for how in SERVINGS:
        p, r, f1 = np.mean(results[how], axis=0)
        lines.append(f"| {how} | {p:.3f} | {r:.3f} | {f1:.3f} |")
    lines += [
        "",
        f"Thresholds chosen in the outer folds: {', '.join(f'{t:.2f}' for t in chosen)}.",
        "",
    ]
    gold_all = labels
    for how in ("weeks",):
        predicted = [predictions[how][i] for i in range(len(rows))]
        by_pair = language_pairs(predicted, gold_all, [r.language for r in rows])
        lines += [
            f"## By language pair (`{how}` serving, pairs of reports)",
            "",
            "Same development grouped / split apart, and different developments merged.",
            "",
            "| languages | grouped | split | merged | pair recall |",
            "|---|---|---|---|---|",
        ]
        for key, counts in sorted(
            by_pair.items(), key=lambda kv: -(kv[1]["grouped"] + kv[1]["split"])
        )[:25]:
            total = counts["grouped"] + counts["split"]
            rec = f"{counts['grouped'] / total:.2f}" if total else "-"
            lines.append(
                f"| {key[0]}-{key[1]} | {counts['grouped']} | {counts['split']} | {counts['merged']} | {rec} |"
            )
        lines += ["", f"## The worst developments (`{how}` serving)", ""]
        worst = []
        for development in sorted(set(labels)):
            members = [i for i, label in enumerate(labels) if label == development]
            parts = Counter(predicted[i] for i in members)
            clusters = {predicted[i] for i in members}
            strangers = Counter(
                labels[j]
                for j in range(len(rows))
                if predicted[j] in clusters and labels[j] != development
            )
            worst.append((len(parts) + sum(strangers.values()), development, parts, strangers))
        for _score, development, parts, strangers in sorted(worst, reverse=True)[:8]:
            label = str(developments[development]["label"])[:90]
            lines.append(
                f"- `{development}` ({label}): {sum(parts.values())} reports in "
                f"{len(parts)} group(s) {sorted(parts.values(), reverse=True)}"
                + (f"; merged with {dict(strangers)}" if strangers else "")
            )
    lines += [
        "",
        "## Cost",
        "",
        f"- sentence vectors: {1000 * (t1 - t0) / len(rows):.1f} ms per report (cached in bench/out/ after the first run)",
        f"- profile (gazetteer entities, figures, dates, words): {1000 * (t2 - t1) / len(rows):.1f} ms per report",
        f"- cross-validation: {t3 - t2:.0f} s in all",
    ]
    if do_fit:
        threshold = choose_threshold(profiles, labels, SEED, k=5)
        model = fit(*pair_data(profiles, labels, SEED), threshold, background_of(profiles))
        about = {
            "fitted_on": f"{len(rows)} reports, {len(set(labels))} developments (tests/fixtures/stories/)",
            "threshold_by": "5-fold cross-validation over developments, all three servings",
            "command": ".venv/bin/python -m bench.stories --fit",
        }
        model = replace(model, about=about)
        MODEL.write_text(model.to_json() + "\n", encoding="utf-8")
        lines += [
            "",
            f"## The shipped model (`seeds/story_model.json`): threshold {threshold:.2f}",
            "",
            "| feature | weight |",
            "|---|---|",
            *(
                f"| {name} | {w:+.2f} |"
                for name, w in zip(FEATURES, model.coefficients, strict=True)
            ),
            f"| (intercept) | {model.intercept:+.2f} |",
        ]
    lines += ["", f"Whole run: {time.perf_counter() - started:.0f} s.", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fit", action="store_true", help="refit seeds/story_model.json")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--gazetteer", type=Path, default=GAZETTEER, help="another gazetteer file")
    args = parser.parse_args(argv)
    report = run(args.fit, args.gazetteer)
    print(report)
    if not args.no_write:
        REPORT.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
