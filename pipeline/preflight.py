"""Checks of the settings' paths, run by the CLI before any flow (or Prefect) starts.

    preflight(settings, db=DbUse.READ)                 # search, export: the database must exist
    preflight(settings, db=DbUse.WRITE, feeds=True)    # poll: database usable, feed list readable

A bad path raises `PreflightError` (a `SettingsError`: the CLI prints it as one line, exit 2) and
leaves nothing behind: no database, no folder, no `<db>.lock`. The only probe is an unnamed
temporary file (O_TMPFILE where the kernel has it), gone when closed.

What is refused:
- a database path that is a folder, or a file that is not a DuckDB database (DuckDB writes
  "DUCK" at byte 8 of every database file, and refuses an empty file);
- a database, or the folder that would hold a new one, that cannot be written (a read-only file
  system, no permission), or a missing database for a command that only reads;
- a feed list that cannot be read or does not parse (TOML or OPML), or lists no feed.
"""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path

from extract.feeds.feedlist import FeedListError, load_feed_list
from extract.models import FeedSpec
from pipeline.settings import Settings, SettingsError
from store.db import MEMORY, looks_like_duckdb


class PreflightError(SettingsError):
    """A path in the settings cannot be used; the message names it and says why, on one line."""


class DbUse(StrEnum):
    READ = "read"  # search, export: never create a database
    WRITE = "write"  # poll, digest, backfill, feeds: create it (and its folder) when missing
    UPDATE = "update"  # index: works on an existing one, never creates it


def preflight(settings: Settings, *, db: DbUse | None = None, feeds: bool = False) -> None:
    """Raise PreflightError for the first unusable path among those the command needs."""
    if db is not None:
        check_database(settings.db, db)
    if feeds:
        check_feed_list(settings.feeds)


def check_database(path: Path, use: DbUse) -> None:
    """The database at `path` can be opened for `use`; nothing is created to find out."""
    if str(path) == MEMORY:
        return
    shown = str(path)
    if path.is_dir():
        raise PreflightError(f"database {shown} is a folder, not a DuckDB file (NEWSWATCH_DB/--db)")
    if path.exists():
        if not path.is_file():
            raise PreflightError(f"database {shown} is not a regular file")
        try:
            is_duckdb = looks_like_duckdb(path)
        except OSError as exc:
            raise PreflightError(f"database {shown} cannot be read: {_reason(exc)}") from exc
        if not is_duckdb:
            raise PreflightError(f"{shown} is not a DuckDB database (NEWSWATCH_DB/--db)")
        _check_writable_file(path)
        _check_writable_folder(path.parent, f"the folder of database {shown}")
        return
    if use is not DbUse.WRITE:
        what = "only reads one" if use is DbUse.READ else "works on an existing one"
        raise PreflightError(
            f"no database at {shown} (this command {what}; check NEWSWATCH_DB/--db)"
        )
    folder = _nearest_existing(path.parent)
    if not folder.is_dir():
        raise PreflightError(f"database {shown} cannot be created: {folder} is not a folder")
    _check_writable_folder(folder, f"database {shown} cannot be created: {folder}")


def check_feed_list(path: Path) -> list[FeedSpec]:
    """The feeds of the list at `path` (TOML or OPML); PreflightError when it cannot be used."""
    if path.is_dir():
        raise PreflightError(f"feed list {path} is a folder (NEWSWATCH_FEEDS/--feeds)")
    try:
        specs = load_feed_list(path)
    except FeedListError as exc:
        raise PreflightError(one_line(str(exc))) from exc
    if not specs:
        raise PreflightError(f"feed list {path} lists no feed")
    return specs


def one_line(text: str) -> str:
    """`text` with its line breaks and runs of blanks folded to single spaces."""
    return " ".join(text.split())


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _check_writable_file(path: Path) -> None:
    try:
        with path.open("r+b"):
            pass
    except OSError as exc:
        raise PreflightError(f"database {path} cannot be written: {_reason(exc)}") from exc


def _check_writable_folder(folder: Path, what: str) -> None:
    """Probe with an unnamed temporary file: root ignores permission bits, not read-only mounts."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PreflightError(f"{what} is not writable")
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".newswatch-probe-"):
            pass
    except OSError as exc:
        raise PreflightError(f"{what} is not writable: {_reason(exc)}") from exc


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
