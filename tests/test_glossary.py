"""The corpus's glossary (domain_terms.txt: Chinese terms with the records' English words) and the lay English table
(lay_terms.txt: everyday words with the records' words), and where they bridge a question to the records."""

from __future__ import annotations

from functools import cache

import pytest

from assistant.answer import answer
from assistant.answer import evidence as ev
from assistant.records.corpus import load_corpus
from assistant.retrieve.bridge import bridge_terms, lay_bridge, lay_terms, lay_words
from assistant.retrieve.text import _english_tokens, domain_terms, tokenize
from assistant.settings import Settings
from tests.helpers import SEEDS


@cache
def record_texts() -> tuple[str, ...]:
    return tuple(f"{r.title}\n{r.abstract}" for r in load_corpus([SEEDS], 20_000).records)


@cache
def record_words() -> tuple[frozenset[str], ...]:
    return tuple(frozenset(ev.with_parts(_english_tokens(text.lower()))) for text in record_texts())


def test_every_glossary_entry_is_a_term_of_the_records() -> None:
    """Built from the corpus, not from questions: the English words of an entry are together in a record, or the
    Chinese term is in a record's Chinese text (its title line then carries the English words)."""
    unused = [
        term
        for term, english in domain_terms().items()
        if english
        and not any(set(_english_tokens(" ".join(english).lower())) <= words for words in record_words())
        and not any(term in text for text in record_texts())
    ]
    assert unused == []
    assert len([t for t, english in domain_terms().items() if english]) >= 150


def test_every_lay_entry_names_words_the_records_use() -> None:
    used = frozenset().union(*record_words())
    assert {w for words in lay_terms().values() for w in words} <= used


@pytest.mark.parametrize(
    ("question", "english"),
    [  # technical senses CC-CEDICT lacks or words jieba's dictionary breaks apart
        ("用计算机断层扫描找肺部病灶", {"ct", "computed", "tomography"}),
        ("在频域上分析心率变异", {"frequency", "domain"}),
        ("肠镜视频里的病变检测", {"colonoscopy"}),
        ("用掩码自编码器预训练", {"masked", "autoencoder"}),
    ],
)
def test_a_chinese_technical_term_reaches_the_records_english_words(question: str, english: set[str]) -> None:
    assert english <= set(bridge_terms(question))
    assert english <= set(tokenize(question))  # the same words beside the term in every indexed text that says it


def test_a_lay_phrase_gives_the_records_words_when_all_its_words_are_there() -> None:
    words = lay_words(tokenize("Do any models read brain waves during the night?"))
    assert words == {"brain": ("eeg", "electroencephalography"), "wave": ("eeg", "electroencephalography")}
    assert lay_words(tokenize("tests of lung function")) == {}  # "lung sounds" needs both words
    assert lay_bridge(tokenize("heart ECG monitoring")) == ["cardiac", "electrocardiogram"]  # ECG is said already
    assert lay_bridge(tokenize("心脏")) == []  # a Chinese question has its own bridge


def test_a_sentence_with_the_records_word_holds_the_lay_word() -> None:
    forms = ev.english_forms({"brainwave", "decode"})
    assert ev.held_in_english({"intracranial", "eeg", "channels"}, forms) == {"brainwave"}
    assert ev.held_in_english({"brainwave", "recordings"}, forms) == {"brainwave"}  # and the lay word itself
    assert ev.held_in_english({"ecg", "leads"}, forms) == set()


def test_a_term_inside_a_longer_term_adds_no_english_words_of_its_own() -> None:
    """功能磁共振成像 (fMRI) holds 磁共振 (MRI): the question is on fMRI, and MRI records do not match it."""
    tokens = tokenize("基于功能磁共振成像的视觉解码")
    assert "fmri" in tokens and "mri" not in tokens
    assert "mri" in tokenize("磁共振图像的运动伪影")


@pytest.mark.parametrize(
    ("question", "first"),
    [  # no record says "lung sounds" or "eyes": Resp-Agent says respiratory auscultation, the retinal paper retinal
        ("Is there a paper that generates lung sounds to train a diagnosis model?", "Resp-Agent"),
        ("Which papers are about the eyes?", "视网膜"),
    ],
)
def test_a_lay_english_question_reaches_the_record_told_in_its_technical_words(
    seed_settings: Settings, question: str, first: str
) -> None:
    turn = answer(question, settings=seed_settings)
    assert not turn.abstained and first in turn.citations[0]["title"], [c["title"] for c in turn.citations]
