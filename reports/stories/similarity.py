"""Near-duplicate copies and story similarity: pure functions over strings.

Two questions, two measures:

* **Same copy?** (a syndicated or lightly edited wire story in several outlets). Word 3-shingles of
  the normalised text; copies when the shingle Jaccard is at least `DUPLICATE_JACCARD` (0.8), or
  when one text is almost wholly contained in the other (`DUPLICATE_CONTAINMENT`, 0.9: an outlet
  that cut the last paragraphs). Texts too short to shingle fall back to equal normalised titles.
  Exact Jaccard, with an inverted index so only pairs that share a shingle are ever compared
  (`near_duplicate_pairs`); a week holds a few hundred relevant articles, so MinHash is not needed.

* **Same development?** (independent reports of one event, possibly in English, Russian and Korean).
  A `Profile` of each article holds three feature sets:
  - *words*: title and lead (first `LEAD_WORDS` words) tokens, normalised (NFKC, case-folded,
    Latin and Cyrillic words cut to a 6-letter stem, Korean particles stripped, stop words dropped);
  - *names*: capitalised words of the title and lead, transliterated to Latin and reduced to a
    consonant skeleton (Лавров, Лаврова and Lavrov all give `n:lvrv`), numbers of two or more
    digits (dates and counts are shared across languages), and the article's relevance terms
    (`t:ru:putin`), which are language independent;
  - *title*: the words and names of the title alone.
  `compare` (or `similarity`, on plain profiles) takes an IDF-weighted Jaccard of each set (weights
  from the articles being compared, so "Russia", "Putin" and "Pyongyang" count for little in a week
  where every article has them). Two articles in the same script score
  `TITLE_WEIGHT` x title + the rest x the mean of words and names; across scripts only names count
  (with Hangul on one side, only numbers and relevance terms: Korean names are not transliterated).
  The score is damped when the articles are more than `SAME_STORY_DAYS` apart.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

SHINGLE_SIZE = 3
DUPLICATE_JACCARD = 0.8
DUPLICATE_CONTAINMENT = 0.9
MIN_SHINGLES = 12  # below this a text is too short to call a copy by its shingles
MIN_TITLE_TOKENS = 4  # equal titles of at least this many tokens make a copy of text-less items
LEAD_WORDS = 60  # words of the text that count as the lead
SAME_STORY_DAYS = 3.0  # no damping within this many days
DAMPING_PER_DAY = 0.06
MIN_TIME_FACTOR = 0.5
TITLE_WEIGHT = 0.5  # share of the title in the similarity of same-script articles

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
# Integers, with thousands separators ("1,000", "10 000"); the decimal part is ignored.
_NUMBER = re.compile(r"\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?!\d)|\d+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")

_STOP_WORDS = """
    a an the and or but if of to in on at by for from with as into onto over under about after
    before between during since until than then there here this that these those it its is are
    was were be been being has have had do does did will would shall should can could may might
    must not no nor so such very more most much many some any all each other another own same
    who whom whose which what when where why how he she they them his her their we our you your
    i me my mr ms mrs said says say told also just only up down out off again further once new
    one two three first last year years week weeks day days monday tuesday wednesday thursday
    friday saturday sunday according reported report reports statement news agency percent per
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее
    мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был
    него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней
    для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того
    потому этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем
    всех никогда можно при наконец два об другой хоть после над больше тот через эти нас про
    всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том
    нельзя такой им более всегда конечно всю между это также заявил сообщил сообщает году года
    그 이 저 것 수 등 및 또 또한 위해 대한 통해 있다 했다 밝혔다 말했다 있는 하는 한 중 때 더
"""
_STOP = frozenset(_STOP_WORDS.split())

# Korean particles and endings, stripped (longest first) from the end of a token.
_KO_PARTICLES = """
    이라고 라고 에서는 에게서 으로써 로써 으로서 로서 으로는 로는 에서 에게 까지 부터 으로 로 와 과
    은 는 이 가 을 를 의 에 도 만 한테 께서 과의 와의 에는 이다 였다 했다 한다 하고 하며 했으며 한테서
    측은 측
