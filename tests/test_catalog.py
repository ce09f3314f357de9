"""The persisted catalog and BM25 index: written at ingest inside the generation, opened without re-indexing,
kept by an unchanged ingest, updated by an incremental one, rebuilt once (with a message) for an older index."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from langchain_chroma import Chroma

from assistant.index import catalog, readcopy, store
from assistant.index.catalog import Catalog, read_collection
from assistant.index.chunks import chunk_records
from assistant.index.ingest import chunk_key, ingest
from assistant.index.slim import SlimChroma
from assistant.records.corpus import load_corpus
from assistant.retrieve.filters import Filters
from assistant.retrieve.hybrid import HybridRetriever
from assistant.retrieve.lexical import Lexical, chunk_tokens
from assistant.retrieve.text import tokenize
from assistant.settings import Settings
from tests.chroma_server import ChromaServer
from tests.helpers import THREE_PAPERS, paper, small_corpus, write_corpus

FILTERS = [
    Filters(),
    Filters(track="医学影像"),
    Filters(track=["医学影像", "clinical NLP"]),
    Filters(presentation="Poster", exclude={"track": ["医学影像"]}),
    Filters(has_code=True),
    Filters(exclude={"has_code": [True]}),
    Filters(year=2026),
    Filters(venue="NeurIPS 2025"),
]
SLEEP = "SleepNet:sleep staging from wearables"


def live_catalog(settings: Settings) -> Path:
    generation = store.current_generation(settings)
    assert generation is not None
    return generation / "catalog"


def test_ingest_persists_a_catalog_equal_to_the_in_memory_one(tmp_path: Path) -> None:
    settings = small_corpus(tmp_path)
    ingest(settings, progress=False)
    collection = store.open_location(settings).client.get_collection(settings.index.collection)
    persisted = Catalog.open(live_catalog(settings))
    records = load_corpus(settings.sources).records
    docs = chunk_records(records, settings.index.chunk_tokens, settings.index.chunk_overlap)
    ids, texts, metas = [chunk_key(d) for d in docs], [d.page_content for d in docs], [d.metadata for d in docs]
    fresh = Catalog(ids, texts, metas)
    assert sorted(collection.get(include=[])["ids"]) == sorted(ids)  # the vectors of exactly these chunks
    assert sorted(persisted.ids) == sorted(ids) and len(persisted) == 3
    order = [fresh.row[cid] for cid in persisted.ids]  # the same chunks, maybe in another order
    assert [persisted.metas[i] for i in range(3)] == [metas[i] for i in order]
    assert list(persisted.texts) == [texts[i] for i in order]
    for filters in FILTERS:
        assert persisted.allowed(filters).tolist() == fresh.allowed(filters)[order].tolist(), filters
    for query in ("EEG tokenizing signals", "息肉 video segmentation", "nothing-matches-this"):
        assert np.allclose(persisted.bm25_scores(tokenize(query)), fresh.bm25_scores(tokenize(query))[order])
    assert persisted.venues == fresh.venues and persisted.tracks == fresh.tracks
    assert sorted(persisted.values("track")) == sorted({m["track"] for m in metas})
    rid = persisted.metas[0]["record_id"]
    assert persisted.records[rid] == [0] and len(persisted.records) == 3 and "no-such-record" not in persisted.records
    persisted.metas[0]["title"] = "changed by a caller"  # rows read again come from a cache, never the caller's copy
    assert persisted.metas[0] == metas[order[0]] and persisted.metas[-1] == metas[order[-1]]
    with pytest.raises(IndexError):
        persisted.metas[3]


def test_unchanged_ingest_keeps_the_catalog_and_an_incremental_one_updates_it(tmp_path: Path) -> None:
    settings = small_corpus(tmp_path)
    ingest(settings, progress=False)
    manifest = live_catalog(settings) / "manifest.json"
    written = manifest.stat().st_mtime_ns
    ingest(settings, progress=False)
    assert manifest.stat().st_mtime_ns == written  # nothing rewritten

    new = (paper(SLEEP), "We stage sleep from wrist accelerometry.")
    write_corpus(tmp_path / "corpus", [*THREE_PAPERS[:2], new])  # one record replaced by another
    report = ingest(settings, progress=False)
    assert (report.added, report.deleted) == (1, 1)
    titles = {m["title"] for m in Catalog.open(live_catalog(settings)).metas}
    assert titles == {"EEGTok:tokenizing EEG signals", "CardioBench:ECG foundation model benchmark", SLEEP}
    hit = HybridRetriever(settings).search("sleep staging with wrist accelerometers").hits[0]
    assert hit.title.startswith("SleepNet")


def test_an_index_without_a_catalog_is_rebuilt_by_readers_then_written_by_ingest(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = small_corpus(tmp_path)
    with monkeypatch.context() as patch:  # built as an earlier version did: texts and metadata in the collection
        patch.setattr(SlimChroma, "add_texts", Chroma.add_texts)
        ingest(settings, progress=False)
    collection = store.open_location(settings).client.get_collection(settings.index.collection)
    assert len(read_collection(collection)[1]) == 3
    shutil.rmtree(live_catalog(settings))  # as an index built before catalogs were persisted
    readcopy.seal(live_catalog(settings).parent)
    capfd.readouterr()
    first = HybridRetriever(settings).search("EEG tokenizing")
    assert "rebuilding the catalog and BM25 index" in capfd.readouterr().err
    assert not live_catalog(settings).exists()  # a reader never writes the live generation: the next ingest does
    assert ingest(settings, progress=False).skipped == 3
    assert catalog.is_current(live_catalog(settings), 3)
    capfd.readouterr()
    second = HybridRetriever(settings).search("EEG tokenizing")
    assert "rebuilding" not in capfd.readouterr().err
    assert [h.record_id for h in first.hits] == [h.record_id for h in second.hits]


def test_a_slim_index_without_its_catalog_is_a_clear_error_until_ingest_writes_it(tmp_path: Path) -> None:
    """The collection keeps no texts (index/slim.py): readers cannot rebuild the catalog and say what to run."""
    settings = small_corpus(tmp_path)
    ingest(settings, progress=False)
    shutil.rmtree(live_catalog(settings))
    readcopy.seal(live_catalog(settings).parent)
    with pytest.raises(store.IndexDamaged, match="no chunk texts.*run `assistant ingest`"):
        HybridRetriever(settings)
    assert ingest(settings, progress=False).skipped == 3
    assert HybridRetriever(settings).search("EEG tokenizing").hits[0].title == "EEGTok:tokenizing EEG signals"


def test_a_catalog_of_another_format_is_rebuilt_by_an_unchanged_ingest(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    settings = small_corpus(tmp_path)
    ingest(settings, progress=False)
    manifest = live_catalog(settings) / "manifest.json"
    manifest.write_text('{"format": 0}', encoding="utf-8")
    readcopy.seal(manifest.parent.parent)
    capfd.readouterr()
    assert ingest(settings, progress=False).skipped == 3
    assert "writing its catalog" in capfd.readouterr().err
    assert catalog.is_current(live_catalog(settings), 3)


def test_a_catalog_of_another_tokenizer_is_retokenized_not_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A code update that changes the tokens (a new domain term) must not leave BM25 searching the old tokens: a
    reader tokenizes the catalog's texts again, and an unchanged ingest rewrites the catalog from fresh tokens."""
    settings = small_corpus(tmp_path)
    with monkeypatch.context() as old:  # the index as an earlier version of the tokenizer wrote it
        old.setattr(catalog, "tokenizer_version", lambda: "an-earlier-tokenizer")
        old.setattr(catalog, "chunk_tokens", lambda text: ["stale"])
        ingest(settings, progress=False)
    folder = live_catalog(settings)
    assert catalog.stored_tokens(folder) == {}  # not reused under this version
    assert not catalog.is_current(folder, 3)
    capfd.readouterr()
    reader = Catalog.open(folder)  # a reader before the next ingest: the texts tokenized again, with a message
    assert "another version of the tokenizer" in capfd.readouterr().err
    scores = reader.bm25_scores(tokenize("video polyp segmentation"))
    assert "PolypNet" in reader.texts[int(np.argmax(scores))] and scores.max() > 0
    assert ingest(settings, progress=False).skipped == 3
    assert "writing its catalog" in capfd.readouterr().err
    assert catalog.is_current(folder, 3)
    tokens = catalog.stored_tokens(folder)
    assert tokens and all("stale" not in t for t in tokens.values())
    fresh = Catalog.open(folder)
    scores = fresh.bm25_scores(tokenize("video polyp segmentation"))
    assert "PolypNet" in fresh.texts[int(np.argmax(scores))] and scores.max() > 0


