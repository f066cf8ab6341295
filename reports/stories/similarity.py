"""Story similarity: how likely two articles (or stories) are about the same development.

A `Profile` of each article holds three feature sets (`reports.stories.features` builds them):
- *words*: title and lead (first `LEAD_WORDS` words) tokens, normalised (NFKC, case-folded,
  Latin and Cyrillic words cut to a 6-letter stem, Korean particles stripped, stop words dropped);
- *names*: capitalised words of the title and lead, transliterated to Latin and reduced to a
  consonant skeleton (Лавров, Лаврова and Lavrov all give `n:lvrv`), numbers of two or more
  digits (dates and counts are shared across languages), and the article's relevance terms
  (`t:ru:putin`), which are language independent;
- *title*: the words and names of the title alone.
`compare` (or `similarity`, on plain profiles) takes an IDF-weighted Jaccard of each set (weights
from the articles being compared, so "Russia", "Putin" and "Pyongyang" count for little in a week
where every article has them). Two articles in the same script score
`TITLE_WEIGHT` x title + the rest x the mean of words and names; across scripts only names count
(with Hangul on one side, only numbers and relevance terms: Korean names are not transliterated).
The score is damped when the articles are more than `SAME_STORY_DAYS` apart. Pure.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.stories.features import (
    LEAD_WORDS,
    capitalised_names,
    content_tokens,
    lead_of,
    numbers_in,
    script_of,
)

SAME_STORY_DAYS = 3.0  # no damping within this many days
DAMPING_PER_DAY = 0.06
MIN_TIME_FACTOR = 0.5
TITLE_WEIGHT = 0.5  # share of the title in the similarity of same-script articles


# --- normalisation --------------------------------------------------------------------------


# --- copies ---------------------------------------------------------------------------------


# --- stories --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What one article (or a whole story) is about, for comparing developments."""

    words: frozenset[str]  # title and lead
    names: frozenset[str]  # title and lead
    scripts: frozenset[str]
    when: datetime | None = None
    title: frozenset[str] = frozenset()  # words and names of the title alone


def build_profile(
    *,
    title: str | None,
    text: str | None,
    terms: Iterable[str] = (),
    when: datetime | None = None,
    lead_words: int = LEAD_WORDS,
) -> Profile:
    """Features of an article: title and lead words, names, numbers, relevance terms, its time."""
    lead = lead_of(text, lead_words)
    head = " ".join(part for part in (title or "", lead) if part)
    # Sentence-initial capitals count as names too; stop words drop most ("The", "В") and the
    # IDF weights the rest ("Officials") down.
    names = capitalised_names(head) | {"d:" + n for n in numbers_in(head)}
    names |= {"t:" + term.casefold() for term in terms if term}
    scripts = {script_of(title or "") or script_of(lead)} - {""}
    headline = title or ""
    return Profile(
        words=frozenset(content_tokens(head)),
        names=frozenset(names),
        scripts=frozenset(scripts),
        when=when,
        title=frozenset(content_tokens(headline))
        | capitalised_names(headline)
        | {"d:" + n for n in numbers_in(headline)},
    )


def merge_profiles(profiles: Sequence[Profile]) -> Profile:
    """One profile for a story: the union of its articles' features, its earliest time."""
    times = [p.when for p in profiles if p.when is not None]
    return Profile(
        words=frozenset().union(*(p.words for p in profiles)),
        names=frozenset().union(*(p.names for p in profiles)),
        scripts=frozenset().union(*(p.scripts for p in profiles)),
        when=min(times) if times else None,
        title=frozenset().union(*(p.title for p in profiles)),
    )


@dataclass(frozen=True)
class Weights:
    """Inverse document frequencies of features over the articles being compared."""

    idf: Mapping[str, float]
    default: float

    def of(self, feature: str) -> float:
        return self.idf.get(feature, self.default)


