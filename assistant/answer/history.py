"""Earlier turns of a conversation as the chain receives them: each question with its answer and the records
that answer cited or listed, in order (so "the second one" can be resolved against them)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NotRequired, TypedDict


class HistoryTurn(TypedDict):
    """One earlier turn. ``answer`` and ``records`` are optional: a bare question is a turn too."""

    question: str
    answer: NotRequired[str]
    records: NotRequired[list[str]]  # record ids, in the order the answer gave them


HistoryItem = str | HistoryTurn


def as_turn(item: HistoryItem) -> HistoryTurn:
    """A history entry as a turn: a string is a question without its answer."""
    return {"question": item} if isinstance(item, str) else item


def history_problem(item: object) -> str | None:
    """Why ``item`` is not a history entry (a string, or an object with a string "question"), else None."""
    if isinstance(item, str):
        return None
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        return 'each entry must be a question string or an object with a "question" string'
    if not isinstance(item.get("answer", ""), str):
        return '"answer" must be a string'
    records = item.get("records", [])
    if not isinstance(records, list) or not all(isinstance(r, str) for r in records):
        return '"records" must be a list of record id strings'
    return None


def questions(turns: Sequence[HistoryTurn]) -> list[str]:
    return [t["question"] for t in turns]


ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8}
ORDINALS |= {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "ninth": 9, "tenth": 10}
COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
REFERENCE_LIMIT = 10  # the furthest ordinal read ("the tenth", "第十篇")
ZH_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
NOUN_EN = r"(?:\s+(?:ones?|papers?|records?|works?|stud(?:y|ies)|items?|entries))?"
FIRST_N = re.compile(rf"\bthe\s+(?:first|top)\s+(two|three|four|five|[2-5]){NOUN_EN}", re.I)
ORDINAL = re.compile(rf"\bthe\s+({'|'.join(ORDINALS)}|last){NOUN_EN}", re.I)
PLURAL = re.compile(r"\b(?:both(?:\s+of\s+them|\s+papers)?|all\s+of\s+them|them|these\s+papers|those\s+papers)\b", re.I)
ZH_FIRST_N = re.compile(r"前\s*([两二三四五2-5])\s*[篇个项条]?(?:论文|记录|工作)?")
ZH_ORDINAL = re.compile(r"第\s*([一二三四五六七八九十\d]+)\s*[篇个项条](?:论文|记录|工作)?")
ZH_PLURAL = re.compile(r"它们|这两篇|这些论文|两者|二者|这几篇")


def _zh_number(text: str) -> int:
    return int(text) if text.isdigit() else ZH_NUMBERS.get(text, 0)


def referenced(question: str, count: int) -> tuple[re.Match[str], list[int]] | None:
    """The first ordinal or plural reference of ``question`` to a previous answer's ``count`` records, with the
    0-based positions it names ("the second one" -> [1], "compare the first two" -> [0, 1], "它们" -> all)."""
    found: list[tuple[re.Match[str], list[int]]] = []
    readers: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], list[int]]], ...] = (
        (FIRST_N, lambda m: list(range(COUNTS[m.group(1).lower()]))),
        (ORDINAL, lambda m: [count - 1 if m.group(1).lower() == "last" else ORDINALS[m.group(1).lower()] - 1]),
        (PLURAL, lambda m: list(range(count))),
        (ZH_FIRST_N, lambda m: list(range(_zh_number(m.group(1))))),
        (ZH_ORDINAL, lambda m: [_zh_number(m.group(1)) - 1]),
        (ZH_PLURAL, lambda m: list(range(count))),
    )
    for pattern, read in readers:
        if m := pattern.search(question):
            found.append((m, read(m)))
    if not found:
        return None
    match, named = min(found, key=lambda f: f[0].start())
    named = [p for p in named if 0 <= p < count]
    return (match, named) if named else None


def resolve_references(question: str, past: Sequence[HistoryTurn], name_of: Callable[[str], str | None]) -> str | None:
    """``question`` with its ordinal or plural reference replaced by the names of the records the previous
    answer gave ("tell me more about the second one" -> "... about MedAraBench"), or None when it has none or
    the previous turn carries no records."""
    records = past[-1].get("records", []) if past else []
    if not records:
        return None
    found = referenced(question, len(records))
    if found is None:
        return None
    match, positions = found
    names = [n for n in (name_of(records[p]) for p in positions) if n]
    if not names:
        return None
    joined = (
        "、".join(names) if CJK_CHAR.search(question) else (" and ".join(names) if len(names) < 3 else ", ".join(names))
    )
    return question[: match.start()] + joined + question[match.end() :]


CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
