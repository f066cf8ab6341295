"""Average-linkage clustering over scored pairs, with stories stored before kept apart and whole.

    labels = average_linkage(n, pairs, probabilities, threshold, fixed=story_ids_or_none)

Two clusters merge while the *mean* probability over all their cross pairs (a pair not scored
counts 0) is at least `threshold`, highest first. The mean, unlike the best pair, does not chain:
an article that mentions two developments does not tie them together, and a treaty signing does
not absorb a later visit because one report recalls the treaty. Articles in `fixed` belong to a
story stored before: they start in one cluster per story and two such clusters never merge (a
story's id and members never change; new articles may join it). Must-link pairs (copies) are
joined first. Pure.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence


def average_linkage(
    n: int,
    pairs: Sequence[tuple[int, int]],
    probabilities: Sequence[float],
    threshold: float,
    *,
    fixed: Sequence[int | None] | None = None,
    must_link: Sequence[tuple[int, int]] = (),
) -> list[int]:
    """A cluster label (the index of one member) for each of the `n` items."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    fixed = list(fixed) if fixed is not None else [None] * n
    story: dict[int, int | None] = dict(enumerate(fixed))  # root -> its stored story, if any

    def union(a: int, b: int) -> None:
        a, b = find(a), find(b)
        if a == b or (story[a] is not None and story[b] is not None and story[a] != story[b]):
            return
        keep, gone = (a, b) if story[b] is None else (b, a)
        parent[gone] = keep
        story[keep] = story[keep] if story[keep] is not None else story[gone]

    first_of: dict[int, int] = {}
    for i, sid in enumerate(fixed):
        if sid is not None:
            union(first_of.setdefault(sid, i), i)
    for a, b in must_link:
        union(a, b)
    size: dict[int, int] = {}
    for i in range(n):
        size[find(i)] = size.get(find(i), 0) + 1
    story = {r: story[r] for r in size}

    # summed probability between clusters
    links: dict[int, dict[int, float]] = {r: {} for r in size}
    for (i, j), p in zip(pairs, probabilities, strict=True):
        a, b = find(i), find(j)
        if a == b or p <= 0:
            continue
        links[a][b] = links[a].get(b, 0.0) + p
        links[b][a] = links[b].get(a, 0.0) + p
    version = dict.fromkeys(size, 0)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        mean = links[a][b] / (size[a] * size[b])
        if mean >= threshold and not (story[a] is not None and story[b] is not None):
            heapq.heappush(heap, (-mean, a, b, version[a], version[b]))

    for a, others in links.items():
        for b in others:
            if a < b:
                push(a, b)
    while heap:
        _neg, a, b, va, vb = heapq.heappop(heap)
        if version.get(a) != va or version.get(b) != vb:
            continue  # stale: one of them changed since
        keep, gone = (a, b) if story[b] is None else (b, a)
        parent[gone] = keep
        size[keep] += size.pop(gone)
        story[keep] = story[keep] if story[keep] is not None else story[gone]
        del story[gone]
        version[keep] += 1
        del version[gone]
        merged = links.pop(gone)
        merged.pop(keep, None)
        own = links[keep]
        own.pop(gone, None)
        for c, p in merged.items():
            own[c] = own.get(c, 0.0) + p
            back = links[c]
            back[keep] = back.get(keep, 0.0) + back.pop(gone, 0.0)
        for c in own:
            push(keep, c)
    return [find(i) for i in range(n)]
