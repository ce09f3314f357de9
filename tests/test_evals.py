"""The eval harness: metric code on tiny synthetic runs, the report writer and its comparison, the golden
loader, and the ``assistant eval --json`` shape (the judge: tests/test_evals_judge.py)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from assistant.evals.compare import compare
from assistant.evals.golden import GoldenError, load_golden
from assistant.evals.metrics import all_run, check_thresholds, compute_metrics, percentile, summarise
from assistant.evals.report import write_report
from assistant.evals.runner import language_match, own_text
from assistant.settings import Settings
from tests.helpers import ROOT


def src(rid: str, title: str | None = None, header: str = "") -> dict[str, Any]:
    return {"record_id": rid, "title": title or rid, "header": header}


def row(
    qid: str,
    *,
    kind: str = "lookup",
    lang: str = "en",
    sources: list[dict[str, Any]] | None = None,
    expect_any: list[str] | None = None,
    relevant: list[str] | None = None,
    expect_all: list[str] | None = None,
    abstained: bool = False,
    facts: list[str] | None = None,
    facts_found: list[str] | None = None,
    latency_ms: float = 100.0,
    **extra: Any,
) -> dict[str, Any]:
    """A hand-built eval row, as runner.question_row records it."""
    sources = sources or []
    hit_rank = next((i for i, s in enumerate(sources, 1) if any(e in s["title"] for e in expect_any or [])), None)
    found = [e for e in expect_all or [] if any(e in s["title"] for s in sources)]
    base = {
        "id": qid,
        "question": f"question {qid}?",
        "kind": kind,
        "lang": lang,
        "history": [],
        "expect_any": expect_any or [],
        "expect_all": expect_all or [],
        "facts": facts or [],
        "relevant": relevant or [],
        "unmatchable": [],
        "should_abstain": kind == "abstain",
        "abstained": abstained,
        "sources": sources,
        "hit_rank": hit_rank,
        "found": found,
        "missing": [e for e in expect_all or [] if e not in found],
        "facts_found": facts_found or [],
        "citation_marks": 0 if abstained else 1,
        "citation_marks_valid": 0 if abstained else 1,
        "invalid_citations": [],
        "checked_sentences": 0 if abstained else 2,
        "unsupported": 0,
        "lang_match": True,
        "latency_ms": latency_ms,
        "error": None,
        "judge": None,
        "answer": "text [1]",
    }
    return base | extra


def three_lookups() -> list[dict[str, Any]]:
    """Hit at rank 1, hit at rank 1, hit at rank 2: hit@1 = 2/3, hit@5 = 1, MRR = (1 + 1 + 0.5) / 3."""
    return [
        row("q1", sources=[src("a", "Alpha"), src("b", "Beta")], expect_any=["Alpha"], relevant=["a"]),
        row("q2", sources=[src("c", "Gamma"), src("a", "Alpha")], expect_any=["Gamma"], relevant=["c"]),
        row("q3", lang="zh", sources=[src("b", "Beta"), src("d", "Delta")], expect_any=["Delta"], relevant=["d"]),
    ]


def test_hit_at_1_is_exactly_two_thirds_on_three_questions() -> None:
    result = summarise(three_lookups())
    metrics = result["metrics"]
    assert metrics["hit@1"] == pytest.approx(2 / 3)
    assert metrics["hit@5"] == pytest.approx(1.0)
    assert metrics["mrr"] == pytest.approx((1 + 1 + 0.5) / 3)
    assert result["questions"][2]["retrieval"]["mrr"] == pytest.approx(0.5)
    assert result["by_lang"]["en"]["hit@1"] == pytest.approx(1.0)
    assert result["by_lang"]["zh"]["hit@1"] == pytest.approx(0.0)
    assert metrics["recall"] is None and metrics["n_expect_any"] == 3


def test_a_miss_and_an_abstained_lookup_score_zero() -> None:
    rows = [
        row("q1", sources=[src("x", "Other")], expect_any=["Alpha"], relevant=["a"]),
        row("q2", sources=[], expect_any=["Alpha"], relevant=["a"], abstained=True),
    ]
    metrics = summarise(rows)["metrics"]
    assert metrics["hit@5"] == 0.0 and metrics["mrr"] == 0.0 and metrics["ndcg@10"] == 0.0


def test_ndcg_counts_every_relevant_record() -> None:
    rows = [row("q1", sources=[src("a", "Alpha v1"), src("x", "Other")], expect_any=["Alpha"], relevant=["a", "a2"])]
    metrics = summarise(rows)["metrics"]
    assert metrics["hit@1"] == 1.0 and 0 < metrics["ndcg@10"] < 1.0


def test_expect_all_recall_counts_strings_not_duplicate_records() -> None:
    # "Alpha" is matched by two records (the same paper under two tracks): it counts once.
    r = row(
        "f1",
        kind="filter",
        sources=[src("a1", "Alpha"), src("a2", "Alpha"), src("x", "Other")],
        expect_all=["Alpha", "Beta"],
    )
    assert all_run(r) == {"expected:Alpha": 3.0, "record:a2": 2.0, "record:x": 1.0}
    metrics = summarise([r])["metrics"]
    assert metrics["recall"] == pytest.approx(0.5) and metrics["recall@10"] == pytest.approx(0.5)


def test_full_recall_sees_records_past_the_tenth() -> None:
    sources = [src(f"x{i}", f"Other {i}") for i in range(10)] + [src("b", "Beta")]
    r = row("a1", kind="aggregate", sources=[src("a", "Alpha")] + sources, expect_all=["Alpha", "Beta"])
    metrics = summarise([r])["metrics"]
    assert metrics["recall@10"] == pytest.approx(0.5) and metrics["recall"] == pytest.approx(1.0)


def test_abstention_rates() -> None:
    rows = [
        row("a1", kind="abstain", abstained=True),
        row("a2", kind="abstain", abstained=False),
        row("l1", abstained=False),
        row("l2", abstained=False),
        row("l3", abstained=True),
    ]
    metrics = compute_metrics(rows)
    assert metrics["abstention_accuracy"] == pytest.approx(3 / 5)
    assert metrics["false_refusal_rate"] == pytest.approx(1 / 3)
    assert metrics["false_answer_rate"] == pytest.approx(1 / 2)


def test_citation_facts_language_and_latency_metrics() -> None:
    rows = [
        row(
            "q1",
            citation_marks=4,
            citation_marks_valid=3,
            invalid_citations=[9],
            checked_sentences=4,
            unsupported=1,
            facts=["239", "LiveClin"],
            facts_found=["239"],
            latency_ms=100,
        ),
        row(
            "q2",
            citation_marks=2,
            citation_marks_valid=2,
            checked_sentences=4,
            unsupported=0,
            facts=["x"],
            facts_found=["x"],
            lang_match=False,
            latency_ms=300,
        ),
        row("q3", kind="abstain", abstained=True, lang_match=None, latency_ms=200),
    ]
    metrics = compute_metrics(rows)
    assert metrics["citation_validity"] == pytest.approx(5 / 6)
    assert metrics["answers_with_invalid_citations"] == 1
    assert metrics["citation_support"] == pytest.approx(1 - 1 / 8)
    assert metrics["facts_recall"] == pytest.approx(2 / 3)
    assert metrics["language_match"] == pytest.approx(1 / 2)
    assert metrics["latency_p50_ms"] == pytest.approx(200) and metrics["latency_p95_ms"] == pytest.approx(290)
    assert percentile([], 50) is None


def test_thresholds_name_the_metric_and_the_bound() -> None:
    metrics = {"hit@5": 0.9, "facts_recall": 0.85, "false_refusal_rate": 0.1, "recall": None}
    problems = check_thresholds(
        metrics,
        {"zh": {"hit@5": 0.8}},
        {
            "_comment": "x",
            "hit@5": 0.95,
            "facts_recall": 0.8,
            "recall": 0.9,
            "max": {"false_refusal_rate": 0.05},
            "by_lang": {"zh": {"hit@5": 0.95}},
        },
    )
    assert "hit@5 = 0.9000 is below the minimum 0.95" in problems
    assert "recall = n/a is below the minimum 0.9" in problems
    assert "false_refusal_rate = 0.1000 is above the maximum 0.05" in problems
    assert "[zh] hit@5 = 0.8000 is below the minimum 0.95" in problems
    assert len(problems) == 4


# ------------------------------------------------------------------------------------------------- misc
def test_language_match_ignores_quoted_english_abstract_sentences() -> None:
    source = "LiveClin:无泄漏的实时临床基准\nWe present LiveClin, a live benchmark. It has 239 physicians."
    answer = (
        "根据收录的记录:\n**LiveClin:无泄漏的实时临床基准** (ICLR 2026 Poster, trustworthy medical AI): "
        "We present LiveClin, a live benchmark. [1] It has 239 physicians. [1]\n"
        "代码/项目链接:https://github.com/x/y [1]"
    )
    names = ["ICLR 2026", "Poster", "trustworthy medical AI"]
    titles = ["LiveClin:无泄漏的实时临床基准"]
    assert "We present" not in own_text(answer, [source], names, titles)
    assert language_match(answer, "zh", [source], names, titles) is True
    assert (
        language_match(
            answer.replace("根据收录的记录", "From the collection").replace("代码/项目链接", "Code"),
            "zh",
            [source],
            names,
            titles,
        )
        is False
    )
    assert language_match("[1]", "en", [], []) is None
    titled = "根据收录的记录:\n**医学 MLLM 如何失效?医学图像视觉定位研究**: We present LiveClin, a live benchmark. [1]"
    assert language_match(titled, "zh", [source], [], ["医学 MLLM 如何失效?医学图像视觉定位研究"]) is True


def test_golden_loader_checks_lines(tmp_path: Path) -> None:
    good = {"id": "a", "question": "q?", "lang": "en", "kind": "lookup", "expect_any": ["X"]}
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(good | {"id": "b", "kind": "abstain", "expect_any": []}))
    questions = load_golden(path)
    assert [q.id for q in questions] == ["a", "b"] and questions[1].should_abstain
    for bad, message in (
        (good | {"kind": "nope"}, "kind must be"),
        (good | {"lang": "fr"}, "lang must be"),
        ({"id": "a"}, "missing or empty question"),
        (good | {"facts": "239"}, "facts must be"),
        (good | {"kind": "abstain"}, "an abstain question expects"),
    ):
        path.write_text(json.dumps(bad))
        with pytest.raises(GoldenError, match=message):
            load_golden(path)
    path.write_text(json.dumps(good) + "\n" + json.dumps(good))
    with pytest.raises(GoldenError, match=r"g.jsonl:2: duplicate id"):
        load_golden(path)


def test_the_shipped_golden_set_loads() -> None:
    questions = load_golden(ROOT / "evals" / "golden.jsonl")
    assert len(questions) >= 100 and {q.lang for q in questions} == {"en", "zh"}


# ----------------------------------------------------------------------------------------------- report
def synthetic_result() -> dict[str, Any]:
    rows = three_lookups() + [
        row("f1", kind="filter", sources=[src("a", "Alpha"), src("b", "Beta")], expect_all=["Alpha", "Beta"]),
        row("x1", kind="abstain", abstained=True),
        row(
            "h1",
            question="<script>alert(1)</script> & more?",
            facts=["239"],
            facts_found=["239"],
            sources=[src("a", "Alpha")],
            expect_any=["Alpha"],
            relevant=["a"],
        ),
    ]
    return {"meta": {"timestamp": "2025-01-01T00:00:00Z", "backend": "extractive"}} | summarise(rows)


def test_report_files_and_a_regression_against_the_previous_run(tmp_path: Path) -> None:
    first = synthetic_result()
    written = write_report(first, tmp_path)
    assert written["comparison"] is None
    for name in ("report.md", "report.html", "metrics_by_kind.png", "metrics_by_lang.png", "latency.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert len(list((tmp_path / "runs").glob("*.json"))) == 1

    second = copy.deepcopy(first)
    second["meta"]["timestamp"] = "2025-01-02T00:00:00Z"
    rows = second["questions"]
    rows[0]["sources"], rows[0]["hit_rank"] = [src("b", "Beta")], None  # q1: hit lost
    rows[5]["facts_found"] = []  # h1: fact lost
    rows[4]["abstained"] = False  # x1: now answers: flipped
    rows[3]["sources"], rows[3]["found"] = [src("a", "Alpha")], ["Alpha"]  # f1: record lost
    second.update(summarise(rows))
    written = write_report(second, tmp_path)
    changes = {(r["id"], r["change"].split(" (")[0].split(":")[0]) for r in written["comparison"]["regressions"]}
    assert changes == {("q1", "hit lost"), ("h1", "fact lost"), ("x1", "abstention flipped"), ("f1", "records lost")}
    assert written["comparison"]["deltas"]["hit@1"]["delta"] == pytest.approx(-1 / 4)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Comparison with the previous run" in md and "hit lost (rank 1 -> none)" in md
    assert "![by_kind](metrics_by_kind.png)" in md
    assert re.search(r"\| hit@1 \| 0\.500 \| \[0\.\d{3}, 1\.000\] \| 4 \| 0\.750 \| -0\.250 ▼ \|", md), md
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more?" in page
    assert page.count("data:image/png;base64,") == 3
    assert len(list((tmp_path / "runs").glob("*.json"))) == 2


def test_compare_counts_improvements_too() -> None:
    before = synthetic_result()
    before["questions"][2] |= {"sources": [src("b", "Beta")], "hit_rank": None}
    after = copy.deepcopy(synthetic_result())
    result = compare(before, after)
    assert not result["regressions"]
    assert [(r["id"], r["change"]) for r in result["improvements"]] == [("q3", "hit gained (rank none -> 2)")]


# -------------------------------------------------------------------------------------------------- CLI
def test_eval_cli_json_shape_on_a_limited_run(seed_settings: Settings) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--set",
            str(ROOT / "evals" / "golden.jsonl"),
            "--limit",
            "3",
            "--json",
            "--data-dir",
            str(seed_settings.data_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["metrics", "by_kind", "by_lang", "questions"]
    assert data["metrics"]["n_questions"] == 3 and len(data["questions"]) == 3
    for key in (
        "hit@1",
        "hit@5",
        "mrr",
        "ndcg@10",
        "abstention_accuracy",
        "citation_validity",
        "facts_recall",
        "latency_p50_ms",
        "latency_p95_ms",
    ):
        assert key in data["metrics"]
    first = data["questions"][0]
    for key in (
        "id",
        "kind",
        "lang",
        "hit_rank",
        "abstained",
        "should_abstain",
        "facts",
        "facts_found",
        "citation_marks",
        "citation_marks_valid",
        "latency_ms",
        "error",
        "sources",
        "answer",
    ):
        assert key in first
    assert "eval" in result.stderr  # the progress bar goes to stderr, never into the JSON


def test_eval_cli_reports_a_bad_golden_file(tmp_path: Path, seed_settings: Settings) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n')
    result = CliRunner().invoke(app, ["eval", "--set", str(bad), "--data-dir", str(seed_settings.data_dir)])
    assert result.exit_code == 2 and "bad.jsonl:1" in result.stderr


def test_list_precision_is_reported_for_list_answers() -> None:
    r = row(
        "f1",
        kind="filter",
        sources=[src("a", "Alpha"), src("x", "Other"), src("b", "Beta"), src("y", "Y")],
        expect_all=["Alpha", "Beta"],
    )
    assert compute_metrics([r])["list_precision"] == pytest.approx(0.5)
    assert compute_metrics(three_lookups())["list_precision"] is None
