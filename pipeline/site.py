"""The archive site step: refresh the timeline, render the site, write it to `settings.site_folder`.

    build_site(settings)            -> SiteBuild (called by `newswatch site build` and the weekly
                                       flow after delivery)
    site_server(settings, port)     -> an HTTP server on 127.0.0.1 over the built folder

The pages are `reports.site.render`'s; this step gathers what they show in one short read (the
digests sent, the timeline, every story's reports), gives each report its English gist, and
writes the files into a fresh folder beside the old one that then takes its place, so a reader
never sees half a site. It only ever replaces a folder it made itself (marked by `MARKER`).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from pipeline.clock import utcnow
from pipeline.settings import Settings
from pipeline.timeline import refresh_timeline
from reports.select import ArticleRow
from reports.site.render import (
    SiteData,
    SiteDevelopment,
    SiteReport,
    SiteWeek,
    render_site,
)
from store import site as site_store
from store import timeline as timeline_store
from store.db import connect

MARKER = ".newswatch-site"


class SiteError(RuntimeError):
    """The site cannot be written where asked (a folder newswatch did not make, say)."""


@dataclass(frozen=True)
class SiteBuild:
    folder: Path
    files: int
    weeks: int
    developments: int
    elapsed_ms: float

    def describe(self) -> str:
        return (
            f"site: {self.weeks} digests, {self.developments} developments, {self.files} files "
            f"in {self.folder} ({self.elapsed_ms / 1000:.1f} s)"
        )


def gather_site(settings: Settings) -> SiteData:
    """What the site shows, from the database as it is now (the timeline refreshed first)."""
    refresh_timeline(settings)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        digests = site_store.sent_digests(con)
        entries = {int(e["story_id"]): e for e in timeline_store.timeline(con)}
        records = timeline_store.story_reports(con)
    weeks_of: dict[int, list[str]] = defaultdict(list)
    for d in sorted(digests, key=lambda d: d["window_start"]):
        for story_id in d["story_ids"]:
            weeks_of[int(story_id)].append(str(d["window_key"]))
    developments = []
    for story_id, group in groupby(records, key=lambda r: int(r["story_id"])):
        if story_id not in entries:
            continue
        rows = [ArticleRow.from_record(r) for r in group]
        reports = [
            SiteReport(
                article_id=r.id,
                title=" ".join((r.title or r.url).split()),
                url=r.url,
                outlet=r.outlet,
                language=r.language,
                when=r.when,
                gist=entries[story_id]["report_gists"].get(r.id),
                copy_of=r.duplicate_of,
            )
            for r in rows
        ]
        developments.append(
            SiteDevelopment(entries[story_id], reports, tuple(dict.fromkeys(weeks_of[story_id])))
        )
    weeks = [
        SiteWeek(
            key=str(d["window_key"]),
            start=d["window_start"],
            end=d["window_end"],
            subject=d["subject"],
            items=d["items"],
            html=d["html"],
            sent_at=d["sent_at"],
        )
        for d in digests
    ]
    return SiteData(weeks, developments, generated_at=utcnow(), timezone=settings.timezone)


def build_site(settings: Settings, *, folder: Path | None = None) -> SiteBuild:
    """Render the whole site into `folder` (default `settings.site_folder`), replacing the old one."""
    started = time.perf_counter()
    target = Path(folder or settings.site_folder)
    data = gather_site(settings)
    files = render_site(data)
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    try:
        for relative, text in files.items():
            path = fresh / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (fresh / MARKER).write_text("written by newswatch site build; replaced at each build\n")
        fresh.chmod(0o755)
        _swap(fresh, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return SiteBuild(
        folder=target,
        files=len(files),
        weeks=len(data.weeks),
        developments=len(data.developments),
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def _check_replaceable(target: Path) -> None:
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / MARKER).exists())
    ):
        raise SiteError(
            f"{target} exists and was not made by `newswatch site build`: "
            "choose another folder (NEWSWATCH_SITE_DIR)"
        )


def _swap(fresh: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{time.time_ns()}")
        target.rename(old)
    fresh.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def site_server(
    settings: Settings, port: int, *, host: str = "127.0.0.1"
) -> http.server.HTTPServer:
    """A static file server over the built site (call `serve_forever()`); loopback by default."""
    folder = Path(settings.site_folder)
    if not (folder / "index.html").is_file():
        raise SiteError(f"no site in {folder}: run `newswatch site build` first")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer((host, port), handler)
