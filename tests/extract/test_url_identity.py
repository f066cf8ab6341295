"""URL identity on other projects' test cases, malformed links, and Hypothesis round trips.

The variants (tests/fixtures/urls/variants.toml, provenance in its README) are parsed as RSS
links through `bench.urls`, the way a poll parses them; every one must get its group's canonical
URL, and different articles must stay apart.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.urls import canonical_through_feed, measure
from extract.feeds.parse import parse_feed
from extract.urls import TRACKING_PARAMS, canonicalize_url, repair_link


def test_every_variant_of_other_projects_tests_gets_one_identity() -> None:
    result = measure()
    assert result.variants >= 100
    assert result.misses == []
    assert result.merged == result.variants
    assert result.false_merges == []
    assert result.kept_apart == result.distinct


@pytest.mark.parametrize(
    "link",
    [
        "http:/news.example/a/1",
        "http:\\\\news.example\\a\\1",
        "http://http://news.example/a/1",
        "https:news.example/a/1",
        "HTTP:///news.example/a/1",
    ],
)
def test_malformed_links_are_repaired_never_put_on_the_feeds_host(link: str) -> None:
    (canonical,) = canonical_through_feed([link])
    assert canonical == "https://news.example/a/1"


@pytest.mark.parametrize("link", ["http://", "https:///", "https://exa mple.com/x", "http://a|b/"])
def test_links_without_a_usable_host_are_refused(link: str) -> None:
    assert repair_link(link) is None
    body = (
        "<rss version='2.0'><channel><title>t</title><item><title>kept by its title</title>"
        f"<guid isPermaLink='false'>g1</guid><link>{link}</link></item></channel></rss>"
    ).encode()
    (entry,) = parse_feed(body, url="https://feeds.example/rss").entries
    assert entry.url is None and not entry.fetchable  # the entry stays, nothing is fetched
    assert entry.guid == "g1"


def test_relative_links_still_resolve_against_the_feed() -> None:
    (canonical,) = canonical_through_feed(["/world/1?utm_source=rss"])
    assert canonical == "https://feeds.example/world/1"


def test_the_stored_link_stays_as_published() -> None:
    body = (
        b"<rss version='2.0'><channel><title>t</title><item><title>x</title>"
        b"<link>http://www.news.example/a?utm_source=rss&amp;id=1</link></item></channel></rss>"
    )
    (entry,) = parse_feed(body, url="https://feeds.example/rss").entries
    assert entry.url == "http://www.news.example/a?utm_source=rss&id=1"
    assert entry.canonical_url == "https://news.example/a?id=1"


# --- Hypothesis ----------------------------------------------------------------------------------

_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
_hosts = st.lists(_label, min_size=2, max_size=4).map(".".join)
_segment = st.text(alphabet="abcXYZ019-._~!$'()*,;=:@%é", max_size=8)
_names = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True).filter(
    lambda n: n not in TRACKING_PARAMS and not n.startswith(("utm_", "mtm_", "itm_", "pk_"))
)
_query = st.lists(st.tuples(_names, st.from_regex(r"[a-z0-9]{0,4}", fullmatch=True)), max_size=5)


@st.composite
def articles(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    host = draw(_hosts)
    path = "/" + "/".join(draw(st.lists(_segment, max_size=4)))
    params = list(dict(draw(_query)).items())  # one value a name (repeated names keep order)
    return f"https://{host}{path}", params


def _with_query(base: str, params: list[tuple[str, str]]) -> str:
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params) if params else "")


@given(
    articles(),
    st.sampled_from(["http", "https", "HTTP"]),
    st.booleans(),
    st.permutations(range(5)),
    st.lists(st.sampled_from([*sorted(TRACKING_PARAMS), "utm_source", "mtm_kwd"]), max_size=3),
    st.sampled_from(["", "#top", "#"]),
)
def test_variants_of_one_article_share_its_identity(
    article: tuple[str, list[tuple[str, str]]],
    scheme: str,
    www: bool,
    order: list[int],
    trackers: list[str],
    fragment: str,
) -> None:
    base, params = article
    reference = canonicalize_url(_with_query(base, params))
    parts = urlsplit(base)
    host = ("www." if www else "") + parts.netloc.upper()
    shuffled = [params[i] for i in order if i < len(params)]
    noisy = shuffled + [(t, "x") for t in trackers]
    variant = urlunsplit((scheme, host, parts.path, "", ""))
    assert canonicalize_url(_with_query(variant, noisy) + fragment) == reference


@given(articles())
def test_canonical_urls_round_trip(article: tuple[str, list[tuple[str, str]]]) -> None:
    url = canonicalize_url(_with_query(*article))
    assert canonicalize_url(url) == url
    assert repair_link(url) == url
    parts = urlsplit(url)
    assert urlunsplit(parts) == url
    assert parts.scheme == "https" and parts.hostname and not parts.hostname.startswith("www.")
    assert parts.path.startswith("/") and "//" not in parts.path


@given(st.text(max_size=60))
def test_repair_never_raises_and_is_stable(text: str) -> None:
    once = repair_link(text)
    if once is not None:
        assert repair_link(once) == once
