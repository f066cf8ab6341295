"""From a feed entry and its page to the record the store keeps: extract, judge, one function.

    processed = process_article(entry, page, terms=terms, now=now, source="Yonhap")

Used by the poll (`pipeline.ingest`), by a discover backfill (through the poll's steps) and by
re-extraction and refetching (`pipeline.backfill.rework`), so an article is built the same way
whatever brought it in. Seed articles and a rescore only judge (`judge_article`).

Item failures are data: a link that cannot be fetched, a page that failed or gave no text keeps
the feed's summary or content with a status and a reason (`extract.article.extraction`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from extract.article.extraction import ExtractionSettings, article_from_feed, extract_article
from extract.models import (
    ExtractedArticle,
    ExtractionStatus,
    FeedEntry,
    PageFetch,
    ProcessedArticle,
    Relevance,
)
from extract.relevance.judge import judge_relevance
from extract.relevance.terms import TopicTerms

UNFETCHABLE = "link cannot be fetched (aggregator redirect)"


def process_article(
    entry: FeedEntry,
    page: PageFetch | None,
    *,
    terms: TopicTerms,
    now: datetime,
    source: str | None = None,
    canonical_url: str | None = None,
    extraction: ExtractionSettings | None = None,
) -> ProcessedArticle:
    """Extract the entry's article from its page (or keep its feed text) and judge it.

    `page` None means the page was not fetched (only meaningful for an unfetchable link);
    `canonical_url` pins the key of an article stored before, whatever the page now calls itself.
    """
    if not entry.fetchable:
        article = article_from_feed(entry, ExtractionStatus.NOT_FETCHED, UNFETCHABLE)
    elif page is None or page.error or not page.body:
        reason = (page.error if page else None) or "empty page"
        article = article_from_feed(entry, ExtractionStatus.FETCH_FAILED, reason)
    else:
        article = extract_article(
            page.body,
            url=page.final_url or page.url,
            entry=entry,
            now=now,
            content_type=page.content_type,
            settings=extraction or ExtractionSettings(),
        )
    if canonical_url is not None:
        article = replace(article, canonical_url=canonical_url)
    return ProcessedArticle(
        article=article,
        relevance=judge_article(article, summary=entry.summary, terms=terms),
        entry=entry,
        page=page,
        feed_url=entry.feed_url or None,
        source=source or entry.source,
        summary=entry.summary,
    )


def judge_article(
    article: ExtractedArticle, *, summary: str | None, terms: TopicTerms
) -> Relevance:
    """The relevance judgement of an extracted article, with the feed's summary as its lead."""
    return judge_relevance(
        title=article.title,
        text=article.text,
        summary=summary,
        language=article.language,
        terms=terms,
    )
