"""What a backfill is asked to do: the Prefect UI's run form and the CLI's flags, typed.

`BackfillForm` is the backfill flow's one parameter, the UI's run form: its field titles and
descriptions are what the UI shows, and its JSON schema has no "X or None" field (the UI would
show a list/None toggle): the last day is a plain optional date, feeds an empty list by default.
The deployments enforce that schema, so the server refuses a malformed form (a bad date, an
unknown mode, a negative count, an unknown field) with HTTP 409 before any run exists.
`form.to_request()` then checks what a schema cannot (the last day not before the first) and gives
the `BackfillRequest` (a window of days, a mode, optional feeds, a dry run) that the steps take;
the CLI builds that one from its flags directly.

Errors: `BackfillError` (the request cannot be carried out as given), `BackfillSystemicFailure`
(every item of a batch failed).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from extract.feeds.window import Window

MIN_ITEMS_FOR_OUTAGE = 3
MAX_DAYS = 3660  # about ten years: a typo guard for the form's number of days


DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"  # the schema's check
_DATE_SCHEMA = {"type": "string", "format": "date", "pattern": DATE_PATTERN}

# An optional date the UI shows as a plain date input (no "date or None" toggle): the schema says
# string/date, not required; an empty field arrives as missing (or null, which Prefect accepts for
# a field that is not required) and means None.
OptionalDate = Annotated[date | None, WithJsonSchema(_DATE_SCHEMA)]


def _form_schema(schema: dict[str, Any]) -> None:
    """No `default: null` in the form's schema (the UI would show "None" in the field)."""
    for field in schema.get("properties", {}).values():
        if "default" in field and field["default"] is None:
            del field["default"]


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


def _mode_field() -> Any:
    return Field(
        BackfillMode.RESCORE,
        description="rescore: judge relevance and group stories again from the stored text. "
        "reextract: extract the text again from the stored pages (no network). "
        "refetch: fetch the pages again. "
        "discover: find older articles the feeds no longer list (feed archives, "
        "paged feeds, sitemaps) and store them.",
        json_schema_extra={"title": "What to do"},
    )


def _dry_run_field() -> Any:
    return Field(
        False,
        title="Dry run",
        description="Report what would change and write nothing. Discover still reads the "
        "feeds' archives and sitemaps to count, but fetches no article page.",
    )


def _digest_field() -> Any:
    return Field(
        False,
        title="Digest of the window",
        description="When done, build the digest of the window (its articles counted by "
        "publication date) and deliver it like the weekly digest (SMTP, or the outbox).",
    )


_FEEDS_HELP = "Feed URLs to limit the backfill to, as in the feed list. Empty: every active feed."


def _reversed(start: date, last: date) -> str | None:
    """The one sentence for a window whose last day is before its first, else None."""
    if last < start:
        return f"the last day ({last.isoformat()}) is before the first ({start.isoformat()})"
    return None


def _describe(mode: BackfillMode, start: date, last: str, feeds: list[str], dry_run: bool) -> str:
    """A backfill in a few words, as run names and logs show it."""
    which = "all feeds" if not feeds else f"{len(feeds)} feed(s)"
    text = f"{mode.value} {start.isoformat()}..{last}, {which}"
    return text + (" (dry run)" if dry_run else "")


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
    mode: BackfillMode = _mode_field()
    feeds: list[str] = Field(default_factory=list, title="Feeds", description=_FEEDS_HELP)
    dry_run: bool = _dry_run_field()
    digest: bool = _digest_field()

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
        if (problem := _reversed(self.start, self.end)) is not None:
            raise ValueError(problem)
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
        return _describe(self.mode, self.start, self.end.isoformat(), self.feeds, self.dry_run)


class BackfillForm(BaseModel):
    """What to backfill: the Prefect UI's run form. `to_request()` checks it and gives the request."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", title="Backfill", json_schema_extra=_form_schema
    )

    start: Annotated[date, WithJsonSchema(_DATE_SCHEMA)] = Field(
        title="First day",
        description="First day of the window, included (a date, in NEWSWATCH_TIMEZONE).",
    )
    end: OptionalDate = Field(
        None,
        title="Last day",
        description="Last day of the window, included; not before the first day. Or leave it "
        "empty and give a number of days. Articles count by publication date (first-seen "
        "date when the page has none).",
    )
    days: int = Field(
        0,
        ge=0,
        le=MAX_DAYS,
        title="Number of days",
        description="Instead of the last day: the window is this many days from the first day "
        "(1: the first day only). 0: use the last day.",
    )
    mode: BackfillMode = _mode_field()  # the same fields as the request's
    feeds: list[str] = Field(default_factory=list, title="Feeds", description=_FEEDS_HELP)
    dry_run: bool = _dry_run_field()
    digest: bool = _digest_field()

    @field_validator("feeds", mode="before")
    @classmethod
    def _no_feeds(cls, value: object) -> object:
        return [] if value is None else value

    @property
    def last_day(self) -> date | None:
        """The last day asked for (from the number of days if given), None if neither is."""
        if self.days:
            return self.start + timedelta(days=self.days - 1)
        return self.end

    def problem(self) -> str | None:
        """What a JSON schema cannot check: one of last day / days, and their order."""
        if self.end is not None and self.days:
            return "give the last day or a number of days, not both"
        last = self.last_day
        if last is None:
            return "give the last day of the window (or a number of days)"
        return _reversed(self.start, last)

    def describe(self) -> str:
        last = self.last_day.isoformat() if self.last_day else "?"
        return _describe(self.mode, self.start, last, self.feeds, self.dry_run)

    def to_request(self) -> BackfillRequest:
        """The request this form asks for; `BackfillError` with one clear sentence if none."""
        problem, last = self.problem(), self.last_day
        if problem is not None or last is None:
            raise BackfillError(f"backfill: {problem}")
        try:
            return BackfillRequest(
                start=self.start,
                end=last,
                mode=self.mode,
                feeds=self.feeds,
                dry_run=self.dry_run,
                digest=self.digest,
            )
        except ValidationError as exc:  # defensive: the form's own checks come first
            raise BackfillError(f"backfill: {exc.errors()[0]['msg']}") from exc

    @classmethod
    def of(cls, request: BackfillRequest) -> BackfillForm:
        """The form that asks for `request` (the CLI's run of the flow)."""
        return cls(
            start=request.start,
            end=request.end,
            days=0,
            mode=request.mode,
            feeds=request.feeds,
            dry_run=request.dry_run,
            digest=request.digest,
        )
