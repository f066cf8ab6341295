"""Secrets stay secret: the SMTP password and the translator's key are `SecretStr` everywhere
but at the one place each is used (the SMTP login, the translation request).

A unique password is set in the environment, a digest is built and sent through a real SMTP
server on 127.0.0.1 that requires it, the articles are exported, and every place a secret could
leak is grepped: the settings' repr and JSON (what Prefect serialises for task inputs and
results), the log records, the message received, the outbox and archive files, the DuckDB file
and the export.
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from pipeline import digest, stories
from pipeline.delivery import deliver_digest, smtp_config
from pipeline.library import ExportFormat, export_articles
from pipeline.settings import load_settings
from store.db import connect
from tests.reports.fixture_weeks import WEEK_A, load_seed_articles, load_weeks
from tests.reports.smtp import running_smtp

SECRET = "pw-7f3a9c-never-shown"
API_KEY = "key-51b2e8-never-shown"
NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)


def test_settings_hold_secrets_as_secretstr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWATCH_SMTP_PASSWORD", SECRET)
    monkeypatch.setenv("NEWSWATCH_TRANSLATE_API_KEY", API_KEY)
    settings = load_settings(smtp_host="127.0.0.1", smtp_user="digest")
    assert isinstance(settings.smtp_password, SecretStr)
    assert isinstance(settings.translate_api_key, SecretStr)
    config = smtp_config(settings)
    assert config is not None and isinstance(config.password, SecretStr)
    shown = [repr(settings), str(settings), settings.model_dump_json(), repr(config), str(config)]
    shown.append(str(settings.model_dump()))
    for text in shown:
        assert SECRET not in text and API_KEY not in text


def test_what_prefect_serialises_for_a_task_holds_no_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.serializers import JSONSerializer

    monkeypatch.setenv("NEWSWATCH_SMTP_PASSWORD", SECRET)
    settings = load_settings()
    assert SECRET.encode() not in JSONSerializer().dumps(settings)
    from prefect.utilities.hashing import hash_objects

    key = hash_objects(settings)  # the task cache key: computed without the secret's value
    assert key is not None
    assert key == hash_objects(load_settings(smtp_password="other"))


def test_a_digest_sent_with_a_password_leaks_it_nowhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with connect(tmp_path / "news.duckdb") as con:
        load_weeks(con)
        load_seed_articles(con)
    with running_smtp(login=("digest", SECRET)) as server:
        settings = load_settings(
            db=tmp_path / "news.duckdb",
            outbox=tmp_path / "outbox",
            digest_archive=tmp_path / "archive",
            digest_to=["analyst@example.org"],
            smtp_host="127.0.0.1",
            smtp_port=server.port,
            smtp_user="digest",
            smtp_password=SECRET,
            smtp_timeout_seconds=10,
        )
        window = digest.resolve_window(settings, week=WEEK_A)
        stories.assign_stories(settings, window.start, window.end)
        delivery = deliver_digest(settings, digest.build_digest(settings, window, now=NOW))
        assert delivery.status == "sent"  # the server accepted the login: the secret was used
        received = b"".join(m.data for m in server.messages)
    exported = io.StringIO()
    assert export_articles(settings, ExportFormat.JSONL, exported) > 0
    assert SECRET not in exported.getvalue()
    assert SECRET.encode() not in received
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".eml" for p in files)  # the archive was written
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
