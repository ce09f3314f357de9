"""Long ingests print plain progress lines when stderr is not a terminal (a log file, a CI job)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import paper, write_corpus


def test_progress_lines_when_not_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.index import ingest as ingest_module

    monkeypatch.setattr(ingest_module, "PROGRESS_EVERY", 2)
    records = [(paper(f"Long{i}:study {i}"), f"We study long ingest {i}.") for i in range(6)]
    corpus = write_corpus(tmp_path / "corpus", records)
    result = CliRunner().invoke(app, ["ingest", str(corpus), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert "embedded 2/6 chunks" in result.output and "embedded 4/6 chunks" in result.output, result.output