def feature_weights(profiles: Iterable[Profile]) -> Weights:
    """IDF of every word and name over `profiles` (a smoothed log(N/df), floored at 0.05)."""
    df: Counter[str] = Counter()
    n = 0
    for p in profiles:
        n += 1
        df.update(p.words | p.names | p.title)
    idf = {f: max(0.05, math.log((n + 1) / (count + 0.5))) for f, count in df.items()}
    return Weights(idf=idf, default=max(0.05, math.log((n + 1) / 1.5)))


def weighted_jaccard(a: frozenset[str], b: frozenset[str], weights: Weights) -> float:
    if not a or not b:
        return 0.0
    idf, default = weights.idf, weights.default
    shared = sum(idf.get(f, default) for f in a & b)
    if not shared:
        return 0.0
    return shared / (sum(idf.get(f, default) for f in a | b))


def time_factor(a: datetime | None, b: datetime | None) -> float:
    """1 within `SAME_STORY_DAYS`, then down by `DAMPING_PER_DAY` a day to `MIN_TIME_FACTOR`."""
    if a is None or b is None:
        return 1.0
    days = abs((a - b).total_seconds()) / 86400
    if days <= SAME_STORY_DAYS:
        return 1.0
    return max(MIN_TIME_FACTOR, 1.0 - DAMPING_PER_DAY * (days - SAME_STORY_DAYS))


_TRANSLITERABLE = frozenset({"latin", "cyrillic"})


def _shared_kinds(names: frozenset[str]) -> frozenset[str]:
    return frozenset(n for n in names if n.startswith(("t:", "d:")))


@dataclass(frozen=True)
class Similarity:
    title: float
    words: float
    names: float
    time: float
    score: float
    cross_lingual: bool


@dataclass(frozen=True)
class Weighed:
    """A profile with the total weight of each feature set, to compare it with many others fast."""

    profile: Profile
    title: float
    words: float
    names: float
    shared_names: frozenset[str]  # the names any script writes alike: numbers, relevance terms
    shared: float


def weigh(profile: Profile, weights: Weights) -> Weighed:
    idf, default = weights.idf, weights.default
    shared = _shared_kinds(profile.names)
    return Weighed(
        profile=profile,
        title=sum(idf.get(f, default) for f in profile.title),
        words=sum(idf.get(f, default) for f in profile.words),
        names=sum(idf.get(f, default) for f in profile.names),
        shared_names=shared,
        shared=sum(idf.get(f, default) for f in shared),
    )


def _jaccard_of(
    a: frozenset[str], b: frozenset[str], total_a: float, total_b: float, weights: Weights
) -> float:
    inter = a & b
    if not inter:
        return 0.0
    idf, default = weights.idf, weights.default
    shared = sum(idf.get(f, default) for f in inter)
    return shared / (total_a + total_b - shared)


def compare(a: Weighed, b: Weighed, weights: Weights, *, use_time: bool = True) -> Similarity:
    """How likely two articles (or stories) are about the same development, 0..1.

    See the module docstring; `similarity` is the same on plain profiles.
    """
    pa, pb = a.profile, b.profile
    title = _jaccard_of(pa.title, pb.title, a.title, b.title, weights)
    words = _jaccard_of(pa.words, pb.words, a.words, b.words, weights)
    cross = bool(pa.scripts and pb.scripts and not (pa.scripts & pb.scripts))
    if cross and not (pa.scripts | pb.scripts) <= _TRANSLITERABLE:
        # Names written in Hangul cannot be matched to Latin ones here: compare what both
        # languages write alike, numbers and relevance terms.
        names = _jaccard_of(a.shared_names, b.shared_names, a.shared, b.shared, weights)
    else:
        names = _jaccard_of(pa.names, pb.names, a.names, b.names, weights)
    base = names if cross else TITLE_WEIGHT * title + (1 - TITLE_WEIGHT) * (words + names) / 2
    factor = time_factor(pa.when, pb.when) if use_time else 1.0
    return Similarity(
        title=title, words=words, names=names, time=factor, score=base * factor, cross_lingual=cross
    )


def similarity(a: Profile, b: Profile, weights: Weights, *, use_time: bool = True) -> Similarity:
    """`compare` on plain profiles."""
    return compare(weigh(a, weights), weigh(b, weights), weights, use_time=use_time)
