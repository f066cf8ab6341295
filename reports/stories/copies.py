"""Same copy? Syndicated or lightly edited copies of one text in several outlets.

Word 3-shingles of the normalised text; copies when the shingle Jaccard is at least
`DUPLICATE_JACCARD` (0.8), or when one text is almost wholly contained in the other
(`DUPLICATE_CONTAINMENT`, 0.9: an outlet that cut the last paragraphs). Texts too short to shingle
fall back to equal normalised titles. Exact Jaccard, with an inverted index so only pairs that
share a shingle are ever compared (`near_duplicate_pairs`). Pure.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence

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


def near_duplicate_pairs(
    texts: Sequence[frozenset[int]], *, min_shared: int = 1
) -> dict[tuple[int, int], float]:
    """Pairs (i < j) of shingle sets that are copies, with their Jaccard.

    Exact: shared shingles are counted through an inverted index, so pairs with nothing in common
    cost nothing.
    """
    postings: dict[int, list[int]] = defaultdict(list)
    for index, sh in enumerate(texts):
        for value in sh:
            postings[value].append(index)
    shared: Counter[tuple[int, int]] = Counter()
    for docs in postings.values():
        if len(docs) < 2:
            continue
        for x in range(len(docs)):
            for y in range(x + 1, len(docs)):
                shared[(docs[x], docs[y])] += 1
    pairs = {}
    for (i, j), count in shared.items():
        if count >= min_shared and is_copy(count, len(texts[i]), len(texts[j])):
            pairs[(i, j)] = jaccard(texts[i], texts[j])
    return pairs
