"""Stories: copies collapsed, articles grouped by development, stories compared with earlier ones.

    assignments = assign_stories(rows)        # rows: a window plus its look-back, any order

Assignment is incremental and stable: articles that already have a story keep it; each new
article, in order of publication,
1. becomes a copy (`duplicate_of`) of the earliest earlier article whose text it repeats
   (`extract.dedup.is_copy`: shingle Jaccard >= 0.8, or >= 0.9 of the shorter text contained in
   the longer; equal titles for text-less items) and joins that article's story; else
2. joins the story whose articles it is most similar to (`extract.dedup.similarity` >=
   `STORY_THRESHOLD` with at least one article of the story, and on average >=
   `STORY_MEAN_THRESHOLD` over the story's original articles, so one article that mentions two
   developments does not chain them together). The similarity must be reached with an article of
   another outlet (one outlet's templated items look alike without being one development: its
   own articles join a story only as copies). When the story has articles in the same script,
   only those decide, as names and terms alone do not tell two developments with the same actors
   apart; else
3. starts a new story whose id is its own article id.
An article that is the same development as several stories made in the same run joins them into
one (arrival order then matters less: a Korean report can tie an English and a Russian one).
A rerun over the same rows changes nothing; stories stored before are never merged or renumbered.

Whether a story continues an earlier one is `reports.stories.novelty`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reports.select import ArticleRow
from reports.stories.copies import near_duplicate_pairs, same_title, shingles
from reports.stories.similarity import (
    Profile,
    Weighed,
    Weights,
    build_profile,
    compare,
    feature_weights,
    weigh,
)

STORY_THRESHOLD = 0.2
STORY_MEAN_THRESHOLD = 0.12


@dataclass(frozen=True)
class Assignment:
    article_id: int
    story_id: int
    duplicate_of: int | None


def profile_of(row: ArticleRow) -> Profile:
    return build_profile(
        title=row.title,
        text=row.body,
        terms=row.relevance_terms,
        when=row.when,
    )


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


def assign_stories(rows: Sequence[ArticleRow]) -> list[Assignment]:
    """Story and copy assignments for the rows that have no story yet (see the module docstring)."""
    ordered = _order(rows)
    if all(r.story_id is not None for r in ordered):
        return []
    copies = near_duplicate_pairs([shingles(r.text) for r in ordered])
    copy_of: dict[int, list[int]] = {}
    for i, j in copies:
        copy_of.setdefault(j, []).append(i)  # i < j: i is earlier in `ordered`
    plain = [profile_of(r) for r in ordered]
    weights = feature_weights(plain)
    profiles = [weigh(p, weights) for p in plain]
    outlets = [r.outlet.casefold() for r in ordered]

    story: dict[int, int] = {}  # index -> story id
    root: dict[int, int | None] = {}  # index -> article id it copies
    members: dict[int, list[int]] = {}  # story id -> indices of original articles
    existing = {r.story_id for r in ordered if r.story_id is not None}
    for index, row in enumerate(ordered):
        if row.story_id is not None:
            story[index] = row.story_id
            root[index] = row.duplicate_of
            if row.duplicate_of is None:
                members.setdefault(row.story_id, []).append(index)
            continue
        earlier = _earliest_copy(index, ordered, copy_of)
        if earlier is not None:
            original = root[earlier] if root[earlier] is not None else ordered[earlier].id
            story[index], root[index] = story[earlier], original
            continue
        matches = _matching_stories(index, profiles, outlets, members, weights)
        target = next((sid for sid in matches if sid in existing), None)
        if target is None:
            # Stories made in this run: the one that started first keeps its id.
            target = min(matches, key=lambda sid: members[sid][0], default=row.id)
        for other in matches:
            # The article is the same development as each of these: stories made in this run
            # merge (stories stored before keep their ids and articles).
            if other != target and other not in existing:
                for i, sid in story.items():
                    if sid == other:
                        story[i] = target
                members[target] = sorted(members[target] + members.pop(other))
        story[index], root[index] = target, None
        members.setdefault(target, []).append(index)
    return [
        Assignment(article_id=row.id, story_id=story[i], duplicate_of=root[i])
        for i, row in enumerate(ordered)
        if row.story_id is None
    ]


def _earliest_copy(
    index: int, ordered: Sequence[ArticleRow], copy_of: dict[int, list[int]]
) -> int | None:
    candidates = list(copy_of.get(index, []))
    row = ordered[index]
    if not row.text:
        candidates += [
            j
            for j in range(index)
            if not ordered[j].text and same_title(ordered[j].title, row.title)
        ]
    return min(candidates) if candidates else None


def _matching_stories(
    index: int,
    profiles: Sequence[Weighed],
    outlets: Sequence[str],
    members: dict[int, list[int]],
    weights: Weights,
) -> list[int]:
    """The stories an article is the same development as, most similar first."""
    own = profiles[index]
    matches: list[tuple[float, float, int]] = []
    for story_id, indices in members.items():
        found = [
            (compare(own, profiles[j], weights), outlets[j] != outlets[index]) for j in indices
        ]
        # Positive evidence must come from another outlet: one outlet's templated items ("Press
        # Review", "Kim Jong Un Receives Greetings from ...") look alike without being one
        # development, and a story is about independent reports. Its own outlet's articles are
        # copies (step 1) or separate stories.
        independent = [s.score for s, other in found if other]
        if not independent or max(independent) < STORY_THRESHOLD:
            continue
        # Articles in the same script are compared on titles, words and names; across scripts
        # only on names, numbers and relevance terms, which different developments with the same
        # actors share. So when the story has articles in this one's script, they decide.
        same_script = [s.score for s, _ in found if not s.cross_lingual]
        scores = same_script or [s.score for s, _ in found]
        top, mean = max(scores), sum(scores) / len(scores)
        if top >= STORY_THRESHOLD and mean >= STORY_MEAN_THRESHOLD:
            matches.append((top, mean, story_id))
    return [story_id for _, _, story_id in sorted(matches, key=lambda m: (-m[0], -m[1], m[2]))]


# --- continuing coverage ---------------------------------------------------------------------
