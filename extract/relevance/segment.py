"""The structure of an article's text: units, sentences, and the lists names form in them.

`build_document` joins the headline, the feed summary (unless it repeats the headline or the
first paragraph) and the paragraphs into one normalised document, split into units, each split
into sentences (. ! ? and 。！？; a full stop after an abbreviation, or before a lower-case
letter or a digit, does not end one). A dateline ("MOSCOW, June 19 (Reuters) -", "ПХЕНЬЯН,
19 июня. /ТАСС/.", "(서울=연합뉴스) ... =") and a first line that repeats the headline are
dropped.

Within a sentence, adjacent names of one country form a phrase ("Russian President Vladimir
Putin"), and phrases joined by commas and conjunctions form an enumeration ("A, B, C and D"):
`extract.relevance` uses both to tell a listed mention from a linked one. Pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.relevance.mentions import Mention
from extract.relevance.terms import TermEntry
from extract.relevance.text import lower, normalise

# --- units and sentences -----------------------------------------------------------------

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
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s+|[。！？।؟۔]+[」』\"')]*\s*")


@dataclass
class Unit:
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


def build_document(
    title: str | None, text: str | None, summary: str | None
) -> tuple[str, list[Unit]]:
    parts: list[tuple[str, str, int]] = []
    norm_title = normalise(" ".join((title or "").split()))
    if norm_title:
        parts.append(("title", norm_title, -1))
    paragraphs = [" ".join(p.split()) for p in normalise(text or "").splitlines()]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and norm_title and lower(paragraphs[0]) == lower(norm_title):
        paragraphs = paragraphs[1:]  # trafilatura repeats the headline as the first line
    norm_summary = _strip_dateline(" ".join(normalise(summary or "").split()))
    low_summary, low_title = lower(norm_summary), lower(norm_title)
    repeats_title = bool(low_title) and (low_title in low_summary or low_summary in low_title)
    repeats_text = bool(paragraphs) and lower(paragraphs[0]).startswith(low_summary[:80])
    if norm_summary and not repeats_title and not repeats_text:
        # a feed summary that is the headline again ("<title> - Reuters") is not a lead
        parts.append(("summary", norm_summary, -1))
    if paragraphs:
        paragraphs[0] = _strip_dateline(paragraphs[0])
    parts.extend(("paragraph", p, n) for n, p in enumerate(paragraphs))
    pieces: list[str] = []
    units: list[Unit] = []
    offset = 0
    for kind, part, number in parts:
        unit = Unit(kind, offset, offset + len(part), number)
        pieces.append(part)
        units.append(unit)
        offset += len(part) + 1
    document = "\n".join(pieces)
    for unit in units:
        unit.sentences = _sentences(document, unit.start, unit.end)
    return document, units


# --- lists of names in a sentence --------------------------------------------------------

_CONJUNCTIONS = (
    r"and|or|as well as|plus|und|oder|sowie|et|ou|y|e|o|ed|и|или|а также|та|і|й|або|чи|"
    r"와|과|및|또는|이나|と|や|及び|および|和|与|與|及|或|以及|"
    r"en|ve|veya|ile|oraz|lub|albo|és|vagy|și|sau|ili|или|και|ή|và|hoặc|dan|atau|"
    r"och|eller|og|ja|tai|sekä|و|یا|או|और|या|এবং|ও|বা|และ|หรือ|กับ"
)
_LIST_SEPARATOR = re.compile(
    r"(?:'s?)?[\s,;/&、，·\-–—]*"
    rf"(?:(?P<conj>{_CONJUNCTIONS})\b[\s,]*|(?P<cjkconj>와|과|및|と|や|和|与|與|及|或|و|ו)[\s,]*)?"
    r"(?:(?:the|la|le|les|el|los|las|il|lo|gli|die|der|den|des|del|della|dei)\s+|l'|d')?",
    re.IGNORECASE,
)
# what ends a name phrase ("Russian President Vladimir Putin" is one phrase; a comma or "and" is not)
_PHRASE_BREAK = re.compile(
    rf"[,;:()、，。.!?،؛।]|\b(?:{_CONJUNCTIONS})\b|와|과|と|や|和|与|及|或", re.I
)


def joined(group: list[Phrase], low: str) -> bool:
    """Joined by a comma or a conjunction, not only by a hyphen ("DPRK-Russia" is a relation)."""
    gap = low[group[0].end : group[1].start]
    return bool(gap.strip(" -‐‑–—")) or not gap


@dataclass(frozen=True)
class Phrase:
    """Adjacent names of one side or country: "Russian President Vladimir Putin"."""

    start: int
    end: int
    kind: str
    members: tuple[Mention, ...]


def phrases(countries: list[Mention], low: str, entries: tuple[TermEntry, ...]) -> list[Phrase]:
    phrases: list[Phrase] = []
    for mention in sorted(countries, key=lambda m: (m.start, -m.end)):
        kind = entries[mention.entry].kind
        if phrases and phrases[-1].kind == kind:
            last = phrases[-1]
            gap = low[last.end : mention.start] if mention.start > last.end else ""
            if len(gap) <= 30 and not _PHRASE_BREAK.search(gap):
                end = max(last.end, mention.end)
                phrases[-1] = Phrase(last.start, end, kind, (*last.members, mention))
                continue
        phrases.append(Phrase(mention.start, mention.end, kind, (mention,)))
    return phrases


def enumerations(phrases: list[Phrase], low: str) -> list[list[Phrase]]:
    """Runs of names separated only by commas/conjunctions: "A, B, C and D".

    Two names make a group only when a conjunction joins them ("China and Russia"); a bare
    comma between two names is as often an apposition or an attribution ("to Russia, Seoul says").
    """
    groups: list[list[Phrase]] = []
    current: list[Phrase] = []
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
