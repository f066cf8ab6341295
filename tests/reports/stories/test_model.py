"""The story model's parts: figures and dates across languages, gazetteer entities across scripts,
average linkage that does not chain and keeps stored stories whole, and the shipped pair model."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.select import ArticleRow
from reports.stories.linkage import average_linkage
from reports.stories.model import FEATURES, ModelError, PairBatch, load_model
from reports.stories.numbers import calendar_days, quantities, years
from reports.stories.profile import Rarity
from tests.reports.story_context import SEEDS, context_for

T0 = datetime(2026, 11, 12, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "6,000 troops",
        "6 000 военных",
        "около 6 тыс. военных",
        "병력 6천 명",
        "六千人",
        "6.000 Soldaten",
        "6 bin asker",
        "6 آلاف جندي",
        "6 tysięcy żołnierzy",
    ],
)
def test_one_figure_in_every_language_is_one_value(text: str) -> None:
    assert quantities(text) == {6000}


def test_figures_keep_decimals_before_multipliers_and_leave_years_and_dates_alone() -> None:
    assert quantities("1.5 million shells") == quantities("1,5 Millionen Granaten") == {1_500_000}
    assert quantities("1만 2천") == {10_000, 2_000}
    assert quantities("in 2024, on 19 June") == set()
    assert years("in 2024, on 19 June, since 1953") == {2024}


@pytest.mark.parametrize(
    "text",
    [
        "on 19 June 2024",
        "June 19, 2024",
        "19 июня",
        "6월 19일",
        "6月19日",
        "19/6/2024",
        "2024-06-19",
        "19. Juni",
        "le 19 juin",
        "19 de junio",
        "19 czerwca",
        "19 Haziran",
        "ngày 19 tháng 6",
    ],
)
def test_one_date_in_every_language_is_one_calendar_day(text: str) -> None:
    assert calendar_days(text) == {(6, 19)}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_figures_and_dates_never_raise(text: str) -> None:
    quantities(text)
    calendar_days(text)
    years(text)


def row(
    n: int, title: str, text: str, language: str, *, hours: float = 0, outlet: str = "X"
) -> ArticleRow:
    when = T0 + timedelta(hours=hours)
    return ArticleRow(
        id=n,
        url=f"https://news{n}.example/{n}",
        title=title,
        text=text,
        language=language,
        first_seen_at=when,
        published_at=when,
        source=outlet,
    )


VISIT = [
    row(
        1,
        "Lavrov arrives in Pyongyang for talks with Choe Son Hui",
        "Russian Foreign Minister Sergei Lavrov arrived in Pyongyang on Thursday for talks with "
        "North Korean Foreign Minister Choe Son Hui.",
        "en",
        outlet="Wire",
    ),
    row(
        2,
        "Лавров прибыл в Пхеньян для переговоров с Чхве Сон Хи",
        "Министр иностранных дел России Сергей Лавров прибыл в Пхеньян, где проведет переговоры "
        "с главой МИД КНДР Чхве Сон Хи.",
        "ru",
        hours=1,
        outlet="Vesti",
    ),
    row(
        3,
        "라브로프 러시아 외무장관 평양 도착…최선희와 회담",
        "세르게이 라브로프 러시아 외무장관이 평양에 도착해 최선희 외무상과 회담했다.",
        "ko",
        hours=2,
        outlet="Ilbo",
    ),
]
SHELLS = row(
    4,
    "North Korea shipped 12,000 containers of munitions to Russia, NIS says",
    "North Korea has shipped about 12,000 containers of artillery shells to Russia since August, "
    "South Korea's National Intelligence Service told lawmakers.",
    "en",
    hours=3,
    outlet="Courier",
)


def test_the_gazetteer_names_one_person_alike_in_every_script() -> None:
    context = context_for(VISIT)
    heads = [p.head_entities for p in context.profiles(VISIT)]
    shared = heads[0] & heads[1] & heads[2]
    assert any("lavrov" in entity.lower() for entity in shared), heads
    assert any("choe" in entity.lower() for entity in shared), heads


def test_translations_score_high_and_another_development_with_the_same_actors_low() -> None:
    rows = [*VISIT, SHELLS]
    context = context_for(rows)
    batch = PairBatch(context.profiles(rows), context.model.background)
    same = context.model.probabilities(batch.features([(0, 1), (0, 2), (1, 2)]))
    other = context.model.probabilities(batch.features([(0, 3), (1, 3), (2, 3)]))
    assert min(same) > context.model.threshold > max(other)


def test_average_linkage_does_not_chain_through_one_bridging_item() -> None:
    # 0-1 and 2-3 are two stories; 1-2 alone is strong (one report recalls the other story)
    labels = average_linkage(4, [(0, 1), (2, 3), (1, 2)], [0.95, 0.95, 0.9], 0.6)
    assert labels[0] == labels[1] != labels[2] == labels[3]


def test_stored_stories_never_merge_and_new_items_may_join_them() -> None:
    pairs = [(0, 1), (0, 2), (1, 2), (2, 3)]
    labels = average_linkage(4, pairs, [0.9, 0.9, 0.9, 0.9], 0.5, fixed=[7, 8, None, None])
    assert labels[0] != labels[1]  # two stored stories
    assert labels[2] in (labels[0], labels[1])
    copies = average_linkage(3, [], [], 0.5, must_link=[(0, 2)])
    assert copies[0] == copies[2] != copies[1]


def test_rarity_makes_ubiquitous_features_cheap() -> None:
    rarity = Rarity.of([{"putin", f"x{n}"} for n in range(20)])
    assert rarity.idf["putin"] < 0.1 < rarity.idf["x3"] <= rarity.default
    assert rarity.jaccard(frozenset({"putin", "x1"}), frozenset({"putin", "x1"})) == 1.0
    assert rarity.jaccard(frozenset(), frozenset({"putin"})) == 0.0


def test_the_shipped_model_fits_this_code_and_was_fitted_by_the_bench() -> None:
    model = load_model(SEEDS / "story_model.json")
    assert model.features == FEATURES and len(model.coefficients) == len(FEATURES)
    assert 0 < model.threshold < 1
    assert "bench.stories" in str(model.about.get("command"))


def test_a_model_of_other_features_is_refused_with_the_command_to_refit(tmp_path: Path) -> None:
    stale = json.loads((SEEDS / "story_model.json").read_text(encoding="utf-8"))
    stale["features"] = stale["features"][:-1]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(stale), encoding="utf-8")
    with pytest.raises(ModelError, match=r"bench\.stories --fit"):
        load_model(path)
