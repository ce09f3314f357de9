"""The Chroma index: idempotent, incremental ingest; model id check; the Chroma server mode."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.index import catalog, store
from assistant.index.embeddings import get_embeddings
from assistant.index.ingest import IngestLocked, ingest, ingest_lock
from assistant.index.slim import WHERE_KEYS
from assistant.retrieve.filters import Filters
from assistant.retrieve.hybrid import HybridRetriever
from assistant.settings import Settings
from tests.helpers import THREE_PAPERS, paper, small_corpus, tampered_live_collection, write_corpus
from tests.servers import ChromaServer

RECORDS = [  # the three papers, the first with a code link
    (THREE_PAPERS[0][0], f"{THREE_PAPERS[0][1]} Code/project link: https://github.com/x/eeg"),
    *THREE_PAPERS[1:],
]


def small_settings(tmp_path: Path, records: list[tuple[str, str]] = RECORDS, **extra: object) -> Settings:
    settings: Settings = small_corpus(tmp_path, records, **extra)
    return settings


def live_catalog(settings: Settings) -> catalog.Catalog:
    """The catalog of the live generation: the one home of the chunks' texts and metadata (index/slim.py)."""
    live = store.current_generation(settings)
    assert live is not None
    return catalog.Catalog.open(catalog.generation_folder(live))


def test_reingest_unchanged_writes_nothing(tmp_path: Path) -> None:
    settings = small_settings(tmp_path)
    first = ingest(settings, progress=False)
    assert (first.added, first.deleted) == (3, 0)
    live = store.current_generation(settings)
    second = ingest(settings, progress=False)
    assert (second.added, second.updated, second.deleted, second.skipped) == (0, 0, 0, 3)
    assert store.current_generation(settings) == live  # no new generation was even built


def test_changed_record_updates_only_its_chunks_and_removed_record_is_cleaned(tmp_path: Path) -> None:
    settings = small_settings(tmp_path)
    ingest(settings, progress=False)
    changed = [RECORDS[0], (RECORDS[1][0], RECORDS[1][1] + " Now with 9 cohorts.")]  # third record removed
    write_corpus(tmp_path / "corpus", changed)
    report = ingest(settings, progress=False)
    assert (report.added, report.skipped, report.deleted) == (1, 1, 2)
    collection = store.open_location(settings).client.get_collection(settings.index.collection)
    assert collection.count() == 2
    texts = list(live_catalog(settings).texts)
    assert any("9 cohorts" in t for t in texts) and not any("polyp" in t for t in texts)


def test_the_embedded_collection_keeps_vectors_and_filter_fields_only(tmp_path: Path) -> None:
    """Texts and display metadata live in the generation's catalog; Chroma keeps what a dense ``where`` needs."""
    settings = small_settings(tmp_path)
    ingest(settings, progress=False)
    collection = store.open_location(settings).client.get_collection(settings.index.collection)
    stored = collection.get(include=["documents", "metadatas", "embeddings"])
    assert stored["documents"] == [None, None, None] and np.asarray(stored["embeddings"]).shape == (3, 384)
    assert all(set(meta) <= set(WHERE_KEYS) and "record_id" in meta for meta in stored["metadatas"] or [])
    rows = live_catalog(settings)
    assert {rows.metas[rows.row[cid]]["record_id"] for cid in stored["ids"]} == {
        meta["record_id"] for meta in stored["metadatas"] or []
    }
    hits = HybridRetriever(settings).search("polyp segmentation", filters=Filters(has_code=True)).hits
    assert [h.title for h in hits] == ["EEGTok:tokenizing EEG signals"]  # the where clause, on the stored fields


def test_long_record_is_split_with_metadata_on_every_chunk(tmp_path: Path) -> None:
    long_body = " ".join(f"Sentence {i} about retinal imaging and fundus photographs." for i in range(120))
    settings = small_settings(tmp_path, [(paper("LongOne:a long abstract"), long_body)], chunk_tokens=200)
    report = ingest(settings, progress=False)
    assert report.records == 1 and report.chunks > 3
    metas = list(live_catalog(settings).metas)
    assert len(metas) == report.chunks and {m["record_id"] for m in metas} == {metas[0]["record_id"]}
    assert all(m["title"] == "LongOne:a long abstract" and m["chunks"] == report.chunks for m in metas)


def test_index_built_with_another_model_is_a_clear_error(tmp_path: Path) -> None:
    settings = small_settings(tmp_path)
    ingest(settings, progress=False)
    location = store.open_location(settings)
    collection = location.client.get_collection(settings.index.collection)
    collection.modify(metadata={store.MODEL_KEY: "some-other-model"})
    with pytest.raises(store.IndexMismatch, match="re-ingest|ingest --rebuild"):
        store.vector_store(location, settings, get_embeddings(settings), create=False)


def test_missing_index_tells_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(store.IndexMissing, match="assistant ingest"):
        HybridRetriever(Settings(data_dir=tmp_path))


def test_second_ingest_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    settings = small_settings(tmp_path)
    with ingest_lock(settings):
        code = (
            "from assistant.settings import Settings; from assistant.index.ingest import ingest\n"
            f"ingest(Settings(data_dir={str(settings.data_dir)!r}, sources=[{str(tmp_path / 'corpus')!r}]))"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "another ingest is running" in proc.stderr
    with pytest.raises(IngestLocked), ingest_lock(settings), ingest_lock(settings):
        pass


@pytest.mark.slow
def test_server_mode_against_chroma_run(tmp_path: Path, chroma_server: ChromaServer) -> None:
    settings = small_settings(tmp_path, chroma_url=chroma_server.url)
    assert ingest(settings, progress=False).added == 3
    assert ingest(settings, progress=False).skipped == 3  # idempotent against the server too
    assert not (settings.index_dir / "CURRENT").exists()  # nothing was written locally as an index
    result = HybridRetriever(settings).search("tokenizing brain signals from EEG")
    assert result.hits[0].title.startswith("EEGTok")
    assert result.hits[0].url == "https://github.com/x/eeg"


def test_plain_ingest_repairs_an_emptied_collection(tmp_path: Path) -> None:
    settings = small_settings(tmp_path)
    ingest(settings, progress=False)
    with tampered_live_collection(settings) as collection:
        collection.delete(ids=collection.get()["ids"])  # record manager and store now disagree
    report = ingest(settings, progress=False)
    assert report.rebuilt and report.added == 3
    assert store.open_location(settings).client.get_collection(settings.index.collection).count() == 3
