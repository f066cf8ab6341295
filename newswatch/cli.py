"""The `newswatch` command: a thin shell over the flows and the pipeline steps.

Exit codes: 0 done (even when some feeds failed; they are reported), 1 systemic failure (database,
network outage, template, SMTP), 2 bad usage or a bad setting.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast
from uuid import uuid4

import typer
from rich.table import Table

from newswatch.cli_feeds import feeds_app
from newswatch.cli_site import register as register_site_commands
from newswatch.console import (
    DATE_FORMATS,
    DbOption,
    FeedsOption,
    aware,
    err,
    fail,
    out,
    settings_or_exit,
)
from newswatch.display import progress_display, setup_logging
from newswatch.runs import (
    digest_here,
    prefect_api,
    print_poll,
    reachable_api,
    run_settings,
    wait_for,
)
from pipeline.malloc import cap_arenas
from pipeline.preflight import DbUse
from pipeline.settings import SettingsError

if TYPE_CHECKING:
    from pipeline.ingest import PollSummary

app = typer.Typer(
    help="Monitor news feeds for Russia–North Korea coverage; store it in DuckDB; email a digest.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",  # docstring paragraphs reflow to the terminal's width
    pretty_exceptions_enable=False,
)
app.add_typer(feeds_app, name="feeds")
register_site_commands(app)  # timeline ..., site ...


@app.callback()
def main(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            help="Log newswatch's own steps to stderr: -v INFO, -vv DEBUG.",
        ),
    ] = 0,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Also Prefect's own logs and every HTTP request (DEBUG)."),
    ] = False,
) -> None:
    """newswatch: Russia–North Korea news monitoring."""
    setup_logging(verbose, debug=debug)
    cap_arenas()  # before the threads of a poll start


@app.command()
def poll(
    feeds: FeedsOption = None,
    db: DbOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Poll every feed now, even those backing off.")
    ] = False,
    shard: Annotated[
        str,
        typer.Option(
            "--shard",
            metavar="K/N",
            help="Poll only part K of N of the feed list (each feed in one part, by its URL), "
            "so N polls started side by side, 1/N to N/N, share the work.",
        ),
    ] = "1/1",
) -> None:
    """Run one full poll cycle (the steps of the Prefect flow `poll-feeds`).

    As a flow run on the Prefect server in PREFECT_API_URL (or the active profile) if one is
    configured, else on `newswatch serve`'s server if it answers; with neither, the same steps run
    in this process without Prefect (NEWSWATCH_LOCAL_RUNS=prefect: a temporary Prefect server).
    Exits 0 when the run completes, even if some feeds failed (they are listed); non-zero on a
    systemic failure (database, every feed failing at once).
    """
    from pipeline.poll import Shard

    try:
        part = Shard.parse(shard)
    except ValueError as exc:
        raise fail(f"--shard: {exc}", code=2) from None
    settings = settings_or_exit(feeds=feeds, db=db, check_db=DbUse.WRITE, check_feeds=True)
    from pipeline.ingest import SystemicPollFailure

    api = reachable_api(settings)
    if api is None and settings.local_runs == "direct":  # no Prefect to report to: no flow
        from pipeline.ingest import check_systemic
        from pipeline.poll import run_poll

        try:
            with progress_display(err):
                summary = run_poll(settings, force=force, run_id=str(uuid4()), shard=part)
            check_systemic(summary)
        except SystemicPollFailure as exc:
            if exc.summary is not None:
                print_poll(exc.summary)
            raise fail(f"poll failed: {exc}") from exc
        except Exception as exc:
            raise fail(f"poll failed: {type(exc).__name__}: {exc}") from exc
        print_poll(summary)
        return
    with prefect_api(settings, api) as running:
        from flows.poll_feeds import poll_feeds_flow  # imported while the API starts
        from newswatch.quiet import quiet_console_tracebacks  # Prefect's logging: after the API

        wait_for(running)
        try:
            with (
                quiet_console_tracebacks(SystemicPollFailure),
                progress_display(err),
                run_settings(settings),
            ):
                # a Failed state (a bad shard, checked above already) raises when called
                summary = cast(
                    "PollSummary",
                    poll_feeds_flow(force=force, shard=part.index, shards=part.count),
                )
        except SystemicPollFailure as exc:
            if exc.summary is not None:
                print_poll(exc.summary)
            raise fail(f"poll failed: {exc}") from exc
        except Exception as exc:  # the flow already logged the traceback
            raise fail(f"poll failed: {type(exc).__name__}: {exc}") from exc
    print_poll(summary)


@app.command()
def export(
    db: DbOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl, csv or parquet.", case_sensitive=False)
    ] = "jsonl",
    since: Annotated[
        datetime | None,
        typer.Option(
            formats=DATE_FORMATS,
            metavar="DATE",
            help="Published (or first seen) on or after this date.",
        ),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            formats=DATE_FORMATS, metavar="DATE", help="Published (or first seen) before this date."
        ),
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
    from pipeline.library import ExportFormat, export_articles

    try:
        chosen = ExportFormat(fmt.lower())
    except ValueError:
        raise fail(f"unknown format {fmt!r}: use jsonl, csv or parquet", 2) from None
    if chosen is ExportFormat.PARQUET and output is None:
        raise fail("parquet needs --output PATH", 2)
    since, until = aware(since), aware(until)
    if since is not None and until is not None and until <= since:
        raise fail(f"--until ({until:%Y-%m-%d}) must be after --since ({since:%Y-%m-%d})", 2)
    settings = settings_or_exit(db=db, check_db=DbUse.READ)
    count = export_articles(
        settings,
        chosen,
        output if output is not None else sys.stdout,
        since=since,
        until=until,
        relevant_only=relevant_only,
    )
    err.print(f"{count} article(s) exported" + (f" to {output}" if output else ""))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words that must all appear; "quoted phrase" ok.')],
    db: DbOption = None,
    since: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, metavar="DATE", help="Only articles since this date."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many results.")] = 20,
    relevant_only: Annotated[
        bool, typer.Option("--relevant-only", help="Only articles judged relevant.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines instead of a table.")] = False,
) -> None:
    """Search stored articles, newest first."""
    from pipeline.library import search as search_library

    if not query.strip(' "'):
        raise fail("search needs at least one word", 2)
    settings = settings_or_exit(db=db, check_db=DbUse.READ)
    results = search_library(
        settings, query, since=aware(since), limit=limit, relevant_only=relevant_only
    )
    if as_json:
        for r in results:
            print(json.dumps(r, default=str, ensure_ascii=False))
        return
    if not results:
        err.print("no matching articles")
        return
    for n, r in enumerate(results, 1):
        when = r["published_at"] or r["first_seen_at"]
        judged = "seed" if r["is_seed"] else "relevant" if r["relevant"] else "not relevant"
        date = when.date().isoformat() if when else "undated"
        out.print(f"[dim]{n}. {date} · {_esc(r['source'] or '?')} · {judged}[/dim]")
        out.print(f"[bold]{_esc(r['title'] or '(no title)')}[/bold]")
        if r["snippet"]:
            out.print(_esc(r["snippet"]))
        # The link on a line of its own, never cut by us: the terminal wraps it, and it copies
        # (or clicks) whole.
        out.print(_esc(r["url"] or ""), soft_wrap=True, highlight=False)
        out.print()


@app.command()
def index(db: DbOption = None) -> None:
    """Build the search index of articles stored before it existed (a database from before
    version 0009 of the schema). New articles are indexed as they are stored; `search` is
    right without it, only slower. Safe to interrupt and run again."""
    from pipeline.library import build_search_index

    settings = settings_or_exit(db=db, check_db=DbUse.UPDATE)
    with progress_display():
        built = build_search_index(settings)
    err.print(f"search index: {built} block(s) built" if built else "search index: up to date")


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@app.command()
def digest(
    week: Annotated[
        str | None,
        typer.Option(help="ISO week YYYY-Www (e.g. 2026-W47). Default: the previous ISO week."),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            metavar="DAY",
            help="First day of a custom window (instead of --week).",
        ),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            metavar="DAY",
            help="Day after the window's last day. Default: today.",
        ),
    ] = None,
    db: DbOption = None,
    send: Annotated[
        bool,
        typer.Option(
            "--send/--no-send",
            help="Deliver: by SMTP if NEWSWATCH_SMTP_HOST is set, else into the outbox.",
        ),
    ] = True,
    force: Annotated[
        bool, typer.Option("--force", help="Deliver even if this window was delivered before.")
    ] = False,
    preview: Annotated[
        Path | None,
        typer.Option("--preview", help="Also write the HTML here, to open in a browser."),
    ] = None,
) -> None:
    """Build the weekly digest through the Prefect flow `weekly-digest` and deliver it once.

    Times and weeks are in NEWSWATCH_TIMEZONE. A window already delivered is not sent again
    (exit 0) unless --force. Exit 1 when delivery or rendering fails, 2 on bad options.
    With --no-send (a preview), or with no Prefect server configured or answering on the `serve`
    address (and no NEWSWATCH_SMTP_BLOCK), the same steps run in this process without Prefect.
    """
    from pipeline.delivery import DigestConfigError
    from pipeline.digest import resolve_window
    from reports.select import WindowError

    settings = settings_or_exit(db=db, check_db=DbUse.WRITE)
    first, last = (since.date() if since else None), (until.date() if until else None)
    try:
        resolve_window(settings, week=week, since=first, until=last)
    except WindowError as exc:
        raise fail(str(exc), 2) from exc
    api = None if not send else reachable_api(settings)
    if not send or (api is None and settings.local_runs == "direct" and not settings.smtp_block):
        # a preview, or no Prefect to report to: the flow's steps in this process, no Prefect
        digest_here(settings, week=week, since=first, until=last, preview=preview, send=send,
                     resend=force)  # fmt: skip
        return
    with prefect_api(settings, api) as api:
        from flows.weekly_digest import weekly_digest_flow  # imported while the API starts

        wait_for(api)
        try:
            with progress_display(err), run_settings(settings):
                outcome = weekly_digest_flow(
                    week=week or "", since=first, until=last, send=send, resend=force
                )
        except (DigestConfigError, SettingsError) as exc:
            raise fail(str(exc), 2) from exc
        except Exception as exc:  # the flow already logged the traceback
            raise fail(f"digest failed: {type(exc).__name__}: {exc}") from exc
    if preview is not None:
        preview.parent.mkdir(parents=True, exist_ok=True)
        preview.write_text(outcome.html, encoding="utf-8")
        err.print(f"preview written to {preview}")
    out.print(outcome.subject, highlight=False)
    out.print(f"{outcome.delivery.status}: {outcome.delivery.detail}", highlight=False)


@app.command()
def serve(
    port: Annotated[
        int | None,
        typer.Option(help="Prefect server port (env NEWSWATCH_PREFECT_PORT, default 4200)."),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            help="Address the Prefect server binds (env NEWSWATCH_PREFECT_HOST, default "
            "127.0.0.1). Anything else exposes an API without authentication."
        ),
    ] = None,
    db: DbOption = None,
    feeds: FeedsOption = None,
) -> None:
    """Run newswatch on this machine until stopped: Prefect server, deployments, worker.

    Starts a Prefect server on HOST:PORT (or uses the one already answering there), creates the
    work pool, deploys prefect.yaml (poll-feeds every 30 minutes, weekly-digest on Mondays,
    backfill by hand) and starts a process worker. The UI is at http://HOST:PORT. Ctrl-C or
    SIGTERM stops it cleanly; exit 1 if a part of it dies.
    """
    settings = settings_or_exit(
        db=db,
        feeds=feeds,
        prefect_port=port,
        prefect_host=host,
        check_db=DbUse.WRITE,
        check_feeds=True,
    )
    from flows.prefect_env import configure_prefect_environment

    configure_prefect_environment()
    from newswatch.serve import ServeError, ServeOptions, Services
    from newswatch.serve import serve as run_services

    logging.getLogger("newswatch.serve").setLevel(logging.INFO)
    ui = f"http://{settings.prefect_host}:{settings.prefect_port}"

    def ready(_services: Services, deployments: list[str]) -> None:
        out.print(f"newswatch is running: UI {ui}; deployments: {', '.join(deployments)}")
        out.print("Ctrl-C (or SIGTERM) stops it.")

    try:
        code = run_services(
            settings,
            ServeOptions(host=settings.prefect_host, port=settings.prefect_port),
            on_ready=ready,
        )
    except ServeError as exc:
        raise fail(str(exc)) from exc
    raise typer.Exit(code)


@app.command()
def backfill(
    start: Annotated[
        datetime,
        typer.Option(
            formats=["%Y-%m-%d"], metavar="DAY", help="First day of the window (included)."
        ),
    ],
    end: Annotated[
        datetime,
        typer.Option(
            formats=["%Y-%m-%d"], metavar="DAY", help="Last day of the window (included)."
        ),
    ],
    mode: Annotated[
        str, typer.Option(help="rescore, reextract, refetch or discover.", case_sensitive=False)
    ] = "rescore",
    feed: Annotated[
        list[str] | None, typer.Option("--feed", help="Only this feed URL (repeatable).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    with_digest: Annotated[
        bool,
        typer.Option(
            "--digest",
            help="When done, build and deliver the digest of the window (by publication date).",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Rework a past window through the Prefect flow `backfill` (here, in Prefect's local mode).

    The same request run again resumes a killed run, or redoes a finished one. On a server,
    trigger the `backfill` deployment from the UI instead (docs/operations.md).
    """
    from pydantic import ValidationError

    from pipeline.backfill.finish import BackfillSummary
    from pipeline.backfill.request import (
        BackfillError,
        BackfillForm,
        BackfillMode,
        BackfillRequest,
        BackfillSystemicFailure,
    )

    settings = settings_or_exit(db=db, check_db=DbUse.WRITE)
    try:
        chosen = BackfillMode(mode.lower())
    except ValueError:
        choices = ", ".join(m.value for m in BackfillMode)
        raise fail(f"unknown mode {mode!r}: use one of {choices}", 2) from None
    try:
        request = BackfillRequest(
            start=start.date(),
            end=end.date(),
            mode=chosen,
            feeds=feed or [],
            dry_run=dry_run,
            digest=with_digest,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'request'}: {e['msg']}" for e in exc.errors()
        )
        raise fail(problems, 2) from exc
    with prefect_api(settings) as api:
        from flows.backfill import backfill_flow  # imported while the API starts

        wait_for(api)
        try:
            with progress_display(err), run_settings(settings):
                result = backfill_flow(request=BackfillForm.of(request))
            assert isinstance(result, BackfillSummary), result  # a checked request: no early stop
            summary = result
        except BackfillError as exc:
            raise fail(str(exc), 2) from exc
        except BackfillSystemicFailure as exc:
            raise fail(f"backfill failed: {exc}") from exc
        except Exception as exc:  # the flow already logged the traceback
            raise fail(f"backfill failed: {type(exc).__name__}: {exc}") from exc
    if summary.rows:
        table = Table(title="backfill")
        for column in summary.rows[0]:
            table.add_column(column, overflow="fold")
        for row in summary.rows:
            table.add_row(*(str(value) for value in row.values()))
        out.print(table)
    out.print(summary.describe(), highlight=False)
