"""The weekly digest steps, each one unit of work over plain values: what the digest flow calls.

    resolve_window -> assign_stories -> build_digest -> deliver_digest -> summary_markdown

Each step takes the settings and opens its own short connection. `deliver_digest` is idempotent
per window: a window already delivered on the channel (SMTP, or the outbox when no SMTP host is
set) is not delivered again unless `resend` is asked for. A failed delivery is archived as failed
and raises (a systemic failure); the next run delivers it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from pipeline.settings import Settings
from reports.compose import Digest, FeedHealth, compose_digest, item_record
from reports.render import Rendered, render_digest
from reports.select import (
    ArticleRow,
    DigestWindow,
    WindowError,
    baseline_start,
    date_window,
    iso_week_window,
    previous_week,
)
from reports.send import (
    SmtpConfig,
    build_message,
    message_id_for,
    send_smtp,
    write_message_files,
)
from reports.stories import grouping as story_logic
from store import digests as digest_store
from store import feeds as feed_store
from store import stories as story_store
from store.db import connect

log = logging.getLogger(__name__)

CONTINUITY_WEEKS = 12  # earlier digests whose stories a new one is compared with
IN_FLIGHT = timedelta(minutes=10)  # a 'sending' attempt younger than this blocks another one


class DigestConfigError(ValueError):
    """The settings cannot deliver a digest (e.g. SMTP configured but no recipients)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- window ---------------------------------------------------------------------------------


