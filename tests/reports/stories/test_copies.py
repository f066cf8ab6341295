"""Copies and the language-light story features (reports/stories/copies.py, features.py): pure
functions, golden cases and properties."""

from __future__ import annotations

import itertools
import zlib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.stories.copies import (
    DUPLICATE_CONTAINMENT,
    DUPLICATE_JACCARD,
    MIN_SHINGLES,
    copy_sources,
    is_copy,
    jaccard,
    near_duplicate_pairs,
    prefix_length,
    same_title,
    shingles,
)
from reports.stories.features import (
    capitalised_names,
    content_tokens,
    name_key,
    normalize_text,
    numbers_in,
    script_of,
)

WIRE = (
    "Russia and North Korea on Tuesday signed an agreement to open the first road bridge across "
    "the Tumen River between the two countries by June 2027, officials in Moscow said. The "
    "1.1-kilometre bridge will link the Russian border settlement of Khasan with the North Korean "
    "town of Tumangang, next to the railway bridge that has been the only fixed crossing since "
    "1959. The bridge is expected to carry 300 vehicles a day and up to 1,000 tourists, the "
    "Russian ministry said in a statement. Construction started in April and is being paid for by "
    "the Russian federal budget. Western governments have said closer transport links could help "
    "Pyongyang evade United Nations sanctions."
)
T0 = datetime(2026, 11, 10, 8, tzinfo=UTC)


def test_normalisation_folds_case_width_and_punctuation() -> None:
    assert normalize_text("  Kim’s  VISIT, to «Moscow»!\n") == "kim’s visit to moscow"
    assert normalize_text("ＰＹＯＮＧＹＡＮＧ") == "pyongyang"  # full-width (NFKC)
    assert normalize_text("Лавров прибыл в Пхеньян.") == "лавров прибыл в пхеньян"


def test_name_keys_ignore_transliteration_and_russian_case_endings() -> None:
    assert name_key("Лавров") == name_key("Лаврова") == name_key("Lavrov")
    assert name_key("Шойгу") == name_key("Shoigu")
    assert name_key("Путин") == name_key("Путина") == name_key("Putin")
    assert name_key("Белоусов") == name_key("Belousov")
    assert name_key("Lavrov") != name_key("Putin")


def test_names_and_numbers_are_language_independent_features() -> None:
    assert numbers_in("On Nov. 18, 2026, 1,000 shells; 18일; 10 000 строителей") == {
        "18",
        "2026",
        "1000",
        "10000",
    }
    assert numbers_in("a 7 b") == set()  # one digit says nothing
    assert {"n:lvrv", "a:kcna"} <= capitalised_names("The KCNA said Lavrov arrived.")
    assert "n:lvrv" in capitalised_names("Министр Лавров прибыл")
    assert capitalised_names("라브로프 장관") == set()  # Hangul has no capitals


def test_content_tokens_stem_and_strip_korean_particles() -> None:
    assert content_tokens("The agreements were signed") == ["agreem", "signed"]
    assert content_tokens("라브로프가 평양에서 최선희와 회담했다") == [
        "라브로프",
        "평양",
        "최선희",
        "회담",
    ]
    assert script_of("Лавров прибыл") == "cyrillic" and script_of("평양 도착") == "hangul"


def test_light_edits_and_truncation_are_copies_rewrites_are_not() -> None:
    original = shingles(WIRE)
    edited = shingles(
        WIRE.replace("started in April", "began in April").replace(
            "officials in Moscow said", "officials said"
        )
    )
    truncated = shingles(WIRE.rsplit(". ", 2)[0])
    credited = shingles(WIRE + " (Reporting by the Vladivostok bureau; editing by the desk)")
    rewrite = shingles(
        "A new road bridge over the Tumen River will connect Russia's Khasan and North Korea's "
        "Tumangang from mid-2027 under a deal signed on Tuesday. Moscow is paying for the "
        "crossing, which Western capitals fear could weaken sanctions on Pyongyang; Russian "
        "officials say it is for tourists and trade. It will be the second fixed link."
    )
    assert jaccard(original, edited) >= DUPLICATE_JACCARD
    for copy in (edited, truncated, credited):
        assert is_copy(len(original & copy), len(original), len(copy))
    assert not is_copy(len(original & rewrite), len(original), len(rewrite))
    pairs = near_duplicate_pairs([original, rewrite, edited, truncated])
    assert set(pairs) == {(0, 2), (0, 3), (2, 3)}


def test_short_texts_are_never_copies_by_shingles_but_equal_titles_are() -> None:
    short = shingles("Kim meets Putin in Moscow today")
    assert not is_copy(len(short), len(short), len(short))
    assert same_title("Kim meets Putin in Vladivostok", "KIM MEETS PUTIN IN VLADIVOSTOK!")
    assert not same_title("Kim meets Putin", "Kim meets Putin")  # too short to be sure


VOCABULARY = "kim putin moscow pyongyang bridge shells treaty visit troops talks minister border"
words = st.lists(
    st.sampled_from(VOCABULARY.split()),
    min_size=0,
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(words.map(" ".join), min_size=2, max_size=6))
def test_inverted_index_finds_exactly_the_brute_force_copies(texts: list[str]) -> None:
    sets = [shingles(t) for t in texts]
    expected = {
        (i, j)
        for i, j in itertools.combinations(range(len(sets)), 2)
        if is_copy(len(sets[i] & sets[j]), len(sets[i]), len(sets[j]))
    }
    assert set(near_duplicate_pairs(sets)) == expected


def all_pairs(sets: list[frozenset[int]]) -> dict[tuple[int, int], float]:
    """Every pair checked: what `near_duplicate_pairs` must return."""
    return {
        (i, j): jaccard(sets[i], sets[j])
        for i, j in itertools.combinations(range(len(sets)), 2)
        if is_copy(len(sets[i] & sets[j]), len(sets[i]), len(sets[j]))
    }


