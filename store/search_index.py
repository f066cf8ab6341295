"""The search index: which blocks of articles may hold a word, so a search reads only those.

Search (`store.search`) matches terms as case-insensitive substrings, which no word index answers
and no full-text extension is available for offline. So the index answers a weaker question,
cheaply and without false negatives: *can* a block of articles contain this term? For each block
of 2,048 consecutive article ids (`id >> 11`) it keeps a Bloom filter (2^20 bits, 128 KB) of the
character trigrams of its articles' titles, summaries and texts; a term's trigrams all set in a
block's filter makes the block a candidate, and only candidate blocks are read. A word that occurs
nowhere is then answered from the filters alone (at a million articles, 489 filters, 64 MB,
instead of 4 GB of text).

Rules that keep the answers exactly those of a full scan (`tests/store/test_search_index.py`):

- **Case.** Search compares with RE2's case-insensitive matching (Unicode simple case folding), so
  both sides are normalised character by character to one member of each fold orbit: lower case,
  then the single-character case fold where it differs (`ſ` to `s`, `ς` to `σ`, Cherokee...).
  A term's trigram holding a character whose fold is several characters (`ß`, `ﬁ`) is not used.
- **Short terms** (under three characters) constrain nothing.
- **Blocks without a filter** are searched in full: articles stored before the index existed
  until `newswatch index` builds theirs, and a block whose filter is being created is built from
  every article it holds, inside the transaction that stores the new ones.
- Filters only gain bits: an article stored again adds its new text's trigrams; a stale bit
  costs a wasted read, never a missed result.

Two bits per trigram, from a 64-bit mix (splitmix64) of its three code points: stable across
processes, Python versions and DuckDB versions (Python's own `hash` is salted per process).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING

import duckdb

from store.db import transaction

if TYPE_CHECKING:  # numpy is imported where articles are indexed; a search hashes in Python
    import numpy as np
    import numpy.typing as npt

    Bits = npt.NDArray[np.uint64]

BLOCK_SHIFT = 11  # 2,048 article ids per block
BLOOM_BITS = 1 << 20  # 20 bits: the top 20 and the next 20 of a trigram's 64-bit mix
_M64 = (1 << 64) - 1


def block_of(article_id: int) -> int:
    return article_id >> BLOCK_SHIFT


def block_ids(block: int) -> tuple[int, int]:
    """The first and last article id of a block."""
    return block << BLOCK_SHIFT, ((block + 1) << BLOCK_SHIFT) - 1


@cache
def _folding() -> tuple[dict[int, str], re.Pattern[str], frozenset[str], re.Pattern[str]]:
    """(extra folds after `lower()`, a pattern finding them, the characters with multi-character
    folds, a pattern splitting at them), computed once from this Python's Unicode tables (every cased character is below
    U+20000; U+0130 is the one character whose lower case is two, `normalize` maps it first)."""
    points = [cp for cp in range(0x20000) if not 0xD800 <= cp < 0xE000 and cp != 0x130]
    low = "".join(map(chr, points)).lower()
    extra: dict[int, str] = {}
    several: set[str] = set()
    for start in range(0, len(low), 256):
        chunk = low[start : start + 256]
        if chunk.casefold() == chunk:
            continue
        for char in chunk:
            fold = char.casefold()
            if len(fold) > 1:
                several.add(char)
            elif fold != char:
                extra[ord(char)] = fold
    finder = re.compile("[" + "".join(re.escape(chr(cp)) for cp in extra) + "]")
    splitter = re.compile("[" + "".join(map(re.escape, several)) + "]")
    return extra, finder, frozenset(several), splitter


def normalize(text: str) -> str:
    """`text` with each character replaced by its fold orbit's representative (same length)."""
    extra, finder, _, _ = _folding()
    low = text.replace("\u0130", "i").lower()
    return low.translate(extra) if finder.search(low) else low


def _bits(points: npt.NDArray[np.uint32]) -> Bits:
    """Two filter bits for each trigram of a sequence of code points (`_term_bits`, in plain
    Python, gives the same)."""
    import numpy as np

    if len(points) < 3:
        return np.empty(0, dtype=np.uint64)
    a = points.astype(np.uint64)
    z = (a[:-2] << np.uint64(42)) | (a[1:-1] << np.uint64(21)) | a[2:]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return np.concatenate([z >> np.uint64(44), (z >> np.uint64(20)) & np.uint64(BLOOM_BITS - 1)])


def text_bits(*parts: str | None) -> Bits:
    """The filter bits of an article's title, summary and text (each on its own: a phrase
    matches within one of them), repeats left in."""
    import numpy as np

    found = [
        _bits(np.frombuffer(normalize(part).encode("utf-32-le"), dtype=np.uint32))
        for part in parts
        if part
    ]
    return np.concatenate(found) if found else np.empty(0, dtype=np.uint64)


