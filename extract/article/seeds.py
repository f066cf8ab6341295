"""Read the seed articles in `seeds/articles/`: text files described by `index.json`.

Each index entry names the file, the outlet, the URL, a title (or the slug-derived title when the
text has none), a publication date (or an approximate one) and the language. Boilerplate tails are
stripped from the text. `seed_article` gives a seed the shape of any extracted article.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from extract.article.clean import strip_boilerplate_tail
from extract.models import ExtractedArticle, ExtractionStatus
from extract.urls import canonicalize_url


class SeedError(ValueError):
    """The seed folder or its index is malformed."""


@dataclass(frozen=True)
class SeedArticle:
    file: str
    url: str
    outlet: str
    title: str | None
    text: str
    published_at: datetime | None  # exact date only
    reference_date: datetime | None  # exact or approximate date (for ordering and windows)
    language: str | None
    kind: str | None
    about_event: str | None


def _parse_day(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parts = value.split("-")
    try:
        if len(parts) == 3:
            day = date.fromisoformat(value)
        elif len(parts) == 2:
            day = date(int(parts[0]), int(parts[1]), 1)
        else:
            day = date(int(parts[0]), 1, 1)
    except ValueError as exc:
        raise SeedError(f"bad date {value!r} in seed index") from exc
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def read_seed_articles(folder: Path) -> list[SeedArticle]:
    index_path = folder / "index.json"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SeedError(f"cannot read {index_path}: {exc}") from exc
    seeds = []
    for item in index:
        try:
            name, url = item["file"], item["url"]
        except (KeyError, TypeError) as exc:
            raise SeedError(f"{index_path}: an entry lacks 'file' or 'url'") from exc
        raw = (folder / name).read_text(encoding="utf-8")
        published = _parse_day(item.get("published"))
        seeds.append(
            SeedArticle(
                file=name,
                url=url,
                outlet=item.get("outlet") or "",
                title=item.get("title") or item.get("title_from_url_slug"),
                text=strip_boilerplate_tail(raw),
                published_at=published,
                reference_date=published or _parse_day(item.get("published_approx")),
                language=item.get("language"),
                kind=item.get("kind"),
                about_event=item.get("about_event"),
            )
        )
    return seeds


def seed_article(seed: SeedArticle) -> ExtractedArticle:
    """The seed as an extracted article (status SEED), ready to be judged and stored."""
    return ExtractedArticle(
        url=seed.url,
        canonical_url=canonicalize_url(seed.url),
        title=seed.title,
        text=seed.text,
        author=None,
        published_at=seed.published_at,
        site_name=seed.outlet,
        language=seed.language,
        status=ExtractionStatus.SEED,
        reason=f"seed article ({seed.kind or 'article'}): {seed.about_event or ''}".strip(),
    )
