"""What a backfill is asked to do: the Prefect UI's run form and the CLI's flags, typed.

`BackfillRequest` (a window of days, a mode, optional feeds, a dry run) is the backfill flow's one
parameter; its field titles and descriptions are what the UI shows. Errors: `BackfillError` (the
request cannot be carried out as given), `BackfillSystemicFailure` (every item of a batch failed).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from extract.feeds.window import Window

MIN_ITEMS_FOR_OUTAGE = 3


class BackfillMode(StrEnum):
    RESCORE = "rescore"
    REEXTRACT = "reextract"
    REFETCH = "refetch"
    DISCOVER = "discover"


ARTICLE_MODES = frozenset({BackfillMode.RESCORE, BackfillMode.REEXTRACT, BackfillMode.REFETCH})


class BackfillError(ValueError):
    """The request cannot be carried out as given (unknown feeds, say); the message says why."""


class BackfillSystemicFailure(RuntimeError):
    """Every item of a batch failed at once: the network or a site is down, not the articles."""


class BackfillRequest(BaseModel):
    """What to backfill. The Prefect UI builds its run form from these fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="Backfill", use_enum_values=False)

    start: date = Field(
        title="First day",
        description="First day of the window, included (a date, in NEWSWATCH_TIMEZONE).",
    )
    end: date = Field(
        title="Last day",
        description="Last day of the window, included. Articles count by publication date "
        "(first-seen date when the page has none).",
    )
    mode: BackfillMode = Field(
        BackfillMode.RESCORE,
        description="rescore: judge relevance and group stories again from the stored text. "
        "reextract: extract the text again from the stored pages (no network). "
        "refetch: fetch the pages again. "
        "discover: find older articles the feeds no longer list (feed archives, "
        "paged feeds, sitemaps) and store them.",
        json_schema_extra={"title": "What to do"},
    )
    feeds: list[str] = Field(
        default_factory=list,
        title="Feeds",
        description="Feed URLs to limit the backfill to, as in the feed list. "
        "Empty: every active feed.",
    )
    dry_run: bool = Field(
        False,
        title="Dry run",
        description="Report what would change and write nothing. Discover still reads the "
        "feeds' archives and sitemaps to count, but fetches no article page.",
    )

    digest: bool = Field(
        False,
        title="Digest of the window",
        description="When done, build the digest of the window (its articles counted by "
        "publication date) and deliver it like the weekly digest (SMTP, or the outbox).",
    )

    @field_validator("feeds", mode="before")
    @classmethod
    def _no_feeds(cls, value: object) -> object:
        return [] if value is None else value  # an older run's "None": every active feed

    @field_validator("feeds")
    @classmethod
    def _clean_feeds(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in value if v and v.strip()))

    @model_validator(mode="after")
    def _ordered(self) -> BackfillRequest:
        if self.end < self.start:
            raise ValueError(
                f"the last day ({self.end.isoformat()}) is before the first ({self.start.isoformat()})"
            )
        return self

    def window(self, timezone: str) -> Window:
        """[start 00:00, the day after end 00:00) in `timezone`, as UTC instants."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.start, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return Window(start, end)

    @property
    def job_key(self) -> str:
        feeds = "all"
        if self.feeds:
            joined = "\n".join(sorted(self.feeds))
            feeds = hashlib.sha256(joined.encode()).hexdigest()[:12]
        return f"{self.mode.value}:{self.start.isoformat()}:{self.end.isoformat()}:{feeds}"

    def describe(self) -> str:
        feeds = "all feeds" if not self.feeds else f"{len(self.feeds)} feed(s)"
        text = f"{self.mode.value} {self.start.isoformat()}..{self.end.isoformat()}, {feeds}"
        return text + (" (dry run)" if self.dry_run else "")
