"""What an embedded generation's chunk collection stores: each chunk's vector and the few fields a dense ``where``
filters on. The chunk texts and the rest of their metadata live once, in the generation's catalog
(``catalog.py``), sealed with the vectors in the same generation.

Chroma stores a document twice (as metadata and in a trigram full-text index) and indexes every string field:
at 10,000 synthetic chunks ``chroma.sqlite3`` held 130 MB with texts and full metadata, 25 MB without texts and
11 MB with only these fields, and ``add`` took 2.1x less CPU (benchmarks/, section ``scale``). Readers copy
``chroma.sqlite3`` (chromadb writes into it at every open, see readcopy.py), so its size is their open time.
A Chroma server keeps texts and full metadata: a data dir without the catalog rebuilds it from the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from langchain_chroma import Chroma

from assistant.retrieve.filters import FILTER_KEYS

WHERE_KEYS = ("record_id", "chunk", *FILTER_KEYS)


def where_fields(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata a chunk keeps in the collection: its record, its position, the filter fields."""
    return {key: meta[key] for key in WHERE_KEYS if key in meta}


class PipelinedChroma(Chroma):
    """LangChain's Chroma store for an ingest: a batch is stored in a background thread while the next one is
    embedded (the embedding engine releases the GIL), so storing costs no wall time of its own. ``flush`` waits for
    the last batch and raises its error; LangChain's ``index`` deletes only after a flush. An ingest verifies the
    collection's count after flushing before its generation goes live, so a lost batch is never served."""

    slim = False
    _pending: Future[Any] | None = None
    _pool: ThreadPoolExecutor | None = None

    def add_texts(
        self, texts: Iterable[str], metadatas: list[dict] | None = None, ids: list[str] | None = None, **kwargs: Any
    ) -> list[str]:
        texts = list(texts)
        keys = [key or str(uuid.uuid4()) for key in ids] if ids else [str(uuid.uuid4()) for _ in texts]
        vectors = self.embeddings.embed_documents(texts) if self.embeddings is not None else None
        metas = [where_fields(m) for m in metadatas] if metadatas and self.slim else metadatas
        self._wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="chroma-store")
        self._pending = self._pool.submit(
            self._collection.upsert,
            ids=keys,
            embeddings=vectors,  # type: ignore[arg-type]
            metadatas=metas,  # type: ignore[arg-type]
            documents=None if self.slim else texts,
        )
        return keys

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> None:
        self.flush()
        super().delete(ids, **kwargs)

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def flush(self) -> None:
        """Wait until every batch is stored (re-raising a failed store), and end the storing thread."""
        try:
            self._wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None


class SlimChroma(PipelinedChroma):
    """Writes vectors and ``where_fields`` only (no document): an embedded generation's chunk collection."""

    slim = True
