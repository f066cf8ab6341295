"""New development or continuing coverage? A story compared with what was reported before.

A story in a digest is *continuing coverage* when it has articles from before the window, or when
it resembles (`CONTINUING_THRESHOLD`) a story of an earlier digest or a seed article; else it is a
*new development*. `find_earlier` says where it was reported before. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.select import ArticleRow, Pointer, one_line, safe_link
from reports.stories.features import lead_of
from reports.stories.grouping import profile_of
from reports.stories.similarity import (
    Profile,
    Weights,
    build_profile,
    compare,
    feature_weights,
    merge_profiles,
    weigh,
)

CONTINUING_THRESHOLD = 0.12


@dataclass(frozen=True)
class PriorStory:
    """A story reported before the window: from an earlier digest, or a seed article."""

    kind: str  # "digest" | "seed"
    headline: str
    outlet: str
    url: str | None
    when: datetime
    profile: Profile
    digest_key: str | None = None
    outlets: frozenset[str] = frozenset()


def prior_from_rows(
    rows: Sequence[ArticleRow], *, kind: str, digest_key: str | None = None
) -> PriorStory:
    """A prior story from its articles (or one seed article)."""
    ordered = sorted(rows, key=lambda r: (r.when, r.id))
    first = ordered[0]
    if kind == "seed":
        # A seed is a long piece: compare on what it is about (title, lead, the event noted in
        # the seed index), not on every name its full text mentions.
        profiles = [
            build_profile(
                title=" ".join(p for p in (first.title, first.reason) if p),
                text=lead_of(first.text, 40),
                terms=first.relevance_terms,
                when=first.when,
            )
        ]
    else:
        profiles = [profile_of(r) for r in ordered if r.duplicate_of is None] or [profile_of(first)]
    return PriorStory(
        kind=kind,
        headline=one_line(first.title) or one_line(first.reason) or "(untitled)",
        outlet=one_line(first.outlet),
        url=safe_link(first.url),
        when=first.when,
        profile=merge_profiles(profiles),
        digest_key=digest_key,
        outlets=_outlets(ordered),
    )


def _outlets(rows: Iterable[ArticleRow]) -> frozenset[str]:
    return frozenset(r.outlet.casefold() for r in rows)


def story_profile(rows: Sequence[ArticleRow]) -> Profile:
    originals = [r for r in rows if r.duplicate_of is None] or list(rows)
    return merge_profiles([profile_of(r) for r in originals])


def find_earlier(
    rows: Sequence[ArticleRow],
    window_start: datetime,
    priors: Sequence[PriorStory],
    weights: Weights,
    *,
    digest_keys: dict[int, str] | None = None,
) -> Pointer | None:
    """Where this story was reported before the window, or None when it is a new development.

    `rows` are all the story's articles (also those before the window); `digest_keys` maps story
    ids to the earlier digest that carried them.
    """
    before = sorted(
        (r for r in rows if r.first_seen_at < window_start), key=lambda r: (r.when, r.id)
    )
    if before:
        first = before[0]
        key = (digest_keys or {}).get(first.story_id if first.story_id is not None else first.id)
        return Pointer(
            kind="digest" if key else "earlier",
            headline=one_line(first.title) or "(untitled)",
            outlet=one_line(first.outlet),
            url=safe_link(first.url),
            when=first.when,
            digest_key=key,
        )
    # As in grouping, one outlet's items are not compared with each other alone: a one-outlet
    # story does not continue an earlier one-outlet story of the same outlet.
    outlets = _outlets(rows)
    candidates = [p for p in priors if not (len(outlets) == 1 and p.outlets == outlets)]
    if not candidates:
        return None
    profile = weigh(story_profile(rows), weights)
    best, score = max(
        (
            (p, compare(profile, weigh(p.profile, weights), weights, use_time=False).score)
            for p in candidates
        ),
        key=lambda pair: pair[1],
    )
    if score < CONTINUING_THRESHOLD:
        return None
    return Pointer(
        kind="seed" if best.kind == "seed" else "digest",
        headline=best.headline,
        outlet=best.outlet,
        url=best.url,
        when=best.when,
        digest_key=best.digest_key,
    )


def novelty_weights(
    stories: Iterable[Sequence[ArticleRow]], priors: Sequence[PriorStory]
) -> Weights:
    """Feature weights over this window's stories and the prior ones together."""
    return feature_weights(
        [*(story_profile(rows) for rows in stories), *(p.profile for p in priors)]
    )
