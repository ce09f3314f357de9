"""The parsed plan of every negated or combined filter question of the golden set, against its intended plan
(the parser case with the same question in evals/parser_cases.jsonl); a Markdown table for evals/RESULTS.md:

    python -m assistant.evals.plans [--golden evals/golden.jsonl] [--cases evals/parser_cases.jsonl] [--seeds seeds]

A filter question (kind ``filter``) is "negated or combined" when its intended plan, or the plan the parser
makes of it, has an excluding filter, two or more filters, or a filter together with topic terms. Such a question
without a parser case is a row too ("no case"), so nothing is left out by lacking one, except the test-split
questions of a held-out round (``HELD_OUT``). Exit 1 when a row is not as intended.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.evals.golden import load_golden
from assistant.records.corpus import load_corpus
from assistant.retrieve.query import plan_query

# Rounds split before any of their questions was run. A parser case is the parser's own plan checked by hand, so
# writing one means running the parser on the question and tuning it to the answer: their test questions get none,
# and the eval's filter recall on them is the measure (their dev questions have cases like any other).
HELD_OUT = ("s6-held-",)


@dataclass
class PlanRow:
    id: str
    split: str
    question: str
    intended: dict[str, Any] | None
    parsed: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.parsed == self.intended


def negated_or_combined(plan: dict[str, Any]) -> bool:
    filters = plan["filters"]
    return (
        any(f["polarity"] == "exclude" for f in filters) or len(filters) >= 2 or bool(filters and plan["topic_terms"])
    )


def plan_rows(golden: Path, cases: Path, seeds: Path) -> list[PlanRow]:
    records = load_corpus([seeds]).records
    venues = sorted({r.venue for r in records if r.venue})
    tracks = sorted({r.track for r in records if r.track})
    years = sorted({r.year for r in records if r.year})
    intended: dict[str, dict[str, Any]] = {}
    for line in cases.read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            intended[case["question"]] = {k: v for k, v in case.items() if k not in ("id", "question", "lang")}
    rows = []
    for q in load_golden(golden):
        if q.kind != "filter" or (q.id.startswith(HELD_OUT) and q.split == "test"):
            continue
        parsed = plan_query(q.question, venues, tracks, years).to_dict()
        wanted = intended.get(q.question)
        if negated_or_combined(parsed) or (wanted is not None and negated_or_combined(wanted)):
            rows.append(PlanRow(q.id, q.split or "-", q.question, wanted, parsed))
    return rows


def _filters(plan: dict[str, Any]) -> str:
    parts = [f"{'NOT ' if f['polarity'] == 'exclude' else ''}{f['key']}={f['value']}" for f in plan["filters"]]
    together = [f"{f['key']}={f['value']}" for f in plan["filters"] if f["polarity"] == "exclude_together"]
    parts = [p for p, f in zip(parts, plan["filters"], strict=True) if f["polarity"] != "exclude_together"]
    return " AND ".join(parts + ([f"NOT ({' AND '.join(together)})"] if together else [])) or "-"


def markdown(rows: list[PlanRow]) -> str:
    lines = [
        "| id | split | question | parsed filters | topic terms | type | as intended |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        verdict = "yes" if r.ok else ("no case" if r.intended is None else f"no: wanted {_filters(r.intended)}")
        p = r.parsed
        terms = ", ".join(p["topic_terms"]) or "-"
        question = r.question.replace("|", "\\|")
        kind = p["question_type"]
        lines.append(f"| {r.id} | {r.split} | {question} | {_filters(p)} | {terms} | {kind} | {verdict} |")
    ok = sum(r.ok for r in rows)
    lines.append("")
    lines.append(f"{ok} of {len(rows)} negated or combined filter questions parsed as intended.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--golden", type=Path, default=Path("evals/golden.jsonl"))
    parser.add_argument("--cases", type=Path, default=Path("evals/parser_cases.jsonl"))
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    args = parser.parse_args(argv)
    rows = plan_rows(args.golden, args.cases, args.seeds)
    print(markdown(rows))
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
