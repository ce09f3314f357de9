"""A Chinese question's words found in the English abstracts (round s5c-zh, evals/RESULTS-2026-12-06-probes.md):
a key term outside the domain table is held by a sentence that says one of its dictionary words, inflected or not,
for ranking and topic lists; a refused lookup is still rescued only by the question's own words; terms joined by
"or" are alternatives."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.answer import evidence as ev
from assistant.answer.plan import compare_plan
from assistant.settings import Settings


@pytest.mark.parametrize(
    ("token", "word", "held"),
    [
        ("scanned", "scan", True),  # a doubled consonant before -ed
        ("contrastive", "contrast", True),
        ("learning", "learn", True),
        ("tumor", "tumor", True),
        ("model", "mode", False),  # a longer word that begins with it is another word
        ("plant", "plan", False),
        ("planned", "plan", True),
        ("stopped", "stop", True),
        ("stoked", "stop", False),
    ],
)
def test_an_english_word_is_held_as_written_or_inflected(token: str, word: str, held: bool) -> None:
    assert ev.inflects(token, word) is held


def test_a_chinese_term_is_held_by_its_one_word_senses_only() -> None:
    forms = ev.english_forms({"护士", "睡眠", "ecg"})
    assert set(forms) == {"护士", "睡眠"}  # English terms carry themselves
    assert ev.held_in_english({"registered", "nurses"}, forms) == {"护士"}
    # 睡眠's longer sense "to enter sleep mode" adds no words: "failure modes" does not hold it
    assert ev.held_in_english({"failure", "mode"}, forms) == set()
    # a piece of a longer word is no word of the question: 健康 (health) of 心理健康 (mental health)
    assert set(ev.english_forms({"心理健康", "心理", "健康"})) == set()


@pytest.mark.parametrize(
    ("question", "groups"),
    [
        ("护士或者心理健康方面的论文有哪些?", [{"护士", "心理健康", "心理", "健康", "理健"}]),
        ("Which records cover ultrasound or X-ray?", [{"ultrasound", "x-ray"}]),
        ("脑电/心电/fMRI 的工作", [{"eeg", "ecg", "electrocardiogram", "fmri"}]),  # domain terms: English words
        ("或许有睡眠方面的论文", []),  # 或许 (perhaps) joins nothing
    ],
)
def test_terms_joined_by_or_are_alternatives(question: str, groups: list[set[str]]) -> None:
    terms = ev.key_terms(question)
    assert [set(g) for g in ev.alternatives(question, terms)] == groups


def test_a_list_on_either_of_two_topics_keeps_the_records_of_each(seed_settings: Settings) -> None:
    """Each record holds one of the two: without the alternatives no nursing sentence held half the terms."""
    turn = answer("护士或者心理健康方面的论文有哪些?", settings=seed_settings)
    cited = {c["title"].split(":")[0] for c in turn.citations}
    assert cited == {"NurValues", "CounselBench", "超越医学考试"}


def test_a_chinese_topic_list_outside_the_domain_table_finds_its_english_record(seed_settings: Settings) -> None:
    """护士 is in no Chinese title and not in the domain table: the list was refused (no sentence held the term)."""
    turn = answer("有哪些工作研究护士?", settings=seed_settings)
    assert not turn.abstained
    assert [c["title"].split(":")[0] for c in turn.citations] == ["NurValues"]


def test_a_dictionary_word_does_not_rescue_a_refused_lookup(seed_settings: Settings) -> None:
    """测试 -> test is in many sentences; a lookup refused on weak evidence stays refused."""
    turn = answer("测试一下 456", settings=seed_settings)
    assert turn.abstained and not turn.citations


@pytest.mark.parametrize(
    ("question", "measure", "fewest"),
    [
        ("NurValues 和 Cancer-Myth 哪篇找的专家更多?", "expert", False),
        ("sleep2vec 和 BioX-Bridge 哪个用的模态较少?", "modality", True),
        ("MedThinkVQA 和 CXR-QBA 哪个数据集规模更大?", ev.BY_SIZE, False),
        ("NurValues 和 Cancer-Myth 有什么不同?", "", False),  # no comparative: a plain compare
    ],
)
def test_a_chinese_comparative_between_named_papers_is_a_compare_on_its_measure(
    question: str, measure: str, fewest: bool
) -> None:
    plan = compare_plan(question, "", ["A", "B"])
    assert (plan.type, plan.measure, plan.fewest) == ("compare", measure, fewest)


def test_a_chinese_choice_of_more_people_quotes_each_count(seed_settings: Settings) -> None:
    """Two short names make a compare; 更多 with a counted noun makes it say which has more (it quoted neither)."""
    turn = answer("CounselBench 和 LiveClin 哪个请到的专业人员更多?", settings=seed_settings)
    assert turn.plan is not None and turn.plan.measure == "professional"
    assert "239 physicians" in turn.text and "100 mental health professionals" in turn.text
    assert "最多:**LiveClin" in turn.text
