"""Read-only use of the index: search, ask and the health check never write into the live generation, and an
index nobody may write to (``chmod -R a-w``, e.g. a shared mount) is searched and answered."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.index import readcopy, store
from assistant.index.check import check_index
from assistant.index.ingest import ingest
from assistant.settings import Settings
from tests.helpers import ROOT, paper, small_corpus

RECORDS = [
    (paper("Spleen3D:spleen volume estimation"), "We estimate spleen volume from abdominal CT with a 3D network."),
    (paper("RetinaAge:retinal age gap"), "We predict biological age from fundus photographs of the retina."),
]
QUESTION = "which study estimates spleen volume from CT?"
NOBODY = 65534


def checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings: Settings = small_corpus(tmp_path_factory.mktemp("readonly"), RECORDS)
    ingest(settings, progress=False)
    return settings


def test_search_ask_and_check_write_nothing(built: Settings, tmp_path: Path) -> None:
    """Each command in its own process, as users run them (in the ingesting process chromadb keeps the store
    it built open, and a new open is what wrote)."""
    before = checksums(built.index_dir)
    data = ["--data-dir", str(built.data_dir)]
    search = run_cli_process("search", "spleen volume CT", *data, home=tmp_path)
    assert search.returncode == 0 and "Spleen3D" in search.stdout.splitlines()[1], search.stderr[-2000:]
    answer = run_cli_process("ask", QUESTION, *data, home=tmp_path)
    assert answer.returncode == 0 and "Spleen3D" in answer.stdout, answer.stderr[-2000:]
    doctor = run_cli_process("doctor", *data, home=tmp_path)
    assert doctor.returncode == 0 and "index ok: 2 records" in doctor.stdout, doctor.stderr[-2000:]
    assert checksums(built.index_dir) == before  # chroma.sqlite3 and the HNSW files too, byte for byte


@pytest.fixture
def read_only_copy(built: Settings) -> Iterator[Path]:
    """A copy of the data folder that nobody may write (under /tmp so that an unprivileged user can read it)."""
    root = Path(tempfile.mkdtemp(prefix="ro-index-"))
    shutil.copytree(built.data_dir, root / "data")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    yield root / "data"
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(root)


def unprivileged() -> list[str]:
    """As root (who may write anywhere) commands run as nobody, so that a-w binds."""
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if os.geteuid() == 0 else []


def run_cli_process(*args: str, home: Path, user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process (as ``user``: a command prefix such as unprivileged())."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(home)}
    return subprocess.run(
        [*(user or []), sys.executable, "-m", "assistant.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def run_unprivileged(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return run_cli_process(*args, home=home, user=unprivileged())


def test_read_only_index_is_searched_and_answered(read_only_copy: Path) -> None:
    before = checksums(read_only_copy)
    home = Path(tempfile.mkdtemp(prefix="ro-home-"))
    home.chmod(0o777)
    try:
        with pytest.raises(PermissionError):
            _try_write(read_only_copy)
        search = run_unprivileged("search", "spleen volume CT", "--data-dir", str(read_only_copy), home=home)
        assert search.returncode == 0 and "Spleen3D" in search.stdout.splitlines()[1], search.stderr[-2000:]
        answer = run_unprivileged("ask", QUESTION, "--data-dir", str(read_only_copy), home=home)
        assert answer.returncode == 0 and "Spleen3D" in answer.stdout, answer.stderr[-2000:]
        assert "Traceback" not in search.stderr + answer.stderr
    finally:
        shutil.rmtree(home)
    assert checksums(read_only_copy) == before


def _try_write(data: Path) -> None:
    """Proves the copy is read-only for the user the commands run as (raises PermissionError)."""
    probe = subprocess.run([*unprivileged(), "touch", str(data / "index" / "probe")], capture_output=True, text=True)
    if probe.returncode != 0:
        raise PermissionError(probe.stderr.strip())


def test_unsealed_generation_is_probed_then_sealed_by_an_unchanged_ingest(built: Settings, tmp_path: Path) -> None:
    """A generation built before manifests existed: readers probe it in a child process, and the next ingest,
    with nothing to change, seals it so that readers stop paying for the probe."""
    shutil.copytree(built.data_dir, tmp_path / "data")
    settings = built.replace(data_dir=tmp_path / "data")
    live = store.current_generation(settings)
    assert live is not None
    (live / readcopy.MANIFEST).unlink()
    assert check_index(settings).ok
    report = ingest(settings, progress=False)
    assert (report.added, report.skipped) == (0, len(RECORDS)) and store.current_generation(settings) == live
    assert (live / readcopy.MANIFEST).exists() and check_index(settings).ok


def test_copies_of_older_generations_go_per_index_and_other_indexes_keep_theirs(tmp_path: Path) -> None:
    """A process that reads several indexes (evals comparing data dirs, the test suite) keeps each one's copy;
    only an index's own superseded generations are removed."""

    def generation(index: str, name: str) -> Path:
        path = tmp_path / index / "index" / name
        (path / "chroma").mkdir(parents=True)
        (path / "records.sqlite").write_bytes(b"rows of " + name.encode())
        readcopy.seal(path)
        return path

    other = readcopy.read_copy(generation("a", "g-1"))
    copies = [readcopy.read_copy(generation("b", f"g-{n}")) for n in range(1, 4)]
    assert other.is_dir() and (other / "records.sqlite").read_bytes() == b"rows of g-1"
    assert [c.is_dir() for c in copies] == [False, True, True]  # KEEP_COPIES of index b: the newest two


