"""Render a digest to a subject, an HTML body and a plain-text body. Pure.

    rendered = render_digest(digest)   # Rendered(subject, html, text, preheader)

Templates live in `reports/templates/` (`digest.html.j2`, `digest.txt.j2`) and run in a Jinja2
environment with `StrictUndefined` (a missing value is an error, never an empty string) and
autoescaping for the HTML template. The HTML is laid out with tables and its CSS is then inlined
(css-inline) so Gmail and Outlook keep it; the `<style>` block keeps only the media queries.
Everything is UTF-8; Korean and Russian titles carry their `lang` attribute.

Errors: `RenderError` wraps template and CSS errors (a broken template fails the run).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import css_inline
import jinja2

from reports.compose import Digest
from reports.select import language_name, one_line, safe_link
from reports.site.render import development_path

BAR_MAX_PERCENT = 100  # bars are a share of the chart cell, so the chart fits any width
BRAND = "Russia–North Korea"
# Gmail clips HTML bodies over about 100 KB. So the first stories are shown in full and the rest
# as one line each; when the HTML is still too large, fewer stories are shown in full and then
# fewer one-liners (the rest are counted, and all are in the archive and the export).
MAX_HTML_BYTES = 95_000
FULL_ITEMS = 25
MIN_FULL_ITEMS = 5
MAX_SOURCES = 8
MAX_BRIEF = 100


class RenderError(RuntimeError):
    """A template or its CSS could not be rendered: a systemic failure."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str
    preheader: str


def _templates_dir() -> str:
    return str(resources.files("reports") / "templates")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_templates_dir()),
        autoescape=_autoescape_for,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        dt=_format_datetime,
        day=_format_day,
        longdate=_format_long_date,
        language=language_name,
        plural=_plural,
    )
    return env


def _autoescape_for(name: str | None) -> bool:
    """Escape everything but the plain-text templates (`*.txt.j2`)."""
    return name is None or not name.endswith(".txt.j2")


@jinja2.pass_context
def _format_datetime(ctx: jinja2.runtime.Context, value: datetime) -> str:
    local = value.astimezone(ZoneInfo(ctx["timezone"]))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def _format_day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


@jinja2.pass_context
def _format_long_date(ctx: jinja2.runtime.Context, value: datetime) -> str:
    local = value.astimezone(ZoneInfo(ctx["timezone"]))
    return f"{local.day} {local:%B %Y}"


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def subject_for(digest: Digest) -> str:
    """'Russia–North Korea digest, week 2026-W47 (16–22 November 2026): 4 stories, 3 new'."""
    window = digest.window
    when = f"week {window.iso_week} ({window.label})" if window.iso_week else window.label
    t = digest.totals
    if t.stories == 0:
        counts = "no new developments"
    else:
        counts = f"{_plural(t.stories, 'story', 'stories')}, {t.new_stories} new"
    return one_line(f"{BRAND} digest, {when}: {counts}")


def preheader_for(digest: Digest) -> str:
    if not digest.items:
        return "No new developments this week."
    lead = "; ".join(i.headline for i in digest.items[:2])
    return one_line(lead)[:180]


def _bars(digest: Digest) -> list[dict[str, Any]]:
    top = max([1.0, *(d.count for d in digest.activity), *(d.baseline for d in digest.activity)])
    return [
        {
            "day": d.day,
            "count": d.count,
            "baseline": d.baseline,
            "width": round(BAR_MAX_PERCENT * d.count / top),
            "baseline_width": round(BAR_MAX_PERCENT * d.baseline / top),
            "text_bar": "█" * round(24 * d.count / top),
        }
        for d in digest.activity
    ]


def site_links(site_url: str | None) -> dict[str, Any] | None:
    """Where the archive site's pages are (`site_url` set): its timeline and, per story, its page
    (`reports.site.render` lays them out); None without a site or with a non-web address."""
    base = safe_link(site_url)
    if not base:
        return None
    base = base.rstrip("/")
    return {
        "base": base,
        "timeline": f"{base}/timeline.html",
        "development": lambda story_id: f"{base}/{development_path(story_id)}",
    }


def context_for(
    digest: Digest,
    *,
    full_items: int = FULL_ITEMS,
    max_brief: int = MAX_BRIEF,
    site_url: str | None = None,
) -> dict[str, Any]:
    new_full = digest.new[:full_items]
    continuing_full = digest.continuing[: max(0, full_items - len(new_full))]
    return {
        "digest": digest,
        "new_full": new_full,
        "continuing_full": continuing_full,
        "brief": [*digest.new[len(new_full) :], *digest.continuing[len(continuing_full) :]],
        "max_sources": MAX_SOURCES,
        "max_brief": max_brief,
        "window": digest.window,
        "timezone": digest.window.timezone,
        "subject": subject_for(digest),
        "preheader": preheader_for(digest),
        "bars": _bars(digest),
        "brand": BRAND,
        "language_list": ", ".join(language_name(code) for code in digest.totals.languages),
        "site": site_links(site_url),
    }


_INLINER = css_inline.CSSInliner(
    keep_style_tags=False,
    keep_at_rules=True,
    load_remote_stylesheets=False,
)


def render_digest(digest: Digest, *, site_url: str | None = None) -> Rendered:
    """Subject, HTML and text; the HTML kept under `MAX_HTML_BYTES` (see above). With `site_url`,
    each story links to its page on the archive site and the footer to the timeline."""
    full, brief = FULL_ITEMS, MAX_BRIEF
    while True:
        context = context_for(digest, full_items=full, max_brief=brief, site_url=site_url)
        html, text = _render(context)
        if len(html.encode("utf-8")) <= MAX_HTML_BYTES or (full, brief) == (MIN_FULL_ITEMS, 0):
            return Rendered(
                subject=context["subject"], html=html, text=text, preheader=context["preheader"]
            )
        if full > MIN_FULL_ITEMS:
            full = max(MIN_FULL_ITEMS, full * 2 // 3)
        else:
            brief = brief // 2 if brief > 10 else 0


def _render(context: dict[str, Any]) -> tuple[str, str]:
    env = environment()
    try:
        html = env.get_template("digest.html.j2").render(context)
        text = env.get_template("digest.txt.j2").render(context)
        return _INLINER.inline(html), text
    except (jinja2.TemplateError, css_inline.InlineError) as exc:
        raise RenderError(f"cannot render the digest: {type(exc).__name__}: {exc}") from exc