@st.composite
def near_copies(draw: st.DrawFn) -> list[frozenset[int]]:
    """A few originals over a small vocabulary (so stock values are carried by most sets), and
    edits of them that land on both sides of the thresholds: values dropped, values added, a cut
    (the first part only), a text inside a longer one."""
    stock = list(range(8))  # carried by many sets, as "russia and north korea" is
    originals = [
        frozenset(draw(st.lists(st.integers(0, 400), min_size=0, max_size=90)))
        | frozenset(draw(st.lists(st.sampled_from(stock), max_size=8)))
        for _ in range(draw(st.integers(1, 4)))
    ]
    sets = list(originals)
    for _ in range(draw(st.integers(1, 8))):
        base = sorted(draw(st.sampled_from(sets)))
        kind = draw(st.sampled_from(("edit", "cut", "inside")))
        if kind == "edit":
            dropped = draw(st.integers(0, max(len(base) // 6, 1)))
            kept = draw(st.permutations(base))[dropped:] if base else []
            added = draw(st.lists(st.integers(1000, 1400), max_size=max(len(base) // 6, 1)))
            sets.append(frozenset(kept) | frozenset(added))
        elif kind == "cut":
            sets.append(frozenset(base[: draw(st.integers(0, len(base)))]))
        else:
            sets.append(frozenset(base) | frozenset(range(2000, 2000 + draw(st.integers(0, 300)))))
    return draw(st.permutations(sets))


@settings(max_examples=300, deadline=None)
@given(sets=near_copies())
def test_prefix_filter_finds_exactly_the_pairs_of_checking_every_pair(
    sets: list[frozenset[int]],
) -> None:
    assert near_duplicate_pairs(sets) == all_pairs(sets)


@settings(max_examples=200, deadline=None)
@given(sets=near_copies(), repeats=st.lists(st.integers(0, 20), max_size=12))
def test_copy_sources_are_each_sets_earliest_copy(
    sets: list[frozenset[int]], repeats: list[int]
) -> None:
    sets = sets + [sets[k % len(sets)] for k in repeats]  # word-for-word copies too
    expected: dict[int, int] = {}
    for i, j in sorted(all_pairs(sets)):
        expected.setdefault(j, i)
    assert copy_sources(sets) == expected


def _pair(size_a: int, size_b: int, shared: int) -> list[frozenset[int]]:
    """Two sets of these sizes sharing `shared` values; each one's own values are carried by it
    alone, so they come first in the rarity order, before every shared one."""
    common = set(range(shared))
    return [
        frozenset(common | set(range(10_000, 10_000 + size_a - shared))),
        frozenset(common | set(range(20_000, 20_000 + size_b - shared))),
    ]


def test_copy_thresholds_are_found_exactly_at_the_boundary() -> None:
    # Jaccard exactly 0.8 (80 / 100), containment 0.89: a copy, found.
    assert near_duplicate_pairs(_pair(90, 90, 80)) == {(0, 1): DUPLICATE_JACCARD}
    assert near_duplicate_pairs(_pair(90, 90, 79)) == {}  # 79 / 101
    # Containment exactly 0.9 of the smaller set, Jaccard far below: a copy, found.
    assert DUPLICATE_CONTAINMENT == 18 / 20
    assert set(near_duplicate_pairs(_pair(20, 300, 18))) == {(0, 1)}
    assert set(near_duplicate_pairs(_pair(300, 20, 18))) == {(0, 1)}
    assert near_duplicate_pairs(_pair(20, 300, 17)) == {}
    # A copy by Jaccard alone whose shared values all come after ceil(0.1 * 100) + 1 = 11 of the
    # smaller set's own: a prefix that short would miss it; floor(100 / 9) + 1 = 12 does not.
    assert is_copy(89, 100, 100) and DUPLICATE_CONTAINMENT > 89 / 100
    assert prefix_length(100) == 12 == 100 - 89 + 1
    assert set(near_duplicate_pairs(_pair(100, 100, 89))) == {(0, 1)}
    # Sets below MIN_SHINGLES are never copies, however alike.
    small = frozenset(range(MIN_SHINGLES - 1))
    assert near_duplicate_pairs([small, small | {99}]) == {}
    assert set(near_duplicate_pairs(_pair(MIN_SHINGLES, MIN_SHINGLES, MIN_SHINGLES))) == {(0, 1)}


def test_prefix_length_is_the_least_that_is_exact() -> None:
    # For each size a, the fewest values a copy at least as large can share is ceil(8a / 9) (the
    # Jaccard bound with b = a); a prefix one shorter misses such a pair.
    for a in range(MIN_SHINGLES, 400):
        fewest = min(
            next(o for o in range(a + 1) if is_copy(o, a, b)) for b in (a, a + 1, 2 * a, 10 * a)
        )
        assert prefix_length(a) == a - fewest + 1, a


@settings(max_examples=60, deadline=None)
@given(text=words.map(" ".join), other=words.map(" ".join))
def test_jaccard_is_symmetric_bounded_and_one_on_itself(text: str, other: str) -> None:
    a, b = shingles(text), shingles(other)
    assert jaccard(a, b) == jaccard(b, a)
    assert 0.0 <= jaccard(a, b) <= 1.0
    if a:
        assert jaccard(a, a) == 1.0


def test_shingles_are_stable_across_processes() -> None:
    # CRC32 of the normalised word triples, not Python's salted hash(): the same in every run.
    assert shingles("Kim Jong Un met PUTIN.") == {
        zlib.crc32(b"kim jong un"),
        zlib.crc32(b"jong un met"),
        zlib.crc32(b"un met putin"),
    }
