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

Where the steps live: the term file and text normalisation in `extract.topic_terms` (its public
names are re-exported here); datelines, units, sentences, phrases and enumerations in
`extract.segment`; finding mentions in `extract.mentions`; reading each sentence, the score and
the reason here.

Exceptions::

    ValueError
     └── TopicTermsError     the topic-terms file is missing, not TOML, or malformed
                             (raised by `load_topic_terms` / `parse_topic_terms`)

Pure: no I/O except `load_topic_terms`, which reads the file once; matchers are compiled there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from extract.models import Relevance
from extract.relevance.mentions import _find_mentions, _guess_languages, _Mention
from extract.relevance.segment import _build_document, _enumerations, _joined, _phrases, _Unit
from extract.relevance.terms import (
    CUE_KINDS,
    KINDS,
    LABEL,
    LANGUAGES,
    PREFIX,
    SIDES,
    Scoring,
    TermEntry,
    TopicTerms,
    TopicTermsError,
    _lower,
    load_topic_terms,
    parse_topic_terms,
)

__all__ = [
    "CUE_KINDS",
    "KINDS",
    "LABEL",
    "LANGUAGES",
    "PREFIX",
    "SIDES",
    "Scoring",
    "TermEntry",
    "TopicTerms",
    "TopicTermsError",
    "judge_relevance",
    "load_topic_terms",
    "parse_topic_terms",
]


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
