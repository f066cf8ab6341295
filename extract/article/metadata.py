"""An article page's metadata beside its text: title without the site's name, date, language.

Pure. `page_metadata` is trafilatura's `extract_metadata` restricted to the fields newswatch
keeps (title, author, canonical URL, site name, description, markup date): it skips categories,
tags and licence, which cost about a tenth of a page's extraction and are never stored, and the
author search when no class, id or like attribute holds a word that search looks for. Its fields
are those `extract_metadata` gives (a test holds them equal on the benchmark pages). Publication date: htmldate's original (not modified) date from the page's markup and URL,
refused when after `now`; the feed entry's timestamp when the page has no such date, and also when
it falls within a day of the page's date (it has a time of day); only without either is the page
text searched (`page_date(..., extensive=True)`), whose weakest clue is a year alone. Language:
py3langid on the extracted text when there is enough of it, else the page's declared language,
else py3langid on what little there is, else the feed's.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

import py3langid
from htmldate import find_date
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)

from extract.models import FeedEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageMetadata:
    """What `page_metadata` found; each field as trafilatura's `extract_metadata` gives it."""

    title: str | None
    author: str | None
    url: str | None
    sitename: str | None
    description: str | None
    date: str | None  # htmldate's, ISO "YYYY-MM-DD"


# Every test of trafilatura's author XPaths (`trafilatura.xpaths.AUTHOR_XPATHS`) needs one of these
# words in a class, id, itemprop, rel, data-testid or data-component value (case aside), or an
# <author> or <rel> element; tests/extract/article/test_metadata.py checks the XPaths against it.
AUTHOR_WORDS: Final = (
    "author",
    "byl",
    "bbl",
    "username",
    "screenname",
    "writer",
    "zuozhe",
    "bianji",
    "xiaobian",
    "channel-name",
    "submitted-by",
    "posted-by",
    "journalist-name",
)
_AUTHOR_ATTRIBUTES: Final = XPath(
    "//@class | //@id | //@itemprop | //@rel | //@data-testid | //@data-component",
    smart_strings=False,
)
_AUTHOR_ELEMENTS: Final = XPath("//author | //rel")


def may_name_an_author(tree: HtmlElement) -> bool:
    """False when no element of the page can match trafilatura's author XPaths, so that
    `extract_author` (a pruned deep copy of the page, then regex XPaths: a third of the metadata's
    cost) would find nothing."""
    values = " ".join(_AUTHOR_ATTRIBUTES(tree)).lower()
    return any(word in values for word in AUTHOR_WORDS) or bool(_AUTHOR_ELEMENTS(tree))


