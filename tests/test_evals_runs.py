"""Eval runs on the seed index: the answer cache and resuming, retrieval modes, and ``--split`` / ``--compare``
through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.evals.cache import AnswerCache, configuration
from assistant.evals.golden import load_golden
from assistant.evals.runner import run_eval
from assistant.retrieve.hybrid import get_retriever
from assistant.settings import Settings
from tests.helpers import ROOT

GOLDEN = ROOT / "evals" / "golden.jsonl"


def test_an_interrupted_run_resumes_from_the_cache(seed_settings: Settings) -> None:
    settings = seed_settings
    questions = load_golden(GOLDEN, limit=3)
    seen: list[str] = []

    def stop_after_two(row: dict) -> None:
        seen.append(row["id"])
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_eval(questions, settings, progress=False, cache=True, on_row=stop_after_two)
    resumed = run_eval(questions, settings, progress=False, cache=True)
    assert resumed["meta"]["cached_answers"] == 2 and resumed["metrics"]["n_questions"] == 3
    again = run_eval(questions, settings, progress=False, cache=True)
    assert again["meta"]["cached_answers"] == 3
    assert [q["answer"] for q in again["questions"]] == [q["answer"] for q in resumed["questions"]]
    other_k = Settings(**(settings.model_dump() | {"k": 3}))
    assert run_eval(questions, other_k, progress=False, cache=True)["meta"]["cached_answers"] == 0
    assert run_eval(questions, settings, progress=False)["meta"]["cached_answers"] is None  # offline: no cache
    cache = AnswerCache.for_settings(settings, configuration(settings, None))
    cache.path(questions[0]).write_text("{not json", encoding="utf-8")
    assert cache.get(questions[0]) is None  # a damaged entry is answered again


def test_retrieval_modes_rank_by_one_retriever_alone(seed_settings: Settings) -> None:
    query = "Which benchmark evaluates LLMs on open-ended mental health questions?"
    results = {
        mode: get_retriever(Settings(data_dir=seed_settings.data_dir, retrieval_mode=mode)).search(query)
        for mode in ("hybrid", "dense", "bm25")
    }
    dense, bm25 = results["dense"].hits, results["bm25"].hits
    assert [h.dense for h in dense] == sorted((h.dense for h in dense), reverse=True)
    assert [h.bm25 for h in bm25] == sorted((h.bm25 for h in bm25), reverse=True)
    assert all(h.bm25 == 0 for h in dense) and all(h.dense == 0 for h in bm25)  # the other ranking is not fused
    assert len({r.top_dense for r in results.values()}) == 1  # abstention evidence is the same in every mode
    assert [h.record_id for h in dense] != [h.record_id for h in bm25]


def test_cli_split_and_compare(seed_settings: Settings, tmp_path: Path) -> None:
    base = ["eval", "--set", str(GOLDEN), "--data-dir", str(seed_settings.data_dir), "--json"]
    test_split = CliRunner().invoke(app, base + ["--split", "test", "--limit", "4"])
    assert test_split.exit_code == 0, test_split.output
    data = json.loads(test_split.stdout)
    assert {q["split"] for q in data["questions"]} == {"test"} and "hit@1" in data["metrics"]["ci95"]

    compared = CliRunner().invoke(
        app, base + ["--split", "dev", "--limit", "8", "--compare", "retrieval=bm25", "retrieval=hybrid"]
    )
    assert compared.exit_code == 0, compared.output
    comparison = json.loads(compared.stdout)
    assert comparison["a"]["retrieval_mode"] == "bm25" and comparison["b"]["retrieval_mode"] == "hybrid"
    assert comparison["n"] == 8 and sum(comparison["outcomes"].values()) == 8
    assert {"delta", "p", "ci95", "n"} <= set(comparison["metrics"]["hit@1"])

    bad = CliRunner().invoke(app, base + ["--compare", "retrieval=sparse", "default"])
    assert bad.exit_code == 2 and "retrieval_mode" in bad.stderr
    missing = CliRunner().invoke(app, base + ["--compare", str(tmp_path / "nope.json"), "default"])
    assert missing.exit_code == 2 and "not a readable run file" in missing.stderr
