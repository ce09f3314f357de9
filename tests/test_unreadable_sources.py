"""An unreadable source is an error naming it, and never deletes its records from the index.

Tests run as root, whom file permissions do not stop, so unreadability is simulated in ways that hold for
root too: the reader raising PermissionError for one file or folder (monkeypatched in-process), a dangling
symlink and a FIFO named like a record file (real files; a FIFO would also block a naive reader forever).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.index.check import check_index
from assistant.index.ingest import SourcesUnreadable, ingest
from assistant.records import parse
from assistant.settings import Settings
from tests.helpers import paper, write_corpus


def records(tag: str, n: int = 2) -> list[tuple[str, str]]:
    return [(paper(f"{tag}{i}:study {tag} {i}"), f"We study {tag} topic {i} in detail.") for i in range(n)]


@pytest.fixture
def indexed(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, records("Alpha"), "a.txt")
    write_corpus(corpus, records("Beta"), "b.txt")
    write_corpus(corpus / "sub", records("Gamma"), "c.txt")
    settings = Settings(data_dir=tmp_path / "data", sources=[corpus])
    assert ingest(settings, progress=False).records == 6
    return settings


def refuse_read(monkeypatch: pytest.MonkeyPatch, target: Path, reader: str) -> None:
    real = getattr(parse, reader)

    def denied(path: Path) -> Any:
        if Path(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(parse, reader, denied)


def assert_refused_and_kept(settings: Settings, name: str) -> None:
    with pytest.raises(SourcesUnreadable) as caught:
        ingest(settings, progress=False)
    assert name in str(caught.value)
    result = CliRunner().invoke(app, ["ingest", "--data-dir", str(settings.data_dir), str(settings.sources[0])])
    assert result.exit_code != 0 and name in result.output and "deleted" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    health = check_index(settings)
    assert health.ok and health.records == 6, health  # nothing deleted because it could not be read


def test_unreadable_file(indexed: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_read(monkeypatch, indexed.sources[0] / "b.txt", "_read_bytes")
    assert_refused_and_kept(indexed, "b.txt")


def test_unreadable_folder(indexed: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_read(monkeypatch, indexed.sources[0] / "sub", "_list_dir")
    assert_refused_and_kept(indexed, "sub")


def test_dangling_symlink(indexed: Settings) -> None:
    target = indexed.sources[0] / "b.txt"
    target.unlink()
    target.symlink_to(indexed.sources[0] / "gone.txt")
    assert_refused_and_kept(indexed, "b.txt")


def test_fifo_named_as_a_record_file(indexed: Settings) -> None:
    (indexed.sources[0] / "sub" / "c.txt").unlink()
    os.mkfifo(indexed.sources[0] / "sub" / "c.txt")
    assert_refused_and_kept(indexed, "c.txt")


def test_a_file_read_and_emptied_of_records_still_deletes_them(indexed: Settings) -> None:
    write_corpus(indexed.sources[0], records("Beta", 1), "b.txt")
    report = ingest(indexed, progress=False)
    assert (report.records, report.deleted) == (5, 1)
