"""The calibration tool's measure of other abstention signals (``calibrate --signals``) on the seed corpus."""

from __future__ import annotations

from assistant.evals.calibrate import SIGNALS, absent_margin, separation, signals, term_cosines
from assistant.evals.golden import GoldenQuestion
from assistant.settings import Settings


def row(should_abstain: bool, value: float) -> dict[str, object]:
    return {"should_abstain": should_abstain, "evidence": value}


def test_separation_counts_refusals_below_every_answerable_question() -> None:
    rows = [row(True, 0.1), row(True, 0.5), row(False, 0.3), row(False, 0.9)]
    result = separation(rows, "evidence")
    # pairs (refuse, answer): 0.1 < 0.3, 0.1 < 0.9, 0.5 > 0.3, 0.5 < 0.9 -> 3 of 4
    assert result["auc"] == 0.75 and result["refused_below_every_answerable"] == 1
    assert result["lowest_answerable"] == 0.3
    assert separation([row(False, 0.3)], "evidence")["auc"] is None


def test_signals_are_measured_on_the_questions_the_chain_answers(seed_settings: Settings) -> None:
    questions = [
        GoldenQuestion("named", "What is LiveClin and how many physicians took part?", "en", "lookup"),
        GoldenQuestion("weather", "What will the weather be like in Paris tomorrow?", "en", "abstain"),
    ]
    rows = signals(questions, seed_settings)
    assert [r["id"] for r in rows] == ["named"]  # the refused question has nothing left to refuse
    named = rows[0]
    assert set(SIGNALS) <= set(named) and not named["should_abstain"]
    assert named["record_z"] > 2  # one record stands out of the collection for a question that names it
    assert 0 < named["seen_terms"] <= 1 and 0 < named["head_cosine"] <= 1


def test_term_cosines_group_topic_words_by_presence(seed_settings: Settings) -> None:
    questions = [
        GoldenQuestion("ecg", "Which papers work on ECG signals?", "en", "aggregate"),
        GoldenQuestion("glaucoma", "Which papers screen for glaucoma?", "en", "abstain"),
    ]
    groups = term_cosines(questions, seed_settings)
    assert groups["present"]["n"] >= 1 and groups["absent, to refuse"]["n"] >= 1  # ecg; glaucoma
    assert groups["absent, answerable"] == {"n": 0, "p5-p50-p95": None}
    low, mid, high = groups["present"]["p5-p50-p95"]
    assert 0 < low <= mid <= high <= 1


def test_absent_margin_lies_between_the_refusals_and_the_answerable_lookups(seed_settings: Settings) -> None:
    oos = "Which paper uses a language model to recommend antibiotics for pneumonia patients?"
    empathy = "Which paper gives a doctor agent empathy and a questioning strategy in outpatient visits?"
    questions = [
        GoldenQuestion("oos", oos, "en", "abstain"),
        GoldenQuestion("para", empathy, "en", "lookup"),  # Doctor-R1 says "empathetic"
        GoldenQuestion("named", "What is LiveClin and who took part?", "en", "lookup"),  # names its record: not counted
    ]
    result = absent_margin(questions, seed_settings)
    assert result["refusals"] == 1 and result["answerable"] == 1 and result["refused_at_proposed"] == 1
    assert result["highest_refusal_below_it"] < result["absent_margin"] < result["lowest_answerable"]
