"""Feed parsing on bytes (no network): encodings, links, dates, text, refusals, and OPML."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

import extract.feeds.decode as decode_module
from extract.errors import FeedParseError
from extract.feeds.decode import decode_xml
from extract.feeds.opml import OpmlFeed, parse_opml, render_opml
from extract.feeds.parse import html_to_text, parse_feed
from tests.extract.conftest import feed_bytes

URL = "https://feeds.example.org/world/rss.xml"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def rss(items: str, *, channel: str = "<title>Test</title>", encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<rss version="2.0"><channel>{channel}{items}</channel></rss>'
    ).encode(encoding)


# --- encodings -----------------------------------------------------------------------------------


def test_koi8r_without_any_declaration_is_detected() -> None:
    parsed = parse_feed(feed_bytes("edge/feedparser__koi8r.xml"), url=URL)
    (entry,) = parsed.entries
    assert entry.title == "Как пережить новогоднюю ночь"
    assert entry.summary is not None and "Новый год" in entry.summary
    assert parsed.encoding == "koi8-r"


def test_euc_kr_declared() -> None:
    (entry,) = parse_feed(feed_bytes("edge/feedparser__euc-kr-item.xml"), url=URL).entries
    assert entry.summary == "년"


def test_utf16le_without_bom() -> None:
    parsed = parse_feed(feed_bytes("edge/simplepie__feed-utf16le.xml"), url=URL)
    assert parsed.title == "Test feed"
    assert [e.title for e in parsed.entries] == ["Test feed title 1"]


def test_windows_1251_declared_even_when_the_server_says_utf8() -> None:
    parsed = parse_feed(
        feed_bytes("real/node-feedparser__iconv.xml"),
        url=URL,
        content_type="text/xml; charset=utf-8",
    )
    assert parsed.title is not None and "Оренбург" in parsed.title
    assert parsed.encoding == "cp1251"


def test_prolog_claiming_windows_1252_over_utf8_bytes() -> None:
    parsed = parse_feed(feed_bytes("edge/miniflux__windows-1252-incorrect-prolog.xml"), url=URL)
    assert parsed.title == "Euro €"
    assert parsed.warning == "declared windows-1252 but the bytes are UTF-8"


@pytest.mark.parametrize(
    "prefix", [b"\xef\xbb\xbf", b"\n\n   ", b"<!-- a comment -->\n\xef\xbb\xbf"], ids=repr
)
def test_bom_whitespace_or_comment_before_the_declaration(prefix: bytes) -> None:
    body = prefix + rss("<item><title>Один</title><link>https://x.example/1</link></item>")
    parsed = parse_feed(body, url=URL)
    assert [e.title for e in parsed.entries] == ["Один"]
    assert parsed.warning is None


def test_utf16_with_bom_and_an_http_charset_that_lies() -> None:
    text = rss("<item><title>Пхеньян</title><link>https://x.example/1</link></item>").decode()
    body = text.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    parsed = parse_feed(body, url=URL, content_type="application/xml; charset=iso-8859-1")
    assert [e.title for e in parsed.entries] == ["Пхеньян"]


def test_decode_xml_order_of_evidence() -> None:
    cyrillic = "<r>Россия</r>"
    assert decode_xml(cyrillic.encode("utf-8"))[1] == "utf-8"
    declared = f'<?xml version="1.0" encoding="windows-1251"?>{cyrillic}'.encode("cp1251")
    assert decode_xml(declared, "utf-8")[:2] == (declared.decode("cp1251"), "cp1251")
    assert decode_xml(cyrillic.encode("cp1251"), "windows-1251")[1] == "cp1251"
    assert decode_xml(b"\xff\xfe<\x00r\x00/\x00>\x00")[:2] == ("<r/>", "utf-16-le")


def test_gzip_body_without_content_encoding() -> None:
    raw = feed_bytes("edge/node-feedparser__invalid-characters-gzipped.xml")
    assert raw[:2] == b"\x1f\x8b"
    parsed = parse_feed(raw, url=URL)
    assert parsed.title == "NSHipster"
    assert len(parsed.entries) == 25


def test_gzip_bomb_in_a_body_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode_module, "MAX_DECOMPRESSED_BYTES", 1024 * 1024)
    with pytest.raises(FeedParseError, match="expands beyond 1,048,576 bytes"):
        parse_feed(gzip.compress(b" " * (3 * 1024 * 1024)), url=URL)


# --- not feeds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"  \r\n\t ", "empty body"),
        (
            feed_bytes("edge/rbren-rss-parser__unrecognized.rss"),
            'not a feed: got an HTML page ("Document Moved")',
        ),
        (
            b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>",
            'not a feed: got an HTML page ("Just a moment...")',
        ),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "not a feed: got JSON"),
        (b"Service temporarily unavailable", "not a feed: the body is not XML"),
        (
            b'<?xml version="1.0"?><opml version="2.0"><body/></opml>',
            "not a feed: no RSS, Atom or RDF root element (<opml>)",
        ),
        (
            feed_bytes("edge/feed-rs__rss_2.0_invalid_1.xml"),
            "invalid XML at line 19: no element found",
        ),
        (
            feed_bytes("edge/feedparser__undeclared_namespace.xml"),
            "invalid XML at line 9: unbound prefix",
        ),
    ],
)
def test_not_a_feed(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(body, url=URL)
    assert str(caught.value).startswith(message)


def test_feedparser_is_never_handed_a_url_or_a_path(tmp_path: object) -> None:
    """Bare strings make feedparser open URLs or files; bodies only ever reach it as bytes."""
    for body in (b"http://127.0.0.1:9/feed.xml", b"/etc/hostname", b"file:///etc/passwd"):
        with pytest.raises(FeedParseError, match="not XML"):
            parse_feed(body, url=URL)


def test_recovered_xml_errors_are_a_warning() -> None:
    parsed = parse_feed(feed_bytes("edge/node-feedparser__saxerror.xml"), url=URL)
    assert len(parsed.entries) == 3
    assert parsed.warning is not None
    assert parsed.warning.startswith("recovered from invalid XML at line 15")


def test_a_valid_feed_without_items_is_fine() -> None:
    parsed = parse_feed(rss(""), url=URL)
    assert (parsed.title, parsed.entries, parsed.warning) == ("Test", [], None)


# --- entries -------------------------------------------------------------------------------------


def test_relative_links_resolve_against_xml_base_then_the_document() -> None:
    body = feed_bytes("edge/node-feedparser__rss-with-item-scoped-html-base.xml")
    parsed = parse_feed(body, url=URL, base_url="https://mirror.example/feeds/rss.xml")
    assert [e.url for e in parsed.entries] == [
        "https://example.com/first/first",
        "https://mirror.example/feeds/second",
    ]
    assert all(e.feed_url == URL for e in parsed.entries)


def test_atom_relative_and_xml_base_links() -> None:
    (entry,) = parse_feed(feed_bytes("edge/feed-rs__atom_relative.xml"), url=URL).entries
    assert entry.url == "https://feeds.example.org/blog/2003/12/13/atom03"
    (inherited,) = parse_feed(
        feed_bytes("edge/feedparser__entry_content_xml_base_inherit.xml"), url=URL
    ).entries
    assert inherited.content == "Example test"


def test_google_alerts_links_are_unwrapped() -> None:
    parsed = parse_feed(feed_bytes("real/feedjira__google_alerts_atom.xml"), url=URL)
    assert len(parsed.entries) == 20
    assert not any("google.com" in (e.url or "") for e in parsed.entries)
    by_url = {e.url: e for e in parsed.entries}
    entry = by_url["https://investorplace.com/2019/07/slack-stock-truly-compelling/"]
    assert entry.title == "Slack Stock Has a Compelling Story and the Numbers to Back It Up"
    assert entry.fetchable
    assert entry.identities[0] == f"guid:{entry.guid} @ {URL}"
    assert "url:https://investorplace.com/2019/07/slack-stock-truly-compelling/" in entry.identities


def test_google_news_items() -> None:
    target = "https://www.yna.co.kr/view/AEN20241119000351315"
    raw = target.encode()
    article = base64.urlsafe_b64encode(b"\x08\x13\x22" + bytes([len(raw)]) + raw).decode()
    items = f"""
    <item><title>N. Korea, Russia sign pact - Yonhap News Agency</title>
      <link>https://news.google.com/rss/articles/CBMiAU_yqLOpaque?oc=5</link>
      <guid isPermaLink="false">CBMiAU_yqLOpaque</guid>
      <source url="https://en.yna.co.kr">Yonhap News Agency</source></item>
    <item><title>Resolvable</title><link>https://news.google.com/rss/articles/{article}?oc=5</link>
      <source url="https://en.yna.co.kr">Yonhap News Agency</source></item>"""
    opaque, resolvable = parse_feed(rss(items), url=URL).entries
    assert opaque.source == "Yonhap News Agency"
    assert opaque.fetchable is False
    assert opaque.url is not None and opaque.url.startswith("https://news.google.com/")
    assert resolvable.url == target
    assert resolvable.fetchable is True


def test_titles_and_summaries_are_plain_text() -> None:
    parsed = parse_feed(feed_bytes("edge/yarr__title-html-tags.xml"), url=URL)
    assert [e.title for e in parsed.entries] == ["title in p", "very strong title"]
    items = """<item><title>Kim &amp; Putin: &#8220;ties&#8221;</title><link>https://x.example/1</link>
      <description><![CDATA[<p>First <b>para</b>.</p><script>evil()</script><p>Second&nbsp;para</p>]]>
      </description></item>"""
    (entry,) = parse_feed(rss(items), url=URL).entries
    assert entry.title == "Kim & Putin: \u201cties\u201d"
    assert entry.summary == "First para.\nSecond para"


def test_dates_are_utc_and_never_in_the_future() -> None:
    def item(n: int, date: str) -> str:
        return f"<item><title>t{n}</title><link>https://x.example/{n}</link><pubDate>{date}</pubDate></item>"

    soon = format_datetime(NOW + timedelta(hours=9))  # a time zone mistake
    far = format_datetime(NOW + timedelta(days=400))
    items = (
        item(1, "Wed, 20 Nov 2024 17:30:00 +0900")
        + item(2, soon)
        + item(3, far)
        + item(4, "the day before yesterday")
    )
    dates = [e.published_at for e in parse_feed(rss(items), url=URL, now=NOW).entries]
    assert dates == [datetime(2024, 11, 20, 8, 30, tzinfo=UTC), NOW, None, None]


def test_updated_date_is_used_when_there_is_no_published_date() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
      <title>A</title><entry><title>e</title><id>urn:x:1</id><link href="https://x.example/e"/>
      <updated>2024-11-20T08:30:00Z</updated></entry></feed>"""
    (entry,) = parse_feed(body, url=URL, now=NOW).entries
    assert entry.published_at == datetime(2024, 11, 20, 8, 30, tzinfo=UTC)


