"""A story told in English without translation: its gist, and what is new since it was last seen.

    gist(rows, context)               -> "Lavrov · Kim Jong Un · Wonsan · visit"
    new_since(rows, window, context) -> ["new figures: 6,000", "new actors: Shoigu"]

The gist is built from the gazetteer's canonical entities the story's reports name in their
headlines and leads, whatever their language: the people first, then the places, organisations
and countries, then the event kind, each under its English label, the most reported first (names
of both sides that every report of the beat carries, such as "Russia" and "North Korea", are
left out when something more telling is there). For a continuing story, `new_since` compares the
reports of this window with those seen before it: figures, actors and places that were not in
any earlier report. Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from reports.select import ArticleRow, DigestWindow
from reports.stories.grouping import StoryContext
from reports.stories.profile import ArticleProfile

MAX_ACTORS = 3
# Too common on this beat to tell one development from another.
PLAIN = frozenset(
    {
        "country:russia",
        "country:north_korea",
        "russia:Russia",
        "north_korea:North Korea",
        "media:kcna",
        "north_korea:KCNA",
    }
)
_ORDER = {"person": 0, "place": 1, "capital": 2, "organisation": 3, "military": 3, "media": 4}


def gist(rows: Sequence[ArticleRow], context: StoryContext) -> str | None:
    """ "Actor · actor · place · event kind", in English, from the story's reports."""
    profiles = context.profiles(rows)
    reader = context.reader
    actors: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for profile in profiles:
        actors.update(profile.actors)
        kinds.update(k for k in profile.kinds if k in profile.head_entities)
    telling = [a for a in actors if a not in PLAIN] or list(actors)
    ranked = sorted(telling, key=lambda a: (_ORDER.get(reader.type_of(a) or "", 5), -actors[a], a))
    parts = list(dict.fromkeys(reader.label(a) for a in ranked))[:MAX_ACTORS]
    if kinds:
        parts.append(reader.label(max(sorted(kinds), key=lambda k: kinds[k])))
    return " · ".join(parts) or None


def new_since(rows: Sequence[ArticleRow], window: DigestWindow, context: StoryContext) -> list[str]:
    """What this window's reports add to those seen before it (empty when nothing was before)."""
    before = [r for r in rows if window.moment(r) < window.start]
    now = [r for r in rows if window.moment(r) >= window.start]
    if not before or not now:
        return []
    old, new = context.profiles(before), context.profiles(now)
    reader = context.reader
    out = []
    figures = set().union(*(p.quantities for p in new)) - set().union(*(p.quantities for p in old))
    if figures:
        out.append("new figures: " + ", ".join(f"{n:,}" for n in sorted(figures)[:5]))
    seen: set[str] = set().union(*(p.entities for p in old))
    fresh = [a for a in _ranked(new) if a not in seen and a not in PLAIN]
    people = [reader.label(a) for a in fresh if reader.type_of(a) == "person"]
    places = [reader.label(a) for a in fresh if reader.type_of(a) in {"place", "capital"}]
    if people:
        out.append("new actors: " + ", ".join(dict.fromkeys(people[:4])))
    if places:
        out.append("new places: " + ", ".join(dict.fromkeys(places[:4])))
    return out


def _ranked(profiles: Sequence[ArticleProfile]) -> list[str]:
    counts: Counter[str] = Counter()
    for p in profiles:
        counts.update(p.actors)
    return sorted(counts, key=lambda a: (-counts[a], a))
