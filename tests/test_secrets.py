"""A password in a URL (http://user:password@host) is never shown: answered-by line, JSON export, errors, logs."""

from __future__ import annotations

import logging

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.index.check import check_index
from assistant.index.ingest import ingest
from assistant.redact import redact_urls
from assistant.settings import Settings
from tests.helpers import free_port, paper, small_corpus

SECRET = "s3cret-pw"
RECORDS = [(paper(f"Secret{i}:segmentation study {i}"), f"We segment organ {i} in CT scans.") for i in range(3)]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("secrets")
    settings: Settings = small_corpus(root, RECORDS)
    ingest(settings, progress=False)
    return settings


def test_redact_urls() -> None:
    assert redact_urls(f"see http://user:{SECRET}@host:8/v1 and https://a:b@c") == (
        "see http://user:***@host:8/v1 and https://a:***@c"
    )
    assert redact_urls("http://host/v1?x=1") == "http://host/v1?x=1"


@pytest.mark.parametrize("as_json", [False, True])
def test_llm_url_secret_never_printed(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, as_json: bool
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://user:{SECRET}@127.0.0.1:{free_port()}/v1")  # refused
    monkeypatch.setenv("ASSISTANT_LLM_MAX_RETRIES", "0")
    caplog.set_level(logging.DEBUG)
    args = ["ask", "which study segments organ 1 in CT?", "--backend", "openai", "--data-dir", str(indexed.data_dir)]
    result = CliRunner().invoke(app, args + (["--json"] if as_json else []))
    assert "user:***@127.0.0.1" in result.output, result.output
    assert SECRET not in result.output and SECRET not in caplog.text


def test_chroma_url_secret_never_printed(indexed: Settings) -> None:
    settings = indexed.replace(chroma_url=f"http://admin:{SECRET}@127.0.0.1:{free_port()}")
    health = check_index(settings)
    assert not health.ok and "admin:***@" in str(health) and SECRET not in str(health), health
    result = CliRunner().invoke(app, ["search", "organ", "--chroma-url", settings.index.chroma_url or ""])
    assert result.exit_code != 0 and SECRET not in result.output, result.output
