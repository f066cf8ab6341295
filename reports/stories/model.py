"""The pair score: how likely two articles report the same development, learnt from labelled data.

    model = load_model("seeds/story_model.json")
    batch = PairBatch(profiles)                        # rarity weights over the articles compared
    pairs = batch.candidates(max_neighbours=40)        # (i, j) worth scoring
    p = model.probabilities(batch.features(pairs))     # one probability per pair

A few features per pair (`FEATURES`: entity overlap in the headline and lead and in the text,
shared event kinds, shared figures and calendar days, conflicting years, the time gap, the
sentence vectors' cosine, same outlet and language, and for two articles in one script their
words and names) combined by a logistic regression whose weights, and the clustering threshold,
are fitted by `bench/stories.py` on the labelled development set (tests/fixtures/stories/) with
cross-validation over developments, and shipped in `seeds/story_model.json`. Applying it needs
only numpy. Pure.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reports.stories.profile import ArticleProfile, Background, Rarity

FEATURES = (
    "cosine",  # sentence vectors of headline and lead
    "head_entities",  # weighted Jaccard of gazetteer ids in headline and lead
    "entities",  # ... in the whole text
    "event_kinds",  # Jaccard of event kinds (visit, treaty, troops...)
    "quantities",  # weighted Jaccard of figures (6,000 troops = 6 тыс. военных = 6천 명)
    "same_day",  # a calendar day written in both
    "other_days",  # both write calendar days, none the same
    "other_years",  # both name years, none the same
    "near",  # exp(-gap² / 8), gap in days
    "far",  # more than a week apart
    "gap",  # min(gap, 60) / 60
    "same_outlet",
    "same_language",
    "words",  # same script: weighted Jaccard of headline and lead words
    "names",  # same script: weighted Jaccard of capitalised names
    "cosine_near",  # cosine x near
    "actor_conflict",  # each headline names someone (or a country, place) the other text never does
    "same_outlet_words",  # same outlet x words: one outlet's templated items share their wording
    "title_entities",  # weighted Jaccard of what the headlines alone name (event kinds included)
    "same_outlet_conflict",  # same outlet x actor_conflict: templated items about other people
)
MAX_GAP_DAYS = 60.0
NEIGHBOUR_ROWS = 256  # rows of the neighbour search computed at once
PAIR_CHUNK = 20_000  # pairs whose features (and cosines) are computed at once
MESSAGES = "event:messages"  # the gazetteer's event kind of greetings, letters, condolences


class ModelError(ValueError):
    """The story model file is missing or does not fit this code's features."""


@dataclass(frozen=True)
class PairModel:
    features: tuple[str, ...]
    coefficients: np.ndarray
    intercept: float
    threshold: float  # average-linkage threshold on the probability
    about: dict[str, object]
    background: Background | None = None  # entity counts of the training set, for rarity

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return np.zeros(0)
        z = x @ self.coefficients + self.intercept
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        return probabilities

    def score(self, batch: PairBatch, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
        """The probabilities of `pairs`, with 0 for one outlet's messages from different senders
        (`PairBatch.separate_messages`): a rule, as no labelled set holds enough of them."""
        probabilities = np.concatenate(
            [np.zeros(0)]
            + [  # a chunk of pairs at a time: their feature rows are 20 Python floats each
                self.probabilities(batch.features(pairs[start : start + PAIR_CHUNK]))
                for start in range(0, len(pairs), PAIR_CHUNK)
            ]
        )
        for row, (i, j) in enumerate(pairs):
            if batch.separate_messages(i, j):
                probabilities[row] = 0.0
        return probabilities

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(self.features),
                "coefficients": [round(float(c), 6) for c in self.coefficients],
                "intercept": round(self.intercept, 6),
                "threshold": round(self.threshold, 4),
                "about": self.about,
                "background": {
                    "documents": self.background.documents,
                    "entities": dict(
                        sorted((str(k), v) for k, v in self.background.counts.items())
                    ),
                }
                if self.background
                else None,
            },
            indent=2,
            ensure_ascii=False,
        )


def load_model(path: Path | str) -> PairModel:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the story model {path}: {exc}") from exc
    features = tuple(data.get("features", ()))
    if features != FEATURES:
        raise ModelError(
            f"{path}: the model was fitted on other features ({features}); "
            "refit it with `python -m bench.stories --fit`"
        )
    coefficients = np.asarray(data["coefficients"], dtype=np.float64)
    found = data.get("background")
    background = Background(int(found["documents"]), dict(found["entities"])) if found else None
    return PairModel(
        features,
        coefficients,
        float(data["intercept"]),
        float(data["threshold"]),
        data["about"],
        background,
    )


