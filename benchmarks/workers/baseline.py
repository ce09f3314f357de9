"""The ``baseline`` worker: the LangChain + Chroma tutorial pipeline (all-MiniLM-L6-v2, dense top-k), built
over the project's own chunks, timed and scored like the project. The pipeline itself is
``assistant.evals.tutorial.TutorialPipeline``, also the ``tutorial`` side of ``assistant eval --compare``."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from benchmarks.harness import SEEDS, peak_rss_mb, rss_mb
from benchmarks.workers.common import TimedEmbeddings, chroma_client, top_records

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings


class BaselineWorker:
    """The tutorial pipeline: all-MiniLM-L6-v2 (sentence-transformers) + langchain_chroma, dense top-k only."""

    def __init__(self, config: dict[str, Any]) -> None:
        t0 = time.perf_counter()
        import chromadb  # noqa: F401  (timed with the other imports)
        import langchain_chroma  # noqa: F401

        from assistant.evals.tutorial import TutorialPipeline
        from assistant.index.chunks import chunk_records
        from assistant.index.embeddings import MiniLMEmbeddings
        from assistant.records.corpus import load_corpus

        t1 = time.perf_counter()
        rss_imports = rss_mb()
        real = MiniLMEmbeddings()
        t2 = time.perf_counter()
        self.timed = TimedEmbeddings(real, None)
        corpus = load_corpus([Path(p) for p in config.get("sources", [SEEDS])])
        docs = chunk_records(corpus.records, 400, 60)  # the project's chunks, identical text and metadata
        persist = Path(config["persist_dir"])
        shutil.rmtree(persist, ignore_errors=True)
        t3 = time.perf_counter()
        embedding = cast("Embeddings", self.timed)  # TimedEmbeddings has the Embeddings methods
        self.store = TutorialPipeline(docs, embedding, chroma_client(persist)).store  # the eval's tutorial side too
        t4 = time.perf_counter()
        self.model = real
        t = time.perf_counter()
        self.store.similarity_search("warm-up: which papers use EEG signals?", k=5)
        first_ms = (time.perf_counter() - t) * 1000
        self.ready = {
            "import_s": t1 - t0,
            "model_load_s": t2 - t1,
            "build_s": t4 - t3,
            "build_embed_s": self.timed.seconds,
            "build_store_s": (t4 - t3) - self.timed.seconds,
            "chunks": len(docs),
            "rss_after_imports_mb": rss_imports,
            "rss_after_open_mb": rss_mb(),
            "first_search_ms": first_ms,
            "peak_rss_mb": peak_rss_mb(),
        }

    def cmd_pass(self, queries: list[str], cold: bool = True, k: int = 5) -> dict[str, Any]:
        rows = []
        for q in queries:
            t = time.perf_counter()
            vec = self.model.embed_query(q)
            t_embed = time.perf_counter()
            self.store.similarity_search_by_vector(vec, k=k)
            t_end = time.perf_counter()
            rows.append({"wall": (t_end - t) * 1000, "embed": (t_embed - t) * 1000, "dense": (t_end - t_embed) * 1000})
        return {"rows": rows, "rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}

    def cmd_eval(self, queries: list[str], k: int = 5) -> dict[str, Any]:
        out = []
        for q in queries:
            docs = self.store.similarity_search(q, k=k)
            out.append(top_records(docs, k))
        return {"dense_minilm": out}

    def cmd_rss(self) -> dict[str, Any]:
        return {"rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}
