"""The relevance score of an article, from the judge's reading of its units, with its reason.

    relevance = score_views(terms, views, counts, length)

`extract.relevance.judge` reads each unit (headline, feed summary, paragraphs) into a `UnitView`
(which sides it names, linked in one sentence or not, with which cues) and counts the mentions
(`MentionCounts`). Scoring goes in four steps, every weight from the TOML `[scoring]` table:

1. *evidence* from the headline and the lead (`_headline`): both sides in the headline, one in the
   headline and the other in the lead, both in one sentence of the lead;
2. *evidence* from the body (`_body`): the linked paragraphs, weighed by how tightly and with how
   many relation cues they link the sides, a linked subheading, and the prominence of the rarer
   side;
3. *caps* (`_capped`): one side only, never linked outside lists, a passing mention of the rarer
   side in a longer article, else an incidental article scaled down;
4. *signals* and the *reason*: the numbers behind the score and one line an analyst can read.

Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extract.models import Relevance
from extract.relevance.segment import Unit
from extract.relevance.terms import LABEL, PREFIX, SIDES, Scoring, TopicTerms


@dataclass
class UnitView:
    """What one unit (headline, summary, paragraph) says about the two sides."""

    unit: Unit
    has: dict[str, bool]
    tight: bool  # one sentence names both sides (unlisted)
    direct: bool  # ...and neither shares it with another country ("China and Russia ... N. Korea")
    cued: bool
    shared: bool
    crosshead: bool
    pair: bool  # a pair word (북러, 露朝) names both sides at once
    strong_cues: int  # distinct strong cues (treaty, troops, munitions...) in the unit


@dataclass(frozen=True)
class MentionCounts:
    """The article's mentions, counted."""

    entries: Counter[int]  # term entry index -> mentions
    listed: dict[str, int]  # side -> mentions inside lists of countries
    list_others: list[str]  # the other countries of those lists
    parallel: int  # sentences naming both sides side by side, without a cue
    other_countries: int  # distinct other countries named


@dataclass(frozen=True)
class _Units:
    title: UnitView | None
    body: list[UnitView]
    lead: list[UnitView]
    linked: list[UnitView]  # units naming both sides

    @property
    def body_linked(self) -> list[UnitView]:
        return [v for v in self.linked if v.unit.kind != "title"]


@dataclass(frozen=True)
class _Headline:
    weight: float  # the headline's part of the score
    lead_weight: float  # the lead's part
    title_both: bool
    title_sides: list[str]
    title_lead: bool
    lead_link: list[UnitView]


def score_views(
    terms: TopicTerms, views: list[UnitView], counts: MentionCounts, length: int
) -> Relevance:
    """The score, verdict, terms, reason and signals of an article read into `views`."""
    cfg = terms.scoring
    units = _arrange(views, cfg)
    head = _headline(cfg, units)
    evidence = _evidence(cfg, units.linked)
    crossheads = [v for v in units.linked if v.crosshead and v.tight and v.cued]
    balance = min(sum(1 for v in views if v.has[s]) / len(views) for s in SIDES)
    score = 0.0
    score += head.weight
    score += head.lead_weight
    score += cfg.body * min(1.0, evidence / cfg.body_saturation)
    if crossheads:
        score += cfg.crosshead
    score += cfg.balance * min(1.0, balance / cfg.balance_saturation)

    side_count = _side_counts(terms, counts.entries)
    present = {s: side_count[s] > 0 for s in SIDES}
    linked_share = len(units.body_linked) / max(1, len(units.body))
    cap, score, single = _capped(
        cfg, views, units, head, bool(crossheads), present, linked_share, score
    )
    relevant = score >= terms.threshold
    signals: dict[str, float] = {
        "ru_mentions": float(side_count["russia"]),
        "nk_mentions": float(side_count["north_korea"]),
        "listed_mentions": float(sum(counts.listed.values())),
        "parallel_sentences": float(counts.parallel),
        "paragraphs": float(len(units.body)),
        "linked_units": float(len(units.linked)),
        "chars": float(length),
        "title_both": float(head.title_both),
        "title_sides": float(len(head.title_sides)),
        "title_lead": float(head.title_lead),
        "lead_link": float(bool(head.lead_link)),
        "evidence": round(evidence, 3),
        "balance": round(balance, 3),
        "linked_share": round(linked_share, 3),
        "crossheads_linked": float(len(crossheads)),
        "cued_units": float(sum(1 for v in units.linked if v.cued)),
        "other_countries": float(counts.other_countries),
        "cap": cap,
    }
    capped = (
        "crowd"
        if single and counts.other_countries >= cfg.crowd_countries
        else "single"
        if single
        else ""
    )
    reason = _reason(
        terms, relevant, score, counts, present, head, units.linked, len(units.body), capped
    )
    return Relevance(
        relevant, score, _terms(terms, counts.entries, counts.list_others), reason, signals
    )


# --- 1. headline and lead ----------------------------------------------------------------------


