"""OPML feed lists, read and written: what feed readers import and export.

    parse_opml(data) -> [OpmlFeed(url=..., title=...), ...];  render_opml(feeds) -> bytes

Pure. Hostile-XML safe: a document with a DOCTYPE or entity declaration is refused outright (OPML
needs neither), so there is nothing to expand and nothing external to load.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from extract.errors import FeedParseError
from extract.feeds.decode import ILLEGAL_XML, decode_xml, gunzip, prepare_xml
from extract.feeds.parse import single_line
from extract.feeds.xml import local_name


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str | None = None
    language: str | None = None
    html_url: str | None = None
    category: str | None = None  # the outline's `category`, else the folders it sits in


_DTD = re.compile(r"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds (outlines with an xmlUrl) of an OPML document, in document order.

    Hostile-XML safe: a document with a DOCTYPE or entity declaration is refused outright (OPML
    needs neither), so there is nothing to expand and nothing external to load.
    """
    if data[:2] == b"\x1f\x8b":
        data = gunzip(data)
    text, _encoding, _notes = decode_xml(data)
    if not text.strip():
        raise FeedParseError("empty body")
    if _DTD.search(text):
        raise FeedParseError("OPML with a DOCTYPE or ENTITY declaration is refused")
    prepared, cut_lines = prepare_xml(text)
    try:
        root = ET.fromstring(prepared.encode("utf-8"))
    except ET.ParseError as exc:
        line, _column = exc.position
        message = str(exc).split(":", 1)[0]
        raise FeedParseError(f"invalid XML at line {line + cut_lines}: {message}") from exc
    if local_name(root.tag) != "opml":
        raise FeedParseError(f"not an OPML document: the root element is <{local_name(root.tag)}>")
    feeds: list[OpmlFeed] = []
    _collect(root, (), feeds)
    return feeds


def _collect(element: ET.Element, folders: tuple[str, ...], feeds: list[OpmlFeed]) -> None:
    """Outlines with an xmlUrl, in document order; an outline without one is a folder whose
    text names the category of the feeds inside it."""
    for child in element:
        if local_name(child.tag) not in ("outline", "body"):
            continue
        attrs = {key.lower(): value for key, value in child.attrib.items()}
        url = (attrs.get("xmlurl") or "").strip()
        text_attr = single_line(attrs.get("text"))
        if not url:
            name = single_line(attrs.get("title")) or text_attr
            _collect(child, (*folders, name) if name else folders, feeds)
            continue
        title = single_line(attrs.get("title")) or (text_attr if text_attr != url else None)
        category = single_line(attrs.get("category")) or (" / ".join(folders) or None)
        feeds.append(
            OpmlFeed(
                url=url,
                title=title,
                language=single_line(attrs.get("language")),
                html_url=single_line(attrs.get("htmlurl")),
                category=category,
            )
        )


def _attr(value: str) -> str:
    return ILLEGAL_XML.sub("", value)


def render_opml(feeds: Iterable[OpmlFeed], *, title: str = "newswatch feeds") -> bytes:
    """An OPML 2.0 document listing `feeds` (flat, in the given order), UTF-8 encoded."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _attr(title)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": _attr(feed.title or feed.url)}
        if feed.title:
            attrs["title"] = _attr(feed.title)
        attrs["xmlUrl"] = _attr(feed.url)
        if feed.html_url:
            attrs["htmlUrl"] = _attr(feed.html_url)
        if feed.language:
            attrs["language"] = _attr(feed.language)
        if feed.category:
            attrs["category"] = _attr(feed.category)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
