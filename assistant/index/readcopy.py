"""Read-only use of an embedded generation: readers open a private, checked copy, never the live files.

chromadb writes into every store it opens: each ``PersistentClient`` start writes into ``chroma.sqlite3`` (its
``acquire_write`` table), and a reader rewrites a collection's HNSW files (``O_TRUNC``) when the collection's log
holds entries the files lack (an index below the engine's sync threshold). So a plain search changed the live
index, and a read-only index (a shared mount, ``chmod -R a-w``) could not be searched at all.

An ingest seals each generation with a manifest once it is complete: size, CRC-32 and identity (inode, mtime,
ctime) of every file, and which big files no reader writes (``link``): the catalog's (opened read-only) and the
store files a probe reader left untouched on a scratch copy. A reader builds its private copy from links to those
and copies of the rest; a file whose identity still matches the seal is trusted (any write, ``utime`` or
``chmod`` changes its ctime), any other is checked against its CRC while it is copied. So opening costs a copy of
``chroma.sqlite3`` and the small files, not of the whole index, and any flipped byte written since the seal is
found before the engine sees it: chromadb's Rust engine can abort the whole process (exit 134) on damaged files,
which no ``except`` can catch. A generation without a manifest (built by an earlier version) is probed instead
in a child process.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import zlib
from contextlib import ExitStack
from pathlib import Path

MANIFEST = "MANIFEST.json"
PREFIX = "assistant-ro-"
BLOCK = 1 << 20
LINK_MIN = 1 << 20  # smaller files are always copied (as fast as linked, and independent of the live ones)
KEEP_COPIES = 2  # per index: the copy in use and its predecessor (a long-running reader may still hold it)
# Opens every collection of a store and reads it as search does; exits non-zero (or is killed by an abort).
PROBE = """
import sys, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
for col in client.list_collections():
    col.count()
    got = col.get(limit=1, include=["embeddings", "documents", "metadatas"])
    if got["ids"]:
        col.query(query_embeddings=got["embeddings"], n_results=1)
"""


class CopyDamaged(Exception):
    """The generation's files do not match its manifest, or the engine failed on them in the probe."""


def _digest(path: Path, copy_to: Path | None = None) -> tuple[int, str]:
    """(size, CRC-32) of a file, written to ``copy_to`` in the same pass when given. CRC-32 is an error check,
    not a tamper seal: it finds every burst of up to 32 flipped bits and misses random damage with odds of
    2**-32, at 1.7x SHA-1's speed and 4x BLAKE2b's here."""
    crc, size = 0, 0
    with path.open("rb") as src, ExitStack() as stack:
        dst = stack.enter_context(copy_to.open("wb")) if copy_to is not None else None
        while block := src.read(BLOCK):
            crc = zlib.crc32(block, crc)
            size += len(block)
            if dst is not None:
                dst.write(block)
    return size, f"{crc:08x}"


def _files(generation: Path) -> list[Path]:
    return sorted(p for p in generation.rglob("*") if p.is_file() and p.name != MANIFEST)


def _identity(path: Path) -> list[int]:
    """What changes when a file is written, replaced, touched or chmod-ed: inode, size, mtime and ctime."""
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def seal(generation: Path, link_min: int = LINK_MIN) -> None:
    """Write the generation's manifest; run once it is complete and its writer is done with it. Files of
    ``link_min`` bytes and more that no reader writes are marked to be linked into readers' copies."""
    entries: dict[str, dict] = {}
    for path in _files(generation):
        size, digest = _digest(path)
        entries[str(path.relative_to(generation))] = {"size": size, "crc32": digest}
    for name in _unwritten(generation, [name for name, entry in entries.items() if entry["size"] >= link_min]):
        entries[name]["link"] = True
    for name, entry in entries.items():  # last: nothing above may touch the live files
        entry["identity"] = _identity(generation / name)
    tmp = generation / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"files": entries}, indent=1, sort_keys=True), encoding="utf-8")
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, generation / MANIFEST)


