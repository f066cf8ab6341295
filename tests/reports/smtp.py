"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), recording every message it accepts.

    with running_smtp() as server:            # plain SMTP
        ... server.port ... server.messages   # list of (envelope sender, recipients, bytes)
    with running_smtp(tls=True, login=("u", "p")) as server:   # STARTTLS required, then AUTH

The TLS variant uses a throwaway self-signed certificate made with `openssl`; `server.client_tls`
is an SSL context that trusts exactly that certificate.
"""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.data, policy=default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class SmtpServer:
    port: int
    messages: list[Received] = field(default_factory=list)
    client_tls: ssl.SSLContext | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        with self.server.lock:
            self.server.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@contextmanager
def running_smtp(
    *, tls: bool = False, login: tuple[str, str] | None = None
) -> Iterator[SmtpServer]:
    server = SmtpServer(port=free_port())
    kwargs: dict[str, Any] = {}
    with TemporaryDirectory() as tmp:
        if tls:
            cert, key = _self_signed(Path(tmp))
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            kwargs.update(tls_context=context, require_starttls=True)
            server.client_tls = ssl.create_default_context(cafile=str(cert))
        if login:

            def authenticate(
                _server: Any, _session: Any, _envelope: Any, _mechanism: str, auth_data: Any
            ) -> AuthResult:
                ok = (
                    isinstance(auth_data, LoginPassword)
                    and (auth_data.login.decode(), auth_data.password.decode()) == login
                )
                return AuthResult(success=ok, handled=False)  # let the server answer 235/535

            kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=tls)
        controller = Controller(
            _Handler(server), hostname="127.0.0.1", port=server.port, ready_timeout=30, **kwargs
        )
        controller.start()
        try:
            yield server
        finally:
            controller.stop()
