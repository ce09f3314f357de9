"""Misspelled question words read as the collection's words (answer/typos.py)."""

from __future__ import annotations

import pytest

from assistant.answer.abstain import Vocabulary
from assistant.answer.typos import corrected, edits, nearest

WORDS = Vocabulary(
    [
        "retinal",
        "fundus",
        "segmentation",
        "radiology",
        "report",
        "glaucoma",
        "ecg-former",
        "mode",
        "model",
        "staging",
        "stating",
    ]
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("retnial fundus photos", "retinal fundus photos"),  # two letters swapped
        ("which papers do glucoma screening?", "which papers do glaucoma screening?"),  # a letter missing
        ("radiollogy reports", "radiology reports"),  # a letter added
        ("What does ECG-Fromer do?", "What does ecg-former do?"),  # a hyphenated name
        ("modle choice", "model choice"),  # a swap before a letter less ("mode")
    ],
)
def test_a_misspelled_word_is_read_as_the_collections_word(question: str, expected: str) -> None:
    assert corrected(question, WORDS) == expected


@pytest.mark.parametrize(
    "question",
    [
        "dental radiology",  # an English word the collection lacks stays, so the refusal names it
        "GPT-5 on fundus images",  # a word with a digit
        "stading of tumours",  # one letter from two tokens of its length: no clear nearest
        "segmantetion",  # two edits
        "multi-image reasoning",  # a hyphenated word whose parts the collection has
        "sonography",  # a form of the collection's "sonographers"
        "dated before 2026",  # another form of the collection's "date", not a misspelling
        "rprt",  # a word of four letters is left alone
    ],
)
def test_a_known_word_or_an_unclear_one_is_left_as_written(question: str) -> None:
    assert corrected(question, WORDS) == question


def test_edits_count_a_swap_of_neighbours_as_one() -> None:
    assert edits("ecgfromer", "ecgformer") == 1
    assert edits("abc", "abc") == 0 and edits("kitten", "sitting") == 3
    assert nearest("fundus", WORDS) is None  # already the collection's
