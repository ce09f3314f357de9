"""The nested Settings: flat names routed to their group, environment variables per group, validation, presets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import Settings


def test_flat_names_reach_their_group_and_replace_validates() -> None:
    settings = Settings(k=3, port=8001, chroma_url="http://127.0.0.1:8000", model="m", timeout=5)
    assert (settings.retrieval.k, settings.ui.port, settings.index.chroma_url) == (3, 8001, "http://127.0.0.1:8000")
    assert (settings.llm.model, settings.llm.timeout) == ("m", 5)
    changed = settings.replace(k=7, data_dir=Path("/tmp/elsewhere"))
    assert changed.retrieval.k == 7 and changed.ui.port == 8001 and changed.data_dir == Path("/tmp/elsewhere")
    with pytest.raises(ValidationError, match="retrieval_mode"):
        settings.replace(retrieval_mode="sparse")
    with pytest.raises(ValidationError, match="k"):
        Settings(k=0)
    with pytest.raises(ValidationError, match="backend"):
        Settings(backend="bogus")


def test_each_group_reads_its_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "ASSISTANT_CHROMA_URL": "http://127.0.0.1:9",
        "ASSISTANT_K": "4",
        "ASSISTANT_BACKEND": "openai",
        "ASSISTANT_MODEL": "qwen",
        "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
        "ASSISTANT_LLM_TIMEOUT": "7",
        "ASSISTANT_PORT": "7000",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings(port=7001)  # a keyword beats the environment, the rest of the group still reads it
    assert settings.index.chroma_url == "http://127.0.0.1:9" and settings.retrieval.k == 4
    assert settings.answer.backend == "openai" and settings.llm.model == "qwen" and settings.llm.timeout == 7
    assert settings.llm.base_url == "http://127.0.0.1:11434/v1" and settings.ui.port == 7001


def test_abstention_comes_from_the_embedding_models_preset() -> None:
    preset = Settings().abstention
    assert preset.threshold_en > 0 and "dev" in preset.calibrated_on
    with pytest.raises(ValueError, match="no calibrated abstention thresholds for embedding model 'minilm'"):
        _ = Settings(embedding_model="minilm").abstention
    override = Settings(embedding_model="minilm", abstention={"threshold_en": 0.5, "threshold_zh": 0.6})
    assert override.abstention.threshold_zh == 0.6


def test_cache_keys_follow_the_settings() -> None:
    base = Settings()
    assert base.cache_key("index") == base.replace(k=9).cache_key("index")
    assert base.cache_key("index") != base.replace(chunk_tokens=200).cache_key("index")
    assert "sk-secret" not in base.replace(api_key="sk-secret").cache_key("index", "llm")
