"""Delivering a built digest once per window, and the flow run's summary of it.

    claim -> (skip | send) -> finish

`deliver_digest` first *claims* the window on its channel (SMTP, or the outbox when no SMTP host is
set) in the digest archive: a window already delivered there, or being delivered by another run
right now, is *skipped* unless `resend` is asked for. Otherwise it *sends* (or writes) the message,
keeps a copy in the archive folder, and records the outcome. A failed send is recorded as failed
and raises (a systemic failure): the next run delivers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.clock import utcnow
from pipeline.digest import BuiltDigest
from pipeline.settings import Settings
from pipeline.stories import StoryRun
from reports.compose import item_record
from reports.send import (
    SmtpConfig,
    build_message,
    message_id_for,
    send_smtp,
    write_message_files,
)
from store import digests as digest_store
from store.db import connect

IN_FLIGHT = timedelta(minutes=10)  # a 'sending' attempt younger than this blocks another one


class DigestConfigError(ValueError):
    """The settings cannot deliver a digest (e.g. SMTP configured but no recipients)."""


@dataclass(frozen=True)
class Delivery:
    status: str  # "sent" (SMTP), "written" (outbox), "skipped" (already delivered), "not-sent"
    channel: str | None
    detail: str
    message_id: str | None = None
    recipients: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    digest_id: int | None = None


def smtp_config(settings: Settings) -> SmtpConfig | None:
    if not settings.smtp_host:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port_effective,
        security=settings.smtp_security.value,
        user=settings.smtp_user,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout_seconds,
    )


def deliver_digest(
    settings: Settings, built: BuiltDigest, *, resend: bool = False, now: datetime | None = None
) -> Delivery:
    """Send the digest (or write it to the outbox) once per window; archive it in both cases."""
    now = now or utcnow()
    config = smtp_config(settings)
    recipients = list(settings.digest_to)
    if config and not recipients:
        raise DigestConfigError("NEWSWATCH_SMTP_HOST is set but NEWSWATCH_DIGEST_TO is empty")
    claimed = _claim(settings, built, "smtp" if config else "outbox", recipients, resend, now)
    if isinstance(claimed, Delivery):
        return claimed
    return _send(settings, config, built, recipients, claimed)


@dataclass(frozen=True)
class _Claimed:
    digest_id: int
    message_id: str
    resend_number: int


def _claim(
    settings: Settings,
    built: BuiltDigest,
    channel: str,
    recipients: list[str],
    resend: bool,
    now: datetime,
) -> _Claimed | Delivery:
    """Record the attempt in the archive, or say why it is skipped (delivered, or under way)."""
    digest, rendered = built.digest, built.rendered
    window = digest.window
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        earlier = digest_store.delivered(con, window.key, channel=channel)
        resend_number = len(earlier) if resend else 0
        message_id = message_id_for(
            window.key, window.start, window.end, settings.digest_from, resend=resend_number
        )
        record = digest_store.DigestRecord(
            window_key=window.key,
            window_start=window.start,
            window_end=window.end,
            timezone=window.timezone,
            channel=channel,
            message_id=message_id,
            subject=rendered.subject,
            sender=settings.digest_from,
            recipients=recipients,
            story_ids=[i.story_id for i in digest.items],
            new_story_ids=[i.story_id for i in digest.new],
            article_ids=digest.article_ids,
            items=[item_record(i) for i in digest.items],
            html=rendered.html,
            text=rendered.text,
            forced=resend,
        )
        claim = digest_store.claim_delivery(con, record, now=now, stale_before=now - IN_FLIGHT)
    if claim.digest_id is None:
        return _skipped(window.key, channel, claim.blocking or {})
    return _Claimed(claim.digest_id, message_id, resend_number)


def _skipped(window_key: str, channel: str, blocking: dict[str, Any]) -> Delivery:
    if blocking.get("status") == digest_store.SENDING:
        detail = (
            f"another delivery of {window_key} started at {blocking['created_at']} "
            "is still under way; nothing sent"
        )
    else:
        detail = (
            f"{window_key} was already delivered ({channel}) at {blocking.get('sent_at')}"
            f" as {blocking.get('message_id')}; nothing sent (use --force / resend "
            "to send it again)"
        )
    return Delivery(
        status="skipped", channel=channel, detail=detail, message_id=blocking.get("message_id")
    )


def _send(
    settings: Settings,
    config: SmtpConfig | None,
    built: BuiltDigest,
    recipients: list[str],
    claimed: _Claimed,
) -> Delivery:
    """Send or write the claimed message and record how it went (failed: record, then raise)."""
    try:
        paths, refused = _deliver(
            settings, config, built, recipients, claimed.message_id, claimed.resend_number
        )
    except Exception as exc:
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            digest_store.finish_delivery(
                con,
                claimed.digest_id,
                status=digest_store.FAILED,
                error=f"{type(exc).__name__}: {exc}",
            )
        raise
    warning = f"refused recipients: {', '.join(sorted(refused))}" if refused else None
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        digest_store.finish_delivery(
            con,
            claimed.digest_id,
            status=digest_store.SENT,
            sent_at=utcnow(),
            error=warning,
            archive_path=str(paths[0]),
        )
    if config:
        detail = f"sent to {', '.join(recipients)} through {config.host}:{config.port}"
        if warning:
            detail += f" ({warning})"
    else:
        detail = f"no SMTP host set: written to {paths[-2]}"
    return Delivery(
        status="sent" if config else "written",
        channel="smtp" if config else "outbox",
        detail=detail,
        message_id=claimed.message_id,
        recipients=tuple(recipients),
        paths=tuple(str(p) for p in paths),
        digest_id=claimed.digest_id,
    )


def _deliver(
    settings: Settings,
    config: SmtpConfig | None,
    built: BuiltDigest,
    recipients: list[str],
    message_id: str,
    resend_number: int,
) -> tuple[list[Path], dict[str, Any]]:
    message = build_message(
        built.rendered,
        sender=settings.digest_from,
        recipients=recipients,
        message_id=message_id,
        now=utcnow(),
    )
    stem = f"digest-{built.digest.window.key}" + (f"-r{resend_number}" if resend_number else "")
    paths = write_message_files(message, built.rendered.html, settings.digest_archive, stem)
    refused: dict[str, Any] = {}
    if config:
        refused = send_smtp(message, config)
    else:
        paths += write_message_files(message, built.rendered.html, settings.outbox, stem)
    return paths, refused


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or list item (no HTML, no Markdown syntax)."""
    cleaned = " ".join(text.split())
    for ch in "\\`*_{}[]()<>#+!|~":
        cleaned = cleaned.replace(ch, "\\" + ch)
    return cleaned


