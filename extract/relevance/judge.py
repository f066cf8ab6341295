"""Is an article about Russia–North Korea relations? An explainable, multilingual judgement.

Not "does it name both countries": both sides must be present *and linked* — named in the same
sentence or paragraph, best in the headline or the lead, ideally with a relation cue (treaty,
troops, summit, 조약, 派兵...). A passing list ("China, Russia, Iran and North Korea"), a side
named only deep in a long article about something else, or named only in page furniture that
survives extraction does not make an article relevant.

All names, aliases, transliterations and cues live in the gazetteer (`seeds/gazetteer.toml`,
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

Where the steps live (this folder): the term file in `terms` and text normalisation in `text`;
datelines, units, sentences, phrases and enumerations in `segment`; finding mentions in
`mentions`; reading each sentence and unit here; the score, its caps, signals and reason in
`score`.

Exceptions::

    ValueError
     └── TopicTermsError     the topic-terms file is missing, not TOML, or malformed
                             (raised by `terms.load_topic_terms` / `terms.parse_topic_terms`)

Pure: no I/O except `load_topic_terms`, which reads the file once; matchers are compiled there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from anyascii import anyascii

from extract.models import Relevance
from extract.relevance.mentions import Mention, find_mentions, guess_languages
from extract.relevance.score import MentionCounts, UnitView, score_views
from extract.relevance.segment import build_document, enumerations, joined, phrases
from extract.relevance.terms import LANGUAGE_ALIASES, LANGUAGES, SIDES, TopicTerms
from extract.relevance.text import lower


@dataclass
class _SentenceView:
    sides: dict[str, list[Mention]]  # side -> unlisted mentions (pairs count for both)
    listed: dict[str, int]  # side -> listed mentions
    shared: bool  # a side shares its mention with one other country ("China and Russia")
    links: list[Mention]
    others: list[str]
    parallel: bool  # both sides only side by side, no cue ("Russian and North Korean hackers")


def _analyse_sentence(terms: TopicTerms, mentions: list[Mention], low: str) -> _SentenceView:
    entries = terms.entries
    sides: dict[str, list[Mention]] = {"russia": [], "north_korea": []}
    listed = {"russia": 0, "north_korea": 0}
    links = [m for m in mentions if entries[m.entry].kind == "link"]
    list_cue = any(entries[m.entry].kind == "list_cue" for m in mentions)
    countries = [m for m in mentions if entries[m.entry].kind in {*SIDES, "other"}]
    groups = enumerations(phrases(countries, low, entries), low)
    in_list: set[Mention] = set()
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
        if sorted(kinds) == ["north_korea", "russia"] and not links and joined(group, low):
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


def judge_relevance(
    *,
    title: str | None,
    text: str | None,
    terms: TopicTerms,
    language: str | None = None,
    summary: str | None = None,
) -> Relevance:
    """Judge whether an article is about Russia–North Korea relations (see module docstring).

    An article in a language the gazetteer has no forms for, written in a script other than
    Latin (Armenian, Georgian, Kazakh...), is judged a second time transliterated to Latin letters
    (`anyascii`), so that the names its press spells alike ("Putin", "Kim") still count; the
    higher judgement wins, and says so.
    """
    judged = _judge(title=title, text=text, terms=terms, language=language, summary=summary)
    if judged.relevant or not _unknown_script(language, f"{title or ''} {text or ''}"):
        return judged
    latin = _judge(
        title=_latin(title),
        text=_latin(text),
        terms=terms,
        language=None,
        summary=_latin(summary),
    )
    if latin.score <= judged.score:
        return judged
    return replace(latin, reason=f"{latin.reason} [transliterated]")


def _latin(text: str | None) -> str | None:
    """Latin letters for any script; the apostrophes of aspirates and glottal stops dropped
    ("p'ut'ini" -> "putini")."""
    return anyascii(text).replace("'", "") if text else text


def _unknown_script(language: str | None, sample: str) -> bool:
    code = (language or "").split("-")[0].split("_")[0].lower()
    code = LANGUAGE_ALIASES.get(code, code)
    if not code or code in LANGUAGES:
        return False
    letters = [ch for ch in sample[:2000] if ch.isalpha()]
    return bool(letters) and sum(ch.isascii() for ch in letters) < len(letters) / 2


def _judge(
    *,
    title: str | None,
    text: str | None,
    terms: TopicTerms,
    language: str | None,
    summary: str | None,
) -> Relevance:
    document, units = build_document(title, text, summary)
    cfg = terms.scoring
    if not units:
        return Relevance(False, 0.0, (), "Not relevant: no text", {"units": 0.0})
    low = lower(document)
    entries = terms.entries
    mentions = find_mentions(terms, document, low, guess_languages(document, language))
    anchored_sides = {entries[m.entry].kind for m in mentions if not entries[m.entry].anchored}
    if "pair" in anchored_sides:
        anchored_sides.update(SIDES)
    mentions = [
        m
        for m in mentions
        if not entries[m.entry].anchored or entries[m.entry].kind in anchored_sides
    ]

    counts: Counter[int] = Counter(m.entry for m in mentions)
    views: list[UnitView] = []
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
            UnitView(
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
    return score_views(
        terms,
        views,
        MentionCounts(counts, listed_total, list_others, parallel, len(countries)),
        len(document),
    )
