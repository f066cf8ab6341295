"""The one settings object.

Built once at an entry point (the CLI, a flow run) with `load_settings(**overrides)` and passed
down; nothing else reads the environment. Every field can be set as `NEWSWATCH_<FIELD>` in the
environment (or a `.env` file in the working directory); flags and flow parameters override it.

A bad value fails loudly at start-up with the name of the setting, never half-way through a run.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from extract.addresses import Network, parse_networks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
GAZETTEER = SEEDS_DIR / "gazetteer.toml"


_NETWORK_OR_HOST = re.compile(r"[A-Za-z0-9._:\-]+(?:/\d{1,3})?")


def _looks_numeric(item: str) -> bool:
    return ":" in item or "/" in item or item.replace(".", "").isdigit()


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"


class SettingsError(ValueError):
    """A setting has a value newswatch cannot use; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSWATCH_", env_file=".env", extra="ignore", frozen=True
    )

    # Storage
    db: Path = Field(Path("data/newswatch.duckdb"), description="DuckDB file")
    keep_raw_html: bool = Field(
        True, description="keep each page's HTML, compressed, for re-extraction"
    )
    keep_irrelevant_text: bool = Field(
        True, description="keep the full text of irrelevant articles"
    )
    lock_timeout_seconds: float = Field(
        600.0, gt=0, description="how long to wait for the database"
    )

    # Sources and reference data
    feeds: Path = Field(SEEDS_DIR / "feeds.toml", description="feed list: TOML or OPML")
    gazetteer: Path = Field(
        GAZETTEER,
        description="the gazetteer: names and cue words of relevance and stories",
    )
    seeds_dir: Path = Field(SEEDS_DIR, description="folder with the seed articles and index.json")
    story_model: Path = Field(
        SEEDS_DIR / "story_model.json",
        description="the story model: pair weights and threshold (fitted by bench/stories.py)",
    )

    # Fetching
    allow_private_networks: bool = Field(
        False, description="allow loopback addresses (127.0.0.0/8, ::1): local test sites"
    )
    allow_private: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="networks or host names that may be non-public, e.g. 127.0.0.1/32,10.1.2.0/24,"
        "bridge.lan (comma list); everything else private, link-local and metadata stays refused",
    )
    user_agent: str = "newswatch/0.1 (+https://github.com/newswatch/newswatch; news monitoring)"
    connect_timeout_seconds: float = Field(10.0, gt=0)
    read_timeout_seconds: float = Field(20.0, gt=0)
    max_feed_bytes: int = Field(8 * 1024 * 1024, gt=0)
    max_page_bytes: int = Field(5 * 1024 * 1024, gt=0)
    max_requests_per_host: int = Field(2, ge=1, le=8)
    max_parallel_hosts: int = Field(16, ge=1, le=64)
    poll_interval_minutes: float = Field(30.0, gt=0)
    unconditional_every_hours: float = Field(24.0, gt=0)
    max_backoff_hours: float = Field(24.0, gt=0)
    retry_after_cap_seconds: float = Field(6 * 3600.0, gt=0)
    page_batch_size: int = Field(100, ge=1, le=2000)
    extract_workers: int = Field(
        0,
        ge=0,
        le=64,
        description="processes that extract and judge pages; 0: one per core (in this process "
        "when there is one core); 1: in this process",
    )

    # Backfill discovery and `newswatch serve`
    discover_max_pages: int = Field(
        50, ge=1, le=1000, description="discover: feed pages per feed, sitemaps per site"
    )
    discover_max_urls: int = Field(
        2000, ge=1, description="discover: articles in the window per feed, at most"
    )
    prefect_host: str = Field("127.0.0.1", description="serve: address the Prefect server binds")
    prefect_port: int = Field(4200, ge=1, le=65535, description="serve: Prefect server port")
    local_runs: Literal["direct", "prefect"] = Field(
        "direct",
        description="poll/digest with no Prefect server configured or running: run the steps "
        "here (direct) or as a flow on a temporary Prefect server (prefect)",
    )

    # Digest
    timezone: str = Field("UTC", description="time zone of digest weeks (IANA name)")
    outbox: Path = Field(Path("outbox"), description="where digests go when no SMTP host is set")
    digest_from: str = "newswatch@localhost"
    digest_to: Annotated[list[str], NoDecode] = Field(default_factory=list)
    smtp_host: str | None = None
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = Field(
        None, description="revealed only by reports.send, at login; '**********' anywhere else"
    )
    smtp_security: SmtpSecurity = SmtpSecurity.NONE
    smtp_timeout_seconds: float = Field(30.0, gt=0)
    smtp_block: str | None = Field(
        None, description="Prefect Secret block holding SMTP settings as JSON (host, port, ...)"
    )
    translate_url: str | None = Field(
        None,
        description="a LibreTranslate-compatible API (base URL) for English headlines; none: gists only",
    )
    translate_api_key: SecretStr | None = Field(None, description="revealed only in the request")
    digest_archive: Path = Field(
        Path("data/digests"), description="every digest, kept as .eml/.html"
    )
    story_lookback_days: int = Field(
        14, ge=0, le=90, description="days before a window to group with"
    )
    failing_feed_polls: int = Field(
        3, ge=1, description="failed polls in a row after which the digest flags a feed as down"
    )

    # The archive site (pipeline/site.py)
    site_dir: Path | None = Field(
        None,
        description="where `newswatch site build` writes the site; default: site/ beside the db",
    )
    site_url: str | None = Field(
        None, description="public address of the site; the digest then links to its pages"
    )

    @field_validator("digest_to", mode="before")
    @classmethod
    def _split_recipients(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("allow_private", mode="before")
    @classmethod
    def _split_allowed(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("allow_private")
    @classmethod
    def _known_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _NETWORK_OR_HOST.fullmatch(item):
                raise ValueError(f"{item!r} is not an address, network or host name")
            if _looks_numeric(item):
                parse_networks([item])
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("site_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError(
                f"the site's address must start with http:// or https://, not {value!r}"
            )
        return value

    @property
    def site_folder(self) -> Path:
        """The archive site's folder: `site_dir`, else `site/` beside the database."""
        return self.site_dir or self.db.parent / "site"

    @property
    def allowed_networks(self) -> tuple[Network, ...]:
        """The networks of `allow_private` (its addresses and CIDR ranges)."""
        return parse_networks(i for i in self.allow_private if _looks_numeric(i))

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """The host names of `allow_private`."""
        return frozenset(i.lower() for i in self.allow_private if not _looks_numeric(i))

    @property
    def smtp_port_effective(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return {SmtpSecurity.SSL: 465, SmtpSecurity.STARTTLS: 587}.get(self.smtp_security, 25)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit overrides (flags, parameters) on top.

    Overrides that are None are ignored, so callers can pass optional flags straight through.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"NEWSWATCH_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"bad setting: {problems}") from exc
