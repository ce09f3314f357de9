"""The question parser against its golden cases (evals/parser_cases.jsonl), and filters with polarity."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.records.corpus import load_corpus
from assistant.retrieve.hybrid import Catalog
from assistant.retrieve.query import Filters, plan_query
from tests.helpers import ROOT, SEEDS

RECORDS = load_corpus([SEEDS]).records
VENUES = sorted({r.venue for r in RECORDS if r.venue})
TRACKS = sorted({r.track for r in RECORDS if r.track})
YEARS = sorted({r.year for r in RECORDS if r.year})
CASES = [json.loads(line) for line in (ROOT / "evals" / "parser_cases.jsonl").read_text("utf-8").splitlines()]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_parser_case(case: dict) -> None:
    expected = {k: v for k, v in case.items() if k not in ("id", "question", "lang")}  # the plan as to_dict gives it
    assert plan_query(case["question"], VENUES, TRACKS, YEARS).to_dict() == expected


def test_cases_cover_both_languages_and_both_polarities() -> None:
    polarities = {(c["lang"], f["polarity"]) for c in CASES for f in c["filters"]}
    assert polarities >= {("en", "include"), ("en", "exclude"), ("zh", "include"), ("zh", "exclude")}
    assert {p for _, p in polarities} <= {"include", "exclude", "exclude_together"}


def test_exclusions_match_chroma_where_and_the_catalog_mask() -> None:
    filters = Filters(presentation="Oral", exclude={"has_code": [True], "track": ["a", "b"]})
    assert filters.chroma_where() == {
        "$and": [{"presentation": {"$eq": "Oral"}}, {"has_code": {"$ne": True}}, {"track": {"$nin": ["a", "b"]}}]
    }
    assert filters.active() == {"presentation": "Oral", "not": {"has_code": True, "track": ["a", "b"]}}
    rows = [
        {"presentation": "Oral", "has_code": False, "track": "c"},  # kept
        {"presentation": "Oral", "has_code": False, "track": "a"},  # excluded track
        {"presentation": "Oral", "has_code": True, "track": "c"},  # excluded: has code
        {"presentation": "Poster", "has_code": False, "track": "c"},  # not oral
    ]
    metas: list[dict[str, Any]] = [{**m, "record_id": str(i)} for i, m in enumerate(rows)]
    toy = Catalog([str(i) for i in range(len(metas))], ["x"] * len(metas), metas)
    assert toy.allowed(filters).tolist() == [True, False, False, False]
    seeds = [r.metadata() for r in RECORDS]
    catalog = Catalog([r.id for r in RECORDS], [r.abstract for r in RECORDS], seeds)
    mask = catalog.allowed(Filters(exclude={"presentation": ["Poster"]}))
    assert mask.tolist() == [m["presentation"] != "Poster" for m in seeds] and 0 < mask.sum() < len(seeds)


@pytest.mark.parametrize(
    ("question", "together", "rest"),
    [
        ("Which records are not ICLR 2026 orals?", {"venue": "ICLR 2026", "presentation": "Oral"}, {}),
        ("除了 ICLR 2025 海报以外的论文", {"venue": "ICLR 2025", "presentation": "Poster"}, {}),
        # a prefix binds its own word: ICLR papers that are not orals
        ("non-oral ICLR 2026 papers", {}, {"venue": "ICLR 2026", "not": {"presentation": "Oral"}}),
        # not side by side: the oral papers that are not from 2025
        ("不是 2025 年的 oral 论文", {}, {"presentation": "Oral", "not": {"year": 2025}}),
    ],
)
def test_a_negation_over_a_phrase_excludes_the_pair(question: str, together: dict, rest: dict) -> None:
    filters = plan_query(question, ["ICLR 2025", "ICLR 2026"], [], [2025, 2026]).filters
    assert filters.together == together
    assert {k: v for k, v in filters.active().items() if k != "not_all"} == rest
    rows = [
        {"venue": "ICLR 2026", "presentation": "Oral", "year": 2026},
        {"venue": "ICLR 2026", "presentation": "Poster", "year": 2026},
        {"venue": "ICLR 2025", "presentation": "Poster", "year": 2025},
        {"venue": "Nature Medicine", "presentation": "", "year": 2025},
    ]
    metas: list[dict[str, Any]] = [{**m, "record_id": str(i)} for i, m in enumerate(rows)]
    mask = Catalog([str(i) for i in range(len(rows))], ["x"] * len(rows), metas).allowed(filters).tolist()
    if together:
        assert mask == [not all(m[k] == v for k, v in together.items()) for m in rows]
        assert filters.chroma_where() == {"$or": [{k: {"$ne": v}} for k, v in together.items()]}


def test_cli_pairs_exclude_and_explicit_filters_win_per_key() -> None:
    explicit = Filters.parse_pairs(["presentation!=Poster", "year=2026", "track!=a", "track!=b"])
    assert explicit == Filters(year=2026, exclude={"presentation": ["Poster"], "track": ["a", "b"]})
    recognised = Filters(presentation="Oral", has_code=True, exclude={"year": [2025]})
    assert recognised.merged(explicit) == Filters(
        year=2026, has_code=True, exclude={"presentation": ["Poster"], "track": ["a", "b"]}
    )
    with pytest.raises(ValueError, match="key!=value"):
        Filters.parse_pairs(["colour!=red"])


@pytest.mark.parametrize(
    ("question", "years"),
    [
        ("2024 年以前有哪些论文?", [2021, 2023]),
        ("2023 年及以前的论文", [2021, 2023]),
        ("2021 年以来的论文有哪些?", [2021, 2023, 2025]),
        ("Which papers appeared after 2023?", 2025),
        ("papers from 2023 or later", [2023, 2025]),
        ("2019 年之前的论文有哪些?", []),
    ],
)
def test_a_range_of_years_is_the_catalogs_years_in_it(question: str, years: int | list[int]) -> None:
    plan = plan_query(question, [], [], [0, 2021, 2023, 2025])  # 0: a record without a year
    assert plan.filters.year == years and not plan.topic_terms
    metas: list[dict[str, Any]] = [{"year": y, "record_id": str(y)} for y in (0, 2021, 2023, 2025)]
    toy = Catalog([m["record_id"] for m in metas], ["x"] * len(metas), metas)
    wanted = years if isinstance(years, list) else [years]
    assert toy.allowed(plan.filters).tolist() == [m["year"] in wanted for m in metas]


@pytest.mark.parametrize(
    "question",
    [
        "My thesis is on sleep apnea. What papers would help?",
        "语料库中有哪些关于超声的内容?",
        "Which records cover it?",
    ],
)
def test_a_list_asked_after_a_first_sentence_or_of_contents_is_a_list(question: str) -> None:
    assert plan_query(question, VENUES, TRACKS, YEARS).wants_all


def test_filters_are_described_for_a_reader() -> None:
    filters = Filters(presentation="Oral", year=[2025, 2026], exclude={"has_code": [True]})
    assert filters.described() == "presentation=Oral, year=2025 or 2026, not has_code=True"
    together = Filters(together={"venue": "ICLR 2026", "presentation": "Poster"})
    assert together.described() == "not (venue=ICLR 2026 and presentation=Poster)"