"""
_KO_SUFFIXES = tuple(sorted(_KO_PARTICLES.split(), key=len, reverse=True))

_CYRILLIC_TO_LATIN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}
# Russian case endings stripped from capitalised words before transliteration (Лаврова -> Лавров).
_RU_NAME_ENDINGS = (
    "ыми",
    "ами",
    "ого",
    "ому",
    "ему",
    "ой",
    "ом",
    "ем",
    "ым",
    "ах",
    "ям",
    "ам",
    "ую",
    "ии",
    "ия",
    "ию",
    "а",
    "у",
    "е",
    "ы",
    "я",
    "ю",
)


# --- normalisation --------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """NFKC, case-folded, words only, single spaces: what shingles and titles are compared on."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(folded))


def script_of(text: str) -> str:
    """The dominant script of a text: 'latin', 'cyrillic', 'hangul', 'cjk', 'other' or ''."""
    counts: Counter[str] = Counter()
    for ch in text:
        if not ch.isalpha():
            continue
        code = ord(ch)
        if code < 0x250:
            counts["latin"] += 1
        elif 0x400 <= code < 0x530:
            counts["cyrillic"] += 1
        elif 0xAC00 <= code < 0xD7B0 or 0x1100 <= code < 0x1200 or 0x3130 <= code < 0x3190:
            counts["hangul"] += 1
        elif 0x4E00 <= code < 0xA000:
            counts["cjk"] += 1
        else:
            counts["other"] += 1
    return counts.most_common(1)[0][0] if counts else ""


def _is_hangul(token: str) -> bool:
    return any(0xAC00 <= ord(ch) < 0xD7B0 for ch in token)


def stem_token(token: str) -> str:
    """A cheap language-agnostic stem: Korean particles stripped, other words cut to 6 letters."""
    if _is_hangul(token):
        for suffix in _KO_SUFFIXES:
            if len(token) > len(suffix) + 1 and token.endswith(suffix):
                return token[: -len(suffix)]
        return token
    return token[:6]


def content_tokens(text: str) -> list[str]:
    """Stemmed content words of a text, in order (stop words, one-letter words, numbers dropped)."""
    out = []
    for word in normalize_text(text).split():
        if word in _STOP or word.isdigit() or (len(word) < 2 and not _is_hangul(word)):
            continue
        out.append(stem_token(word))
    return out


def transliterate(word: str) -> str:
    """Cyrillic to Latin (a simple scholarly-ish table); other scripts unchanged, lower-cased."""
    return "".join(_CYRILLIC_TO_LATIN.get(ch, ch) for ch in word.lower())


def name_key(word: str) -> str:
    """A transliteration-insensitive key for a proper name: consonant skeleton of its Latin form.

    Лавров, Лаврова and Lavrov give "lvrv"; Шойгу and Shoigu give "shg"; Путин and Putin "ptn".
    """
    lowered = word.lower()
    if any("а" <= ch <= "я" or ch == "ё" for ch in lowered) and len(lowered) > 4:
        for ending in _RU_NAME_ENDINGS:
            if lowered.endswith(ending) and len(lowered) - len(ending) >= 4:
                lowered = lowered[: -len(ending)]
                break
    latin = unicodedata.normalize("NFKD", transliterate(lowered))
    latin = "".join(ch for ch in latin if "a" <= ch <= "z")
    if not latin:
        return ""
    skeleton = latin[0] + re.sub(r"[aeiouyjhw]", "", latin[1:])
    return re.sub(r"(.)\1+", r"\1", skeleton)


def numbers_in(text: str) -> set[str]:
    """Numbers of two or more digits, separators removed ("1,000" and "1 000" give "1000")."""
    found = set()
    for match in _NUMBER.findall(text):
        digits = re.sub(r"\D", "", match)
        if len(digits) >= 2:
            found.add(digits.lstrip("0") or "0")
    return found


def capitalised_names(text: str) -> set[str]:
    """Name keys of capitalised Latin or Cyrillic words that are not stop words."""
    keys = set()
    for word in _WORD.findall(unicodedata.normalize("NFKC", text)):
        if not word[:1].isupper() or word.casefold() in _STOP or len(word) < 3:
            continue
        if word.isupper() and len(word) <= 5:  # acronyms: KCNA, ТАСС, UN
            keys.add("a:" + transliterate(word))
            continue
        key = name_key(word)
        if len(key) >= 2:
            keys.add("n:" + key)
    return keys


def lead_of(text: str | None, words: int = LEAD_WORDS) -> str:
    """The first `words` words of a text (the lead)."""
    if not text:
        return ""
    return " ".join(text.split()[:words])


