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
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        raise fail(str(exc), 2) from exc


def aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