def summary_markdown(built: BuiltDigest, delivery: Delivery, stories: StoryRun) -> str:
    """The flow run's artifact: what the digest held and where it went."""
    digest = built.digest
    t = digest.totals
    lines = [
        f"# {_md(built.rendered.subject)}",
        "",
        f"- Window: {_md(digest.window.label)} ({_md(digest.window.key)}, {_md(digest.window.timezone)})",
        f"- Delivery: **{delivery.status}**: {_md(delivery.detail)}",
        f"- {t.stories} stories ({t.new_stories} new), {t.articles} articles, {t.outlets} outlets, "
        f"languages: {_md(', '.join(t.languages) or 'none')}",
        f"- Stories assigned: {stories.assigned} of {stories.considered} articles "
        f"({stories.copies} copies) in {stories.elapsed_ms:.0f} ms; digest built in "
        f"{built.elapsed_ms:.0f} ms",
        f"- Feeds: {digest.answered_feeds} of {digest.feeds} answered at their last polls, "
        f"{len(digest.failing_feeds)} failed, {digest.unpolled_feeds} not polled yet",
        "",
        "| # | status | headline | first reported by | outlets |",
        "|---|---|---|---|---|",
    ]
    for number, item in enumerate(digest.items, 1):
        lines.append(
            f"| {number} | {item.status} | {_md(item.headline)} | {_md(item.first.outlet)} | "
            f"{item.outlets} ({item.independent_outlets} independent) |"
        )
    if not digest.items:
        lines.append("| | | no new developments this week | | |")
    return "\n".join(lines) + "\n"
