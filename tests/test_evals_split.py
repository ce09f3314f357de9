"""The dev/test split of the golden set: stratified, seeded, written once, and read by split."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.evals.golden import GoldenError, load_golden
from assistant.evals.split import assign, write_split
from tests.helpers import ROOT

GOLDEN = ROOT / "evals" / "golden.jsonl"


def questions(n_per_stratum: dict[tuple[str, str], int]) -> list[dict[str, str]]:
    return [
        {"id": f"{kind}-{lang}-{i:02d}", "question": "q?", "kind": kind, "lang": lang}
        for (kind, lang), n in n_per_stratum.items()
        for i in range(n)
    ]


def test_assign_is_stratified_and_seeded() -> None:
    qs = questions({("lookup", "en"): 11, ("lookup", "zh"): 7, ("abstain", "zh"): 3})
    split = assign(qs, seed=5)
    test = Counter((q["kind"], q["lang"]) for q in qs if split[q["id"]] == "test")
    assert test == {("lookup", "en"): 5, ("lookup", "zh"): 3, ("abstain", "zh"): 1}  # floor(n / 2) per stratum
    assert assign(list(reversed(qs)), seed=5) == split  # the order of the file does not matter
    assert assign(qs, seed=6) != split


def test_existing_splits_are_kept_and_new_questions_assigned(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    qs = questions({("lookup", "en"): 4})
    qs[0]["split"] = "test"
    path.write_text("".join(json.dumps(q) + "\n" for q in qs), encoding="utf-8")
    counts = write_split(path, seed=1)
    assert counts["dev"] + counts["test"] == 4
    loaded = {q.id: q.split for q in load_golden(path)}
    assert loaded["lookup-en-00"] == "test" and all(s in ("dev", "test") for s in loaded.values())
    before = path.read_text(encoding="utf-8")
    write_split(path, seed=99)  # a second run with another seed moves nothing
    assert path.read_text(encoding="utf-8") == before


# s5-miss-* were split before any was run
PROBES = (
    "s5-en-",
    "s5-zh-",
    "s5b-en-",
    "s5c-zh-",
    "s6-para-",
    "s6-list-",
    "s6-oos-",
    "s6-asp-",
    "s6-new-",
    "s6-gloss-",
)


def test_the_shipped_golden_set_is_split_in_both_kinds_and_languages() -> None:
    every = load_golden(GOLDEN)
    dev, test = load_golden(GOLDEN, split="dev"), load_golden(GOLDEN, split="test")
    assert {q.id for q in dev} | {q.id for q in test} == {q.id for q in every}
    assert not {q.id for q in dev} & {q.id for q in test}
    for part in (dev, test):
        strata = Counter((q.kind, q.lang) for q in part)
        assert set(strata) == {(q.kind, q.lang) for q in every}  # every stratum is on both sides
    # Questions are split in batches as they are added (existing ones never move); each batch puts floor(n/2)
    # of a stratum in test, so a stratum is off balance by at most one question per batch (three batches so far).
    # Probe batches (ids s5-en-*, s5-zh-*, s5b-en-*) are dev only: their failures were looked at while fixing
    # (evals/README.md).
    assert all(q.split == "dev" for q in every if q.id.startswith(PROBES))
    for stratum in {(q.kind, q.lang) for q in every}:
        n_dev = sum(1 for q in dev if (q.kind, q.lang) == stratum and not q.id.startswith(PROBES))
        n_test = sum(1 for q in test if (q.kind, q.lang) == stratum)
        assert 0 <= n_dev - n_test <= 3, (stratum, n_dev, n_test)


def test_split_errors(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(questions({("lookup", "en"): 1})[0]) + "\n", encoding="utf-8")
    with pytest.raises(GoldenError, match="have no split"):
        load_golden(path, split="test")
    with pytest.raises(GoldenError, match="split must be dev, test or all"):
        load_golden(path, split="train")
    path.write_text(json.dumps(questions({("lookup", "en"): 1})[0] | {"split": "train"}) + "\n", encoding="utf-8")
    with pytest.raises(GoldenError, match=r"g.jsonl:1: split must be dev or test"):
        load_golden(path)
    with pytest.raises(ValueError, match="test_share"):
        assign([], test_share=1.0)
