"""Article extraction on real pages (tests/fixtures/pages, provenance in its PROVENANCE.md) and on
hostile input: metadata against the fixtures' ground truth, decoding of legacy encodings, the
date rules, paywall and feed fallbacks, and failures that must come back as values."""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.extraction import page_counts
from extract.article.clean import clean_text, tidy_text
from extract.article.encoding import decode_html
from extract.article.extraction import (
    DEFAULT,
    ExtractionSettings,
    article_from_feed,
    extract_article,
)
from extract.models import ExtractedArticle, ExtractionStatus, FeedEntry

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def page_bytes(relative: str) -> bytes:
    data = (PAGES / relative).read_bytes()
    return gzip.decompress(data) if relative.endswith(".gz") else data


def tokens(text: str | None) -> list[str]:
    return re.findall(r"\w+", (text or "").casefold())


def overlap(expected: str, got: str | None) -> tuple[float, float]:
    """Precision and recall of `got` against `expected` (the Zyte benchmark's shingle metric)."""
    tp, fp, fn = page_counts(expected, got)
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def make_entry(**changes: Any) -> FeedEntry:
    base = FeedEntry(
        feed_url="https://news.example.org/rss",
        entry_key="guid:1",
        guid="1",
        url="https://news.example.org/2026/11/story",
        canonical_url="https://news.example.org/2026/11/story",
        title="Feed title",
        summary=None,
        content=None,
        author="Feed Author",
        published_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        source="Example News",
        language="en",
    )
    return replace(base, **changes)


def html_page(body: str, *, head: str = "", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>Test page</title>{head}</head><body>{body}</body></html>"
    )


ARTICLE_PARAGRAPHS = [
    "Russia and North Korea signed an agreement on Tuesday to expand rail freight across the "
    "Tumen River bridge, officials in Vladivostok said, the latest step in ties that have grown "
    "closer since the two countries concluded a mutual defence treaty.",
    "Under the deal, the Khasan-Rajin line will carry up to four million tonnes of cargo a year, "
    "including coal, fertiliser and foodstuffs, according to the regional transport ministry.",
    "Analysts in Seoul said the agreement was largely symbolic, because sanctions still restrict "
    "most trade, but it signalled that both governments intend to keep building economic links.",
    "A delegation from Pyongyang is expected to visit the Primorye region next month to discuss "
    "payments in roubles and a possible resumption of tourist traffic across the border.",
]


# ---------------------------------------------------------------------------------------------
# real pages with ground truth (fundus expected records: title, authors, date, body)

FUNDUS_PAGES = [
    # page, expected record, version, url, crawl time, language
    (
        "on-topic/LeFigaro_2024_11_22.html.gz",
        "on-topic/LeFigaro.json",
        "V1",
        "https://www.lefigaro.fr/international/guerre-en-ukraine-deux-morts-dans-des-frappes-russes-dans-le-nord-est-du-pays-20241122",
        "2024-11-22 09:58:05",
        "fr",
    ),
    (
        "russia-only/Kommersant_2025_05_14.html.gz",
        "russia-only/Kommersant.json",
        "V1",
        "https://www.kommersant.ru/doc/7715044",
        "2025-05-14 23:36:25",
        "ru",
    ),
    (
        "russia-only/ZDF_2025_11_07.html.gz",
        "russia-only/ZDF.json",
        "V1_1",
        "https://www.zdfheute.de/politik/ausland/putin-warnung-dekolonisierung-russland-100.html",
        "2025-11-07 00:28:51",
        "de",
    ),
    (
        "nk-only/Dagbladet_2026_01_06.html.gz",
        "nk-only/Dagbladet.json",
        "V1_1",
        "https://www.dagbladet.no/nyheter/angsten-vil-oke/84057530",
        "2026-01-06 17:48:23",
        "no",
    ),
    (
        "off-topic/HankookIlbo_2025_05_15.html.gz",
        "off-topic/HankookIlbo.json",
        "V1",
        "https://www.hankookilbo.com/News/Read/A2025051516330004328",
        "2025-05-15 14:50:24",
        "ko",
    ),
]


