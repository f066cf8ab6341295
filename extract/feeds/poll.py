"""Polling logic without orchestration: one feed, many feeds in parallel, article pages, backoff.

    results = poll_feeds(due_feeds, HttpConfig(), now=now)         # one FeedPollResult per feed
    pages = fetch_pages(entries, HttpConfig(max_bytes=5_000_000))  # one PageFetch per URL
    next_poll_time(feed, result, interval=timedelta(minutes=30), now=now)

Item failures are data: `poll_feed` and `fetch_pages` never raise for a dead feed or page; every
`FetchError` or `FeedParseError` becomes a result with a status and a readable reason. Anything
else (a bug, a broken interpreter) is not caught and fails the run.

Statuses: OK (parsed; zero entries is fine), NOT_MODIFIED (304), SOFT_ERROR for what may pass by
itself (timeouts, connection errors, HTTP 404, 408, 425, 429, 5xx), HARD_ERROR for what needs a
person (other 4xx, refused address or URL, TLS, body too large, too many redirects, undecodable
body, not a feed). See `extract.errors` for the exception side of this table.

Conditional GET: the stored ETag and Last-Modified go out as If-None-Match / If-Modified-Since,
except when the last unconditional fetch is older than `unconditional_every` (servers that answer
304 forever to a stale validator exist). `FeedPollResult.unconditional` is True whenever no
validator was sent, so the store can date the last full fetch.

Parallelism: work is grouped by host and cut into at most `max_per_host` lanes per host; the lanes
run on a thread pool. No thread waits on a busy host while other hosts have work, and the Fetcher's
per-host semaphores still hold the limit for redirects that land on a shared host.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from extract.errors import FeedParseError, FetchError, HTTPStatusError
from extract.feeds.parse import parse_feed
from extract.fetch import FEED_ACCEPT, PAGE_ACCEPT, Fetcher, HttpConfig, host_of
from extract.models import FeedEntry, FeedPollResult, FeedSource, PageFetch, PollStatus

DEFAULT_UNCONDITIONAL_EVERY = timedelta(hours=24)
DEFAULT_MAX_BACKOFF = timedelta(hours=24)
_PAGE_TYPES = ("html", "xml", "text/")

T = TypeVar("T")
R = TypeVar("R")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _status_of(exc: FetchError | FeedParseError) -> PollStatus:
    return PollStatus.SOFT_ERROR if exc.transient else PollStatus.HARD_ERROR


def poll_feed(
    fetcher: Fetcher,
    feed: FeedSource,
    *,
    now: datetime,
    unconditional_every: timedelta = DEFAULT_UNCONDITIONAL_EVERY,
) -> FeedPollResult:
    """Fetch and parse one feed; every item failure comes back as a result, never raised."""
    now = _aware(now)
    due_unconditional = (
        feed.last_unconditional_at is None
        or now - _aware(feed.last_unconditional_at) >= unconditional_every
    )
    etag = None if due_unconditional else feed.etag
    last_modified = None if due_unconditional else feed.last_modified
    unconditional = not (etag or last_modified)
    base = FeedPollResult(
        feed_url=feed.url, status=PollStatus.OK, unconditional=unconditional, polled_at=now
    )
    started = time.monotonic()
    try:
        response = fetcher.get(feed.url, etag=etag, last_modified=last_modified, accept=FEED_ACCEPT)
    except FetchError as exc:
        return replace(
            base,
            status=_status_of(exc),
            elapsed_ms=(time.monotonic() - started) * 1000.0,
            http_status=exc.status if isinstance(exc, HTTPStatusError) else None,
            error=str(exc),
            retry_after_seconds=exc.retry_after if isinstance(exc, HTTPStatusError) else None,
            final_url=exc.url,
        )
    base = replace(
        base,
        http_status=response.status,
        elapsed_ms=response.elapsed_ms,
        final_url=response.final_url,
        etag=response.etag or feed.etag,
        last_modified=response.last_modified or feed.last_modified,
    )
    if response.status == 304:
        return replace(base, status=PollStatus.NOT_MODIFIED)
    try:
        parsed = parse_feed(
            response.body,
            url=feed.url,
            base_url=response.final_url,
            content_type=response.content_type,
            now=now,
        )
    except FeedParseError as exc:
        return replace(base, status=_status_of(exc), error=str(exc))
    return replace(
        base,
        entries=tuple(parsed.entries),
        feed_title=parsed.title,
        # a 200 carries the validators to use next time; without them, send none
        etag=response.etag,
        last_modified=response.last_modified,
        warning=parsed.warning,
    )


def poll_feeds(
    feeds: Sequence[FeedSource],
    config: HttpConfig,
    *,
    now: datetime,
    max_workers: int = 16,
    unconditional_every: timedelta = DEFAULT_UNCONDITIONAL_EVERY,
) -> list[FeedPollResult]:
    """Poll many feeds in parallel (per-host limits held); results in the order of `feeds`."""
    with Fetcher(config) as fetcher:
        return run_per_host(
            list(feeds),
            host=lambda feed: host_of(feed.url),
            work=lambda feed: poll_feed(
                fetcher, feed, now=now, unconditional_every=unconditional_every
            ),
            per_host=config.max_per_host,
            max_workers=max_workers,
        )


def fetch_page(fetcher: Fetcher, url: str, *, now: datetime | None = None) -> PageFetch:
    """Fetch one article page; failures come back as `PageFetch.error`, never raised."""
    started = time.monotonic()
    try:
        response = fetcher.get(url, accept=PAGE_ACCEPT)
    except FetchError as exc:
        return PageFetch(
            elapsed_ms=(time.monotonic() - started) * 1000.0,
            url=url,
            final_url=exc.url,
            http_status=exc.status if isinstance(exc, HTTPStatusError) else None,
            body=None,
            content_type=None,
            error=str(exc),
            fetched_at=now or datetime.now(UTC),
        )
    content_type = response.content_type
    error = None
    body: bytes | None = response.body
    if content_type and not any(kind in content_type.lower() for kind in _PAGE_TYPES):
        error, body = f"not a web page: {content_type.split(';')[0].strip()}", None
    return PageFetch(
        url=url,
        final_url=response.final_url,
        http_status=response.status,
        body=body,
        content_type=content_type,
        error=error,
        elapsed_ms=response.elapsed_ms,
        fetched_at=now or datetime.now(UTC),
    )


def fetch_pages(
    entries_or_urls: Sequence[FeedEntry | str],
    config: HttpConfig,
    *,
    max_workers: int = 16,
) -> list[PageFetch]:
    """Fetch article pages in parallel, one `PageFetch` per input, in input order."""
    items = list(entries_or_urls)

    def work(item: FeedEntry | str) -> PageFetch:
        if isinstance(item, str):
            return fetch_page(fetcher, item)
        if not item.url or not item.fetchable:
            return PageFetch(
                url=item.url or "",
                final_url=None,
                http_status=None,
                body=None,
                content_type=None,
                error="link cannot be fetched",
                fetched_at=datetime.now(UTC),
            )
        return fetch_page(fetcher, item.url)

    def host(item: FeedEntry | str) -> str:
        return host_of(item if isinstance(item, str) else item.url or "")

    with Fetcher(config) as fetcher:
        return run_per_host(
            items, host=host, work=work, per_host=config.max_per_host, max_workers=max_workers
        )


def run_per_host(
    items: list[T],
    *,
    host: Callable[[T], str],
    work: Callable[[T], R],
    per_host: int,
    max_workers: int,
) -> list[R]:
    """`work` over `items` on a thread pool, at most `per_host` at once per host; input order."""
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

    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(lanes)))) as pool:
        for future in [pool.submit(run_lane, lane) for lane in lanes]:
            future.result()  # re-raises anything unexpected: a bug must fail the run
    return [results[index] for index in range(len(items))]


def next_poll_time(
    feed: FeedSource,
    result: FeedPollResult,
    *,
    interval: timedelta,
    now: datetime,
    max_backoff: timedelta = DEFAULT_MAX_BACKOFF,
) -> datetime:
    """When to poll `feed` next, given what this poll gave.

    Success (OK, NOT_MODIFIED): one interval from now; the error count starts again from zero.
    Error: linear backoff, after n consecutive failures (this one included) wait n + 1 intervals,
    at most `max_backoff`. A Retry-After from the server (already capped by the fetcher) is
    honoured on any status when it asks for longer. SKIPPED keeps the planned time.
    """
    now = _aware(now)
    if result.status == PollStatus.SKIPPED:
        return _aware(feed.next_poll_at) if feed.next_poll_at else now
    if result.status in (PollStatus.SOFT_ERROR, PollStatus.HARD_ERROR):
        failures = feed.error_count + 1
        delay = min(interval * (failures + 1), max(max_backoff, interval))
    else:
        delay = interval
    if result.retry_after_seconds:
        delay = max(delay, timedelta(seconds=result.retry_after_seconds))
    return now + delay


def is_due(feed: FeedSource, now: datetime) -> bool:
    """True when the feed has never been scheduled or its planned time has come."""
    return feed.next_poll_at is None or _aware(feed.next_poll_at) <= _aware(now)
