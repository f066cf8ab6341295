"""Where the topic terms occur in a text: mentions, as spans of the normalised text.

Whole words with stems for alphabetic scripts (one dictionary lookup per word), substrings for
Korean, Japanese, Chinese, Arabic, Hebrew, Thai and the Indic scripts (particles, prefixes
and case endings attach to words; see `text.SUBSTRING`), and the regular expressions whose
trigger literal occurs. Names count in any language; cue words only in the article's language
when it is known. A mention inside one of its entry's excluded forms ("Russian roulette", 북한산)
is dropped, and of overlapping mentions the longest stays (a pair such as "Putin and Kim" keeps
the names inside it).

The article's languages are the caller's plus what its script shows (Hangul, kana, Han). The
matchers are compiled by `extract.relevance.terms`; this module runs them. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.relevance.terms import (
    LANGUAGE_ALIASES,
    LANGUAGES,
    SIBLINGS,
    TermEntry,
    TokenForm,
    TopicTerms,
)
from extract.relevance.text import GAP, HAN, HANGUL, KANA, SCRIPT_LANGUAGES, SUBSTRING, WORD


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entry: int


def guess_languages(text: str, language: str | None) -> set[str]:
    """The article's languages among LANGUAGES: the caller's, plus what its script shows.

    Empty when unknown (a Latin or Cyrillic text without a language): then every cue counts.
    """
    found = set()
    if language:
        code = language.split("-")[0].split("_")[0].lower()
        code = LANGUAGE_ALIASES.get(code, code)
        found.add(code)
        found |= SIBLINGS.get(code, frozenset())
    if HANGUL.search(text):
        found.add("ko")
    if KANA.search(text):
        found.add("ja")
    elif HAN.search(text) and not found & {"ko", "ja"}:
        found.add("zh")
    if not found:
        for script, languages in SCRIPT_LANGUAGES:
            if script.search(text):
                found |= languages
                break
    return found & set(LANGUAGES)


def find_mentions(terms: TopicTerms, cased: str, low: str, languages: set[str]) -> list[Mention]:
    entries = terms.entries
    allowed = [not e.languages or bool(e.languages & languages) for e in entries]
    cue_languages = languages | {"*"} if languages else None
    found: list[Mention] = []
    tokens = [(m.start(), m.end()) for m in WORD.finditer(low)]
    for i, (start, end) in enumerate(tokens):
        word = low[start:end]
        exact = terms.exact.get(word, ())
        stems = terms.stems.get(word[:3], ())
        if not exact and not stems:
            continue
        for form in (*exact, *stems):
            if not allowed[form.entry] or (cue_languages and form.lang not in cue_languages):
                continue
            if len(form.words) == 1 and not form.case_sensitive:
                first, is_stem = form.words[0]  # the common case, without the general matcher
                if not is_stem or word.startswith(first):
                    found.append(Mention(start, end, form.entry))
                continue
            stop = _match_words(form, tokens, i, cased, low)
            if stop is not None:
                found.append(Mention(start, stop, form.entry))
    if SUBSTRING.search(low):
        present = set(low)  # a form whose first or last character is absent cannot occur
        for needle, index, lang in terms.substrings:
            if not allowed[index] or (cue_languages is not None and lang not in cue_languages):
                continue
            if needle[0] not in present or needle[-1] not in present:
                continue
            at = low.find(needle)
            while at >= 0:
                found.append(Mention(at, at + len(needle), index))
                at = low.find(needle, at + 1)
    for pattern, index, lang, trigger in terms.regexes:
        if trigger and trigger not in cased:
            continue
        if allowed[index] and (cue_languages is None or lang in cue_languages):
            found.extend(
                Mention(m.start(), m.end(), index)
                for m in pattern.finditer(cased)
                if m.end() > m.start()
            )
    found = [m for m in found if not _excluded(m, low, terms.excludes[m.entry])]
    return _drop_contained(found, entries)


def _match_words(
    form: TokenForm, tokens: list[tuple[int, int]], i: int, cased: str, low: str
) -> int | None:
    text = cased if form.case_sensitive else low
    if i + len(form.words) > len(tokens):
        return None
    for j, (word, is_stem) in enumerate(form.words):
        start, end = tokens[i + j]
        if j and not GAP.fullmatch(low, tokens[i + j - 1][1], start):
            return None
        found = text[start:end]
        if not (found.startswith(word) if is_stem else found == word):
            return None
    return tokens[i + len(form.words) - 1][1]


def _excluded(mention: Mention, low: str, excludes: tuple[str, ...]) -> bool:
    if not excludes:
        return False
    found = low[mention.start : mention.end]
    for longer in excludes:
        at = longer.find(found)
        while at >= 0:
            begin = mention.start - at
            if begin >= 0 and low.startswith(longer, begin):
                return True
            at = longer.find(found, at + 1)
    return False


def _drop_contained(mentions: list[Mention], entries: tuple[TermEntry, ...]) -> list[Mention]:
    """Keep the longest of overlapping matches; equal spans of different entries all stay.

    A pair ("Putin and Kim") does not swallow the names inside it: they are reported too.
    """
    pairs = [m for m in set(mentions) if entries[m.entry].kind == "pair"]
    mentions = [m for m in set(mentions) if entries[m.entry].kind != "pair"]
    return sorted(
        _drop_contained_among(mentions) + _drop_contained_among(pairs),
        key=lambda m: (m.start, m.end),
    )


def _drop_contained_among(mentions: list[Mention]) -> list[Mention]:
    mentions = sorted(mentions, key=lambda m: (m.start, -(m.end - m.start), m.entry))
    kept: list[Mention] = []
    reach_end = -1
    reach_start = -1
    for mention in mentions:
        inside = mention.end <= reach_end and not (
            mention.start == reach_start and mention.end == reach_end
        )
        if inside:
            continue
        kept.append(mention)
        if mention.end > reach_end:
            reach_start, reach_end = mention.start, mention.end
    return kept
