"""Compose a digest from plain rows: stories, what is new, the context. Pure.

    digest = compose_digest(
        window,
        window_rows=[...],        # relevant articles first seen in the window (ArticleRow)
        story_rows=[...],         # every article of those stories, earlier ones included
        seeds=[...],              # seed articles
        earlier_rows=[...],       # articles of stories carried by earlier digests
        digest_keys={story_id: "2026-W46"},
        daily_counts={date: n},   # relevant articles per local day, window and 8 weeks before
        failing_feeds=[FeedHealth(...)],
        generated_at=now,
        context=StoryContext(reader, model, vectors),   # the story model (novelty, gist)
    )
    digest = with_english_headlines(digest, {story_id: "English headline"})  # a translator's

The result holds everything the templates show, already chosen and ranked: rendering adds
nothing but formatting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from reports.select import (
    ArticleRow,
    DayCount,
    DigestWindow,
    SourceRef,
    StoryItem,
    Totals,
    build_item,
    daily_activity,
    group_by_story,
    is_current,
    one_line,
    rank_items,
    source_ref,
    totals,
)
from reports.stories.gist import gist, new_since
from reports.stories.grouping import StoryContext
from reports.stories.novelty import PriorStory, find_earlier, prior_from_rows


@dataclass(frozen=True)
class FeedHealth:
    """A feed that failed at its last poll (`errors` polls in a row)."""

    outlet: str
    url: str
    errors: int
    failing_since: datetime | None
    last_error: str
    last_success: datetime | None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> FeedHealth:
        return cls(
            outlet=one_line(record.get("source")) or record["url"],
            url=record["url"],
            errors=int(record.get("error_count") or 0),
            failing_since=record.get("failing_since"),
            last_error=one_line(record.get("last_error")) or "unknown error",
            last_success=record.get("last_success_at"),
        )


@dataclass(frozen=True)
class Digest:
    window: DigestWindow
    new: list[StoryItem]
    continuing: list[StoryItem]
    totals: Totals
    activity: list[DayCount]
    failing_feeds: list[FeedHealth]  # every feed that failed at its last poll
    generated_at: datetime
    feeds: int = 0  # active feeds
    unpolled_feeds: int = 0  # of them never polled yet
    down_after: int = 3  # failed polls in a row that make a feed "down", not a blip
    background: list[SourceRef] = field(default_factory=list)  # seeds, when the window is empty

    @property
    def answered_feeds(self) -> int:
        """Active feeds whose last poll answered (polled, and not failing)."""
        return max(0, self.feeds - self.unpolled_feeds - len(self.failing_feeds))

    @property
    def all_feeds_down(self) -> bool:
        return bool(self.failing_feeds) and self.answered_feeds == 0

    @property
    def items(self) -> list[StoryItem]:
        return [*self.new, *self.continuing]

    @property
    def article_ids(self) -> list[int]:
        return [a for item in self.items for a in item.article_ids]


def prior_stories(
    earlier_rows: Sequence[ArticleRow],
    digest_keys: Mapping[int, str],
    seeds: Sequence[ArticleRow],
    *,
    exclude: set[int],
) -> list[PriorStory]:
    """Stories of earlier digests (except those in `exclude`) and seed articles, as priors."""
    priors = [
        prior_from_rows(rows, kind="digest", digest_key=digest_keys.get(story_id))
        for story_id, rows in group_by_story(earlier_rows).items()
        if story_id not in exclude
    ]
    priors += [prior_from_rows([seed], kind="seed") for seed in seeds]
    return priors


def compose_digest(
    window: DigestWindow,
    *,
    window_rows: Sequence[ArticleRow],
    story_rows: Sequence[ArticleRow],
    seeds: Sequence[ArticleRow],
    earlier_rows: Sequence[ArticleRow],
    digest_keys: Mapping[int, str],
    daily_counts: Mapping[date, int],
    failing_feeds: Sequence[FeedHealth],
    generated_at: datetime,
    context: StoryContext,
    feeds: int = 0,
    unpolled_feeds: int = 0,
    down_after: int = 3,
) -> Digest:
    in_window = group_by_story(r for r in window_rows if is_current(r, window))
    whole = group_by_story(story_rows)
    stories = {sid: whole.get(sid) or rows for sid, rows in in_window.items()}
    priors = prior_stories(earlier_rows, digest_keys, seeds, exclude=set(in_window))
    pointers = find_earlier(stories, window, priors, context, digest_keys=digest_keys)
    items = []
    for story_id, rows in in_window.items():
        item = build_item(story_id, rows)
        item = replace(
            item,
            gist=gist(stories[story_id], context),
            new_since=new_since(stories[story_id], window, context),
        )
        pointer = pointers.get(story_id)
        if pointer is not None:
            item = replace(item, status="continuing", pointer=pointer)
        items.append(item)
    ranked = rank_items(items)
    background = [] if ranked else [source_ref(s) for s in sorted(seeds, key=lambda r: r.when)]
    return Digest(
        window=window,
        new=[i for i in ranked if i.status == "new"],
        continuing=[i for i in ranked if i.status == "continuing"],
        totals=totals(ranked),
        activity=daily_activity(window, daily_counts),
        failing_feeds=list(failing_feeds),
        generated_at=generated_at,
        feeds=max(feeds, len(failing_feeds)),
        unpolled_feeds=unpolled_feeds,
        down_after=down_after,
        background=background,
    )


def with_english_headlines(digest: Digest, english: Mapping[int, str]) -> Digest:
    """The digest with English translations of its non-English headlines (by story id)."""

    def translated(items: Sequence[StoryItem]) -> list[StoryItem]:
        return [
            replace(i, headline_en=english[i.story_id])
            if i.story_id in english and not i.english
            else i
            for i in items
        ]

    return replace(digest, new=translated(digest.new), continuing=translated(digest.continuing))


def item_record(item: StoryItem) -> dict[str, Any]:
    """An item as JSON-ready data, for the archive."""
    return {
        "story_id": item.story_id,
        "status": item.status,
        "headline": item.headline,
        "headline_language": item.headline_language,
        "headline_en": item.headline_en,
        "gist": item.gist,
        "new_since": item.new_since,
        "summary": item.summary,
        "outlets": item.outlets,
        "independent_outlets": item.independent_outlets,
        "languages": item.languages,
        "sources": [
            {
                "article_id": s.article_id,
                "outlet": s.outlet,
                "title": s.title,
                "url": s.url,
                "language": s.language,
                "when": s.when.isoformat(),
                "copy_of": s.copy_of,
            }
            for s in item.sources
        ],
        "pointer": None
        if item.pointer is None
        else {
            "kind": item.pointer.kind,
            "headline": item.pointer.headline,
            "outlet": item.pointer.outlet,
            "url": item.pointer.url,
            "when": item.pointer.when.isoformat(),
            "digest_key": item.pointer.digest_key,
        },
    }
