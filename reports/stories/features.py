"""The language-light features stories are compared on: tokens, stems, names, numbers, scripts.

Pure: NFKC and case folding, Latin and Cyrillic words cut to a 6-letter stem, Korean particles
stripped, stop words of English, Russian and Korean dropped; capitalised words transliterated to
Latin and reduced to a consonant skeleton (Лавров, Лаврова and Lavrov all give "lvrv"); numbers
of two or more digits with their separators removed; the dominant script of a text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

LEAD_WORDS = 60  # words of the text that count as the lead


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