def identities(generation: Path) -> dict[str, list[int]]:
    manifest = json.loads((generation / readcopy.MANIFEST).read_text(encoding="utf-8"))["files"]
    return {name: entry["identity"] for name, entry in manifest.items()}


def linked(generation: Path) -> set[str]:
    manifest = json.loads((generation / readcopy.MANIFEST).read_text(encoding="utf-8"))["files"]
    return {name for name, entry in manifest.items() if entry.get("link")}


def test_files_no_reader_writes_are_linked_and_stay_untouched(built: Settings, tmp_path: Path) -> None:
    """Sealed with every file a link candidate: the catalog is linked, the store files chromadb rewrites at open
    (``chroma.sqlite3``; HNSW files of a collection below the sync threshold) are copied; after a search, an
    answer and the health check in their own processes every live file is as sealed (so readers still trust it)."""
    shutil.copytree(built.data_dir, tmp_path / "data")
    settings = built.replace(data_dir=tmp_path / "data")
    live = store.current_generation(settings)
    assert live is not None
    readcopy.seal(live, link_min=0)
    links = linked(live)
    assert {"catalog/rows.sqlite", "catalog/codes.npy"} <= links
    assert "chroma/chroma.sqlite3" not in links and not any(name.endswith("data_level0.bin") for name in links)
    sealed, before = identities(live), checksums(live)
    data = ["--data-dir", str(settings.data_dir)]
    for args, expected in (
        (("search", "spleen volume CT"), "Spleen3D"),
        (("ask", QUESTION), "Spleen3D"),
        (("doctor",), "index ok: 2 records"),
    ):
        done = run_cli_process(*args, *data, home=tmp_path)
        assert done.returncode == 0 and expected in done.stdout, done.stderr[-2000:]
    assert checksums(live) == before
    assert {name: readcopy._identity(live / name) for name in sealed} == sealed
    copy = readcopy.read_copy(live)
    assert {str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_symlink()} == links


def test_a_synced_store_links_its_vectors_and_a_write_to_a_linked_file_is_found(tmp_path: Path) -> None:
    """A collection past chromadb's sync threshold (1,000 entries) has its HNSW files complete on disk: readers
    open them read-write but do not write them, so they are linked. A byte changed in one afterwards changes its
    ctime, and the reader checks it against its CRC-32 and refuses the copy."""
    import chromadb
    import numpy as np

    generation = tmp_path / "g-1"
    client = chromadb.PersistentClient(path=str(generation / "chroma"), settings=store.chroma_settings())
    collection = client.create_collection("vectors", configuration={"hnsw": {"space": "cosine"}})
    vectors = np.random.default_rng(0).standard_normal((2000, 384)).astype(np.float32)
    for start in range(0, 2000, 1000):
        collection.add(ids=[f"c{i}" for i in range(start, start + 1000)], embeddings=vectors[start : start + 1000])
    del collection, client
    readcopy.seal(generation, link_min=1 << 16)
    links = linked(generation)
    assert any(name.endswith("data_level0.bin") for name in links) and "chroma/chroma.sqlite3" not in links
    sealed = identities(generation)
    readcopy.probe(readcopy.read_copy(generation) / "chroma")  # a reader in another process, through the links
    assert {name: readcopy._identity(generation / name) for name in sealed} == sealed
    vectors_file = generation / next(name for name in links if name.endswith("data_level0.bin"))
    with vectors_file.open("r+b") as fh:
        fh.seek(4096)
        byte = fh.read(1)
        fh.seek(4096)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(readcopy.CopyDamaged, match="data_level0.bin: its contents changed"):
        readcopy._copy_checked(generation, tmp_path / "copy")
