"""Is an article about Russia–North Korea relations? An explainable, multilingual judgement.

Not "does it name both countries": both sides must be present *and linked* — named in the same
sentence or paragraph, best in the headline or the lead, ideally with a relation cue (treaty,
troops, summit, 조약, 派兵...). A passing list ("China, Russia, Iran and North Korea"), a side
named only deep in a long article about something else, or named only in page furniture that
survives extraction does not make an article relevant.

All names, aliases, transliterations and cues live in a TOML file (`seeds/topic_terms.toml`,
which documents the matching rules); this module only knows how to use them:

1. Normalise the text (NFKC, accents folded for Latin letters, ё -> е, curly quotes, camel-case
   glue from HTML stripping), strip a dateline ("MOSCOW, June 19 (Reuters) -", "ПХЕНЬЯН,
   19 июня. /ТАСС/.", "(서울=연합뉴스) ... =") and a first line that repeats the headline.
2. Find mentions: whole words with stems for alphabetic scripts (one dictionary lookup per
   word), substrings for Korean, Japanese and Chinese (particles attach to nouns), a few regular
   expressions (run only where their literal occurs). Exclusions, anchored terms and overlaps are
   resolved. Names count in any language; cue words only in the article's language when known.
3. Split into units (headline, feed summary, paragraphs) and sentences (. ! ? and 。！？). In a
   sentence, names are grouped into phrases ("Russian President Vladimir Putin") and
   enumerations ("A, B, C and D"). A mention does not link when it is *listed*: in an enumeration
   of three or more with another country, in a sentence naming five or more other countries, in
   a sentence with a list cue (CRINK, "axis of upheaval"), or when the two sides are only side by
   side with no relation cue in the sentence ("Russian and North Korean hackers"; "DPRK-Russia"
   with a hyphen is a relation).
4. Score (every weight is in the TOML `[scoring]` table):

       headline names both sides ......................... title_both (+ title_cue);
                                                           times title_unsupported when a body of
                                                           2+ paragraphs never links them
       or headline names one side, the lead the other .... title_lead (a cue in headline or lead)
       lead names both in one sentence ................... lead_link (+ lead_cue)
       body: evidence of the linked paragraphs ........... body * min(1, evidence/saturation)
             (both in one sentence with 2+ strong cues > with a cue > both in the paragraph;
             a co-mention shared with one other country counts half)
       a linked subheading (live-blog entry) with a cue .. crosshead
       prominence: share of units naming the rarer side .. balance * min(1, share/saturation)

   then capped: one side only -> cap_one_side; never linked outside lists -> cap_unlinked; the
   rarer side in a single unit of a 5+ unit article whose headline does not name both (a passing
   mention, one country among many) -> cap_single; otherwise, with no headline, lead or
   subheading link and few linked paragraphs, times incidental_factor.
   `relevant = score >= threshold`.

The result keeps the canonical terms found ("ru:Putin", "nk:Kim Jong Un", "link:treaty"), a
one-line reason for analysts and the numbers behind the score (`signals`).

Exceptions::

    ValueError
     └── TopicTermsError     the topic-terms file is missing, not TOML, or malformed
                             (the message names the file and the entry)

Pure: no I/O except `load_topic_terms`, which reads the file once; matchers are compiled there.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from extract.models import Relevance

LANGUAGES = ("en", "ru", "uk", "de", "fr", "es", "it", "ko", "ja", "zh")
SIDES = ("russia", "north_korea")
KINDS = ("russia", "north_korea", "pair", "link", "other", "list_cue")
CUE_KINDS = frozenset({"link", "list_cue"})  # common words: only in the article's own language
PREFIX = {"russia": "ru", "north_korea": "nk", "pair": "pair", "link": "link", "other": "list"}
LABEL = {"russia": "Russia", "north_korea": "North Korea"}


class TopicTermsError(ValueError):
    """The topic-terms file cannot be used; the message says where and why."""


# --- text normalisation ---------------------------------------------------------------------


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


def _normalise(text: str) -> str:
    """Length-preserving after NFKC: fold accents and quotes, split camel-case glue."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _CAMEL.sub(" ", text).translate(_FOLD)


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)  # e.g. "İ"


_CJK = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"
)
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"\w+")
_GAP = re.compile(r"[ \t\-‐‑‒–—'.·/]{1,4}")  # between the words of a multi-word form
_FORM_OK = re.compile(r"[\w\s\-'.*·/]+")


# --- the term data ------------------------------------------------------------------------


@dataclass(frozen=True)
class TermEntry:
    """One entry of the term file: a canonical name and its forms per language."""

    kind: str  # russia, north_korea, pair, link, other, list_cue
    name: str
    group: str | None
    forms: Mapping[str, tuple[str, ...]]  # language -> forms as written in the file
    exclude: tuple[str, ...] = ()
    case_sensitive: bool = False
    anchored: bool = False
    languages: frozenset[str] = frozenset()  # empty: every language
    strength: str = "normal"

    @property
    def label(self) -> str:
        return f"{PREFIX.get(self.kind, self.kind)}:{self.name}"


# keys of an entry in the file: its fields, with the forms under one key per language
_ENTRY_KEYS = {f.name for f in fields(TermEntry)} - {"kind", "forms"} | set(LANGUAGES)