def _unwritten(generation: Path, candidates: list[str]) -> list[str]:
    """The candidates no reader writes: the catalog's files (opened read-only), and the store files that a
    probe reader (PROBE, in a child process) leaves untouched on a scratch copy of the store."""
    linked = [name for name in candidates if name.startswith("catalog/")]
    store = [name for name in candidates if name.startswith("chroma/")]
    if not store:
        return linked
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}seal-") as scratch:
        copy = Path(scratch) / "chroma"
        shutil.copytree(generation / "chroma", copy)
        before = {name: _identity(Path(scratch) / name) for name in store}
        try:
            probe(copy)
        except CopyDamaged:
            return linked  # the engine failed on it: link nothing of the store (readers will report it)
        return linked + [name for name in store if _identity(Path(scratch) / name) == before[name]]


def _manifest(generation: Path) -> dict[str, dict] | None:
    path = generation / MANIFEST
    if not path.exists():
        return None
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        return {str(name): dict(entry) for name, entry in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CopyDamaged(f"{MANIFEST}: cannot be read ({type(exc).__name__})") from None


_copies: dict[tuple[Path, int], Path] = {}  # (live generation, its seal's time) -> private copy, oldest first
_lock = threading.Lock()


def read_copy(generation: Path) -> Path:
    """A private copy of ``generation`` for this process, checked against its manifest; made once per generation.

    Raises CopyDamaged naming the first file that does not match (or the probe's failure)."""
    source = generation.resolve()
    try:  # a generation is sealed once; a new seal (a test re-sealing a tampered one) means a new copy
        key = (source, (source / MANIFEST).stat().st_mtime_ns)
    except FileNotFoundError:
        key = (source, 0)
    with _lock:
        if (done := _copies.get(key)) is not None and done.is_dir():
            return done
        _remove_orphans()
        target = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        try:
            _copy_checked(source, target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        _copies[key] = target
        # older generations of the same index go (an open retriever of another index keeps its copy)
        same_index = [k for k in _copies if k[0].parent == source.parent]
        while len(same_index) > KEEP_COPIES:
            shutil.rmtree(_copies.pop(same_index.pop(0)), ignore_errors=True)
        return target


def _copy_checked(source: Path, target: Path) -> None:
    expected = _manifest(source)
    for path in _files(source):
        name = str(path.relative_to(source))
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        entry = expected.pop(name, None) if expected is not None else None
        if expected is not None and entry is None:
            raise CopyDamaged(f"{name}: not part of the sealed index")
        try:
            if entry is not None and entry.get("identity") == _identity(path):  # untouched since the seal
                if entry.get("link") and os.access(path, os.W_OK):  # chromadb opens its files read-write
                    (target / name).symlink_to(path)
                else:
                    shutil.copyfile(path, target / name)
                continue
            size, digest = _digest(path, target / name)
        except OSError as exc:
            raise CopyDamaged(f"{name}: cannot be read ({exc.strerror or exc})") from None
        if entry is not None:
            if (size, digest) != (entry.get("size"), entry.get("crc32")):
                raise CopyDamaged(f"{name}: its contents changed since the index was built ({size} bytes)")
    if expected:
        raise CopyDamaged(f"{sorted(expected)[0]}: missing")
    if expected is None and (target / "chroma").is_dir():
        probe(target / "chroma")


def probe(chroma_dir: Path) -> None:
    """Open and read a store in a child process, where an engine abort cannot take this process down."""
    proc = subprocess.run([sys.executable, "-c", PROBE, str(chroma_dir)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [""])[-1][:200]
        raise CopyDamaged(f"the store engine failed on it (exit {proc.returncode}{': ' + last if last else ''})")


def _remove_orphans() -> None:
    """Copies left in the temp folder by reader processes that are gone (killed before their exit handler)."""
    for path in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = path.name[len(PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@atexit.register
def _remove_copies() -> None:
    for copy in _copies.values():
        shutil.rmtree(copy, ignore_errors=True)
    _copies.clear()
