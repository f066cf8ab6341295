"""Text normalisation shared by the term data and the texts it is matched against.

The terms and the texts must be normalised alike: NFKC, accents folded for Latin letters, ё -> е,
curly quotes, middle dots, camel-case glue from HTML stripping ("ComradeKim Jong Un"), all
length-preserving after NFKC so mention spans index the normalised text. The script classes
(`HANGUL`, `KANA`, `HAN`, the scripts matched as substrings `SUBSTRING`) and the word patterns are
here too. Pure.
"""

from __future__ import annotations

import re
import unicodedata


def _build_fold() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
        )
        if len(base) == 1 and base != char and base.isascii():
            table[code] = base
    for quote in "‘’‚‛′ʼ`´":
        table[ord(quote)] = "'"
    for quote in "“”„‟″«»":
        table[ord(quote)] = '"'
    table[ord("ё")] = "е"
    table[ord("Ё")] = "Е"
    table[0x318D] = "·"  # Hangul letter araea, used as a middle dot (북ㆍ러)
    table[0x119E] = "·"
    table[0x30FB] = "·"  # katakana middle dot
    table[0x2027] = "·"
    return table


_FOLD = _build_fold()


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")  # "ComradeKim Jong Un" (glued by HTML stripping)


def normalise(text: str) -> str:
    """Length-preserving after NFKC: fold accents and quotes, split camel-case glue."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _CAMEL.sub(" ", text).translate(_FOLD)


def lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)  # e.g. "İ"


# Scripts whose forms match as substrings, not as whole words: Korean, Japanese and Chinese
# (particles attach to nouns, no spaces), Arabic and Hebrew (prefixes such as و, ال, ב, ו attach
# to words), Thai, Lao, Khmer, Myanmar (no spaces between words), and the Indic scripts (their
# vowel signs are not word characters for the regular-expression engine, and case endings attach).
SUBSTRING = re.compile(
    "[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f"
    "\u1100-\u11ff\u1780-\u17ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\ufb1d-\ufdff\ufe70-\ufeff]"
)
HANGUL = re.compile(r"[\uac00-\ud7af]")
KANA = re.compile(r"[\u3040-\u30ff]")
HAN = re.compile(r"[\u4e00-\u9fff]")
# A script that tells the language, for the cue words (used when the caller gives none).
SCRIPT_LANGUAGES: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"[\u0e00-\u0e7f]"), frozenset({"th"})),
    (re.compile(r"[\u0590-\u05ff]"), frozenset({"he"})),
    (re.compile(r"[\u0370-\u03ff]"), frozenset({"el"})),
    (re.compile(r"[\u0980-\u09ff]"), frozenset({"bn"})),
    (re.compile(r"[\u0900-\u097f]"), frozenset({"hi"})),
    (re.compile(r"[\u0600-\u06ff]"), frozenset({"ar", "fa"})),
)


WORD = re.compile(r"\w+")


GAP = re.compile(r"[ \t\-‐‑‒–—'.·/]{1,4}")  # between the words of a multi-word form
