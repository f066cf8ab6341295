"""The timeline of developments: one entry per story, with its first report and a category. Pure.

    entry = timeline_entry(story_id, rows, context)    # rows: the story's reports
    entry.category, entry.reason   -> "arms", "munitions in 3 of 4 reports, artillery shells in 2"

A development's category is decided by rules over the gazetteer's canonical ids that its reports
name (`reports.stories.entities`: event kinds, agreements, equipment, organisations, places, in
any language), like the relevance judge: each rule below gives an id a weight towards one
category; a report counts an id once (three times when it is in the headline, twice in the
lead), and the
category with the highest total wins, ties going to the earlier category in `CATEGORIES`. The
reason names the ids that decided it, so an analyst can see why and override it
(`newswatch timeline set-category`); an override is kept apart from the rules and survives every
rebuild. A story whose reports name none of the ids falls back to `DEFAULT` and says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.categories import CATEGORIES, DEFAULT
from reports.select import ArticleRow
from reports.stories.entities import Entities
from reports.stories.gist import PLAIN, gist
from reports.stories.grouping import StoryContext

TITLE_WEIGHT = 3  # an id in the headline counts three times: it says what the report is about
HEAD_WEIGHT = 2  # in the lead, twice
MAX_REASONS = 3

# Canonical id -> (category, weight). Ids of seeds/gazetteer.toml; an id not listed counts for
# nothing (people, countries, capitals: who and where, not what kind of development).
RULES: dict[str, tuple[str, float]] = {
    # diplomacy and visits
    "event:visit": ("diplomacy", 1.0),
    "event:summit": ("diplomacy", 1.5),
    "event:talks": ("diplomacy", 1.0),
    "event:delegation": ("diplomacy", 1.0),
    "event:messages": ("diplomacy", 0.8),
    "event:condolences": ("diplomacy", 1.0),
    "event:greetings": ("diplomacy", 1.0),
    "event:gifts": ("diplomacy", 1.0),
    "equipment:aurus": ("diplomacy", 0.5),
    # treaties and law
    "agreement:treaty": ("treaties", 1.2),
    "agreement:alliance": ("treaties", 0.8),
    "agreement:strategic_partnership": ("treaties", 1.0),
    "agreement:mutual_defence": ("treaties", 1.2),
    "agreement:csp_treaty_2024": ("treaties", 1.2),
    "agreement:csp_treaty_2024_article_4": ("treaties", 2.0),
    "agreement:friendship_treaty_2000": ("treaties", 2.0),
    "event:ratification": ("treaties", 2.0),
    "org:state_duma": ("treaties", 0.8),
    "org:federation_council": ("treaties", 0.8),
    # military cooperation and deployments
    "event:troops": ("military", 1.5),
    "event:military_cooperation": ("military", 1.0),
    "event:kursk_deployment": ("military", 2.0),
    "event:casualties": ("military", 1.5),
    "event:prisoners_of_war": ("military", 2.0),
    "event:demining": ("military", 1.5),
    "place:kursk": ("military", 0.5),  # the same word is also event:kursk_deployment
    "place:sudzha": ("military", 1.5),
    "place:belgorod": ("military", 1.0),
    "place:kharkiv": ("military", 0.8),
    "place:donetsk": ("military", 0.8),
    "place:zaporizhzhia": ("military", 0.8),
    "place:luhansk": ("military", 0.8),
    "military:kpa": ("military", 1.0),
    "military:storm_corps": ("military", 2.0),
    "org:russian_defence_ministry": ("military", 0.8),
    "org:hur": ("military", 0.8),
    "org:jcs": ("military", 0.8),
    "org:nis": ("military", 0.5),
    # arms and munitions transfers
    "event:munitions": ("arms", 2.5),
    "event:missile_launch": ("arms", 1.0),
    "equipment:artillery_shells": ("arms", 2.0),
    "equipment:mrl": ("arms", 2.0),
    "equipment:koksan": ("arms", 2.0),
    "equipment:kn-23": ("arms", 2.0),
    "equipment:kn-24": ("arms", 2.0),
    "equipment:kn-25": ("arms", 2.0),
    "equipment:hwasong": ("arms", 1.5),
    "equipment:hwasong-18": ("arms", 1.5),
    "equipment:hwasong-19": ("arms", 1.5),
    "equipment:kinzhal": ("arms", 1.5),
    "equipment:mig-29": ("arms", 2.0),
    "equipment:su-27": ("arms", 2.0),
    "equipment:drones": ("arms", 1.2),
    "equipment:air_defence": ("arms", 1.5),
    # technology and space
    "event:technology_transfer": ("technology", 1.2),  # often the suspected price, in passing
    "event:satellite_launch": ("technology", 2.0),
    "equipment:reconnaissance_satellite": ("technology", 2.0),
    "equipment:malligyong": ("technology", 2.0),
    "equipment:chollima": ("technology", 2.0),
    "org:roscosmos": ("technology", 2.0),
    "org:rosatom": ("technology", 1.5),
    "place:vostochny": ("technology", 1.5),
    "place:sohae": ("technology", 1.5),
    "place:yongbyon": ("technology", 1.0),
    "org:iaea": ("technology", 0.5),
    # economy, transport and labour
    "event:trade": ("economy", 1.5),
    "event:flights": ("economy", 1.5),
    "event:railway": ("economy", 1.5),
    "event:bridges": ("economy", 1.5),
    "event:tourism": ("economy", 1.5),
    "event:labour": ("economy", 2.0),
    "event:energy": ("economy", 1.5),
    "event:fisheries": ("economy", 1.5),
    "event:reconstruction": ("economy", 1.5),
    "agreement:visa_free": ("economy", 1.5),
    "agreement:tumen_bridge": ("economy", 2.0),
    "agreement:intergovernmental_commission": ("economy", 1.5),
    "org:russian_railways": ("economy", 1.5),
    "org:aeroflot": ("economy", 1.5),
    "org:nordwind": ("economy", 1.5),
    "org:air_koryo": ("economy", 1.5),
    "place:rason": ("economy", 1.0),
    "place:rajin": ("economy", 1.0),
    "place:khasan": ("economy", 1.0),
    "place:tumangang": ("economy", 1.0),
    "place:tumen_river": ("economy", 1.0),
    # sanctions and the UN
    "event:sanctions": ("sanctions", 1.0),  # background on this beat, like the treaty
    "event:un_vote": ("sanctions", 2.0),
    "org:unsc": ("sanctions", 1.5),
    "org:un_panel_of_experts": ("sanctions", 2.0),
    "org:un": ("sanctions", 0.8),
    "org:unga": ("sanctions", 1.0),
    "org:us_state_department": ("sanctions", 0.5),
    # people and culture
    "event:education": ("people", 2.0),
    "event:sports": ("people", 2.0),
    "event:parade_anniversary": ("people", 1.5),
    "event:exhibition_festival": ("people", 2.0),
    "event:medicine": ("people", 1.5),
    "event:disaster": ("people", 1.5),
    "event:elections": ("people", 0.5),
}

ACTOR_TYPES = frozenset({"person", "organisation", "military", "group", "media", "country"})
PLACE_TYPES = frozenset({"place", "capital"})
MAX_ACTORS, MAX_PLACES = 8, 6


class UnknownCategory(ValueError):
    """A category that is none of `CATEGORIES` (by slug or label)."""


def category_slug(value: str) -> str:
    """'arms', 'Arms and munitions transfers' or 'ARMS' -> 'arms'; anything else raises."""
    wanted = " ".join(value.lower().replace("_", " ").split())
    for slug, label in CATEGORIES.items():
        if wanted in {slug, label, label.replace(",", "")}:
            return slug
    choices = ", ".join(CATEGORIES)
    raise UnknownCategory(f"unknown category {value!r}: one of {choices}")


@dataclass(frozen=True)
class Categorised:
    category: str  # a slug of CATEGORIES
    reason: str  # which ids decided it, in how many reports
    scores: Mapping[str, float]


def categorise(readings: Sequence[Entities], label: Mapping[str, str] | None = None) -> Categorised:
    """The category of a development from what each of its reports names (one `Entities` each)."""
    label = label or {}
    scores: dict[str, float] = {}
    reports: dict[str, Counter[str]] = {slug: Counter() for slug in CATEGORIES}
    for entities in readings:
        for entity_id in entities.body:
            rule = RULES.get(entity_id)
            if rule is None:
                continue
            category, weight = rule
            if entity_id in entities.title:
                weight *= TITLE_WEIGHT
            elif entity_id in entities.head:
                weight *= HEAD_WEIGHT
            scores[category] = scores.get(category, 0.0) + weight
            reports[category][entity_id] += 1
    if not scores:
        return Categorised(DEFAULT, "no rule matched: the default category", {})
    order = list(CATEGORIES)
    best = max(scores, key=lambda c: (scores[c], -order.index(c)))
    total = len(readings)
    named: dict[str, int] = {}  # by label: two ids of one word ("Kursk") are named once
    for entity_id, n in reports[best].items():
        name = label.get(entity_id, entity_id.split(":", 1)[-1])
        named[name] = max(n, named.get(name, 0))
    decided = sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_REASONS]
    plural = "s" if total != 1 else ""
    parts = [f"{name} in {n} of {total} report{plural}" for name, n in decided]
    return Categorised(best, ", ".join(parts), dict(scores))


@dataclass(frozen=True)
class TimelineEntry:
    """One development as the timeline keeps it."""

    story_id: int
    headline: str  # English: the first English headline, else the gist, else the first headline
    gist: str | None
    first: ArticleRow  # the first report
    first_reported_at: datetime
    last_reported_at: datetime
    reports: int
    outlets: tuple[str, ...]  # in order of first report
    languages: tuple[str, ...]  # codes, in order of first report
    actors: tuple[str, ...]  # English labels, most reported first
    places: tuple[str, ...]
    category: str
    reason: str
    report_gists: Mapping[int, str | None]  # article id -> the English gist of that report


def timeline_entry(
    story_id: int, rows: Sequence[ArticleRow], context: StoryContext
) -> TimelineEntry:
    """The timeline entry of a story from its reports (copies included; at least one)."""
    if not rows:
        raise ValueError(f"story {story_id} has no reports")
    ordered = sorted(rows, key=lambda r: (r.when, r.id))
    reader = context.reader
    readings = [reader.read(r.title, r.body, r.language) for r in ordered]
    labels = {i: reader.label(i) for e in readings for i in e.body}
    decided = categorise(readings, labels)
    named: Counter[str] = Counter()
    for entities in readings:
        named.update(entities.head - PLAIN)
    ranked = sorted(named, key=lambda i: (-named[i], labels.get(i, i)))
    actors = [labels[i] for i in ranked if reader.type_of(i) in ACTOR_TYPES]
    places = [labels[i] for i in ranked if reader.type_of(i) in PLACE_TYPES]
    english = next((r.title for r in ordered if r.language == "en" and r.title), None)
    summary = gist(ordered, context)
    first = ordered[0]
    return TimelineEntry(
        story_id=story_id,
        headline=" ".join((english or summary or first.title or first.url).split()),
        gist=summary,
        first=first,
        first_reported_at=first.when,
        last_reported_at=ordered[-1].when,
        reports=len(ordered),
        outlets=tuple(dict.fromkeys(r.outlet for r in ordered)),
        languages=tuple(dict.fromkeys(r.language for r in ordered if r.language)),
        actors=tuple(dict.fromkeys(actors))[:MAX_ACTORS],
        places=tuple(dict.fromkeys(places))[:MAX_PLACES],
        category=decided.category,
        reason=decided.reason,
        report_gists={r.id: gist([r], context) for r in ordered},
    )
