"""Story assignment and continuing coverage (reports/stories/) on the synthetic fixture weeks.

The fixture (tests/fixtures/digest/weeks.json, SYNTHETIC) labels every article with the development
it belongs to; the clustering must reproduce that grouping exactly: one wire story in three outlets
(two copies), a visit reported in English, Russian and Korean, a munitions report whose English lead
mentions the visit (must stay separate), a one-outlet story, and in the next week a follow-up, a
story that continues a seed article, and a new story in two languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from reports.select import ArticleRow, DigestWindow, Pointer, group_by_story
from reports.stories.grouping import Assignment
from reports.stories.grouping import assign_stories as assign
from reports.stories.model import PairBatch
from reports.stories.novelty import PriorStory, prior_from_rows
from reports.stories.novelty import find_earlier as find_all
from tests.reports.fixture_weeks import SEED_TERMS, expected_copies, expected_stories, fixture_data
from tests.reports.story_context import context_for


def assign_stories(rows: Sequence[ArticleRow]) -> list[Assignment]:
    return assign(rows, context_for(rows))


def find_earlier(
    rows: Sequence[ArticleRow],
    window_start: datetime,
    priors: Sequence[PriorStory],
    *,
    digest_keys: dict[int, str] | None = None,
) -> Pointer | None:
    """`novelty.find_earlier` for one story."""
    every = [*rows, *(r for p in priors for r in p.rows)]
    window = DigestWindow(window_start, window_start + timedelta(days=7), "UTC", "test")
    return find_all({0: rows}, window, priors, context_for(every), digest_keys=digest_keys)[0]


WEEK_B_START = datetime(2026, 11, 16, tzinfo=UTC)


def fixture_rows() -> dict[str, ArticleRow]:
    data = fixture_data()
    sources = {f["url"]: f["source"] for f in data["feeds"]}
    rows = {}
    for n, a in enumerate(data["articles"], 1):
        if a["relevant"]:
            rows[a["key"]] = ArticleRow(
                id=n,
                url=a["url"],
                title=a["title"],
                text=a["text"],
                language=a["language"],
                first_seen_at=datetime.fromisoformat(a["first_seen_at"]),
                published_at=datetime.fromisoformat(a["published_at"]),
                source=sources[a["feed"]],
                relevance_terms=tuple(a["terms"]),
            )
    return rows


def applied(rows: dict[str, ArticleRow]) -> dict[str, ArticleRow]:
    decided = {a.article_id: a for a in assign_stories(list(rows.values()))}
    return {
        key: replace(r, story_id=decided[r.id].story_id, duplicate_of=decided[r.id].duplicate_of)
        if r.id in decided
        else r
        for key, r in rows.items()
    }


def grouping(rows: dict[str, ArticleRow]) -> set[frozenset[str]]:
    by_story: dict[int | None, set[str]] = {}
    for key, r in rows.items():
        by_story.setdefault(r.story_id, set()).add(key)
    return {frozenset(keys) for keys in by_story.values()}


def expected_grouping() -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for key, story in expected_stories().items():
        if story:
            groups.setdefault(story, set()).add(key)
    return {frozenset(keys) for keys in groups.values()}


def test_fixture_weeks_cluster_into_the_labelled_developments() -> None:
    rows = applied(fixture_rows())
    assert grouping(rows) == expected_grouping()
    ids = {r.id: key for key, r in rows.items()}
    copies = {key: ids[r.duplicate_of] for key, r in rows.items() if r.duplicate_of}
    assert copies == expected_copies()
    # A story's id is its first article's id.
    assert rows["bridge-herald"].story_id == rows["bridge-wire"].id
    assert rows["bridge-ratified"].story_id == rows["bridge-wire"].id
    assert rows["lavrov-ko"].story_id == rows["lavrov-en"].id


def test_assignment_is_incremental_and_stable() -> None:
    rows = fixture_rows()
    week_a = {k: r for k, r in rows.items() if r.first_seen_at < WEEK_B_START}
    first = applied(week_a)
    # Rerunning over rows that all have a story decides nothing.
    assert assign_stories(list(first.values())) == []
    # The next week: earlier articles keep their stories, new ones join or start stories.
    second = applied({**first, **{k: r for k, r in rows.items() if k not in week_a}})
    assert all(second[k].story_id == first[k].story_id for k in first)
    assert grouping(second) == expected_grouping()
    # Same answer as clustering both weeks at once.
    assert {k: r.story_id for k, r in second.items()} == {
        k: r.story_id for k, r in applied(rows).items()
    }


def test_a_lead_mentioning_the_other_development_does_not_chain_the_two() -> None:
    rows = fixture_rows()
    shells = rows["shells-courier"]
    lead = (
        "As Russian Foreign Minister Sergei Lavrov held talks with Choe Son Hui in Pyongyang, "
        "South Korea's spy agency said the North had kept shipping munitions to Russia. "
    )
    rows["shells-courier"] = replace(
        shells,
        text=lead + (shells.text or ""),
        relevance_terms=(*shells.relevance_terms, "nk:Choe Son Hui", "link:talks", "link:visit"),
    )
    assert grouping(applied(rows)) == expected_grouping()


def priors_for_week_b(rows: dict[str, ArticleRow]) -> list[PriorStory]:
    earlier = [r for r in rows.values() if r.first_seen_at < WEEK_B_START]
    return [
        prior_from_rows(group, kind="digest", digest_key="2026-W46")
        for group in group_by_story(earlier).values()
    ]


def seed_rows() -> list[ArticleRow]:
    from extract.article.seeds import read_seed_articles
    from tests.reports.fixture_weeks import SEEDS

    return [
        ArticleRow(
            id=1000 + n,
            url=s.url,
            title=s.title,
            text=s.text,
            language=s.language,
            first_seen_at=s.reference_date or WEEK_B_START,
            published_at=s.published_at,
            source=s.outlet,
            relevance_terms=SEED_TERMS[s.file],
            is_seed=True,
            reason=f"seed article ({s.kind}): {s.about_event}",
        )
        for n, s in enumerate(read_seed_articles(SEEDS))
    ]


def test_follow_up_and_seed_related_stories_are_continuing_the_rest_new() -> None:
    rows = applied(fixture_rows())
    week_b = [r for r in rows.values() if r.first_seen_at >= WEEK_B_START]
    stories = group_by_story(week_b)
    whole = group_by_story(rows.values())
    seeds = [prior_from_rows([s], kind="seed") for s in seed_rows()]
    digest_keys = {
        r.story_id: "2026-W46"
        for r in rows.values()
        if r.first_seen_at < WEEK_B_START and r.story_id is not None
    }
    priors = seeds + [p for p in priors_for_week_b(rows)]
    verdicts = {
        rows_[0].title: find_earlier(whole[sid], WEEK_B_START, priors, digest_keys=digest_keys)
        for sid, rows_ in stories.items()
    }
    follow_up = verdicts[rows["bridge-ratified"].title]
    assert follow_up is not None and follow_up.kind == "digest"
    assert follow_up.digest_key == "2026-W46"
    assert follow_up.headline == rows["bridge-wire"].title
    # The 2026 treaty commission names the treaty the June 2024 seed is about, but it is another
    # development, two years on: new. (A report of the visit itself continues the seed: below.)
    assert verdicts[rows["treaty-commission"].title] is None
    assert verdicts[rows["workers-en"].title] is None  # a new development


def test_a_report_of_the_seeds_own_development_points_to_the_seed() -> None:
    landed = datetime(2024, 6, 19, 2, tzinfo=UTC)
    report = ArticleRow(
        id=900,
        url="https://wire.example/2024/06/19/putin-pyongyang",
        title="Putin arrives in Pyongyang for a state visit, meets Kim Jong Un",
        text="Russian President Vladimir Putin arrived in Pyongyang early on Wednesday for a "
        "two-day state visit to North Korea, his first in 24 years, and was greeted by Kim Jong "
        "Un. The two leaders are expected to sign a comprehensive strategic partnership treaty.",
        language="en",
        first_seen_at=landed,
        published_at=landed,
        source="Wire",
    )
    seeds = [prior_from_rows([s], kind="seed") for s in seed_rows()]
    pointer = find_earlier([report], landed - timedelta(days=2), seeds)
    assert pointer is not None and pointer.kind == "seed" and pointer.outlet == "Reaction"


def test_a_follow_up_outside_the_look_back_is_found_through_the_earlier_digest() -> None:
    rows = applied(fixture_rows())
    # The ratification clustered on its own (as when the look-back no longer reaches the deal):
    ratified = replace(rows["bridge-ratified"], story_id=rows["bridge-ratified"].id)
    priors = priors_for_week_b(rows)
    pointer = find_earlier([ratified], WEEK_B_START, priors)
    assert pointer is not None and pointer.kind == "digest" and pointer.digest_key == "2026-W46"
    assert pointer.headline == rows["bridge-wire"].title
    # Without earlier digests or seeds to compare with it would be new.
    assert find_earlier([ratified], WEEK_B_START, []) is None
    # Week A's stories are all new against the seeds.
    week_a = group_by_story(r for r in rows.values() if r.first_seen_at < WEEK_B_START)
    seeds = [prior_from_rows([s], kind="seed") for s in seed_rows()]
    start = WEEK_B_START - timedelta(days=7)
    assert [find_earlier(g, start, seeds) for g in week_a.values()] == [None] * 4


def kcna(n: int, title: str, text: str, *, outlet: str = "KCNA", hours: int = 0) -> ArticleRow:
    when = WEEK_B_START + timedelta(hours=hours)
    return ArticleRow(
        id=n,
        url=f"https://kcna.example/{n}",
        title=title,
        text=text,
        language="en",
        first_seen_at=when,
        published_at=when,
        source=outlet,
        relevance_terms=("nk:Kim Jong Un", "ru:Russia"),
    )


GREETINGS = (
    "Pyongyang, November 16 (KCNA) -- Respected Comrade Kim Jong Un, general secretary of "
    "the Workers' Party of Korea and president of the State Affairs of the DPRK, received "
    "greetings from {who} on the occasion of the anniversary."
)


def test_one_outlets_templated_items_are_separate_stories_but_others_can_join_them() -> None:
    rows = [
        kcna(
            1,
            "Respected Comrade Kim Jong Un Receives Greetings from Russian President",
            GREETINGS.format(who="Vladimir Putin, president of the Russian Federation"),
        ),
        kcna(
            2,
            "Respected Comrade Kim Jong Un Receives Greetings from Chairman of United Russia Party",
            GREETINGS.format(
                who="Dmitry Medvedev, chairman of the United Russia Party and deputy chairman of "
                "the Security Council of the Russian Federation"
            ),
            hours=2,
        ),
        kcna(
            3,
            "Kim Jong Un receives anniversary greetings from Russian President Putin",
            outlet="Korea Courier",
            hours=3,
            text="North Korean leader Kim Jong Un received greetings from Russian President "
            "Vladimir Putin on the anniversary, the Korean Central News Agency said.",
        ),
    ]
    # The two KCNA items score far above the threshold with each other, yet stay apart.
    assert kcna_pair_score(rows) > 0.5
    decided = {a.article_id: a.story_id for a in assign_stories(rows)}
    assert decided == {1: 1, 2: 2, 3: 1}
    # Continuing coverage follows the same rule: last week's one-outlet item of the same outlet
    # does not make this week's one-outlet item "continuing".
    prior = prior_from_rows([rows[0]], kind="digest", digest_key="2026-W46")
    later = replace(rows[1], first_seen_at=WEEK_B_START + timedelta(days=7))
    assert find_earlier([later], later.first_seen_at, [prior]) is None
    other = replace(rows[2], id=4, first_seen_at=WEEK_B_START + timedelta(days=7))
    pointer = find_earlier([other], other.first_seen_at, [prior])
    assert pointer is not None and pointer.digest_key == "2026-W46"


def kcna_pair_score(rows: list[ArticleRow]) -> float:
    context = context_for(rows)
    batch = PairBatch(context.profiles(rows))
    return float(context.model.probabilities(batch.features([(0, 1)]))[0])
