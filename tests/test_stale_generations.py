"""Leftovers of killed builds (generations, CURRENT.<pid>.tmp pointers) are removed on every ingest, also when
nothing changed, and at start-up; never the live generation, its predecessor, or while another ingest builds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from assistant.index import store
from assistant.index.check import check_index
from assistant.index.ingest import ingest, tidy_index
from assistant.settings import Settings
from tests.helpers import paper, small_corpus

RECORDS = [(paper(f"Tidy{i}:study {i}"), f"We study topic {i} of tidy generations.") for i in range(3)]


@pytest.fixture
def littered(tmp_path: Path) -> tuple[Settings, set[Path], set[Path]]:
    """An index plus what killed builds leave: (settings, kept, stale)."""
    settings: Settings = small_corpus(tmp_path, RECORDS)
    ingest(settings, progress=False)
    live = store.current_generation(settings)
    assert live is not None
    index = settings.index_dir
    previous = index / "g-20000102-000000-2-2"  # the generation the live one replaced: readers may hold it
    stale = {index / "g-20000101-000000-1-1", index / "g-29990101-000000-9-9", index / "g-29990101-000000-9-8"}
    for gen in {previous} | stale:
        shutil.copytree(live, gen)
    for pid in (123, 4567):
        (index / f"CURRENT.{pid}.tmp").write_text(live.name)
    stale |= {index / "CURRENT.123.tmp", index / "CURRENT.4567.tmp"}
    return settings, {live, previous}, stale


def leftovers(settings: Settings) -> set[Path]:
    return set(settings.index_dir.glob("g-*")) | set(settings.index_dir.glob("CURRENT.*.tmp"))


def test_unchanged_ingest_cleans_up(littered: tuple[Settings, set[Path], set[Path]]) -> None:
    settings, kept, stale = littered
    report = ingest(settings, progress=False)
    assert report.added == 0 and report.skipped == len(RECORDS)
    assert leftovers(settings) == kept
    assert check_index(settings).ok


def test_start_up_cleans_up_unless_an_ingest_is_building(littered: tuple[Settings, set[Path], set[Path]]) -> None:
    settings, kept, stale = littered
    lock = FileLock(settings.data_dir / "ingest.lock", blocking=False)
    with lock:  # another ingest is building: its generation must not be touched
        assert tidy_index(settings) == []
    assert leftovers(settings) == kept | stale
    assert set(tidy_index(settings)) == stale
    assert leftovers(settings) == kept
    assert check_index(settings).ok