@pytest.mark.parametrize(
    ("page", "expected_file", "version", "url", "crawled", "language"),
    FUNDUS_PAGES,
    ids=[p[0].split("/")[1].split("_")[0] for p in FUNDUS_PAGES],
)
def test_metadata_and_text_match_fundus_ground_truth(
    page: str, expected_file: str, version: str, url: str, crawled: str, language: str
) -> None:
    expected = json.loads((PAGES / expected_file).read_text(encoding="utf-8"))[version]
    now = datetime.fromisoformat(crawled).replace(tzinfo=UTC) + timedelta(hours=1)

    article = extract_article(page_bytes(page), url=url, now=now)

    assert article.status is ExtractionStatus.OK, article.reason
    assert tokens(article.title) == tokens(expected["title"])
    published = datetime.fromisoformat(expected["publishing_date"])
    assert article.published_at is not None
    assert article.published_at.date() in {published.date(), published.astimezone(UTC).date()}
    assert article.language == language
    for author in json_list(expected["authors"]):
        assert author in (article.author or "")
    precision, recall = overlap("\n".join(strings_in(expected["body"])), article.text)
    assert precision >= 0.8 and recall >= 0.9, (precision, recall)


def json_list(value: Any) -> list[str]:
    """fundus stores some lists as their Python repr ("['A', 'B']")."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return re.findall(r"'([^']+)'", str(value))


def test_yonhap_page_matches_newspaper4k_ground_truth() -> None:
    expected = json.loads((PAGES / "nk-only/yna_co_kr.json").read_text(encoding="utf-8"))
    expected_text = (PAGES / "nk-only/yna_co_kr.txt").read_text(encoding="utf-8")

    article = extract_article(
        page_bytes("nk-only/yna_co_kr.html"),
        url=expected["url"],
        now=datetime(2019, 8, 21, tzinfo=UTC),
    )

    assert article.status is ExtractionStatus.OK
    assert article.title == expected["title"]
    assert article.published_at is not None
    assert article.published_at.date().isoformat() == expected["publish_date"][:10]
    assert article.language == "en"
    precision, recall = overlap(expected_text, article.text)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


def test_korean_page_gives_its_korean_text() -> None:
    expected = json.loads((PAGES / "off-topic/test_donga_korean.json").read_text(encoding="utf-8"))

    article = extract_article(
        page_bytes("off-topic/test_donga_korean.html"),
        url=expected["url"],
        now=datetime(2013, 10, 25, tzinfo=UTC),
    )

    assert article.status is ExtractionStatus.OK
    assert expected["expected"]["cleaned_text"][:80] in (article.text or "")
    assert article.language == "ko"
    assert article.title is not None and "시험인증" in article.title


# ---------------------------------------------------------------------------------------------
# decoding


def reencoded(relative: str, encoding: str, meta: str | None, replace_meta: str) -> bytes:
    """A real UTF-8 fixture page served in a legacy encoding: its meta charset replaced by `meta`
    (or removed), then encoded; characters the encoding lacks become character references, as
    servers do."""
    html = page_bytes(relative).decode("utf-8")
    assert replace_meta in html
    html = html.replace(replace_meta, meta or "", 1)
    return html.encode(encoding, errors="xmlcharrefreplace")


def test_gb2312_page_decodes_to_chinese() -> None:
    # people.com.cn serves this page as GB2312 and says so in its meta tag, kept as it is
    body = reencoded(
        "encoding-edge/People_2024_04_24.html.gz",
        "gb2312",
        meta='content="text/html;charset=GB2312"',
        replace_meta='content="text/html;charset=GB2312"',
    )
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")

    text, encoding = decode_html(body)
    article = extract_article(
        body,
        url="http://politics.people.com.cn/n1/2024/0424/c1001-40223222.html",
        now=datetime(2024, 4, 25, tzinfo=UTC),
    )

    assert encoding == "gb18030"  # the superset browsers use for the gb2312 label
    assert "人民网" in text
    assert article.status is ExtractionStatus.OK
    assert article.title is not None and article.title.startswith("促进航天技术更好惠及人民")
    assert "习近平" in (article.text or "")
    assert article.language == "zh"
    assert "\ufffd" not in article.title


def test_euc_kr_page_decodes_to_korean() -> None:
    body = reencoded(
        "off-topic/HankookIlbo_2025_05_15.html.gz",
        "euc-kr",
        meta='<meta charset="euc-kr">',
        replace_meta='<meta charset="UTF-8">',
    )

    article = extract_article(
        body,
        url="https://www.hankookilbo.com/News/Read/A2025051516330004328",
        now=datetime(2025, 5, 16, tzinfo=UTC),
    )

    assert decode_html(body)[1] == "cp949"
    assert article.title is not None and "이재명" in article.title
    assert "이재명" in (article.text or "")
    assert article.language == "ko"


@pytest.mark.parametrize(
    "content_type",
    ["text/html; charset=windows-1251", None],
    ids=["charset-in-http-header", "no-declaration-at-all"],
)
def test_windows_1251_page_decodes_to_cyrillic(content_type: str | None) -> None:
    body = reencoded(
        "russia-only/Kommersant_2025_05_14.html.gz",
        "cp1251",
        meta=None,
        replace_meta='<meta charset="utf-8" />',
    )

    article = extract_article(
        body,
        url="https://www.kommersant.ru/doc/7715044",
        now=datetime(2025, 5, 15, tzinfo=UTC),
        content_type=content_type,
    )

    assert article.title == "Легкий троннинг"
    assert "Путин" in (article.text or "")
    assert article.language == "ru"


def test_utf8_bytes_win_over_a_wrong_declaration() -> None:
    body = html_page("<p>Zürich – café crème, Пхеньян</p>").replace("utf-8", "iso-8859-1").encode()

    text, encoding = decode_html(body, "text/html; charset=ISO-8859-1")

    assert encoding == "utf-8"
    assert "Zürich – café crème, Пхеньян" in text


def test_declared_legacy_charset_is_used_when_bytes_are_not_utf8() -> None:
    body = html_page("<p>Zürich café</p>").replace("utf-8", "iso-8859-1").encode("latin-1")

    text, encoding = decode_html(body)

    assert encoding == "cp1252"
    assert "Zürich café" in text


def test_byte_order_mark_decides() -> None:
    body = "\ufeff" + html_page("<p>Пхеньян и Москва</p>")

    text, encoding = decode_html(body.encode("utf-16-le"))

    assert encoding == "utf-16-le"
    assert "Пхеньян и Москва" in text


def test_a_multibyte_character_cut_at_the_end_does_not_spoil_decoding() -> None:
    body = html_page("<p>Пхеньян</p>").encode()[:-20] + "Москва".encode()[:-1]

    text, encoding = decode_html(body)

    assert encoding == "utf-8"
    assert text.endswith("ПхеньяМоскв")


# ---------------------------------------------------------------------------------------------
# dates


def dated_page(published: str) -> str:
    return html_page(
        "<article><h1>Rail deal</h1>"
        + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
        + "</article>",
        head=f'<meta property="article:published_time" content="{published}">'
        f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Rail deal",'
        f' "datePublished": "{published}"}}</script>',
    )


def test_a_publication_date_in_the_future_is_refused() -> None:
    future = (NOW + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    entry = make_entry(published_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))

    with_feed = extract_article(
        dated_page(future), url="https://example.org/a", entry=entry, now=NOW
    )
    alone = extract_article(dated_page(future), url="https://example.org/a", now=NOW)

    assert with_feed.published_at == entry.published_at
    assert alone.published_at is None or alone.published_at <= NOW


def test_page_date_is_used_and_the_feed_gives_it_a_time_of_day() -> None:
    page = dated_page("2026-11-20T08:30:00+00:00")
    same_day = make_entry(published_at=datetime(2026, 11, 20, 8, 31, tzinfo=UTC))
    later_feed = make_entry(published_at=datetime(2026, 11, 22, 7, 0, tzinfo=UTC))

    precise = extract_article(page, url="https://example.org/a", entry=same_day, now=NOW)
    original = extract_article(page, url="https://example.org/a", entry=later_feed, now=NOW)

    assert precise.published_at == same_day.published_at
    assert original.published_at == datetime(2026, 11, 20, tzinfo=UTC)


def test_feed_date_is_the_fallback_when_the_page_has_none() -> None:
    page = html_page(
        "<article>" + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS) + "</article>"
    )
    entry = make_entry()

    article = extract_article(page, url="https://example.org/undated", entry=entry, now=NOW)

    assert article.published_at == entry.published_at


# ---------------------------------------------------------------------------------------------
# paywalls and feed fallbacks

NK_PRO_STUB = html_page(
    """
    <header><nav><a href="/">NK News</a> <a href="/pro/">NK Pro</a></nav></header>
    <article class="post">
      <h1>Russia and North Korea expand rail freight across Tumen River bridge</h1>
      <div class="post-content">
        <p>Russia and North Korea agreed on Tuesday to expand rail freight across the Tumen
        River bridge, officials in Vladivostok said.</p>
      </div>
      <div class="c-paywall nk-pro-paywall">
        <h3>This article is available only to NK Pro members</h3>
        <p>Subscribe to NK Pro to read the full article and get access to the North Korea
        Leadership Tracker, the Ship Tracker and KCNA Watch.</p>
        <a class="btn" href="/pro/subscribe/">Subscribe now</a>
        <p>Already a subscriber? <a href="/login/">Log in</a></p>
      </div>
    </article>
    """,
    head='<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
    '"NewsArticle", "headline": "Russia and North Korea expand rail freight", '
    '"isAccessibleForFree": "False", "hasPart": {"@type": "WebPageElement", '
    '"isAccessibleForFree": "False", "cssSelector": ".c-paywall"}}</script>',
)
FEED_SUMMARY = (
    "Russia and North Korea agreed on Tuesday to expand rail freight across the Tumen River "
    "bridge, officials in Vladivostok said, in the latest sign of deepening economic ties. The "
    "Khasan-Rajin line will carry coal, fertiliser and foodstuffs, and a delegation from "
    "Pyongyang is expected in Primorye next month to discuss payments in roubles."
)


def test_paywall_stub_falls_back_to_the_feed_summary() -> None:
    entry = make_entry(summary=FEED_SUMMARY)

    article = extract_article(NK_PRO_STUB, url=entry.url or "", entry=entry, now=NOW)

    assert article.status is ExtractionStatus.PAYWALL
    assert article.text == FEED_SUMMARY
    assert article.reason is not None
    assert "isAccessibleForFree" in article.reason and "summary" in article.reason
    assert article.title == "Russia and North Korea expand rail freight"


def test_paywall_stub_without_a_feed_keeps_the_teaser_without_the_sales_pitch() -> None:
    article = extract_article(NK_PRO_STUB, url="https://example.org/pro", now=NOW)

    assert article.status is ExtractionStatus.PAYWALL
    assert "Tumen" in (article.text or "")
    assert "Subscribe" not in (article.text or "")


def metered_page(paragraphs: list[str]) -> str:
    """A page of a metered site: paywall class names and a log-in box on every article."""
    return html_page(
        "<article><h1>Rail deal</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>"
        '<div class="paywall-before-login"><p>Already a subscriber? Log in</p></div>'
    )


def test_short_page_of_a_metered_site_is_a_teaser_when_the_feed_says_more() -> None:
    entry = make_entry(summary=FEED_SUMMARY)

    article = extract_article(
        metered_page(ARTICLE_PARAGRAPHS[:1]), url="https://example.org/m", entry=entry, now=NOW
    )

    assert article.status is ExtractionStatus.PAYWALL
    assert article.text == FEED_SUMMARY


def test_short_free_article_on_a_metered_site_is_not_a_paywall() -> None:
    entry = make_entry(summary=ARTICLE_PARAGRAPHS[0][:120])

    article = extract_article(
        metered_page(ARTICLE_PARAGRAPHS[:2]), url="https://example.org/m", entry=entry, now=NOW
    )

    assert article.status is ExtractionStatus.OK
    assert article.text is not None and "Khasan-Rajin" in article.text


def test_full_feed_content_wins_over_a_stub_page() -> None:
    content = "\n\n".join(ARTICLE_PARAGRAPHS * 2)
    entry = make_entry(summary=ARTICLE_PARAGRAPHS[0], content=content)
    stub = html_page("<p>Please enable JavaScript to view this page.</p>")

    article = extract_article(stub, url=entry.url or "", entry=entry, now=NOW)

    assert article.status is ExtractionStatus.FEED_CONTENT
    assert article.text == content
    assert article.reason is not None and "full text" in article.reason


def test_too_little_page_text_falls_back_to_the_feed_summary() -> None:
    entry = make_entry(summary=FEED_SUMMARY)
    stub = html_page("<main><p>Page not found. Try the search.</p></main>")

    article = extract_article(stub, url=entry.url or "", entry=entry, now=NOW)

    assert article.status is ExtractionStatus.FEED_SUMMARY
    assert article.text == FEED_SUMMARY
    assert article.reason is not None and "characters" in article.reason


def test_too_little_page_text_and_no_feed_is_a_failure_with_a_reason() -> None:
    stub = html_page("<main><p>Page not found. Try the search.</p></main>")

    article = extract_article(stub, url="https://example.org/404", now=NOW)

    assert article.status is ExtractionStatus.EXTRACT_FAILED
    assert article.reason


def test_article_from_feed_keeps_the_feed_text() -> None:
    entry = make_entry(summary="Short summary.", content="Longer content " * 30)

    failed = article_from_feed(entry, ExtractionStatus.FETCH_FAILED, "HTTP 503")
    summary_only = article_from_feed(
        replace(entry, content=None), ExtractionStatus.NOT_FETCHED, "aggregator link"
    )

    assert failed.status is ExtractionStatus.FETCH_FAILED and failed.reason == "HTTP 503"
    assert entry.content is not None and failed.text == entry.content.strip()
    assert failed.title == entry.title and failed.published_at == entry.published_at
    assert failed.canonical_url == entry.canonical_url
    assert summary_only.text == "Short summary."
    assert summary_only.status is ExtractionStatus.NOT_FETCHED


def test_canonical_url_comes_from_the_feed_entry() -> None:
    entry = make_entry(canonical_url="https://news.example.org/story")
    page = html_page(
        "<article>" + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS) + "</article>"
    )

    with_entry = extract_article(
        page, url="https://news.example.org/story?utm_source=rss", entry=entry, now=NOW
    )
    without = extract_article(page, url="https://news.example.org/story?x=1", now=NOW)

    assert with_entry.canonical_url == "https://news.example.org/story"
    assert with_entry.url == "https://news.example.org/story?utm_source=rss"
    assert without.canonical_url == "https://news.example.org/story?x=1"


# ---------------------------------------------------------------------------------------------
# hostile input: failures are values


GARBAGE = {
    "empty": b"",
    "whitespace": b"   \n\t  ",
    "random bytes": random.Random(0).randbytes(50_000),
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n" * 50,
    "png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20,
    "nul bytes": b"\x00" * 10_000,
    "broken gzip": b"\x1f\x8b\x08\x00" + b"not really gzip" * 10,
    "tags only": b"<<<<>>>><<</>>" * 1000,
}


@pytest.mark.parametrize("body", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_is_an_extraction_failure_with_a_reason(body: bytes) -> None:
    article = extract_article(body, url="https://example.org/x", now=NOW)

    assert article.status is ExtractionStatus.EXTRACT_FAILED
    assert article.reason
    assert not article.text or len(article.text) < DEFAULT.min_text_chars


def test_garbage_with_a_feed_summary_keeps_the_summary_and_says_why() -> None:
    entry = make_entry(summary=FEED_SUMMARY)

    article = extract_article(GARBAGE["pdf"], url="https://example.org/x", entry=entry, now=NOW)

    assert article.status is ExtractionStatus.FEED_SUMMARY
    assert article.text == FEED_SUMMARY
    assert article.reason is not None and "PDF" in article.reason


def test_non_html_content_type_is_refused_without_parsing() -> None:
    article = extract_article(
        b"\xff\xd8\xff\xe0 JFIF",
        url="https://example.org/p.jpg",
        now=NOW,
        content_type="image/jpeg",
    )

    assert article.status is ExtractionStatus.EXTRACT_FAILED
    assert article.reason is not None and "image/jpeg" in article.reason


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=4000) | st.text(max_size=4000).map(lambda t: f"<html><body>{t}"))
def test_any_input_gives_an_article_never_an_exception(body: bytes | str) -> None:
    article = extract_article(body, url="https://example.org/fuzz", now=NOW)

    assert isinstance(article, ExtractedArticle)
    assert article.status in {ExtractionStatus.OK, ExtractionStatus.EXTRACT_FAILED}
    assert article.status is ExtractionStatus.OK or article.reason


def huge_page(size: int) -> bytes:
    article = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    comment = '<div class="comment"><p>Comment {i}: the weather was fine and the match ended 2-1.</p></div>'
    parts = [html_page(f"<article><h1>Rail deal</h1>{article}</article>")[: -len("</body></html>")]]
    total, i = len(parts[0]), 0
    while total < size:
        parts.append(comment.format(i=i))
        total += len(parts[-1])
        i += 1
    parts.append('<p id="tail">TAIL MARKER after twenty megabytes</p></body></html>')
    return "".join(parts).encode()


def test_a_20_mb_page_is_cut_to_the_cap_and_still_gives_the_article() -> None:
    body = huge_page(20_000_000)
    assert len(body) > 20_000_000

    article = extract_article(body, url="https://example.org/huge", now=NOW)

    # only max_html_bytes (4 MB) reach the parser, so the tail is never seen (no time bound here:
    # a loaded machine broke the 20 s one; speed goals live in bench/)
    assert article.status is ExtractionStatus.OK
    assert "Khasan-Rajin" in (article.text or "")
    assert "TAIL MARKER" not in (article.text or "")


def test_the_cap_bounds_what_the_parser_sees() -> None:
    body = html_page("".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS * 3)).encode()
    cap = body.index(b"Analysts in Seoul")  # the third paragraph starts after the cap

    article = extract_article(
        body,
        url="https://example.org/capped",
        now=NOW,
        settings=ExtractionSettings(max_html_bytes=cap),
    )

    assert "Khasan-Rajin" in (article.text or "")
    assert "Analysts in Seoul" not in (article.text or "")


def test_text_is_cut_at_max_text_chars() -> None:
    body = html_page("".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS * 10))

    article = extract_article(
        body,
        url="https://example.org/long",
        now=NOW,
        settings=ExtractionSettings(max_text_chars=1000),
    )

    assert article.text is not None and 0 < len(article.text) <= 1000


# ---------------------------------------------------------------------------------------------
# small parts


def test_clean_text_drops_title_cross_links_and_trailing_chrome() -> None:
    text = "\n".join(
        [
            "Rail deal signed | Example News",
            ARTICLE_PARAGRAPHS[0],
            "Related: Kim Jong Un visits Vladivostok",
            "More than 100 wagons crossed the bridge in the first week: officials were pleased.",
            "READ MORE: Pyongyang and Moscow sign treaty",
            "Also on example.com North Korea fires missile",
            ARTICLE_PARAGRAPHS[1],
            "Share this article",
            "3 comments",
        ]
    )

    cleaned = clean_text(text, "Rail deal signed - Example News").split("\n")

    assert cleaned == [
        ARTICLE_PARAGRAPHS[0],
        "More than 100 wagons crossed the bridge in the first week: officials were pleased.",
        ARTICLE_PARAGRAPHS[1],
    ]


def test_site_name_is_removed_from_the_title() -> None:
    page = html_page(
        "<article>" + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS) + "</article>",
        head='<meta property="og:site_name" content="Example News">'
        '<meta property="og:title" content="Rail deal signed in Vladivostok | Example News">',
    )

    article = extract_article(page, url="https://www.example-news.org/a", now=NOW)

    assert article.title == "Rail deal signed in Vladivostok"
    assert article.site_name == "Example News"


def test_short_text_takes_the_declared_language() -> None:
    page = html_page("<article><p>Путин и Ким: короткая заметка.</p></article>", lang="ru-RU")
    entry = make_entry(summary="Путин и Ким встретились во Владивостоке. " * 2, language="en")

    article = extract_article(page, url="https://example.org/ru", entry=entry, now=NOW)

    assert article.language == "ru"


def test_settings_refuse_precision_and_recall_together() -> None:
    with pytest.raises(ValueError, match="exclusive"):
        ExtractionSettings(favor_precision=True, favor_recall=True)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (
            "Respected ComradeKim Jong Unto the Soviet people.",
            "Respected Comrade Kim Jong Un to the Soviet people.",
        ),
        ("The talks ended. -0-", "The talks ended."),
        ("First paragraph.\n-0-", "First paragraph."),
        ("Seoul said so. (END)", "Seoul said so."),
        ("회담이 열렸다. (끝)", "회담이 열렸다."),
        (
            "McDonald, iPhone, YouTube and JavaScript stay.",
            "McDonald, iPhone, YouTube and JavaScript stay.",
        ),
        ("Kim Jong Un and Kim Il Sung Square stay.", "Kim Jong Un and Kim Il Sung Square stay."),
    ],
)
def test_text_shown_to_analysts_loses_wire_debris(raw: str, shown: str) -> None:
    assert tidy_text(raw) == shown


def test_summaries_carry_no_wire_markers_or_glued_words() -> None:
    from reports.summary import extractive_summary

    text = (
        "Pyongyang, November 16 (KCNA) -- Respected ComradeKim Jong Unto the Russian delegation "
        "gave a speech at the banquet held in its honour on Saturday evening.\n"
        "He wished the delegation every success in its work for the friendship. -0-"
    )
    summary = " ".join(extractive_summary(text))
    assert "-0-" not in summary and "ComradeKim" not in summary and "Unto" not in summary
    assert "Comrade Kim Jong Un to the Russian delegation" in summary
