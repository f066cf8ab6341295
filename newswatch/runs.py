"""How the shell runs a flow's work: on a Prefect API (configured, `newswatch serve`'s, or a
temporary one bound to this process), or, with no Prefect to report to, the same steps here.

    api = reachable_api(settings)                 # None: nothing configured or answering
    with prefect_api(settings, api) as running:   # before importing flows/
        wait_for(running)
        ...

Nothing here imports Prefect at module level: a direct run never loads it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from newswatch.console import err, fail, out
from newswatch.display import progress_display
from pipeline.progress import stage
from pipeline.settings import Settings

if TYPE_CHECKING:
    from flows.local_api import PrefectApi


def reachable_api(settings: Settings) -> PrefectApi | None:
    """A Prefect API configured or answering on the `serve` address (none is started)."""
    from flows import local_api

    return local_api.reachable_api(settings.prefect_host, settings.prefect_port)


@contextmanager
def prefect_api(settings: Settings, found: PrefectApi | None = None) -> Iterator[PrefectApi]:
    """The Prefect API for this command's flow run: configured, `serve`'s, or a temporary one
    that cannot outlive this process (`flows.local_api`). Enter it before importing flows."""
    from flows.prefect_env import configure_prefect_environment

    configure_prefect_environment()
    from flows import local_api

    with local_api.prefect_api(settings.prefect_host, settings.prefect_port, found) as api:
        yield api


@contextmanager
def run_settings(settings: Settings) -> Iterator[None]:
    """This command's database and feed list as the environment of the flow run it starts.

    Flows take no paths as parameters (the UI would offer them in every run form): a flow run
    reads its settings like any other, from NEWSWATCH_DB and NEWSWATCH_FEEDS. The CLI runs the
    flow in this process, so setting them here, for the block, is what reaches the run; a worker's
    runs get the worker's environment (`newswatch serve` hands on its own, paths made absolute).
    """
    wanted = {"NEWSWATCH_DB": str(settings.db), "NEWSWATCH_FEEDS": str(settings.feeds)}
    before = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def wait_for(api: PrefectApi) -> None:
    from flows.local_api import PrefectApiError

    try:
        api.wait()
    except PrefectApiError as exc:
        raise fail(str(exc)) from exc


def print_poll(summary: object) -> None:
    from pipeline.ingest import PollSummary

    assert isinstance(summary, PollSummary)
    table = Table(title="poll-feeds", show_lines=False)
    for column in ("feed", "status", "http", "entries", "new", "error"):
        table.add_column(column, overflow="fold")
    for row in summary.rows:
        if row["status"] == "skipped":
            continue
        table.add_row(
            *(
                str(row[c] if row[c] is not None else "")
                for c in ("feed", "status", "http", "entries", "new", "error")
            )
        )
    out.print(table)
    out.print(summary.describe(), soft_wrap=True)


def digest_here(
    settings: Settings,
    *,
    week: str | None,
    since: date | None,
    until: date | None,
    preview: Path | None,
    send: bool,
    resend: bool,
) -> None:
    """The `weekly-digest` flow's steps run in this process (stories, build, deliver, and the
    archive site after a delivery; a preview leaves the site as it is)."""
    from pipeline.delivery import DigestConfigError, deliver_digest
    from pipeline.digest import build_digest, resolve_window
    from pipeline.site import build_site
    from pipeline.stories import assign_stories

    window = resolve_window(settings, week=week, since=since, until=until)
    site_built = None
    try:
        with progress_display(err), stage("digest", 4 if send else 2) as steps:
            assign_stories(settings, window.start, window.end, by_published=window.by_published)
            steps.advance(detail="stories assigned")
            built = build_digest(settings, window)
            steps.advance(detail="digest built")
            delivered = deliver_digest(settings, built, resend=resend) if send else None
            if delivered is not None:
                steps.advance(detail="delivered")
                site_built = build_site(settings)
                steps.advance(detail="site built")
        if site_built is not None:
            err.print(site_built.describe(), highlight=False)
    except DigestConfigError as exc:
        raise fail(str(exc), 2) from exc
    except Exception as exc:  # a broken database, template or SMTP server: one line, exit 1
        raise fail(f"digest failed: {type(exc).__name__}: {exc}") from exc
    if preview is not None:
        preview.parent.mkdir(parents=True, exist_ok=True)
        preview.write_text(built.rendered.html, encoding="utf-8")
        err.print(f"preview written to {preview}")
    out.print(built.rendered.subject, highlight=False)
    if delivered is None:
        out.print("not-sent: built only (--no-send)", highlight=False)
    else:
        out.print(f"{delivered.status}: {delivered.detail}", highlight=False)