def _arrange(views: list[UnitView], cfg: Scoring) -> _Units:
    title = next((v for v in views if v.unit.kind == "title"), None)
    body = [v for v in views if v.unit.kind == "paragraph"]
    lead = [v for v in views if v.unit.kind == "summary"] + [
        v for v in body if v.unit.index < cfg.lead_paragraphs
    ]
    linked = [v for v in views if all(v.has.values())]
    return _Units(title, body, lead, linked)


def _headline(cfg: Scoring, units: _Units) -> _Headline:
    title = units.title
    title_both = title is not None and all(title.has.values()) and title.direct
    title_sides = [s for s in SIDES if title is not None and title.has[s]]
    lead_has = {s: any(v.has[s] for v in units.lead) for s in SIDES}
    lead_link = [v for v in units.lead if v.direct]
    title_lead = False
    weight = 0.0
    if title_both and title is not None:
        weight = cfg.title_both + (cfg.title_cue if title.cued or title.pair else 0.0)
        body_names_both = all(any(v.has[s] for v in units.body) for s in SIDES)
        if len(units.body) >= 2 and body_names_both and not units.body_linked:
            weight *= cfg.title_unsupported  # the body names both, and never together
    elif len(title_sides) == 1 and title is not None:
        other = "north_korea" if title_sides[0] == "russia" else "russia"
        title_lead = lead_has[other] and (title.cued or any(v.cued for v in lead_link))
        if title_lead:
            weight = cfg.title_lead
    lead_weight = 0.0
    if lead_link:
        lead_weight = cfg.lead_link + (cfg.lead_cue if any(v.cued for v in lead_link) else 0.0)
    return _Headline(weight, lead_weight, title_both, title_sides, title_lead, lead_link)


# --- 2. the body ---------------------------------------------------------------------------------


def _evidence(cfg: Scoring, linked: Sequence[UnitView]) -> float:
    """Evidence units of the linked paragraphs (headline excluded)."""
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
    return evidence


# --- 3. caps -------------------------------------------------------------------------------------


def _capped(
    cfg: Scoring,
    views: list[UnitView],
    units: _Units,
    head: _Headline,
    crosshead: bool,
    present: dict[str, bool],
    linked_share: float,
    score: float,
) -> tuple[float, float, bool]:
    """(cap, capped score rounded, whether the rarer side is a passing mention)."""
    headline_or_lead = head.title_both or head.title_lead or bool(head.lead_link) or crosshead
    units_naming = {s: sum(1 for v in views if v.has[s]) for s in SIDES}
    # the less-named side in one paragraph only, of an article of some length whose headline
    # does not name both: a passing mention ("...since Kim returned from Moscow"), or one
    # country among many (greetings from abroad, a summit's guest list)
    single = (
        not head.title_both
        and len(views) >= cfg.single_min_units
        and min(units_naming.values()) <= 1
    )
    cap = 1.0
    if not all(present.values()):
        cap = cfg.cap_one_side
    elif not units.linked:
        cap = cfg.cap_unlinked
    elif single:
        cap = cfg.cap_single
    elif not headline_or_lead and linked_share < cfg.incidental_share:
        score *= cfg.incidental_factor
    return cap, round(max(0.0, min(cap, score, 1.0)), 4), single


# --- 4. terms and reason ---------------------------------------------------------------------------


def _side_counts(terms: TopicTerms, counts: Counter[int]) -> dict[str, int]:
    entries = terms.entries
    return {
        side: sum(
            n for e, n in counts.items() if entries[e].kind == side or entries[e].kind == "pair"
        )
        for side in SIDES
    }


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
    counts: MentionCounts,
    present: dict[str, bool],
    head: _Headline,
    linked: list[UnitView],
    paragraphs: int,
    capped: str,
) -> str:
    entries = counts.entries

    def named(side: str) -> str:
        top = _top(terms, entries, side) or _top(terms, entries, "pair", 1)
        return f"{LABEL[side]} ({', '.join(top)})" if top else LABEL[side]

    links = [t.split(":", 1)[1] for t in _terms(terms, entries, ()) if t.startswith("link:")][:3]
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
        side = "Russia" if _weaker(terms, entries) == "russia" else "North Korea"
        if capped == "crowd":
            return f"Not relevant: {side} is one of many countries named (score {score:.2f})"
        return f"Not relevant: {side} named in one paragraph only, in passing (score {score:.2f})"
    if not linked:
        if counts.parallel and not counts.list_others:
            return (
                "Not relevant: Russia and North Korea only named side by side, with no relation cue"
            )
        if any(counts.listed.values()):
            others = ", ".join(dict.fromkeys(counts.list_others)) or "other countries"
            side = "North Korea" if counts.listed["north_korea"] else "Russia"
            return f"Not relevant: {side} only named in a list with {others}"
        return "Not relevant: Russia and North Korea never named in the same sentence or paragraph"
    where = (
        "Headline links"
        if head.title_both
        else "Lead links"
        if head.lead_link
        else f"{body_links} of {paragraphs} paragraphs link"
    )
    what = f"{where} {named('russia')} and {named('north_korea')}"
    if relevant:
        tail = f"; {count}" if where.startswith(("Headline", "Lead")) and paragraphs else ""
        return f"{what}{tail}{cue} (score {score:.2f})"
    return f"Not relevant: only {what.lower()[0] + what[1:]}{cue} (score {score:.2f})"