def term_bits(term: str) -> set[int]:
    """The filter bits every block holding `term` has set; empty when the term constrains
    nothing (too short, or no trigram of plainly folding characters)."""
    *_, splitter = _folding()
    bits: set[int] = set()
    # Runs of characters whose fold is one character; a trigram never spans another.
    for run in splitter.split(normalize(term)):
        points = [ord(char) for char in run]
        for a, b, c in zip(points, points[1:], points[2:], strict=False):
            z = (a << 42) | (b << 21) | c
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
            z ^= z >> 31
            bits.update((z >> 44, (z >> 20) & (BLOOM_BITS - 1)))
    return bits


def _filter(texts: Iterable[Sequence[str | None]]) -> bytes:
    """The filter of articles given as (title, summary, text): bit `b` of the filter is bit
    `b % 8` (from the most significant) of byte `b // 8`, as DuckDB casts a BLOB to a BIT."""
    import numpy as np

    flags = np.zeros(BLOOM_BITS, dtype=bool)
    for parts in texts:
        flags[text_bits(*parts).astype(np.intp)] = True
    return np.packbits(flags).tobytes()


# --- SQL ---------------------------------------------------------------------------------------

_TEXTS = "SELECT title, summary, text FROM articles WHERE id BETWEEN ? AND ?"


def index_articles(con: duckdb.DuckDBPyConnection, article_ids: Iterable[int]) -> None:
    """Bring the filters of these just-stored articles' blocks up to date (call inside the
    storing transaction). A block without a filter gets one built from all its articles."""
    by_block: dict[int, list[int]] = {}
    for article_id in article_ids:
        by_block.setdefault(block_of(article_id), []).append(article_id)
    if not by_block:
        return
    stored = _blocks_with_filter(con, list(by_block))
    for block, ids in by_block.items():
        if block in stored:
            texts = con.execute(
                _TEXTS + " AND list_contains(?, id)", [min(ids), max(ids), ids]
            ).fetchall()
            con.execute(
                "UPDATE search_blocks SET bloom = bloom | ?::BLOB::BIT, built_at = current_timestamp"
                " WHERE block = ?",
                [_filter(texts), block],
            )
        else:
            _build_block(con, block)


def _build_block(con: duckdb.DuckDBPyConnection, block: int) -> None:
    texts = con.execute(_TEXTS, block_ids(block)).fetchall()
    con.execute(
        "INSERT INTO search_blocks (block, bloom) VALUES (?, ?::BLOB::BIT)", [block, _filter(texts)]
    )


def _blocks_with_filter(con: duckdb.DuckDBPyConnection, blocks: list[int]) -> set[int]:
    rows = con.execute(
        "SELECT block FROM search_blocks WHERE list_contains(?, block)", [blocks]
    ).fetchall()
    return {int(row[0]) for row in rows}


def unindexed_blocks(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[int]:
    """Blocks holding articles but no filter yet, oldest first."""
    rows = con.execute(
        f"""
        SELECT DISTINCT id >> {BLOCK_SHIFT} AS block FROM articles
        WHERE block NOT IN (SELECT block FROM search_blocks)
        ORDER BY block LIMIT ?
        """,
        [limit],
    ).fetchall()
    return [int(row[0]) for row in rows]


def build_blocks(con: duckdb.DuckDBPyConnection, blocks: Sequence[int]) -> None:
    """Build the filters of these blocks (those that still have none), in one transaction."""
    with transaction(con):
        have = _blocks_with_filter(con, list(blocks))
        for block in blocks:
            if block not in have:
                _build_block(con, block)


def candidate_ranges(
    con: duckdb.DuckDBPyConnection, terms: Sequence[str], first_id: int, last_id: int
) -> list[tuple[int, int]]:
    """Id ranges within [first_id, last_id] that may hold every term, in ascending order:
    the whole range when no term constrains, nothing when no block can match."""
    every = sorted(set().union(*map(term_bits, terms)))
    if not every:
        return [(first_id, last_id)]
    low, high = block_of(first_id), block_of(last_id)
    # The test runs inside DuckDB (get_bit on the stored BIT column): no filter leaves it.
    held = " AND ".join(["get_bit(bloom, ?) = 1"] * len(every))
    ruled_out = {
        int(row[0])
        for row in con.execute(
            f"SELECT block FROM search_blocks WHERE block BETWEEN ? AND ? AND NOT ({held})",
            [low, high, *every],
        ).fetchall()
    }
    ranges: list[tuple[int, int]] = []
    for block in range(low, high + 1):
        if block in ruled_out:
            continue
        start, end = block_ids(block)
        start, end = max(start, first_id), min(end, last_id)
        if ranges and ranges[-1][1] + 1 == start:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return ranges


def coarsen(ranges: list[tuple[int, int]], most: int) -> list[tuple[int, int]]:
    """At most `most` ranges covering `ranges`, joining across the narrowest gaps (a wider
    range reads more, never misses anything)."""
    if len(ranges) <= most:
        return ranges
    gaps = sorted(range(len(ranges) - 1), key=lambda n: ranges[n + 1][0] - ranges[n][1])
    joined = set(gaps[: len(ranges) - most])
    out = [ranges[0]]
    for n in range(1, len(ranges)):
        if n - 1 in joined:
            out[-1] = (out[-1][0], ranges[n][1])
        else:
            out.append(ranges[n])
    return out
