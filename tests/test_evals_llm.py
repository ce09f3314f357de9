"""``--compare`` of the offline answerer with a real OpenAI-compatible server (llama.cpp + SmolLM2), and the
answer cache of an LLM run. Asserts mechanics, not the small model's wisdom."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.evals import sidebyside
from assistant.evals.compare import compare_runs
from assistant.evals.golden import load_golden
from assistant.evals.runner import run_eval
from assistant.settings import Settings
from tests.helpers import ROOT
from tests.servers import LlamaServer


@pytest.mark.slow
def test_compare_extractive_with_the_llama_server(
    seed_settings: Settings, llama_server: LlamaServer, tmp_path: Path
) -> None:
    base = seed_settings.replace(
        **{
            "base_url": llama_server.base_url,
            "model": llama_server.model,
            "api_key": SecretStr(llama_server.api_key),
            "context_tokens": 500,
            "max_tokens": 60,
            "max_retries": 0,
        }
    )
    questions = load_golden(ROOT / "evals" / "golden.jsonl", limit=4, split="test")
    offline = run_eval(questions, base, backend="extractive", progress=False)
    llm = run_eval(questions, base, backend="openai", progress=False)
    assert llm["meta"]["config"]["model"] == llama_server.model and llm["meta"]["cached_answers"] == 0
    answered = sum(1 for q in llm["questions"] if not q["error"])
    assert run_eval(questions, base, backend="openai", progress=False)["meta"]["cached_answers"] == answered

    comparison = compare_runs(offline, llm)
    assert comparison["n"] == 4 and sum(comparison["outcomes"].values()) == 4
    assert comparison["a"]["backend"] == "extractive" and comparison["b"]["backend"] == "openai"
    assert all(0 < m["p"] <= 1 and "ci95" in m for m in comparison["metrics"].values())
    paths = sidebyside.write(comparison, offline, llm, tmp_path)
    page = paths["html"].read_text(encoding="utf-8")
    assert page.count("<h3>A</h3>") == 2 and all(q["id"] in page for q in comparison["questions"])