def test_tracking_parameters_stripped_in_the_canonical_url_only() -> None:
    items = "<item><title>t</title><link>https://x.example/a?utm_source=rss&amp;id=3</link></item>"
    (entry,) = parse_feed(rss(items), url=URL).entries
    assert entry.url == "https://x.example/a?utm_source=rss&id=3"
    assert entry.canonical_url == "https://x.example/a?id=3"
    assert entry.entry_key == "url:https://x.example/a?id=3"


def test_entries_without_links_are_not_fetchable() -> None:
    items = "<item><title>No link</title><link>javascript:void(0)</link></item><item><title>x</title></item>"
    entries = parse_feed(rss(items), url=URL).entries
    assert [(e.url, e.fetchable) for e in entries] == [(None, False), (None, False)]


def test_html_to_text() -> None:
    assert html_to_text("<div>a<br>b</div><ul><li>c</li><li>d</li></ul>") == "a\nb\nc\nd"
    assert html_to_text("<style>p{}</style>x &lt; y") == "x < y"
    assert html_to_text("   ") is None
    assert html_to_text(None) is None


# --- OPML ----------------------------------------------------------------------------------------

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>subs</title></head><body>
  <outline text="Korea">
    <outline text="Yonhap" title="Yonhap News" type="rss" xmlUrl="https://en.yna.co.kr/RSS/nk.xml"
             htmlUrl="https://en.yna.co.kr" language="en"/>
    <outline text="https://www.nknews.org/feed/" type="rss" xmlURL="https://www.nknews.org/feed/"/>
  </outline>
  <outline text="no feed here"/>
