"""An article page's metadata beside its text: title without the site's name, date, language.

Pure. Publication date: htmldate's original (not modified) date from the page's markup and URL,
refused when after `now`; the feed entry's timestamp when the page has no such date, and also when
it falls within a day of the page's date (it has a time of day); only without either is the page
text searched (`page_date(..., extensive=True)`), whose weakest clue is a year alone. Language:
py3langid on the extracted text when there is enough of it, else the page's declared language,
else py3langid on what little there is, else the feed's.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Final

import py3langid
from htmldate import find_date
from lxml.html import HtmlElement

from extract.models import FeedEntry

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
    text: str, declared: str | None, entry: FeedEntry | None, min_chars: int
) -> str | None:
    sample = text[:5000]
    if len(sample.strip()) >= min_chars:
        return str(py3langid.classify(sample)[0])
    if declared:
        return declared
    if sample.strip():
        return str(py3langid.classify(sample)[0])
    return entry.language if entry else None
