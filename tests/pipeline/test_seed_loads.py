"""The seeds are read and judged again only when what they are stored from changes: the seed
files, the term data, or the code that judges them; a seed removed from the database comes back."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from pipeline.ingest import load_seeds, seed_fingerprint
from pipeline.settings import SEEDS_DIR, load_settings
from store.db import connect


def seed_rows(db: Path) -> list[tuple[str, list[str], object]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT canonical_url, relevance_terms, fetched_at FROM articles WHERE is_seed "
            "ORDER BY canonical_url"
        ).fetchall()


def loads(db: Path) -> list[tuple[str, int]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT fingerprint, seeds FROM seed_loads").fetchall()


def test_an_unchanged_load_leaves_the_stored_seeds_as_they_are(tmp_path: Path) -> None:
    settings = load_settings(db=tmp_path / "news.duckdb")
    assert load_seeds(settings) == 2
    first = seed_rows(settings.db)
    assert len(first) == 2
    assert loads(settings.db) == [(seed_fingerprint(settings), 2)]
    assert load_seeds(settings) == 2
    assert seed_rows(settings.db) == first  # not stored again: same fetch time


def test_changed_term_data_judges_the_seeds_again(tmp_path: Path) -> None:
    terms = tmp_path / "gazetteer.toml"
    shutil.copy(SEEDS_DIR / "gazetteer.toml", terms)
    settings = load_settings(db=tmp_path / "news.duckdb", gazetteer=terms)
    load_seeds(settings)
    before = seed_rows(settings.db)
    old = seed_fingerprint(settings)
    # The same file keeping at most 3 terms per article instead of 24.
    text = terms.read_text(encoding="utf-8")
    assert "\nmax_terms = 24\n" in text
    terms.write_text(text.replace("\nmax_terms = 24\n", "\nmax_terms = 3\n"), encoding="utf-8")
    assert seed_fingerprint(settings) != old
    load_seeds(settings)
    after = seed_rows(settings.db)
    assert [r[0] for r in after] == [r[0] for r in before]
    assert all(len(r[1]) > 3 for r in before)
    assert [r[1] for r in after] == [r[1][:3] for r in before]
    assert loads(settings.db) == [(seed_fingerprint(settings), 2)]


def test_a_seed_removed_from_the_database_is_stored_again(tmp_path: Path) -> None:
    settings = load_settings(db=tmp_path / "news.duckdb")
    load_seeds(settings)
    with connect(settings.db) as con:
        con.execute("DELETE FROM articles WHERE is_seed AND url LIKE '%timesofmalta%'")
    assert len(seed_rows(settings.db)) == 1
    assert load_seeds(settings) == 2
    assert len(seed_rows(settings.db)) == 2


def test_a_changed_seed_file_changes_the_fingerprint(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR / "articles", seeds / "articles")
    settings = load_settings(db=tmp_path / "news.duckdb", seeds_dir=seeds)
    old = seed_fingerprint(settings)
    body = next((seeds / "articles").glob("*.txt"))
    body.write_text(body.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert seed_fingerprint(settings) != old