class PairBatch:
    """The articles compared at once, with the rarity weights their features need."""

    def __init__(
        self, profiles: Sequence[ArticleProfile], background: Background | None = None
    ) -> None:
        self.profiles = list(profiles)
        self._head = Rarity.of((p.head_entities for p in self.profiles), background)
        self._body = Rarity.of((p.entities for p in self.profiles), background)
        self._figures = Rarity.of(p.quantities for p in self.profiles)
        self._words = Rarity.of(p.tokens for p in self.profiles)
        self._names = Rarity.of(p.names for p in self.profiles)
        vectors = [p.vector for p in self.profiles]
        # the unit sentence vectors, one row per article: cosines are dot products, computed a
        # block of rows or of pairs at a time (never all n x n: 400 MB at 10,000 articles)
        self._vectors: np.ndarray | None = (
            np.vstack([np.asarray(v, np.float32) for v in vectors])
            if self.profiles and all(v is not None for v in vectors)
            else None
        )
        self._days = np.array([p.when.timestamp() / 86400.0 for p in self.profiles])
        self._when = self._days.tolist()
        # each headline's actors weighed once: the denominator of `_conflict`
        self._actors = [max(self._body.weight(p.actors), 1e-9) for p in self.profiles]

    def __len__(self) -> int:
        return len(self.profiles)

    def candidates(self, *, max_neighbours: int = 40) -> list[tuple[int, int]]:
        """Pairs worth scoring: every pair of a small batch; in a large one each article's
        nearest neighbours by vector within `MAX_GAP_DAYS`, and pairs sharing a figure or day."""
        n = len(self.profiles)
        matrix = self._vectors
        if n <= max_neighbours * 4 or matrix is None:
            return [(i, j) for i in range(n) for j in range(i + 1, n)]
        days = self._days
        found: set[tuple[int, int]] = set()
        for start in range(0, n, NEIGHBOUR_ROWS):  # a block of rows at a time: memory
            stop = min(start + NEIGHBOUR_ROWS, n)
            gap = np.abs(days[start:stop, None] - days[None, :])
            score = np.where(gap <= MAX_GAP_DAYS, matrix[start:stop] @ matrix.T, -np.inf)
            score[np.arange(stop - start), np.arange(start, stop)] = -np.inf
            nearest = np.argpartition(-score, max_neighbours, axis=1)[:, :max_neighbours]
            for i, row in enumerate(nearest.tolist(), start):
                found.update((i, j) if i < j else (j, i) for j in row)
        when = days.tolist()
        by_value: dict[object, list[int]] = {}
        for i, p in enumerate(self.profiles):
            for value in (*p.quantities, *p.days):
                by_value.setdefault(value, []).append(i)
        for members in by_value.values():
            if len(members) <= max_neighbours:
                found.update(
                    (a, b)
                    for x, a in enumerate(members)
                    for b in members[x + 1 :]
                    if abs(when[a] - when[b]) <= MAX_GAP_DAYS
                )
        return sorted(found)

    def cosines(self, pairs: Sequence[tuple[int, int]]) -> list[float]:
        """The sentence vectors' cosine of each pair (0.0 each when some article has none)."""
        if self._vectors is None:
            return [0.0] * len(pairs)
        found: list[float] = []
        for start in range(0, len(pairs), PAIR_CHUNK):  # memory: 2 x 1.5 kB a pair
            rows, cols = np.array(pairs[start : start + PAIR_CHUNK], np.int64).T
            products = np.einsum("ij,ij->i", self._vectors[rows], self._vectors[cols])
            found.extend(products.tolist())
        return found

    def features(self, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
        """One row of `FEATURES` per pair."""
        if not pairs:
            return np.zeros((0, len(FEATURES)), np.float64)
        cosines = self.cosines(pairs)
        pair = self._pair
        return np.array(
            [pair(i, j, cosine) for (i, j), cosine in zip(pairs, cosines, strict=True)],
            np.float64,
        )

    def _pair(self, i: int, j: int, cosine: float) -> list[float]:
        a, b = self.profiles[i], self.profiles[j]
        gap = abs(self._when[i] - self._when[j])
        near = math.exp(-(gap**2) / 8.0)
        same_script = a.script == b.script and bool(a.script)
        kinds = len(a.kinds & b.kinds) / len(a.kinds | b.kinds) if a.kinds and b.kinds else 0.0
        words = self._words.jaccard(a.tokens, b.tokens) if same_script else 0.0
        same_outlet = float(a.outlet == b.outlet)
        conflict = self._conflict(i, j)
        body = self._body
        return [
            cosine,
            self._head.jaccard(a.head_entities, b.head_entities),
            body.jaccard(a.entities, b.entities),
            kinds,
            self._figures.jaccard(a.quantities, b.quantities),
            float(bool(a.days & b.days)),
            float(bool(a.days and b.days and not a.days & b.days)),
            float(bool(a.years and b.years and not a.years & b.years)),
            near,
            float(gap > 7.0),
            min(gap, MAX_GAP_DAYS) / MAX_GAP_DAYS,
            same_outlet,
            float(a.language is not None and a.language == b.language),
            words,
            self._names.jaccard(a.names, b.names) if same_script else 0.0,
            cosine * near,
            conflict,
            same_outlet * words,
            body.jaccard(a.title_entities, b.title_entities),
            same_outlet * conflict,
        ]

    def separate_messages(self, i: int, j: int) -> bool:
        """One outlet's templated messages (greetings, congratulations, letters, condolences) from
        different senders are different items, however alike their wording: both headlines are
        messages, and each names a person in its headline or lead whom the other text never does."""
        a, b = self.profiles[i], self.profiles[j]
        if a.outlet != b.outlet or not (
            MESSAGES in a.title_entities and MESSAGES in b.title_entities
        ):
            return False
        people_a = {e for e in a.actors if e.startswith("person:")}
        people_b = {e for e in b.actors if e.startswith("person:")}
        return bool(people_a - b.entities) and bool(people_b - a.entities)

    def _conflict(self, i: int, j: int) -> float:
        """How much of each headline's actors the other text never names (the smaller share)."""
        a, b = self.profiles[i], self.profiles[j]
        if not a.actors or not b.actors:
            return 0.0
        weight = self._body.weight
        only_a = weight(a.actors - b.entities) / self._actors[i]
        only_b = weight(b.actors - a.entities) / self._actors[j]
        return min(only_a, only_b)
