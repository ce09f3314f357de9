"""The ``ingest`` worker: the project's ingest with its embedding time split out (cold, unchanged, changed)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.harness import peak_rss_mb, rss_mb
from benchmarks.workers.common import TimedEmbeddings, settings_for


class IngestWorker:
    """Loads the project and its embedding model; ``ingest`` runs assistant.index.ingest.ingest once."""

    def __init__(self, config: dict[str, Any]) -> None:
        t0 = time.perf_counter()
        from assistant.index import embeddings as emb_mod
        from assistant.index.ingest import ingest

        self.ingest = ingest
        t1 = time.perf_counter()
        self.settings = settings_for(config)
        real = emb_mod.get_embeddings(self.settings)
        t2 = time.perf_counter()
        self.timed = TimedEmbeddings(real, Path(config["embed_cache"]) if config.get("embed_cache") else None)
        # every get_embeddings(settings) in the ingest now returns the timing wrapper
        emb_mod._cache[emb_mod.embeddings_key(self.settings)] = self.timed  # type: ignore[assignment]
        self.ready = {"import_s": t1 - t0, "model_load_s": t2 - t1, "rss_mb": rss_mb()}

    def cmd_ingest(self, use_cache: bool = False, save_cache: bool = False, rebuild: bool = False) -> dict[str, Any]:
        self.timed.use_cache = use_cache
        self.timed.seconds, self.timed.texts = 0.0, 0
        t = time.perf_counter()
        report = self.ingest(self.settings, rebuild=rebuild, progress=False)
        wall = time.perf_counter() - t
        if save_cache:
            self.timed.save()
        return {
            "report": report.to_dict(),
            "wall_s": wall,
            "embed_s": self.timed.seconds,
            "embedded_texts": self.timed.texts,
            "rest_s": wall - self.timed.seconds,
            "rss_mb": rss_mb(),
            "peak_rss_mb": peak_rss_mb(),
        }

    def cmd_prepare(self) -> dict[str, Any]:
        """Load + chunk the corpus alone (the part of an ingest before any embedding or store work)."""
        from assistant.index.chunks import chunk_records
        from assistant.records.corpus import load_corpus

        t = time.perf_counter()
        corpus = load_corpus(self.settings.sources, self.settings.index.max_line_chars)
        docs = chunk_records(corpus.records, self.settings.index.chunk_tokens, self.settings.index.chunk_overlap)
        return {"seconds": time.perf_counter() - t, "records": len(corpus.records), "chunks": len(docs)}

    def cmd_embed_sample(self, n: int, repeats: int = 1) -> dict[str, Any]:
        """The embedding model alone on the first ``n`` chunk texts, in the ingest's batch size."""
        from assistant.index.chunks import chunk_records
        from assistant.records.corpus import load_corpus

        corpus = load_corpus(self.settings.sources, self.settings.index.max_line_chars)
        texts = [
            d.page_content
            for d in chunk_records(corpus.records, self.settings.index.chunk_tokens, self.settings.index.chunk_overlap)
        ][:n]
        runs = []
        for _ in range(repeats):
            t = time.perf_counter()
            self.timed.real.embed_documents(texts)
            runs.append(time.perf_counter() - t)
        return {"texts": len(texts), "seconds": runs, "chars": sum(len(x) for x in texts)}
