"""Every CLI command answers bad input with one message and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app, read_history
from tests.helpers import paper, write_corpus


def run(args: list[str], expect: str = "") -> None:
    result = CliRunner().invoke(app, args)
    assert expect in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output and "error:" in result.output, result.output
    assert len(result.output.strip().splitlines()) <= 3, result.output  # one clear message, not a dump


@pytest.fixture
def empty(tmp_path: Path) -> str:
    return str(tmp_path / "never-ingested")


@pytest.mark.parametrize(
    "command", [["search", "ct"], ["ask", "what is ct?"], ["doctor"], ["eval", "--limit", "1"]], ids=lambda c: c[0]
)
def test_missing_index(empty: str, command: list[str]) -> None:
    run([*command, "--data-dir", empty])


def test_deeply_nested_history_file(empty: str, tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text("[" * 100_000 + "]" * 100_000)
    run(["ask", "what is ct?", "--history-file", str(history), "--data-dir", empty], expect="history.json")


@pytest.mark.parametrize("command", [["ask", "what is ct?"], ["eval", "--limit", "1"], ["chat"]], ids=lambda c: c[0])
def test_bogus_backend(empty: str, command: list[str]) -> None:
    run([*command, "--backend", "bogus", "--data-dir", empty], expect="backend")


@pytest.mark.parametrize("k", ["-5", "0", "1000"])
def test_k_out_of_bounds(empty: str, k: str) -> None:
    run(["search", "ct", "-k", k, "--data-dir", empty], expect="k")


def test_ingest_lock_is_a_directory(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", [(paper("Lock:a study"), "We study locks in detail.")])
    (tmp_path / "data" / "ingest.lock").mkdir(parents=True)
    run(["ingest", str(tmp_path / "corpus"), "--data-dir", str(tmp_path / "data")], expect="ingest.lock")


def test_history_file_accepts_turns_with_answers_and_names_a_bad_entry(empty: str, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    turns = ["What is LiveClin?", {"question": "Which papers use EEG?", "answer": "Two.", "records": ["a", "b"]}]
    good.write_text(json.dumps(turns))
    assert read_history(good) == turns
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(["ok", {"question": "q", "records": "not a list"}]))
    run(["ask", "what is ct?", "--history-file", str(bad), "--data-dir", empty], expect="history entry 2")
