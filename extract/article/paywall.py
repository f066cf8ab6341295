"""Paywall signals on an article page, and a teaser without its sales pitch.

`strong_paywall_signals` and `weak_paywall_signals` name what a page shows, split by how much it
says (the weak half is the costly one, so a caller asks for it only when it would decide):

- strong: JSON-LD or microdata `isAccessibleForFree: false`; a paywall phrase ("subscribe to
  continue reading", "for subscribers only"...) in the extracted text;
- weak, because many free articles carry them too (metered sites mark every page): paywall CSS
  class or id names; a paywall phrase elsewhere in the page.

`extract.article` decides from these and the text's length whether the page is a teaser;
`strip_paywall_lines` then drops the phrases and short subscribe/log-in lines from the text kept.
Pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Final

from lxml.html import HtmlElement

_PAYWALL_CLASS: Final = re.compile(
    r"(?:^|[\s_-])(?:paywall|pay-wall|regwall|piano-(?:paywall|offer|inline)|tp-modal"
    r"|subscriber-only|subscribers-only|premium-(?:content|article|lock|teaser)|meteredcontent"
    r"|article-locked|content-locked|locked-content|gated-content|paid-content)(?:$|[\s_-])",
    re.IGNORECASE,
)
_PAYWALL_PHRASE: Final = re.compile(
    r"subscribe (?:now )?to (?:continue|keep) reading|subscribe to (?:read|unlock|access)"
    r"|to continue reading,? (?:please )?(?:subscribe|log ?in|sign ?in|become)"
    r"|(?:this|the) (?:article|story|content|post) is (?:only )?(?:available )?(?:for|to) "
    r"(?:paid |paying |premium )?(?:subscribers|members)"
    r"|(?:available|exclusive(?:ly)?) (?:only )?(?:for|to) (?:paid |paying |premium )?subscribers"
    r"|for subscribers only|subscribers only|subscriber-only content|members[- ]only (?:content|article)"
    r"|already a subscriber\?|read the full (?:article|story) with a subscription"
    r"|the rest of this (?:article|story) is"
    r"|nk pro (?:members|subscribers)|subscribe to nk pro|nk pro subscription"
    r"|unlock (?:this|the full) (?:article|story)|log in to read the (?:full|rest)",
    re.IGNORECASE,
)
_JSON_LD_XPATH: Final = '//script[@type="application/ld+json"]/text()'


def strong_paywall_signals(tree: HtmlElement, text: str) -> tuple[str, ...]:
    """JSON-LD or microdata `isAccessibleForFree: false`; a paywall phrase in the text."""
    strong: list[str] = []
    if _json_ld_not_free(tree) or tree.xpath(
        '//*[@itemprop="isAccessibleForFree"][translate(@content,"FALSE","false")="false"]'
    ):
        strong.append("isAccessibleForFree: false")
    in_text = _PAYWALL_PHRASE.search(text)
    if in_text:
        strong.append(f"'{in_text.group(0).lower()}' in the text")
    return tuple(strong)


def weak_paywall_signals(tree: HtmlElement, source: str, text: str) -> tuple[str, ...]:
    """Paywall CSS class or id names; a paywall phrase in the page (looked for only when the
    text has none: it would be the same phrase). The costly half: every class and id of the
    page, and the whole markup near subscription keywords."""
    weak: list[str] = []
    markup = _PAYWALL_CLASS.search(" ".join(str(v) for v in tree.xpath("//@class | //@id")))
    if markup:
        weak.append(f"paywall markup '{markup.group(0).strip(' _-')}'")
    in_page = None if _PAYWALL_PHRASE.search(text) else _find_paywall_phrase(source)
    if in_page:
        weak.append(f"'{in_page}' in the page")
    return tuple(weak)


_PHRASE_KEYWORDS: Final = ("subscri", "member", "unlock", "log in", "rest of this")


def _find_paywall_phrase(source: str) -> str | None:
    """The first paywall phrase in a whole page. The regex only runs near keywords: run over
    half a megabyte of markup, its alternation costs tens of milliseconds."""
    lower = source.lower()
    for keyword in _PHRASE_KEYWORDS:
        start = lower.find(keyword)
        while start >= 0:
            match = _PAYWALL_PHRASE.search(lower, max(0, start - 80), start + 120)
            if match:
                return match.group(0)
            start = lower.find(keyword, start + 1)
    return None


def _json_ld_not_free(tree: HtmlElement) -> bool:
    for raw in tree.xpath(_JSON_LD_XPATH):
        if "isaccessibleforfree" not in str(raw).lower():
            continue
        try:
            data = json.loads(str(raw))
        except ValueError:
            if re.search(r'"isAccessibleForFree"\s*:\s*"?false', str(raw), re.IGNORECASE):
                return True
            continue
        for value in _values_of(data, "isAccessibleForFree"):
            if value is False or (isinstance(value, str) and value.strip().lower() == "false"):
                return True
    return False


def _values_of(data: Any, key: str) -> Iterator[Any]:
    """Every value stored under `key`, at any depth (JSON-LD nests parts in @graph, hasPart)."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key:
                yield v
            else:
                yield from _values_of(v, key)
    elif isinstance(data, list):
        for item in data:
            yield from _values_of(item, key)


_CALL_TO_ACTION: Final = re.compile(r"subscri|log ?in\b|sign ?in\b|sign up|register", re.IGNORECASE)


def strip_paywall_lines(text: str) -> str:
    """A teaser without its sales pitch: paywall phrases and short subscribe/log-in lines."""
    lines = [
        line
        for line in text.split("\n")
        if not _PAYWALL_PHRASE.search(line)
        and not (len(line) < 80 and _CALL_TO_ACTION.search(line))
    ]
    return "\n".join(lines).strip()
