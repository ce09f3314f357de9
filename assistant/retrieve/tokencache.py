"""Chinese runs' tokens kept across processes, so most processes never load jieba's dictionary.

Loading jieba costs about 0.5 s of CPU in every process (its 9 MB prefix dictionary, read from its marshal
cache), while the runs it segments recur from process to process: record titles, abstract sentences, the golden
questions. Each segmented run is stored in an SQLite file in the user cache folder whose name is a fingerprint of
everything the tokens depend on (``text.py``'s own source, the domain terms, the stopwords and jieba's installed
files), so a change to any of them starts a new file instead of reading stale tokens. The file is a cache: when it
cannot be opened, read or written (a read-only home, a damaged file), tokens are computed as before.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sqlite3
import threading
import time
from pathlib import Path

SEP = "\x1f"
MAX_RUN = 200  # longer runs (generated junk, whole Chinese paragraphs) are segmented, not kept
MAX_BYTES = 64 << 20  # a cache grown past this is started afresh
UNUSED_S = 7 * 86400  # another version of a cache file that no process opened for a week goes when one is built
JIEBA_FILES = ("__init__.py", "_compat.py", "dict.txt", "finalseg/__init__.py") + tuple(
    f"finalseg/prob_{name}.p" for name in ("emit", "start", "trans")
)


def fingerprint(*parts: bytes) -> str:
    """A digest of ``parts`` and of jieba's installed files (size and modification time)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    spec = importlib.util.find_spec("jieba")
    if spec is not None and spec.origin is not None:
        folder = Path(spec.origin).parent
        for name in JIEBA_FILES:
            try:
                stat = (folder / name).stat()
            except OSError:
                continue
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def mark_used(path: Path) -> None:
    """Touch a cache file as a process opens it: its modification time says when it was last used."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune_versions(path: Path) -> None:
    """Delete the other versions of the cache file ``path`` (``<name>-<fingerprint>.sqlite3``) that no process has
    opened for UNUSED_S: each change of code or data names a new file (CC-CEDICT's is 25 MB), and the old ones
    would pile up in the user cache folder."""
    stem = path.name.rsplit("-", 1)[0]
    for other in path.parent.glob(f"{stem}-*.sqlite3"):
        try:
            if other != path and time.time() - other.stat().st_mtime > UNUSED_S:
                for file in (other, Path(f"{other}-wal"), Path(f"{other}-shm")):
                    file.unlink(missing_ok=True)
        except OSError:
            continue


class TokenCache:
    """run -> tokens in one SQLite file; every failure turns the cache off for this process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists() and path.stat().st_size > MAX_BYTES:
                path.unlink()
            if path.exists():
                mark_used(path)
            else:
                prune_versions(path)
            db = sqlite3.connect(path, timeout=2, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # a cache: a lost write is computed again
            db.execute("CREATE TABLE IF NOT EXISTS runs (run TEXT PRIMARY KEY, tokens TEXT NOT NULL) WITHOUT ROWID")
            self._db = db
        except (OSError, sqlite3.Error):
            self._db = None

    def get(self, run: str) -> tuple[str, ...] | None:
        with self._lock:
            if self._db is None:
                return None
            try:
                row = self._db.execute("SELECT tokens FROM runs WHERE run = ?", (run,)).fetchone()
            except sqlite3.Error:
                self._db = None
                return None
        if row is None:
            return None
        return tuple(row[0].split(SEP)) if row[0] else ()

    def put(self, run: str, tokens: tuple[str, ...]) -> None:
        if len(run) > MAX_RUN:
            return
        with self._lock:
            if self._db is None:
                return
            try:
                self._db.execute("INSERT OR IGNORE INTO runs VALUES (?, ?)", (run, SEP.join(tokens)))
            except sqlite3.Error:
                self._db = None
