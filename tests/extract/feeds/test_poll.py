"""Polling against a real server on 127.0.0.1: every fixture feed, 304s, errors, backoff, pages."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from extract.feeds.poll import is_due, next_poll_time, poll_feed, poll_feeds
from extract.fetch import Fetcher, HttpConfig
from extract.models import FeedEntry, FeedPollResult, FeedSource, PollStatus
from extract.pages import fetch_pages
from tests.extract.conftest import FEEDS, MANIFEST, FeedServer, Reply, Request, feed_bytes

NOW = datetime.now(UTC).replace(microsecond=0)
ALL_FEEDS = sorted((FEEDS / "real").iterdir()) + sorted((FEEDS / "edge").iterdir())

# Fixture feeds that must come back as a recorded error, and the start of that error.
EXPECTED_ERRORS = {
    "newsboat__empty.xml": "empty body",
    "rbren-rss-parser__unrecognized.rss": 'not a feed: got an HTML page ("Document Moved")',
    "feed-rs__rss_2.0_invalid_1.xml": "invalid XML at line 19: no element found",
    "feedparser__undeclared_namespace.xml": "invalid XML at line 9: unbound prefix",
    "feedparser__rss_incomplete_cdata.xml": "invalid XML at line 13: unclosed token",
}
# Well-formed feeds (once the encoding or prolog is sorted out) that have no items at all.
EMPTY_FEEDS = {
    "feedparser__http_high_bit_date.xml",
    "miniflux__windows-1252-incorrect-prolog.xml",
    "simplepie__feed-with-whitespace-before-xml-declaration.xml",
    "yarr__bom.xml",
}


def test_the_fixture_set_is_complete() -> None:
    assert len(ALL_FEEDS) == len(MANIFEST) == 55
    assert set(EXPECTED_ERRORS) | EMPTY_FEEDS <= {p.name for p in ALL_FEEDS}


@pytest.mark.parametrize("path", ALL_FEEDS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_feed_gives_entries_or_a_readable_error(
    path: Path, server: FeedServer, fetcher: Fetcher
) -> None:
    url = server.route(f"/feeds/{path.name}", Reply(body=path.read_bytes()))
    result = poll_feed(fetcher, FeedSource(url=url), now=NOW)
    assert result.feed_url == url
    assert result.http_status == 200
    assert result.polled_at == NOW
    if path.name in EXPECTED_ERRORS:
        assert result.status == PollStatus.HARD_ERROR
        assert result.error is not None
        assert result.error.startswith(EXPECTED_ERRORS[path.name])
        assert result.entries == ()
        return
    assert result.status == PollStatus.OK, result.error
    assert result.error is None
    if path.name in EMPTY_FEEDS:
        assert result.entries == ()
        return
    assert result.entries
    manifest = MANIFEST[f"feeds/{path.parent.name}/{path.name}"]["feedparser_6_0_14"]
    if path.parent.name == "real":
        assert len(result.entries) == manifest["n"]
    for entry in result.entries:
        assert entry.feed_url == url
        assert entry.identities and entry.entry_key == entry.identities[0]
        assert entry.url is None or entry.url.startswith(("http://", "https://"))
        assert entry.published_at is None or (
            entry.published_at.tzinfo is not None and entry.published_at <= NOW
        )


@pytest.mark.parametrize(
    ("name", "word"),
    [
        ("edge/feedparser__koi8r.xml", "новогоднюю"),
        ("edge/feedparser__euc-kr-item.xml", "년"),
        ("edge/simplepie__feed-utf16le.xml", "Test feed title 1"),
        ("edge/miniflux__encoding_WINDOWS-1251.xml", "Цитата"),
        ("real/prof18-RSS-Parser__feed-test-greek.xml", "καραντίνας"),
    ],
)
def test_encodings_come_out_readable(
    name: str, word: str, server: FeedServer, fetcher: Fetcher
) -> None:
    url = server.route("/feed", Reply(body=feed_bytes(name), headers={"Content-Type": "text/xml"}))
    result = poll_feed(fetcher, FeedSource(url=url), now=NOW)
    texts = " ".join(f"{e.title} {e.summary}" for e in result.entries)
    assert word in texts


def test_google_alerts_are_unwrapped(server: FeedServer, fetcher: Fetcher) -> None:
    url = server.route("/alerts", Reply(body=feed_bytes("real/feedjira__google_alerts_atom.xml")))
    result = poll_feed(fetcher, FeedSource(url=url), now=NOW)
    urls = [e.url for e in result.entries]
    assert len(urls) == 20
    assert "https://investorplace.com/2019/07/slack-stock-truly-compelling/" in urls
    assert not any(u is None or "google.com/url" in u for u in urls)


def test_relative_links_resolve_against_the_final_url(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/old", Reply(301, headers={"Location": "/blog/feed.xml"}))
    server.route("/blog/feed.xml", Reply(body=feed_bytes("edge/feed-rs__atom_relative.xml")))
    server.route(
        "/scoped.xml",
        Reply(body=feed_bytes("edge/node-feedparser__rss-with-item-scoped-html-base.xml")),
    )
    moved = poll_feed(fetcher, FeedSource(url=server.url("/old")), now=NOW)
    assert moved.final_url == server.url("/blog/feed.xml")
    assert [e.url for e in moved.entries] == [server.url("/blog/2003/12/13/atom03")]
    assert moved.entries[0].feed_url == server.url("/old")
    scoped = poll_feed(fetcher, FeedSource(url=server.url("/scoped.xml")), now=NOW)
    assert [e.url for e in scoped.entries] == [
        "https://example.com/first/first",
        server.url("/second"),
    ]


def test_gzip_content_encoding(server: FeedServer, fetcher: Fetcher) -> None:
    body = gzip.compress(feed_bytes("real/rbren-rss-parser__guardian.rss"))
    url = server.route("/feed", Reply(body=body, headers={"Content-Encoding": "gzip"}))
    result = poll_feed(fetcher, FeedSource(url=url), now=NOW)
    assert result.status == PollStatus.OK
    assert len(result.entries) == 55


# --- conditional GET ----------------------------------------------------------------------------


def _conditional(body: bytes, etag: str, modified: str):  # type: ignore[no-untyped-def]
    def reply(request: Request) -> Reply:
        validators = {"ETag": etag, "Last-Modified": modified}
        if request.headers.get("if-none-match") == etag or (
            "if-none-match" not in request.headers
            and request.headers.get("if-modified-since") == modified
        ):
            return Reply(304, headers=validators)
        return Reply(body=body, headers=validators)

    return reply


def test_304_round_trip(server: FeedServer, fetcher: Fetcher) -> None:
    modified = "Tue, 19 Nov 2024 10:00:00 GMT"
    url = server.route(
        "/feed", _conditional(feed_bytes("real/miniflux__urdu_UTF8.xml"), '"v1"', modified)
    )
    first = poll_feed(fetcher, FeedSource(url=url), now=NOW)
    assert (first.status, first.etag, first.last_modified) == (PollStatus.OK, '"v1"', modified)
    assert first.unconditional
    assert len(first.entries) == 26

    feed = FeedSource(
        url=url, etag=first.etag, last_modified=first.last_modified, last_unconditional_at=NOW
    )
    second = poll_feed(fetcher, feed, now=NOW + timedelta(minutes=30))
    assert second.status == PollStatus.NOT_MODIFIED
    assert (second.http_status, second.entries, second.error) == (304, (), None)
    assert (second.etag, second.last_modified) == ('"v1"', modified)
    assert not second.unconditional
    request = server.hits("/feed")[-1]
    assert request.headers["if-none-match"] == '"v1"'
    assert request.headers["if-modified-since"] == modified

    only_date = poll_feed(fetcher, replace(feed, etag=None), now=NOW + timedelta(hours=1))
    assert only_date.status == PollStatus.NOT_MODIFIED
    assert "if-none-match" not in server.hits("/feed")[-1].headers


def test_periodic_unconditional_fetch(server: FeedServer, fetcher: Fetcher) -> None:
    """A server that would answer 304 forever still gets a full fetch once a day."""
    url = server.route(
        "/feed", _conditional(feed_bytes("real/RSParser__livemint.xml"), '"stale"', "x")
    )
    feed = FeedSource(url=url, etag='"stale"', last_unconditional_at=NOW - timedelta(hours=23))
    assert poll_feed(fetcher, feed, now=NOW).status == PollStatus.NOT_MODIFIED

    old = replace(feed, last_unconditional_at=NOW - timedelta(hours=25))
    result = poll_feed(fetcher, old, now=NOW)
    assert result.status == PollStatus.OK
    assert result.unconditional
    assert len(result.entries) == 25
    assert "if-none-match" not in server.hits("/feed")[-1].headers

    never = replace(feed, last_unconditional_at=None)
    assert poll_feed(fetcher, never, now=NOW).unconditional
    hourly = poll_feed(fetcher, old, now=NOW, unconditional_every=timedelta(days=2))
    assert hourly.status == PollStatus.NOT_MODIFIED


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, PollStatus.SOFT_ERROR),
        (429, PollStatus.SOFT_ERROR),
        (500, PollStatus.SOFT_ERROR),
        (502, PollStatus.SOFT_ERROR),
        (503, PollStatus.SOFT_ERROR),
        (401, PollStatus.HARD_ERROR),
        (403, PollStatus.HARD_ERROR),
        (410, PollStatus.HARD_ERROR),
    ],
)
def test_http_errors_are_soft_or_hard(
    status: int, expected: PollStatus, server: FeedServer, fetcher: Fetcher
) -> None:
    url = server.route("/feed", Reply(status, b"<html>nope</html>", {"Content-Type": "text/html"}))
    result = poll_feed(fetcher, FeedSource(url=url, etag='"x"'), now=NOW)
    assert (result.status, result.http_status) == (expected, status)
    assert result.error is not None and result.error.startswith(f"HTTP {status} ")
    assert result.entries == ()


def test_retry_after_seconds_and_date(server: FeedServer, fetcher: Fetcher) -> None:
    server.route("/busy", Reply(429, headers={"Retry-After": "120"}))
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    server.route("/down", Reply(503, headers={"Retry-After": later}))
    busy = poll_feed(fetcher, FeedSource(url=server.url("/busy")), now=NOW)
    down = poll_feed(fetcher, FeedSource(url=server.url("/down")), now=NOW)
    assert (busy.status, busy.retry_after_seconds) == (PollStatus.SOFT_ERROR, 120)
    assert down.status == PollStatus.SOFT_ERROR
    assert down.retry_after_seconds is not None and 7190 <= down.retry_after_seconds <= 7200
    assert down.error is not None and "retry after" in down.error


def test_retry_after_is_capped(server: FeedServer) -> None:
    far = format_datetime(datetime.now(UTC) + timedelta(days=30), usegmt=True)
    server.route("/a", Reply(503, headers={"Retry-After": "86400000"}))
    server.route("/b", Reply(429, headers={"Retry-After": far}))
    config = HttpConfig(allow_private_networks=True, retry_after_cap_seconds=3600)
    with Fetcher(config) as fetcher:
        for path in ("/a", "/b"):
            result = poll_feed(fetcher, FeedSource(url=server.url(path)), now=NOW)
            assert result.retry_after_seconds == 3600


def test_read_timeout_is_soft(server: FeedServer) -> None:
    url = server.route("/slow", Reply(body=b"<rss/>", delay=0.5))
    with Fetcher(HttpConfig(allow_private_networks=True, read_timeout=0.1)) as fetcher:
        result = poll_feed(fetcher, FeedSource(url=url), now=NOW)
    assert result.status == PollStatus.SOFT_ERROR
    assert result.error is not None and result.error.startswith("timed out")
    assert 100 <= result.elapsed_ms < 1000


def test_refusals_are_hard(server: FeedServer) -> None:
    server.route("/r0", Reply(301, headers={"Location": "/r1"}))
    server.route("/r1", Reply(301, headers={"Location": "/r0"}))
    huge = server.route("/huge", Reply(body=b"<rss>" + b" " * 300_000 + b"</rss>"))
    config = HttpConfig(allow_private_networks=True, max_bytes=100_000)
    with Fetcher(config) as fetcher:
        loop = poll_feed(fetcher, FeedSource(url=server.url("/r0")), now=NOW)
        big = poll_feed(fetcher, FeedSource(url=huge), now=NOW)
        ftp = poll_feed(fetcher, FeedSource(url="ftp://127.0.0.1/feed"), now=NOW)
    with Fetcher(HttpConfig(allow_private_networks=False)) as guarded:
        private = poll_feed(guarded, FeedSource(url=server.url("/r0")), now=NOW)
    for result, text in [
        (loop, "redirect loop"),
        (big, "response larger than the 100,000-byte limit"),
        (ftp, "refused: only http and https"),
        (private, "refused: 127.0.0.1 resolves to 127.0.0.1 (loopback)"),
    ]:
        assert result.status == PollStatus.HARD_ERROR
        assert result.error is not None and text in result.error


# --- many feeds, many pages ---------------------------------------------------------------------


def test_poll_feeds_in_parallel_keeps_order_and_per_host_limits(server: FeedServer) -> None:
    body = feed_bytes("real/prof18-RSS-Parser__feed-test-ru.xml")
    hosts = ["127.0.0.1", "localhost"]

    def slow_feed(request: Request) -> Reply:
        return Reply(body=body, delay=0.1)

    server.route("/f", slow_feed)
    server.route("/gone", Reply(404))
    feeds = [FeedSource(url=server.url(f"/f?n={n}", hosts[n % 2])) for n in range(10)]
    feeds.insert(3, FeedSource(url=server.url("/gone")))
    config = HttpConfig(allow_private_networks=True, max_per_host=2)
    results = poll_feeds(feeds, config, now=NOW, max_workers=8)
    assert [r.feed_url for r in results] == [f.url for f in feeds]
    assert [r.status for r in results].count(PollStatus.OK) == 10
    assert results[3].status == PollStatus.SOFT_ERROR
    assert max(server.max_in_flight.values()) == 2
    assert server.max_total >= 3


def test_fetch_pages_per_host_limit_across_three_hosts(server: FeedServer) -> None:
    try:
        other = FeedServer("127.0.0.2")
    except OSError:
        pytest.skip("127.0.0.2 is not available here")
    try:
        for site in (server, other):
            site.route(
                "/article",
                Reply(body=b"<html>story</html>", delay=0.1, headers={"Content-Type": "text/html"}),
            )
        urls = [
            site.url(f"/article?n={n}", host)
            for n in range(6)
            for site, host in ((server, "127.0.0.1"), (server, "localhost"), (other, None))
        ]
        config = HttpConfig(allow_private_networks=True, max_per_host=2)
        pages = fetch_pages(urls, config, max_workers=16)
    finally:
        other.close()
    assert [p.url for p in pages] == urls
    assert all(p.body == b"<html>story</html>" and p.error is None for p in pages)
    assert server.max_in_flight == {"127.0.0.1": 2, "localhost": 2}
    assert other.max_in_flight == {"127.0.0.2": 2}
    assert server.max_total + other.max_total >= 5  # hosts in parallel, each at its limit


def test_fetch_pages_never_raises_for_one_page(server: FeedServer, config: HttpConfig) -> None:
    ok = server.route("/ok", Reply(body=b"<html>ok</html>", headers={"Content-Type": "text/html"}))
    pdf = server.route("/doc", Reply(body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"}))
    gone = server.route("/gone", Reply(404))
    hidden = FeedEntry(
        feed_url="f",
        entry_key="k",
        guid=None,
        url="https://news.google.com/rss/articles/x",
        canonical_url=None,
        title=None,
        summary=None,
        content=None,
        author=None,
        published_at=None,
        fetchable=False,
    )
    pages = fetch_pages([ok, pdf, gone, "ftp://x/y", hidden], config)
    assert [(p.http_status, p.error) for p in pages] == [
        (200, None),
        (200, "not a web page: application/pdf"),
        (404, "HTTP 404 Not Found"),
        (None, "refused: only http and https URLs are fetched, not ftp"),
        (None, "link cannot be fetched"),
    ]
    assert pages[0].body == b"<html>ok</html>" and pages[0].final_url == ok
    assert pages[1].body is None
    assert all(p.fetched_at is not None for p in pages)


# --- scheduling ---------------------------------------------------------------------------------


def _result(status: PollStatus, retry_after: float | None = None) -> FeedPollResult:
    return FeedPollResult(feed_url="u", status=status, retry_after_seconds=retry_after)


def test_next_poll_time_backs_off_linearly_and_resets() -> None:
    every = timedelta(minutes=30)
    cap = timedelta(hours=3)

    def after(errors: int, status: PollStatus, retry: float | None = None) -> timedelta:
        feed = FeedSource(url="u", error_count=errors)
        when = next_poll_time(
            feed, _result(status, retry), interval=every, now=NOW, max_backoff=cap
        )
        return when - NOW

    assert after(0, PollStatus.OK) == every
    assert after(7, PollStatus.NOT_MODIFIED) == every  # success resets
    assert after(0, PollStatus.SOFT_ERROR) == 2 * every
    assert after(1, PollStatus.SOFT_ERROR) == 3 * every
    assert after(2, PollStatus.HARD_ERROR) == 4 * every
    assert after(50, PollStatus.SOFT_ERROR) == cap
    assert after(0, PollStatus.SOFT_ERROR, retry=7200) == timedelta(hours=2)  # longer wins
    assert after(3, PollStatus.SOFT_ERROR, retry=60) == 5 * every  # shorter does not shorten
    planned = NOW + timedelta(hours=5)
    skipped = next_poll_time(
        FeedSource(url="u", next_poll_at=planned),
        _result(PollStatus.SKIPPED),
        interval=every,
        now=NOW,
    )
    assert skipped == planned


def test_is_due() -> None:
    assert is_due(FeedSource(url="u"), NOW)
    assert is_due(FeedSource(url="u", next_poll_at=NOW), NOW)
    assert not is_due(FeedSource(url="u", next_poll_at=NOW + timedelta(seconds=1)), NOW)
    naive = (NOW - timedelta(minutes=1)).replace(tzinfo=None)  # as some databases return it
    assert is_due(FeedSource(url="u", next_poll_at=naive), NOW)
