"""Sentence splitting, shared by the extractive answerer (choosing an abstract's sentences), the citation
checker (checking an answer's sentences) and the source cards (highlighting the sentences an answer uses).

A sentence ends at ``.``, ``!`` or ``?`` followed by whitespace, unless a lowercase word follows (an
abbreviation: "i.e. portable", "alignment. sleep2vec is"), the dot ends a known abbreviation ("(abbr. CXR-QBA)",
"e.g. EEG"), or a citation marker follows, which belongs to the sentence it ends ("A. [1] B"); decimals ("3.5")
have no whitespace and never split. It ends at ``。！？`` unless a citation marker follows, after a citation
marker that a new sentence follows ("A [1] B [2]", but not "A [1], B" nor "A [1] and B"), and at every line break.
"""

from __future__ import annotations

import re

from assistant.answer.markers import CITATION_START

# abbreviations that a capital often follows inside a sentence ("(abbr. CXR-QBA)", "e.g. EEG", "vs. GPT-4")
ABBREVIATIONS = ("abbr", "e.g", "i.e", "vs", "cf", "et al", "Fig", "Eq", "approx", "resp", "incl")
NOT_AFTER_ABBREVIATION = "".join(rf"(?<!\b{re.escape(a)}\.)" for a in ABBREVIATIONS)
BREAK = re.compile(
    rf"(?<=[.!?]){NOT_AFTER_ABBREVIATION}\s+(?!\s|{CITATION_START}|[a-z])"
    rf"|(?<=[。！？])\s*(?!\s|{CITATION_START})"
    r"|(?<=\d\])\s*(?![\s\[a-z.,;:!?)。，；：、！？）]|$)"
    r"|\s*\n\s*"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of ``text``, without the whitespace around it, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in [*BREAK.finditer(text), None]:
        end = m.start() if m else len(text)
        piece = text[start:end]
        if piece.strip():
            left = start + len(piece) - len(piece.lstrip())
            spans.append((left, left + len(piece.strip())))
        if m:
            start = max(start, m.end())
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped."""
    return [text[a:b] for a, b in sentence_spans(text)]
