"""The abbreviations the records define ("intracranial electroencephalography (iEEG)"), so that a question writing
one form finds the sentences that write the other: the short/long form match of Schwartz & Hearst (2003, "A simple
algorithm for identifying abbreviation definitions in biomedical text").

A qualified short form (a lower-case prefix on an acronym: iEEG, fMRI) also defines its acronym by the rest of its
long form (EEG = electroencephalography), so a question on EEG reaches the intracranial EEG paper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from assistant.retrieve.text import tokenize

SHORT = re.compile(r"\(\s*(?P<short>[A-Za-z][A-Za-z0-9-]{1,9})\s*\)")
# an acronym with a lowercase prefix names a kind of its base: iEEG (intracranial EEG), sEEG, fMRI, scRNA
QUALIFIED = re.compile(r"(?P<prefix>[a-z]{1,2})(?P<base>[A-Z][A-Z0-9]+)")
QUALIFIED_WORD = re.compile(rf"\b{QUALIFIED.pattern}s?\b")

Definitions = dict[str, frozenset[str]]  # short form token -> the tokens of its long form


def long_form(short: str, words: str) -> str | None:
    """The shortest end of ``words`` whose letters spell ``short`` in order, its first letter starting a word
    (Schwartz & Hearst's findBestLongForm), or None."""
    s, i = len(short) - 1, len(words) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (words[i].lower() != c or (s == 0 and i > 0 and words[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i, s = i - 1, s - 1
    start = words.rfind(" ", 0, i + 1) + 1
    return words[start:]


def _define(defs: Definitions, short: str, long: str) -> None:
    short_tokens, long_tokens = tokenize(short), frozenset(tokenize(long))
    if len(short_tokens) == 1 and long_tokens and short_tokens[0] not in long_tokens:
        defs.setdefault(short_tokens[0], long_tokens)


def definitions(texts: Iterable[str]) -> Definitions:
    """Every "long form (SHORT)" the texts define: a short form of two to ten characters with a capital letter,
    preceded by at most min(|SHORT| + 5, 2 |SHORT|) words whose letters spell it."""
    defs: Definitions = {}
    for text in texts:
        for m in SHORT.finditer(text):
            short = m.group("short")
            if short[-1] == "s" and short[-2].isupper():
                short = short[:-1]  # "Electrocardiograms (ECGs)"
            if not any(c.isupper() for c in short):
                continue
            words = text[: m.start()].split()[-min(len(short) + 5, 2 * len(short)) :]
            long = long_form(short, " ".join(words))
            if not long:
                continue
            _define(defs, short, long)
            if (q := QUALIFIED.fullmatch(short)) and len(parts := long.split(None, 1)) == 2:
                base = long_form(q.group("base"), parts[1])  # iEEG: intracranial | electroencephalography
                if base:
                    _define(defs, q.group("base"), base)
    return defs


def qualified_bases(text: str) -> set[str]:
    """The acronyms a text names through their qualified kinds (iEEG -> eeg), as terms it holds."""
    return {m.group("base").lower() for m in QUALIFIED_WORD.finditer(text)}


def with_definitions(tokens: AbstractSet[str], defs: Definitions) -> set[str]:
    """``tokens`` with the short form of each long form they hold and the long form of each short form (also
    written in the plural: EEGs)."""
    out = set(tokens)
    for short, long in defs.items():
        if short in tokens or short + "s" in tokens:
            out |= long
        elif long <= tokens:
            out.add(short)
    return out
