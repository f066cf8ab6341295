"""Read the configured feed list: the TOML of `seeds/feeds.toml`, or an OPML export.

    load_feed_list(Path("seeds/feeds.toml")) -> [FeedSpec(url=..., source=..., ...), ...]

A malformed list is an operator error and raises `FeedListError` naming the file and the entry.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from extract.models import FeedSpec


class FeedListError(ValueError):
    """The feed list file cannot be used; the message says where and why."""


def check_feed_url(url: object, where: str = "feed") -> str:
    """The URL, stripped, if it is an absolute http(s) URL; else FeedListError."""
    if not isinstance(url, str) or not url.strip():
        raise FeedListError(f"{where}: 'url' is missing")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FeedListError(f"{where}: {url!r} is not an http(s) URL")
    return url


def parse_feed_list_toml(data: bytes, *, name: str = "feed list") -> list[FeedSpec]:
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FeedListError(f"{name}: not valid TOML: {exc}") from exc
    raw = doc.get("feeds")
    if not isinstance(raw, list):
        raise FeedListError(f"{name}: expected [[feeds]] tables")
    specs: list[FeedSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        where = f"{name}, feed #{index}"
        if not isinstance(item, dict):
            raise FeedListError(f"{where}: expected a table")
        unknown = set(item) - {"url", "title", "source", "language", "topic", "note"}
        if unknown:
            raise FeedListError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        url = check_feed_url(item.get("url"), where)
        if url in seen:
            continue
        seen.add(url)
        specs.append(
            FeedSpec(
                url=url,
                title=_opt_str(item, "title", where),
                source=_opt_str(item, "source", where),
                language=_opt_str(item, "language", where),
                topic=_opt_str(item, "topic", where),
                note=_opt_str(item, "note", where),
            )
        )
    return specs


def _opt_str(item: dict[str, object], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FeedListError(f"{where}: {key!r} must be a string")
    return value.strip() or None


def load_feed_list(path: Path) -> list[FeedSpec]:
    """Feeds from a TOML list or an OPML file (told apart by content, not by name)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedListError(f"cannot read feed list {path}: {exc.strerror or exc}") from exc
    if is_opml(data):
        specs, problems = opml_feeds(data, name=str(path))
        if problems:
            raise FeedListError(problems[0])
        return specs
    return parse_feed_list_toml(data, name=str(path))


def is_opml(data: bytes) -> bool:
    """Whether the bytes start like an XML (OPML) document rather than TOML."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    return head.startswith(b"<?xml") or head.startswith(b"<opml")


def opml_feeds(data: bytes, *, name: str = "OPML file") -> tuple[list[FeedSpec], list[str]]:
    """The usable feeds of an OPML document, and a line for each outline that is not usable
    (an import keeps the good ones). A document that is not OPML at all raises FeedListError.
    The outline's category (or its folder) becomes the feed's topic."""
    from extract.feeds.opml import parse_opml

    try:
        outlines = parse_opml(data)
    except ValueError as exc:
        raise FeedListError(f"{name}: not a usable OPML file: {exc}") from exc
    specs: list[FeedSpec] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, o in enumerate(outlines, start=1):
        try:
            url = check_feed_url(o.url, f"{name}, outline #{index}")
        except FeedListError as exc:
            problems.append(str(exc))
            continue
        if url in seen:
            continue
        seen.add(url)
        specs.append(
            FeedSpec(url=url, title=o.title, source=o.title, language=o.language, topic=o.category)
        )
    return specs, problems


def feed_list_origin(path: Path) -> str:
    """How the feeds table names the list a feed came from: its resolved path."""
    return str(path.resolve())
