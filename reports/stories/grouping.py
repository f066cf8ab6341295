"""Stories: copies collapsed, and reports grouped into developments, each once, across languages.

    context = StoryContext(reader, model, vectors)    # gazetteer, pair model, sentence vectors
    assignments = assign_stories(rows, context)       # rows: a window plus its look-back

1. **Copies.** An article whose text repeats an earlier one (`reports.stories.copies`: shingle
   Jaccard >= 0.8, or >= 0.9 of the shorter text contained in the longer; equal titles for
   text-less items) is a copy (`duplicate_of`) of the earliest such article, and in its story.
2. **Developments.** Every pair worth scoring (`PairBatch.candidates`) gets the probability that
   both report one development (`reports.stories.model`: gazetteer entities, figures, dates, time,
   sentence vectors, words, learnt on labelled real reports), and the articles are clustered by
   average linkage at the model's threshold (`reports.stories.linkage`): no chaining, so a report
   that recalls the treaty does not tie a later visit to the signing. One outlet's reports of one
   visit group like any others; its templated items (greetings, press reviews) stay apart because
   their pair scores are low, not because of a rule about outlets.
3. **Stability.** Articles that already have a story keep it, and two stored stories never merge;
   new articles join a stored story when their mean probability with its articles is high enough,
   or form a new one whose id is the id of its earliest article. A rerun changes nothing.

Whether a story continues an earlier one is `reports.stories.novelty`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from reports.select import ArticleRow
from reports.stories.copies import copy_sources, same_title, shingles
from reports.stories.entities import EntityReader
from reports.stories.linkage import average_linkage
from reports.stories.model import PairBatch, PairModel
from reports.stories.profile import ArticleProfile, TextFeatures, profile_article, text_features


@dataclass(frozen=True)
class StoryContext:
    """What grouping needs beside the rows: the gazetteer reader, the pair model, the vectors,
    and what was read from each article's text (`features`: given when kept, filled in as
    profiles are made, so one context reads an article once)."""

    reader: EntityReader
    model: PairModel
    vectors: Mapping[int, np.ndarray]  # article id -> sentence vector
    features: MutableMapping[int, TextFeatures] = field(default_factory=dict)

    def profiles(self, rows: Sequence[ArticleRow]) -> list[ArticleProfile]:
        out = []
        for r in rows:
            found = self.features.get(r.id)
            if found is None:
                found = self.features[r.id] = text_features(r, self.reader)
            out.append(profile_article(r, self.reader, self.vectors.get(r.id), found))
        return out


@dataclass(frozen=True)
class Assignment:
    article_id: int
    story_id: int
    duplicate_of: int | None


def _order(rows: Iterable[ArticleRow]) -> list[ArticleRow]:
    """Articles with a story first (as they were assigned), then the new ones in the order they
    were published: one poll sees many articles at once, and the earliest report of a copied
    text is its original."""
    rows = list(rows)
    done = sorted(
        (r for r in rows if r.story_id is not None), key=lambda r: (r.first_seen_at, r.id)
    )
    new = sorted(
        (r for r in rows if r.story_id is None), key=lambda r: (r.when, r.first_seen_at, r.id)
    )
    return [*done, *new]


def assign_stories(rows: Sequence[ArticleRow], context: StoryContext) -> list[Assignment]:
    """Story and copy assignments for the rows that have no story yet (see the module docstring)."""
    ordered = _order(rows)
    if all(r.story_id is not None for r in ordered):
        return []
    copy_of = _copies(ordered)
    labels = cluster(
        context.profiles(ordered),
        context.model,
        fixed=[r.story_id for r in ordered],
        must_link=[(i, j) for j, i in copy_of.items()],
    )
    story_of: dict[int, int] = {}
    for index, label in enumerate(labels):
        row = ordered[index]
        if row.story_id is not None:
            story_of[label] = row.story_id
        else:
            story_of.setdefault(label, row.id)  # the earliest new article names a new story
    assignments = []
    for index, row in enumerate(ordered):
        if row.story_id is not None:
            continue
        original = None
        if index in copy_of:
            source = index
            while source in copy_of:  # a copy of a copy names the first text
                source = copy_of[source]
            first = ordered[source]
            original = first.duplicate_of if first.duplicate_of is not None else first.id
        assignments.append(Assignment(row.id, story_of[labels[index]], original))
    return assignments


def cluster(
    profiles: Sequence[ArticleProfile],
    model: PairModel,
    *,
    fixed: Sequence[int | None] | None = None,
    must_link: Sequence[tuple[int, int]] = (),
) -> list[int]:
    """A cluster label per profile: average linkage over the model's pair probabilities."""
    batch = PairBatch(profiles, model.background)
    pairs = batch.candidates()
    probabilities = model.score(batch, pairs)
    return average_linkage(
        len(profiles),
        pairs,
        probabilities.tolist(),
        model.threshold,
        fixed=fixed,
        must_link=must_link,
    )


def _copies(ordered: Sequence[ArticleRow]) -> dict[int, int]:
    """index -> the index of the earliest earlier article it copies."""
    copy_of = {  # i < j: i is earlier in `ordered`
        j: i
        for j, i in copy_sources([shingles(r.text) for r in ordered]).items()
        if ordered[j].story_id is None
    }
    for index, row in enumerate(ordered):
        if row.story_id is None and not row.text and index not in copy_of:
            same = [
                j
                for j in range(index)
                if not ordered[j].text and same_title(ordered[j].title, row.title)
            ]
            if same:
                copy_of[index] = same[0]
    return copy_of
