"""Discovery of older articles: the pure parsers, then the walkers against a real loopback server.

The walkers are checked on what they fetch as much as on what they return: a chain must stop at
the first page older than the window, skip child sitemaps that cannot hold it, and never treat
the end of a WordPress feed (404) as an error.
"""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest

from extract.feeds.archives import (
    FeedLinks,
    looks_like_wordpress_feed,
    parse_feed_links,
    wordpress_page_url,
)
from extract.feeds.discover import discover, discover_from_feed, discover_from_sitemaps
from extract.feeds.sitemaps import (
    SitemapRef,
    SitemapUrl,
    child_may_cover,
    parse_sitemap,
    sitemaps_from_robots,
    url_in_window,
)
from extract.feeds.window import Window, date_from_url, parse_w3c_datetime
from extract.fetch import Fetcher
from tests.extract.conftest import FeedServer, Reply, feed_bytes

JUNE = Window(datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 7, 1, tzinfo=UTC))


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-18", datetime(2024, 6, 18, tzinfo=UTC)),
        ("2024-06-18T09:30:00Z", datetime(2024, 6, 18, 9, 30, tzinfo=UTC)),
        ("2024-06-18T09:30:00+09:00", datetime(2024, 6, 18, 0, 30, tzinfo=UTC)),
        ("2024-06-18T09:30+09:00", datetime(2024, 6, 18, 0, 30, tzinfo=UTC)),
        ("2024-06-18T09:30:00.123456-04:00", datetime(2024, 6, 18, 13, 30, 0, 123456, tzinfo=UTC)),
        ("2024-06-18T09:30:00", datetime(2024, 6, 18, 9, 30, tzinfo=UTC)),
        ("  2024-06-18 ", datetime(2024, 6, 18, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
        ("2024-13-01", None),
    ],
)
def test_w3c_dates(text: str | None, expected: datetime | None) -> None:
    assert parse_w3c_datetime(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/2024/06/18/putin-kim-summit/", date(2024, 6, 18)),
        ("https://example.com/news/2024-06-18-putin-kim.html", date(2024, 6, 18)),
        ("https://example.com/2024/06/putin-kim/", date(2024, 6, 1)),
        ("https://example.com/article/20240618/putin", date(2024, 6, 18)),
        ("https://example.com/sitemap-2024-06.xml", None),  # names: see child_may_cover
        ("https://example.com/news/putin-kim-1234567", None),
        ("https://example.com/2024/13/01/nope", None),
        ("https://example.com/2024/02/30/not-a-day", None),
        ("https://example.com/id/12345678/", None),
    ],
)
def test_dates_in_urls(url: str, expected: date | None) -> None:
    assert date_from_url(url) == expected


def test_window_is_half_open_and_aware() -> None:
    assert JUNE.contains(datetime(2024, 6, 1, tzinfo=UTC))
    assert not JUNE.contains(datetime(2024, 7, 1, tzinfo=UTC))
    assert JUNE.describe() == "2024-06-01..2024-06-30"
    with pytest.raises(ValueError, match="aware"):
        Window(datetime(2024, 6, 1), datetime(2024, 7, 1))
    with pytest.raises(ValueError, match="empty"):
        Window(JUNE.end, JUNE.start)


# --- feed links ------------------------------------------------------------------------------


def test_rfc5005_archive_links_in_atom() -> None:
    body = b"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="http://purl.org/syndication/history/1.0"
      xml:base="https://example.com/feeds/">
  <title>Archive</title><fh:archive/>
  <link rel="self" href="archive/2024-06.xml"/>
  <link rel="current" href="main.xml"/>
  <link rel="prev-archive" href="archive/2024-05.xml"/>
</feed>"""
    links = parse_feed_links(body, "https://example.com/other/")
    assert links.prev_archive == "https://example.com/feeds/archive/2024-05.xml"
    assert links.next_page is None
    assert links.is_archive


def test_paged_feed_link_in_rss() -> None:
    body = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>
<atom:link rel="self" href="https://example.com/rss"/>
<atom:link rel="next" href="/rss?page=2"/>
<generator>Ghost 5.1</generator>
<item><title>x</title><link>https://example.com/x</link></item></channel></rss>"""
    links = parse_feed_links(body, "https://example.com/rss")
    assert links == FeedLinks(next_page="https://example.com/rss?page=2", generator="Ghost 5.1")
    assert not links.wordpress


