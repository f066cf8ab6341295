"""The timeline step: one entry per development, rebuilt from the stories, and its overrides.

    refresh_timeline(settings)                      -> TimelineRun (after stories are assigned)
    set_category(settings, story_id, "arms")        -> the analyst's choice, kept across rebuilds
    read_timeline(settings, since=..., category=..) -> the entries, oldest first

The entries are decided by `reports.timeline` (first report, outlets, languages, actors, places,
category by rules); this step reads each story's reports in one short connection, builds the
entries and writes them in another. The gazetteer and story model are the settings' own, read
once per process.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import IO, Any

from extract.relevance.terms import cached_topic_terms
from pipeline.clock import utcnow
from pipeline.settings import Settings
from reports.categories import CATEGORIES
from reports.select import ArticleRow
from reports.site.render import development_path
from reports.stories.entities import EntityReader
from reports.stories.grouping import StoryContext
from reports.stories.model import PairModel, load_model
from reports.timeline import RULES, TimelineEntry, category_slug, timeline_entry
from reports.timeline_export import TimelineFormat, write_timeline
from store import timeline as timeline_store
from store.db import connect


class TimelineError(ValueError):
    """A request the timeline cannot satisfy (an unknown story or category): one line for users."""


@dataclass(frozen=True)
class TimelineRun:
    entries: int
    rebuilt: int  # of them decided again now (new or changed stories)
    by_category: dict[str, int]
    elapsed_ms: float


@lru_cache(maxsize=2)
def _tools(
    gazetteer: Path, model: Path, _mtimes: tuple[float, float]
) -> tuple[EntityReader, PairModel]:
    return EntityReader(cached_topic_terms(gazetteer)), load_model(model)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def timeline_context(settings: Settings) -> StoryContext:
    """The gazetteer reader (and story model) entries are read with; no sentence vectors needed.
    A new context each call: it remembers what it read of each article for one unit of work."""
    paths = (settings.gazetteer, settings.story_model)
    return StoryContext(*_tools(*paths, (_mtime(paths[0]), _mtime(paths[1]))), {})


def entry_record(entry: TimelineEntry) -> dict[str, Any]:
    first = entry.first
    return {
        "story_id": entry.story_id,
        "headline": entry.headline,
        "gist": entry.gist,
        "first_article_id": first.id,
        "first_title": first.title,
        "first_url": first.url,
        "first_outlet": first.outlet,
        "first_language": first.language,
        "first_reported_at": entry.first_reported_at,
        "last_reported_at": entry.last_reported_at,
        "reports": entry.reports,
        "outlets": list(entry.outlets),
        "languages": list(entry.languages),
        "actors": list(entry.actors),
        "places": list(entry.places),
        "rule_category": entry.category,
        "rule_reason": entry.reason,
        "report_gists": json.dumps({str(k): v for k, v in entry.report_gists.items()}),
    }


def rules_version(settings: Settings) -> str:
    """A fingerprint of what decides an entry: the rules, the categories and the gazetteer. An
    entry decided under another one is rebuilt."""
    return _rules_version(settings.gazetteer, _mtime(settings.gazetteer))


@lru_cache(maxsize=2)
def _rules_version(gazetteer: Path, _mtime: float) -> str:
    digest = hashlib.sha256(json.dumps([RULES, CATEGORIES], sort_keys=True).encode())
    try:
        digest.update(gazetteer.read_bytes())
    except OSError:
        digest.update(b"no gazetteer")
    return digest.hexdigest()[:16]


def build_entries(
    settings: Settings, story_ids: Sequence[int] | None = None
) -> list[TimelineEntry]:
    """The timeline entries of these stories (all when None), from what the database holds now."""
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        records = timeline_store.story_reports(con, story_ids)
    context = timeline_context(settings)
    return [
        timeline_entry(int(story), [ArticleRow.from_record(r) for r in group], context)
        for story, group in groupby(records, key=lambda r: r["story_id"])
    ]


def refresh_timeline(
    settings: Settings, *, now: datetime | None = None, full: bool = False
) -> TimelineRun:
    """Bring the timeline up to date with the stories (overrides untouched): the entries of new
    or changed stories, or of every story when `full` or when the rules or gazetteer changed.
    Cheap to repeat."""
    started = time.perf_counter()
    version = rules_version(settings)
    stale: list[int] | None = None
    if not full:
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            stale = timeline_store.stale_stories(con, version)
    entries = build_entries(settings, stale) if stale is None or stale else []
    records = [{**entry_record(e), "rules_version": version} for e in entries]
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        timeline_store.save_timeline(con, records, now=now or utcnow())
        stored = timeline_store.timeline(con)
    counts = Counter(r["category"] for r in stored)
    return TimelineRun(
        entries=len(stored),
        rebuilt=len(entries),
        by_category={slug: counts[slug] for slug in CATEGORIES if counts[slug]},
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def set_category(settings: Settings, story_id: int, category: str | None) -> str | None:
    """Keep an analyst's category for a development ("rules" or None: back to the rules);
    returns the slug kept. Unknown stories and categories raise `TimelineError`."""
    slug = None
    if category is not None and category.strip().lower() not in {"rules", "auto"}:
        try:
            slug = category_slug(category)
        except ValueError as exc:
            raise TimelineError(str(exc)) from exc
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        if not timeline_store.set_override(con, story_id, slug, now=utcnow()):
            raise TimelineError(
                f"no development {story_id} in the timeline (run `newswatch timeline build`)"
            )
    return slug


def read_timeline(
    settings: Settings,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """The stored timeline, oldest first, each entry with its effective `category`."""
    slug = None
    if category is not None:
        try:
            slug = category_slug(category)
        except ValueError as exc:
            raise TimelineError(str(exc)) from exc
    if since and until and until <= since:
        raise TimelineError("--until must be after --since")
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        return timeline_store.timeline(con, since=since, until=until, category=slug)


def export_timeline(
    settings: Settings,
    fmt: str,
    stream: IO[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
) -> int:
    """Write the timeline as CSV, JSON Lines or iCalendar (`reports.timeline_export`), with each
    development's page address when `site_url` is set; returns how many were written."""
    try:
        kind = TimelineFormat(fmt.lower())
    except ValueError as exc:
        choices = ", ".join(f.value for f in TimelineFormat)
        raise TimelineError(f"unknown format {fmt!r}: one of {choices}") from exc
    entries = read_timeline(settings, since=since, until=until, category=category)
    pages = {}
    if settings.site_url:
        base = settings.site_url.rstrip("/")
        pages = {int(e["story_id"]): f"{base}/{development_path(e['story_id'])}" for e in entries}
    return write_timeline(entries, kind, stream, pages=pages, now=utcnow())


