"""Check an answer's citations: every [n] must name a source in the context, and the sentence it ends
must be supported by the text of the sources it cites."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.markers import CITATION, marker, marker_numbers, numbers_in
from assistant.answer.sentences import split_sentences
from assistant.retrieve.text import tokenize

SUPPORT_THRESHOLD = 0.5


@dataclass
class CitationCheck:
    text: str  # the answer with invalid citations removed
    cited: list[int] = field(default_factory=list)  # valid source numbers in order of first use
    invalid: list[int] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def strip_invalid(text: str, valid: set[int]) -> tuple[str, list[int]]:
    """Remove citation numbers that point nowhere; return the cleaned text and the removed numbers."""
    removed: list[int] = []

    def keep(match: re.Match[str]) -> str:
        numbers = marker_numbers(match)
        good = [n for n in numbers if n in valid]
        removed.extend(n for n in numbers if n not in valid)
        return marker(good) if good else ""

    cleaned = CITATION.sub(keep, text)
    return re.sub(r"[ \t]+([.,;。，；])", r"\1", cleaned), removed


def claim_sentences(text: str, scaffold: set[str]) -> list[str]:
    """The sentences that make a claim: all but those in ``scaffold`` (the refusal, fixed phrases of the
    answerer) and headings ending in ":"."""
    return [
        s for s in split_sentences(text) if CITATION.sub("", s).strip() not in scaffold and not s.rstrip().endswith(":")
    ]


def support(sentence: str, source_texts: list[str]) -> float:
    """Share of the sentence's content tokens found in the cited sources (1.0 when it has none)."""
    tokens = set(tokenize(CITATION.sub(" ", sentence)))
    if not tokens:
        return 1.0
    available = set().union(*(tokenize(t) for t in source_texts)) if source_texts else set()
    return len(tokens & available) / len(tokens)


def check_citations(text: str, sources: dict[int, str], scaffold: set[str]) -> CitationCheck:
    """Validate citations against ``sources`` (number -> source text) and flag unsupported sentences.

    Sentences in ``scaffold`` (the refusal, fixed phrases of the answerer) and headings ending in ":"
    make no claim and are not checked; every other sentence must be supported by the sources it cites.
    """
    cleaned, invalid = strip_invalid(text, set(sources))
    result = CitationCheck(cleaned, invalid=invalid)
    for n in numbers_in(cleaned):
        if n not in result.cited:
            result.cited.append(n)
    for sentence in claim_sentences(cleaned, scaffold):
        cited = numbers_in(sentence)
        if support(sentence, [sources[n] for n in cited]) < SUPPORT_THRESHOLD:
            result.unsupported.append(sentence)
    return result