def test_wordpress_recognised_by_generator_in_a_real_feed() -> None:
    url = "https://techcrunch.com/rss"
    links = parse_feed_links(feed_bytes("real/feedjira__TechCrunch.xml"), url)
    assert links.wordpress
    assert looks_like_wordpress_feed(url, links)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.38north.org/feed/", True),
        ("https://example.com/category/north-korea/feed", True),
        ("https://example.com/?feed=rss2", True),
        ("https://www.yna.co.kr/rss/northkorea.xml", False),
    ],
)
def test_wordpress_recognised_by_path(url: str, expected: bool) -> None:
    assert looks_like_wordpress_feed(url, FeedLinks()) is expected


def test_wordpress_page_urls_keep_other_parameters() -> None:
    assert wordpress_page_url("https://x.org/feed/", 3) == "https://x.org/feed/?paged=3"
    assert (
        wordpress_page_url("https://x.org/?feed=rss2&paged=2", 4)
        == "https://x.org/?feed=rss2&paged=4"
    )
    assert wordpress_page_url("https://x.org/feed/?paged=7", 1) == "https://x.org/feed/"


def test_broken_or_hostile_xml_gives_no_links() -> None:
    assert parse_feed_links(b"<html><body>not a feed", "https://x.org/") == FeedLinks()
    assert parse_feed_links(b"", "https://x.org/") == FeedLinks()


# --- sitemaps --------------------------------------------------------------------------------

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://example.com/world/putin-pyongyang</loc>
    <lastmod>2024-06-20T08:00:00+00:00</lastmod>
    <news:news><news:publication><news:name>Example</news:name><news:language>en</news:language>
      </news:publication><news:publication_date>2024-06-19T06:00:00+09:00</news:publication_date>
      <news:title>Putin lands in Pyongyang</news:title></news:news></url>
  <url><loc>/world/relative-link</loc><lastmod>2024-06-02</lastmod></url>
  <url><lastmod>2024-06-02</lastmod></url>
</urlset>"""


def test_news_sitemap() -> None:
    sitemap = parse_sitemap(NEWS_SITEMAP, "https://example.com/news-sitemap.xml")
    assert sitemap.sitemaps == ()
    first, second = sitemap.urls
    assert first == SitemapUrl(
        url="https://example.com/world/putin-pyongyang",
        lastmod=datetime(2024, 6, 20, 8, tzinfo=UTC),
        published=datetime(2024, 6, 18, 21, tzinfo=UTC),
        title="Putin lands in Pyongyang",
        language="en",
    )
    assert first.dated() == (datetime(2024, 6, 18, 21, tzinfo=UTC), "news")
    assert second.url == "https://example.com/world/relative-link"
    assert second.dated() == (datetime(2024, 6, 2, tzinfo=UTC), "lastmod")


def test_sitemap_index_plain_and_gzipped() -> None:
    body = b"""<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://example.com/post-sitemap1.xml</loc><lastmod>2023-01-05</lastmod></sitemap>
  <sitemap><loc>https://example.com/post-sitemap2.xml</loc></sitemap>
</sitemapindex>"""
    for data in (body, gzip.compress(body)):
        sitemap = parse_sitemap(data, "https://example.com/sitemap_index.xml")
        assert sitemap.sitemaps == (
            SitemapRef("https://example.com/post-sitemap1.xml", datetime(2023, 1, 5, tzinfo=UTC)),
            SitemapRef("https://example.com/post-sitemap2.xml", None),
        )


def test_not_a_sitemap_is_empty_and_entities_are_not_expanded() -> None:
    assert parse_sitemap(b"<html><p>Not here</p></html>", "https://x.org/sitemap.xml").empty
    assert parse_sitemap(b"", "https://x.org/sitemap.xml").empty
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://x.org/a&secret;</loc></url></urlset>"""
    urls = parse_sitemap(xxe, "https://x.org/sitemap.xml").urls
    assert all("etc" not in u.url and len(u.url) < 40 for u in urls)


def test_robots_sitemap_lines() -> None:
    text = "User-agent: *\nDisallow: /admin\nSitemap: https://x.org/s1.xml\nsitemap:/s2.xml\nSitemap: https://x.org/s1.xml\n"
    assert sitemaps_from_robots(text, "https://x.org/") == [
        "https://x.org/s1.xml",
        "https://x.org/s2.xml",
    ]


