"""Connections, migrations and the cross-process lock, on real DuckDB files."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from store.db import DatabaseBusy, connect
from store.migrate import apply_migrations, migration_names


def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    with connect(db) as con:
        recorded = [
            r[0] for r in con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()
        ]
        assert recorded == migration_names()
        assert apply_migrations(con) == []  # nothing left to do
    with connect(db) as con:
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone() == (
            len(migration_names()),
        )


def test_failed_migration_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.migrate as migrate

    names = migration_names()
    monkeypatch.setattr(migrate, "migration_names", lambda: [*names, "9999_broken"])
    monkeypatch.setattr(
        migrate,
        "_migration_sql",
        lambda name: (
            "CREATE TABLE half_done (x INT); SELEC broken"
            if name == "9999_broken"
            else (Path(migrate.__file__).parent / "migrations" / f"{name}.sql").read_text()
        ),
    )
    with pytest.raises(Exception, match="syntax"), connect(tmp_path / "m.duckdb"):
        pass
    with connect(tmp_path / "m.duckdb", migrate=False) as con:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert "half_done" not in tables
        assert "9999_broken" not in {
            r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()
        }


def _writer(db: str, worker: int, rows: int) -> None:
    for i in range(rows):
        with connect(db, lock_timeout=60) as con:
            con.execute(
                "INSERT INTO fetch_log (kind, url, status, logged_at) VALUES ('page', ?, 'ok', now())",
                [f"http://example.org/{worker}/{i}"],
            )


def test_concurrent_processes_wait_instead_of_failing(tmp_path: Path) -> None:
    db = str(tmp_path / "c.duckdb")
    with connect(db):
        pass
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(db, w, 15)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with connect(db) as con:
        assert con.execute("SELECT count(DISTINCT url) FROM fetch_log").fetchone() == (45,)


def _hold_lock(db: str, ready: object, release: object) -> None:
    with connect(db):
        ready.set()  # type: ignore[attr-defined]
        release.wait(30)  # type: ignore[attr-defined]


def test_busy_database_gives_a_clear_error(tmp_path: Path) -> None:
    db = str(tmp_path / "b.duckdb")
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(db, ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(DatabaseBusy, match="stayed locked"), connect(db, lock_timeout=0.5):
            pass
    finally:
        release.set()
        holder.join(30)