# --- copies ---------------------------------------------------------------------------------


def shingles(text: str | None, size: int = SHINGLE_SIZE) -> frozenset[int]:
    """Hashed word `size`-shingles of the normalised text (CRC32: stable across processes)."""
    if not text:
        return frozenset()
    words = normalize_text(text).split()
    if len(words) < size:
        return frozenset()
    return frozenset(
        zlib.crc32(" ".join(words[i : i + size]).encode("utf-8"))
        for i in range(len(words) - size + 1)
    )


def jaccard(a: frozenset[int] | set[str], b: frozenset[int] | set[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def is_copy(shared: int, size_a: int, size_b: int) -> bool:
    """Copy test from the number of shared shingles and each text's shingle count."""
    if min(size_a, size_b) < MIN_SHINGLES or shared == 0:
        return False
    union = size_a + size_b - shared
    return (
        shared / union >= DUPLICATE_JACCARD or shared / min(size_a, size_b) >= DUPLICATE_CONTAINMENT
    )


def same_title(a: str | None, b: str | None) -> bool:
    """Equal normalised titles of at least `MIN_TITLE_TOKENS` words."""
    if not a or not b:
        return False
    na, nb = normalize_text(a), normalize_text(b)
    return na == nb and len(na.split()) >= MIN_TITLE_TOKENS


def near_duplicate_pairs(
    texts: Sequence[frozenset[int]], *, min_shared: int = 1
) -> dict[tuple[int, int], float]:
    """Pairs (i < j) of shingle sets that are copies, with their Jaccard.

    Exact: shared shingles are counted through an inverted index, so pairs with nothing in common
    cost nothing.
    """
    postings: dict[int, list[int]] = defaultdict(list)
    for index, sh in enumerate(texts):
        for value in sh:
            postings[value].append(index)
    shared: Counter[tuple[int, int]] = Counter()
    for docs in postings.values():
        if len(docs) < 2:
            continue
        for x in range(len(docs)):
            for y in range(x + 1, len(docs)):
                shared[(docs[x], docs[y])] += 1
    pairs = {}
    for (i, j), count in shared.items():
        if count >= min_shared and is_copy(count, len(texts[i]), len(texts[j])):
            pairs[(i, j)] = jaccard(texts[i], texts[j])
    return pairs


# --- stories --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What one article (or a whole story) is about, for comparing developments."""

    words: frozenset[str]  # title and lead
    names: frozenset[str]  # title and lead
    scripts: frozenset[str]
    when: datetime | None = None
    title: frozenset[str] = frozenset()  # words and names of the title alone


def build_profile(
    *,
    title: str | None,
    text: str | None,
    terms: Iterable[str] = (),
    when: datetime | None = None,
    lead_words: int = LEAD_WORDS,
) -> Profile:
    """Features of an article: title and lead words, names, numbers, relevance terms, its time."""
    lead = lead_of(text, lead_words)
    head = " ".join(part for part in (title or "", lead) if part)
    # Sentence-initial capitals count as names too; stop words drop most ("The", "В") and the
    # IDF weights the rest ("Officials") down.
    names = capitalised_names(head) | {"d:" + n for n in numbers_in(head)}
    names |= {"t:" + term.casefold() for term in terms if term}
    scripts = {script_of(title or "") or script_of(lead)} - {""}
    headline = title or ""
    return Profile(
        words=frozenset(content_tokens(head)),
        names=frozenset(names),
        scripts=frozenset(scripts),
        when=when,
        title=frozenset(content_tokens(headline))
        | capitalised_names(headline)
        | {"d:" + n for n in numbers_in(headline)},
    )


def merge_profiles(profiles: Sequence[Profile]) -> Profile:
    """One profile for a story: the union of its articles' features, its earliest time."""
    times = [p.when for p in profiles if p.when is not None]
    return Profile(
        words=frozenset().union(*(p.words for p in profiles)),
        names=frozenset().union(*(p.names for p in profiles)),
        scripts=frozenset().union(*(p.scripts for p in profiles)),
        when=min(times) if times else None,
        title=frozenset().union(*(p.title for p in profiles)),
    )


@dataclass(frozen=True)
class Weights:
    """Inverse document frequencies of features over the articles being compared."""

    idf: Mapping[str, float]
    default: float

    def of(self, feature: str) -> float:
        return self.idf.get(feature, self.default)


def feature_weights(profiles: Iterable[Profile]) -> Weights:
    """IDF of every word and name over `profiles` (a smoothed log(N/df), floored at 0.05)."""
    df: Counter[str] = Counter()
    n = 0
    for p in profiles:
        n += 1
        df.update(p.words | p.names | p.title)
    idf = {f: max(0.05, math.log((n + 1) / (count + 0.5))) for f, count in df.items()}
    return Weights(idf=idf, default=max(0.05, math.log((n + 1) / 1.5)))


def weighted_jaccard(a: frozenset[str], b: frozenset[str], weights: Weights) -> float:
    if not a or not b:
        return 0.0
    idf, default = weights.idf, weights.default
    shared = sum(idf.get(f, default) for f in a & b)
    if not shared:
        return 0.0
    return shared / (sum(idf.get(f, default) for f in a | b))


def time_factor(a: datetime | None, b: datetime | None) -> float:
    """1 within `SAME_STORY_DAYS`, then down by `DAMPING_PER_DAY` a day to `MIN_TIME_FACTOR`."""
    if a is None or b is None:
        return 1.0
    days = abs((a - b).total_seconds()) / 86400
    if days <= SAME_STORY_DAYS:
        return 1.0
    return max(MIN_TIME_FACTOR, 1.0 - DAMPING_PER_DAY * (days - SAME_STORY_DAYS))


_TRANSLITERABLE = frozenset({"latin", "cyrillic"})


def _shared_kinds(names: frozenset[str]) -> frozenset[str]:
    return frozenset(n for n in names if n.startswith(("t:", "d:")))


@dataclass(frozen=True)
class Similarity:
    title: float
    words: float
    names: float
    time: float
    score: float
    cross_lingual: bool


@dataclass(frozen=True)
class Weighed:
    """A profile with the total weight of each feature set, to compare it with many others fast."""

    profile: Profile
    title: float
    words: float
    names: float
    shared_names: frozenset[str]  # the names any script writes alike: numbers, relevance terms
    shared: float


def weigh(profile: Profile, weights: Weights) -> Weighed:
    idf, default = weights.idf, weights.default
    shared = _shared_kinds(profile.names)
    return Weighed(
        profile=profile,
        title=sum(idf.get(f, default) for f in profile.title),
        words=sum(idf.get(f, default) for f in profile.words),
        names=sum(idf.get(f, default) for f in profile.names),
        shared_names=shared,
        shared=sum(idf.get(f, default) for f in shared),
    )


def _jaccard_of(
    a: frozenset[str], b: frozenset[str], total_a: float, total_b: float, weights: Weights
) -> float:
    inter = a & b
    if not inter:
        return 0.0
    idf, default = weights.idf, weights.default
    shared = sum(idf.get(f, default) for f in inter)
    return shared / (total_a + total_b - shared)


def compare(a: Weighed, b: Weighed, weights: Weights, *, use_time: bool = True) -> Similarity:
    """How likely two articles (or stories) are about the same development, 0..1.

    See the module docstring; `similarity` is the same on plain profiles.
    """
    pa, pb = a.profile, b.profile
    title = _jaccard_of(pa.title, pb.title, a.title, b.title, weights)
    words = _jaccard_of(pa.words, pb.words, a.words, b.words, weights)
    cross = bool(pa.scripts and pb.scripts and not (pa.scripts & pb.scripts))
    if cross and not (pa.scripts | pb.scripts) <= _TRANSLITERABLE:
        # Names written in Hangul cannot be matched to Latin ones here: compare what both
        # languages write alike, numbers and relevance terms.
        names = _jaccard_of(a.shared_names, b.shared_names, a.shared, b.shared, weights)
    else:
        names = _jaccard_of(pa.names, pb.names, a.names, b.names, weights)
    base = names if cross else TITLE_WEIGHT * title + (1 - TITLE_WEIGHT) * (words + names) / 2
    factor = time_factor(pa.when, pb.when) if use_time else 1.0
    return Similarity(
        title=title, words=words, names=names, time=factor, score=base * factor, cross_lingual=cross
    )


def similarity(a: Profile, b: Profile, weights: Weights, *, use_time: bool = True) -> Similarity:
    """`compare` on plain profiles."""
    return compare(weigh(a, weights), weigh(b, weights), weights, use_time=use_time)
