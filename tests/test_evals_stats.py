"""Numpy retrieval metrics, bootstrap intervals, the paired test and the side-by-side comparison of two runs."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from assistant.evals.compare import compare_runs
from assistant.evals.metrics import ranking_scores, summarise
from assistant.evals.sidebyside import SpecError, html_page, side_for, text
from assistant.evals.stats import align, ci95, paired_test
from assistant.settings import Settings
from tests.test_evals import row, src


def lookups(hits: list[bool], prefix: str = "q") -> list[dict[str, Any]]:
    """One lookup per entry: the expected record at rank 1 (True) or missing (False)."""
    return [
        row(
            f"{prefix}{i}",
            sources=[src("a", "Alpha")] if hit else [src("x", "Other")],
            expect_any=["Alpha"],
            relevant=["a"],
            facts=["239"],
            facts_found=["239"] if hit else [],
        )
        for i, hit in enumerate(hits)
    ]


def test_ranking_scores_follow_the_textbook_definitions() -> None:
    run = {"x": 3.0, "a": 2.0, "y": 1.0, "b": 0.5}
    scores = ranking_scores(run, {"a", "b", "c"}, ("hit@1", "hit@5", "mrr", "ndcg@10", "recall@10", "recall"))
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert scores["hit@1"] == 0.0 and scores["hit@5"] == 1.0 and scores["mrr"] == pytest.approx(0.5)
    assert scores["ndcg@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)
    assert scores["recall@10"] == pytest.approx(2 / 3) and scores["recall"] == pytest.approx(2 / 3)
    assert ranking_scores({}, {"a"}, ("mrr", "hit@1")) == {"mrr": 0.0, "hit@1": 0.0}
    with pytest.raises(ValueError, match="unknown retrieval metric"):
        ranking_scores(run, {"a"}, ("map",))


def test_every_headline_rate_has_an_interval_around_its_value() -> None:
    result = summarise(lookups([True] * 15 + [False] * 5))
    metrics = result["metrics"]
    for name in ("hit@1", "mrr", "facts_recall", "abstention_accuracy", "latency_p50_ms"):
        low, high = metrics["ci95"][name]
        assert low <= metrics[name] <= high, name
    low, high = metrics["ci95"]["hit@1"]
    assert 0.5 < low < 0.75 < high < 0.95 and metrics["n"]["hit@1"] == 20
    assert metrics["ci95"]["abstention_accuracy"] == [1.0, 1.0]
    assert result["by_lang"]["en"]["ci95"]["hit@1"] == [low, high]
    assert ci95(result["questions"]) == ci95(result["questions"])  # seeded
    wide = ci95(summarise(lookups([True] * 3 + [False]))["questions"])["hit@1"]
    assert wide is not None and wide[1] - wide[0] > high - low  # fewer questions, wider interval


def test_paired_test_tells_a_real_difference_from_noise() -> None:
    a = lookups([False] * 25 + [True] * 15)
    better = lookups([True] * 40)
    same = copy.deepcopy(a)
    for rows in (a, better, same):
        summarise(rows)
    real = paired_test(a, better)["hit@1"]
    assert real["delta"] == pytest.approx(0.625) and real["p"] < 0.01 and real["ci95"][0] > 0
    none = paired_test(a, same)["hit@1"]
    assert none["delta"] == 0 and none["p"] == 1.0
    noisy = lookups([True, False] * 20)
    flipped = lookups([False, True] * 20)  # same rate, every question changed
    for rows in (noisy, flipped):
        summarise(rows)
    assert paired_test(noisy, flipped)["hit@1"]["p"] > 0.5
    with pytest.raises(ValueError, match="same questions in the same order"):
        paired_test(a, list(reversed(better)))
    with pytest.raises(ValueError, match="share no question ids"):
        align(a, lookups([True], prefix="other"))


def test_compare_runs_counts_wins_and_losses_per_question() -> None:
    a = {"meta": {"backend": "extractive", "retrieval_mode": "dense"}} | summarise(lookups([True, False, True, False]))
    b = {"meta": {"backend": "extractive", "retrieval_mode": "hybrid"}} | summarise(lookups([True, True, False, True]))
    b["questions"].append(lookups([True], prefix="extra")[0])
    comparison = compare_runs(a, b)
    assert comparison["outcomes"] == {"win": 2, "loss": 1, "mixed": 0, "tie": 1}
    assert comparison["n"] == 4 and comparison["only_b"] == 1
    assert [q["id"] for q in comparison["questions"] if q["outcome"] == "loss"] == ["q2"]
    assert comparison["metrics"]["hit@1"]["delta"] == pytest.approx(0.25)
    shown = text(comparison)
    assert "retrieval_mode=dense" in shown and "B wins 2, loses 1" in shown and "loss  q2" in shown
    page = html_page(comparison, a, b)
    assert page.count("<h3>A</h3>") == 2 and page.count("<h3>B</h3>") == 2 and "class='bad'>loss" in page


def test_configuration_specs() -> None:
    base = Settings(k=5)
    dense, pipeline = side_for("retrieval=dense,k=3", base)
    assert (dense.retrieval.retrieval_mode, dense.retrieval.k, pipeline) == ("dense", 3, "assistant")
    assert base.retrieval.retrieval_mode == "hybrid" and side_for("default", base).settings.retrieval.k == 5
    tutorial = side_for("tutorial,k=3", base)
    assert tutorial.pipeline == "tutorial" and tutorial.settings.retrieval.k == 3
    with pytest.raises(SpecError, match="keys backend, model"):
        side_for("topk=3", base)
    with pytest.raises(SpecError, match="retrieval_mode"):
        side_for("retrieval=sparse", base)
    with pytest.raises(SpecError, match="pipeline is one of assistant, tutorial"):
        side_for("pipeline=langgraph", base)
