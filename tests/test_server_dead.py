"""Server mode (ASSISTANT_CHROMA_URL) with nothing listening: every command gives one clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.helpers import free_port, paper, write_corpus


@pytest.mark.parametrize("command", [["search", "ct"], ["ask", "what is ct?"], ["ingest"], ["doctor"]], ids=str)
def test_dead_server(tmp_path: Path, command: list[str]) -> None:
    corpus = write_corpus(tmp_path / "corpus", [(paper("Dead:a study"), "We study dead servers.")])
    args = [*command, *([str(corpus)] if command == ["ingest"] else [])]
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path / "data"), "--chroma-url", url])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert f"Chroma server at {url}" in result.output and "ASSISTANT_CHROMA_URL" in result.output, result.output
