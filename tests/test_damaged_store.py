"""A damaged live store: bytes flipped at random offsets in each file of the live generation.

Every command answers with a message (no traceback, no engine panic reaching the user); when the damage is
detected the exit code is non-zero and the message names the repair; plain `assistant ingest` repairs it.
The commands run in a child process (an engine abort would otherwise take pytest down with it).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.index import readcopy, store
from assistant.index.ingest import ingest
from assistant.settings import Settings
from tests.helpers import ROOT, paper, small_corpus

RECORDS = [
    (paper(f"Organ{i}:imaging study number {i}"), f"We segment organ {i} in abdominal CT scans of cohort {i}.")
    for i in range(6)
]
RUNS = (1, 64)  # a copy per file for each: one byte flipped, and 64 bytes (997 apart), from a seeded random offset
MANY = 0.02  # share of a file's bytes flipped in the "many flipped bytes" copies
# Runs each command through the real CLI (in-process CliRunner) on each damaged copy, and check_index itself;
# one JSON line per copy. An engine abort (exit 134) would end this process: the test sees it.
DRIVER = """
import json, sys
from typer.testing import CliRunner
from assistant.cli import app
from assistant.index.check import check_index
from assistant.settings import Settings
corpus = sys.argv[1]
runner = CliRunner()
def run(*args):
    r = runner.invoke(app, [*args, "--data-dir", data])
    crashed = r.exception is not None and not isinstance(r.exception, SystemExit)
    return {"args": args[0], "code": r.exit_code, "output": r.output, "crashed": repr(r.exception) if crashed else ""}
def check():
    health = check_index(Settings(data_dir=data))
    return {"args": "check_index", "code": 0 if health.ok else 1, "output": str(health), "crashed": ""}
for data in sys.argv[2:]:
    out = [run("search", "organ CT"), run("ask", "which study segments organ 3?"), run("doctor"), check()]
    out += [run("eval", "--limit", "1")]
    out += [run("ingest", corpus), run("search", "organ CT"), run("doctor")]
    print(json.dumps(out), flush=True)
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("damaged")
    settings: Settings = small_corpus(root, RECORDS)
    ingest(settings, progress=False)
    return settings


def store_files(settings: Settings) -> list[str]:
    live = store.current_generation(settings)
    assert live is not None
    return sorted(str(p.relative_to(live)) for p in live.rglob("*") if p.is_file() and p.stat().st_size)


def damaged_copy(built: Settings, target: Path, name: str, offsets: list[int], sealed: bool = True) -> Path:
    """A copy of the data folder with the bytes at ``offsets`` of one live store file inverted; ``sealed=False``
    drops the manifest, as in a generation built by an earlier version (then the engine is probed instead)."""
    shutil.copytree(built.data_dir, target)
    live = store.current_generation(built.replace(data_dir=target))
    assert live is not None
    path = next(p for p in live.rglob("*") if str(p.relative_to(live)) == name)
    data = bytearray(path.read_bytes())
    for offset in offsets:
        data[offset % len(data)] ^= 0xFF
    path.write_bytes(bytes(data))
    if not sealed:
        (live / readcopy.MANIFEST).unlink()
    return target


def run_commands(corpus: Path, copies: list[Path]) -> list[list[dict]]:
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, str(corpus), *map(str, copies)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]


def check_outcome(results: list[dict]) -> bool:
    """Asserts the contract for one damaged copy; returns whether the damage was reported."""
    before, after = results[:5], results[5:]
    for r in results:
        assert not r["crashed"] and "Traceback" not in r["output"], r
        if r["code"] != 0:
            assert ("error:" in r["output"] or r["args"] == "check_index") and "assistant ingest" in r["output"], r
    assert [r["code"] for r in after] == [0, 0, 0], after  # plain ingest repaired whatever was damaged
    assert "index ok: 6 records" in after[2]["output"], after[2]
    return any(r["code"] != 0 for r in before)


def test_flipped_bytes_in_every_store_file(built: Settings, tmp_path: Path) -> None:
    names = store_files(built)
    assert "chroma/chroma.sqlite3" in names and "records.sqlite" in names
    live = store.current_generation(built)
    assert live is not None
    copies = []
    for name in names:
        rng = random.Random(name)
        size = (live / name).stat().st_size
        cases = [(rng.randrange(size), count) for count in RUNS]
        for n, (offset, count) in enumerate(cases):
            offsets = [offset + i * 997 for i in range(count)]
            copies.append(damaged_copy(built, tmp_path / f"{name.replace('/', '_')}-{n}", name, offsets))
    outcomes = run_commands(built.sources[0], copies)
    assert len(outcomes) == len(copies)
    detected = sum(check_outcome(results) for results in outcomes)
    print(f"corruptions tried: {len(copies)} in {len(names)} files; reported as damaged: {detected}")
    assert detected == len(copies)  # sealed generations: the manifest catches every flipped byte


@pytest.mark.slow
def test_many_flipped_bytes_in_every_store_file(built: Settings, tmp_path: Path) -> None:
    """2% of each file's bytes flipped: chromadb's engine used to abort the process (exit 134) on such files,
    check_index too. Sealed generations are caught by their manifest, unsealed ones by a probe in a child."""
    live = store.current_generation(built)
    assert live is not None
    copies = []
    for name in store_files(built):
        size = (live / name).stat().st_size
        rng = random.Random(f"many-{name}")
        offsets = [rng.randrange(size) for _ in range(max(8, int(size * MANY)))]
        for sealed in (True, False) if name != readcopy.MANIFEST else (True,):
            target = tmp_path / f"{name.replace('/', '_')}-{'sealed' if sealed else 'unsealed'}"
            copies.append(damaged_copy(built, target, name, offsets, sealed))
    outcomes = run_commands(built.sources[0], copies)
    assert len(outcomes) == len(copies)
    reported = [check_outcome(results) for results in outcomes]
    by_kind = {
        kind: [r for copy, r in zip(copies, reported, strict=True) if copy.name.endswith(f"-{kind}")]
        for kind in ("sealed", "unsealed")
    }
    print(
        "many flipped bytes: "
        + ", ".join(f"{kind} {sum(r)}/{len(r)} reported as damaged" for kind, r in by_kind.items())
        + " (the others answered normally)"
    )
    assert all(by_kind["sealed"])  # the manifest catches every change; without it only what the engine notices