def page_metadata(
    tree: HtmlElement, default_url: str | None, date_config: dict[str, Any]
) -> PageMetadata:
    """Title, author, URL, site name, description and markup date of a parsed page.

    The steps of `trafilatura.extract_metadata` for these fields, in its order, without its
    categories, tags and licence. `date_config` is handed to htmldate's `find_date`.
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as exc:  # bugs in trafilatura's JSON-LD parser: as extract_metadata does
        log.warning("error in JSON metadata extraction: %s", exc)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author and may_name_an_author(tree):
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, default_url)
    metadata.date = find_date(tree, **{**date_config, "url": metadata.url})
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if (
            metadata.sitename
            and "." not in metadata.sitename
            and not metadata.sitename[0].isupper()
        ):
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.filedate = date_config.get("max_date")
    metadata.clean_and_trim()
    return PageMetadata(
        title=metadata.title,
        author=metadata.author,
        url=metadata.url,
        sitename=metadata.sitename,
        description=metadata.description,
        date=metadata.date,
    )


_TITLE_SEPARATOR: Final = re.compile(
    r"\s+(?:[|\-\u2013\u2014*\u00b7:]|::)\s+|\s*[\uff5c\u3163\uff1a]\s*"
)


_DATE_SEGMENT: Final = re.compile(r"^[\d\s./-]{6,}$")


def strip_site_suffix(title: str | None, site_name: str | None, url: str) -> str | None:
    """`title` without a trailing " | Site Name", " - site.com" or "：サイト" segment (nor a
    trailing date segment): the segment is dropped when it names the site (its name as the page
    gives it, or its host name)."""
    if not title:
        return title
    site = _label_key(site_name or "")
    host = _label_key(url.split("//", 1)[-1].split("/", 1)[0])
    for _ in range(3):
        cuts = list(_TITLE_SEPARATOR.finditer(title))
        if not cuts:
            break
        last = cuts[-1]
        head, tail = title[: last.start()].strip(), title[last.end() :].strip()
        key = _label_key(tail)
        names_site = len(key) >= 2 and (
            key == site or (len(key) >= 4 and site and (key in site or site in key)) or key in host
        )
        if len(head) < 10 or not (names_site or _DATE_SEGMENT.match(tail)):
            break
        title = head
    return title


def _label_key(text: str) -> str:
    """Lower case, accents and everything but letters and digits removed: "Börsen-Zeitung" and
    "borsenzeitung" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def clean_field(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def page_date(
    markup_date: str | None,
    url: str,
    tree: HtmlElement,
    now: datetime,
    entry: FeedEntry | None,
    *,
    extensive: bool,
) -> date | None:
    """The page's publication date, or None.

    htmldate's original date from markup and URL comes first, refused if after `now`. Without
    one, the feed's date is preferred (None here) over htmldate's search of the page text, which
    is run only when there is no feed date: with its upper bound it falls back to weak clues, a
    year alone ("2026" -> 2026-01-01) among them.
    """
    today = now.astimezone(UTC).date()
    found = _iso_date(markup_date)
    if found is not None:
        return found if found <= today else None
    if not extensive or (entry is not None and entry.published_at):
        return None
    guessed = _iso_date(
        find_date(
            tree, extensive_search=True, original_date=True, max_date=today.isoformat(), url=url
        )
    )
    return guessed if guessed is not None and guessed <= today else None


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def published_at_of(
    page_date: date | None, entry: FeedEntry | None, now: datetime
) -> datetime | None:
    """The page's date; the feed's timestamp when it falls within a day of it (it has a time of
    day) or when the page has no date. Never after `now`."""
    feed = entry.published_at if entry else None
    if feed is not None and feed.tzinfo is None:
        feed = feed.replace(tzinfo=UTC)
    if feed is not None and feed > now:
        feed = None
    if page_date is None:
        return feed
    if feed is not None and abs((feed.astimezone(UTC).date() - page_date).days) <= 1:
        return feed
    published = datetime(page_date.year, page_date.month, page_date.day, tzinfo=UTC)
    return published if published <= now else feed


def declared_language(tree: HtmlElement) -> str | None:
    candidates = [tree.get("lang"), tree.get("xml:lang")]
    candidates += tree.xpath(
        '//meta[@http-equiv="content-language" or @http-equiv="Content-Language"]/@content'
    )
    candidates += tree.xpath('//meta[@property="og:locale"]/@content')
    for value in candidates:
        if value:
            code = re.split(r"[-_,;\s]", str(value).strip().lower())[0]
            if 2 <= len(code) <= 3 and code.isalpha():
                return code
    return None


def detect_language(
    text: str,
    declared: Callable[[], str | None],
    entry: FeedEntry | None,
    *,
    min_chars: int,
    sample_chars: int,
) -> str | None:
    """py3langid on the first `sample_chars` of `text` when they hold `min_chars` (py3langid's
    cost grows with the text, its answer settles within a paragraph or two); else the page's
    declared language (`declared()`, asked only then); else py3langid on the little text there
    is; else the feed's."""
    sample = text[: max(sample_chars, min_chars)]
    if len(sample.strip()) >= min_chars:
        return str(py3langid.classify(sample)[0])
    declared_code = declared()
    if declared_code:
        return declared_code
    if sample.strip():
        return str(py3langid.classify(sample)[0])
    return entry.language if entry else None
