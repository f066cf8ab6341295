"""The timeline written for analysts' own tools: CSV, JSON Lines or iCalendar. Pure.

    write_timeline(entries, "csv", stream)     # entries: store.timeline rows (dicts)

CSV has one row per development, lists joined with "; "; JSON Lines keeps lists and writes
times as ISO 8601; iCalendar (RFC 5545) makes each development an all-day event on the day of its
first report (UTC), its UID stable across exports (`story-ID@newswatch`), so a calendar that
imports the file again updates the events instead of doubling them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, Any

from reports.categories import CATEGORIES
from reports.select import language_name


class TimelineFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    ICS = "ics"


FIELDS = (
    "story_id",
    "first_reported_at",
    "last_reported_at",
    "category",
    "category_label",
    "overridden",
    "headline",
    "gist",
    "first_title",
    "first_outlet",
    "first_url",
    "first_language",
    "reports",
    "outlets",
    "languages",
    "actors",
    "places",
    "rule_category",
    "rule_reason",
)


def flat_record(entry: Mapping[str, Any], *, page_url: str | None = None) -> dict[str, Any]:
    """One entry with the fields above (and `page`, the development's page, when given)."""
    out = {name: entry.get(name) for name in FIELDS}
    out["category_label"] = CATEGORIES.get(str(entry["category"]), str(entry["category"]))
    out["overridden"] = bool(entry.get("overridden"))
    for name in ("outlets", "languages", "actors", "places"):
        out[name] = list(entry.get(name) or [])
    if page_url:
        out["page"] = page_url
    return out


def write_timeline(
    entries: Sequence[Mapping[str, Any]],
    fmt: str,
    stream: IO[str],
    *,
    pages: Mapping[int, str] | None = None,
    now: datetime | None = None,
) -> int:
    """Write the entries in `fmt`; return how many. `pages`: story id -> URL of its page."""
    kind = TimelineFormat(fmt)
    pages = pages or {}
    records = [flat_record(e, page_url=pages.get(int(e["story_id"]))) for e in entries]
    if kind is TimelineFormat.JSONL:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False, default=_iso) + "\n")
    elif kind is TimelineFormat.CSV:
        names = [*FIELDS, "page"] if pages else list(FIELDS)
        writer = csv.DictWriter(stream, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow(
                {
                    k: "; ".join(v) if isinstance(v, list) else _iso(v) if _is_time(v) else v
                    for k, v in record.items()
                }
            )
    else:
        stream.write(calendar(records, now=now or datetime.now(UTC)))
    return len(records)


def _is_time(value: object) -> bool:
    return isinstance(value, datetime)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"cannot write {type(value).__name__}")


# --- iCalendar ------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "")
    )


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space (RFC 5545 3.1)."""
    out: list[str] = []
    current = ""
    for char in line:
        if len((current + char).encode("utf-8")) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


def calendar(records: Sequence[Mapping[str, Any]], *, now: datetime) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//newswatch//timeline of Russia-North Korea developments//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Russia–North Korea developments",
    ]
    for r in records:
        first: datetime = r["first_reported_at"].astimezone(UTC)
        languages = ", ".join(language_name(code) for code in r["languages"])
        description = "\n".join(
            part
            for part in (
                f"{r['category_label']}" + (" (analyst)" if r["overridden"] else ""),
                f"First report: {r['first_outlet']}, {first:%Y-%m-%d %H:%M} UTC",
                f"{r['reports']} reports in {languages}: {', '.join(r['outlets'])}",
                f"Actors: {', '.join(r['actors'])}" if r["actors"] else "",
                f"Places: {', '.join(r['places'])}" if r["places"] else "",
                f"Gist: {r['gist']}" if r.get("gist") else "",
                str(r.get("page") or r["first_url"]),
            )
            if part
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:story-{r['story_id']}@newswatch",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
            f"SUMMARY:{_escape(str(r['headline']))}",
            f"CATEGORIES:{_escape(str(r['category_label']))}",
            f"DESCRIPTION:{_escape(description)}",
            f"URL:{r.get('page') or r['first_url']}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
