"""Deliver a digest: one `multipart/alternative` email, by SMTP or into an outbox folder.

The only module that touches SMTP.

    message = build_message(rendered, sender=..., recipients=[...], message_id=..., now=now)
    send_smtp(message, SmtpConfig(host="mail.example.org", port=587, security="starttls", ...))
    paths = write_message_files(message, rendered.html, folder, stem="digest-2026-W47")

Headers are set through the `email` package with the SMTP policy, which refuses CR/LF in header
values (no header injection); the subject is built from counts and dates only, never from article
titles, and is made single-line anyway. The Message-ID is derived from the digest window, so a
retried delivery of the same window carries the same ID and mail systems can recognise it.

Errors, translated here from smtplib, ssl and OS errors:

    DeliveryError                 any delivery that did not happen (a systemic failure)
    ├── SmtpUnavailable           connection refused, timeout, TLS handshake failed, server hung up
    ├── SmtpRejected              login refused, sender or every recipient refused, data refused
    └── OutboxError               the outbox or archive folder cannot be written
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses
from pathlib import Path

from pydantic import SecretStr

from reports.render import Rendered
from reports.select import one_line

SECURITY_MODES = ("none", "starttls", "ssl")


class DeliveryError(RuntimeError):
    """The digest could not be delivered."""


class SmtpUnavailable(DeliveryError):
    """The SMTP server could not be reached or talked to."""


class SmtpRejected(DeliveryError):
    """The SMTP server refused the login, the sender, the recipients or the message."""


class OutboxError(DeliveryError):
    """The outbox or archive folder could not be written."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str = "none"  # none | starttls | ssl
    user: str | None = None
    password: SecretStr | None = None  # revealed at login only (`_reveal`)
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY_MODES)}")

    def __repr__(self) -> str:  # never show the password
        return (
            f"SmtpConfig(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"user={self.user!r})"
        )


def _reveal(secret: SecretStr | None) -> str:
    """The password's text: the one place it leaves its SecretStr, as it goes to the server."""
    return secret.get_secret_value() if secret is not None else ""


def message_id_for(
    window_key: str, window_start: datetime, window_end: datetime, sender: str, *, resend: int = 0
) -> str:
    """`<digest-2026-W47-1a2b3c4d5e@domain>`: the same for every attempt at one window.

    A deliberate resend (`resend` > 0) gets its own ID (`...-r1@`), so mail systems that drop
    repeated IDs still deliver it.
    """
    digest = hashlib.sha256(
        f"{window_key}|{window_start.isoformat()}|{window_end.isoformat()}".encode()
    ).hexdigest()[:10]
    local = re.sub(r"[^A-Za-z0-9_.-]", "-", f"digest-{window_key}-{digest}")
    if resend:
        local += f"-r{resend}"
    domain = sender.rpartition("@")[2] if "@" in sender else ""
    domain = domain.strip(" >") if re.fullmatch(r"[A-Za-z0-9.-]+", domain.strip(" >")) else ""
    return f"<{local}@{domain or 'newswatch'}>"


def build_message(
    rendered: Rendered,
    *,
    sender: str,
    recipients: list[str],
    message_id: str,
    now: datetime,
) -> EmailMessage:
    """One `multipart/alternative` message: the plain text first, then the HTML."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = one_line(rendered.subject)
    message["From"] = sender
    message["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


def envelope_recipients(message: EmailMessage) -> list[str]:
    return [address for _, address in getaddresses(message.get_all("To", [])) if address]


def send_smtp(
    message: EmailMessage, config: SmtpConfig, *, tls_context: ssl.SSLContext | None = None
) -> dict[str, tuple[int, bytes]]:
    """Send through SMTP; return the recipients the server refused (when it accepted others)."""
    recipients = envelope_recipients(message)
    if not recipients:
        raise SmtpRejected("no recipients: set NEWSWATCH_DIGEST_TO")
    context = tls_context or ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if config.security == "ssl":
            client = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            client.ehlo()
            if config.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if config.user:
                client.login(config.user, _reveal(config.password))
            return client.send_message(message, to_addrs=recipients)
    except (
        smtplib.SMTPAuthenticationError,
        smtplib.SMTPSenderRefused,
        smtplib.SMTPRecipientsRefused,
        smtplib.SMTPDataError,
        smtplib.SMTPNotSupportedError,
    ) as exc:
        raise SmtpRejected(f"SMTP server {config.host}:{config.port} refused: {exc}") from exc
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise SmtpUnavailable(
            f"cannot deliver through {config.host}:{config.port} ({config.security}): "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def write_message_files(message: EmailMessage, html: str, folder: Path, stem: str) -> list[Path]:
    """Write `<stem>.eml` (the whole message) and `<stem>.html` (to open in a browser)."""
    safe_stem = re.sub(r"[^A-Za-z0-9_.-]", "-", stem)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        eml, page = folder / f"{safe_stem}.eml", folder / f"{safe_stem}.html"
        eml.write_bytes(message.as_bytes())
        page.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise OutboxError(f"cannot write the digest into {folder}: {exc}") from exc
    return [eml, page]
