"""Extractive summaries: two or three sentences taken from an article, never written anew.

    sentences = split_sentences(text)
    summary = extractive_summary(text, title=title)   # ["First sentence.", "Second one."]

Datelines ("Pyongyang, November 11 (KCNA) --", "SEOUL (Reuters) -") are dropped from the first
sentence, sentences that repeat the headline are skipped, and very short or very long fragments
(photo captions, run-on lists) are passed over. Works on English, Russian and Korean text: Korean
sentences end in "다." and are split on the full stop like the others.
"""

from __future__ import annotations

import re

from extract.article.clean import tidy_text
from reports.stories.features import normalize_text

MAX_SENTENCES = 3
MIN_SENTENCES = 2
MAX_CHARS = 480
MIN_WORDS = 5
MAX_WORDS = 70

_ABBREVIATION_WORDS = """
    mr mrs ms dr st jr sr gen col lt maj sgt capt adm gov sen rep prof inc ltd co corp vs
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.n u.k e.g i.e approx est т.е г гг им ул
    тыс млн млрд
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_BOUNDARY = re.compile(r"(?<=[.!?…。])[\"'”»)]*\s+(?=[\"'“«(\[]?[A-ZА-ЯЁ0-9가-힣])")
_DATELINE = re.compile(
    r"^\s*[A-ZА-ЯЁ][\w .,'’-]{0,60}?\((?:[A-Za-zА-Яа-яЁё .]{2,20})\)\s*[-–—]+\s*"
    r"|^\s*[A-ZА-ЯЁ][A-ZА-ЯЁ .,'-]{2,40}\s*[-–—]\s+"
)


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, paragraph breaks respected, abbreviations ("Mr.", "N. Korea") kept."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        start = 0
        pending = ""
        for match in _BOUNDARY.finditer(paragraph):
            piece = paragraph[start : match.start()].strip()
            start = match.end()
            candidate = f"{pending} {piece}".strip() if pending else piece
            last_word = candidate.rsplit(" ", 1)[-1].rstrip(".").casefold()
            if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
                pending = candidate
                continue
            out.append(candidate)
            pending = ""
        tail = paragraph[start:].strip()
        if tail or pending:
            out.append(f"{pending} {tail}".strip())
    return out


def strip_dateline(sentence: str) -> str:
    """A sentence without a leading news-agency dateline."""
    stripped = _DATELINE.sub("", sentence, count=1)
    return stripped if len(stripped.split()) >= MIN_WORDS else sentence


def extractive_summary(
    text: str | None,
    *,
    title: str | None = None,
    max_sentences: int = MAX_SENTENCES,
    max_chars: int = MAX_CHARS,
) -> list[str]:
    """Up to `max_sentences` sentences from the start of `text` (at least two when they fit)."""
    if not text:
        return []
    text = tidy_text(text)
    headline = normalize_text(title or "")
    chosen: list[str] = []
    size = 0
    for index, sentence in enumerate(split_sentences(text)):
        if index == 0:
            sentence = strip_dateline(sentence)
        words = len(sentence.split())
        if words < MIN_WORDS or words > MAX_WORDS:
            continue
        if headline and normalize_text(sentence) == headline:
            continue
        if chosen and size + len(sentence) > max_chars and len(chosen) >= MIN_SENTENCES:
            break
        if chosen and size + len(sentence) > max_chars * 1.25:
            break
        chosen.append(sentence)
        size += len(sentence) + 1
        if len(chosen) >= max_sentences:
            break
    if not chosen:
        first = " ".join(text.split())
        return [first[:max_chars].rsplit(" ", 1)[0] + "…"] if len(first) > max_chars else [first]
    return chosen
