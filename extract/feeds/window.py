"""Windows of time and the dates that place a document in one: W3C date-times, dates in URLs.

Pure: `Window` is the half-open span [start, end) a backfill asks for; `date_from_url` reads
`/2024/06/18/` or `/20240618-` out of a link; `month_span` is the month a dated sitemap covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Window:
    """A half-open span of time [start, end), both timezone-aware."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError(f"empty window: {self.start.isoformat()} .. {self.end.isoformat()}")

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end

    def describe(self) -> str:
        last = (self.end - timedelta(microseconds=1)).date()
        return f"{self.start.date().isoformat()}..{last.isoformat()}"


URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>0[1-9]|1[0-2])(?:[/-](?P<d>0[1-9]|[12]\d|3[01]))?(?=[/_.-]|$)"
    r"|/(?P<y2>(?:19|20)\d{2})(?P<m2>0[1-9]|1[0-2])(?P<d2>0[1-9]|[12]\d|3[01])(?=[/_.-]|$)"
)


def parse_w3c_datetime(value: str | None) -> datetime | None:
    """A W3C/ISO 8601 date or date-time ("2024-06-18", "2024-06-18T09:30:00+09:00") in UTC.

    A date alone is midnight UTC; a time without an offset is taken as UTC. None if unreadable.
    """
    if not value:
        return None
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def date_from_url(url: str) -> date | None:
    """The publication date a URL's path spells out (/2024/06/18/, /2024-06-18-, /20240618/).

    Year and month alone give the first of the month. None when the path holds no date.
    """
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    match = URL_DATE.search(path)
    if match is None:
        return None
    year = match.group("y") or match.group("y2")
    month = match.group("m") or match.group("m2")
    day = match.group("d") or match.group("d2") or "01"
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def month_span(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day.replace(day=1), time(0), tzinfo=UTC)
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start, datetime.combine(following, time(0), tzinfo=UTC)
