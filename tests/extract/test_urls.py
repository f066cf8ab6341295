"""URL canonicalisation, redirect unwrapping and entry identities: examples and properties."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.urls import (
    TRACKING_PARAMS,
    canonicalize_url,
    entry_key,
    entry_keys,
    is_google_news_link,
    is_tracking_param,
    resolve_google_news_link,
    unwrap_redirect,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://Example.COM:443/a/./b/../News?utm_source=rss&id=7#top",
            "https://example.com/a/News?id=7",
        ),
        ("http://example.com", "https://example.com/"),
        ("http://example.com:80/x", "https://example.com/x"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("http://example.com./x?", "https://example.com/x"),
        ("http://example.com/x?utm_source=a&utm_medium=b&fbclid=c", "https://example.com/x"),
        ("http://example.com/x?b=2&a=1&gclid=z", "https://example.com/x?a=1&b=2"),  # sorted
        ("http://example.com/x?UTM_Campaign=a&Ref=b&keep=1", "https://example.com/x?keep=1"),
        (
            "http://example.com/%7euser/%2f%41?q=%e2%82%ac",
            "https://example.com/~user/%2FA?q=%E2%82%AC",
        ),
        ("http://example.com/Case/Kept.HTML", "https://example.com/Case/Kept.HTML"),
        ("http://example.com/a b/é", "https://example.com/a%20b/%C3%A9"),
        ("  http://example.com/x\n", "https://example.com/x"),
        ("http://[::1]:80/", "https://[::1]/"),
        (
            "https://www.bbc.co.uk/news/world-asia-1?at_medium=RSS&at_campaign=KARANGA",
            "https://bbc.co.uk/news/world-asia-1",
        ),
        (
            "https://www.lemonde.fr/article.html?xtor=RSS-3208",
            "https://lemonde.fr/article.html",
        ),
        (
            "https://www.theguardian.com/world/x?CMP=share_btn_tw",
            "https://theguardian.com/world/x",
        ),
        # one identity whatever the transport, the www. and the way the link was mangled
        ("http://www.example.com/x", "https://example.com/x"),
        ("https://www.example.com:8443/x", "https://example.com:8443/x"),
        ("https://www2.example.com/x", "https://www2.example.com/x"),
        ("https://www.com/x", "https://www.com/x"),
        ("http:/example.com/x", "https://example.com/x"),
        ("http:\\\\example.com\\x", "https://example.com/x"),
        ("http://http://example.com/x", "https://example.com/x"),
        ("https:example.com/x", "https://example.com/x"),
        ("https://example.com//a///b", "https://example.com/a/b"),
        ("https://example.com/x?a=1&amp;b=2", "https://example.com/x?a=1&b=2"),
        ("https://example.com/x?q=a+b", "https://example.com/x?q=a%20b"),
        ("https://example.com/x?b=1&a=2&b=0", "https://example.com/x?a=2&b=1&b=0"),
        ("https://MÜNCHEN.de/x", "https://xn--mnchen-3ya.de/x"),
        ("https://xn--Mnchen-3ya.de/x", "https://xn--mnchen-3ya.de/x"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("ftp://www.example.com/x", "ftp://www.example.com/x"),
    ],
)
def test_canonicalize_examples(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.google.com/url?rct=j&sa=t&url=https://investorplace.com/2019/07/slack/"
            "&ct=ga&cd=CAIyHGU4ZTJk&usg=AOvVaw1",
            "https://investorplace.com/2019/07/slack/",
        ),
        (
            "https://www.google.com/url?q=https%3A%2F%2Fsite.example%2Fa%3Fb%3D1&sa=D",
            "https://site.example/a?b=1",
        ),
        (
            "https://news.google.com/news/url?sa=t&url=http://www.yna.co.kr/x",
            "http://www.yna.co.kr/x",
        ),
        ("https://www.google.co.uk/url?url=https://bbc.co.uk/n", "https://bbc.co.uk/n"),
        (
            "https://www.google.com/search?q=https://x.example",
            "https://www.google.com/search?q=https://x.example",
        ),
        (
            "https://www.google.com/url?url=javascript:alert(1)",
            "https://www.google.com/url?url=javascript:alert(1)",
        ),
        (
            "https://example.com/url?url=https://x.example",
            "https://example.com/url?url=https://x.example",
        ),
    ],
)
def test_unwrap_redirect(url: str, expected: str) -> None:
    assert unwrap_redirect(url) == expected


def _google_news_id(target: str) -> str:
    raw = target.encode()
    payload = b"\x08\x13\x22" + bytes([len(raw)]) + raw + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def test_google_news_links() -> None:
    target = "https://www.yna.co.kr/view/AEN20241119000351315"
    link = f"https://news.google.com/rss/articles/{_google_news_id(target)}?oc=5"
    assert is_google_news_link(link)
    assert not is_google_news_link(target)
    assert resolve_google_news_link(link) == target
    opaque = "https://news.google.com/rss/articles/CBMiAU_yqLNhVfXc0Z2x5WkZtd3J3?oc=5"
    assert resolve_google_news_link(opaque) is None
    assert resolve_google_news_link("https://news.google.com/topics/abc") is None


# --- identities ----------------------------------------------------------------------------------

FEED = "https://example.com/feed.xml"
WHEN = datetime(2024, 11, 20, 8, 30, tzinfo=UTC)


def test_guid_that_is_the_link_keys_as_the_canonical_url() -> None:
    link = "https://example.com/story?id=1&utm_source=rss"
    as_guid = entry_keys(link, canonicalize_url(link), "Story", WHEN, feed_url=FEED)
    without_guid = entry_keys(None, canonicalize_url(link), "Story", WHEN, feed_url=FEED)
    assert as_guid[0] == without_guid[0] == "url:https://example.com/story?id=1"
    assert as_guid == without_guid


def test_a_feed_that_changes_guids_still_shares_an_identity() -> None:
    url = canonicalize_url("https://example.com/story")
    before = entry_keys("tag:example.com,2024:1", url, "Story", WHEN, feed_url=FEED)
    after = entry_keys("tag:example.com,2024:1-v2", url, "Story (updated)", WHEN, feed_url=FEED)
    assert before[0] != after[0]
    assert set(before) & set(after) == {"url:https://example.com/story"}


def test_plain_guids_are_scoped_to_their_feed_but_links_are_not() -> None:
    url = "https://example.com/story"
    one = entry_keys("12345", url, None, None, feed_url="https://a.example/rss")
    two = entry_keys("12345", url, None, None, feed_url="https://b.example/rss")
    assert one[0] != two[0]
    assert one[1] == two[1] == "url:https://example.com/story"


def test_title_and_date_identity() -> None:
    keys = entry_keys(None, None, "  North Korea  sends troops ", WHEN, feed_url=FEED)
    same = entry_keys(
        None,
        None,
        "north korea sends troops",
        WHEN.astimezone(timezone(timedelta(hours=9))),
        feed_url=FEED,
    )
    later = entry_keys(
        None, None, "North Korea sends troops", WHEN + timedelta(days=1), feed_url=FEED
    )
    assert keys == same
    assert keys != later
    assert keys[0].startswith("title:")


def test_undated_titles_only_key_when_nothing_else_does() -> None:
    with_link = entry_keys(None, "https://example.com/a", "Morning briefing", None, feed_url=FEED)
    assert with_link == ["url:https://example.com/a"]
    alone = entry_keys(None, None, "Morning briefing", None, feed_url=FEED)
    assert len(alone) == 1 and alone[0].startswith("title:")
    text_only = entry_keys(None, None, None, None, feed_url=FEED, text="Just a description")
    assert len(text_only) == 1 and text_only[0].startswith("text:")
    assert entry_keys(None, None, None, None, feed_url=FEED) == []
    assert entry_key(None, None, None, None) is None
    assert entry_key("g", None, None, None, feed_url=FEED) == f"guid:g @ {FEED}"


# --- properties ----------------------------------------------------------------------------------

_segment = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#"), max_size=8)
_keys = st.sampled_from(
    [*sorted(TRACKING_PARAMS), "utm_source", "UTM_Medium", "utm_x", "id", "page", "q", "Sort"]
)
_params = st.lists(st.tuples(_keys, st.text(alphabet="abc123 %&=é+", max_size=6)), max_size=6)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    host = draw(st.from_regex(r"[A-Za-z0-9]{1,8}(\.[A-Za-z0-9]{1,8}){0,3}\.?", fullmatch=True))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080", ":"]))
    path = "/".join(draw(st.lists(_segment, max_size=4)))
    query = "&".join(f"{k}={v}" for k, v in draw(_params))
    fragment = draw(st.sampled_from(["", "#", "#top", "#a?b=c"]))
    return f"{scheme}://{host}{port}/{path}" + (f"?{query}" if query else "") + fragment


@given(st.text())
def test_canonicalize_never_raises_and_is_idempotent_on_any_text(text: str) -> None:
    once = canonicalize_url(text)
    assert canonicalize_url(once) == once
    assert "#" not in once


@given(urls())
def test_canonicalize_urls_idempotent_without_fragment_or_tracking(url: str) -> None:
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once
    assert "#" not in once
    parts = urlsplit(once)
    assert parts.scheme in ("http", "https")
    assert parts.hostname == parts.hostname.lower() if parts.hostname else True
    assert not once.endswith("?")
    for key, _value in parse_qsl(parts.query, keep_blank_values=True):
        assert not is_tracking_param(key)


@given(
    st.lists(st.tuples(_keys, st.text(alphabet="abc123é+%-", max_size=6)), max_size=8),
    st.sampled_from(["", "#frag"]),
)
def test_canonicalize_keeps_every_other_parameter_sorted_by_name(
    params: list[tuple[str, str]], fragment: str
) -> None:
    url = "https://example.com/p?" + "&".join(f"{k}={v}" for k, v in params) + fragment
    result = urlsplit(canonicalize_url(url)).query
    kept = sorted((key for key, _ in params if not is_tracking_param(key)))
    assert [piece.split("=", 1)[0] for piece in result.split("&") if piece] == kept


@given(
    guid=st.one_of(st.none(), st.text(max_size=20)),
    url=st.one_of(st.none(), urls()),
    title=st.one_of(st.none(), st.text(max_size=30)),
    when=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
)
def test_entry_keys_are_stable_and_unique(
    guid: str | None, url: str | None, title: str | None, when: datetime | None
) -> None:
    canonical = canonicalize_url(url) if url else None
    keys = entry_keys(guid, canonical, title, when, feed_url=FEED)
    assert keys == entry_keys(guid, canonical, title, when, feed_url=FEED)
    assert len(keys) == len(set(keys))
    if canonical:
        assert "url:" + canonical in keys