@dataclass(frozen=True)
class CategoryImport:
    overridden: int  # developments now filed by the analyst's choice
    ruled: int  # back to (or left with) the rules' category, which the file agrees with
    problems: list[str]  # one line per row that was not used


def import_categories(settings: Settings, path: Path) -> CategoryImport:
    """Analysts' categories from a CSV file with `story_id` and `category` columns (an edited
    `newswatch timeline export --format csv` works as it is). A category equal to the rules' clears
    any override; bad rows are reported and skipped, the good ones kept."""
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream)
            if not reader.fieldnames or not {"story_id", "category"} <= set(reader.fieldnames):
                raise TimelineError(f"{path}: needs the columns story_id and category (a CSV file)")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TimelineError(f"cannot read {path}: {exc}") from exc
    problems: list[str] = []
    wanted: dict[int, str] = {}
    for line, row in enumerate(rows, start=2):
        try:
            story_id = int((row.get("story_id") or "").strip())
            wanted[story_id] = category_slug(row.get("category") or "")
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
    overridden = ruled = 0
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        rules = {int(e["story_id"]): e["rule_category"] for e in timeline_store.timeline(con)}
        for story_id, slug in wanted.items():
            if story_id not in rules:
                problems.append(f"no development {story_id} in the timeline")
                continue
            keep = None if slug == rules[story_id] else slug
            timeline_store.set_override(con, story_id, keep, now=utcnow())
            overridden, ruled = overridden + (keep is not None), ruled + (keep is None)
    return CategoryImport(overridden, ruled, problems)
