"""The CLI's small contracts, through the real command: empty queries, reversed windows and bad
shards are refused in one line, OPML import keeps the good outlines (with their categories),
names the bad ones and refuses a file that is not OPML, and `--help` reads cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pipeline.ingest import load_seeds
from pipeline.settings import load_settings
from store.db import connect
from tests.newswatch.test_cli_errors import assert_one_line, run_cli

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>subs</title></head><body>
  <outline text="Korea">
    <outline text="Good one" xmlUrl="https://good.example/feed.xml"/>
    <outline text="Broken" xmlUrl="ftp://broken.example/feed.xml"/>
  </outline>
  <outline text="Second" category="Wire" xmlUrl="https://second.example/rss"/>
</body></opml>
"""


def database(tmp_path: Path) -> Path:
    db = tmp_path / "news.duckdb"
    with connect(db):
        pass  # created and migrated, as a poll would leave it
    return db


def test_search_prints_each_link_whole_on_a_narrow_terminal(tmp_path: Path) -> None:
    db = database(tmp_path)
    load_seeds(load_settings(db=db))
    result = run_cli(["search", "Putin", "--db", str(db)], tmp_path, COLUMNS="40")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    url = "https://timesofmalta.com/articles/view/putin-kim-meeting-minds.1056187"
    assert url in lines, result.stdout  # one line, not folded at 40 columns


def test_index_builds_the_filters_of_articles_stored_before_it(tmp_path: Path) -> None:
    db = database(tmp_path)
    load_seeds(load_settings(db=db))
    with connect(db) as con:  # as a database from before the index
        con.execute("DELETE FROM search_blocks")
    built = run_cli(["index", "--db", str(db)], tmp_path)
    assert built.returncode == 0, built.stderr
    assert "search index: 1 block(s) built" in built.stderr
    with connect(db) as con:
        assert con.execute("SELECT count(*) FROM search_blocks").fetchone() == (1,)
    again = run_cli(["index", "--db", str(db)], tmp_path)
    assert "search index: up to date" in again.stderr
    found = run_cli(["search", "Putin", "--db", str(db)], tmp_path)
    assert "putin-kim-meeting-minds" in found.stdout
    missing = tmp_path / "missing.duckdb"
    assert_one_line(run_cli(["index", "--db", str(missing)], tmp_path), "no database at")
    assert not missing.exists()


def test_an_empty_search_is_refused_in_one_line(tmp_path: Path) -> None:
    db = database(tmp_path)
    for query in ("", "   ", '""'):
        assert_one_line(run_cli(["search", query, "--db", str(db)], tmp_path), "at least one word")


def test_a_reversed_export_window_is_refused_in_one_line(tmp_path: Path) -> None:
    db = database(tmp_path)
    result = run_cli(
        ["export", "--db", str(db), "--since", "2024-06-10", "--until", "2024-06-01"], tmp_path
    )
    assert_one_line(result, "--until", "--since")


def test_a_bad_shard_is_refused_in_one_line(tmp_path: Path) -> None:
    result = run_cli(["poll", "--db", str(tmp_path / "news.duckdb"), "--shard", "5/4"], tmp_path)
    assert_one_line(result, "--shard", "K/N")
    assert not (tmp_path / "news.duckdb").exists()  # refused before anything is touched


def test_opml_import_keeps_good_outlines_and_names_the_bad(tmp_path: Path) -> None:
    db = database(tmp_path)
    (tmp_path / "subs.opml").write_text(OPML, encoding="utf-8")
    result = run_cli(["feeds", "import-opml", "subs.opml", "--db", str(db)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ftp://broken.example/feed.xml" in result.stderr and "skipped" in result.stderr
    assert "2 feed(s)" in result.stdout and "1 outline(s) skipped" in result.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT url, topic FROM feeds ORDER BY url").fetchall()
    assert rows == [
        ("https://good.example/feed.xml", "Korea"),
        ("https://second.example/rss", "Wire"),
    ]


def test_opml_import_refuses_a_toml_file(tmp_path: Path) -> None:
    db = database(tmp_path)
    (tmp_path / "feeds.toml").write_text('[[feeds]]\nurl = "https://x.example/feed"\n')
    result = run_cli(["feeds", "import-opml", "feeds.toml", "--db", str(db)], tmp_path)
    assert_one_line(result, "not an OPML file")


def help_text(tmp_path: Path, *command: str, raw: bool = False) -> str:
    """`--help` of a command at 100 columns; as words, box drawing and line breaks taken out."""
    text = run_cli([*command, "--help"], tmp_path, COLUMNS="100").stdout
    return text if raw else " ".join(text.replace("│", " ").split())


def test_help_shows_defaults_and_plain_metavars(tmp_path: Path) -> None:
    serve = help_text(tmp_path, "serve")
    assert "default 4200" in serve and "default 127.0.0.1" in serve, serve
    # Docstring paragraphs reflow to the width: no line ends where the source line ended
    # ("... answering there), creates the" / "work pool, ...") with room left on it.
    raw = help_text(tmp_path, "serve", raw=True)
    assert not re.search(r"creates the *\n", raw), raw
    export = help_text(tmp_path, "export")
    assert "%Y" not in export and "DATE" in export, export
    assert "Only articles judged relevant" in help_text(tmp_path, "search")
