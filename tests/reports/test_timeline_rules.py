"""The timeline's category rules (reports/timeline.py): explainable, headline first, ties fixed."""

from __future__ import annotations

import pytest

from reports.stories.entities import Entities
from reports.timeline import CATEGORIES, DEFAULT, RULES, categorise, category_slug


def read(body: set[str], head: set[str] | None = None, title: set[str] | None = None) -> Entities:
    head = head if head is not None else set()
    title = title if title is not None else set()
    return Entities(
        head=frozenset(head | title),
        body=frozenset(body | head | title),
        kinds=frozenset(),
        actors=frozenset(),
        title=frozenset(title),
    )


def test_every_rule_names_a_known_category() -> None:
    assert {category for category, _ in RULES.values()} == set(CATEGORIES)


def test_the_headline_outweighs_background_in_the_text() -> None:
    # A visit that recalls the treaty is a visit; a treaty in the headline is the treaty.
    visit = categorise([read({"agreement:csp_treaty_2024"}, title={"event:visit", "event:talks"})])
    assert visit.category == "diplomacy"
    treaty = categorise([read({"event:visit"}, title={"agreement:csp_treaty_2024"})])
    assert treaty.category == "treaties"


def test_the_reason_names_what_decided_in_how_many_reports() -> None:
    decided = categorise(
        [read({"event:munitions", "equipment:artillery_shells"}), read({"event:munitions"})],
        {"event:munitions": "munitions", "equipment:artillery_shells": "artillery shells"},
    )
    assert decided.category == "arms"
    assert decided.reason == "munitions in 2 of 2 reports, artillery shells in 1 of 2 reports"


def test_nothing_matched_falls_back_and_says_so() -> None:
    decided = categorise([read({"person:putin", "country:russia"})])
    assert decided.category == DEFAULT and "no rule matched" in decided.reason


def test_ties_go_to_the_earlier_category() -> None:
    weight = RULES["event:labour"][1]
    assert RULES["event:education"][1] == weight
    tied = categorise([read({"event:labour", "event:education"})])
    assert list(CATEGORIES).index(tied.category) == min(
        list(CATEGORIES).index("economy"), list(CATEGORIES).index("people")
    )


@pytest.mark.parametrize(
    ("given", "slug"),
    [
        ("arms", "arms"),
        ("Arms and munitions transfers", "arms"),
        ("ECONOMY TRANSPORT AND LABOUR", "economy"),
    ],
)
def test_categories_by_slug_or_label(given: str, slug: str) -> None:
    assert category_slug(given) == slug


def test_an_unknown_category_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown category 'weather'"):
        category_slug("weather")
