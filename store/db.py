"""Open DuckDB connections: one per unit of work, from a path, always closed.

DuckDB lets one process at a time hold a file open for writing, and a read-only connection also
fails while another process writes. So every connection here, reader or writer, is taken under an
exclusive advisory file lock beside the database (`<db>.lock`) and held only for a short unit of
work; a second process waits for the lock (up to `lock_timeout`) instead of failing with
"Could not set lock on file". Should another program hold DuckDB's own lock, opening is retried
with backoff until the same deadline.

    with connect(path) as con:          # migrated, locked, closed on exit
        con.execute("SELECT ...", [value])

Each connection is capped at `MEMORY_LIMIT` of DuckDB memory (what does not fit spills to disk
beside the database), so a process's memory does not grow with the size of the database.

Errors: `DatabaseBusy` when the lock cannot be had in time; DuckDB's own errors pass through
(a broken database is a systemic failure and must fail the run).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from store.migrate import apply_migrations

log = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT = 600.0
MEMORY = ":memory:"
# DuckDB's own memory cap for one connection (its buffer cache, sorts, joins; beyond it they spill
# to `<db>.tmp`). DuckDB's default is 80 % of the machine: reading a large database then grew a
# process by as much of the file as it touched (945 MB for one search of a million articles).
MEMORY_LIMIT = "512MB"


class DatabaseBusy(RuntimeError):
    """Another process held the database longer than we were willing to wait."""


DUCKDB_MAGIC = b"DUCK"  # at byte 8 of every DuckDB database file


def looks_like_duckdb(path: Path) -> bool:
    """True when the file at `path` starts like a DuckDB database (OSError if unreadable)."""
    with path.open("rb") as handle:
        return handle.read(12)[8:12] == DUCKDB_MAGIC


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    message = str(exc).lower()
    return "could not set lock" in message or "conflicting lock" in message


@contextmanager
def connect(
    path: str | Path, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT, migrate: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open `path` (or ":memory:"), migrated to the latest schema, and close it afterwards."""
    if str(path) == MEMORY:
        con = duckdb.connect(MEMORY)
        try:
            if migrate:
                apply_migrations(con)
            yield con
        finally:
            con.close()
        return

    db_path = Path(path)
    busy = f"database {db_path} stayed locked by another newswatch process for {lock_timeout:.0f} s"
    with _held(db_path, ".lock", lock_timeout, busy) as waited:
        if waited > 1:
            log.info("waited %.1f s for the database lock on %s", waited, db_path)
        con = _open_with_retry(db_path, deadline=time.monotonic() + lock_timeout)
        try:
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
            if migrate:
                apply_migrations(con)
            yield con
        finally:
            con.close()


@contextmanager
def poll_turn(
    path: str | Path, *, timeout: float = DEFAULT_LOCK_TIMEOUT, part: str | None = None
) -> Iterator[float]:
    """One poll of the database (of one `part` of its feeds) at a time, across processes: held
    for a whole poll (beside the database, `<db>.poll.lock`, or `<db>.poll-<part>.lock`), so a
    second poll started meanwhile waits for the first and then finds its feeds polled and its
    pages stored instead of fetching them again. Yields the seconds waited. `DatabaseBusy` when
    the turn does not come within `timeout`."""
    if str(path) == MEMORY:
        yield 0.0
        return
    busy = f"another poll of {path} has been running for over {timeout:.0f} s"
    suffix = ".poll.lock" if part is None else f".poll-{part}.lock"
    with _held(Path(path), suffix, timeout, busy) as waited:
        yield waited


@contextmanager
def _held(db_path: Path, suffix: str, timeout: float, busy: str) -> Iterator[float]:
    """The advisory file lock `<db><suffix>`, held for the block; yields the seconds waited.
    `DatabaseBusy(busy)` when it cannot be had within `timeout`."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(db_path) + suffix)
    started = time.monotonic()
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise DatabaseBusy(busy) from exc
    try:
        yield time.monotonic() - started
    finally:
        lock.release()


def _open_with_retry(path: Path, *, deadline: float) -> duckdb.DuckDBPyConnection:
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc) or time.monotonic() > deadline:
                if _is_lock_conflict(exc):
                    raise DatabaseBusy(
                        f"database {path} is locked by another program: {exc}"
                    ) from exc
                raise
            log.info("database %s is locked by another program; retrying in %.2f s", path, delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[object]],
    *,
    on_conflict: str = "",
) -> None:
    """Insert many rows in one statement (column-wise lists, unnested), not row by row.

    `table` and `columns` ((name, SQL type) pairs) are code constants; the values are bound.
    DuckDB's executemany runs one statement per row: about 35 times slower for a batch.
    """
    if not rows:
        return
    names = ", ".join(name for name, _ in columns)
    unnested = ", ".join(f"unnest(?::{sql_type}[])" for _, sql_type in columns)
    values = [list(column) for column in zip(*rows, strict=True)]
    con.execute(f"INSERT INTO {table} ({names}) SELECT {unnested} {on_conflict}", values)


def bound_values(
    columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[object]]
) -> tuple[str, list[object]]:
    """`VALUES (?::type, ...), ...` for these rows, and its parameters: every value bound on its own.

    For a few rows of large values (page bodies): DuckDB converts one bound list of large BLOBs
    about 5 times slower than the same values bound one by one (100 pages, 4 MB: 64 ms against
    13 ms), while for many small rows `insert_rows`' lists are about 30 times faster.
    """
    row = "(" + ", ".join(f"?::{sql_type}" for _, sql_type in columns) + ")"
    return "VALUES " + ", ".join([row] * len(rows)), [value for r in rows for value in r]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, rolled back on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
