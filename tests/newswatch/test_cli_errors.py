"""Bad settings, paths and feed lists through the real CLI: one line on stderr, exit 2, nothing left.

Each case runs `python -m newswatch` in a subprocess, as an operator would. None of them may start
Prefect (its log lines would show on stderr), create a database, a folder or a `<db>.lock`, or
print a traceback. The all-feeds-failed poll does start Prefect: it must print its per-feed table
and one error line, without Prefect's traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "newswatch"]


def run_cli(args: list[str], cwd: Path, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(cwd / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        PYTHONPATH=str(ROOT),
        COLUMNS="60",  # a narrow terminal: the error line must still not wrap
    )
    env.update(env_extra)
    return subprocess.run(
        [*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=400
    )


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "prefect-home" not in p.parts}


GOOD_FEEDS = '[[feeds]]\nurl = "http://127.0.0.1:9/feed.xml"\n'


@pytest.fixture
def place(tmp_path: Path) -> Path:
    (tmp_path / "feeds.toml").write_text(GOOD_FEEDS, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "command",
    [
        ["poll"],
        ["search", "kim"],
        ["export"],
        ["digest", "--no-send"],
        ["backfill", "--start", "2024-06-01", "--end", "2024-06-02"],
        ["feeds", "list"],
        ["feeds", "add", "http://example.org/feed.xml"],
    ],
)
def test_a_folder_as_the_database_is_one_line(place: Path, command: list[str]) -> None:
    (place / "db").mkdir()
    before = listing(place)
    result = run_cli([*command, "--db", "db"], place, NEWSWATCH_FEEDS="feeds.toml")
    assert_one_line(result, "is a folder")
    assert listing(place) == before  # no db.lock beside it, nothing inside it


@pytest.mark.parametrize(
    ("content", "command"),
    [
        (b"", ["poll"]),
        (b"not a database at all\n" * 50, ["poll"]),
        (b"\x00" * 4096, ["poll"]),
        (b"not a database at all\n" * 50, ["search", "kim"]),
        (b"\x00" * 4096, ["export"]),
    ],
)
def test_a_file_that_is_not_duckdb_is_one_line(
    place: Path, content: bytes, command: list[str]
) -> None:
    (place / "notes.duckdb").write_bytes(content)
    before = listing(place)
    result = run_cli([*command, "--db", "notes.duckdb"], place, NEWSWATCH_FEEDS="feeds.toml")
    assert_one_line(result, "not a DuckDB database")
    assert listing(place) == before
    assert (place / "notes.duckdb").read_bytes() == content


@pytest.mark.parametrize("command", [["search", "kim"], ["export"], ["export", "-o", "out.jsonl"]])
def test_read_only_commands_never_create_a_database(place: Path, command: list[str]) -> None:
    before = listing(place)
    result = run_cli([*command, "--db", "typo/news.duckdb"], place)
    assert_one_line(result, "no database at typo/news.duckdb")
    assert listing(place) == before  # neither typo/ nor a database nor a lock
    # through the environment too
    result = run_cli(command, place, NEWSWATCH_DB=str(place / "typo.duckdb"))
    assert_one_line(result, "no database at")
    assert listing(place) == before


def test_read_only_commands_still_read_a_real_database(place: Path) -> None:
    from store.db import connect

    with connect(place / "news.duckdb"):
        pass
    result = run_cli(["search", "kim", "--db", "news.duckdb"], place)
    assert result.returncode == 0, result.stderr
    assert "no matching articles" in result.stderr


def _read_only_folder() -> Path | None:
    """A folder this process cannot create files in: a chmod 555 folder, or /sys as root."""
    if os.geteuid() != 0:
        folder = Path(tempfile.mkdtemp(prefix="newswatch-ro-"))
        folder.chmod(0o555)
        return folder
    for candidate in (Path("/sys"), Path("/proc")):
        try:
            with tempfile.TemporaryFile(dir=candidate):
                pass
        except OSError:
            return candidate
    return None


def test_a_read_only_place_is_one_line(place: Path) -> None:
    folder = _read_only_folder()
    if folder is None:
        pytest.skip("no read-only folder on this machine")
    before = set(os.listdir(folder))
    for target in (folder / "news.duckdb", folder / "sub" / "news.duckdb"):
        result = run_cli(["poll", "--db", str(target)], place, NEWSWATCH_FEEDS="feeds.toml")
        assert_one_line(result, "not writable")
    assert set(os.listdir(folder)) == before


def test_a_database_under_a_file_is_one_line(place: Path) -> None:
    (place / "plain.txt").write_text("hello", encoding="utf-8")
    result = run_cli(["poll", "--db", "plain.txt/news.duckdb"], place, NEWSWATCH_FEEDS="feeds.toml")
    assert_one_line(result, "is not a folder")


BAD_LISTS = {
    "unclosed.toml": ("feeds = [\n", "not valid TOML"),
    "no-url.toml": ('[[feeds]]\ntitle = "x"\n', "'url' is missing"),
    "ftp.toml": ('[[feeds]]\nurl = "ftp://example.org/x"\n', "not an http(s) URL"),
    "empty.toml": ("feeds = []\n", "lists no feed"),
    "broken.opml": ('<?xml version="1.0"?>\n<opml><body><outline xmlUrl="x"\n', "OPML"),
    "dtd.opml": (
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<opml><body/></opml>\n',
        "DOCTYPE",
    ),
    "latin1.toml": ("# caf\xe9\n".encode("latin-1"), "not valid TOML"),
}


@pytest.mark.parametrize("name", sorted(BAD_LISTS))
def test_a_bad_feed_list_is_one_line_and_creates_no_database(place: Path, name: str) -> None:
    content, words = BAD_LISTS[name]
    path = place / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    before = listing(place)
    result = run_cli(["poll", "--feeds", name, "--db", "new/news.duckdb"], place)
    assert_one_line(result, words)
    if name.endswith(".opml"):
        result = run_cli(["feeds", "import-opml", name, "--db", "new/news.duckdb"], place)
        assert_one_line(result, words)
    assert listing(place) == before


def test_feed_commands_check_the_feed_list_first(place: Path) -> None:
    (place / "bad.toml").write_text("feeds = [\n", encoding="utf-8")
    for command in (["feeds", "list"], ["feeds", "export-opml"]):
        result = run_cli([*command, "--feeds", "bad.toml", "--db", "new/news.duckdb"], place)
        assert_one_line(result, "not valid TOML")
    assert not (place / "new").exists()


def test_a_missing_or_folder_feed_list_is_one_line(place: Path) -> None:
    result = run_cli(["poll", "--feeds", "nowhere.toml", "--db", "news.duckdb"], place)
    assert_one_line(result, "cannot read feed list nowhere.toml")
    (place / "lists").mkdir()
    result = run_cli(["poll", "--feeds", "lists", "--db", "news.duckdb"], place)
    assert_one_line(result, "is a folder")
    assert not (place / "news.duckdb").exists()


def test_a_bad_setting_is_one_line(place: Path) -> None:
    result = run_cli(
        ["poll", "--db", "news.duckdb"],
        place,
        NEWSWATCH_FEEDS="feeds.toml",
        NEWSWATCH_POLL_INTERVAL_MINUTES="-5",
        NEWSWATCH_TIMEZONE="Mars/Olympus_Mons_With_A_Long_Name_That_Would_Wrap",
    )
    assert_one_line(result, "NEWSWATCH_POLL_INTERVAL_MINUTES", "NEWSWATCH_TIMEZONE")
    assert not (place / "news.duckdb").exists()


@pytest.mark.prefect
def test_a_poll_where_every_feed_failed_prints_its_table_and_one_line(place: Path) -> None:
    dead = "".join(f'[[feeds]]\nurl = "http://127.0.0.1:9/{n}.xml"\n' for n in "abc")
    (place / "dead.toml").write_text(dead, encoding="utf-8")
    result = run_cli(
        ["poll", "--feeds", "dead.toml", "--db", "news.duckdb"],
        place,
        NEWSWATCH_ALLOW_PRIVATE="127.0.0.1/32",
        COLUMNS="200",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    for name in "abc":  # the per-feed table says which feeds failed, and how
        assert f"/{name}.xml" in result.stdout
    assert result.stdout.count("Connection refused") == 3
    assert "3 feed(s) polled, 3 failed" in result.stdout
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert errors == [
        "error: poll failed: all 3 feeds failed; first errors: connection failed: "
        "[Errno 111] Connection refused"
    ], result.stderr
    assert "Traceback" not in result.stderr
    con = duckdb.connect(str(place / "news.duckdb"), read_only=True)
    try:  # the failures are recorded as data
        failed = con.execute("SELECT count(*) FROM feeds WHERE error_count > 0").fetchone()
    finally:
        con.close()
    assert failed == (3,)
