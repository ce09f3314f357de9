"""Check an answer's citations: every [n] must name a source in the context, and the sentence it ends
must be supported by the text of the sources it cites."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.retrieve.text import tokenize

CITATION = re.compile(r"\[(\d+(?:\s*[,，]\s*\d+)*)\]")
# A sentence ends at . ! ? (or 。！？) unless citations follow, which belong to it: "A. [1] B [2]. C";
# nor before a lowercase word ("i.e. portable", "alignment. sleep2vec is"), as the extractive answerer splits.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?!\[\d|[a-z])|(?<=[。！？])(?!\s*\[\d)|(?<=\])\s*(?=[A-Z\u4e00-\u9fff*])|\n+")
SUPPORT_THRESHOLD = 0.5


@dataclass
class CitationCheck:
    text: str  # the answer with invalid citations removed
    cited: list[int] = field(default_factory=list)  # valid source numbers in order of first use
    invalid: list[int] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def numbers_in(text: str) -> list[int]:
    return [int(n) for m in CITATION.finditer(text) for n in re.split(r"\s*[,，]\s*", m.group(1))]


def strip_invalid(text: str, valid: set[int]) -> tuple[str, list[int]]:
    """Remove citation numbers that point nowhere; return the cleaned text and the removed numbers."""
    removed: list[int] = []

    def keep(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*[,，]\s*", match.group(1))]
        good = [n for n in numbers if n in valid]
        removed.extend(n for n in numbers if n not in valid)
        return f"[{', '.join(map(str, good))}]" if good else ""

    cleaned = CITATION.sub(keep, text)
    return re.sub(r"[ \t]+([.,;。，；])", r"\1", cleaned), removed


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s and s.strip()]


def claim_sentences(text: str, scaffold: set[str]) -> list[str]:
    """The sentences that make a claim: all but those in ``scaffold`` (the refusal, fixed phrases of the
    answerer) and headings ending in ":"."""
    return [s for s in sentences(text) if CITATION.sub("", s).strip() not in scaffold and not s.rstrip().endswith(":")]


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
