"""Every negated or combined filter question of the golden set is parsed as intended (evals/RESULTS.md table)."""

from __future__ import annotations

import json

from assistant.evals.plans import markdown, negated_or_combined, plan_rows
from tests.helpers import ROOT, SEEDS


def test_golden_negated_and_combined_filter_questions_parse_as_intended() -> None:
    rows = plan_rows(ROOT / "evals" / "golden.jsonl", ROOT / "evals" / "parser_cases.jsonl", SEEDS)
    cased = [r for r in rows if r.intended is not None]
    assert len(cased) == len(rows)  # every negated or combined golden filter question has its case
    assert [(r.id, r.parsed) for r in cased if not r.ok] == []
    assert all(negated_or_combined(r.parsed) or negated_or_combined(r.intended or {}) for r in rows)
    table = markdown(rows)
    assert f"{len(cased)} of {len(rows)} negated or combined" in table
    assert table.count("| no case |") == len(rows) - len(cased)


def test_a_held_out_rounds_test_question_gets_no_row_and_needs_no_case(tmp_path) -> None:
    golden = tmp_path / "golden.jsonl"
    question = {"question": "Which papers are not posters?", "lang": "en", "kind": "filter", "split": "test"}
    ids = ("s6-held-en-filter-99", "q1")
    golden.write_text("".join(json.dumps({"id": i} | question) + "\n" for i in ids), encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text("", encoding="utf-8")
    assert [r.id for r in plan_rows(golden, cases, SEEDS)] == ["q1"]  # q1: a negated question without a case


def test_a_misparse_is_a_row_that_says_so(tmp_path) -> None:
    golden = tmp_path / "golden.jsonl"
    golden.write_text(
        '{"id": "q1", "question": "Which papers are not posters?", "lang": "en", "kind": "filter", '
        '"expect_all": ["x"], "split": "dev"}\n',
        encoding="utf-8",
    )
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        '{"id": "c1", "question": "Which papers are not posters?", "lang": "en", "filters": '
        '[{"key": "presentation", "value": "Oral", "polarity": "include"}], "topic_terms": [], '
        '"question_type": "list"}\n',
        encoding="utf-8",
    )
    (row,) = plan_rows(golden, cases, SEEDS)
    assert not row.ok and "no: wanted presentation=Oral" in markdown([row])