</body></opml>"""


def test_parse_opml() -> None:
    assert parse_opml(OPML) == [
        OpmlFeed(
            "https://en.yna.co.kr/RSS/nk.xml", "Yonhap News", "en", "https://en.yna.co.kr", "Korea"
        ),
        OpmlFeed("https://www.nknews.org/feed/", category="Korea"),
    ]


def test_opml_categories_come_from_the_attribute_or_the_folders() -> None:
    data = b"""<opml version="2.0"><body>
      <outline text="Asia"><outline title="Korea">
        <outline text="A" xmlUrl="https://a.example/feed"/>
        <outline text="B" category="/Wire/Russia" xmlUrl="https://b.example/feed"/>
      </outline></outline>
      <outline text="C" xmlUrl="https://c.example/feed"/>
    </body></opml>"""
    assert [(f.url, f.category) for f in parse_opml(data)] == [
        ("https://a.example/feed", "Asia / Korea"),
        ("https://b.example/feed", "/Wire/Russia"),
        ("https://c.example/feed", None),
    ]
    again = parse_opml(render_opml(parse_opml(data)))
    assert [f.category for f in again] == ["Asia / Korea", "/Wire/Russia", None]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
             <opml><body><outline xmlUrl="https://x.example/&lol2;"/></body></opml>""",
            "OPML with a DOCTYPE or ENTITY declaration is refused",
        ),
        (
            b"""<?xml version="1.0"?><!DOCTYPE opml SYSTEM "file:///etc/passwd">
             <opml><body/></opml>""",
            "OPML with a DOCTYPE",
        ),
        (
            b"<opml><body><outline xmlUrl='https://x.example/&undefined;'/></body></opml>",
            "invalid XML at line 1: undefined entity",
        ),
        (
            b'<?xml version="1.0"?><rss version="2.0"/>',
            "not an OPML document: the root element is <rss>",
        ),
        (b"", "empty body"),
    ],
)
def test_hostile_or_wrong_opml_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_opml(data)
    with pytest.raises(ValueError):  # what the feed-list loader catches
        parse_opml(data)


_label = (
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]),
        min_size=1,
        max_size=20,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@given(
    st.lists(
        st.builds(
            OpmlFeed,
            url=st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9/?=&]{0,20}", fullmatch=True),
            title=st.one_of(st.none(), _label),
            language=st.one_of(st.none(), st.sampled_from(["en", "ru", "ko"])),
            html_url=st.one_of(st.none(), st.just("https://site.example/")),
        ),
        max_size=6,
    )
)
def test_opml_round_trip(feeds: list[OpmlFeed]) -> None:
    assert parse_opml(render_opml(feeds)) == feeds
