"""Text clean-up after extraction: lines kept by the extractor that are not the article.

`clean_text` drops a first line repeating the title, short cross-link lines ("Related: ...",
"Read more: ...") and short trailing page chrome ("Comments", "Share this article").
`tidy_text` readies a text to be shown (wire end markers such as KCNA's "-0-" dropped, words
glued by stripped markup separated). `strip_boilerplate_tail` drops outlets' boilerplate tails from a stored text (donation appeals,
letters invitations, newsletter sign-ups, "follow us" and copyright lines): only trailing
paragraphs are examined, and only short ones (a real closing paragraph that mentions a
subscription is kept). Pure.
"""

from __future__ import annotations

import re
from typing import Final

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


def clean_text(text: str, title: str | None = None) -> str:
    """`text` without the lines extraction often keeps but that are not the article.

    Removed: a first line (among the first three) that repeats the title; short cross-link lines
    ("Related: ...", "Read more: ...", "SEE MORE: ...", "Also on example.com ...", "DON'T MISS");
    short trailing lines ("Comments", "Tags", "Share this article", "Follow us on ...",
    newsletter sign-ups). Measured effect on the benchmark: docs/benchmarks/extraction.md.
    """
    lines = text.split("\n")
    wanted = _norm_tokens(title) if title else ""
    if wanted:
        for i, line in enumerate(lines[:3]):
            if _norm_tokens(line) == wanted:
                del lines[i]
                break
    lines = [line for line in lines if not _is_cross_link(line) and not _WIRE_END.fullmatch(line)]
    while lines and (not lines[-1].strip() or _is_trailing_chrome(lines[-1])):
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


_TOKEN: Final = re.compile(r"\w+")
# A wire story's end marker, alone on a line or closing the last paragraph: KCNA's "-0-", the
# "-30-" and "###" of press releases, "(END)" of Yonhap English, "(끝)", "/End/", "（完）".
_END_MARK = r"(?:-0-|- 0 -|-30-|###|\(END\)|\(끝\)|/End/|/END/|（完）|\(完\))"
_WIRE_END: Final = re.compile(rf"\s*{_END_MARK}\s*")
_WIRE_END_TAIL: Final = re.compile(rf"\s+{_END_MARK}\s*$")
# Words glued by stripped markup: "ComradeKim" (a run of at least four lower-case letters, then a
# capital: "McDonald", "iPhone" and "YouTube" stay), and the leaders' names KCNA sets in bold
# ("Kim Jong Unto the" -> "Kim Jong Un to the").
_GLUED_CAPITAL: Final = re.compile(r"(?<=[a-z]{4})(?=[A-Z][a-z])")
_GLUED_NAME: Final = re.compile(
    r"\b(Kim (?:Jong[ -]Un|Il[ -]Sung|Jong[ -]Il|Jong[ -]Suk|Yo[ -]Jong))(?=[a-z]{2,}\b)"
)


def tidy_text(text: str) -> str:
    """A text fit to show: wire end markers dropped, words glued by markup separated."""
    lines = [
        _WIRE_END_TAIL.sub("", line) for line in text.split("\n") if not _WIRE_END.fullmatch(line)
    ]
    tidied = "\n".join(lines)
    tidied = _GLUED_CAPITAL.sub(" ", tidied)
    return _GLUED_NAME.sub(r"\1 ", tidied).strip()


_CROSS_LINK: Final = re.compile(
    r"^\W*(?:(?:related(?: post| articles?| stories| content)?|read more|read also|see more|see also"
    r"|more|also|watch|listen|recommended|most read(?: in [\w ]+)?|you may also like"
    r"|you might also like|don'?t miss|more on this story)\s*(?::|\||$)"
    r"|also on [\w-]+(?:\.[\w-]+)+\b)",
    re.IGNORECASE,
)


_TRAILING_CHROME: Final = re.compile(
    r"^(?:\d*\s*comments?|tags?:?|filed under:.*|share(?: this(?: article| story| post)?)?"
    r"|like this story\?.*|tell us what you think.*|you may also like.*"
    r"|(?:subscribe|sign up)\b.*\bnewsletters?\b.*|follow (?:us|@?[\w.]+) on .*)$",
    re.IGNORECASE,
)


_MAX_CHROME_LINE: Final = 200


def _norm_tokens(text: str) -> str:
    return " ".join(_TOKEN.findall(text.lower()))


def _is_cross_link(line: str) -> bool:
    stripped = line.strip()
    return 0 < len(stripped) < _MAX_CHROME_LINE and bool(_CROSS_LINK.match(stripped))


def _is_trailing_chrome(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) < _MAX_CHROME_LINE and bool(_TRAILING_CHROME.match(stripped))
