"""The `weekly-digest` flow under the Prefect test API: SMTP settings from a Prefect Secret block,
one message per week to a real SMTP server on 127.0.0.1, a markdown artifact, no second send; and
end to end, `newswatch poll` over local feeds of synthetic wire stories, then `newswatch digest`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.db import connect
from testkit.localsite import LocalSite
from tests.reports.fixture_weeks import (
    WEEK_A,
    articles_of_week,
    fixture_data,
    load_seed_articles,
    load_weeks,
    page_html,
    rss,
    shifted_to,
)
from tests.reports.smtp import SmtpServer, running_smtp

pytestmark = pytest.mark.prefect


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


@pytest.fixture
def digest_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "news.duckdb"
    with connect(db) as con:
        load_weeks(con)
        load_seed_articles(con)
    for key in ("NEWSWATCH_SMTP_HOST", "NEWSWATCH_SMTP_PORT", "NEWSWATCH_DIGEST_TO"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NEWSWATCH_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("NEWSWATCH_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("NEWSWATCH_DIGEST_ARCHIVE", str(tmp_path / "archive"))
    monkeypatch.setenv("NEWSWATCH_DB", str(db))  # a setting of the run, not a flow parameter
    return db


def test_flow_sends_the_week_once_with_smtp_settings_from_a_block(
    prefect_api: None, digest_env: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.artifacts import Artifact
    from prefect.blocks.system import Secret

    from flows.weekly_digest import weekly_digest_flow

    Secret(
        value={
            "host": "127.0.0.1",
            "port": smtp.port,
            "to": "analyst@example.org",
            "from": "digest@newswatch.example",
        }
    ).save("newswatch-smtp-test", overwrite=True)
    monkeypatch.setenv("NEWSWATCH_SMTP_BLOCK", "newswatch-smtp-test")

    outcome = weekly_digest_flow(week=WEEK_A)
    assert outcome.delivery.status == "sent", outcome.delivery.detail
    assert (outcome.stories, outcome.new_stories, outcome.articles) == (4, 4, 10)
    [received] = smtp.messages
    assert received.recipients == ["analyst@example.org"]
    assert received.parsed()["Subject"] == outcome.subject
    artifact = Artifact.get("weekly-digest")
    assert artifact is not None and "Lavrov arrives in Pyongyang" in str(artifact.data)
    with connect(digest_env) as con:
        assigned = con.execute(
            "SELECT count(story_id) FROM articles WHERE relevant AND NOT is_seed"
        ).fetchone()
    assert assigned == (10,)  # the week's relevant articles; the next week's are not yet grouped

    rerun = weekly_digest_flow(week=WEEK_A)
    assert rerun.delivery.status == "skipped"
    assert len(smtp.messages) == 1


def test_flow_refuses_a_malformed_week_before_doing_anything(
    prefect_api: None, digest_env: Path
) -> None:
    from flows.weekly_digest import weekly_digest_flow

    with pytest.raises(ValueError, match="week must look like 2026-W47"):
        weekly_digest_flow(week="2026-47")
    with connect(digest_env) as con:
        assert con.execute("SELECT count(story_id) FROM articles").fetchone() == (0,)


def test_poll_over_local_feeds_then_newswatch_digest_sends_once(
    prefect_api: None,
    local_site: LocalSite,
    smtp: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The issue's end-to-end check, through the CLI commands (run in this process, so they use
    the test Prefect API): poll synthetic wire-story feeds, then `newswatch digest`."""
    from typer.testing import CliRunner

    from newswatch.cli import app

    now = datetime.now(UTC)
    data = fixture_data()
    week_a = shifted_to(articles_of_week(WEEK_A), now)
    feeds = []
    for feed in data["feeds"]:
        items = []
        for n, item in enumerate(a for a in week_a if a["feed"] == feed["url"]):
            path = f"/{feed['source'].lower().replace(' ', '-')}/{n}.html"
            items.append((local_site.add(path, page_html(item, feed["source"])), item))
        path = f"/feeds/{feed['source'].lower().replace(' ', '-')}.xml"
        url = local_site.add(
            path, rss(items, feed["source"], now), content_type="application/rss+xml"
        )
        feeds.append(
            f'[[feeds]]\nurl = "{url}"\nsource = "{feed["source"]}"\n'
            f'language = "{feed["language"]}"\n'
        )
    feed_list = tmp_path / "feeds.toml"
    feed_list.write_text("\n".join(feeds), encoding="utf-8")
    db = tmp_path / "news.duckdb"
    monkeypatch.setenv("NEWSWATCH_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("NEWSWATCH_TIMEZONE", "UTC")
    monkeypatch.setenv("NEWSWATCH_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("NEWSWATCH_DIGEST_ARCHIVE", str(tmp_path / "archive"))
    monkeypatch.setenv("NEWSWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSWATCH_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("NEWSWATCH_DIGEST_TO", "analyst@example.org, second@example.org")
    runner = CliRunner()

    polled = runner.invoke(app, ["poll", "--feeds", str(feed_list), "--db", str(db)])
    assert polled.exit_code == 0, polled.output
    since = (now - timedelta(days=1)).date().isoformat()
    preview = tmp_path / "preview.html"
    sent = runner.invoke(
        app, ["digest", "--since", since, "--db", str(db), "--preview", str(preview)]
    )
    assert sent.exit_code == 0, sent.output
    [received] = smtp.messages
    assert received.recipients == ["analyst@example.org", "second@example.org"]
    message = received.parsed()
    plain, html = (p.get_content().replace("\r\n", "\n") for p in message.iter_parts())
    assert message.get_content_type() == "multipart/alternative"
    # Four developments; the wire story once, with its three outlets; the visit in 3 languages.
    assert message["Subject"].endswith(": 4 stories, 4 new"), message["Subject"]
    assert plain.count("[NEW]") == 4
    # (The pages carry dates only, so which of the three copies counts as the original is a tie
    # here; tests/reports/test_delivery.py checks it with full times.)
    bridge = next(block for block in plain.split("\n\n\n") if "3 outlets (1 independent)" in block)
    assert all(outlet in bridge for outlet in ("Global Wire", "Harbour Herald", "Asia Review"))
    assert bridge.count("(English, copy)") == 2
    assert "Vesti Mira (Russian): Лавров прибыл в Пхеньян" in plain
    assert "Seoul Ilbo (Korean): 라브로프 러시아 외무장관 평양 도착…최선희와 회담" in plain
    assert "Primorye grain harvest" not in plain
    assert preview.read_text(encoding="utf-8").rstrip("\n") == html.rstrip("\n")

    rerun = runner.invoke(app, ["digest", "--since", since, "--db", str(db)])
    assert rerun.exit_code == 0 and "already delivered" in rerun.output
    assert len(smtp.messages) == 1

    # Without an SMTP host the same window goes to the outbox (another channel), once.
    monkeypatch.delenv("NEWSWATCH_SMTP_HOST")
    for _ in range(2):
        assert runner.invoke(app, ["digest", "--since", since, "--db", str(db)]).exit_code == 0
    written = sorted(p.suffix for p in (tmp_path / "outbox").iterdir())
    assert written == [".eml", ".html"] and len(smtp.messages) == 1
    with connect(db) as con:
        copies = con.execute(
            "SELECT count(duplicate_of), count(DISTINCT story_id) FROM articles "
            "WHERE relevant AND NOT is_seed"
        ).fetchone()
    assert copies == (2, 4)
