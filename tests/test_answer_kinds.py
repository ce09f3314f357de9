"""The kind of detail a lookup asks for (``answer/kinds.py``), and "the record does not give it" (issue 15 item 3)."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.answer.kinds import asked_kind, gives
from assistant.settings import Settings


@pytest.mark.parametrize(
    ("question", "aspect", "kind"),
    [
        ("Which optimizer and weight decay did they use?", "", "hyperparameter"),
        ("该模型训练了多少轮次?", "number", "hyperparameter"),
        ("How many A100 GPUs were needed?", "number", "compute"),
        ("训练需要什么硬件?", "", "compute"),
        ("Is the code licensed for commercial use?", "code", "license"),
        ("Which agency sponsored the work?", "", "funding"),
        ("这项研究由哪个基金资助?", "", "funding"),
        ("Which countries do the patients come from?", "place", "place"),
        ("When was the benchmark released?", "", "date"),
        ("专辑什么时候截止投稿?", "", "date"),
        ("Which institute is the team at?", "affiliation", "affiliation"),
        ("Which hospital provided the scans?", "", "affiliation"),
        ("What is the model's inference latency on a CPU?", "", "speed"),
        ("Which backbone model is the agent fine-tuned from?", "", "size"),
        ("这个模型的参数规模有多大?", "", "size"),
        ("该方法的帧率能达到多少?", "", "speed"),
        ("模型训练花了多久?", "", "compute"),
        # the planner's aspect decides an affiliation: here the authors release a data set
        ("What dataset did the authors release?", "dataset", ""),
        ("When should a model defer to an expert?", "", ""),  # "when" of a condition, not a date
        ("How does sleep2vec handle sensor dropout?", "method", ""),
    ],
)
def test_the_asked_kind_of_detail(question: str, aspect: str, kind: str) -> None:
    assert asked_kind(question, aspect) == kind


def test_a_sentence_gives_a_kind_only_when_it_names_it() -> None:
    assert gives("hyperparameter", ["We train with AdamW and a cosine schedule."])
    assert not gives("hyperparameter", ["Frequent sensor dropout poses challenges."])
    assert gives("date", ["The collection is open for submissions until 2027-04-30."])
    assert gives("license", ["Code is released under the Apache 2.0 license."])
    assert not gives("license", ["Code/project link: https://github.com/x/y"])
    assert gives("affiliation", ["数据来自北京协和医院。"])
    assert gives("place", ["A U.S. centric cohort."]) and not gives("place", ["A us-centric view."])


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("What batch size was GALAX trained with?", "does not give its training hyperparameters"),
        ("Who funded the CounselBench study?", "does not give its funding"),
        ("Disco 的代码采用哪种许可证?", "没有给出许可证"),
        ("KnowGuard 用了什么显卡训练?", "没有给出所用的算力"),
        ("ATPO 的训练用了多长时间?", "没有给出所用的算力"),
        ("Which lab built the AnesSuite benchmark?", "does not give its authors or institutions"),
        ("How many frames per second does MedGMAE process?", "does not give its speed"),
        ("KnowGuard 的参数量是多少?", "没有给出模型规模或基座模型"),
    ],
)
def test_a_kind_of_detail_the_named_record_never_gives_is_an_abstention_that_says_so(
    seed_settings: Settings, question: str, says: str
) -> None:
    turn = answer(question, settings=seed_settings)
    assert turn.abstained and turn.detail_missing, turn.text
    assert says in turn.text and turn.citations  # what the record does say, cited
    assert turn.to_dict()["detail_missing"]


@pytest.mark.parametrize(
    "question",
    [
        "When does the npj Digital Medicine collection close for submissions?",  # the date is given
        "Which paper's code is released under an open license?",  # asks for a paper, not a license
    ],
)
def test_a_kind_of_detail_that_is_given_or_not_asked_is_no_missing_detail(
    seed_settings: Settings, question: str
) -> None:
    turn = answer(question, settings=seed_settings)
    assert not turn.detail_missing, turn.text


@pytest.mark.parametrize(
    "question",
    [
        # described, not named, by a hyphenated compound the record writes spaced ("power spectral smoothing")
        "What Dice does the power-spectral smoothing calibration method reach on the ACDC dataset?",
        "Disco 在 PanNuke 数据集上的 F1 是多少?",  # the value of a measure the record never names
        "What specificity does the HFSTI-Net segmentation network reach?",
    ],
)
def test_a_result_value_the_record_cannot_give_is_a_missing_detail(seed_settings: Settings, question: str) -> None:
    turn = answer(question, settings=seed_settings)
    assert turn.abstained and turn.detail_missing and turn.citations, turn.text


def test_a_result_value_of_a_measure_the_record_names_is_answered(seed_settings: Settings) -> None:
    turn = answer("What accuracy do GPT-5-mini and Claude-4.6-opus reach on MedThinkVQA?", settings=seed_settings)
    assert not turn.abstained and "39.7%" in turn.text


def test_a_code_link_the_record_lacks_is_a_missing_detail_but_a_yes_no_question_is_answered(
    seed_settings: Settings,
) -> None:
    where = answer("Where can I find MedAraBench's code?", settings=seed_settings)
    assert where.detail_missing and where.abstained and "does not give a code or project link" in where.text
    zh = answer("MedAraBench 的源码在哪?", settings=seed_settings)
    assert zh.detail_missing and "没有给出代码或项目链接" in zh.text
    # "does it have code?" is answered by no; "its" points at the paper the question names, not at an earlier turn
    asked = answer("Does MedAraBench release its code?", settings=seed_settings)
    assert not asked.abstained and "The record gives no code or project link." in asked.text
    found = answer("Where can I download LiveClin's code?", settings=seed_settings)
    assert not found.detail_missing and "https://github.com/AQ-MedAI/LiveClin" in found.text
