"""What the story model knows of one article: its entities, figures, dates, words, time and vector.

    profiles = [profile_article(row, reader, vector) for row, vector in zip(rows, vectors)]

Language-independent first: the gazetteer's canonical ids (`reports.stories.entities`), numbers
and calendar days written alike across languages (`reports.stories.numbers`), the publication
time, the multilingual sentence vector; then, for two articles in the same script, their headline
and lead words and name keys (`reports.stories.features`). Pure.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat

import numpy as np

from reports.select import ArticleRow
from reports.stories.entities import EntityReader
from reports.stories.features import capitalised_names, content_tokens, lead_of, script_of
from reports.stories.numbers import calendar_days, quantities, years

FIGURES_CHARS = 1500  # quantities and dates are read in the headline and this much of the text


@dataclass(frozen=True)
class ArticleProfile:
    id: int
    outlet: str
    language: str | None
    when: datetime
    script: str
    head_entities: frozenset[str]
    entities: frozenset[str]
    kinds: frozenset[str]  # event kinds
    actors: frozenset[str]  # people, countries, places, organisations of the headline and lead
    title_entities: frozenset[str]  # what the headline alone names (cues and event kinds too)
    quantities: frozenset[int]
    years: frozenset[int]
    days: frozenset[tuple[int, int]]
    tokens: frozenset[str]  # headline and lead, stemmed
    names: frozenset[str]  # capitalised names of the headline and lead (Latin, Cyrillic)
    vector: np.ndarray | None


@dataclass(frozen=True)
class TextFeatures:
    """What a profile reads from an article's headline and text (the costly part: about 2 ms an
    article), kept per article by `pipeline.stories` so a digest or a later poll reads it back."""

    script: str
    head_entities: frozenset[str]
    entities: frozenset[str]
    kinds: frozenset[str]
    actors: frozenset[str]
    title_entities: frozenset[str]
    quantities: frozenset[int]
    years: frozenset[int]
    days: frozenset[tuple[int, int]]
    tokens: frozenset[str]
    names: frozenset[str]

    def to_json(self) -> str:
        fields = {name: sorted(value) for name, value in vars(self).items() if name != "script"}
        return json.dumps({"script": self.script, **fields}, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> TextFeatures:
        raw = json.loads(data)
        return cls(
            script=raw.pop("script"),
            days=frozenset((int(m), int(d)) for m, d in raw.pop("days")),
            **{name: frozenset(values) for name, values in raw.items()},
        )


def text_features(row: ArticleRow, reader: EntityReader) -> TextFeatures:
    body = row.body
    head = " ".join(part for part in (row.title or "", lead_of(body)) if part)
    figures = f"{row.title or ''}\n{body[:FIGURES_CHARS]}"
    found = reader.read(row.title, body, row.language)
    return TextFeatures(
        script=script_of(row.title or "") or script_of(body[:300]),
        head_entities=found.head,
        entities=found.body,
        kinds=found.kinds,
        actors=found.actors,
        title_entities=found.title,
        quantities=frozenset(quantities(figures)),
        years=frozenset(years(figures)),
        days=frozenset(calendar_days(figures)),
        tokens=frozenset(content_tokens(head)),
        names=frozenset(capitalised_names(head)),
    )


def profile_article(
    row: ArticleRow,
    reader: EntityReader,
    vector: np.ndarray | None,
    features: TextFeatures | None = None,
) -> ArticleProfile:
    """The profile of a stored article (`vector`: its sentence embedding, if computed;
    `features`: what was read from its text before, if kept)."""
    f = features or text_features(row, reader)
    return ArticleProfile(
        id=row.id,
        outlet=row.outlet.casefold(),
        language=(row.language or "").split("-")[0].lower() or None,
        when=row.when,
        script=f.script,
        head_entities=f.head_entities,
        entities=f.entities,
        kinds=f.kinds,
        actors=f.actors,
        title_entities=f.title_entities,
        quantities=f.quantities,
        years=f.years,
        days=f.days,
        tokens=f.tokens,
        names=f.names,
        vector=vector,
    )


@dataclass(frozen=True)
class Background:
    """Document counts of features in a reference collection (the labelled set)."""

    documents: int
    counts: Mapping[object, int]


@dataclass(frozen=True)
class Rarity:
    """Inverse document frequencies over the articles compared: "Putin" and "Pyongyang" count
    for little in a week where every article names them."""

    idf: Mapping[object, float]
    default: float

    @classmethod
    def of(cls, sets: Iterable[Iterable[object]], background: Background | None = None) -> Rarity:
        """Rarity over these sets, counted on top of `background` counts when given (so that a
        handful of articles compared alone are not weighed as if they were the whole world)."""
        df: Counter[object] = Counter(background.counts if background else {})
        n = background.documents if background else 0
        for items in sets:
            n += 1
            df.update(set(items))
        return cls(
            idf={k: math.log((n + 1) / (c + 0.5)) for k, c in df.items()},
            default=math.log((n + 1) / 1.5),
        )

    def weight(self, items: frozenset[object]) -> float:
        return sum(map(self.idf.get, items, repeat(self.default)))

    def jaccard(self, a: frozenset[object], b: frozenset[object]) -> float:
        """IDF-weighted Jaccard of two sets (0 when either is empty)."""
        if not a or not b:
            return 0.0
        inter = a & b
        if not inter:
            return 0.0
        get, default = self.idf.get, repeat(self.default)
        shared = sum(map(get, inter, default))
        union = sum(map(get, a | b, default))
        return shared / union if union > 0 else 0.0
