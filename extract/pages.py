"""Article pages fetched, many hosts at once: one `PageFetch` per link, failures as data.

    pages = fetch_pages(entries_or_urls, HttpConfig(max_bytes=5_000_000), max_workers=16)

A page that cannot be fetched, or that is not a web page (an image, a PDF), comes back with its
`error` set; nothing here raises for one bad page. Per-host politeness is `extract.fetch`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from extract.errors import FetchError, HTTPStatusError
from extract.fetch import PAGE_ACCEPT, Fetcher, HttpConfig, host_of
from extract.lanes import run_per_host
from extract.models import FeedEntry, PageFetch

_PAGE_TYPES = ("html", "xml", "text/")


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
    on_page: Callable[[PageFetch], None] | None = None,
) -> list[PageFetch]:
    """Fetch article pages in parallel, one `PageFetch` per input, in input order.

    `on_page(page)`, if given, is called as each page is done (from a worker thread)."""
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
            items,
            host=host,
            work=work,
            per_host=config.max_per_host,
            max_workers=max_workers,
            on_done=on_page,
        )
