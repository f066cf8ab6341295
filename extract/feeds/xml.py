"""Untrusted XML, parsed safely, and the names of its elements without their namespaces.

Shared by the feed-archive, sitemap and OPML parsers: no entities, no network, no DTD, broken
markup recovered where possible. Pure.
"""

from __future__ import annotations

from lxml import etree


def xml_root(body: bytes) -> etree._Element | None:
    """Parse untrusted XML: no entities, no network, no DTD; broken markup recovered if possible."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
    )
    try:
        root = etree.fromstring(body.lstrip(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root


def local_name(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def namespace_of(tag: object) -> str:
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""