@dataclass(frozen=True)
class Scoring:
    """The weights behind the score; see the module docstring and the TOML `[scoring]` table."""

    title_both: float = 0.45
    title_cue: float = 0.10
    title_lead: float = 0.25
    lead_link: float = 0.20
    lead_cue: float = 0.05
    lead_paragraphs: int = 2
    body: float = 0.30
    body_saturation: float = 3.0
    crosshead: float = 0.25
    crosshead_max_chars: int = 160
    paragraph_dense: float = 1.5
    paragraph_tight_cued: float = 1.0
    paragraph_tight: float = 0.6
    paragraph_loose_cued: float = 0.6
    paragraph_loose: float = 0.3
    shared_factor: float = 0.5
    balance: float = 0.20
    balance_saturation: float = 0.30
    cap_one_side: float = 0.10
    cap_unlinked: float = 0.20
    incidental_share: float = 0.12
    incidental_factor: float = 0.75
    crowd_countries: int = 5
    cap_single: float = 0.35
    single_min_units: int = 5
    title_unsupported: float = 0.5


_SCORING_KEYS = {f.name for f in fields(Scoring)}
_SCORING_INTEGERS = {f.name for f in fields(Scoring) if f.type == "int"}


@dataclass(frozen=True)
class _TokenForm:
    entry: int
    words: tuple[tuple[str, bool], ...]  # (word, is_stem), normalised
    case_sensitive: bool
    lang: str


@dataclass(frozen=True)
class TopicTerms:
    """Parsed and compiled term data. Build with `load_topic_terms` or `parse_topic_terms`."""

    entries: tuple[TermEntry, ...]
    threshold: float
    max_terms: int
    scoring: Scoring
    source: str
    _exact: Mapping[str, tuple[_TokenForm, ...]] = field(repr=False)
    _stems: Mapping[str, tuple[_TokenForm, ...]] = field(repr=False)
    _substrings: tuple[tuple[str, int, str], ...] = field(repr=False)
    _regexes: tuple[tuple[re.Pattern[str], int, str, str], ...] = field(repr=False)
    _excludes: tuple[tuple[str, ...], ...] = field(repr=False)  # per entry, normalised

    def languages_of(self, kind: str) -> set[str]:
        """Languages for which entries of this kind have at least one form."""
        return {lang for e in self.entries if e.kind == kind for lang, f in e.forms.items() if f}


