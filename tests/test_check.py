"""The startup index check: a healthy index passes; every broken one gives ok=False and advice that works."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.index import store
from assistant.index.check import INGEST, REBUILD, check_index
from assistant.index.embeddings import get_embeddings, model_id
from assistant.index.ingest import ingest
from assistant.settings import Settings
from tests.helpers import free_port, small_corpus, tampered_live_collection


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A small healthy index, ingested once; tests break copies of it."""
    root = tmp_path_factory.mktemp("check")
    settings = small_corpus(root)
    ingest(settings, progress=False)
    return settings


@pytest.fixture
def copy(built: Settings, tmp_path: Path) -> Settings:
    """Settings over a private copy of the healthy index."""
    shutil.copytree(built.data_dir, tmp_path / "data")
    return built.replace(data_dir=tmp_path / "data")


def chroma_file(settings: Settings) -> Path:
    generation = store.current_generation(settings)
    assert generation is not None
    return generation / "chroma" / "chroma.sqlite3"


def assert_broken_then_fixed(settings: Settings, advice: str, capfd: pytest.CaptureFixture[str]) -> None:
    """The check reports the damage without a traceback, and following its advice repairs the index."""
    health = check_index(settings)
    assert not health.ok and health.problems and health.advice == advice, health
    assert "Traceback" not in capfd.readouterr().err
    assert advice in str(health) and "index unusable" in str(health)
    ingest(settings, rebuild=advice == REBUILD, progress=False)
    assert check_index(settings).ok


def test_healthy_index(built: Settings) -> None:
    health = check_index(built)
    assert health.ok, health
    assert (health.records, health.chunks, health.problems, health.advice) == (3, 3, [], "")
    assert health.model == model_id(get_embeddings(built))
    assert str(health).startswith("index ok: 3 records")


def test_missing_index(built: Settings, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    settings = built.replace(data_dir=tmp_path / "never-ingested")
    assert "no index" in check_index(settings).problems[0]
    assert_broken_then_fixed(settings, INGEST, capfd)


@pytest.mark.parametrize("pointer", [b"", b"\xff\xfe\x00garbage", b"g-does-not-exist", b"../../etc"])
def test_damaged_current_pointer(copy: Settings, pointer: bytes, capfd: pytest.CaptureFixture[str]) -> None:
    (copy.index_dir / "CURRENT").write_bytes(pointer)
    assert_broken_then_fixed(copy, INGEST, capfd)
    assert not (copy.index_dir / "chroma").exists()  # the index folder itself was never opened as a generation


def test_model_mismatch(copy: Settings, capfd: pytest.CaptureFixture[str]) -> None:
    with tampered_live_collection(copy) as collection:
        collection.modify(metadata={store.MODEL_KEY: "some-other-model"})
    health = check_index(copy)
    assert health.model == "some-other-model" and "some-other-model" in health.problems[0]
    assert_broken_then_fixed(copy, REBUILD, capfd)


def test_empty_collection(copy: Settings, capfd: pytest.CaptureFixture[str]) -> None:
    with tampered_live_collection(copy) as collection:
        collection.delete(ids=collection.get()["ids"])
    health = check_index(copy)
    assert health.chunks == 0 and "empty" in health.problems[0]
    assert_broken_then_fixed(copy, REBUILD, capfd)  # the record manager still lists the chunks: only a rebuild helps


@pytest.mark.parametrize(
    "damage, advice",
    [
        ("garbage", INGEST),  # header and first pages overwritten: a plain ingest rebuilds a damaged index
        ("truncated", INGEST),  # cut in the middle
        ("emptied", INGEST),  # zero bytes: Chroma starts a new, empty database without the collection
    ],
)
def test_corrupted_chroma_database(copy: Settings, damage: str, advice: str, capfd: pytest.CaptureFixture[str]) -> None:
    path = chroma_file(copy)
    data = path.read_bytes()
    path.write_bytes(
        {"garbage": b"\x13garbage!" * 1000 + data[9000:], "truncated": data[: len(data) // 2], "emptied": b""}[damage]
    )
    health = check_index(copy)
    assert not health.ok and (damage == "emptied" or "cannot be read" in health.problems[0]), health
    assert_broken_then_fixed(copy, advice, capfd)


def test_unreachable_chroma_server(built: Settings) -> None:
    health = check_index(built.replace(chroma_url=f"http://127.0.0.1:{free_port()}"))
    assert not health.ok and "Chroma server" in health.problems[0] and "ASSISTANT_CHROMA_URL" in health.advice, health
    assert check_index(built).ok  # trying a server client leaves embedded clients of the process working
