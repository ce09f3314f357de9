"""A Chinese question's words found in the English abstracts (round s5c-zh, evals/RESULTS-2026-12-06-probes.md):
a key term outside the domain table is held by a sentence that says one of its dictionary words, inflected or not,
for ranking and topic lists; a refused lookup is still rescued only by the question's own words."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.answer import evidence as ev
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


def test_a_chinese_topic_list_outside_the_domain_table_finds_its_english_record(seed_settings: Settings) -> None:
    """护士 is in no Chinese title and not in the domain table: the list was refused (no sentence held the term)."""
    turn = answer("有哪些工作研究护士?", settings=seed_settings)
    assert not turn.abstained
    assert [c["title"].split(":")[0] for c in turn.citations] == ["NurValues"]


def test_a_dictionary_word_does_not_rescue_a_refused_lookup(seed_settings: Settings) -> None:
    """测试 -> test is in many sentences; a lookup refused on weak evidence stays refused."""
    turn = answer("测试一下 456", settings=seed_settings)
    assert turn.abstained and not turn.citations
