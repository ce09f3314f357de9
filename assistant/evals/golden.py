"""The golden question set: one JSON object per line (see evals/golden.jsonl)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer.history import HistoryItem, history_problem

# compare: two or three named papers; topic: every record on a subject; aspect: one aspect over a list;
# superlative: most/largest/how many; detail_missing: the record exists but does not give the asked detail
# (the right answer says so, which counts as an abstention).
KINDS = (
    "lookup",
    "aggregate",
    "filter",
    "followup",
    "abstain",
    "compare",
    "topic",
    "aspect",
    "superlative",
    "detail_missing",
)
ABSTAIN_KINDS = ("abstain", "detail_missing")
LANGS = ("en", "zh")
SPLITS = ("dev", "test")  # dev: tuning and calibration; test: held out (see evals/README.md)


@dataclass
class GoldenQuestion:
    id: str
    question: str
    lang: str
    kind: str
    history: list[HistoryItem] = field(default_factory=list)  # earlier questions, or {"question", "answer", ...}
    expect_any: list[str] = field(default_factory=list)  # any one returned record matching one string answers it
    expect_all: list[str] = field(default_factory=list)  # every string must be matched by some returned record
    facts: list[str] = field(default_factory=list)  # must occur in the answer (case-insensitive)
    split: str | None = None  # "dev" | "test"; None in files that were never split
    note: str = ""  # why the expected records are the right ones (for the people who check the set)

    @property
    def should_abstain(self) -> bool:
        return self.kind in ABSTAIN_KINDS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class GoldenError(ValueError):
    """A malformed golden file; the message names the file and line."""


def parse_line(raw: str, where: str) -> GoldenQuestion:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise GoldenError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise GoldenError(f"{where}: expected a JSON object")
    missing = [k for k in ("id", "question", "lang", "kind") if not isinstance(obj.get(k), str) or not obj[k].strip()]
    if missing:
        raise GoldenError(f"{where}: missing or empty {', '.join(missing)}")
    if obj["kind"] not in KINDS:
        raise GoldenError(f"{where}: kind must be one of {', '.join(KINDS)}, not {obj['kind']!r}")
    if obj["lang"] not in LANGS:
        raise GoldenError(f"{where}: lang must be en or zh, not {obj['lang']!r}")
    history = obj.get("history", [])
    problems = [history_problem(item) for item in history] if isinstance(history, list) else ["must be a list"]
    if any(problems):
        raise GoldenError(f"{where}: history: {next(p for p in problems if p)}")
    note = obj.get("note", "")
    if not isinstance(note, str):
        raise GoldenError(f"{where}: note must be a string")
    lists: dict[str, Any] = {"history": history}
    for key in ("expect_any", "expect_all", "facts"):
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise GoldenError(f"{where}: {key} must be a list of strings")
        lists[key] = value
    split = obj.get("split")
    if split is not None and split not in SPLITS:
        raise GoldenError(f"{where}: split must be dev or test, not {split!r}")
    question = GoldenQuestion(obj["id"], obj["question"], obj["lang"], obj["kind"], **lists, split=split, note=note)
    if question.kind == "abstain" and (question.expect_any or question.expect_all or question.facts):
        raise GoldenError(f"{where}: an abstain question expects no records and no facts")
    return question


def load_golden(path: Path, limit: int | None = None, split: str = "all") -> list[GoldenQuestion]:
    """Read a golden set; blank lines are skipped, ids must be unique. ``split`` keeps the dev or the test
    questions ("all": every question); asking for a split of a file that has none is an error."""
    if split not in SPLITS + ("all",):
        raise GoldenError(f"split must be dev, test or all, not {split!r}")
    questions: list[GoldenQuestion] = []
    seen: set[str] = set()
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        question = parse_line(raw, f"{path}:{number}")
        if question.id in seen:
            raise GoldenError(f"{path}:{number}: duplicate id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise GoldenError(f"{path}: no questions")
    if split != "all":
        unsplit = [q.id for q in questions if q.split is None]
        if unsplit:
            raise GoldenError(
                f"{path}: {len(unsplit)} question(s) have no split (first: {unsplit[0]}); "
                "run python -m assistant.evals.split --set FILE, or use --split all"
            )
        questions = [q for q in questions if q.split == split]
    return questions[:limit] if limit else questions