def load_topic_terms(path: Path | str) -> TopicTerms:
    """Read, validate and compile the topic-terms TOML file; raise TopicTermsError if unusable."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TopicTermsError(f"cannot read topic terms {path}: {exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TopicTermsError(f"{path}: not UTF-8: {exc}") from exc
    return parse_topic_terms(text, source=str(path))


def parse_topic_terms(text: str, *, source: str = "<string>") -> TopicTerms:
    """Parse topic-terms TOML from a string (see `load_topic_terms`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TopicTermsError(f"{source}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"judge", "scoring", *KINDS}
    if unknown:
        raise TopicTermsError(f"{source}: unknown top-level keys {sorted(unknown)}")
    judge = data.get("judge", {})
    if not isinstance(judge, dict):
        raise TopicTermsError(f"{source}: [judge] must be a table")
    threshold = judge.get("threshold", 0.5)
    max_terms = judge.get("max_terms", 24)
    if not isinstance(threshold, int | float) or not 0 < threshold <= 1:
        raise TopicTermsError(f"{source}: [judge] threshold must be a number in (0, 1]")
    if not isinstance(max_terms, int) or max_terms < 1:
        raise TopicTermsError(f"{source}: [judge] max_terms must be a positive integer")
    scoring = _parse_scoring(data.get("scoring", {}), source)
    entries = []
    for kind in KINDS:
        items = data.get(kind, [])
        if not isinstance(items, list):
            raise TopicTermsError(f"{source}: {kind} must be an array of tables ([[{kind}]])")
        for number, item in enumerate(items, 1):
            entries.append(_parse_entry(kind, number, item, source))
    for side in SIDES:
        if not any(e.kind == side for e in entries):
            raise TopicTermsError(f"{source}: no [[{side}]] entries")
    return _compile(tuple(entries), float(threshold), max_terms, scoring, source)


def _parse_scoring(table: Any, source: str) -> Scoring:
    if not isinstance(table, dict):
        raise TopicTermsError(f"{source}: [scoring] must be a table")
    unknown = set(table) - _SCORING_KEYS
    if unknown:
        raise TopicTermsError(f"{source}: unknown [scoring] keys {sorted(unknown)}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise TopicTermsError(f"{source}: [scoring] {key} must be a non-negative number")
        values[key] = int(value) if key in _SCORING_INTEGERS else value
    if values.get("body_saturation", 1) == 0 or values.get("balance_saturation", 1) == 0:
        raise TopicTermsError(f"{source}: [scoring] saturations must be positive")
    return Scoring(**values)


def _parse_entry(kind: str, number: int, item: Any, source: str) -> TermEntry:
    where = f"{source}: [[{kind}]] #{number}"
    if not isinstance(item, dict):
        raise TopicTermsError(f"{where}: must be a table")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TopicTermsError(f"{where}: needs a non-empty name")
    where = f"{where} ({name})"
    unknown = set(item) - _ENTRY_KEYS
    if unknown:
        raise TopicTermsError(f"{where}: unknown keys {sorted(unknown)}")
    forms: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        values = item.get(lang, [])
        if not isinstance(values, list) or not all(
            isinstance(v, str) and v.strip() for v in values
        ):
            raise TopicTermsError(f"{where}: {lang} must be a list of non-empty strings")
        for value in values:
            _check_form(value, where, lang)
        forms[lang] = tuple(values)
    if not any(forms.values()):
        raise TopicTermsError(f"{where}: no forms in any language")
    exclude = item.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(v, str) and v for v in exclude):
        raise TopicTermsError(f"{where}: exclude must be a list of strings")
    languages = item.get("languages", [])
    if not isinstance(languages, list) or not set(languages) <= set(LANGUAGES):
        raise TopicTermsError(f"{where}: languages must be a subset of {LANGUAGES}")
    strength = item.get("strength", "normal")
    if strength not in {"strong", "normal"}:
        raise TopicTermsError(f"{where}: strength must be 'strong' or 'normal'")
    flags = {}
    for key in ("case_sensitive", "anchored"):
        flags[key] = item.get(key, False)
        if not isinstance(flags[key], bool):
            raise TopicTermsError(f"{where}: {key} must be true or false")
    group = item.get("group")
    if group is not None and not isinstance(group, str):
        raise TopicTermsError(f"{where}: group must be a string")
    return TermEntry(
        kind=kind,
        name=name.strip(),
        group=group,
        forms=forms,
        exclude=tuple(exclude),
        case_sensitive=flags["case_sensitive"],
        anchored=flags["anchored"],
        languages=frozenset(languages),
        strength=strength,
    )


def _check_form(form: str, where: str, lang: str) -> None:
    if form.startswith("re:"):
        try:
            re.compile(form[3:])
        except re.error as exc:
            raise TopicTermsError(
                f"{where}: bad regular expression {form!r} ({lang}): {exc}"
            ) from exc
        return
    if _CJK.search(form):
        if "*" in form:
            raise TopicTermsError(f"{where}: '*' is not allowed in a substring form {form!r}")
        return
    if not _FORM_OK.fullmatch(form):
        raise TopicTermsError(
            f"{where}: form {form!r} ({lang}) has characters a word form cannot "
            "have; write it as a 're:' regular expression"
        )
    words = _WORD.findall(_normalise(form.replace("*", "")))
    if not words:
        raise TopicTermsError(f"{where}: form {form!r} ({lang}) has no letters")
    if "*" in form.replace("* ", " ").rstrip("*"):
        raise TopicTermsError(f"{where}: '*' may only end a word in {form!r}")
    first = form.split()[0]
    if first.endswith("*") and len(_normalise(first.rstrip("*"))) < 3:
        raise TopicTermsError(f"{where}: stem {first!r} is shorter than 3 letters")


def _compile(
    entries: tuple[TermEntry, ...], threshold: float, max_terms: int, scoring: Scoring, source: str
) -> TopicTerms:
    exact: dict[str, list[_TokenForm]] = {}
    stems: dict[str, list[_TokenForm]] = {}
    substrings: dict[tuple[str, int, str], None] = {}
    regexes: list[tuple[re.Pattern[str], int, str, str]] = []
    excludes: list[tuple[str, ...]] = []
    for index, entry in enumerate(entries):
        excludes.append(tuple(_lower(_normalise(x)) for x in entry.exclude))
        seen: set[tuple[str, str]] = set()
        for lang, form in ((lang, f) for lang, forms in entry.forms.items() for f in forms):
            # names count in every language; cue words only in their own (see CUE_KINDS)
            lang = lang if entry.kind in CUE_KINDS else "*"
            if (lang, form) in seen:
                continue
            seen.add((lang, form))
            if form.startswith("re:"):
                # case kept, whatever the entry says: the file writes (?i) where it wants it
                regexes.append((re.compile(form[3:]), index, lang, _regex_trigger(form[3:])))
            elif _CJK.search(form):
                substrings[(_lower(_normalise(form)), index, lang)] = None
            else:
                token_form = _token_form(form, index, entry.case_sensitive, lang)
                first, is_stem = token_form.words[0]
                key = _lower(first)
                if is_stem:
                    stems.setdefault(key[:3], []).append(token_form)
                else:
                    exact.setdefault(key, []).append(token_form)
    return TopicTerms(
        entries=entries,
        threshold=threshold,
        max_terms=max_terms,
        scoring=scoring,
        source=source,
        _exact={k: tuple(v) for k, v in exact.items()},
        _stems={k: tuple(v) for k, v in stems.items()},
        _substrings=tuple(substrings),
        _regexes=tuple(regexes),
        _excludes=tuple(excludes),
    )


def _regex_trigger(pattern: str) -> str:
    r"""The literal a match must contain, read after the pattern's leading zero-width assertions.

    `\bKim\b(?!...)` -> "Kim", `(?<![가-힣])러(?=...)` -> "러". A regex is only run on a text that
    contains its trigger (a leading \b or look-behind stops the engine's own literal scan, and
    running every pattern over every article costs more than the rest of the judgement). Empty
    when there is no such literal, or the pattern has a top-level alternative: then it always runs.
    """
    if _top_level_alternation(pattern):
        return ""
    rest = pattern
    while True:
        if rest.startswith("\\b"):
            rest = rest[2:]
        elif rest.startswith(("(?<!", "(?<=")):
            depth, i = 0, 0
            while i < len(rest):
                if rest[i] == "\\":
                    i += 2
                    continue
                if rest[i] == "[":
                    i = rest.index("]", i + 1) + 1 if "]" in rest[i + 1 :] else len(rest)
                    continue
                depth += {"(": 1, ")": -1}.get(rest[i], 0)
                i += 1
                if depth == 0:
                    break
            rest = rest[i:]
        else:
            break
    literal = ""
    for i, char in enumerate(rest):
        if char in "\\[](){}.*+?^$|":
            if char in "*?{" and literal:
                literal = literal[:-1]  # the quantifier makes the last character optional
            break
        if i + 1 < len(rest) and rest[i + 1] in "*?{":
            break
        literal += char
    return literal


def _top_level_alternation(pattern: str) -> bool:
    depth, i = 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            close = pattern.find("]", i + 2)
            i = close + 1 if close > 0 else len(pattern)
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            return True
        i += 1
    return False


def _token_form(form: str, index: int, case_sensitive: bool, lang: str) -> _TokenForm:
    text = _normalise(form)
    if not case_sensitive:
        text = _lower(text)
    words = []
    for match in re.finditer(r"\w+\*?", text):
        word = match.group()
        words.append((word.rstrip("*"), word.endswith("*")))
    return _TokenForm(index, tuple(words), case_sensitive, lang)


# --- finding mentions ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    entry: int


def _guess_languages(text: str, language: str | None) -> set[str]:
    """The article's languages among LANGUAGES: the caller's, plus what its script shows.

    Empty when unknown (a Latin or Cyrillic text without a language): then every cue counts.
    """
    found = set()
    if language:
        found.add(language.split("-")[0].split("_")[0].lower())
    if _HANGUL.search(text):
        found.add("ko")
    if _KANA.search(text):
        found.add("ja")
    elif _HAN.search(text) and not found & {"ko", "ja"}:
        found.add("zh")
    return found & set(LANGUAGES)


def _find_mentions(terms: TopicTerms, cased: str, low: str, languages: set[str]) -> list[_Mention]:
    entries = terms.entries
    allowed = [not e.languages or bool(e.languages & languages) for e in entries]
    cue_languages = languages | {"*"} if languages else None
    found: list[_Mention] = []
    tokens = [(m.start(), m.end()) for m in _WORD.finditer(low)]
    for i, (start, end) in enumerate(tokens):
        word = low[start:end]
        exact = terms._exact.get(word, ())
        stems = terms._stems.get(word[:3], ())
        if not exact and not stems:
            continue
        for form in (*exact, *stems):
            if not allowed[form.entry] or (cue_languages and form.lang not in cue_languages):
                continue
            if len(form.words) == 1 and not form.case_sensitive:
                first, is_stem = form.words[0]  # the common case, without the general matcher
                if not is_stem or word.startswith(first):
                    found.append(_Mention(start, end, form.entry))
                continue
            stop = _match_words(form, tokens, i, cased, low)
            if stop is not None:
                found.append(_Mention(start, stop, form.entry))
    if _CJK.search(low):
        for needle, index, lang in terms._substrings:
            if not allowed[index] or (cue_languages is not None and lang not in cue_languages):
                continue
            at = low.find(needle)
            while at >= 0:
                found.append(_Mention(at, at + len(needle), index))
                at = low.find(needle, at + 1)
    for pattern, index, lang, trigger in terms._regexes:
        if trigger and trigger not in cased:
            continue
        if allowed[index] and (cue_languages is None or lang in cue_languages):
            found.extend(
                _Mention(m.start(), m.end(), index)
                for m in pattern.finditer(cased)
                if m.end() > m.start()
            )
    found = [m for m in found if not _excluded(m, low, terms._excludes[m.entry])]
    return _drop_contained(found, entries)


def _match_words(
    form: _TokenForm, tokens: list[tuple[int, int]], i: int, cased: str, low: str
) -> int | None:
    text = cased if form.case_sensitive else low
    if i + len(form.words) > len(tokens):
        return None
    for j, (word, is_stem) in enumerate(form.words):
        start, end = tokens[i + j]
        if j and not _GAP.fullmatch(low, tokens[i + j - 1][1], start):
            return None
        found = text[start:end]
        if not (found.startswith(word) if is_stem else found == word):
            return None
    return tokens[i + len(form.words) - 1][1]


def _excluded(mention: _Mention, low: str, excludes: tuple[str, ...]) -> bool:
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


def _drop_contained(mentions: list[_Mention], entries: tuple[TermEntry, ...]) -> list[_Mention]:
    """Keep the longest of overlapping matches; equal spans of different entries all stay.

    A pair ("Putin and Kim") does not swallow the names inside it: they are reported too.
    """
    pairs = [m for m in set(mentions) if entries[m.entry].kind == "pair"]
    mentions = [m for m in set(mentions) if entries[m.entry].kind != "pair"]
    return sorted(
        _drop_contained_among(mentions) + _drop_contained_among(pairs),
        key=lambda m: (m.start, m.end),
    )


def _drop_contained_among(mentions: list[_Mention]) -> list[_Mention]:
    mentions = sorted(mentions, key=lambda m: (m.start, -(m.end - m.start), m.entry))
    kept: list[_Mention] = []
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


# --- units, sentences and lists -----------------------------------------------------------

_DATELINES = [
    # "MOSCOW, June 19 (Reuters) -", "Pyongyang, July 14 (KCNA) --", "SEOUL, Aug. 20 (Yonhap) --"
    re.compile(r"^[A-Z][\w .,'/-]{1,60}?\((?:[A-Z][\w .&-]{0,25})\)\s*[-–—]{1,2}\s*"),
    # "MOSCOW -", "UNITED NATIONS --" (capitals only)
    re.compile(r"^[A-Z][A-Z .'/-]{2,40}(?:,\s*[\w .]{2,25})?\s+[-–—]{1,2}\s+"),
    # TASS, RIA Novosti, Interfax
    re.compile(
        r"^[А-ЯЁ][А-ЯЁ \-]{2,30},\s*\d{1,2}\s+\w+\.?\s*(?:/\s*(?:ТАСС|ИТАР-ТАСС)\s*/\.?|"
        r"[-–—]\s*(?:РИА Новости|Интерфакс|ТАСС)\.?)\s*"
    ),
    # Yonhap Korean "(서울=연합뉴스) 김아무개 기자 =", Japanese "【ソウル時事】", Xinhua
    re.compile(r"^\([^()=]{1,20}=[^()]{1,20}\)\s*(?:[^=\n]{0,40}=\s*)?"),
    re.compile(r"^【[^】]{1,20}】\s*"),
    re.compile(r"^(?:新华社|新華社|中新社|中新网)[^电電]{1,30}[电電](?:（[^）]{0,40}）)?\s*"),
]
_ABBREVIATION = re.compile(
    r"(?:[A-Za-z]|(?:[A-Za-z]\.){1,4}[A-Za-z]?|Mr|Mrs|Ms|Dr|Gen|Lt|Col|Sgt|Capt|Gov|Sen|Rep|St|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|Vol|vs|etc|Inc|Corp|Co|Ltd|Jr|Sr|Prof|"
    r"approx|г|гг|им|т)"
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s+|[。！？]+[」』\"')]*\s*")
_CONJUNCTIONS = (
    r"and|or|as well as|plus|und|oder|sowie|et|ou|y|e|o|ed|и|или|а также|та|і|й|або|чи|"
    r"와|과|및|또는|이나|と|や|及び|および|和|与|與|及|或|以及"
)
_LIST_SEPARATOR = re.compile(
    r"(?:'s?)?[\s,;/&、，·\-–—]*"
    rf"(?:(?P<conj>{_CONJUNCTIONS})\b[\s,]*|(?P<cjkconj>와|과|및|と|や|和|与|與|及|或)[\s,]*)?"
    r"(?:(?:the|la|le|les|el|los|las|il|lo|gli|die|der|den|des|del|della|dei)\s+|l'|d')?",
    re.IGNORECASE,
)
# what ends a name phrase ("Russian President Vladimir Putin" is one phrase; a comma or "and" is not)
_PHRASE_BREAK = re.compile(
    rf"[,;:()、，。.!?]|\b(?:{_CONJUNCTIONS})\b|와|과|と|や|和|与|及|或", re.I
)


@dataclass
class _Unit:
    kind: str  # title, summary, paragraph
    start: int
    end: int
    index: int  # paragraph number (0 = first body paragraph); -1 for title/summary
    sentences: list[tuple[int, int]] = field(default_factory=list)


def _strip_dateline(paragraph: str) -> str:
    head = paragraph[:160]
    for pattern in _DATELINES:
        match = pattern.match(head)
        if match and match.end() < len(paragraph):
            return paragraph[match.end() :]
    return paragraph


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    begin = start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        if stop >= end:
            break
        if text[match.start()] == ".":
            before = text[begin : match.start()].rsplit(None, 1)
            word = before[-1].lstrip("(['\"") if before else ""
            following = text[stop : stop + 1]
            if _ABBREVIATION.fullmatch(word) or following.islower() or following.isdigit():
                continue
        spans.append((begin, stop))
        begin = stop
    if begin < end:
        spans.append((begin, end))
    return spans


def _build_document(
    title: str | None, text: str | None, summary: str | None
) -> tuple[str, list[_Unit]]:
    parts: list[tuple[str, str, int]] = []
    norm_title = _normalise(" ".join((title or "").split()))
    if norm_title:
        parts.append(("title", norm_title, -1))
    paragraphs = [" ".join(p.split()) for p in _normalise(text or "").splitlines()]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and norm_title and _lower(paragraphs[0]) == _lower(norm_title):
        paragraphs = paragraphs[1:]  # trafilatura repeats the headline as the first line
    norm_summary = _strip_dateline(" ".join(_normalise(summary or "").split()))
    low_summary, low_title = _lower(norm_summary), _lower(norm_title)
    repeats_title = bool(low_title) and (low_title in low_summary or low_summary in low_title)
    repeats_text = bool(paragraphs) and _lower(paragraphs[0]).startswith(low_summary[:80])
    if norm_summary and not repeats_title and not repeats_text:
        # a feed summary that is the headline again ("<title> - Reuters") is not a lead
        parts.append(("summary", norm_summary, -1))
    if paragraphs:
        paragraphs[0] = _strip_dateline(paragraphs[0])
    parts.extend(("paragraph", p, n) for n, p in enumerate(paragraphs))
    pieces: list[str] = []
    units: list[_Unit] = []
    offset = 0
    for kind, part, number in parts:
        unit = _Unit(kind, offset, offset + len(part), number)
        pieces.append(part)
        units.append(unit)
        offset += len(part) + 1
    document = "\n".join(pieces)
    for unit in units:
        unit.sentences = _sentences(document, unit.start, unit.end)
    return document, units


# --- judging --------------------------------------------------------------------------------


@dataclass
class _SentenceView:
    sides: dict[str, list[_Mention]]  # side -> unlisted mentions (pairs count for both)
    listed: dict[str, int]  # side -> listed mentions
    shared: bool  # a side shares its mention with one other country ("China and Russia")
    links: list[_Mention]
    others: list[str]
    parallel: bool  # both sides only side by side, no cue ("Russian and North Korean hackers")


def _analyse_sentence(terms: TopicTerms, mentions: list[_Mention], low: str) -> _SentenceView:
    entries = terms.entries
    sides: dict[str, list[_Mention]] = {"russia": [], "north_korea": []}
    listed = {"russia": 0, "north_korea": 0}
    links = [m for m in mentions if entries[m.entry].kind == "link"]
    list_cue = any(entries[m.entry].kind == "list_cue" for m in mentions)
    countries = [m for m in mentions if entries[m.entry].kind in {*SIDES, "other"}]
    groups = _enumerations(_phrases(countries, low, entries), low)
    in_list: set[_Mention] = set()
    shared = False
    others: list[str] = []
    crowd = {low[m.start : m.end][:5] for m in countries if entries[m.entry].kind == "other"}
    if len(crowd) >= terms.scoring.crowd_countries:
        in_list.update(countries)  # "greetings came from Nepal, Laos, Russia, Syria, Cuba..."
        others.extend(entries[m.entry].name for m in countries if entries[m.entry].kind == "other")
    parallel = False
    for group in groups:
        kinds = [phrase.kind for phrase in group]
        members = [m for phrase in group for m in phrase.members]
        if sorted(kinds) == ["north_korea", "russia"] and not links and _joined(group, low):
            in_list.update(members)  # two parallel subjects, not a relation
            parallel = True
            continue
        if "other" not in kinds:
            continue
        if len(group) >= 3:
            in_list.update(members)
            others.extend(
                entries[m.entry].name for m in members if entries[m.entry].kind == "other"
            )
        elif len(group) == 2:
            shared = True
    for mention in mentions:
        kind = entries[mention.entry].kind
        targets = SIDES if kind == "pair" else (kind,) if kind in SIDES else ()
        for side in targets:
            if list_cue or mention in in_list:
                listed[side] += 1
            else:
                sides[side].append(mention)
    if list_cue:
        others.extend(entries[m.entry].name for m in countries if entries[m.entry].kind == "other")
    return _SentenceView(sides, listed, shared, links, others, parallel)


def _joined(group: list[_Phrase], low: str) -> bool:
    """Joined by a comma or a conjunction, not only by a hyphen ("DPRK-Russia" is a relation)."""
    gap = low[group[0].end : group[1].start]
    return bool(gap.strip(" -‐‑–—")) or not gap


@dataclass(frozen=True)
class _Phrase:
    """Adjacent names of one side or country: "Russian President Vladimir Putin"."""

    start: int
    end: int
    kind: str
    members: tuple[_Mention, ...]


def _phrases(countries: list[_Mention], low: str, entries: tuple[TermEntry, ...]) -> list[_Phrase]:
    phrases: list[_Phrase] = []
    for mention in sorted(countries, key=lambda m: (m.start, -m.end)):
        kind = entries[mention.entry].kind
        if phrases and phrases[-1].kind == kind:
            last = phrases[-1]
            gap = low[last.end : mention.start] if mention.start > last.end else ""
            if len(gap) <= 30 and not _PHRASE_BREAK.search(gap):
                end = max(last.end, mention.end)
                phrases[-1] = _Phrase(last.start, end, kind, (*last.members, mention))
                continue
        phrases.append(_Phrase(mention.start, mention.end, kind, (mention,)))
    return phrases


def _enumerations(phrases: list[_Phrase], low: str) -> list[list[_Phrase]]:
    """Runs of names separated only by commas/conjunctions: "A, B, C and D".

    Two names make a group only when a conjunction joins them ("China and Russia"); a bare
    comma between two names is as often an apposition or an attribution ("to Russia, Seoul says").
    """
    groups: list[list[_Phrase]] = []
    current: list[_Phrase] = []
    saw_conjunction = False
    for phrase in phrases:
        if current and phrase.start >= current[-1].end:
            gap = _LIST_SEPARATOR.fullmatch(low, current[-1].end, phrase.start)
            between = low[current[-1].end : phrase.start]
            if gap is not None and not (saw_conjunction and "," in between):
                current.append(phrase)
                saw_conjunction = (
                    saw_conjunction
                    or bool(gap.group("conj") or gap.group("cjkconj"))
                    or any(mark in between for mark in "&/、·")  # "China & Russia", "中国、俄罗斯"
                )
                continue
        if current and (len(current) != 2 or saw_conjunction):
            groups.append(current)
        elif current:
            groups.extend([[current[0]], [current[1]]])
        current = [phrase]
        saw_conjunction = False
    if current and (len(current) != 2 or saw_conjunction):
        groups.append(current)
    elif current:
        groups.extend([[current[0]], [current[1]]])
    return groups


@dataclass
class _UnitView:
    unit: _Unit
    has: dict[str, bool]
    tight: bool  # one sentence names both sides (unlisted)
    direct: bool  # ...and neither shares it with another country ("China and Russia ... N. Korea")
    cued: bool
    shared: bool
    crosshead: bool
    pair: bool  # a pair word (북러, 露朝) names both sides at once
    strong_cues: int  # distinct strong cues (treaty, troops, munitions...) in the unit


def judge_relevance(
    *,
    title: str | None,
    text: str | None,
    terms: TopicTerms,
    language: str | None = None,
    summary: str | None = None,
) -> Relevance:
    """Judge whether an article is about Russia–North Korea relations (see module docstring)."""
    document, units = _build_document(title, text, summary)
    cfg = terms.scoring
    if not units:
        return Relevance(False, 0.0, (), "Not relevant: no text", {"units": 0.0})
    low = _lower(document)
    entries = terms.entries
    mentions = _find_mentions(terms, document, low, _guess_languages(document, language))
    anchored_sides = {entries[m.entry].kind for m in mentions if not entries[m.entry].anchored}
    if "pair" in anchored_sides:
        anchored_sides.update(SIDES)
    mentions = [
        m
        for m in mentions
        if not entries[m.entry].anchored or entries[m.entry].kind in anchored_sides
    ]

    counts: Counter[int] = Counter(m.entry for m in mentions)
    views: list[_UnitView] = []
    listed_total = {"russia": 0, "north_korea": 0}
    list_others: list[str] = []
    parallel = 0
    cursor = 0
    ordered = sorted(mentions, key=lambda m: m.start)
    for unit in units:
        has = {"russia": False, "north_korea": False}
        tight = direct = cued = shared = pair = False
        strong: set[str] = set()
        for s_start, s_end in unit.sentences:
            inside = []
            while cursor < len(ordered) and ordered[cursor].start < s_end:
                if ordered[cursor].start >= s_start:
                    inside.append(ordered[cursor])
                cursor += 1
            view = _analyse_sentence(terms, inside, low)
            pair = pair or any(entries[m.entry].kind == "pair" for m in inside)
            for side in SIDES:
                has[side] = has[side] or bool(view.sides[side])
                listed_total[side] += view.listed[side]
            parallel += view.parallel
            both = all(view.sides[side] for side in SIDES)
            tight = tight or both
            direct = direct or (both and not view.shared)
            cued = cued or bool(view.links)
            strong.update(
                entries[m.entry].name for m in view.links if entries[m.entry].strength == "strong"
            )
            shared = shared or (both and view.shared)
            list_others.extend(view.others)
        crosshead = (
            unit.kind == "paragraph"
            and unit.index > 0
            and unit.end - unit.start <= cfg.crosshead_max_chars
            and document[unit.end - 1 : unit.end] not in {".", "!", "?", "。", ":", ";"}
        )
        views.append(
            _UnitView(
                unit,
                has,
                tight,
                direct,
                cued,
                shared,
                crosshead,
                pair,
                len(strong),
            )
        )

    countries = {low[m.start : m.end][:5] for m in mentions if entries[m.entry].kind == "other"}
    return _score(
        terms, views, counts, listed_total, list_others, parallel, len(document), len(countries)
    )


def _score(
    terms: TopicTerms,
    views: list[_UnitView],
    counts: Counter[int],
    listed_total: dict[str, int],
    list_others: list[str],
    parallel: int,
    length: int,
    other_countries: int,
) -> Relevance:
    cfg = terms.scoring
    entries = terms.entries
    side_count = {
        side: sum(
            n for e, n in counts.items() if entries[e].kind == side or entries[e].kind == "pair"
        )
        for side in SIDES
    }
    title = next((v for v in views if v.unit.kind == "title"), None)
    body = [v for v in views if v.unit.kind == "paragraph"]
    lead = [v for v in views if v.unit.kind == "summary"] + [
        v for v in body if v.unit.index < cfg.lead_paragraphs
    ]
    linked = [v for v in views if all(v.has.values())]

    signals: dict[str, float] = {
        "ru_mentions": float(side_count["russia"]),
        "nk_mentions": float(side_count["north_korea"]),
        "listed_mentions": float(sum(listed_total.values())),
        "parallel_sentences": float(parallel),
        "paragraphs": float(len(body)),
        "linked_units": float(len(linked)),
        "chars": float(length),
    }
    score = 0.0
    title_both = title is not None and all(title.has.values()) and title.direct
    title_sides = [s for s in SIDES if title is not None and title.has[s]]
    lead_has = {s: any(v.has[s] for v in lead) for s in SIDES}
    lead_link = [v for v in lead if v.direct]
    title_lead = False
    body_linked = [v for v in linked if v.unit.kind != "title"]
    if title_both and title is not None:
        weight = cfg.title_both + (cfg.title_cue if title.cued or title.pair else 0.0)
        body_names_both = all(any(v.has[s] for v in body) for s in SIDES)
        if len(body) >= 2 and body_names_both and not body_linked:
            weight *= cfg.title_unsupported  # the body names both, and never together
        score += weight
    elif len(title_sides) == 1 and title is not None:
        other = "north_korea" if title_sides[0] == "russia" else "russia"
        title_lead = lead_has[other] and (title.cued or any(v.cued for v in lead_link))
        if title_lead:
            score += cfg.title_lead
    if lead_link:
        score += cfg.lead_link + (cfg.lead_cue if any(v.cued for v in lead_link) else 0.0)
    evidence = 0.0
    for view in linked:
        if view.unit.kind == "title":
            continue
        if view.tight and view.strong_cues >= 2:
            weight = cfg.paragraph_dense  # troops and treaty and munitions: about the relation
        elif view.tight:
            weight = cfg.paragraph_tight_cued if view.cued else cfg.paragraph_tight
        else:
            weight = cfg.paragraph_loose_cued if view.cued else cfg.paragraph_loose
        if view.shared:
            weight *= cfg.shared_factor
        evidence += weight
    score += cfg.body * min(1.0, evidence / cfg.body_saturation)
    crossheads = [v for v in linked if v.crosshead and v.tight and v.cued]
    if crossheads:
        score += cfg.crosshead
    share = {s: sum(1 for v in views if v.has[s]) / len(views) for s in SIDES}
    balance = min(share.values())
    score += cfg.balance * min(1.0, balance / cfg.balance_saturation)

    linked_share = len([v for v in linked if v.unit.kind != "title"]) / max(1, len(body))
    headline_or_lead = title_both or title_lead or bool(lead_link) or bool(crossheads)
    present = {s: side_count[s] > 0 for s in SIDES}
    units_naming = {s: sum(1 for v in views if v.has[s]) for s in SIDES}
    # the less-named side in one paragraph only, of an article of some length whose headline
    # does not name both: a passing mention ("...since Kim returned from Moscow"), or one
    # country among many (greetings from abroad, a summit's guest list)
    single = (
        not title_both and len(views) >= cfg.single_min_units and min(units_naming.values()) <= 1
    )
    cap = 1.0
    if not all(present.values()):
        cap = cfg.cap_one_side
    elif not linked:
        cap = cfg.cap_unlinked
    elif single:
        cap = cfg.cap_single
    elif not headline_or_lead and linked_share < cfg.incidental_share:
        score *= cfg.incidental_factor
    score = round(max(0.0, min(cap, score, 1.0)), 4)
    relevant = score >= terms.threshold

    signals.update(
        {
            "title_both": float(title_both),
            "title_sides": float(len(title_sides)),
            "title_lead": float(title_lead),
            "lead_link": float(bool(lead_link)),
            "evidence": round(evidence, 3),
            "balance": round(balance, 3),
            "linked_share": round(linked_share, 3),
            "crossheads_linked": float(len(crossheads)),
            "cued_units": float(sum(1 for v in linked if v.cued)),
            "other_countries": float(other_countries),
            "cap": cap,
        }
    )
    found = _terms(terms, counts, list_others)
    reason = _reason(
        terms,
        relevant,
        score,
        counts,
        present,
        title_both,
        bool(lead_link),
        linked,
        len(body),
        listed_total,
        list_others,
        parallel,
        "crowd"
        if single and other_countries >= cfg.crowd_countries
        else "single"
        if single
        else "",
    )
    return Relevance(relevant, score, found, reason, signals)


def _weaker(terms: TopicTerms, counts: Counter[int]) -> str:
    totals = {s: sum(n for e, n in counts.items() if terms.entries[e].kind == s) for s in SIDES}
    return min(SIDES, key=lambda s: totals[s])


def _top(terms: TopicTerms, counts: Counter[int], kind: str, n: int = 2) -> list[str]:
    by_name: Counter[str] = Counter()
    for entry, count in counts.items():
        if terms.entries[entry].kind == kind:
            by_name[terms.entries[entry].name] += count
    return [name for name, _ in by_name.most_common(n)]


def _terms(terms: TopicTerms, counts: Counter[int], list_others: Iterable[str]) -> tuple[str, ...]:
    ordered: list[str] = []
    for kind in ("russia", "north_korea", "pair", "link"):
        names: Counter[str] = Counter()
        strong: set[str] = set()
        for entry, count in counts.items():
            item = terms.entries[entry]
            if item.kind == kind:
                names[item.name] += count
                if item.strength == "strong":
                    strong.add(item.name)
        ranked = sorted(names, key=lambda n: (n not in strong, -names[n], n))
        ordered.extend(f"{PREFIX[kind]}:{name}" for name in ranked)
    ordered.extend(f"list:{name}" for name in dict.fromkeys(list_others))
    return tuple(ordered[: terms.max_terms])


def _reason(
    terms: TopicTerms,
    relevant: bool,
    score: float,
    counts: Counter[int],
    present: dict[str, bool],
    title_both: bool,
    lead_link: bool,
    linked: list[_UnitView],
    paragraphs: int,
    listed_total: dict[str, int],
    list_others: list[str],
    parallel: int,
    capped: str,
) -> str:
    def named(side: str) -> str:
        top = _top(terms, counts, side) or _top(terms, counts, "pair", 1)
        return f"{LABEL[side]} ({', '.join(top)})" if top else LABEL[side]

    links = [t.split(":", 1)[1] for t in _terms(terms, counts, ()) if t.startswith("link:")][:3]
    cue = f"; cues: {', '.join(links)}" if links else ""
    body_links = len([v for v in linked if v.unit.kind == "paragraph"])
    count = f"{body_links} linked paragraph{'s' if body_links != 1 else ''}"
    if not any(present.values()):
        return "Not relevant: names neither Russia nor North Korea"
    if not all(present.values()):
        missing = "North Korea" if present["russia"] else "Russia"
        there = "russia" if present["russia"] else "north_korea"
        return f"Not relevant: {named(there)} named, {missing} not"
    if capped and linked and all(present.values()):
        side = "Russia" if _weaker(terms, counts) == "russia" else "North Korea"
        if capped == "crowd":
            return f"Not relevant: {side} is one of many countries named (score {score:.2f})"
        return f"Not relevant: {side} named in one paragraph only, in passing (score {score:.2f})"
    if not linked:
        if parallel and not list_others:
            return (
                "Not relevant: Russia and North Korea only named side by side, with no relation cue"
            )
        if any(listed_total.values()):
            others = ", ".join(dict.fromkeys(list_others)) or "other countries"
            side = "North Korea" if listed_total["north_korea"] else "Russia"
            return f"Not relevant: {side} only named in a list with {others}"
        return "Not relevant: Russia and North Korea never named in the same sentence or paragraph"
    where = (
        "Headline links"
        if title_both
        else "Lead links"
        if lead_link
        else f"{body_links} of {paragraphs} paragraphs link"
    )
    what = f"{where} {named('russia')} and {named('north_korea')}"
    if relevant:
        tail = f"; {count}" if where.startswith(("Headline", "Lead")) and paragraphs else ""
        return f"{what}{tail}{cue} (score {score:.2f})"
    return f"Not relevant: only {what.lower()[0] + what[1:]}{cue} (score {score:.2f})"
