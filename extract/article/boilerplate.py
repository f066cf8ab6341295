"""Strip outlets' boilerplate tails from article text.

Many articles end with a few short lines that are not the article: donation appeals, letters
invitations, newsletter sign-ups, "follow us" and copyright lines. Only trailing paragraphs are
examined, and only short ones (a real closing paragraph that mentions a subscription is kept).
"""

from __future__ import annotations

import re

_TAIL_PATTERNS = [
    r"\bsupport (us|our journalism|independent journalism)\b",
    r"\bindependent journalism costs money\b",
    r"\bfor the price of a coffee\b",
    r"\b(write|email) to us\b",
    r"\bletters@",
    r"\bto be considered for publication\b",
    r"\b(sign up|subscribe) (for|to) (our|the) (free )?(daily |weekly )?newsletter\b",
    r"\bfollow us on\b",
    r"\ball rights reserved\b",
    r"^©",
    r"\bdonate( now)?\b",
    r"\bbecome a (member|subscriber|patron)\b",
    r"\bread more:?$",
    r"\bshare this article\b",
]
_TAIL = re.compile("|".join(_TAIL_PATTERNS), re.IGNORECASE)
_MAX_TAIL_LINE = 200  # characters; longer paragraphs are article text
_MAX_TAIL_LINES = 4


def strip_boilerplate_tail(text: str) -> str:
    """`text` without trailing boilerplate lines (and the blank lines around them)."""
    lines = text.rstrip().splitlines()
    removed = 0
    while lines and removed < _MAX_TAIL_LINES + 4:
        last = lines[-1].strip()
        if not last:
            lines.pop()
            continue
        if len(last) <= _MAX_TAIL_LINE and (_TAIL.search(last) or _is_button(last)):
            lines.pop()
            removed += 1
            continue
        break
    return "\n".join(lines).strip()


def _is_button(line: str) -> bool:
    """Very short title-case lines such as "Support Us" or "Subscribe"."""
    words = line.split()
    return 0 < len(words) <= 3 and line.lower() in {
        "support us",
        "subscribe",
        "donate",
        "sign up",
        "share",
        "advertisement",
        "subscribe now",
    }
