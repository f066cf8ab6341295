"""Which people, places, organisations, equipment, agreements and event kinds a text names.

    reader = EntityReader(load_topic_terms("seeds/gazetteer.toml"))
    reader.read(title, text, language)  -> Entities(head={"person:lavrov", ...}, body={...})

The gazetteer (`seeds/gazetteer.toml`, the relevance judge's term data) gives each entry a
canonical id and its names in every script the feeds carry, so "Лавров", "라브로프", "拉夫罗夫" and
"Ławrow" are all `person:lavrov`: transliteration alone does not make them meet. Entries without
an id count under their kind and name ("russia:Russian officials"). The same matcher as the judge
finds them (`extract.relevance.mentions`: stems, substrings for scripts without word breaks,
excluded forms, anchored names), once over the headline and the text; what lies in the headline
and the lead (`LEAD_CHARS`) is the *head*, which tells what the article is about. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from extract.relevance.mentions import find_mentions, guess_languages
from extract.relevance.terms import TopicTerms
from extract.relevance.text import lower, normalise

LEAD_CHARS = 500  # the lead: about the first three sentences
ACTOR_KINDS = frozenset({"russia", "north_korea", "other", "entity"})
CUE_TYPES = frozenset({"event", "cue", "agreement"})
MAX_CHARS = 6000  # what is read of a long text


@dataclass(frozen=True)
class Entities:
    head: frozenset[str]  # named in the headline and the lead
    body: frozenset[str]  # named anywhere in what was read (head included)
    kinds: frozenset[str]  # the event kinds among them ("event:visit")
    actors: frozenset[str]  # the head's people, countries, places, organisations (no cue words)
    title: frozenset[str]  # named in the headline alone (cue words and event kinds included)


class EntityReader:
    """Canonical ids of the gazetteer entries found in a text."""

    def __init__(self, terms: TopicTerms) -> None:
        self._terms = terms
        self._ids = tuple(e.id or f"{e.kind}:{e.name}" for e in terms.entries)
        self._events = tuple(e.type == "event" for e in terms.entries)
        self._actors = tuple(
            e.kind in ACTOR_KINDS and e.type not in CUE_TYPES for e in terms.entries
        )
        self._labels: dict[str, str] = {}
        self._types: dict[str, str | None] = {}
        for entity_id, entry in zip(self._ids, terms.entries, strict=True):
            self._labels.setdefault(entity_id, entry.name)
            self._types.setdefault(entity_id, entry.type)

    def label(self, entity_id: str) -> str:
        """The English label of an id ("person:lavrov" -> "Lavrov")."""
        return self._labels.get(entity_id, entity_id.split(":", 1)[-1])

    def type_of(self, entity_id: str) -> str | None:
        """What an id names (person, place, event...), when the gazetteer says."""
        return self._types.get(entity_id)

    def read(self, title: str | None, text: str | None, language: str | None) -> Entities:
        title = " ".join((title or "").split())
        document = normalise(f"{title}\n{(text or '')[:MAX_CHARS]}")
        low = lower(document)
        mentions = find_mentions(self._terms, document, low, guess_languages(document, language))
        head_end = len(title) + 1 + LEAD_CHARS
        head = {self._ids[m.entry] for m in mentions if m.start < head_end}
        body = {self._ids[m.entry] for m in mentions}
        kinds = {self._ids[m.entry] for m in mentions if self._events[m.entry]}
        actors = {
            self._ids[m.entry] for m in mentions if m.start < head_end and self._actors[m.entry]
        }
        title_ids = {self._ids[m.entry] for m in mentions if m.start < len(title)}
        return Entities(
            frozenset(head),
            frozenset(body),
            frozenset(kinds),
            frozenset(actors),
            frozenset(title_ids),
        )
