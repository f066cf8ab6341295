"""`page_metadata` gives what trafilatura's `extract_metadata` gives for the fields newswatch keeps.

It is `extract_metadata` without categories, tags and licence. These tests hold the two equal on
the 40 Zyte pages of the quality gate and on small pages: an author element that trafilatura's
pruning removes (a comment's), one it keeps, none.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import trafilatura
from trafilatura.xpaths import AUTHOR_XPATHS

from bench.extraction import load_zyte
from extract.article.metadata import AUTHOR_WORDS, page_metadata

SUBSET = Path(__file__).resolve().parents[2] / "fixtures" / "extraction" / "zyte"
FIELDS = ("title", "author", "url", "sitename", "description", "date")


def date_config() -> dict[str, Any]:
    return {"original_date": True, "extensive_search": False, "max_date": "2036-01-01"}


def both(html: str, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    tree = trafilatura.load_html(html)
    assert tree is not None
    upstream = trafilatura.extract_metadata(tree, default_url=url, date_config=date_config())
    ours = page_metadata(tree, url, date_config())
    return (
        {field: getattr(upstream, field) for field in FIELDS},
        {field: getattr(ours, field) for field in FIELDS},
    )


def test_same_fields_as_extract_metadata_on_the_gate_pages() -> None:
    pages, truth = load_zyte(SUBSET)
    found = {field: 0 for field in FIELDS}
    for key, body in pages.items():
        upstream, ours = both(body.decode("utf-8"), truth[key]["url"])
        assert ours == upstream, key
        for field in FIELDS:
            found[field] += ours[field] is not None
    # the comparison means something only if every field is found on some pages
    assert all(count >= 5 for count in found.values()), found


PAGE = """<html><head><title>Talks in Vladivostok | Example Times</title></head><body>
<h1>Talks in Vladivostok</h1>{byline}
<p>The two leaders met on Tuesday for talks that lasted several hours, officials said.</p>
</body></html>"""


@pytest.mark.parametrize(
    ("byline", "author"),
    [
        ('<p class="byline">Anna Petrova</p>', "Anna Petrova"),
        ('<div class="comments"><span class="author">Some Commenter</span></div>', None),
        ("", None),
    ],
)
def test_author_as_extract_metadata_finds_it(byline: str, author: str | None) -> None:
    upstream, ours = both(PAGE.format(byline=byline), "https://example.org/a")
    assert ours == upstream
    assert ours["author"] == author


def test_author_words_cover_every_test_of_trafilaturas_author_xpaths() -> None:
    """`may_name_an_author` skips the author search on pages with none of AUTHOR_WORDS: every
    literal the author XPaths compare an attribute with must contain one of them."""
    literals: list[str] = []
    for expression in AUTHOR_XPATHS:
        for literal in re.findall(r"'([^']*)'", expression.path):
            literals += literal.split("|")
    assert len(literals) > 20, literals  # the XPaths were read
    # 'me' is the text of a <rel> child (may_name_an_author looks for <rel> elements)
    uncovered = [
        literal
        for literal in literals
        if literal != "me"
        and not any(
            word in re.sub(r"\[(\w)\w\]|-\?", r"\1", literal).lower() for word in AUTHOR_WORDS
        )
    ]
    assert not uncovered
    attributes = set(re.findall(r"@([\w-]+)", " ".join(e.path for e in AUTHOR_XPATHS)))
    assert attributes <= {"class", "id", "itemprop", "rel", "data-testid", "data-component"}
    elements = set(re.findall(r"//(\w+)", " ".join(e.path for e in AUTHOR_XPATHS))) - {"*"}
    assert elements <= {"author"}, elements