def test_lexical_scores_equal_bm25s_scores(tmp_path: Path) -> None:
    import bm25s

    texts = [f"{h}\n{b}" for h, b in THREE_PAPERS] + ["", "EEG EEG EEG motif"]
    tokens = [chunk_tokens(t) for t in texts]
    reference = bm25s.BM25()
    reference.index(tokens, show_progress=False)
    built = Lexical.build(tokens)
    built.save(tmp_path / "bm25")
    loaded = Lexical.load(tmp_path / "bm25", len(texts))
    for query in ("EEG motif", "EEG EEG signals", "息肉 视频 segmentation", "ECG 12-lead benchmark"):
        terms = tokenize(query)
        known = [t for t in terms if t in reference.vocab_dict]
        expected = reference.get_scores(known) if known else np.zeros(len(texts))
        assert np.allclose(built.scores(terms), expected) and np.allclose(loaded.scores(terms), expected), query
    assert not loaded.scores(["unknown-term"]).any() and not loaded.scores([]).any()


@pytest.mark.slow
def test_server_mode_keeps_its_catalog_in_the_data_dir(tmp_path: Path, chroma_server: ChromaServer) -> None:
    settings = small_corpus(tmp_path, chroma_url=chroma_server.url)
    ingest(settings, progress=False)
    home = catalog.server_home(settings)
    first = store.live_server_collection(settings)
    assert first and catalog.is_current(home / first, 3)  # named after the generation it describes
    ingest(settings, progress=False)
    assert store.live_server_collection(settings) == first  # unchanged: kept
    before = HybridRetriever(settings)
    write_corpus(tmp_path / "corpus", [*THREE_PAPERS, (paper(SLEEP), "We stage sleep from wrist accelerometry.")])
    assert ingest(settings, progress=False).added == 1
    second = store.live_server_collection(settings)
    assert second and second != first and catalog.is_current(home / second, 4)
    assert HybridRetriever(settings).search("sleep staging from wrist accelerometry").hits[0].title == SLEEP
    assert len(before.catalog) == 3 and before.search("EEG").hits  # an open retriever keeps the catalog it opened
    assert sorted(p.name for p in home.iterdir()) == sorted([first, second])  # the live and the previous one
