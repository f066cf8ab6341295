"""`newswatch feeds ...`: list the feeds polled with their health, add, remove, OPML in and out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from extract.feeds.feedlist import FeedListError, check_feed_url, is_opml, opml_feeds
from extract.models import FeedSpec
from newswatch.console import DbOption, FeedsOption, err, fail, out, settings_or_exit
from pipeline import library
from pipeline.preflight import DbUse

feeds_app = typer.Typer(help="List and manage the feeds that are polled.", no_args_is_help=True)


@feeds_app.command("list")
def feeds_list(
    db: DbOption = None,
    feeds: FeedsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
) -> None:
    """List feeds with their health (the feed list is synced into the database first)."""
    settings = settings_or_exit(db=db, feeds=feeds, check_db=DbUse.WRITE, check_feeds=True)
    try:
        rows = library.list_feeds(settings)
    except FeedListError as exc:
        raise fail(str(exc), 2) from exc
    if as_json:
        for row in rows:
            print(json.dumps(row, default=str, ensure_ascii=False))
        return
    table = Table()
    for column in ("source", "url", "lang", "active", "status", "errors", "last success"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["source"] or row["title"] or "",
            row["url"],
            row["language"] or "",
            "yes" if row["active"] else "no",
            row["last_status"] or "never polled",
            str(row["error_count"]),
            row["last_success_at"].isoformat(timespec="minutes") if row["last_success_at"] else "",
        )
    out.print(table)


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="Feed URL (RSS or Atom).")],
    source: Annotated[str | None, typer.Option(help="Outlet name shown to analysts.")] = None,
    language: Annotated[str | None, typer.Option(help="Language code, e.g. en, ko, ru.")] = None,
    db: DbOption = None,
) -> None:
    """Add a feed by hand; it is polled with the feed list from the next poll on."""
    settings = settings_or_exit(db=db, check_db=DbUse.WRITE)
    try:
        url = check_feed_url(url)
    except FeedListError as exc:
        raise fail(str(exc), 2) from exc
    new = library.add_feeds(
        settings, [FeedSpec(url=url, source=source, title=source, language=language)]
    )
    out.print(("added " if new else "already known, re-activated ") + url)


@feeds_app.command("remove")
def feeds_remove(
    url: Annotated[str, typer.Argument(help="Feed URL.")],
    db: DbOption = None,
) -> None:
    """Stop polling a feed (its articles stay)."""
    settings = settings_or_exit(db=db, check_db=DbUse.WRITE)
    found = library.remove_feed(settings, url)
    if not found:
        raise fail(f"no such feed: {url}", 2)
    out.print(f"deactivated {url}")


@feeds_app.command("import-opml")
def feeds_import_opml(
    path: Annotated[Path, typer.Argument(help="OPML file (e.g. exported from a feed reader).")],
    db: DbOption = None,
) -> None:
    """Add the feeds of an OPML file by hand (as `feeds add` does).

    Outlines that cannot be used (no http(s) URL) are named and skipped; the others are added,
    each outline's category (or its folder) kept as the feed's topic.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror or exc}", 2) from exc
    if not is_opml(data):
        raise fail(f"{path} is not an OPML file (a TOML feed list is used with --feeds)", 2)
    try:
        specs, problems = opml_feeds(data, name=str(path))
    except FeedListError as exc:
        raise fail(str(exc), 2) from exc
    for problem in problems:
        err.print(f"skipped: {problem}", highlight=False, soft_wrap=True)
    if not specs:
        raise fail(f"{path} lists no usable feed", 2)
    settings = settings_or_exit(db=db, check_db=DbUse.WRITE)
    added = library.add_feeds(settings, specs)
    out.print(
        f"{len(specs)} feed(s) in {path}, {added} new"
        + (f", {len(problems)} outline(s) skipped" if problems else "")
    )


@feeds_app.command("export-opml")
def feeds_export_opml(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: standard output)."),
    ] = None,
    db: DbOption = None,
    feeds: FeedsOption = None,
) -> None:
    """Write the active feeds (list and hand-added) as OPML."""
    settings = settings_or_exit(db=db, feeds=feeds, check_db=DbUse.WRITE, check_feeds=True)
    try:
        data, count = library.feeds_opml(settings)
    except FeedListError as exc:
        raise fail(str(exc), 2) from exc
    if output:
        output.write_bytes(data)
        err.print(f"{count} feed(s) written to {output}")
    else:
        sys.stdout.buffer.write(data)
