"""The search index narrows what a search reads and never changes what it finds.

The reference is the same search with the index emptied (every block read in full). Blocks are
made two articles wide here (`BLOCK_SHIFT` 1), so a handful of articles spans many blocks; texts
mix scripts and the characters whose case folding is irregular (ſ, ς, ß, K, İ, Cherokee).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.models import ProcessedArticle
from store import articles, search, search_index
from store.db import connect
from tests.store import test_search as search_tests

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ALPHABET = "abkKsSſσςΣßẞiIİıкКПп김정은 .-" + "\u212a\u13a0\uab70\u1e9e"


def article(n: int, text: str, *, title: str = "t", days: int = 0) -> ProcessedArticle:
    """The search tests' article (every third with a summary), half of them relevant."""
    return search_tests.article(n, days=days, title=title, text=text, relevant=bool(n % 2))


@pytest.fixture
def con(monkeypatch: pytest.MonkeyPatch) -> Iterator[duckdb.DuckDBPyConnection]:
    monkeypatch.setattr(search_index, "BLOCK_SHIFT", 1)
    with connect(":memory:") as c:
        yield c


def full_scan(con: duckdb.DuckDBPyConnection, query: str, **options: object) -> list[int]:
    """The ids a search finds with no filter at all (the rows are put back after)."""
    kept = con.execute("SELECT block, bloom FROM search_blocks").fetchall()
    con.execute("DELETE FROM search_blocks")
    try:
        return [r["id"] for r in search.search_articles(con, query, **options)]  # type: ignore[arg-type]
    finally:
        if kept:
            con.executemany("INSERT INTO search_blocks (block, bloom) VALUES (?, ?)", kept)


def test_normalising_agrees_with_re2_case_folding() -> None:
    """Every pair of characters DuckDB's case-insensitive RE2 match treats as one normalises to
    one character, unless the term's character is one the index does not use."""
    chars = [
        c
        for c in map(chr, range(0x20000))
        if not 0xD800 <= ord(c) < 0xE000 and (c.lower() != c or c.upper() != c or c.casefold() != c)
    ]
    several = search_index._folding()[2]
    with duckdb.connect() as db:
        db.execute("CREATE TABLE chars AS SELECT unnest(?::VARCHAR[]) AS c", [chars])
        for term in chars:
            if search_index.normalize(term) in several:
                continue
            matched = db.execute(
                "SELECT list(c) FROM chars WHERE regexp_matches(c, ?, 'i')",
                [search._literal_pattern(term)],
            ).fetchone()
            assert matched is not None
            for other in matched[0] or []:
                assert search_index.normalize(other) == search_index.normalize(term), (term, other)


texts = st.text(alphabet=ALPHABET, min_size=0, max_size=24)


@st.composite
def queries(draw: st.DrawFn, stored: list[str]) -> str:
    """A piece of a stored text with its case changed here and there, or any short text."""
    source = draw(st.sampled_from(stored)) if stored and draw(st.booleans()) else draw(texts)
    start = draw(st.integers(0, len(source)))
    piece = source[start : start + draw(st.integers(1, 8))]
    flips = draw(st.lists(st.booleans(), min_size=len(piece), max_size=len(piece)))
    piece = "".join(c.swapcase() if f else c for c, f in zip(piece, flips, strict=True))
    return piece if piece.strip() else "absent"


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(st.lists(st.tuples(st.integers(0, 14), texts), max_size=6), max_size=4),
    data=st.data(),
    limit=st.integers(1, 6),
    relevant_only=st.booleans(),
)
def test_the_index_never_changes_what_a_search_finds(
    con: duckdb.DuckDBPyConnection,
    batches: list[list[tuple[int, str]]],
    data: st.DataObject,
    limit: int,
    relevant_only: bool,
) -> None:
    con.execute("DELETE FROM articles")
    con.execute("DELETE FROM search_blocks")
    stored: list[str] = []
    for batch in batches:  # an article stored again in a later batch gets a new text
        items = [article(n, text, days=n % 3) for n, text in batch]
        articles.upsert_articles(con, items, now=NOW)
        stored += [text for _, text in batch]
    query = data.draw(queries(stored))
    options = {"limit": limit, "relevant_only": relevant_only}
    found = [r["id"] for r in search.search_articles(con, f'"{query}"', **options)]  # type: ignore[arg-type]
    assert found == full_scan(con, f'"{query}"', **options)


def test_a_word_found_nowhere_reads_no_block(con: duckdb.DuckDBPyConnection) -> None:
    ids = articles.upsert_articles(
        con, [article(n, f"Putin met Kim, report {n}") for n in range(9)], now=NOW
    )
    first, last = min(ids), max(ids)
    assert search_index.candidate_ranges(con, ["zelensky"], first, last) == []
    # "report 4" is in one article; its block (and only blocks that may hold it) is read.
    ranges = search_index.candidate_ranges(con, ["putin", "report 4"], first, last)
    assert ranges and all(hi - lo <= 1 for lo, hi in ranges)
    assert any(lo <= ids[4] <= hi for lo, hi in ranges)
    # Short terms constrain nothing.
    assert search_index.candidate_ranges(con, ["ki"], first, last) == [(first, last)]


def test_articles_stored_before_the_index_are_searched_then_indexed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    ids = articles.upsert_articles(con, [article(n, f"grain deal {n}") for n in range(6)], now=NOW)
    con.execute("DELETE FROM search_blocks")  # as a database from before the index
    first, last = min(ids), max(ids)
    assert search_index.candidate_ranges(con, ["zelensky"], first, last) == [(first, last)]
    assert len(search.search_articles(con, "grain")) == 6
    blocks = search_index.unindexed_blocks(con)
    assert blocks == sorted({search_index.block_of(i) for i in ids})
    # A new article in a block without a filter builds that block's filter from all it holds.
    articles.upsert_articles(con, [article(6, "munitions")], now=NOW)
    assert search_index.unindexed_blocks(con, limit=2) == blocks[:2]
    search_index.build_blocks(con, blocks)
    assert search_index.unindexed_blocks(con) == []
    assert search_index.candidate_ranges(con, ["zelensky"], first, last) == []
    assert len(search.search_articles(con, "grain")) == 6
    assert len(search.search_articles(con, "munitions")) == 1


@given(st.text(alphabet=ALPHABET + "ﬁŉ", max_size=30))
def test_a_term_hashes_as_the_same_text_indexed(term: str) -> None:
    """A term's bits, hashed in plain Python, are among the bits of the same text indexed with
    numpy; all of them when no character of it folds to several."""
    indexed = {int(bit) for bit in search_index.text_bits(term)}
    assert search_index.term_bits(term) <= indexed
    if not any(c in search_index._folding()[2] for c in search_index.normalize(term)):
        assert search_index.term_bits(term) == indexed


@given(st.lists(st.integers(0, 200), unique=True, min_size=1).map(sorted), st.integers(1, 5))
def test_coarsened_ranges_cover_every_range(starts: list[int], most: int) -> None:
    ranges = [(s * 10, s * 10 + 3) for s in starts]
    out = search_index.coarsen(ranges, most)
    assert len(out) <= most
    assert all(any(lo <= a and b <= hi for lo, hi in out) for a, b in ranges)
    assert out == sorted(out) and all(a[1] < b[0] for a, b in pairwise(out))
