"""SMTP faults against a real local server: the digest of a window is sent exactly once where
that is possible, and at least once with one stable Message-ID where it is not.

Exactly once: every fault where the server did not keep the message (refused connection, 421,
451, 550, a connection dropped during DATA, a TLS failure) records the attempt as failed and
raises; the next run sends it, once. At least once: when the server kept the message but the
sender never learnt it (it timed out waiting for the answer, or died before recording the send),
the next run cannot know, and sends again with the same Message-ID, which mail clients and
servers use to drop the copy. See docs/reliability.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from pipeline import digest, stories
from pipeline.delivery import Delivery, deliver_digest
from pipeline.settings import Settings, load_settings
from reports.send import SmtpRejected, SmtpUnavailable
from store.db import connect
from tests.reliability.faulty_smtp import FaultyServer, faulty_smtp
from tests.reports.fixture_weeks import WEEK_A, load_seed_articles, load_weeks
from tests.reports.smtp import free_port, running_smtp

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "news.duckdb"
    with connect(path) as con:
        load_weeks(con)
        load_seed_articles(con)
    return path


def settings_for(db: Path, port: int, **extra: Any) -> Settings:
    return load_settings(
        db=db,
        outbox=db.parent / "outbox",
        digest_archive=db.parent / "archive",
        digest_to=["analyst@example.org"],
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_timeout_seconds=1.5,
        **extra,
    )


def deliver(settings: Settings, *, now: datetime | None = None) -> Delivery:
    window = digest.resolve_window(settings, week=WEEK_A)
    stories.assign_stories(settings, window.start, window.end)
    return deliver_digest(settings, digest.build_digest(settings, window, now=NOW), now=now)


def attempts(db: Path) -> list[tuple[str, str | None]]:
    with connect(db) as con:
        rows = con.execute("SELECT status, error FROM digests ORDER BY id").fetchall()
    return [(str(status), error) for status, error in rows]


def message_ids(server: FaultyServer) -> list[str]:
    return [str(message_from_bytes(m.data)["Message-ID"]) for m in server.messages]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("421-mail", SmtpRejected),
        ("451-data", SmtpRejected),
        ("550-data", SmtpRejected),
        ("drop-data", SmtpUnavailable),
    ],
)
def test_a_send_the_server_did_not_keep_is_retried_and_sent_once(
    db: Path, fault: str, error: type[Exception]
) -> None:
    with faulty_smtp([fault]) as server:
        settings = settings_for(db, server.port)
        with pytest.raises(error):
            deliver(settings)
        assert server.messages == []
        assert [s for s, _ in attempts(db)] == ["failed"]  # recorded, and retryable
        assert deliver(settings).status == "sent"
        assert deliver(settings).status == "skipped"  # delivered: never sent twice
        assert len(server.messages) == 1
    assert [s for s, _ in attempts(db)] == ["failed", "sent"]


def test_a_refused_connection_is_recorded_and_retried(db: Path) -> None:
    port = free_port()  # nothing listens there
    settings = settings_for(db, port)
    with pytest.raises(SmtpUnavailable, match="Connection refused"):
        deliver(settings)
    assert [s for s, _ in attempts(db)] == ["failed"]
    with faulty_smtp([]) as server:
        settings = settings_for(db, server.port)
        assert deliver(settings).status == "sent"
        assert len(server.messages) == 1


def test_a_tls_failure_sends_nothing(db: Path) -> None:
    with running_smtp(tls=True) as server:  # a certificate the sender does not trust
        settings = settings_for(db, server.port, smtp_security="starttls")
        with pytest.raises(SmtpUnavailable, match=r"CERTIFICATE_VERIFY_FAILED|SSL"):
            deliver(settings)
        assert server.messages == []
    assert [s for s, _ in attempts(db)] == ["failed"]


def test_a_timeout_after_the_server_kept_it_is_sent_again_with_the_same_message_id(
    db: Path,
) -> None:
    with faulty_smtp(["stall-data"], stall=4.0) as server:
        settings = settings_for(db, server.port)
        with pytest.raises(SmtpUnavailable, match="timed out"):
            deliver(settings)
        assert [s for s, _ in attempts(db)] == ["failed"]
        assert deliver(settings).status == "sent"
        ids = message_ids(server)
    assert len(ids) == 2 and ids[0] == ids[1]  # at least once, one Message-ID


CHILD = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pipeline import digest, stories
    from pipeline.delivery import deliver_digest
    from pipeline.settings import load_settings
    db, port = sys.argv[1], int(sys.argv[2])
    settings = load_settings(db=db, outbox=db + ".outbox", digest_archive=db + ".archive",
                             digest_to=["analyst@example.org"], smtp_host="127.0.0.1",
                             smtp_port=port, smtp_timeout_seconds=30)
    window = digest.resolve_window(settings, week=sys.argv[3])
    stories.assign_stories(settings, window.start, window.end)
    deliver_digest(settings, digest.build_digest(settings, window,
                   now=datetime(2026, 11, 23, 7, tzinfo=UTC)))
    """
)


def test_a_sender_killed_after_the_server_took_it_resends_once_stale(db: Path) -> None:
    with faulty_smtp(["kill-after"]) as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db), str(server.port), WEEK_A], env=env, cwd=ROOT
        )
        server.kill_pid = child.pid
        assert child.wait(timeout=300) == -9  # SIGKILLed by the server, after it kept the message
        assert len(server.messages) == 1
        assert [s for s, _ in attempts(db)] == ["sending"]  # the send was never recorded
        settings = settings_for(db, server.port)
        assert deliver(settings).status == "skipped"  # maybe still under way: nothing sent
        later = datetime.now(UTC) + timedelta(minutes=11)
        assert deliver(settings, now=later).status == "sent"  # stale: sent again
        assert deliver(settings, now=later).status == "skipped"
        ids = message_ids(server)
    assert len(ids) == 2 and ids[0] == ids[1]
