"""The built wheel works outside the checkout: prompts and presets are package data, the data dir is the user's."""

from __future__ import annotations

import importlib.util
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT, SEEDS


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def can_build_wheels() -> bool:
    if importlib.util.find_spec("setuptools") is None:
        return False
    return any(importlib.util.find_spec(name) for name in ("setuptools.command.bdist_wheel", "wheel"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # The test venv's setuptools (the build backend) when it can build wheels (bdist_wheel is built in from
    # setuptools 70.1, else the wheel package provides it): no isolated build env to set up.
    isolation = ["--no-build-isolation"] if can_build_wheels() else []
    proc = run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", str(out), "."], ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [built] = out.glob("assistant-*.whl")
    return built


def test_wheel_ships_prompts_and_presets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"assistant/prompts/answer.md", "assistant/prompts/judge.md", "assistant/presets.json"} <= names
    assert not any(n.startswith(("tests/", "seeds/", "evals/", "benchmarks/")) for n in names)


def seeds_sample(folder: Path) -> Path:
    """The smallest seed file and the seeds' LiveClin record (its header line and abstract line), in the shipped
    format: the uncached ingest of the installed wheel embeds a tenth of the seeds' text."""
    folder.mkdir()
    smallest = min(SEEDS.glob("*.txt"), key=lambda p: p.stat().st_size)
    shutil.copy(smallest, folder)
    lines = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text("utf-8").splitlines()]
    at = next(i for i, line in enumerate(lines) if "LiveClin:" in line)
    (folder / "liveclin.txt").write_text("\n".join(lines[at : at + 2]) + "\n", encoding="utf-8")
    return folder


@pytest.mark.slow
def test_installed_wheel_ingests_and_answers_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path).returncode == 0
    # The fresh venv gets the wheel itself (installed by the test venv's pip); its dependencies are borrowed
    # read-only from the test venv's site-packages (added after its own, so the installed wheel, not the
    # checkout, is what gets imported).
    target = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    (target / "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    # PYTHONPATH dropped for pip too: a checkout on it (with the assistant.egg-info the wheel build leaves there)
    # made pip skip the wheel as "already installed".
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k != "PYTHONPATH"}
    python = str(venv / "bin" / "python")
    pip = run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", str(wheel)], tmp_path, env
    )
    assert pip.returncode == 0, pip.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")  # platformdirs' user data dir, kept inside the test
    where = run([python, "-c", "import assistant; print(assistant.__file__)"], elsewhere, env)
    assert str(venv) in where.stdout, where.stdout + where.stderr

    cli = str(venv / "bin" / "assistant")
    ingest = run([cli, "ingest", str(seeds_sample(tmp_path / "corpus"))], elsewhere, env)
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    assert (tmp_path / "xdg" / "assistant" / "index" / "CURRENT").is_file()
    ask = run([cli, "ask", "what is LiveClin?"], elsewhere, env)
    assert ask.returncode == 0, ask.stdout + ask.stderr
    assert "LiveClin" in ask.stdout and "[1]" in ask.stdout and "answered by: extractive" in ask.stderr
    assert not (elsewhere / ".data").exists()
