"""The citation marker of an answer: ``[n]`` or ``[n, m]`` (a Chinese comma too). One pattern, one parser."""

from __future__ import annotations

import re
from collections.abc import Iterable

CITATION = re.compile(r"\[(\d+(?:\s*[,，]\s*\d+)*)\]")
CITATION_START = r"\[\d"  # what follows a sentence end when the citation belongs to that sentence
_SEPARATOR = re.compile(r"\s*[,，]\s*")


def marker_numbers(match: re.Match[str]) -> list[int]:
    """The source numbers of one matched marker, in the order written."""
    return [int(n) for n in _SEPARATOR.split(match.group(1))]


def numbers_in(text: str) -> list[int]:
    """Every source number cited in ``text``, in order (repeats kept)."""
    return [n for m in CITATION.finditer(text) for n in marker_numbers(m)]


def marker(numbers: Iterable[int]) -> str:
    """The marker citing ``numbers``: ``[1]``, ``[1, 3]``."""
    return f"[{', '.join(map(str, numbers))}]"
