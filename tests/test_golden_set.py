"""The golden set is valid against the seed records: expected strings name one record each, filter lists are
exactly what the metadata selects, topic lists account for every candidate (assistant/evals/check_golden.py).
The checker itself is shown to catch each kind of mistake on a small corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.evals.check_golden import Topic, check, main, set_problems
from assistant.evals.golden import GoldenError, load_golden
from assistant.records.corpus import load_corpus
from tests.helpers import ROOT, SEEDS, paper, write_corpus

GOLDEN = ROOT / "evals" / "golden.jsonl"


def test_the_shipped_golden_set_matches_the_seed_records() -> None:
    problems = check(load_golden(GOLDEN), load_corpus([SEEDS]).records)
    assert problems == {}, "\n".join(f"{qid}: {'; '.join(p)}" for qid, p in problems.items())


def corpus(tmp_path: Path) -> list[Any]:
    write_corpus(
        tmp_path / "seeds",
        [
            (
                paper("AlphaSeg: lung segmentation"),
                "We segment lungs in CT. Code/project link: https://github.com/a/alpha",
            ),
            (paper("BetaSeg: liver segmentation", track="医学影像"), "We segment the liver in MRI."),
            (paper("Gamma: report writing"), "We write radiology reports; no image is segmented here."),
            (paper("Delta: ECG benchmark", presentation="Oral"), "We benchmark ECG models."),
            (paper("Delta: ECG benchmark", track="医学影像"), "Another version of Delta, filed under another track."),
        ],
    )
    return load_corpus([tmp_path / "seeds"]).records


def golden(tmp_path: Path, *questions: dict[str, Any]) -> Path:
    path = tmp_path / "g.jsonl"
    base = {"question": "q?", "lang": "en", "kind": "lookup"}
    path.write_text("".join(json.dumps(base | q, ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")
    return path


def test_the_checker_finds_each_kind_of_mistake(tmp_path: Path) -> None:
    records = corpus(tmp_path)
    path = golden(
        tmp_path,
        {"id": "two", "expect_any": ["Seg:"]},  # names AlphaSeg and BetaSeg
        {"id": "none", "expect_any": ["Epsilon"]},
        {"id": "history", "kind": "followup", "history": [{"question": "q", "records": ["0000"]}]},
        {"id": "filter", "kind": "filter", "expect_all": ["AlphaSeg", "Gamma"]},  # wants: no code -> Beta, Gamma, Delta
        {"id": "topic", "kind": "aggregate", "expect_all": ["AlphaSeg"]},  # BetaSeg also segments
        {"id": "ok", "kind": "aggregate", "expect_all": ["AlphaSeg", "BetaSeg"]},
        {"id": "unpinned", "kind": "filter", "expect_all": ["Delta"]},
        {"id": "stray", "kind": "aggregate", "expect_all": ["AlphaSeg", "BetaSeg", "Delta"]},  # Delta: no segmenting
    )
    topic = Topic(r"segment", excluded={"Gamma": "says it segments nothing"})
    problems = check(
        load_golden(path),
        records,
        exact={"filter": lambda r: not r.has_code, "absent": lambda r: True},
        topics={"topic": topic, "ok": topic, "stray": topic},
    )
    assert "names 2 records" in problems["two"][0]
    assert problems["none"] == ["'Epsilon' names no record"]
    assert problems["history"] == ["history names an unknown record 0000"]
    assert set(problems["filter"]) == {
        "misses BetaSeg: liver segmentation",
        "misses Delta: ECG benchmark",
        "'AlphaSeg' names a record outside the set",
    }
    assert problems["topic"] == ["candidate BetaSeg: liver segmentation is neither expected nor excluded"]
    assert "ok" not in problems
    assert problems["unpinned"] == ["a filter question needs its true set in EXACT_SETS"]
    assert set(problems["stray"]) == {"Delta: ECG benchmark does not match the topic's terms"}
    assert problems["(checker)"] == ["no question absent in the set"]


def test_a_title_shared_by_two_versions_names_one_of_them_only_where_tolerated(tmp_path: Path) -> None:
    records = corpus(tmp_path)
    imaging = [r for r in records if r.track == "医学影像"]
    assert len(imaging) == 2 and len([r for r in records if r.title == "Delta: ECG benchmark"]) == 2

    def in_imaging(r: Any) -> bool:
        return r.track == "医学影像"

    assert set_problems(["BetaSeg", "Delta"], in_imaging, records) == ["'Delta' names a record outside the set"]
    assert set_problems(["BetaSeg", "Delta"], in_imaging, records, twins=True) == []
    assert set_problems(["BetaSeg", "医学影像 Delta"], in_imaging, records) == []  # the header names one version


def test_the_command_reports_problems_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus(tmp_path)
    bad = golden(tmp_path, {"id": "none", "expect_any": ["Epsilon"]})
    assert main(["--set", str(bad), "--seeds", str(tmp_path / "seeds")]) == 1
    assert "none: 'Epsilon' names no record" in capsys.readouterr().out
    assert main(["--suggest", "i16-filter-en-03", "--seeds", str(SEEDS)]) == 0  # the two oral papers
    assert json.loads(capsys.readouterr().out) == ["CounselBench", "BioX-Bridge"]


def test_the_loader_reads_the_new_kinds_history_turns_and_notes(tmp_path: Path) -> None:
    path = golden(
        tmp_path,
        {"id": "m", "kind": "detail_missing", "expect_any": ["LiveClin"], "note": "no affiliation in the record"},
        {"id": "f", "kind": "followup", "history": ["what is LiveClin?", {"question": "and its code?", "answer": "x"}]},
        {"id": "c", "kind": "compare", "expect_all": ["A", "B"], "facts": ["x"]},
    )
    missing, follow, compare = load_golden(path)
    assert missing.should_abstain and missing.expect_any == ["LiveClin"]
    assert missing.note == "no affiliation in the record"
    assert follow.history[1] == {"question": "and its code?", "answer": "x"} and not follow.should_abstain
    assert not compare.should_abstain
    for bad, message in (
        ({"id": "h", "history": [{"answer": "no question"}]}, r"g.jsonl:1: history: .*\"question\" string"),
        ({"id": "h", "history": "what is LiveClin?"}, r"g.jsonl:1: history: must be a list"),
        ({"id": "n", "note": ["a"]}, r"g.jsonl:1: note must be a string"),
        ({"id": "a", "kind": "abstain", "expect_any": ["X"]}, "an abstain question expects"),
    ):
        with pytest.raises(GoldenError, match=message):
            load_golden(golden(tmp_path, bad))
