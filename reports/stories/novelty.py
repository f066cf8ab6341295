"""New development or continuing coverage? A story compared with what was reported before.

    priors = [prior_from_rows(rows, kind="digest", digest_key="2026-W46"), ...]
    pointers = find_earlier({story_id: rows}, window, priors, context)  # None: new

A story of a digest is *continuing coverage* when some of its articles were first seen before
the window (it carried on from an earlier week: the pointer names that week's digest when there
was one; in an archival window, published before it), or when the story model judges it the same development as a story of an earlier digest
or a seed article: the mean pair probability between their original articles, at their real
dates, reaches the model's clustering threshold (the same test that would have put them in one
story). Else it is a *new development*. Two visits of one minister months apart are two
developments, so the second is new. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.select import ArticleRow, DigestWindow, Pointer, one_line, safe_link
from reports.stories.grouping import StoryContext
from reports.stories.model import PairBatch


@dataclass(frozen=True)
class PriorStory:
    """A story reported before the window: from an earlier digest, or a seed article."""

    kind: str  # "digest" | "seed"
    headline: str
    outlet: str
    url: str | None
    when: datetime
    rows: tuple[ArticleRow, ...]  # its original articles (copies left out)
    digest_key: str | None = None


def originals(rows: Sequence[ArticleRow]) -> list[ArticleRow]:
    """A story's articles without the syndicated copies (all of them if every one is a copy)."""
    return [r for r in rows if r.duplicate_of is None] or list(rows)


def prior_from_rows(
    rows: Sequence[ArticleRow], *, kind: str, digest_key: str | None = None
) -> PriorStory:
    """A prior story from its articles (or one seed article)."""
    ordered = sorted(rows, key=lambda r: (r.when, r.id))
    first = ordered[0]
    return PriorStory(
        kind=kind,
        headline=one_line(first.title) or one_line(first.reason) or "(untitled)",
        outlet=one_line(first.outlet),
        url=safe_link(first.url),
        when=first.when,
        rows=tuple(originals(ordered)),
        digest_key=digest_key,
    )


def find_earlier(
    stories: Mapping[int, Sequence[ArticleRow]],
    window: DigestWindow,
    priors: Sequence[PriorStory],
    context: StoryContext,
    *,
    digest_keys: Mapping[int, str] | None = None,
) -> dict[int, Pointer | None]:
    """For each story, where it was reported before the window (None: a new development).

    `stories` maps story ids to all their articles (also those before the window); `digest_keys`
    maps story ids to the earlier digest that carried them.
    """
    found: dict[int, Pointer | None] = {}
    compare: dict[int, list[ArticleRow]] = {}
    for story_id, rows in stories.items():
        before = sorted(
            (r for r in rows if window.moment(r) < window.start), key=lambda r: (r.when, r.id)
        )
        if before:
            first = before[0]
            key = (digest_keys or {}).get(
                first.story_id if first.story_id is not None else first.id
            )
            found[story_id] = Pointer(
                kind="digest" if key else "earlier",
                headline=one_line(first.title) or "(untitled)",
                outlet=one_line(first.outlet),
                url=safe_link(first.url),
                when=first.when,
                digest_key=key,
            )
        else:
            compare[story_id] = originals(rows)
    closest = _closest_priors(compare, [p for p in priors if p.rows], context)
    for story_id in compare:
        best = closest.get(story_id)
        found[story_id] = (
            None
            if best is None
            else Pointer(
                kind="seed" if best.kind == "seed" else "digest",
                headline=best.headline,
                outlet=best.outlet,
                url=best.url,
                when=best.when,
                digest_key=best.digest_key,
            )
        )
    return found


def _closest_priors(
    stories: Mapping[int, Sequence[ArticleRow]],
    priors: Sequence[PriorStory],
    context: StoryContext,
) -> dict[int, PriorStory]:
    """For each story, the prior it is the same development as (highest mean probability)."""
    if not stories or not priors:
        return {}
    rows: list[ArticleRow] = []
    spans: dict[object, range] = {}
    for key, members in [*stories.items(), *((("prior", k), p.rows) for k, p in enumerate(priors))]:
        spans[key] = range(len(rows), len(rows) + len(members))
        rows.extend(members)
    batch = PairBatch(context.profiles(rows), context.model.background)
    closest: dict[int, PriorStory] = {}
    for story_id in stories:
        own = spans[story_id]
        pairs = [(i, j) for k in range(len(priors)) for i in own for j in spans[("prior", k)]]
        probabilities = context.model.score(batch, pairs)
        means, start = [], 0
        for prior in priors:
            count = len(own) * len(prior.rows)
            means.append(float(probabilities[start : start + count].sum()) / count)
            start += count
        best = max(range(len(priors)), key=lambda k: means[k])
        if means[best] >= context.model.threshold:
            closest[story_id] = priors[best]
    return closest
