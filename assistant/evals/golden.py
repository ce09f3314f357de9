"""The golden question set: one JSON object per line (see evals/golden.jsonl)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

KINDS: tuple[str, ...] = ("lookup", "aggregate", "filter", "followup", "abstain")
# question types of the answers issue: compare (expect_all: every paper to cover), topic (a topic list or summary;
# expect_all: all members), aspect (an aspect over a list; expect_all + facts), superlative (facts), and
# detail_missing (the record named in expect_any exists but lacks the asked detail: abstaining is right)
KINDS += ("compare", "topic", "aspect", "superlative", "detail_missing")
ABSTAIN_KINDS = ("abstain", "detail_missing")
LANGS = ("en", "zh")
SPLITS = ("dev", "test")  # dev: tuning and calibration; test: held out (see evals/README.md)


@dataclass
class GoldenQuestion:
    id: str
    question: str
    lang: str
    kind: str
    history: list[str] = field(default_factory=list)
    expect_any: list[str] = field(default_factory=list)  # any one returned record matching one string answers it
    expect_all: list[str] = field(default_factory=list)  # every string must be matched by some returned record
    facts: list[str] = field(default_factory=list)  # must occur in the answer (case-insensitive)
    split: str | None = None  # "dev" | "test"; None in files that were never split

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
    lists = {}
    for key in ("history", "expect_any", "expect_all", "facts"):
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise GoldenError(f"{where}: {key} must be a list of strings")
        lists[key] = value
    split = obj.get("split")
    if split is not None and split not in SPLITS:
        raise GoldenError(f"{where}: split must be dev or test, not {split!r}")
    question = GoldenQuestion(obj["id"], obj["question"], obj["lang"], obj["kind"], **lists, split=split)
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
