"""Numbers, years and calendar dates in a text, written alike whatever the language.

    quantities("6,000 troops / 6 000 военных / 6 тыс. / 6천 명 / 六千人")  -> {6000}
    calendar_days("on 19 June", "19 июня", "6월 19일", "6月19日", "19/6/2024") -> {(6, 19)}
    years("… in 2024 …") -> {2024}

Two reports of one development share its figures (6,000 troops, 1,000 containers, 70 animals)
and its dates (the treaty of 19 June); two visits of one minister months apart do not. So the
story features compare them as canonical values:

* a quantity is an integer of two or more digits, or any number with a multiplier word
  ("1.5 million", "6 тыс.", "1만", "三千"); thousands separators (comma, dot, space, narrow space)
  are removed, a decimal part is kept only before a multiplier;
* a calendar day is a (month, day) pair, from numeric dates (2024-06-19, 19.06.2024, 19/6/2024,
  6/19/2024 when the day cannot be a month), Korean and Japanese or Chinese dates (6월 19일,
  6月19日), and month names in the languages of Unicode's CLDR (through Babel: January, июня,
  czerwca, Juni, juin, 六月, يونيو ...) next to a day number;
* a year is 2000–2039 written alone (not part of a longer number).

Years alone are not quantities (every article of 2024 names 2024). Pure; the month-name tables
are built once.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from babel.dates import get_month_names

# Languages whose month names are read (the gazetteer's, as CLDR names them).
MONTH_LOCALES = (
    "en", "ru", "uk", "de", "fr", "es", "it", "ko", "ja", "zh", "ar", "fa", "tr", "nl", "pl", "cs",
    "sk", "hu", "ro", "bg", "sr", "hr", "el", "he", "hi", "bn", "vi", "id", "th", "sv", "nb", "da",
    "fi", "is", "pt", "ca",
)  # fmt: skip

# Multiplier words and characters, by value (lower case; stems end where inflection starts).
_MULTIPLIERS: dict[int, tuple[str, ...]] = {
    1_000: (
        "thousand", "тыс", "тысяч", "тис", "тисяч", "хиляд", "хиљад", "tausend", "mille", "mil",
        "tys", "tysiąc", "tysięcy", "tisíc", "tisuć", "tisuća", "bin", "duizend", "ezer", "mii",
        "χιλιάδ", "ألف", "آلاف", "هزار", "אלף", "हज़ार", "हजार", "হাজার", "nghìn", "ngàn", "ribu",
        "พัน", "tusen", "tusind", "tuhat", "tuhatta", "þúsund", "k", "천", "千",
    ),
    10_000: ("만", "万", "萬", "หมื่น"),
    100_000: ("lakh", "लाख", "লাখ", "แสน"),
    1_000_000: (
        "million", "mln", "mio", "млн", "миллион", "мільйон", "милион", "millionen", "millón",
        "millones", "milhão", "milhões", "milione", "milioni", "milió", "milion", "miliony",
        "milionów", "milionu", "milyon", "miljoen", "millió", "εκατομμύρι", "مليون", "میلیون",
        "מיליון", "मिलियन", "মিলিয়ন", "triệu", "juta", "ล้าน", "miljon", "miljoner", "millioner",
        "miljoona", "milljón",
    ),
    10_000_000: ("crore", "करोड़", "করোড়"),
    100_000_000: ("억", "億", "亿"),
    1_000_000_000: (
        "billion", "bn", "млрд", "миллиард", "мільярд", "milliarde", "milliarden", "mrd",
        "milliard", "milliards", "mil millones", "bilhão", "bilhões", "miliardo", "miliardi",
        "miliard", "miliardów", "milyar", "miljard", "milliárd", "δισεκατομμύρι", "مليار",
        "میلیارد", "מיליארד", "tỷ", "miliar", "miljardi", "milljarð",
    ),
}  # fmt: skip
_WORD_VALUE = {w: v for v, words in _MULTIPLIERS.items() for w in words}
_CJK_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5}
_CJK_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "萬": 10_000, "亿": 10**8, "億": 10**8}

_SEP = r"[,.\u00a0\u202f\u2009 ']"
_NUMBER = re.compile(
    rf"(?<![\d.,])(\d{{1,3}}(?:{_SEP}\d{{3}})+|\d+)(?:[.,](\d{{1,2}})(?!\d))?"
    r"(?:\s?(?P<mult>[만억천万萬億亿千]|[^\W\d_]+\.?))?"
)
_CJK_NUMERAL = re.compile(r"[〇零一二两兩三四五六七八九十百千万萬亿億]{2,}")
_YEAR = re.compile(r"(?<![\d.,])(20[0-3]\d)(?![\d])")
_ISO_DATE = re.compile(r"(?<!\d)(20[0-3]\d)[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY_DATE = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](20[0-3]\d|\d{2})(?!\d)")
_EAST_DATE = re.compile(r"(\d{1,2})\s?[월月]\s?(\d{1,2})\s?[일日]")
_VIET_DATE = re.compile(r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})(?!\d)")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def quantities(text: str) -> set[int]:
    """Quantities named in `text` (see the module docstring), as integers."""
    found: set[int] = set()
    folded = _without_dates(_fold(text))
    for match in _NUMBER.finditer(folded):
        whole, decimals, word = match.group(1), match.group(2), match.group("mult")
        digits = re.sub(r"\D", "", whole)
        multiplier = _multiplier(word)
        if multiplier:
            value = float(digits + (f".{decimals}" if decimals else ""))
            found.add(round(value * multiplier))
            continue
        if _YEAR.fullmatch(digits) and len(whole) == 4:
            continue  # a year, not a quantity
        if len(digits) >= 2:
            found.add(int(digits))
    for match in _CJK_NUMERAL.finditer(text):
        numeral = _cjk_value(match.group())
        if numeral is not None and numeral >= 10:
            found.add(numeral)
    return found


def _multiplier(word: str | None) -> int | None:
    if not word:
        return None
    word = word.rstrip(".")
    if word in _WORD_VALUE:
        return _WORD_VALUE[word]
    for length in range(len(word) - 1, 2, -1):  # inflected: миллиона, tysięcy, milionów
        value = _WORD_VALUE.get(word[:length])
        if value is not None and len(word[:length]) >= 3:
            return value
    return None


def _cjk_value(numeral: str) -> int | None:
    """六千 -> 6000, 一万二千 -> 12000, 三十 -> 30; None when it is not a well-formed numeral."""
    total = section = digit = 0
    seen_digit = False
    for char in numeral:
        if char in _CJK_DIGITS:
            digit, seen_digit = _CJK_DIGITS[char], True
            continue
        unit = _CJK_UNITS[char]
        if unit >= 10_000:
            section = (section + digit) * unit
            total += section
            section = digit = 0
        else:
            section += (digit if seen_digit else 1) * unit
            digit = 0
        seen_digit = False
    value = total + section + digit
    return value or None


def years(text: str) -> set[int]:
    """Years 2000–2039 written as such."""
    return {int(y) for y in _YEAR.findall(text)}


def calendar_days(text: str) -> set[tuple[int, int]]:
    """(month, day) pairs of the dates written in `text` (see the module docstring)."""
    found: set[tuple[int, int]] = set()
    for _year, month, day in _ISO_DATE.findall(text):
        _add(found, int(month), int(day))
    for first, second, _year in _DMY_DATE.findall(text):
        a, b = int(first), int(second)
        if a > 12:
            _add(found, b, a)
        elif b > 12:
            _add(found, a, b)
        else:
            _add(found, b, a)  # day first, as most of the world writes it
    for month, day in _EAST_DATE.findall(text):
        _add(found, int(month), int(day))
    for day, month in _VIET_DATE.findall(text):
        _add(found, int(month), int(day))
    folded = _fold(text)
    pattern, months = _month_pattern()
    for match in pattern.finditer(folded):
        day = match.group("d1") or match.group("d2")
        name = match.group("m1") or match.group("m2")
        _add(found, months[name], int(day))
    return found


def _without_dates(folded: str) -> str:
    """The text with its dates blanked out, so that a day of the month is not a quantity."""
    pattern, _months = _month_pattern()
    for regex in (_ISO_DATE, _DMY_DATE, _EAST_DATE, _VIET_DATE, pattern):
        folded = regex.sub(lambda m: " " * len(m.group()), folded)
    return folded


def _add(found: set[tuple[int, int]], month: int, day: int) -> None:
    if 1 <= month <= 12 and 1 <= day <= 31:
        found.add((month, day))


@lru_cache(maxsize=1)
def _month_pattern() -> tuple[re.Pattern[str], dict[str, int]]:
    months: dict[str, int] = {}
    for locale in MONTH_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context=context, locale=locale).items():
                    key = _fold(name).rstrip(".")
                    if len(key) >= 3 and not any(ch.isdigit() for ch in key):
                        months.setdefault(key, number)
    names = "|".join(re.escape(m) for m in sorted(months, key=len, reverse=True))
    pattern = re.compile(
        rf"(?<!\d)(?P<d1>\d{{1,2}})(?:\.|-?го|er|º)?\s+(?:de\s+)?(?P<m1>{names})(?!\w)"
        rf"|(?<!\w)(?P<m2>{names})\.?\s+(?P<d2>\d{{1,2}})(?!\d)"
    )
    return pattern, months
