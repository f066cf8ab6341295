"""Same copy? Syndicated or lightly edited copies of one text in several outlets.

Word 3-shingles of the normalised text; copies when the shingle Jaccard is at least
`DUPLICATE_JACCARD` (0.8), or when one text is almost wholly contained in the other
(`DUPLICATE_CONTAINMENT`, 0.9: an outlet that cut the last paragraphs). Texts too short to shingle
fall back to equal normalised titles. Pure.

`near_duplicate_pairs` is exact and near-linear, by prefix filtering. Order every shingle by how
few texts carry it (ties by value). For a pair, call A the smaller set (a = |A| <= b = |B|) and o
the shingles they share. A copy needs o >= 0.9 a (containment) or o / (a + b - o) >= 0.8, that is
o >= (4/9)(a + b) >= (8/9) a (Jaccard): so o >= ceil(8a/9) either way, and here the *Jaccard*
bound is the looser one (a = b = 100, o = 89 is a copy by Jaccard, 0.80, not by containment,
0.89). Any ceil(8a/9) of A's shingles meet any a - ceil(8a/9) + 1 = floor(a/9) + 1 of them, so the
first floor(a/9) + 1 of A in that order (its *prefix*) hold a shingle of B. Each text therefore
looks up only its prefix, its rarest shingles, in the index of every shingle, and proposes the
texts at least its size found there; each candidate is then checked exactly (`is_copy`). Stock
phrases carried by most texts ("russia and north korea") sit at the end of the order and propose
nothing unless a text is made of little else.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence

import numpy as np

from reports.stories.features import normalize_text

SHINGLE_SIZE = 3


DUPLICATE_JACCARD = 0.8


DUPLICATE_CONTAINMENT = 0.9


MIN_SHINGLES = 12  # below this a text is too short to call a copy by its shingles


MIN_TITLE_TOKENS = 4  # equal titles of at least this many tokens make a copy of text-less items


def shingles(text: str | None, size: int = SHINGLE_SIZE) -> frozenset[int]:
    """Hashed word `size`-shingles of the normalised text (CRC32: stable across processes)."""
    if not text:
        return frozenset()
    words = normalize_text(text).split()
    if len(words) < size:
        return frozenset()
    return frozenset(
        zlib.crc32(" ".join(words[i : i + size]).encode("utf-8"))
        for i in range(len(words) - size + 1)
    )


def jaccard(a: frozenset[int] | set[str], b: frozenset[int] | set[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def is_copy(shared: int, size_a: int, size_b: int) -> bool:
    """Copy test from the number of shared shingles and each text's shingle count."""
    if min(size_a, size_b) < MIN_SHINGLES or shared == 0:
        return False
    union = size_a + size_b - shared
    return (
        shared / union >= DUPLICATE_JACCARD or shared / min(size_a, size_b) >= DUPLICATE_CONTAINMENT
    )


def same_title(a: str | None, b: str | None) -> bool:
    """Equal normalised titles of at least `MIN_TITLE_TOKENS` words."""
    if not a or not b:
        return False
    na, nb = normalize_text(a), normalize_text(b)
    return na == nb and len(na.split()) >= MIN_TITLE_TOKENS


def prefix_length(size: int) -> int:
    """How many of a text's rarest shingles must include one it shares with any text at least
    its size that it copies or that copies it (see the module docstring): floor(size / 9) + 1."""
    return size - _min_shared(size) + 1


def _min_shared(size: int) -> int:
    """ceil(8 * size / 9): the fewest shingles a text of `size` shingles shares with a copy at
    least as large (Jaccard >= 0.8 needs that many; containment >= 0.9 needs more)."""
    return -(-8 * size // 9)


def near_duplicate_pairs(texts: Sequence[frozenset[int]]) -> dict[tuple[int, int], float]:
    """Pairs (i < j) of shingle sets that are copies (`is_copy`), with their Jaccard.

    Exact, by prefix filtering (see the module docstring): each set looks up only its rarest
    `prefix_length` shingles, and every pair found is checked exactly.
    """
    sizes = np.fromiter((len(sh) for sh in texts), np.int64, count=len(texts))
    kept = np.flatnonzero(sizes >= MIN_SHINGLES)
    if len(kept) < 2:
        return {}
    values = np.fromiter(
        itertools.chain.from_iterable(texts[i] for i in kept.tolist()),
        np.int64,
        count=int(sizes[kept].sum()),
    )
    owners = np.repeat(kept, sizes[kept])
    # the index: every (shingle, text) sorted by shingle; a shingle's texts are one slice of it
    order = np.argsort(values, kind="stable")
    indexed, carriers = values[order], owners[order]
    distinct, first, carried = np.unique(indexed, return_index=True, return_counts=True)
    # the global order: fewest carriers first, ties by value (shingles are 32-bit)
    rank = (carried[np.searchsorted(distinct, values)] << 32) | values
    ends = np.cumsum(sizes[kept])
    pairs: dict[tuple[int, int], float] = {}
    for k, index in enumerate(kept.tolist()):
        sh, size = texts[index], int(sizes[index])
        own = rank[ends[k] - size : ends[k]]
        length = prefix_length(size)
        prefix = np.partition(own, length - 1)[:length] if length < size else own
        slots = np.searchsorted(distinct, prefix & 0xFFFFFFFF)
        seen: set[int] = set()
        for at, count in zip(first[slots].tolist(), carried[slots].tolist(), strict=True):
            for other in carriers[at : at + count].tolist():
                if other == index or other in seen or sizes[other] < size:
                    continue
                seen.add(other)
                pair = (index, other) if index < other else (other, index)
                if pair in pairs:
                    continue
                other_size = int(sizes[other])
                shared = len(sh & texts[other])
                if is_copy(shared, size, other_size):
                    pairs[pair] = shared / (size + other_size - shared)
    return pairs


def copy_sources(texts: Sequence[frozenset[int]]) -> dict[int, int]:
    """j -> the smallest i < j whose set j copies (`is_copy`), for every j that copies one.

    What `near_duplicate_pairs` gives, reduced, without listing every pair: identical sets are
    one set to `near_duplicate_pairs` (a wire story carried word for word by 500 outlets is then
    one set, not 125,000 pairs), and each set's earliest copy is read from its group's first
    index and those of the groups it copies.
    """
    groups: dict[frozenset[int], list[int]] = {}
    for index, sh in enumerate(texts):
        groups.setdefault(sh, []).append(index)
    distinct = list(groups)
    firsts = [groups[sh][0] for sh in distinct]  # each group's smallest index
    copied: list[list[int]] = [[] for _ in distinct]  # the first index of each group copied
    for a, b in near_duplicate_pairs(distinct):
        copied[a].append(firsts[b])
        copied[b].append(firsts[a])
    sources: dict[int, int] = {}
    for g, sh in enumerate(distinct):
        members = groups[sh]
        same = members[0] if len(sh) >= MIN_SHINGLES else None  # a set copies itself
        earliest_other = min(copied[g], default=None)
        for j in members:
            found = [i for i in (same, earliest_other) if i is not None and i < j]
            if found:
                sources[j] = min(found)
    return sources
