"""Work over many URLs on a thread pool, at most a few at once per host, results in input order.

    results = run_per_host(items, host=host_of_item, work=fetch_one, per_host=2, max_workers=16)

Work is grouped by host and cut into at most `per_host` lanes per host; the lanes run on a
thread pool, so no thread waits on a busy host while other hosts have work (the Fetcher's
per-host semaphores still hold the limit for redirects that land on a shared host). Anything a
worker raises is re-raised: item failures must come back as values, a bug fails the run.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


R = TypeVar("R")


def run_per_host(
    items: list[T],
    *,
    host: Callable[[T], str],
    work: Callable[[T], R],
    per_host: int,
    max_workers: int,
    on_done: Callable[[R], None] | None = None,
) -> list[R]:
    """`work` over `items` on a thread pool, at most `per_host` at once per host; input order.

    `on_done(result)`, if given, is called in the worker thread after each item (progress)."""
    if not items:
        return []
    lanes: list[list[int]] = []
    by_host: dict[str, list[list[int]]] = {}
    for index, item in enumerate(items):
        host_lanes = by_host.setdefault(host(item), [])
        if len(host_lanes) < max(per_host, 1):
            host_lanes.append([index])
            lanes.append(host_lanes[-1])
        else:  # round-robin over the host's lanes
            count = sum(len(lane) for lane in host_lanes)
            host_lanes[count % len(host_lanes)].append(index)
    results: dict[int, R] = {}

    def run_lane(lane: list[int]) -> None:
        for index in lane:
            results[index] = work(items[index])
            if on_done is not None:
                on_done(results[index])

    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(lanes)))) as pool:
        for future in [pool.submit(run_lane, lane) for lane in lanes]:
            future.result()  # re-raises anything unexpected: a bug must fail the run
    return [results[index] for index in range(len(items))]
