"""An aspect over a list (issue 15 item 2): the topic chooses the records, the aspect chooses each one's sentence."""

from __future__ import annotations

from assistant.answer import answer
from assistant.answer.analyse import analyse
from assistant.answer.aspect import aspect_query
from assistant.answer.evidence import Quote
from assistant.answer.extractive import aspect_quotes
from assistant.answer.plan import QuestionPlan, plan_question
from assistant.retrieve.query import plan_query
from assistant.settings import Settings


def planned(question: str) -> QuestionPlan:
    query = plan_query(question, ["ICLR 2026"], [])
    return plan_question(question, query, analyse(question, query))


def test_the_aspect_query_is_the_question_less_its_topic() -> None:
    assert aspect_query("Which metrics do the sepsis papers report?", "sepsis") == "Which metrics do the papers report?"
    assert aspect_query("肾脏病理相关的论文分别用了哪些数据?", "肾脏病理") == "相关的论文分别用了哪些数据?"
    # a topic not written as one phrase loses each of its words; a question that is all topic stays whole
    assert aspect_query("What cohorts do papers on Sepsis and ICU use?", "icu sepsis") == (
        "What cohorts do papers on and use?"
    )
    assert aspect_query("sepsis", "sepsis") == "sepsis"


def quote(text: str, score: float) -> Quote:
    return Quote(f"r#s{score}", "r", text, 0, 0, len(text), score, score, 0.0, False)


def test_a_record_is_quoted_by_its_best_sentence_holding_the_aspect() -> None:
    cohort = quote("The model was trained on 12,000 ICU stays from two hospitals.", 0.9)
    background = quote("Sepsis remains a leading cause of death in intensive care.", 0.85)
    public = quote("We also evaluate on the public eICU database.", 0.8)
    # the second sentence holding a data set is quoted only when the best two both hold one
    assert aspect_quotes([cohort, background, public], "dataset") == [cohort]
    assert aspect_quotes([cohort, public, background], "dataset") == [cohort, public]
    assert aspect_quotes([background, public], "dataset") == [public]
    assert aspect_quotes([background], "dataset") == []  # the answer says the abstract does not say


def test_a_sentence_on_other_work_or_the_gap_does_not_answer_the_aspect() -> None:
    gap = quote("However, public ICU datasets rarely include nursing notes.", 0.95)
    asked = quote("Which cohorts generalise across hospitals?", 0.92)
    cohort = quote("The model was trained on 12,000 ICU stays from two hospitals.", 0.9)
    assert aspect_quotes([gap, asked, cohort], "dataset") == [cohort]
    assert aspect_quotes([gap, asked], "dataset") == []


def test_an_aspect_answer_quotes_the_sentence_on_the_aspect_not_on_the_topic(seed_settings: Settings) -> None:
    turn = answer("Which data did the pathology papers train on?", settings=seed_settings)
    assert turn.plan is not None and turn.plan.type == "aspect" and turn.plan.aspect == "dataset"
    line = next(line for line in turn.text.splitlines() if "无监督病理分割" in line)
    said = line.split("): ", 1)[1]
    # the sentence with the data it trained on, not the opening one on pathology that mentions "existing datasets"
    assert said.startswith("Trained on over 30,000 unlabeled 3D CT volumes")
    assert "Accurate detection of all pathological findings" not in said


def test_metrics_asked_of_a_list_are_its_results() -> None:
    for question in ("Which evaluation metrics do the polyp papers report?", "息肉分割的论文分别用了哪些评价指标?"):
        plan = planned(question)
        assert (plan.type, plan.aspect) == ("aspect", "result"), question


def test_an_aspect_of_no_known_kind_asked_of_each_paper_is_answered_per_paper() -> None:
    for question, kind in (
        ("息肉分割的论文各自是怎么做评测的?", "aspect"),
        ("How did each of the sleep papers validate its model?", "aspect"),
        ("Summarize each of the sleep papers.", "topic"),  # a summary of each is a topic list
    ):
        plan = planned(question)
        assert (plan.type, plan.aspect) == (kind, ""), question
    own = quote("The model was validated on two external hospitals.", 0.9)
    gap = quote("However, external validation remains rare.", 0.95)
    assert aspect_quotes([gap, own], "") == [own]  # no kind of fact to hold: the best own sentence
