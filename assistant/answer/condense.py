"""Turn a follow-up ("where is its code?") into a standalone question using the conversation history."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answer.analyse import ASKS_CODE, language
from assistant.retrieve.text import tokenize

REFERS_BACK_EN = re.compile(
    r"\b(?:this|that|the) (?:paper|work|study|benchmark|dataset|method|model|one)\b|"
    r"\b(?:its|it|they|their|them|these|those)\b",
    re.I,
)
PLURAL_BACK = re.compile(r"\b(?:they|them|their|these|those)\b|它们|这些|那些", re.I)
REFERS_BACK_ZH = re.compile(r"这篇论文|那篇论文|该论文|这篇|那篇|该工作|该方法|这个|那个|它的|它们|它|其(?![他中余实])")


def refers_back(question: str) -> bool:
    return bool(REFERS_BACK_EN.search(question) or REFERS_BACK_ZH.search(question))


def rewrite(question: str, subject: str) -> str:
    """Put ``subject`` in place of the first back-reference, or in front when there is none."""
    if language(question) == "zh":
        replaced, n = REFERS_BACK_ZH.subn(
            lambda m: f"{subject}的" if m.group(0) in ("它的", "其") else subject, question, count=1
        )
        return replaced if n else f"{subject}:{question}"

    def name(match: re.Match[str]) -> str:
        word = match.group(0).lower()
        return f"{subject}'s" if word in ("its", "their") else subject

    replaced, n = REFERS_BACK_EN.subn(name, question, count=1)
    return replaced if n else f"{question} ({subject})"


def continues(question: str, record_text: str) -> bool:
    """Whether a question without a back-reference still reads as a question about the record of
    ``record_text`` ("How many physicians took part?" after "What is LiveClin?"): it asks for a code or
    project link, which any record has or lacks, or its content words occur in the record."""
    if ASKS_CODE.search(question):
        return True
    return bool(set(tokenize(question)) & set(tokenize(record_text)))


def of_list(question: str, previous: str, asks_list: Callable[[str], bool] | None) -> bool:
    """A plural reference to a list question ("which of them have code?" after "which papers work on EEG?"): it
    is asked of that list, the previous question in front, rather than of the records its answer named."""
    return asks_list is not None and bool(PLURAL_BACK.search(question)) and asks_list(previous)


def condense_offline(
    question: str,
    history: list[str],
    subject_of: Callable[[str], str | None],
    elliptical: bool = False,
    asks_list: Callable[[str], bool] | None = None,
) -> str:
    """Resolve back-references against the record the previous question was about.

    ``subject_of`` maps a standalone question to the name of its best record (the retriever's top hit).
    Questions that stand alone are returned unchanged; an ``elliptical`` follow-up, which refers back
    without saying so, gets the subject too. A plural reference to a list question ("which of them have
    code?" after "which papers work on EEG?") is asked of that list: the previous question goes in front
    (``asks_list`` says whether a question asks for a list).
    """
    if not history or not (elliptical or refers_back(question)):
        return question
    previous = condense_offline(history[-1], history[:-1], subject_of, asks_list=asks_list)
    if of_list(question, previous, asks_list):
        return f"{previous} {question}"
    subject = subject_of(previous)
    return rewrite(question, subject) if subject else question
