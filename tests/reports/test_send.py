"""The email and its delivery (reports/send.py) against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import email
import socket
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from pydantic import SecretStr

from reports.render import Rendered
from reports.send import (
    OutboxError,
    SmtpConfig,
    SmtpRejected,
    SmtpUnavailable,
    build_message,
    message_id_for,
    send_smtp,
    write_message_files,
)
from tests.reports.smtp import free_port, running_smtp

NOW = datetime(2026, 11, 23, 7, tzinfo=UTC)
START, END = datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC)
RENDERED = Rendered(
    subject="Russia–North Korea digest, week 2026-W47: 2 stories, 1 new",
    html='<html><body><p lang="ko">라브로프 평양 도착</p><a href="https://a.example/x">Лавров</a>'
    "</body></html>",
    text="라브로프 평양 도착\nЛавров прибыл в Пхеньян\nhttps://a.example/x\n",
    preheader="",
)


def message(**overrides: object) -> EmailMessage:
    args: dict[str, object] = dict(
        sender="Newswatch <newswatch@example.org>",
        recipients=["analyst@example.org", "Второй Аналитик <second@example.org>"],
        message_id=message_id_for("2026-W47", START, END, "newswatch@example.org"),
        now=NOW,
    )
    args.update(overrides)
    return build_message(RENDERED, **args)  # type: ignore[arg-type]


def test_message_is_one_multipart_alternative_with_text_then_html() -> None:
    msg = message()
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert parts[0].get_content() == RENDERED.text
    assert parts[1].get_content().rstrip("\n") == RENDERED.html
    assert msg["Message-ID"] == "<digest-2026-W47-" + msg["Message-ID"].split("-", 3)[3]
    assert msg["Date"] and msg["From"] == "Newswatch <newswatch@example.org>"
    assert "multipart/digest" not in msg.as_string()


def test_message_id_is_derived_from_the_window() -> None:
    one = message_id_for("2026-W47", START, END, "newswatch@example.org")
    assert one == message_id_for("2026-W47", START, END, "Other <newswatch@example.org>")
    assert one.endswith("@example.org>") and one.startswith("<digest-2026-W47-")
    assert one != message_id_for("2026-W46", START, END, "newswatch@example.org")
    assert message_id_for("2026-W47", START, END, "x@example.org", resend=2).endswith(
        "-r2@example.org>"
    )
    assert message_id_for("2026-11-16_2026-11-30", START, END, "bad domain>\r\n").endswith(
        "@newswatch>"
    )


def test_subject_is_single_line_and_headers_refuse_injection() -> None:
    hostile = Rendered(
        subject="Digest\r\nBcc: victim@example.org", html="<p>x</p>", text="x", preheader=""
    )
    msg = build_message(
        hostile,
        sender="n@example.org",
        recipients=["a@example.org"],
        message_id="<x@example.org>",
        now=NOW,
    )
    assert msg["Subject"] == "Digest Bcc: victim@example.org"
    assert msg["Bcc"] is None and b"\r\nBcc:" not in msg.as_bytes()
    with pytest.raises(ValueError):
        build_message(
            RENDERED,
            sender="n@example.org\r\nBcc: victim@example.org",
            recipients=["a@example.org"],
            message_id="<x@example.org>",
            now=NOW,
        )


def test_plain_smtp_delivers_to_every_recipient() -> None:
    with running_smtp() as server:
        refused = send_smtp(message(), SmtpConfig(host="127.0.0.1", port=server.port, timeout=10))
    assert refused == {}
    [received] = server.messages
    assert received.sender == "newswatch@example.org"
    assert received.recipients == ["analyst@example.org", "second@example.org"]
    parsed = received.parsed()
    assert parsed.get_content_type() == "multipart/alternative"
    text, html = parsed.iter_parts()
    assert "Лавров прибыл в Пхеньян" in text.get_content()
    assert '<p lang="ko">라브로프 평양 도착</p>' in html.get_content()
    assert "Второй Аналитик" in str(parsed["To"])


def test_starttls_with_login() -> None:
    with running_smtp(tls=True, login=("digest", "s3cret")) as server:
        config = SmtpConfig(
            host="127.0.0.1",
            port=server.port,
            security="starttls",
            user="digest",
            password=SecretStr("s3cret"),
            timeout=10,
        )
        send_smtp(message(), config, tls_context=server.client_tls)
        assert len(server.messages) == 1
        with pytest.raises(SmtpRejected, match="refused"):
            send_smtp(
                message(),
                SmtpConfig(
                    host="127.0.0.1",
                    port=server.port,
                    security="starttls",
                    user="digest",
                    password=SecretStr("wrong"),
                    timeout=10,
                ),
                tls_context=server.client_tls,
            )
        # A server that requires STARTTLS refuses a plain session.
        with pytest.raises((SmtpRejected, SmtpUnavailable)):
            send_smtp(message(), SmtpConfig(host="127.0.0.1", port=server.port, timeout=10))
        # The certificate is checked: without trusting it, TLS fails.
        with pytest.raises(SmtpUnavailable, match="starttls"):
            send_smtp(message(), config)
    assert len(server.messages) == 1
    assert "s3cret" not in repr(config)


def test_unreachable_server_is_a_systemic_failure() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(SmtpUnavailable, match=f"127.0.0.1:{port}"):
        send_smtp(message(), SmtpConfig(host="127.0.0.1", port=port, timeout=5))
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never greets
    try:
        with pytest.raises(SmtpUnavailable, match=r"[Tt]imed? ?out"):
            send_smtp(
                message(), SmtpConfig(host="127.0.0.1", port=silent.getsockname()[1], timeout=0.5)
            )
    finally:
        silent.close()


def test_no_recipients_is_refused_before_connecting() -> None:
    with pytest.raises(SmtpRejected, match="DIGEST_TO"):
        send_smtp(message(recipients=[]), SmtpConfig(host="127.0.0.1", port=free_port()))
    assert message(recipients=[])["To"] == "undisclosed-recipients:;"


def test_outbox_files(tmp_path: Path) -> None:
    paths = write_message_files(message(), RENDERED.html, tmp_path / "outbox", "digest-2026-W47")
    assert [p.name for p in paths] == ["digest-2026-W47.eml", "digest-2026-W47.html"]
    parsed = email.message_from_bytes(paths[0].read_bytes(), policy=default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert paths[1].read_text(encoding="utf-8") == RENDERED.html
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutboxError):
        write_message_files(message(), RENDERED.html, blocker, "x")
