"""Feed parsing edge cases that feedparser recovers, held to feedparser's own expectations.

Fixtures: byte copies of feedparser's test files (tests/fixtures/parsing/, provenance in its
README): HTML entities undefined in XML, UTF-32 without a byte-order mark, an RSS document with an
XHTML DOCTYPE, comments left open in a title. Plus CR/LF and other line breaks in titles.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.feeds.decode import decode_xml, html_entities_as_numbers
from extract.feeds.parse import parse_feed, strip_comments

PARSING = Path(__file__).resolve().parents[2] / "fixtures" / "parsing"
URL = "https://feeds.example/rss"


def parsed(name: str):  # type: ignore[no-untyped-def]
    return parse_feed((PARSING / name).read_bytes(), url=URL)


def test_html_entities_are_recovered_as_feedparser_does() -> None:
    assert parsed("feedparser__ocirc.xml").title == "testing \xf4 entity"


def test_html_entities_in_items_do_not_cost_the_feed() -> None:
    body = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>Caf&eacute;</title>"
        b"<item><title>Kim&nbsp;&ndash; Putin &hellip; &laquo;summit&raquo;</title>"
        b"<link>https://news.example/1</link><description>x &amp; y &lt;b&gt;</description></item>"
        b"<item><title><![CDATA[literal &ocirc; in CDATA]]></title>"
        b"<link>https://news.example/2</link></item></channel></rss>"
    )
    feed = parse_feed(body, url=URL)
    assert feed.title == "Café"
    assert [e.title for e in feed.entries] == [
        "Kim – Putin … «summit»",
        "literal ô in CDATA",  # an RSS title is HTML: its CDATA is decoded as HTML too
    ]
    assert feed.warning is None


def test_entity_replacement_leaves_xml_and_unknown_names_alone() -> None:
    text = "&amp;&lt;&gt;&quot;&apos; &ocirc; &notanentity; <![CDATA[&ocirc;]]>"
    assert html_entities_as_numbers(text) == (
        "&amp;&lt;&gt;&quot;&apos; &#xF4; &notanentity; <![CDATA[&ocirc;]]>"
    )


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("feedparser__utf-32le.xml", "utf-32-le"),
        ("feedparser__utf-32be.xml", "utf-32-be"),
        ("feedparser__utf-32le-autodetect.xml", "utf-32-le"),
        ("feedparser__utf-32be-autodetect.xml", "utf-32-be"),
    ],
)
def test_utf32_without_a_bom_is_detected(name: str, encoding: str) -> None:
    feed = parsed(name)
    assert feed.encoding == encoding
    assert feed.version == "rss"


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be"])
def test_utf32_without_a_bom_keeps_every_script(codec: str) -> None:
    doc = (
        '<?xml version="1.0" encoding="utf-32"?><rss version="2.0"><channel><title>ТАСС</title>'
        "<item><title>김정은 — Путин</title><link>https://news.example/1</link></item>"
        "</channel></rss>"
    )
    body = doc.encode(codec)
    assert not body.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"))  # no BOM
    assert decode_xml(body)[:2] == (doc, codec)
    feed = parse_feed(body, url=URL)
    assert (feed.title, feed.entries[0].title) == ("ТАСС", "김정은 — Путин")


def test_an_rss_with_an_xhtml_doctype_is_a_feed() -> None:
    feed = parsed("feedparser__always_strip_doctype.xml")
    assert feed.title == "found"
    assert feed.version == "rss"


def test_an_html_page_with_the_same_doctype_is_still_refused() -> None:
    page = (
        b'<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<!-- c -->\n'
        b"<html><head><title>Home</title></head><body/></html>"
    )
    with pytest.raises(Exception, match="HTML page"):
        parse_feed(page, url=URL)


@pytest.mark.parametrize(
    "name", ["feedparser__xml_unclosed_comment.xml", "feedparser__xml_malicious_comment.xml"]
)
def test_comments_left_open_do_not_leak_into_titles(name: str) -> None:
    assert parsed(name).title == "safe"


def test_strip_comments() -> None:
    assert strip_comments("a<!-- x -->b<!-- y") == "ab"
    assert strip_comments("a<!-- x > b") == "a b"
    assert strip_comments("no comment") == "no comment"


@pytest.mark.parametrize(
    "title",
    [
        "Kim meets Putin\r\nBcc: victim@example.com",
        "Kim meets Putin&#13;&#10;Bcc: victim@example.com",
        "Kim meets Putin\u2028Bcc: victim@example.com",
        "Kim meets Putin\u2029Bcc: victim@example.com",
        "Kim meets Putin\rBcc: victim@example.com",
    ],
)
def test_line_breaks_in_titles_collapse_to_one_line(title: str) -> None:
    body = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
        f"<item><title>{title}</title><link>https://news.example/1</link></item>"
        "</channel></rss>"
    ).encode()
    (entry,) = parse_feed(body, url=URL).entries
    assert entry.title == "Kim meets Putin Bcc: victim@example.com"
    assert not any(ch in entry.title for ch in "\r\n\x85\u2028\u2029\x0b\x0c")
