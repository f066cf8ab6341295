"""The archive site step and its commands (pipeline/site.py, reports/site/, newswatch/cli_site.py)
on a DuckDB file holding two delivered fixture weeks: the files, the search index, replacing an
old build, the email's links to the site, and the timeline export."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswatch.cli import app
from pipeline import digest, site, timeline
from pipeline.settings import Settings, SettingsError, load_settings
from tests.pipeline.site_weeks import MONDAYS, two_weeks_delivered
from tests.reports.fixture_weeks import WEEK_B


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return two_weeks_delivered(tmp_path_factory.mktemp("site"))


def test_the_site_has_a_page_per_week_and_per_development(delivered: Settings) -> None:
    built = site.build_site(delivered)
    root = delivered.site_folder
    assert built.folder == root == delivered.db.parent / "site"
    assert (built.weeks, built.developments) == (2, 6)
    weeks = sorted(p.name for p in (root / "weeks").iterdir())
    assert weeks == [
        "2026-W46.email.html",
        "2026-W46.html",
        "2026-W47.email.html",
        "2026-W47.html",
    ]
    entries = timeline.read_timeline(delivered)
    assert sorted(p.stem for p in (root / "developments").iterdir()) == sorted(
        str(e["story_id"]) for e in entries
    )
    index = (root / "index.html").read_text(encoding="utf-8")
    assert index.index("2026-W47") < index.index("2026-W46")  # newest week first
    # A development's page lists every report, in every language, each linked.
    lavrov = next(e for e in entries if e["headline"].startswith("Lavrov arrives"))
    page = (root / "developments" / f"{lavrov['story_id']}.html").read_text(encoding="utf-8")
    for title in (
        "Lavrov arrives in Pyongyang for talks with Choe Son Hui",
        "Лавров прибыл в Пхеньян для переговоров с Чхве Сон Хи",
        "라브로프 러시아 외무장관 평양 도착…최선희와 회담",
    ):
        assert title in page
    assert page.count('class="report"') == 3 and page.count("In English: ") == 2
    assert "diplomacy and visits" in page and 'href="../weeks/2026-W46.html"' in page


def test_the_search_index_holds_every_development_in_every_language(delivered: Settings) -> None:
    site.build_site(delivered)
    root = delivered.site_folder
    index = json.loads((root / "search-index.json").read_text(encoding="utf-8"))
    assert len(index) == 6 and all(Path(root, r["url"]).is_file() for r in index)
    workers = next(r for r in index if r["headline"].startswith("Russia sets quota"))
    assert workers["category"] == "economy" and len(workers["titles"]) == 3
    assert any("КНДР" in t for t in workers["titles"]) and workers["gist"]
    script = (root / "search-index.js").read_text(encoding="utf-8")
    assert script.startswith("window.NEWSWATCH_INDEX = [") and "</" not in script


def test_a_rebuild_replaces_the_old_site_and_never_a_foreign_folder(
    delivered: Settings, tmp_path: Path
) -> None:
    site.build_site(delivered)
    stale = delivered.site_folder / "developments" / "999999.html"
    stale.write_text("old", encoding="utf-8")
    site.build_site(delivered)
    assert not stale.exists() and (delivered.site_folder / "index.html").is_file()

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(site.SiteError, match="was not made by `newswatch site build`"):
        site.build_site(delivered, folder=foreign)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_the_email_links_to_the_site_when_its_address_is_set(delivered: Settings) -> None:
    with_site = load_settings(
        db=delivered.db, timezone=delivered.timezone, site_url="https://archive.example/nw/"
    )
    window = digest.resolve_window(with_site, week=WEEK_B, now=MONDAYS[WEEK_B])
    linked = digest.build_digest(with_site, window, now=MONDAYS[WEEK_B]).rendered
    story_ids = set(
        re.findall(r"https://archive\.example/nw/developments/(\d+)\.html", linked.html)
    )
    assert story_ids and story_ids <= {
        str(e["story_id"]) for e in timeline.read_timeline(delivered)
    }
    assert 'href="https://archive.example/nw/timeline.html"' in linked.html
    assert "https://archive.example/nw/timeline.html" in linked.text
    plain = digest.build_digest(delivered, window, now=MONDAYS[WEEK_B]).rendered
    assert "archive.example" not in plain.html + plain.text
    with pytest.raises(SettingsError, match="NEWSWATCH_SITE_URL"):
        load_settings(site_url="javascript:alert(1)")


def test_site_build_and_timeline_commands(delivered: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(delivered.db)
    out = tmp_path / "out-site"
    built = runner.invoke(app, ["site", "build", "--db", db, "--site-dir", str(out)])
    assert built.exit_code == 0, built.output
    assert "2 digests, 6 developments" in built.output and (out / "timeline.html").is_file()

    listed = runner.invoke(app, ["timeline", "list", "--db", db, "--category", "arms"])
    assert listed.exit_code == 0 and "1 developments" in listed.output
    story = timeline.read_timeline(delivered, category="arms")[0]["story_id"]
    moved = runner.invoke(app, ["timeline", "set-category", str(story), "military", "--db", db])
    assert moved.exit_code == 0 and "military cooperation and deployments" in moved.output
    bad = runner.invoke(app, ["timeline", "set-category", str(story), "weather", "--db", db])
    assert bad.exit_code == 2 and "unknown category 'weather'" in bad.output
    again = runner.invoke(app, ["timeline", "build", "--db", db])
    assert again.exit_code == 0 and "military cooperation and deployments 1" in again.output
    assert (
        runner.invoke(app, ["timeline", "set-category", str(story), "rules", "--db", db]).exit_code
        == 0
    )


def test_timeline_export_in_three_formats(delivered: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(delivered.db)
    timeline.refresh_timeline(delivered)
    as_csv = runner.invoke(app, ["timeline", "export", "--db", db, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 6 and rows[0]["first_reported_at"] <= rows[-1]["first_reported_at"]
    lavrov = next(r for r in rows if r["headline"].startswith("Lavrov"))
    assert (
        lavrov["languages"] == "en; ru; ko" and lavrov["category_label"] == "diplomacy and visits"
    )

    jsonl = tmp_path / "timeline.jsonl"
    done = runner.invoke(
        app, ["timeline", "export", "--db", db, "--format", "jsonl", "-o", str(jsonl)]
    )
    assert done.exit_code == 0 and "exported 6 developments" in done.output
    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert {r["story_id"] for r in records} == {int(r["story_id"]) for r in rows}
    assert all(
        isinstance(r["outlets"], list) and r["first_reported_at"].endswith("+00:00")
        for r in records
    )

    ics = tmp_path / "timeline.ics"
    assert (
        runner.invoke(
            app, ["timeline", "export", "--db", db, "--format", "ics", "-o", str(ics)]
        ).exit_code
        == 0
    )
    raw = ics.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert raw.count(b"BEGIN:VEVENT") == 6 and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    unfolded = raw.decode("utf-8").replace("\r\n ", "")
    assert f"UID:story-{lavrov['story_id']}@newswatch" in unfolded
    assert "SUMMARY:Lavrov arrives in Pyongyang for talks with Choe Son Hui" in unfolded
    assert "DTSTART;VALUE=DATE:20261112" in unfolded

    wrong = runner.invoke(app, ["timeline", "export", "--db", db, "--format", "xml"])
    assert wrong.exit_code == 2 and "unknown format 'xml'" in wrong.output


def test_categories_from_an_edited_export(delivered: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(delivered.db)
    exported = tmp_path / "timeline.csv"
    assert (
        runner.invoke(app, ["timeline", "export", "--db", db, "-o", str(exported)]).exit_code == 0
    )
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    wonsan = next(r for r in rows if "Wonsan" in r["headline"])
    wonsan["category"] = "people and culture"
    rows.append({**rows[0], "story_id": "999999"})
    rows.append({**rows[0], "category": "weather"})
    with exported.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    done = runner.invoke(app, ["timeline", "import-categories", str(exported), "--db", db])
    assert done.exit_code == 1  # some rows were bad: said, and the good ones kept
    assert "1 developments filed by the file's category" in done.output
    assert "no development 999999" in done.output and "unknown category 'weather'" in done.output
    [people] = timeline.read_timeline(delivered, category="people")
    assert str(people["story_id"]) == wonsan["story_id"] and people["overridden"]
    timeline.set_category(delivered, people["story_id"], "rules")
    not_csv = tmp_path / "notes.txt"
    not_csv.write_text("hello\n", encoding="utf-8")
    bad = runner.invoke(app, ["timeline", "import-categories", str(not_csv), "--db", db])
    assert bad.exit_code == 2 and "needs the columns story_id and category" in bad.output


def test_site_serve_answers_on_loopback_until_stopped(delivered: Settings) -> None:
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from tests.reports.smtp import free_port

    site.build_site(delivered)
    port = free_port()
    command = [sys.executable, "-m", "newswatch", "site", "serve", "--db", str(delivered.db)]
    server = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/timeline.html", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
                time.sleep(0.2)
        assert answer.status_code == 200 and "Timeline of developments" in answer.text
        assert httpx.get(f"http://127.0.0.1:{port}/nothing.html", timeout=2).status_code == 404
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=20)
    assert server.returncode == 0 and b"serving" in output and b"Traceback" not in output


def test_a_fresh_database_builds_an_empty_site_that_says_so(tmp_path: Path) -> None:
    fresh = load_settings(db=tmp_path / "fresh" / "news.duckdb")
    built = site.build_site(fresh)
    assert (built.weeks, built.developments) == (0, 0)
    assert "No digest has been sent yet." in (built.folder / "index.html").read_text("utf-8")
    assert json.loads((built.folder / "search-index.json").read_text("utf-8")) == []
