"""What every `newswatch` command shares: the consoles, the common options, one-line failures.

`fail` prints one red line to standard error and returns the `typer.Exit` to raise (1 for a
systemic failure, 2 for bad usage or a bad setting); `settings_or_exit` builds the settings object
or fails with the setting's name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from pipeline.preflight import DbUse, one_line, preflight
from pipeline.settings import Settings, SettingsError, load_settings

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


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as one line (never wrapped) to standard error; the Exit to raise."""
    err.print(
        "[red]error:[/red] " + escape(one_line(message)),
        markup=True,
        highlight=False,
        soft_wrap=True,
    )
    return typer.Exit(code)


def settings_or_exit(
    *, check_db: DbUse | None = None, check_feeds: bool = False, **overrides: object
) -> Settings:
    """The settings, with the paths the command needs checked (pipeline.preflight); else exit 2.

    Called before any flow, so a bad setting never starts Prefect or creates anything.
    """
    try:
        settings = load_settings(**overrides)
        preflight(settings, db=check_db, feeds=check_feeds)
    except SettingsError as exc:
        raise fail(str(exc), 2) from exc
    return settings


def aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
