"""The timeline's category rules (reports/timeline.py): explainable, headline first, ties fixed."""

from __future__ import annotations

import pytest

from reports.categories import CATEGORIES, DEFAULT
from reports.stories.entities import Entities
from reports.timeline import RULES, categorise, category_slug


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


# Developments of the labelled real reports (tests/fixtures/stories/) whose category no analyst
# would argue about; the rules must file each of them there.
CLEAR = {
    "2024-03-un-veto-panel-of-experts": "sanctions",
    "2024-04-unga-veto-debate": "sanctions",
    "2024-10-russia-ratifies-treaty": "treaties",
    "2024-12-treaty-enters-into-force": "treaties",
    "2024-10-nis-troops-to-russia": "military",
    "2025-01-ukraine-captures-nk-soldiers": "military",
    "2023-11-nis-million-shells": "arms",
    "2024-01-us-nk-missiles-disclosure": "arms",
    "2025-07-moscow-pyongyang-flights-launched": "economy",
    "2025-06-moscow-pyongyang-train-resumes": "economy",
    "2025-04-tumen-road-bridge-construction": "economy",
    "2024-07-children-friendship-camp": "people",
    "2024-06-putin-pyongyang": "diplomacy",
    "2023-10-lavrov-pyongyang": "diplomacy",
    "2024-09-shoigu-pyongyang": "diplomacy",
}


def test_clear_real_developments_are_filed_where_an_analyst_would() -> None:
    from collections import defaultdict
    from pathlib import Path

    from extract.relevance.terms import load_topic_terms
    from reports.stories.entities import EntityReader
    from testkit.archive_site import labelled_reports

    reader = EntityReader(
        load_topic_terms(Path(__file__).resolve().parents[2] / "seeds" / "gazetteer.toml")
    )
    reports = defaultdict(list)
    for report in labelled_reports():
        if report.development in CLEAR:
            reports[report.development].append(
                reader.read(report.title, report.text, report.language)
            )
    assert set(reports) == set(CLEAR)
    filed = {d: categorise(readings).category for d, readings in reports.items()}
    assert filed == CLEAR
