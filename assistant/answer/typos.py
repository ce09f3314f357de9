"""Misspelled words of a question ("alzhiemers", "modles", "Resp-Agnet"): a Latin word of 5 or more letters that the
collection and CC-CEDICT's English do not have as written is read as the collection's token one edit away
(a letter wrong, missing or added, or two neighbours swapped) with the same first letter, when there is one such
token (the same length first: a swap or a wrong letter before a letter more or less). A hyphenated word is read
part by part ("multi-image" stays). A word the dictionary knows is never changed ("dental" stays, though the
collection says "mental"), nor one with a digit ("GPT-5"), nor a variant more than one edit away ("sonography",
"sonographers") or one that only adds or drops an ending ("dated", "date"), so a question about something the
collection lacks is still refused for the right word."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.answer.abstain import Vocabulary
from assistant.retrieve.cedict import dictionary
from assistant.retrieve.text import STOPWORDS, tokenize

LATIN_WORD = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z'’-]*[A-Za-z](?![\w-])")
MIN_LETTERS = 5  # shorter words have too many near neighbours ("gene"/"gone")


def _known(token: str, vocabulary: Vocabulary) -> bool:
    return vocabulary.has(token) or dictionary().has(token)


@lru_cache(maxsize=8)
def _by_initial(tokens: frozenset[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for token in tokens:
        if token.isascii() and not any(c.isdigit() for c in token):
            out.setdefault(token[:1], []).append(token)
    return out


def nearest(token: str, vocabulary: Vocabulary) -> str | None:
    """The collection token ``token`` misspells, or None when it is a known word or none is clearly nearest."""
    if len(token) < MIN_LETTERS or any(c.isdigit() for c in token) or token in STOPWORDS:
        return None
    if _known(token, vocabulary):
        return None
    pool = _by_initial(frozenset(vocabulary.tokens)).get(token[:1], [])
    near = [(edits(token, t), len(t) != len(token), t) for t in pool if abs(len(t) - len(token)) <= 1]
    best = sorted(n for n in near if n[0] <= 1)
    if not best or (len(best) > 1 and best[1][:2] == best[0][:2]):
        return None
    token_found = best[0][2]
    if token_found.startswith(token) or token.startswith(token_found):
        return None  # another form of the word ("dated"/"date", "optimizer"/"optimize"), not a misspelling
    return token_found


def edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbours."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def corrected(question: str, vocabulary: Vocabulary) -> str:
    """``question`` with each misspelled Latin word replaced by the collection's word (the rest as written)."""

    def fix(m: re.Match[str]) -> str:
        tokens = tokenize(m.group())
        if len(tokens) != 1 or vocabulary.has(tokens[0]):
            return m.group()
        parts = tokens[0].split("-")
        fixed = [nearest(part, vocabulary) or part for part in parts]
        return "-".join(fixed) if fixed != parts else m.group()

    return LATIN_WORD.sub(fix, question)
