"""Render the archive site: every digest, every development across languages, the timeline and a
search index, as static files. Pure: data in, {relative path: text} out.

    files = render_site(SiteData(weeks, developments, generated_at, timezone))

    index.html                  the digests, newest week first (one page per week)
    weeks/<window key>.html     a digest's developments, linked to their pages; the email itself
    weeks/<window key>.email.html   beside it
    developments/<id>.html      a development: first report, category and why, every report in
                                every language with its link and English gist
    timeline.html               every development, oldest first, filterable by category and period
    search.html                 client-side search over headlines and gists
    search-index.json           the prebuilt index (search-index.js holds the same, for file://,
                                where browsers refuse to fetch() a local JSON file)
    assets/site.css, site.js

Links are relative, so the folder opens from the file system and serves from any static host.
Templates (`reports/site/templates/`) run with `StrictUndefined` and autoescaping; the email
HTML is the archived message, written as it was sent. A broken template raises `SiteRenderError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from reports.categories import CATEGORIES
from reports.select import language_name, safe_link

BRAND = "Russia–North Korea"
STATIC = ("site.css", "site.js")


class SiteRenderError(RuntimeError):
    """A site template could not be rendered: a systemic failure."""


@dataclass(frozen=True)
class SiteReport:
    """One report of a development, in its own language."""

    article_id: int
    title: str
    url: str | None
    outlet: str
    language: str | None
    when: datetime
    gist: str | None  # English, from the gazetteer's entities of this report alone
    copy_of: int | None = None


@dataclass(frozen=True)
class SiteDevelopment:
    """A timeline entry (store.timeline row) and its reports, oldest first."""

    entry: Mapping[str, Any]
    reports: Sequence[SiteReport]
    weeks: Sequence[str] = ()  # window keys of the digests that carried it

    @property
    def story_id(self) -> int:
        return int(self.entry["story_id"])


@dataclass(frozen=True)
class SiteWeek:
    """One archived digest (the last one sent for its window)."""

    key: str
    start: datetime
    end: datetime
    subject: str
    items: Sequence[Mapping[str, Any]]  # reports.compose.item_record, in digest order
    html: str  # the email as sent
    sent_at: datetime | None = None


@dataclass(frozen=True)
class SiteData:
    weeks: Sequence[SiteWeek]
    developments: Sequence[SiteDevelopment]
    generated_at: datetime
    timezone: str = "UTC"


def slug(key: str) -> str:
    """A file name for a window key ('2026-W47', '2026-11-16_2026-11-30')."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-") or "window"


def development_path(story_id: int) -> str:
    return f"developments/{int(story_id)}.html"


def week_path(key: str) -> str:
    return f"weeks/{slug(key)}.html"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.files("reports.site") / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(language=language_name, link=safe_link, development=development_path)
    env.filters["week"] = week_path
    return env


def _day(value: datetime, zone: str) -> str:
    local = value.astimezone(ZoneInfo(zone))
    return f"{local.day} {local:%b %Y}"


def search_index(data: SiteData) -> list[dict[str, Any]]:
    """One record per development: what the search box looks in, and where it leads."""
    out = []
    for d in data.developments:
        e = d.entry
        titles = list(dict.fromkeys(r.title for r in d.reports if r.title))
        out.append(
            {
                "id": d.story_id,
                "headline": e["headline"],
                "gist": e.get("gist") or "",
                "titles": titles,
                "category": e["category"],
                "date": e["first_reported_at"].date().isoformat(),
                "languages": list(e["languages"]),
                "url": development_path(d.story_id),
            }
        )
    return out


def render_site(data: SiteData) -> dict[str, str]:
    """Every file of the site, by path relative to the site folder."""
    env = environment()
    zone = data.timezone
    by_id = {d.story_id: d for d in data.developments}
    months = sorted({d.entry["first_reported_at"].strftime("%Y-%m") for d in data.developments})
    common: dict[str, Any] = {
        "brand": BRAND,
        "categories": CATEGORIES,
        "generated": _day(data.generated_at, zone),
        "day": lambda value: _day(value, zone),
    }
    files: dict[str, str] = {}

    def page(path: str, template: str, **context: Any) -> None:
        root = "../" * path.count("/")
        try:
            files[path] = env.get_template(template).render(common, root=root, **context)
        except jinja2.TemplateError as exc:
            raise SiteRenderError(f"cannot render {path}: {type(exc).__name__}: {exc}") from exc

    weeks = sorted(data.weeks, key=lambda w: w.start, reverse=True)
    page("index.html", "index.html.j2", weeks=weeks, developments=len(data.developments))
    for week in weeks:
        listed = [(item, by_id.get(int(item["story_id"]))) for item in week.items]
        page(
            week_path(week.key),
            "week.html.j2",
            week=week,
            listed=listed,
            email=f"{slug(week.key)}.email.html",
        )
        files[f"weeks/{slug(week.key)}.email.html"] = week.html
    for d in data.developments:
        page(development_path(d.story_id), "development.html.j2", d=d, e=d.entry)
    ordered = sorted(data.developments, key=lambda d: (d.entry["first_reported_at"], d.story_id))
    page("timeline.html", "timeline.html.j2", developments=ordered, months=months)
    page("search.html", "search.html.j2")
    index = json.dumps(search_index(data), ensure_ascii=False, separators=(",", ":"))
    files["search-index.json"] = index
    safe = index.replace("</", "<\\/")  # never closes a script element
    files["search-index.js"] = f"window.NEWSWATCH_INDEX = {safe};\n"
    for name in STATIC:
        static = resources.files("reports.site") / "static" / name
        files[f"assets/{name}"] = static.read_text(encoding="utf-8")
    return files
