"""Named, ordered schema migrations.

Each migration is a file `store/migrations/NNNN_name.sql`, applied once, in name order, inside a
transaction that also records it in `schema_migrations`: a migration is either wholly applied and
recorded, or not at all. Never edit an applied migration; add a new one.
"""

from __future__ import annotations

from importlib import resources

import duckdb

_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name VARCHAR PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
)
"""


def migration_names() -> list[str]:
    """All known migrations, in the order they apply."""
    folder = resources.files("store") / "migrations"
    return sorted(p.name.removesuffix(".sql") for p in folder.iterdir() if p.name.endswith(".sql"))


def _migration_sql(name: str) -> str:
    return (resources.files("store") / "migrations" / f"{name}.sql").read_text(encoding="utf-8")


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations this database lacks; return their names."""
    con.execute(_BOOTSTRAP)
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name in migration_names():
        if name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(_migration_sql(name))
            con.execute("INSERT INTO schema_migrations (name) VALUES (?)", [name])
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        applied.append(name)
    return applied
