"""Check the expect_all lists of the negated/combined filter questions in golden.jsonl against every record.

Each question's true set is computed here from the parsed records' metadata (and, for a topic, a text test
over the header and abstract), independently of the question parser. A question passes when its expect_all
strings match exactly the true set: every true record is matched by a string and no string matches another
record. Run: ``python evals/verify_filter_golden.py`` (``--suggest`` prints strings for a new question)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from assistant.records.corpus import load_corpus
from assistant.records.model import Record

ROOT = Path(__file__).resolve().parent.parent
EEG = re.compile(r"\bEEG\b|electroencephalogra|脑电", re.I)
ECG = re.compile(r"\bECG\b|electrocardiogra|心电", re.I)


def about(pattern: re.Pattern[str]) -> Callable[[Record], bool]:
    return lambda r: bool(pattern.search(r.header + "\n" + r.abstract))


def paper(r: Record) -> bool:
    return r.kind == "paper"


TRUE_SETS: dict[str, Callable[[Record], bool]] = {
    "negfilter-en-01": lambda r: r.presentation == "Oral" and not r.has_code,
    "negfilter-en-02": lambda r: paper(r) and r.presentation != "Poster",
    "negfilter-en-03": lambda r: r.presentation == "Poster" and r.track == "clinical NLP" and not r.has_code,
    "negfilter-en-04": lambda r: r.track == "医学影像" and not r.has_code,
    "negfilter-en-05": lambda r: r.year == 2025 and not r.venue.startswith("ICLR"),
    "negfilter-en-06": lambda r: paper(r) and r.year != 2026,
    "negfilter-en-07": lambda r: about(EEG)(r) and not r.has_code,
    "negfilter-en-08": lambda r: r.track == "clinical prediction" and r.has_code,
    "negfilter-en-09": lambda r: about(ECG)(r) and not r.has_code,
    "negfilter-en-10": lambda r: r.track == "trustworthy medical AI" and r.has_code and r.presentation != "Oral",
    "negfilter-zh-01": lambda r: about(EEG)(r) and r.has_code,
    "negfilter-zh-02": lambda r: r.presentation == "Oral" and not r.has_code,
    "negfilter-zh-03": lambda r: paper(r) and r.presentation != "Poster",
    "negfilter-zh-04": lambda r: r.year == 2026 and r.presentation != "Oral" and r.track == "医学影像",
    "negfilter-zh-05": lambda r: r.track == "医学影像" and not r.has_code,
    "negfilter-zh-06": lambda r: about(ECG)(r) and r.has_code,
    "negfilter-zh-07": lambda r: paper(r) and r.venue != "ICLR 2026",
    "negfilter-zh-08": lambda r: r.track == "clinical NLP" and not r.has_code,
    "negfilter-zh-09": lambda r: r.track == "clinical prediction" and r.has_code,
    "negfilter-zh-10": lambda r: r.kind != "paper",
}


def matches(text: str, record: Record) -> bool:
    return text in record.title or text in record.header


def suggest(record: Record, records: list[Record]) -> str:
    """A string naming ``record`` alone: its short name or title, else (a title shared by two versions) the
    end of its header from the track on."""
    name = record.short_name or record.title
    if sum(matches(name, r) for r in records) == 1:
        return name
    return f"{record.track} {record.title}"


def main() -> int:
    records = load_corpus([ROOT / "seeds"]).records
    golden = {q["id"]: q for q in map(json.loads, (ROOT / "evals" / "golden.jsonl").read_text("utf-8").splitlines())}
    failures = 0
    for qid, predicate in TRUE_SETS.items():
        truth = [r for r in records if predicate(r)]
        if "--suggest" in sys.argv:
            print(qid, json.dumps([suggest(r, records) for r in truth], ensure_ascii=False))
            continue
        expect = golden[qid]["expect_all"]
        uncovered = [r.title for r in truth if not any(matches(s, r) for s in expect)]
        stray = [s for s in expect if any(matches(s, r) for r in records if not predicate(r))]
        ok = bool(truth) and not uncovered and not stray
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'} {qid} true={len(truth)} uncovered={uncovered} stray={stray}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
