"""Earlier turns of a conversation as the chain receives them: each question with its answer and the records
that answer cited or listed, in order (so "the second one" can be resolved against them)."""

from __future__ import annotations

from collections.abc import Sequence
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
