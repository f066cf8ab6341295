"""Fuzzing with Hypothesis: the feed parser, the page extractor and URL canonicalisation never
crash; a bad feed is a `FeedParseError` (an item failure, stored as data), a bad page an article
with a status, and every URL gets one stable canonical form.

Inputs: arbitrary bytes; real fixture feeds with bytes flipped, cut, or hostile pieces spliced in
(entities, DOCTYPEs, comments, NULs, other encodings); HTML fragments; arbitrary text as URLs.
Bounded (`max_examples`) so the suite stays quick in CI; the seed is Hypothesis's own database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.article.extraction import extract_article
from extract.errors import FeedParseError
from extract.feeds.parse import parse_feed
from extract.models import ExtractionStatus
from extract.urls import canonicalize_url, entry_keys, repair_link

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FEEDS = sorted((FIXTURES / "feeds" / "edge").glob("*.xml"))[:12] + sorted(
    (FIXTURES / "parsing").glob("*.xml")
)
SEEDS = [p.read_bytes() for p in FEEDS]
NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)
URL = "https://feeds.example/rss"

HOSTILE = [
    b"&ocirc;",
    b"&nbsp;",
    b"&#0;",
    b"&#xD800;",
    b"&undefined;",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b'<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">]>',
    b"<!DOCTYPE html>",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\r\n",
    b"<script>alert(1)</script>",
    b"<link>http:\\\\evil.example\\x</link>",
    b"<title>",
    b"</item>",
    "Пхеньян".encode("cp1251"),
    "평양".encode("euc-kr"),
]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_feed(body: bytes) -> None:
    try:
        feed = parse_feed(body, url=URL, now=NOW)
    except FeedParseError:
        return  # an item failure: the poll records it for this feed and goes on
    for entry in feed.entries:
        assert entry.entry_key and entry.entry_key in entry.identities
        assert entry.title is None or ("\n" not in entry.title and "\r" not in entry.title)
        if entry.canonical_url:
            assert canonicalize_url(entry.canonical_url) == entry.canonical_url
        if entry.published_at is not None:
            assert entry.published_at.tzinfo is not None


@FUZZ
@given(st.binary(max_size=2048))
def test_the_feed_parser_survives_any_bytes(body: bytes) -> None:
    check_feed(body)


@st.composite
def mutated_feeds(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "splice", "delete"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at:]
        elif kind == "splice":
            data[at:at] = draw(st.sampled_from(HOSTILE))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


@FUZZ
@given(mutated_feeds())
def test_the_feed_parser_survives_mutated_real_feeds(body: bytes) -> None:
    check_feed(body)


_html_bits = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div>",
        "<article>",
        "<h1>Kim Jong Un meets Putin</h1>",
        "<script>x()</script>",
        "<!--",
        "&nbsp;",
        "&#0;",
        "\x00",
        "<meta charset='koi8-r'>",
        "<title>T</title>",
        "Пхеньян и Москва подписали договор. ",
        "북한과 러시아가 조약을 맺었다. ",
        "<time datetime='2999-01-01'>",
        "<time datetime='2024-06-19'>",
        "<html>",
        "</body>",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_html_bits, st.text(max_size=40)), max_size=40), st.booleans())
def test_the_page_extractor_never_raises(parts: list[str], as_bytes: bool) -> None:
    html = "".join(parts)
    page: bytes | str = html.encode("utf-8", "surrogatepass") if as_bytes else html
    article = extract_article(page, url="https://news.example/a/1", now=NOW)
    assert isinstance(article.status, ExtractionStatus)
    assert article.published_at is None or article.published_at <= NOW


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120), st.text(max_size=20))
def test_url_identity_is_total_and_stable(text: str, title: str) -> None:
    canonical = canonicalize_url(text)
    assert canonicalize_url(canonical) == canonical
    repaired = repair_link(text)
    assert repaired is None or repair_link(repaired) == repaired
    keys = entry_keys(None, canonical or None, title, NOW, feed_url=URL)
    assert len(keys) == len(set(keys))
