"""The ``growth_build`` worker: a synthetic index generation of N chunks, stored exactly as the project stores
one, plus store and embedding throughput probes."""

from __future__ import annotations

import re
import shutil
import time
from typing import Any

from benchmarks.harness import WORK, peak_rss_mb, rss_mb, stats
from benchmarks.synthetic import synthetic_corpus, synthetic_vectors
from benchmarks.workers.common import chroma_client, settings_for


def add_in_batches(
    collection: Any, ids: list[str], vectors: Any, texts: list[str], metas: list[dict[str, Any]], batch: int, slim: bool
) -> list[float]:
    """``collection.add`` of precomputed vectors, ``batch`` at a time; the seconds of each add. ``slim``: as
    ingest writes an embedded generation, without texts and with the filter fields only (index/slim.py)."""
    from assistant.index.slim import where_fields

    seconds = []
    for start in range(0, len(ids), batch):
        t = time.perf_counter()
        part = metas[start : start + batch]
        collection.add(
            ids=ids[start : start + batch],
            embeddings=vectors[start : start + batch],
            documents=None if slim else texts[start : start + batch],
            metadatas=[where_fields(m) for m in part] if slim else part,
        )
        seconds.append(time.perf_counter() - t)
    return seconds


PIECE = re.compile(r"(?<=[.!?。])\s+|\n")  # where synthetic texts join seed sentences (no token spans these)


def cached_tokens(texts: list[str]) -> list[list[str]]:
    """The chunks' BM25 tokens (the same bag ``chunk_tokens`` gives), computed once per distinct sentence: the
    synthetic texts recombine the seed sentences, and tokenizing 1M chunks afresh would take most of a build."""
    from assistant.retrieve.lexical import EMPTY, chunk_tokens

    memo: dict[str, list[str]] = {}
    out = []
    for text in texts:
        tokens: list[str] = []
        for piece in PIECE.split(text):
            if piece not in memo:
                memo[piece] = [t for t in chunk_tokens(piece) if t != EMPTY]
            tokens += memo[piece]
        out.append(tokens or [EMPTY])
    return out


class GrowthBuildWorker:
    """Builds a synthetic index of N chunks (random unit vectors, seed-derived texts and metadata) exactly where
    and how the project keeps one: an embedded generation with CURRENT pointing at it, or (``chroma_url``) a
    Chroma server's collection; then its catalog and BM25 index, as ingest writes them."""

    def __init__(self, config: dict[str, Any]) -> None:
        import chromadb

        from assistant.index import catalog, readcopy, server, store
        from assistant.index.embeddings import get_embeddings

        settings = settings_for(config)
        n, batch = int(config["chunks"]), int(config["batch"])
        t = time.perf_counter()
        ids, texts, metas = synthetic_corpus(n, seed=int(config.get("seed", 0)))
        gen_s = time.perf_counter() - t
        vectors = synthetic_vectors(n, seed=int(config.get("seed", 0)))
        self.embeddings = get_embeddings(settings)
        generation = settings.index_dir / f"g-synthetic-{n}"
        if config.get("store_path"):  # the files of a Chroma server, written before it serves them
            client = chromadb.PersistentClient(path=config["store_path"], settings=store.chroma_settings())
            name = server.new_name(settings.index.collection)
            location = store.Location(client, settings.data_dir / "records.sqlite", None, "synthetic", name)
        elif settings.index.chroma_url:  # a server-mode generation: a collection of its own, switched in below
            location = store.server_location(settings, server.new_name(settings.index.collection))
        else:
            settings.index_dir.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(generation, ignore_errors=True)
            generation.mkdir()
            location = store.generation_location(generation, settings)
        store.vector_store(location, settings, self.embeddings, create=True)  # the project's collection config
        collection = location.client.get_collection(location.collection, embedding_function=None)
        t = time.perf_counter()
        slim = location.path is not None or bool(config.get("store_path"))  # see section scale's notes
        batches = add_in_batches(collection, ids, vectors, texts, metas, batch, slim=slim)
        add_s = time.perf_counter() - t
        count = collection.count()
        t = time.perf_counter()
        tokens = cached_tokens(texts)
        tokens_s = time.perf_counter() - t
        t = time.perf_counter()
        catalog.write_catalog(catalog.live_folder(settings, location), ids, texts, metas, tokens)
        catalog_s = time.perf_counter() - t
        if settings.index.chroma_url:
            live = server.live_collection(location.client, settings.index.collection)
            server.switch(location.client, settings.index.collection, location.collection, live)
        else:
            readcopy.seal(generation)  # readers open a checked copy of a sealed generation
            store.switch_generation(settings, generation)
        self.texts = texts
        self.ready = {
            "chunks": count,
            "records": len({m["record_id"] for m in metas}),
            "gen_s": gen_s,
            "add_s": add_s,
            "tokens_s": tokens_s,
            "catalog_s": catalog_s,
            "batch": batch,
            "batches": len(batches),
            "batch_s": stats(batches),
            "chunks_per_s": n / add_s,
            "rss_mb": rss_mb(),
            "peak_rss_mb": peak_rss_mb(),
            "generation": str(generation if not settings.index.chroma_url else catalog.server_home(settings)),
        }

    def cmd_small_batches(self, n: int, batch: int) -> dict[str, Any]:
        """Store throughput with the ingest's own batch size (Settings.embed_batch) on a throwaway collection."""
        path = WORK / "growth" / "small-batches"
        shutil.rmtree(path, ignore_errors=True)
        client = chroma_client(path)
        col = client.create_collection("small-batches", configuration={"hnsw": {"space": "cosine"}})
        ids, texts, metas = synthetic_corpus(n, seed=7)
        t = time.perf_counter()
        add_in_batches(col, ids, synthetic_vectors(n, seed=7), texts, metas, batch, slim=True)
        seconds = time.perf_counter() - t
        del col, client
        shutil.rmtree(path, ignore_errors=True)
        return {"n": n, "batch": batch, "seconds": seconds, "chunks_per_s": n / seconds}

    def cmd_embed_sample(self, n: int) -> dict[str, Any]:
        """Embedding throughput of the project's model on a sample of the synthetic chunk texts."""
        sample = self.texts[:n]
        t = time.perf_counter()
        self.embeddings.embed_documents(sample)
        seconds = time.perf_counter() - t
        return {"n": len(sample), "seconds": seconds, "per_s": len(sample) / seconds}
