"""The gazetteer: the names, aliases and cue words of `seeds/gazetteer.toml`, compiled.

`load_topic_terms` reads the file once, `parse_topic_terms` parses a string; both validate every
entry (the message names the file and the entry) and compile the matchers `extract.mentions`
runs: whole words and stems for alphabetic scripts (looked up by word, or by a stem's first three
letters), substrings for Korean, Japanese and Chinese, and regular expressions with the literal
that must occur for them to be worth running.

Text normalisation (`extract.relevance.text`) is shared with the judge, because the terms and the
texts they are matched against must be normalised alike.

Exceptions::

    ValueError
     └── TopicTermsError     the topic-terms file is missing, not TOML, or malformed
                             (the message names the file and the entry)

Pure: no I/O except `load_topic_terms`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from extract.relevance.text import SUBSTRING, WORD, lower, normalise

# the languages the file has forms for (ISO 639-1; "id" covers Malay, "no" Bokmål and Nynorsk)
LANGUAGES = (
    "en", "ru", "uk", "de", "fr", "es", "it", "ko", "ja", "zh",
    "ar", "fa", "tr", "nl", "pl", "cs", "sk", "hu", "ro", "bg", "sr", "hr", "el", "he", "hi",
    "bn", "vi", "id", "th", "sv", "no", "da", "fi", "is", "pt", "ca",
)  # fmt: skip
# codes language identification gives for a language the file writes under another code
LANGUAGE_ALIASES = {"ms": "id", "nb": "no", "nn": "no", "bs": "hr", "sh": "hr", "mo": "ro"}
# languages close enough that a cue word of one counts in the other
SIBLINGS = {"sr": frozenset({"hr"}), "hr": frozenset({"sr"})}
SIDES = ("russia", "north_korea")
# `entity`: a name that is neither side nor a cue (the UN, NATO, Zelensky): the judge ignores it,
# the story features use it
KINDS = ("russia", "north_korea", "pair", "link", "other", "list_cue", "entity")
# what an entry names, for the story features (people, places, organisations, equipment,
# agreements, event kinds...)
TYPES = frozenset(
    {
        "country", "capital", "person", "place", "organisation", "media", "military",
        "equipment", "agreement", "event", "group", "cue",
    }
)  # fmt: skip
CUE_KINDS = frozenset({"link", "list_cue"})  # common words: only in the article's own language
PREFIX = {"russia": "ru", "north_korea": "nk", "pair": "pair", "link": "link", "other": "list"}
LABEL = {"russia": "Russia", "north_korea": "North Korea"}


class TopicTermsError(ValueError):
    """The topic-terms file cannot be used; the message says where and why."""


# --- text normalisation ---------------------------------------------------------------------


_ID = re.compile(r"[a-z]+:[a-z0-9][a-z0-9_.-]*")
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
    id: str | None = None  # the canonical id ("person:putin"), shared by its entries
    type: str | None = None  # what it names (TYPES)

    @property
    def label(self) -> str:
        return f"{PREFIX.get(self.kind, self.kind)}:{self.name}"


# keys of an entry in the file: its fields, with the forms under one key per language
# (the canonical id is written `ref`: `id` is the key of the Indonesian forms)
_ENTRY_KEYS = (
    {f.name for f in fields(TermEntry)} - {"kind", "forms", "id"} | {"ref"} | set(LANGUAGES)
)


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
class TokenForm:
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
    exact: Mapping[str, tuple[TokenForm, ...]] = field(repr=False)
    stems: Mapping[str, tuple[TokenForm, ...]] = field(repr=False)
    substrings: tuple[tuple[str, int, str], ...] = field(repr=False)
    regexes: tuple[tuple[re.Pattern[str], int, str, str], ...] = field(repr=False)
    excludes: tuple[tuple[str, ...], ...] = field(repr=False)  # per entry, normalised

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


def cached_topic_terms(path: Path | str) -> TopicTerms:
    """`load_topic_terms`, once per process while the file stays the same (its size and
    modification time): parsing takes about half a second, and a fork of a process that read
    the file (an extraction worker of `pipeline.warm_worker`'s server) finds it read. The
    compiled terms are shared, never changed."""
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
    except OSError:
        return load_topic_terms(resolved)  # its one-line error
    return _read_once(resolved, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read_once(path: Path, _mtime_ns: int, _size: int) -> TopicTerms:
    return load_topic_terms(path)


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
    entity_id = item.get("ref")
    if entity_id is not None and not (isinstance(entity_id, str) and _ID.fullmatch(entity_id)):
        raise TopicTermsError(f"{where}: ref must look like 'person:putin' (type:name, lower case)")
    kind_of = item.get("type")
    if kind_of is not None and kind_of not in TYPES:
        raise TopicTermsError(f"{where}: type must be one of {sorted(TYPES)}")
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
        id=entity_id,
        type=kind_of,
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
    if SUBSTRING.search(form):
        if "*" in form:
            raise TopicTermsError(f"{where}: '*' is not allowed in a substring form {form!r}")
        return
    if not _FORM_OK.fullmatch(form):
        raise TopicTermsError(
            f"{where}: form {form!r} ({lang}) has characters a word form cannot "
            "have; write it as a 're:' regular expression"
        )
    words = WORD.findall(normalise(form.replace("*", "")))
    if not words:
        raise TopicTermsError(f"{where}: form {form!r} ({lang}) has no letters")
    if "*" in form.replace("* ", " ").rstrip("*"):
        raise TopicTermsError(f"{where}: '*' may only end a word in {form!r}")
    first = form.split()[0]
    if first.endswith("*") and len(normalise(first.rstrip("*"))) < 3:
        raise TopicTermsError(f"{where}: stem {first!r} is shorter than 3 letters")


def _compile(
    entries: tuple[TermEntry, ...], threshold: float, max_terms: int, scoring: Scoring, source: str
) -> TopicTerms:
    exact: dict[str, list[TokenForm]] = {}
    stems: dict[str, list[TokenForm]] = {}
    substrings: dict[tuple[str, int, str], None] = {}
    regexes: list[tuple[re.Pattern[str], int, str, str]] = []
    excludes: list[tuple[str, ...]] = []
    for index, entry in enumerate(entries):
        excludes.append(tuple(lower(normalise(x)) for x in entry.exclude))
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
            elif SUBSTRING.search(form):
                substrings[(lower(normalise(form)), index, lang)] = None
            else:
                token_form = _token_form(form, index, entry.case_sensitive, lang)
                first, is_stem = token_form.words[0]
                key = lower(first)
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
        exact={k: tuple(v) for k, v in exact.items()},
        stems={k: tuple(v) for k, v in stems.items()},
        substrings=tuple(substrings),
        regexes=tuple(regexes),
        excludes=tuple(excludes),
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


def _token_form(form: str, index: int, case_sensitive: bool, lang: str) -> TokenForm:
    text = normalise(form)
    if not case_sensitive:
        text = lower(text)
    words = []
    for match in re.finditer(r"\w+\*?", text):
        word = match.group()
        words.append((word.rstrip("*"), word.endswith("*")))
    return TokenForm(index, tuple(words), case_sensitive, lang)
