"""Ingest under real process failures: kill -9 mid-embedding, and a second ingest while one is running."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import TypeVar

import pytest

from assistant.index import store
from assistant.index.check import check_index
from assistant.index.ingest import ingest
from assistant.retrieve.hybrid import HybridRetriever
from assistant.settings import Settings
from tests.helpers import ROOT, THREE_PAPERS, paper, small_corpus, write_corpus

T = TypeVar("T")
Spawn = Callable[..., subprocess.Popen[str]]

OLD = THREE_PAPERS
NEW = [
    (paper(f"Organ{i}:imaging study number {i}"), f"We segment organ {i} in abdominal CT scans of cohort {i}.")
    for i in range(30)
]
BATCH = 4  # chunks embedded and written per step: the kill lands between two of them
INGEST = (
    "import sys\nfrom assistant.settings import Settings\nfrom assistant.index.ingest import ingest\n"
    "ingest(Settings(data_dir=sys.argv[1], sources=[sys.argv[2]], embed_batch=int(sys.argv[3])), progress=False)"
)
# The real CLI, imported before the test says go, so that it asks for the lock at a moment the test controls.
CLI_ON_SIGNAL = (
    "import sys\nfrom assistant.cli import main\nimport assistant.index.ingest\n"
    "print('ready', flush=True)\nsys.stdin.readline()\n"
    "sys.argv = ['assistant', 'ingest', '--data-dir', sys.argv[1], sys.argv[2]]\nmain()"
)


def make_settings(tmp_path: Path, records: list[tuple[str, str]]) -> Settings:
    return small_corpus(tmp_path, records, embed_batch=BATCH)


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """Start python processes in the project; any still running at the end of the test is killed. They embed
    for real (no embedding cache): the tests act while an ingest is busy embedding."""
    started: list[subprocess.Popen[str]] = []
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_EMBEDDING_CACHE"}

    def start(code: str, *args: object) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *map(str, args)],
            cwd=ROOT,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def start_ingest(spawn: Spawn, settings: Settings) -> subprocess.Popen[str]:
    return spawn(INGEST, settings.data_dir, settings.sources[0], BATCH)


def succeed(proc: subprocess.Popen[str]) -> None:
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err


def stored_keys(generation: Path, namespace: str = "chroma/papers") -> int:
    """Chunks the record manager of a generation has committed to the records collection (not its sentences or
    views; -1 while it cannot be read)."""
    try:
        with closing(sqlite3.connect(f"file:{generation / 'records.sqlite'}?mode=ro", uri=True, timeout=1)) as db:
            query = "SELECT count(*) FROM upsertion_record WHERE namespace = ?"
            return db.execute(query, (namespace,)).fetchone()[0]
    except sqlite3.Error:
        return -1


def wait_for(condition: Callable[[], T | None], proc: subprocess.Popen[str], what: str, timeout: float = 60) -> T:
    """Poll ``condition`` until it returns a value, failing if ``proc`` ends first."""
    deadline = time.monotonic() + timeout
    while (result := condition()) is None:
        assert proc.poll() is None, f"process ended before {what}: {proc.communicate()[1]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return result


def generations(settings: Settings) -> set[Path]:
    return set(settings.index_dir.glob("g-*"))


def top_title(settings: Settings, query: str) -> str:
    return HybridRetriever(settings).search(query, k=3).hits[0].title


def test_kill_9_mid_embedding_keeps_the_previous_index(tmp_path: Path, spawn: Spawn) -> None:
    settings = make_settings(tmp_path, OLD)
    succeed(start_ingest(spawn, settings))  # in another process: this one reads the index only from disk
    old = store.current_generation(settings)
    assert old is not None and stored_keys(old) == len(OLD)

    write_corpus(tmp_path / "corpus", OLD + NEW)
    proc = start_ingest(spawn, settings)
    building = wait_for(lambda: next(iter(generations(settings) - {old}), None), proc, "a new generation")
    written = wait_for(lambda: n if (n := stored_keys(building)) > len(OLD) else None, proc, "a first batch")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert len(OLD) < written < len(OLD + NEW)  # it was killed in the middle of embedding

    assert (settings.index_dir / "CURRENT").read_text().strip() == old.name
    health = check_index(settings)
    assert health.ok and (health.records, health.chunks) == (len(OLD), len(OLD)), health
    assert top_title(settings, "tokenizing EEG signals").startswith("EEGTok")
    assert not any(hit.title.startswith("Organ") for hit in HybridRetriever(settings).search("organ CT", k=5).hits)

    report = ingest(settings, progress=False)
    assert (report.added, report.skipped) == (len(NEW), len(OLD))
    assert (
        top_title(settings, "segment organ 17 in abdominal CT scans of cohort 17") == "Organ17:imaging study number 17"
    )
    assert check_index(settings).chunks == len(OLD + NEW)
    live = store.current_generation(settings)
    assert generations(settings) == {live, old}  # the abandoned build is pruned; the replaced one stays for readers
    assert not building.exists()


def test_second_ingest_is_refused_and_the_running_one_finishes(tmp_path: Path, spawn: Spawn) -> None:
    settings = make_settings(tmp_path, NEW)
    holder = settings.data_dir / "ingest.lock.pid"
    second = spawn(CLI_ON_SIGNAL, settings.data_dir, settings.sources[0])
    assert second.stdout is not None and second.stdout.readline().strip() == "ready", second.communicate()
    running = start_ingest(spawn, settings)
    wait_for(
        lambda: True if holder.exists() and holder.read_text().strip() == str(running.pid) else None,
        running,
        "the lock",
    )

    out, err = second.communicate("go\n", timeout=60)
    assert second.returncode != 0, out
    assert "another ingest is running" in err and f"pid {running.pid}" in err and "Traceback" not in err, err
    assert running.poll() is None  # refused while the first ingest was running, which goes on undisturbed
    assert holder.read_text().strip() == str(running.pid)

    succeed(running)
    [live] = generations(settings)
    assert store.current_generation(settings) == live
    assert top_title(settings, "segment organ 5 in abdominal CT scans of cohort 5") == "Organ5:imaging study number 5"
    assert check_index(settings).chunks == len(NEW)
