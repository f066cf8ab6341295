"""`newswatch timeline ...` and `newswatch site ...`: the developments' timeline and the archive
site (one page per digest, per development, the timeline and a search), built into a folder."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from newswatch.console import DATE_FORMATS, DbOption, aware, err, fail, out, settings_or_exit
from reports.categories import CATEGORIES

timeline_app = typer.Typer(
    help="The timeline of developments: one entry per story, with a category.",
    no_args_is_help=True,
)
site_app = typer.Typer(
    help="The analyst's archive site: digests, developments, timeline, search.",
    no_args_is_help=True,
)
CATEGORY_HELP = "One of: " + ", ".join(f"{slug} ({label})" for slug, label in CATEGORIES.items())
SinceOption = Annotated[
    datetime | None,
    typer.Option(
        formats=DATE_FORMATS, metavar="DATE", help="First reported on or after this date."
    ),
]
UntilOption = Annotated[
    datetime | None,
    typer.Option(formats=DATE_FORMATS, metavar="DATE", help="First reported before this date."),
]
CategoryOption = Annotated[str | None, typer.Option("--category", help=CATEGORY_HELP)]
SiteDirOption = Annotated[
    Path | None,
    typer.Option(
        "--site-dir",
        help="Site folder [env: NEWSWATCH_SITE_DIR; default: site/ beside the database]",
    ),
]


def register(app: typer.Typer) -> None:
    """Add both command groups to the main `newswatch` command."""
    app.add_typer(timeline_app, name="timeline")
    app.add_typer(site_app, name="site")


@timeline_app.command("build")
def timeline_build(
    db: DbOption = None,
    every: Annotated[
        bool, typer.Option("--all", help="Decide every entry again, not only changed stories.")
    ] = False,
) -> None:
    """Bring the timeline up to date with the stories (analysts' categories are kept)."""
    from pipeline import timeline

    settings = settings_or_exit(db=db)
    run = timeline.refresh_timeline(settings, full=every)
    counts = ", ".join(f"{CATEGORIES[c]} {n}" for c, n in run.by_category.items()) or "none"
    out.print(
        f"timeline: {run.entries} developments, {run.rebuilt} decided now ({counts})",
        highlight=False,
    )


@timeline_app.command("list")
def timeline_list(
    db: DbOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    category: CategoryOption = None,
) -> None:
    """The timeline, oldest first: id, first report, category, headline."""
    from pipeline import timeline

    settings = settings_or_exit(db=db)
    try:
        entries = timeline.read_timeline(
            settings, since=aware(since), until=aware(until), category=category
        )
    except timeline.TimelineError as exc:
        raise fail(str(exc), 2) from exc
    table = Table()
    for column in ("id", "first report", "category", "headline", "first by", "reports"):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(
            str(e["story_id"]),
            e["first_reported_at"].date().isoformat(),
            e["category"] + (" *" if e["overridden"] else ""),
            e["headline"],
            e["first_outlet"],
            str(e["reports"]),
        )
    out.print(table)
    out.print(f"{len(entries)} developments; * = set by an analyst", highlight=False)


@timeline_app.command("set-category")
def timeline_set_category(
    story_id: Annotated[int, typer.Argument(metavar="ID", help="The development's id.")],
    category: Annotated[
        str, typer.Argument(metavar="CATEGORY", help=CATEGORY_HELP + "; or 'rules' to undo.")
    ],
    db: DbOption = None,
) -> None:
    """Keep an analyst's category for a development, across every rebuild."""
    from pipeline import timeline

    settings = settings_or_exit(db=db)
    try:
        slug = timeline.set_category(settings, story_id, category)
    except timeline.TimelineError as exc:
        raise fail(str(exc), 2) from exc
    what = CATEGORIES[slug] if slug else "the rules' category"
    out.print(f"development {story_id}: {what}", highlight=False)


@timeline_app.command("import-categories")
def timeline_import_categories(
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="CSV with story_id and category columns.")
    ],
    db: DbOption = None,
) -> None:
    """Analysts' categories from a file: an edited `timeline export --format csv` works."""
    from pipeline import timeline

    settings = settings_or_exit(db=db)
    try:
        done = timeline.import_categories(settings, path)
    except timeline.TimelineError as exc:
        raise fail(str(exc), 2) from exc
    for problem in done.problems:
        err.print(f"skipped: {problem}", highlight=False, markup=False)
    out.print(
        f"{done.overridden} developments filed by the file's category, {done.ruled} by the rules'"
        + (f"; {len(done.problems)} rows skipped" if done.problems else ""),
        highlight=False,
    )
    if done.problems:
        raise typer.Exit(1)


@timeline_app.command("export")
def timeline_export(
    db: DbOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="csv, jsonl or ics.", case_sensitive=False)
    ] = "csv",
    since: SinceOption = None,
    until: UntilOption = None,
    category: CategoryOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write. Default: stdout.")
    ] = None,
) -> None:
    """Write the timeline for other tools: CSV, JSON Lines or an iCalendar file."""
    from pipeline import timeline

    settings = settings_or_exit(db=db)
    try:
        if output is None:
            count = timeline.export_timeline(
                settings, fmt, sys.stdout, since=aware(since), until=aware(until), category=category
            )
        else:
            # newline="" keeps the CRLF line ends iCalendar needs as they are
            with output.open("w", encoding="utf-8", newline="") as stream:
                count = timeline.export_timeline(
                    settings, fmt, stream, since=aware(since), until=aware(until), category=category
                )
    except timeline.TimelineError as exc:
        raise fail(str(exc), 2) from exc
    err.print(f"exported {count} developments", highlight=False)


@site_app.command("build")
def site_build(db: DbOption = None, site_dir: SiteDirOption = None) -> None:
    """Render the archive site into its folder (the timeline is refreshed first)."""
    from pipeline import site

    settings = settings_or_exit(db=db, site_dir=site_dir)
    try:
        built = site.build_site(settings)
    except site.SiteError as exc:
        raise fail(str(exc), 2) from exc
    out.print(built.describe(), highlight=False)
    out.print(f"open {(built.folder / 'index.html').resolve().as_uri()}", highlight=False)


@site_app.command("serve")
def site_serve(
    db: DbOption = None,
    site_dir: SiteDirOption = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.", min=1, max=65535)] = 8008,
) -> None:
    """Serve the built site on http://127.0.0.1:PORT/ until Ctrl-C."""
    from pipeline import site

    settings = settings_or_exit(db=db, site_dir=site_dir)
    try:
        server = site.site_server(settings, port)
    except (site.SiteError, OSError) as exc:
        raise fail(str(exc), 2) from exc
    out.print(f"serving {settings.site_folder} at http://127.0.0.1:{port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
