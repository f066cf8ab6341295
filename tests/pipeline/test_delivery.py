"""The digest steps (newswatch/digest.py) on the synthetic fixture weeks, with a DuckDB file and a
real SMTP server on 127.0.0.1: what analysts receive, once per week."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from extract.models import ExtractedArticle, ExtractionStatus, ProcessedArticle, Relevance
from pipeline import digest, stories
from pipeline.delivery import (
    Delivery,
    DigestConfigError,
    deliver_digest,
    summary_markdown,
)
from pipeline.settings import Settings, load_settings
from reports.send import SmtpUnavailable
from store import articles
from store import digests as digest_store
from store.db import connect
from tests.reports.fixture_weeks import WEEK_A, WEEK_B, load_seed_articles, load_weeks
from tests.reports.smtp import SmtpServer, free_port, running_smtp

NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)
TO = ["analyst@example.org", "Аналитик <second@example.org>"]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = dict(
        db=tmp_path / "news.duckdb",
        timezone="Europe/Berlin",
        outbox=tmp_path / "outbox",
        digest_archive=tmp_path / "archive",
        digest_from="Newswatch <digest@newswatch.example>",
        digest_to=list(TO),
        smtp_timeout_seconds=10,
    )
    base.update(overrides)
    return load_settings(**base)


@pytest.fixture
def loaded(tmp_path: Path) -> dict[str, int]:
    with connect(tmp_path / "news.duckdb") as con:
        ids = load_weeks(con)
        load_seed_articles(con)
    return ids


def run_week(settings: Settings, week: str, *, resend: bool = False) -> Delivery:
    window = digest.resolve_window(settings, week=week)
    stories.assign_stories(settings, window.start, window.end)
    built = digest.build_digest(settings, window, now=NOW)
    return deliver_digest(settings, built, resend=resend)


def parts(message: EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    # Lines end in CRLF on the wire; compare with what was rendered.
    return (plain.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n"))


def test_fixture_week_is_sent_once_with_one_item_per_story(
    tmp_path: Path, loaded: dict[str, int], smtp: SmtpServer
) -> None:
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=smtp.port)
    delivery = run_week(settings, WEEK_A)
    assert delivery.status == "sent", delivery.detail
    [received] = smtp.messages
    assert received.recipients == ["analyst@example.org", "second@example.org"]
    message = received.parsed()
    assert message["Message-ID"] == delivery.message_id
    assert re.fullmatch(
        r"<digest-2026-W46-[0-9a-f]{10}@newswatch\.example>", delivery.message_id or ""
    )
    assert message["Subject"] == (
        "Russia–North Korea digest, week 2026-W46 (9–15 November 2026): 4 stories, 4 new"
    )
    assert "Аналитик" in str(message["To"]) and message["Date"]
    text, html = parts(message)

    # One item for the wire story, with its three outlets: the original and two copies.
    assert text.count("Russia and North Korea sign deal to open Tumen River road bridge") == 1
    for url in (
        "https://globalwire.example/2026/11/10/russia-north-korea-road-bridge-deal",
        "https://heraldtribune.example/world/2026/11/10/tumen-bridge",
        "https://asiareview.example/news/russia-north-korea-bridge-deal",
    ):
        assert f'href="{url}"' in html and url in text
    assert "Harbour Herald (English, copy)" in text and "Asia Review (English, copy)" in text
    assert "3 outlets (1 independent)" in text
    # The visit in three languages is one item; UTF-8 throughout.
    assert "Vesti Mira (Russian): Лавров прибыл в Пхеньян" in text
    assert "Seoul Ilbo (Korean): 라브로프 러시아 외무장관 평양 도착…최선희와 회담" in text
    assert "라브로프" in html and "Лавров" in html
    assert text.count("[NEW]") == 4 and "CONTINUING COVERAGE" not in text
    assert "Primorye grain harvest" not in text  # irrelevant

    # The rerun sends nothing.
    again = run_week(settings, WEEK_A)
    assert again.status == "skipped" and "already delivered" in again.detail
    assert len(smtp.messages) == 1

    # Archived: in DuckDB with what was sent, and on disk.
    with connect(settings.db) as con:
        [row] = digest_store.delivered(con, WEEK_A)
        full = con.execute(
            "SELECT html, text, article_ids FROM digests WHERE id = ?", [row["id"]]
        ).fetchone()
    assert row["recipients"] == TO and row["message_id"] == delivery.message_id
    assert row["sent_at"] is not None and len(row["story_ids"]) == 4
    assert full is not None and full[1] == text and len(full[2]) == 10
    eml = Path(row["archive_path"])
    assert eml.parent == tmp_path / "archive" and eml.read_bytes().count(b"multipart/alternative")


def test_next_week_marks_the_follow_up_continuing(
    tmp_path: Path, loaded: dict[str, int], smtp: SmtpServer
) -> None:
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=smtp.port)
    run_week(settings, WEEK_A)
    run_week(settings, WEEK_B)
    text, html = parts(smtp.messages[-1].parsed())
    new, continuing = text.split("CONTINUING COVERAGE")
    assert "Russia sets quota of 15,000 North Korean construction workers" in new
    assert "Russian Duma ratifies Tumen River road bridge agreement" in continuing
    assert "Previously in the digest for 2026-W46:" in continuing
    # The treaty's commission two years on is its own development, not the seed's visit.
    assert "2024 Pyongyang treaty gets a joint commission" in new
    assert "Continues the development of the seed article:" not in text
    assert html.index("Russia sets quota") < html.index("Continuing coverage")


def test_resend_is_explicit_and_gets_its_own_message_id(
    tmp_path: Path, loaded: dict[str, int], smtp: SmtpServer
) -> None:
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=smtp.port)
    first = run_week(settings, WEEK_A)
    second = run_week(settings, WEEK_A, resend=True)
    assert second.status == "sent" and len(smtp.messages) == 2
    assert second.message_id == (first.message_id or "").replace("@", "-r1@")
    assert run_week(settings, WEEK_A).status == "skipped"


def test_a_failed_send_is_archived_as_failed_and_the_rerun_sends(
    tmp_path: Path, loaded: dict[str, int], smtp: SmtpServer
) -> None:
    down = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())
    with pytest.raises(SmtpUnavailable):
        run_week(down, WEEK_A)
    with connect(down.db) as con:
        [failed] = digest_store.digest_history(con, window_key=WEEK_A)
    assert failed["status"] == "failed" and "SmtpUnavailable" in failed["error"]
    up = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=smtp.port)
    assert run_week(up, WEEK_A).status == "sent" and len(smtp.messages) == 1


def test_without_smtp_host_the_digest_goes_to_the_outbox_once(
    tmp_path: Path, loaded: dict[str, int]
) -> None:
    settings = make_settings(tmp_path)
    delivery = run_week(settings, WEEK_A)
    assert delivery.status == "written"
    outbox = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert outbox == ["digest-2026-W46.eml", "digest-2026-W46.html"]
    assert run_week(settings, WEEK_A).status == "skipped"
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == outbox


def test_smtp_without_recipients_is_a_configuration_error(
    tmp_path: Path, loaded: dict[str, int]
) -> None:
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=free_port(), digest_to=[])
    with pytest.raises(DigestConfigError, match="DIGEST_TO"):
        run_week(settings, WEEK_A)


def test_hostile_titles_reach_neither_headers_nor_html(tmp_path: Path, smtp: SmtpServer) -> None:
    hostile_title = (
        'Kim <script>alert(1)</script> "><img src=x onerror=alert(2)>\r\nBcc: v@evil.example'
    )
    item = ProcessedArticle(
        article=ExtractedArticle(
            url="https://evil.example/a",
            canonical_url="https://evil.example/a",
            title=hostile_title,
            author=None,
            site_name=None,
            language="en",
            text="Putin and Kim <b>met</b> again on Tuesday in Vladivostok, officials said. "
            "They signed <script>x()</script> nothing, the officials added later.",
            published_at=datetime(2026, 11, 17, 9, tzinfo=UTC),
            status=ExtractionStatus.OK,
        ),
        relevance=Relevance(relevant=True, score=0.9, terms=("ru:Putin",), reason="x"),
        source='Evil "><script>Outlet</script>\r\nX-Injected: 1',
    )
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=smtp.port)
    with connect(settings.db) as con:
        articles.upsert_articles(con, [item], now=datetime(2026, 11, 17, 10, tzinfo=UTC))
    assert run_week(settings, WEEK_B).status == "sent"
    [received] = smtp.messages
    head, _, _ = received.data.partition(b"\r\n\r\n")
    assert b"script" not in head and b"onerror" not in head and b"X-Injected" not in head
    assert b"Bcc" not in head and received.recipients == [
        "analyst@example.org",
        "second@example.org",
    ]
    text, html = parts(received.parsed())
    assert "<script" not in html and "<img" not in html and "<b>met" not in html
    assert "Kim &lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Shown as text, each on one line.
    assert any("alert(1)" in line and "Bcc: v@evil.example" in line for line in text.splitlines())
    assert any("Outlet</script> X-Injected: 1" in line for line in text.splitlines())


def test_default_window_on_a_database_with_only_seeds(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with connect(settings.db) as con:
        load_seed_articles(con)
    window = digest.resolve_window(settings, now=NOW)
    assert window.key == "2026-W47"
    run = stories.assign_stories(settings, window.start, window.end)
    assert run.considered == 0 and run.assigned == 0
    built = digest.build_digest(settings, window, now=NOW)
    delivery = deliver_digest(settings, built)
    assert delivery.status == "written"
    html = (tmp_path / "outbox" / "digest-2026-W47.html").read_text(encoding="utf-8")
    assert "No new developments this week." in html and "Source health" in html
    assert built.rendered.subject.endswith("no new developments")
    summary = summary_markdown(built, delivery, run)
    assert "no new developments this week" in summary and "written" in summary


def test_window_options_are_checked() -> None:
    settings = load_settings(timezone="Europe/Berlin")
    with pytest.raises(ValueError, match="either a week"):
        digest.resolve_window(settings, week="2026-W47", since=datetime(2026, 11, 1).date())
    with pytest.raises(ValueError, match="--until needs --since"):
        digest.resolve_window(settings, until=datetime(2026, 11, 1).date())
