"""The `newswatch` command: a thin shell over the flows and the store.

Exit codes: 0 done (even when some feeds failed; they are reported), 1 systemic failure (database,
network outage, template, SMTP), 2 bad usage or a bad setting.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from newswatch.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    help="Monitor news feeds for Russia–North Korea coverage; store it in DuckDB; email a digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
feeds_app = typer.Typer(help="List and manage the feeds that are polled.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")

out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file [env: NEWSWATCH_DB; default data/newswatch.duckdb]"),
]
FeedsOption = Annotated[
    Path | None,
    typer.Option(
        "--feeds",
        help="Feed list, TOML or OPML [env: NEWSWATCH_FEEDS; default seeds/feeds.toml]",
    ),
]
DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        raise _fail(str(exc), 2) from exc


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")
    ] = False,
) -> None:
    """newswatch: Russia–North Korea news monitoring."""
    _setup_logging(verbose)


@app.command()
def poll(
    feeds: FeedsOption = None,
    db: DbOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Poll every feed now, even those backing off.")
    ] = False,
) -> None:
    """Run one full poll cycle through the Prefect flow `poll-feeds`.

    Uses the Prefect server in PREFECT_API_URL if one is configured, else Prefect's local mode.
    Exits 0 when the run completes, even if some feeds failed (they are listed); non-zero on a
    systemic failure (database, every feed failing at once).
    """
    settings = _settings(feeds=feeds, db=db)
    from newswatch.prefect_env import configure_prefect_environment

    configure_prefect_environment()
    from flows.poll_feeds import poll_feeds_flow
    from newswatch.ingest import SystemicPollFailure

    try:
        summary = poll_feeds_flow(feeds=str(settings.feeds), db=str(settings.db), force=force)
    except SystemicPollFailure as exc:
        raise _fail(f"poll failed: {exc}") from exc
    except Exception as exc:  # the flow already logged the traceback
        raise _fail(f"poll failed: {type(exc).__name__}: {exc}") from exc
    _print_poll(summary)


def _print_poll(summary: object) -> None:
    from newswatch.ingest import PollSummary

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
    out.print(summary.describe())


@app.command()
def export(
    db: DbOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl, csv or parquet.", case_sensitive=False)
    ] = "jsonl",
    since: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="Published (or first seen) on or after this date."),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="Published (or first seen) before this date."),
    ] = None,
    relevant_only: Annotated[
        bool, typer.Option("--relevant-only", help="Only articles judged relevant.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: standard output)."),
    ] = None,
) -> None:
    """Export one record per article (seed articles included)."""
    from store.db import connect
    from store.export import ExportFormat, write_export

    try:
        chosen = ExportFormat(fmt.lower())
    except ValueError:
        raise _fail(f"unknown format {fmt!r}: use jsonl, csv or parquet", 2) from None
    if chosen is ExportFormat.PARQUET and output is None:
        raise _fail("parquet needs --output PATH", 2)
    settings = _settings(db=db)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        count = write_export(
            con,
            chosen,
            output if output is not None else sys.stdout,
            since=_aware(since),
            until=_aware(until),
            relevant_only=relevant_only,
        )
    err.print(f"{count} article(s) exported" + (f" to {output}" if output else ""))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words that must all appear; "quoted phrase" ok.')],
    db: DbOption = None,
    since: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="Only articles since this date.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many results.")] = 20,
    relevant_only: Annotated[bool, typer.Option("--relevant-only")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
) -> None:
    """Search stored articles, newest first."""
    from store.db import connect
    from store.search import search_articles

    settings = _settings(db=db)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        results = search_articles(
            con, query, since=_aware(since), limit=limit, relevant_only=relevant_only
        )
    if as_json:
        for r in results:
            print(json.dumps(r, default=str, ensure_ascii=False))
        return
    if not results:
        err.print("no matching articles")
        return
    table = Table(show_lines=True)
    for column in ("date", "source", "title / snippet", "rel."):
        table.add_column(column, overflow="fold")
    for r in results:
        when = r["published_at"] or r["first_seen_at"]
        table.add_row(
            when.date().isoformat() if when else "",
            r["source"] or "",
            f"[bold]{_esc(r['title'] or '(no title)')}[/bold]\n{_esc(r['snippet'])}\n{_esc(r['url'])}",
            ("seed" if r["is_seed"] else "yes" if r["relevant"] else "no"),
        )
    out.print(table)


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@feeds_app.command("list")
def feeds_list(
    db: DbOption = None,
    feeds: FeedsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
) -> None:
    """List feeds with their health (the feed list is synced into the database first)."""
    from extract.feedlist import FeedListError, load_feed_list
    from newswatch.ingest import feed_list_origin
    from store.db import connect
    from store.feeds import list_feeds, sync_feed_list

    settings = _settings(db=db, feeds=feeds)
    try:
        specs = load_feed_list(settings.feeds)
    except FeedListError as exc:
        raise _fail(str(exc), 2) from exc
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        sync_feed_list(con, specs, feed_list_origin(settings.feeds))
        rows = list_feeds(con)
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
    from extract.feedlist import FeedListError, check_feed_url
    from extract.models import FeedSpec
    from store.db import connect
    from store.feeds import add_feed

    settings = _settings(db=db)
    try:
        url = check_feed_url(url)
    except FeedListError as exc:
        raise _fail(str(exc), 2) from exc
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        new = add_feed(con, FeedSpec(url=url, source=source, title=source, language=language))
    out.print(("added " if new else "already known, re-activated ") + url)


@feeds_app.command("remove")
def feeds_remove(
    url: Annotated[str, typer.Argument(help="Feed URL.")],
    db: DbOption = None,
) -> None:
    """Stop polling a feed (its articles stay)."""
    from store.db import connect
    from store.feeds import remove_feed

    settings = _settings(db=db)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        found = remove_feed(con, url)
    if not found:
        raise _fail(f"no such feed: {url}", 2)
    out.print(f"deactivated {url}")


@feeds_app.command("import-opml")
def feeds_import_opml(
    path: Annotated[Path, typer.Argument(help="OPML file (e.g. exported from a feed reader).")],
    db: DbOption = None,
) -> None:
    """Add every feed of an OPML file by hand (as `feeds add` does)."""
    from extract.feedlist import FeedListError, load_feed_list
    from store.db import connect
    from store.feeds import add_feed

    settings = _settings(db=db)
    try:
        specs = load_feed_list(path)
    except FeedListError as exc:
        raise _fail(str(exc), 2) from exc
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        added = sum(add_feed(con, spec) for spec in specs)
    out.print(f"{len(specs)} feed(s) in {path}, {added} new")


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
    from extract.feeds import OpmlFeed, render_opml

    from extract.feedlist import load_feed_list
    from newswatch.ingest import feed_list_origin
    from store.db import connect
    from store.feeds import list_feeds, sync_feed_list

    settings = _settings(db=db, feeds=feeds)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        sync_feed_list(con, load_feed_list(settings.feeds), feed_list_origin(settings.feeds))
        rows = list_feeds(con, active_only=True)
    data = render_opml(
        [
            OpmlFeed(url=r["url"], title=r["source"] or r["title"], language=r["language"])
            for r in rows
        ]
    )
    if output:
        output.write_bytes(data)
        err.print(f"{len(rows)} feed(s) written to {output}")
    else:
        sys.stdout.buffer.write(data)
