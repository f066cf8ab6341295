"""The stories step: give the relevant articles of a span their story and copy links.

Called after each poll (the day's new articles), by the weekly digest (its window) and at the end
of a backfill (its window); cheap to repeat, since articles that have a story keep it. The grouping
itself is `reports.stories`; this step reads the articles, makes sure each has its sentence vector
(computed once, kept in `article_vectors`) and its text features (entities, figures, headline
words, read once and kept in `article_features` while the text, the gazetteer and the reading
code stay the same), and stores the decisions. `story_context` gives the digest the same
gazetteer, model, vectors and features for telling new developments from continuing ones.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

import extract.relevance
import reports.stories
from extract.relevance.terms import cached_topic_terms
from pipeline.clock import utcnow
from pipeline.fingerprint import fingerprint, source_files
from pipeline.settings import Settings
from reports.select import ArticleRow
from reports.stories import grouping as story_logic
from reports.stories.embedding import SentenceEmbedder, embedding_text
from reports.stories.entities import EntityReader
from reports.stories.grouping import StoryContext
from reports.stories.model import PairModel, load_model
from reports.stories.profile import TextFeatures, text_features
from store import stories as story_store
from store.db import connect


@dataclass(frozen=True)
class StoryRun:
    considered: int  # relevant articles in the window and the look-back before it
    assigned: int  # of them newly given a story now
    copies: int  # of those, copies of another article
    stories: int  # stories created or grown
    elapsed_ms: float


def assign_stories(
    settings: Settings, since: datetime, until: datetime, *, by_published: bool = False
) -> StoryRun:
    """Give every relevant article first seen (or, `by_published`, published) in
    [since - look-back, until) its story and copy link.

    Articles that already have a story keep it; the call is cheap to repeat (after each poll too).
    """
    started = time.perf_counter()
    lookback = since - timedelta(days=settings.story_lookback_days)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        records = story_store.relevant_articles(
            con, since=lookback, until=until, by_published=by_published
        )
    rows = [ArticleRow.from_record(r) for r in records]
    pending = [r for r in rows if r.story_id is None]
    assignments = story_logic.assign_stories(rows, story_context(settings, rows)) if pending else []
    touched = 0
    if assignments:
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            touched = story_store.save_story_assignments(
                con,
                [(a.article_id, a.story_id, a.duplicate_of) for a in assignments],
                now=utcnow(),
            )
    return StoryRun(
        considered=len(rows),
        assigned=len(assignments),
        copies=sum(1 for a in assignments if a.duplicate_of is not None),
        stories=touched,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def story_context(settings: Settings, rows: Sequence[ArticleRow]) -> StoryContext:
    """The gazetteer reader, the story model, and the sentence vectors and text features of
    `rows` (each computed and kept for those that have none yet)."""
    reader = _reader(settings.gazetteer, _mtime(settings.gazetteer))
    return StoryContext(
        reader=reader,
        model=_model(settings.story_model, _mtime(settings.story_model)),
        vectors=article_vectors(settings, rows),
        features=article_features(settings, rows, reader),
    )


# Features to read before the worker pool (one process per core, the poll's own when it ran in
# this process) pays for itself: a backfill's or a first digest's window, not a poll's news.
POOL_FROM = 200


def article_features(
    settings: Settings, rows: Sequence[ArticleRow], reader: EntityReader
) -> dict[int, TextFeatures]:
    """What the story model reads from each article's text: read back when kept from the same
    text, gazetteer and code, else read now (about 2-4 ms an article; on the worker pool from
    `POOL_FROM` articles) and kept."""
    base = _features_fingerprint(settings.gazetteer, _mtime(settings.gazetteer))
    keys = {r.id: _feature_key(base, r) for r in rows}
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        kept = story_store.stored_features(con, keys)
    features = {i: TextFeatures.from_json(data) for i, data in kept.items()}
    missing = [r for r in rows if r.id not in features]
    if missing:
        workers = None
        # A daemonic process (a multiprocessing pool's worker) cannot start a pool of its own.
        if len(missing) >= POOL_FROM and not multiprocessing.current_process().daemon:
            from pipeline.workers import article_workers  # the extraction code: only here

            workers = article_workers(settings)
        found = (
            workers.text_features(missing)
            if workers is not None
            else [text_features(r, reader) for r in missing]
        )
        fresh = {r.id: f for r, f in zip(missing, found, strict=True)}
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            story_store.save_features(
                con, {i: (keys[i], f.to_json()) for i, f in fresh.items()}, now=utcnow()
            )
        features.update(fresh)
    return features


def _feature_key(base: str, row: ArticleRow) -> str:
    digest = hashlib.sha256(base.encode())
    for part in (row.title or "", row.body, row.language or ""):
        digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


@lru_cache(maxsize=2)
def _features_fingerprint(gazetteer: Path, _mtime: float) -> str:
    """The gazetteer and the code that reads features (`TextFeatures`): a change reads again."""
    return fingerprint(
        [("gazetteer", gazetteer), *source_files(reports.stories, extract.relevance)]
    )


def article_vectors(settings: Settings, rows: Sequence[ArticleRow]) -> dict[int, np.ndarray]:
    """Each article's sentence vector: read when kept, else computed now and kept."""
    embedder = _embedder()
    ids = [r.id for r in rows]
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        stored = story_store.stored_vectors(con, ids, model=embedder.name)
    vectors = dict(stored)
    missing = [r for r in rows if r.id not in vectors]
    if missing:
        computed = embedder.encode([embedding_text(r.title, r.body) for r in missing])
        fresh = {r.id: computed[k] for k, r in enumerate(missing)}
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            story_store.save_vectors(
                con, {i: v.tolist() for i, v in fresh.items()}, model=embedder.name, now=utcnow()
            )
        vectors.update(fresh)
    return vectors


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@lru_cache(maxsize=2)
def _reader(path: Path, _mtime: float) -> EntityReader:
    return EntityReader(cached_topic_terms(path))


@lru_cache(maxsize=2)
def _model(path: Path, _mtime: float) -> PairModel:
    return load_model(path)


@lru_cache(maxsize=1)
def _embedder() -> SentenceEmbedder:
    return SentenceEmbedder()