def test_child_sitemaps_outside_the_window_are_skipped() -> None:
    assert not child_may_cover(
        SitemapRef("https://x.org/a.xml", datetime(2024, 5, 31, tzinfo=UTC)), JUNE
    )
    assert child_may_cover(
        SitemapRef("https://x.org/a.xml", datetime(2024, 8, 1, tzinfo=UTC)), JUNE
    )
    assert child_may_cover(SitemapRef("https://x.org/a.xml"), JUNE)
    assert not child_may_cover(SitemapRef("https://x.org/sitemap-2024-05.xml"), JUNE)
    assert child_may_cover(SitemapRef("https://x.org/sitemap-2024-06.xml"), JUNE)
    assert not child_may_cover(SitemapRef("https://x.org/sitemap_2024_07.xml"), JUNE)


def test_urls_are_placed_in_the_window_by_their_best_date() -> None:
    def at(day: int, month: int = 6) -> datetime:
        return datetime(2024, month, day, tzinfo=UTC)

    assert url_in_window(SitemapUrl("https://x.org/a", published=at(10)), JUNE) is True
    assert (
        url_in_window(SitemapUrl("https://x.org/a", published=at(10, 5), lastmod=at(10)), JUNE)
        is False
    )
    assert url_in_window(SitemapUrl("https://x.org/2024/06/30/a"), JUNE) is True
    assert url_in_window(SitemapUrl("https://x.org/2024/07/01/a"), JUNE) is False
    # lastmod is a modification date: a little after the window still counts, before does not
    assert url_in_window(SitemapUrl("https://x.org/a", lastmod=at(3, 7)), JUNE) is True
    assert url_in_window(SitemapUrl("https://x.org/a", lastmod=at(20, 7)), JUNE) is False
    assert url_in_window(SitemapUrl("https://x.org/a", lastmod=at(31, 5)), JUNE) is False
    assert url_in_window(SitemapUrl("https://x.org/a"), JUNE) is None


# --- walkers against a real server -----------------------------------------------------------


def rss_page(server: FeedServer, items: list[tuple[str, datetime]], *, extra: str = "") -> bytes:
    body = "".join(
        f"<item><title>{slug}</title><link>{server.url('/news/' + slug)}</link>"
        f"<guid isPermaLink='false'>{slug}</guid><pubDate>{format_datetime(when)}</pubDate></item>"
        for slug, when in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>WP</title><generator>https://wordpress.org/?v=6.5</generator>{extra}"
        f"{body}</channel></rss>"
    ).encode()


def days_before(start: datetime, *days: int) -> list[datetime]:
    return [start - timedelta(days=d) for d in days]


def test_wordpress_pages_walked_back_into_the_window_and_no_further(
    server: FeedServer, fetcher: Fetcher
) -> None:
    july = datetime(2024, 7, 10, tzinfo=UTC)
    pages = {
        1: [("p1a", july), ("p1b", july - timedelta(days=3))],  # newer than the window
        2: [("p2a", datetime(2024, 6, 28, tzinfo=UTC)), ("p2b", datetime(2024, 6, 15, tzinfo=UTC))],
        3: [("p3a", datetime(2024, 6, 2, tzinfo=UTC)), ("p3b", datetime(2024, 5, 20, tzinfo=UTC))],
        4: [("p4a", datetime(2024, 5, 1, tzinfo=UTC))],  # wholly older: the walk stops here
        5: [("p5a", datetime(2024, 4, 1, tzinfo=UTC))],  # never fetched
    }
    feed = server.route("/feed/", Reply(body=rss_page(server, pages[1])))
    for n in range(2, 6):
        server.route(f"/feed/?paged={n}", Reply(body=rss_page(server, pages[n])))

    found = discover_from_feed(fetcher, feed, JUNE)

    assert found.method == "wordpress"
    assert sorted(e.title for e in found.entries) == ["p2a", "p2b", "p3a"]
    assert found.outside_window == 4  # p1a, p1b, p3b, p4a
    assert server.hits("/feed/?paged=4") and not server.hits("/feed/?paged=5")
    assert found.errors == [] and not found.truncated
    entry = next(e for e in found.entries if e.title == "p2a")
    assert entry.feed_url == feed and entry.url == server.url("/news/p2a")
    assert entry.entry_key.startswith("guid:p2a")  # keyed as the poller keys it


