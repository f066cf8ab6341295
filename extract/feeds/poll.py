"""Polling logic without orchestration: one feed, many feeds in parallel, backoff.

    results = poll_feeds(due_feeds, HttpConfig(), now=now)         # one FeedPollResult per feed
    next_poll_time(feed, result, interval=timedelta(minutes=30), now=now)

(Article pages are fetched by `extract.pages`.)

Item failures are data: `poll_feed` never raises for a dead feed; every
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
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from extract.errors import FeedParseError, FetchError, HTTPStatusError
from extract.feeds.parse import parse_feed
from extract.fetch import FEED_ACCEPT, Fetcher, HttpConfig, host_of
from extract.lanes import run_per_host
from extract.models import FeedPollResult, FeedSource, PollStatus

DEFAULT_UNCONDITIONAL_EVERY = timedelta(hours=24)
DEFAULT_MAX_BACKOFF = timedelta(hours=24)


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
    on_feed: Callable[[FeedPollResult], None] | None = None,
) -> list[FeedPollResult]:
    """Poll many feeds in parallel (per-host limits held); results in the order of `feeds`.

    `on_feed(result)`, if given, is called as each feed is done (from a worker thread)."""
    with Fetcher(config) as fetcher:
        return run_per_host(
            list(feeds),
            host=lambda feed: host_of(feed.url),
            work=lambda feed: poll_feed(
                fetcher, feed, now=now, unconditional_every=unconditional_every
            ),
            per_host=config.max_per_host,
            max_workers=max_workers,
            on_done=on_feed,
        )


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
