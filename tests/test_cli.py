"""The CLI in-process (typer's CliRunner): settings routed from flags, clear errors instead of tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

from assistant.retrieve.hybrid import get_retriever
from assistant.settings import Settings
from tests.helpers import run_cli


def test_chat_on_an_index_of_another_embedding_model_is_a_clear_error(seed_settings: Settings) -> None:
    # An OpenAI-compatible embedding model loads without a connection, so the mismatch is found at open.
    env = {"ASSISTANT_EMBEDDING_MODEL": "openai:x", "OPENAI_API_KEY": "sk-test"}
    result = run_cli("chat", "--ingest-if-needed", "--data-dir", seed_settings.data_dir, "--port", 0, env=env)
    assert result.exit_code == 1, result.output
    assert "was built with embedding model" in result.stderr and "ingest --rebuild" in result.stderr


def test_a_later_k_is_honoured_in_the_same_process(seed_settings: Settings) -> None:
    one = get_retriever(seed_settings.replace(k=1)).search("EEG tokenizer")
    five = get_retriever(seed_settings.replace(k=5)).search("EEG tokenizer")
    assert len(one.hits) == 1 and len(five.hits) == 5
    assert get_retriever(seed_settings.replace(k=5)).catalog is get_retriever(seed_settings).catalog  # not reopened


def test_search_k_flag_reaches_the_retriever(seed_settings: Settings) -> None:
    for k in (1, 4):
        result = run_cli("search", "EEG tokenizer", "-k", k, "--json", "--data-dir", seed_settings.data_dir)
        assert result.exit_code == 0, result.stderr
        assert len(json.loads(result.stdout)["hits"]) == k


def test_python_dash_m_runs_the_same_command_line() -> None:
    # The one subprocess here: `python -m assistant` goes through the module entry point, not the script.
    done = subprocess.run([sys.executable, "-m", "assistant", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Usage: assistant" in done.stdout and "ingest" in done.stdout and "ask" in done.stdout