def test_wordpress_end_of_pages_is_not_an_error(server: FeedServer, fetcher: Fetcher) -> None:
    feed = server.route(
        "/feed/", Reply(body=rss_page(server, [("a", datetime(2024, 6, 20, tzinfo=UTC))]))
    )
    server.route(
        "/feed/?paged=2", Reply(body=rss_page(server, [("b", datetime(2024, 6, 10, tzinfo=UTC))]))
    )
    # page 3 answers 404, as WordPress does past the last page
    found = discover_from_feed(fetcher, feed, JUNE)
    assert [e.title for e in found.entries] == ["a", "b"]
    assert found.errors == []
    assert found.documents == 3


def test_a_site_that_ignores_the_page_parameter_is_walked_once(
    server: FeedServer, fetcher: Fetcher
) -> None:
    # Every ?paged=N answers page 1 again (the route ignores the query): no new entries, stop.
    body = rss_page(server, [("only", datetime(2024, 6, 20, tzinfo=UTC))])
    feed = server.route("/blog/feed/", Reply(body=body))
    found = discover_from_feed(fetcher, feed, JUNE)
    assert [e.title for e in found.entries] == ["only"]
    assert len(server.hits("/blog/feed/?paged=2")) == 1 and not server.hits("/blog/feed/?paged=3")


def test_page_limit_is_reported(server: FeedServer, fetcher: Fetcher) -> None:
    from extract.feeds.discover import DiscoverLimits

    feed = server.route(
        "/feed/", Reply(body=rss_page(server, [("n1", datetime(2024, 6, 30, tzinfo=UTC))]))
    )
    for n in range(2, 10):
        server.route(
            f"/feed/?paged={n}",
            Reply(body=rss_page(server, [(f"n{n}", datetime(2024, 6, 30 - n, tzinfo=UTC))])),
        )
    found = discover_from_feed(fetcher, feed, JUNE, limits=DiscoverLimits(max_pages=3))
    assert found.truncated and found.documents == 3
    assert len(found.entries) == 3


def atom_doc(
    server: FeedServer, entries: list[tuple[str, datetime]], *, prev: str | None, archive: bool
) -> bytes:
    items = "".join(
        f"<entry><title>{slug}</title><id>urn:{slug}</id><link href='{server.url('/a/' + slug)}'/>"
        f"<updated>{when.isoformat()}</updated></entry>"
        for slug, when in entries
    )
    prev_link = f"<link rel='prev-archive' href='{prev}'/>" if prev else ""
    marker = "<fh:archive/>" if archive else ""
    return (
        "<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom' "
        "xmlns:fh='http://purl.org/syndication/history/1.0'><title>t</title><id>urn:t</id>"
        f"<updated>2024-07-10T00:00:00Z</updated>{marker}{prev_link}{items}</feed>"
    ).encode()


def test_rfc5005_archives_followed_until_older_than_the_window(
    server: FeedServer, fetcher: Fetcher
) -> None:
    d = lambda m, day: datetime(2024, m, day, tzinfo=UTC)  # noqa: E731
    server.route(
        "/archive/2024-04.xml",
        Reply(body=atom_doc(server, [("apr", d(4, 9))], prev=None, archive=True)),
    )
    server.route(
        "/archive/2024-05.xml",
        Reply(
            body=atom_doc(
                server, [("may", d(5, 9))], prev=server.url("/archive/2024-04.xml"), archive=True
            )
        ),
    )
    server.route(
        "/archive/2024-06.xml",
        Reply(
            body=atom_doc(
                server,
                [("jun1", d(6, 3)), ("jun2", d(6, 25))],
                prev="/archive/2024-05.xml",
                archive=True,
            )
        ),
    )
    feed = server.route(
        "/feed.atom",
        Reply(
            body=atom_doc(
                server, [("jul", d(7, 9))], prev=server.url("/archive/2024-06.xml"), archive=False
            )
        ),
    )
    found = discover_from_feed(fetcher, feed, JUNE)
    assert found.method == "archive"
    assert sorted(e.title for e in found.entries) == ["jun1", "jun2"]
    assert server.hits("/archive/2024-05.xml") and not server.hits("/archive/2024-04.xml")