def resolve_window(
    settings: Settings,
    *,
    week: str | None = None,
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> DigestWindow:
    """The digest window: an ISO week, a span of days, or (by default) the previous ISO week."""
    now = now or utcnow()
    if week and (since or until):
        raise WindowError("give either a week or --since/--until, not both")
    if until and not since:
        raise WindowError("--until needs --since")
    if week:
        return iso_week_window(week, settings.timezone)
    if since:
        return date_window(since, until, settings.timezone, now=now)
    return previous_week(now, settings.timezone)


# --- stories --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryRun:
    considered: int  # relevant articles in the window and the look-back before it
    assigned: int  # of them newly given a story now
    copies: int  # of those, copies of another article
    stories: int  # stories created or grown
    elapsed_ms: float


def assign_stories(settings: Settings, since: datetime, until: datetime) -> StoryRun:
    """Give every relevant article first seen in [since - look-back, until) its story and copy link.

    Articles that already have a story keep it; the call is cheap to repeat (after each poll too).
    """
    started = time.perf_counter()
    lookback = since - timedelta(days=settings.story_lookback_days)
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        records = story_store.relevant_articles(con, since=lookback, until=until)
    rows = [ArticleRow.from_record(r) for r in records]
    assignments = story_logic.assign_stories(rows)
    touched = 0
    if assignments:
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            touched = story_store.save_story_assignments(
                con,
                [(a.article_id, a.story_id, a.duplicate_of) for a in assignments],
                now=utcnow(),
            )
    return StoryRun(
        considered=len(rows),
        assigned=len(assignments),
        copies=sum(1 for a in assignments if a.duplicate_of is not None),
        stories=touched,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


# --- build ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltDigest:
    digest: Digest
    rendered: Rendered
    elapsed_ms: float


def build_digest(
    settings: Settings, window: DigestWindow, *, now: datetime | None = None
) -> BuiltDigest:
    """Select the window's stories, decide what is new, gather the context, render."""
    started = time.perf_counter()
    now = now or utcnow()
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        window_records = story_store.relevant_articles(con, since=window.start, until=window.end)
        story_ids = sorted({r["story_id"] or r["id"] for r in window_records})
        story_records = story_store.story_articles(con, story_ids)
        digest_keys = digest_store.earlier_digest_stories(
            con, before=window.start, since=window.start - timedelta(weeks=CONTINUITY_WEEKS)
        )
        earlier_records = story_store.story_articles(con, sorted(digest_keys))
        seed_records = story_store.seed_articles(con)
        counts = digest_store.relevant_counts_by_day(
            con, since=baseline_start(window), until=window.end, timezone=window.timezone
        )
        failing = feed_store.failing_feeds(con, min_errors=settings.failing_feed_polls)
    digest = compose_digest(
        window,
        window_rows=[ArticleRow.from_record(r) for r in window_records],
        story_rows=[ArticleRow.from_record(r) for r in story_records],
        seeds=[ArticleRow.from_record(r) for r in seed_records],
        earlier_rows=[ArticleRow.from_record(r) for r in earlier_records],
        digest_keys=digest_keys,
        daily_counts=counts,
        failing_feeds=[FeedHealth.from_record(f) for f in failing],
        generated_at=now,
    )
    rendered = render_digest(digest)
    return BuiltDigest(
        digest=digest, rendered=rendered, elapsed_ms=(time.perf_counter() - started) * 1000
    )


# --- deliver --------------------------------------------------------------------------------


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
    channel = "smtp" if config else "outbox"
    recipients = list(settings.digest_to)
    if config and not recipients:
        raise DigestConfigError("NEWSWATCH_SMTP_HOST is set but NEWSWATCH_DIGEST_TO is empty")
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
        blocking = claim.blocking or {}
        if blocking.get("status") == digest_store.SENDING:
            detail = (
                f"another delivery of {window.key} started at {blocking['created_at']} "
                "is still under way; nothing sent"
            )
        else:
            detail = (
                f"{window.key} was already delivered ({channel}) at {blocking.get('sent_at')}"
                f" as {blocking.get('message_id')}; nothing sent (use --force / resend "
                "to send it again)"
            )
        return Delivery(
            status="skipped", channel=channel, detail=detail, message_id=blocking.get("message_id")
        )
    try:
        paths, refused = _deliver(settings, config, built, recipients, message_id, resend_number)
    except Exception as exc:
        with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
            digest_store.finish_delivery(
                con,
                claim.digest_id,
                status=digest_store.FAILED,
                error=f"{type(exc).__name__}: {exc}",
            )
        raise
    warning = f"refused recipients: {', '.join(sorted(refused))}" if refused else None
    with connect(settings.db, lock_timeout=settings.lock_timeout_seconds) as con:
        digest_store.finish_delivery(
            con,
            claim.digest_id,
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
        channel=channel,
        detail=detail,
        message_id=message_id,
        recipients=tuple(recipients),
        paths=tuple(str(p) for p in paths),
        digest_id=claim.digest_id,
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


# --- Prefect block and summary --------------------------------------------------------------

_BLOCK_KEYS = {
    "host": "smtp_host",
    "port": "smtp_port",
    "user": "smtp_user",
    "username": "smtp_user",
    "password": "smtp_password",
    "security": "smtp_security",
    "timeout": "smtp_timeout_seconds",
    "from": "digest_from",
    "to": "digest_to",
}


def smtp_overrides_from_block(name: str) -> dict[str, Any]:
    """Settings overrides from a Prefect `Secret` block whose value is a JSON object.

    Keys: host, port, user (or username), password, security, timeout, from, to (a list or a
    comma-separated string); `smtp_host`-style names are accepted too.
    """
    from prefect.blocks.system import Secret

    block = cast(Secret[Any], Secret.load(name))  # sync call: a block, not a coroutine
    value = block.get()
    if not isinstance(value, dict):
        raise DigestConfigError(
            f"Prefect Secret block {name!r} must hold a JSON object of SMTP settings"
        )
    overrides: dict[str, Any] = {}
    for key, item in value.items():
        field = _BLOCK_KEYS.get(str(key).lower(), str(key).lower())
        if field not in set(_BLOCK_KEYS.values()):
            raise DigestConfigError(f"Prefect Secret block {name!r}: unknown SMTP setting {key!r}")
        overrides[field] = item
    return overrides


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
        f"- Failing feeds: {len(digest.failing_feeds)}",
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