def sitemap_urlset(entries: list[tuple[str, str]]) -> bytes:
    urls = "".join(f"<url><loc>{loc}</loc><lastmod>{mod}</lastmod></url>" for loc, mod in entries)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


def test_sitemaps_from_robots_with_an_index(server: FeedServer, fetcher: Fetcher) -> None:
    server.route(
        "/robots.txt",
        Reply(
            body=f"Sitemap: {server.url('/sitemap_index.xml')}\n".encode(),
            headers={"Content-Type": "text/plain"},
        ),
    )
    server.route(
        "/sitemap_index.xml",
        Reply(
            body=(
                '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{server.url('/old-sitemap.xml')}</loc><lastmod>2023-12-31</lastmod></sitemap>"
                f"<sitemap><loc>{server.url('/sitemap-2024-05.xml')}</loc></sitemap>"
                f"<sitemap><loc>{server.url('/post-sitemap.xml')}</loc><lastmod>2024-07-01</lastmod></sitemap>"
                "</sitemapindex>"
            ).encode()
        ),
    )
    server.route(
        "/post-sitemap.xml",
        Reply(
            body=sitemap_urlset(
                [
                    (server.url("/2024/06/18/putin-in-pyongyang/"), "2024-08-01"),  # path date wins
                    (server.url("/no-date-in-path"), "2024-06-05T10:00:00Z"),
                    (server.url("/2024/05/30/before/"), "2024-06-02"),
                    (server.url("/undated"), ""),
                ]
            )
        ),
    )
    feed = server.url("/rss/northkorea.xml")

    found = discover_from_sitemaps(fetcher, feed, JUNE)

    assert found.method == "sitemap"
    assert sorted(e.url for e in found.entries if e.url) == [
        server.url("/2024/06/18/putin-in-pyongyang/"),
        server.url("/no-date-in-path"),
    ]
    assert (found.outside_window, found.undated) == (1, 1)
    assert not server.hits("/old-sitemap.xml") and not server.hits("/sitemap-2024-05.xml")
    assert all(e.feed_url == feed and e.entry_key.startswith("url:") for e in found.entries)
    assert found.errors == []


def test_sitemap_guessed_when_robots_names_none(server: FeedServer, fetcher: Fetcher) -> None:
    server.route(
        "/sitemap_index.xml",
        Reply(body=sitemap_urlset([(server.url("/2024/06/03/a/"), "2024-06-03")])),
    )
    found = discover_from_sitemaps(fetcher, server.url("/rss.xml"), JUNE)
    assert [e.url for e in found.entries] == [server.url("/2024/06/03/a/")]
    assert found.errors == []  # robots.txt and /sitemap.xml missing is normal
    assert not server.hits("/wp-sitemap.xml")  # the first guess that is a sitemap wins


def test_feed_without_history_falls_back_to_sitemaps(server: FeedServer, fetcher: Fetcher) -> None:
    plain = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>plain</title>
<item><title>today</title><link>https://example.com/x</link><pubDate>Wed, 10 Jul 2024 00:00:00 GMT</pubDate></item>
</channel></rss>"""
    feed = server.route("/rss/all.xml", Reply(body=plain))
    server.route(
        "/sitemap.xml",
        Reply(body=sitemap_urlset([(server.url("/2024/06/09/found/"), "2024-06-09")])),
    )
    found = discover(fetcher, feed, JUNE)
    assert found.method == "sitemap"
    assert [e.url for e in found.entries] == [server.url("/2024/06/09/found/")]
    assert found.outside_window == 1  # the feed's own item, from July


def test_no_sitemap_anywhere_means_nothing_found_and_no_error(
    server: FeedServer, fetcher: Fetcher
) -> None:
    found = discover_from_sitemaps(fetcher, server.url("/rss.xml"), JUNE)
    assert found.method == "none" and found.entries == [] and found.errors == []


def test_a_dead_feed_is_an_error_not_an_exception(server: FeedServer, fetcher: Fetcher) -> None:
    feed = server.route("/feed/", Reply(status=500, body=b"down"))
    found = discover_from_feed(fetcher, feed, JUNE)
    assert found.entries == [] and len(found.errors) == 1 and "500" in found.errors[0]
    assert found.feed_unreadable
